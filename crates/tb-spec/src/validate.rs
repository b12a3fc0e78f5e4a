//! From the raw TOML shape to a checked `Spec`: the tender, run, sandbox,
//! scoring, suites, criteria and vendors, each value checked where it is.

use super::*;

use std::ops::Range;

/// What checking one criterion needs from the rest of the spec.
struct CriterionContext<'a> {
    suites: &'a [SuiteSpec],
    /// The ids of the raw `[[stage]]`s, before the stages themselves are checked.
    stage_ids: &'a [String],
    repeats: u32,
}

/// The criteria, checked one by one, with what the checks across them need.
struct CheckedCriteria {
    list: Vec<Criterion>,
    /// Where each criterion of `list` names its grader, for errors found
    /// after the criteria are built.
    grader_spans: Vec<Range<usize>>,
    /// Where each criterion naming a judge names it, in the order of those criteria.
    judge_refs: Vec<(Range<usize>, String)>,
    weight_sum: f64,
    /// The span of the last criterion's weight, where a wrong sum is reported.
    last_weight_span: Range<usize>,
}

impl Validator<'_> {
    /// The whole spec, checked section by section; errors are reported in
    /// the order of the sections, and within one in the order of its values.
    pub(crate) fn validate(&mut self, raw: RawSpec, base: &Path) -> Spec {
        let tender = self.tender(raw.tender);
        let run = self.run(raw.run);
        let scoring = self.scoring(raw.scoring);
        let suites = self.suites(raw.suites, base);

        let raw_stage_ids: Vec<String> = raw.stages.iter().map(|s| s.id.get_ref().clone()).collect();
        let context = CriterionContext { suites: &suites, stage_ids: &raw_stage_ids, repeats: run.repeats };
        let criteria = self.criteria(raw.criteria, &context);
        let stages = self.stages(raw.stages, &criteria.list);
        self.check_weight_sum(&criteria);

        let vendors = self.vendors(raw.vendors);
        let sandbox = self.sandbox(raw.sandbox);
        let agent = self.agent(raw.agent);
        self.check_agent_suites(&criteria, &suites);

        let judges = self.judges(raw.judges, &vendors);
        self.check_judge_refs(&criteria, &judges);

        Spec { stages, judges, sandbox, agent, tender, run, scoring, suites, criteria: criteria.list, vendors }
    }

    /// `[tender]`: the price weight (a fraction, at least the statutory
    /// minimum for the kind of procurement), the id and the time zone.
    fn tender(&mut self, t: RawTender) -> Tender {
        let kind = t.kind;
        let pw = *t.price_weight.get_ref();
        if !(0.0..=1.0).contains(&pw) {
            self.error(t.price_weight.span(), format!("price_weight is {pw}, expected a fraction between 0 and 1"));
        } else if pw < kind.min_price_weight() - 1e-9 {
            let (what, min) = match kind {
                ProcurementKind::Goods => ("goods", MIN_PRICE_WEIGHT_GOODS),
                ProcurementKind::Services => ("services", MIN_PRICE_WEIGHT_SERVICES),
            };
            self.error(
                t.price_weight.span(),
                format!(
                    "price_weight {pw} is below the statutory minimum of {min} for {what} (MoF Order No. 87, art. 55)"
                ),
            );
        }
        if t.id.get_ref().trim().is_empty() {
            self.error(t.id.span(), "tender id must not be empty");
        }
        if let Some(z) = &t.time_zone
            && let Err(e) = tb_core::zone::Zone::parse(z.get_ref())
        {
            self.error(z.span(), e);
        }
        Tender {
            id: t.id.into_inner(),
            title: t.title,
            buyer: t.buyer,
            kind,
            price_weight: pw,
            time_zone: t.time_zone.map(Spanned::into_inner),
        }
    }

    /// `[run]`: at least one repeat, and a positive budget where one is set.
    fn run(&mut self, run: RawRun) -> RunSettings {
        let repeats = *run.repeats.get_ref();
        if repeats == 0 {
            self.error(run.repeats.span(), "repeats must be at least 1");
        }
        let budget_per_vendor = run.budget_per_vendor.map(|b| {
            let amount = *b.get_ref();
            if !(amount > 0.0 && amount.is_finite()) {
                self.error(b.span(), "budget_per_vendor must be a positive amount");
            }
            amount
        });
        RunSettings {
            blind: run.blind,
            repeats,
            seed: run.seed,
            temperature: run.temperature,
            max_tokens: run.max_tokens,
            budget_per_vendor,
        }
    }

    /// `[scoring]`: the significance level and the abnormally-low fraction.
    fn scoring(&mut self, scoring: RawScoring) -> Scoring {
        let significance = *scoring.significance.get_ref();
        if !(significance > 0.0 && significance < 0.5) {
            self.error(scoring.significance.span(), "significance must be a level between 0 and 0.5 (e.g. 0.05)");
        }
        let abnormal = *scoring.abnormally_low_below_average.get_ref();
        if !(0.0..1.0).contains(&abnormal) {
            self.error(
                scoring.abnormally_low_below_average.span(),
                "abnormally_low_below_average must be a fraction from 0 up to 1",
            );
        }
        Scoring {
            decimals: scoring.decimals,
            abnormally_low_below_average: abnormal,
            significance,
            bootstrap_resamples: scoring.bootstrap_resamples,
            abnormally_low_basis: scoring.abnormally_low_basis,
            unjustified_abnormally_low: scoring.unjustified_abnormally_low,
            tie_break: scoring.tie_break,
            failed_cells: scoring.failed_cells,
        }
    }

    /// Every `[[suite]]`, its id unique; files resolved against `base`.
    fn suites(&mut self, raw: Vec<RawSuite>, base: &Path) -> Vec<SuiteSpec> {
        let mut ids = HashSet::new();
        let mut suites = Vec::new();
        for s in raw {
            self.unique(&mut ids, "suite id", &s.id);
            suites.push(self.suite(s, base));
        }
        suites
    }

    /// One suite: its id, format, file, seal and commitment, and column mapping.
    fn suite(&mut self, s: RawSuite, base: &Path) -> SuiteSpec {
        if s.id.get_ref().starts_with(tb_core::LOAD_SUITE_PREFIX) {
            self.error(
                s.id.span(),
                format!(
                    "suite ids may not begin with {:?}: the load stages' requests are stored under it",
                    tb_core::LOAD_SUITE_PREFIX
                ),
            );
        }
        let format = self.suite_format(s.format.as_ref());
        let resolved = base.join(s.path.get_ref());
        if !resolved.is_file() {
            self.error(s.path.span(), format!("suite file {} does not exist", resolved.display()));
        }
        self.check_seal(&s);
        let seal = s.seal.as_ref().map(|p| base.join(p.get_ref()));
        let columns = self.suite_columns(s.columns, format);
        SuiteSpec {
            id: s.id.into_inner(),
            path: s.path.into_inner(),
            format,
            commitment: s.commitment.map(Spanned::into_inner),
            columns,
            sheet: s.sheet,
            practice: s.practice.map(Spanned::into_inner).unwrap_or(false),
            resolved,
            seal,
        }
    }

    /// A suite's format by name; JSONL when none is given (or the name is unknown).
    fn suite_format(&mut self, format: Option<&Spanned<String>>) -> SuiteFormat {
        match format {
            None => SuiteFormat::Jsonl,
            Some(f) => match SuiteFormat::from_name(f.get_ref()) {
                Some(format) => format,
                None => {
                    self.error(
                        f.span(),
                        format!(
                            "unknown suite format {:?}; expected one of: {}",
                            f.get_ref(),
                            SuiteFormat::names().join(", ")
                        ),
                    );
                    SuiteFormat::Jsonl
                }
            },
        }
    }

    /// A sealed suite's fields agree: not the practice suite, a 64-hex-digit
    /// commitment, and no seal file without its commitment.
    fn check_seal(&mut self, s: &RawSuite) {
        if let (Some(p), Some(_)) = (&s.practice, &s.commitment)
            && *p.get_ref()
        {
            self.error(p.span(), "a sealed suite (with a commitment) cannot be the public practice suite");
        }
        if let Some(c) = &s.commitment
            && (c.get_ref().len() != 64 || !c.get_ref().chars().all(|ch| ch.is_ascii_hexdigit()))
        {
            self.error(c.span(), "commitment must be the 64 hex digits that `tenderbench seal` printed");
        }
        if let (Some(seal), None) = (&s.seal, &s.commitment) {
            self.error(seal.span(), "`seal` names the seal file of a sealed suite: give its `commitment` too");
        }
    }

    /// A table suite's `columns` (field → column), each field a known one.
    fn suite_columns(
        &mut self,
        columns: Option<Spanned<std::collections::BTreeMap<String, String>>>,
        format: SuiteFormat,
    ) -> Vec<(String, String)> {
        match columns {
            Some(c) => {
                let span = c.span();
                let map = c.into_inner();
                if let Some(bad) = map.keys().find(|f| !tb_suite::import::FIELDS.contains(&f.as_str())) {
                    self.error(
                        span.clone(),
                        format!("unknown column field {bad:?}; fields are: {}", tb_suite::import::FIELDS.join(", ")),
                    );
                }
                if !format.is_table() {
                    self.error(span, format!("`columns` maps a csv or xlsx table; this suite's format is {format}"));
                }
                map.into_iter().collect()
            }
            None => Vec::new(),
        }
    }

    /// Every `[[criterion]]`, its id unique, with the running sum of the weights.
    fn criteria(&mut self, raw: Vec<RawCriterion>, context: &CriterionContext) -> CheckedCriteria {
        let mut ids = HashSet::new();
        let mut checked = CheckedCriteria {
            list: Vec::new(),
            grader_spans: Vec::new(),
            judge_refs: Vec::new(),
            weight_sum: 0.0,
            last_weight_span: 0..0,
        };
        for c in raw {
            self.unique(&mut ids, "criterion id", &c.id);
            let grader_span = c.grader.span();
            if let Some(criterion) = self.criterion(c, context, &mut checked) {
                checked.list.push(criterion);
                checked.grader_spans.push(grader_span);
            }
        }
        checked
    }

    /// One criterion: where it is scored, its grader and metric, weight, gate,
    /// rule and `calls_in_text`; its weight and judge are noted in `checked`.
    /// `None` when its grader is unknown (reported, with every other error).
    fn criterion(
        &mut self,
        c: RawCriterion,
        context: &CriterionContext,
        checked: &mut CheckedCriteria,
    ) -> Option<Criterion> {
        let kind = self.grader_kind(&c.grader);
        let sla = self.sla_of(&c, context.stage_ids);
        self.check_criterion_suite(&c, kind, context.suites);
        let metric = self.criterion_metric(&c, kind, context.repeats);
        let w = *c.weight.get_ref();
        if !(0.0..=1.0).contains(&w) {
            self.error(c.weight.span(), format!("weight is {w}, expected a fraction between 0 and 1"));
        }
        checked.weight_sum += w;
        checked.last_weight_span = c.weight.span();
        let gate = c.gate.map(|g| self.gate(g));
        if let (Some(g), Some(GraderKind::Sla)) = (&gate, kind)
            && (g.min != Some(1.0) || g.max.is_some() || g.preset.is_some())
        {
            self.error(
                c.id.span(),
                "an SLA criterion's value is 1 when met and 0 when not: its gate is `gate = { min = 1 }` \
                 (with `basis = \"bound\"` to require the interval's unfavourable end to meet the target)",
            );
        }
        let grader = kind?;
        let rule = c.rule.map(|r| self.criterion_rule(grader, r));
        let calls_in_text = c.calls_in_text.map(|v| self.calls_in_text(grader, v));
        Some(Criterion {
            name: c.name.unwrap_or_else(|| c.id.get_ref().clone()),
            id: c.id.into_inner(),
            suite: c.suite.map(Spanned::into_inner).unwrap_or_default(),
            grader,
            metric,
            weight: w,
            gate,
            judge: c.judge.map(|j| (j.span(), j.into_inner())).map(|(span, j)| {
                checked.judge_refs.push((span, j.clone()));
                j
            }),
            rubric: c.rubric,
            sla,
            rule,
            calls_in_text,
        })
    }

    /// The grader a criterion names, or `None` (and an error naming the
    /// closest known one) for a name this build does not know.
    fn grader_kind(&mut self, name: &Spanned<String>) -> Option<GraderKind> {
        let kind = GraderKind::parse(name.get_ref());
        if kind.is_none() {
            let known: Vec<_> = GraderKind::ALL.iter().map(|g| g.name()).collect();
            let guess = crate::closest(name.get_ref(), known.iter().copied())
                .map_or(String::new(), |g| format!(" (did you mean {g:?}?)"));
            self.error(
                name.span(),
                format!("unknown grader {:?}{guess}; expected one of: {}", name.get_ref(), known.join(", ")),
            );
        }
        kind
    }

    /// A criterion's `suite`: none for a subjective or an SLA criterion, and
    /// for any other a suite the spec defines.
    fn check_criterion_suite(&mut self, c: &RawCriterion, kind: Option<GraderKind>, suites: &[SuiteSpec]) {
        let subjective = kind == Some(GraderKind::Evaluators);
        let sla = kind == Some(GraderKind::Sla);
        match &c.suite {
            Some(suite) if subjective => self.error(
                suite.span(),
                "a subjective criterion (grader \"evaluators\") is scored by the committee, not on a suite: remove `suite`",
            ),
            Some(suite) if sla => self.error(
                suite.span(),
                "an SLA criterion is judged on a load stage's measurements: name the `stage`, not a suite",
            ),
            None if sla => {}
            Some(suite) if !suites.iter().any(|s| &s.id == suite.get_ref()) => {
                let known: Vec<_> = suites.iter().map(|s| s.id.as_str()).collect();
                self.error(
                    suite.span(),
                    format!(
                        "criterion uses suite {:?}, which no [[suite]] defines (defined: {})",
                        suite.get_ref(),
                        known.join(", ")
                    ),
                );
            }
            None if !subjective => {
                self.error(c.id.span(), "criterion needs `suite` (or grader = \"evaluators\" for a subjective one)")
            }
            _ => {}
        }
    }

    /// A criterion's metric: the one named (one its grader reports, or pass@k
    /// / pass^k with k within the repeats), else its grader's first.
    fn criterion_metric(&mut self, c: &RawCriterion, kind: Option<GraderKind>, repeats: u32) -> String {
        match (kind, &c.metric) {
            (None, _) => String::new(),
            (Some(g), None) => g.metrics()[0].to_string(),
            (Some(g), Some(m)) => {
                let metrics = g.metrics();
                match per_case_metric(m.get_ref()).map(|p| p.k) {
                    // pass@k and pass^k over the run's repeats work for every grader.
                    Some(k) if k == 0 || k > repeats => {
                        self.error(m.span(), format!("{} needs 1 ≤ k ≤ [run] repeats ({repeats})", m.get_ref()))
                    }
                    Some(_) => {}
                    None if !metrics.contains(&m.get_ref().as_str()) => self.error(
                        m.span(),
                        format!(
                            "grader {g} has no metric {:?}; it reports: {}, or pass@k / pass^k with k samples per case",
                            m.get_ref(),
                            metrics.join(", ")
                        ),
                    ),
                    None => {}
                }
                m.get_ref().clone()
            }
        }
    }

    /// A criterion's gate, its preset's bounds filled in, with a bound in 0..1.
    fn gate(&mut self, g: Spanned<Gate>) -> Gate {
        let span = g.span();
        let mut gate = g.into_inner();
        if let Some(name) = &gate.preset {
            match GATE_PRESETS.iter().find(|(n, ..)| n == name) {
                Some((_, min, samples, _)) => {
                    gate.min = gate.min.or(Some(*min));
                    gate.min_samples = gate.min_samples.or(Some(*samples));
                }
                None => {
                    let known: Vec<_> = GATE_PRESETS.iter().map(|(n, ..)| *n).collect();
                    self.error(span.clone(), format!("unknown gate preset {name:?}; presets: {}", known.join(", ")));
                }
            }
        }
        if gate.min.is_none() && gate.max.is_none() {
            self.error(span.clone(), "a gate needs `min` or `max`");
        }
        for bound in [gate.min, gate.max].into_iter().flatten() {
            if !(0.0..=1.0).contains(&bound) {
                self.error(span.clone(), format!("gate bound {bound} is outside 0..1"));
            }
        }
        gate
    }

    /// A criterion's `rule`: one of its grader's rules.
    fn criterion_rule(&mut self, grader: GraderKind, r: Spanned<String>) -> String {
        let rules = grader.rules();
        if !rules.contains(&r.get_ref().as_str()) {
            let expected = if rules.is_empty() {
                format!("grader {grader} has one rule and takes no `rule`")
            } else {
                format!("expected one of: {}", rules.join(", "))
            };
            self.error(r.span(), format!("unknown rule {:?}; {expected}", r.get_ref()));
        }
        r.into_inner()
    }

    /// A criterion's `calls_in_text`: `accept` or `reject`, on a tool_call criterion only.
    fn calls_in_text(&mut self, grader: GraderKind, v: Spanned<String>) -> String {
        if grader != GraderKind::ToolCall {
            self.error(v.span(), "`calls_in_text` is for a tool_call criterion");
        } else if !matches!(v.get_ref().as_str(), "accept" | "reject") {
            self.error(v.span(), format!("calls_in_text is {:?}; expected \"accept\" or \"reject\"", v.get_ref()));
        }
        v.into_inner()
    }

    /// At least one criterion, and the weights summing to 1.
    fn check_weight_sum(&mut self, criteria: &CheckedCriteria) {
        if criteria.list.is_empty() {
            self.error(0..0, "the spec has no [[criterion]]: at least one is needed");
        } else if (criteria.weight_sum - 1.0).abs() > 1e-6 {
            self.error(
                criteria.last_weight_span.clone(),
                format!(
                    "criterion weights sum to {}, expected 1 (they split the technical part; the price part is [tender].price_weight)",
                    (criteria.weight_sum * 1e6).round() / 1e6
                ),
            );
        }
    }

    /// Every `[[vendor]]`, its name unique; at least one.
    fn vendors(&mut self, raw: Vec<RawVendor>) -> Vec<VendorSpec> {
        let mut names = HashSet::new();
        let mut vendors = Vec::new();
        for v in raw {
            self.unique(&mut names, "vendor name", &v.name);
            vendors.push(self.vendor(v));
        }
        if vendors.is_empty() {
            self.error(0..0, "the spec has no [[vendor]]: at least one is needed");
        }
        vendors
    }

    /// One vendor: its endpoint, model, bid, limits and agent platform API,
    /// with the provider preset's defaults filled in.
    fn vendor(&mut self, v: RawVendor) -> VendorSpec {
        let (preset, base_url) = self.endpoint("vendor", &v.name, &v.provider, &v.base_url);
        if v.model.get_ref().trim().is_empty() {
            self.error(v.model.span(), "model must not be empty");
        }
        let price = *v.bid_price.get_ref();
        if !(price > 0.0 && price.is_finite()) {
            self.error(v.bid_price.span(), format!("bid_price is {price}, expected a positive amount"));
        }
        if *v.concurrency.get_ref() == 0 {
            self.error(v.concurrency.span(), "concurrency must be at least 1");
        }
        let timeout = *v.timeout_secs.get_ref();
        if !(timeout > 0.0 && timeout.is_finite()) {
            self.error(v.timeout_secs.span(), "timeout_secs must be a positive number of seconds");
        }
        let family = v
            .family
            .clone()
            .or_else(|| model_family(v.provider.as_ref().map(|p| p.get_ref().as_str()), v.model.get_ref()));
        let fim_url = self.fim_url(&v, preset, &base_url);
        let agent_api = v.agent_api.map(|a| {
            let span = a.span();
            self.agent_api(a.into_inner(), &base_url, v.stream, span)
        });
        if let Some(rps) = &v.requests_per_second
            && !(*rps.get_ref() > 0.0 && rps.get_ref().is_finite())
        {
            self.error(rps.span(), "requests_per_second must be a positive number");
        }
        VendorSpec {
            fim_url,
            requests_per_second: v.requests_per_second.map(Spanned::into_inner),
            agent_api: agent_api.flatten(),
            name: v.name.into_inner(),
            provider: v.provider.map(Spanned::into_inner),
            base_url,
            model: v.model.into_inner(),
            api_key_env: v.api_key_env.or_else(|| preset.and_then(|p| p.api_key_env).map(str::to_string)),
            bid_price: price,
            concurrency: v.concurrency.into_inner(),
            timeout_secs: timeout,
            max_retries: v.max_retries,
            stream: v.stream,
            stream_usage: v.stream_usage.unwrap_or(preset.is_some_and(|p| p.stream_usage)),
            temperature_range: v.temperature_range.or(preset.map(|p| p.temperature_range)).unwrap_or((0.0, 2.0)),
            price_per_mtok_input: v.price_per_mtok_input,
            price_per_mtok_output: v.price_per_mtok_output,
            family,
        }
    }

    /// A vendor's fill-in-the-middle endpoint: `fim_url` as given, else with
    /// `fim = true` the preset's or `{base_url}/completions`.
    fn fim_url(&mut self, v: &RawVendor, preset: Option<&providers::Preset>, base_url: &str) -> Option<String> {
        if let Some(url) = &v.fim_url {
            if !(url.get_ref().starts_with("http://") || url.get_ref().starts_with("https://")) {
                self.error(url.span(), "fim_url must be an http:// or https:// URL");
            }
            if v.fim.as_ref().is_some_and(|f| !*f.get_ref()) {
                self.error(url.span(), "fim_url is given but fim = false; remove one");
            }
            return Some(url.get_ref().clone());
        }
        let fim = v.fim.as_ref()?;
        if !*fim.get_ref() {
            return None;
        }
        if v.agent_api.is_some() {
            self.error(fim.span(), "an agent platform (agent_api) has no fill-in-the-middle endpoint; remove fim");
            return None;
        }
        Some(match preset.and_then(|p| p.fim_url) {
            Some(url) => url.to_string(),
            None => format!("{}/completions", base_url.trim_end_matches('/')),
        })
    }

    /// `[sandbox]` over the defaults: a known isolation and positive limits.
    fn sandbox(&mut self, raw: Option<Spanned<RawSandbox>>) -> SandboxSettings {
        let mut sandbox = SandboxSettings::default();
        if let Some(raw_sandbox) = raw {
            let span = raw_sandbox.span();
            let r = raw_sandbox.into_inner();
            if let Some(i) = r.isolation {
                match tb_core::Isolation::parse(&i) {
                    Some(isolation) => sandbox.isolation = isolation,
                    None => self.error(
                        span.clone(),
                        format!("unknown sandbox isolation {i:?}; expected bubblewrap or rlimit_only"),
                    ),
                }
            }
            sandbox.workers = r.workers.unwrap_or(sandbox.workers);
            sandbox.cpu_seconds = r.cpu_seconds.unwrap_or(sandbox.cpu_seconds);
            sandbox.wall_seconds = r.wall_seconds.unwrap_or(sandbox.wall_seconds);
            sandbox.memory_mb = r.memory_mb.unwrap_or(sandbox.memory_mb);
            if sandbox.workers == 0 || sandbox.cpu_seconds == 0 || sandbox.wall_seconds <= 0.0 || sandbox.memory_mb < 64
            {
                self.error(
                    span,
                    "sandbox limits must be positive (workers, cpu_seconds, wall_seconds) and memory_mb at least 64",
                );
            }
        }
        sandbox
    }

    /// `[agent]` over the defaults: budgets within bounds, and the tool
    /// server's address and URL well formed.
    fn agent(&mut self, raw: Option<Spanned<RawAgent>>) -> AgentSettings {
        let mut agent = AgentSettings::default();
        if let Some(raw_agent) = raw {
            let span = raw_agent.span();
            let r = raw_agent.into_inner();
            let b = &mut agent.budget;
            b.max_turns = r.max_turns.unwrap_or(b.max_turns);
            b.max_seconds = r.max_seconds.unwrap_or(b.max_seconds);
            b.max_total_tokens = r.max_total_tokens.unwrap_or(b.max_total_tokens);
            let within = (1..=1000).contains(&b.max_turns)
                && b.max_seconds > 0.0
                && b.max_seconds <= 86_400.0
                && b.max_total_tokens > 0;
            if !within {
                self.error(
                    span.clone(),
                    "[agent] budgets: max_turns from 1 to 1000, max_seconds above 0 and at most a day, max_total_tokens above 0",
                );
            }
            if let Some(listen) = &r.tool_server
                && listen.parse::<std::net::SocketAddr>().is_err()
            {
                self.error(
                    span.clone(),
                    format!("[agent] tool_server {listen:?} must be an address and port, e.g. 127.0.0.1:0"),
                );
            }
            if let Some(url) = &r.tool_server_url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                self.error(span, format!("[agent] tool_server_url {url:?} must start with http:// or https://"));
            }
            agent.tool_server = r.tool_server;
            agent.tool_server_url = r.tool_server_url;
        }
        agent
    }

    /// The agent graders grade agent suites, and nothing else grades them.
    fn check_agent_suites(&mut self, criteria: &CheckedCriteria, suites: &[SuiteSpec]) {
        for (c, span) in criteria.list.iter().zip(&criteria.grader_spans) {
            let Some(suite) = suites.iter().find(|s: &&SuiteSpec| s.id == c.suite) else { continue };
            let agent_grader = matches!(c.grader, GraderKind::Agent | GraderKind::AgentSafety);
            if agent_grader != (suite.format == SuiteFormat::Agent) {
                self.error(
                    span.clone(),
                    format!(
                        "criterion {}: the agent and agent_safety graders grade agent suites (format = \"agent\") and \
                         nothing else grades them; suite {} has format {} and the criterion's grader is {}",
                        c.id, suite.id, suite.format, c.grader
                    ),
                );
            }
        }
    }

    /// A named judge is a defined one, on a grader that uses judges; the
    /// judge grader always names one.
    fn check_judge_refs(&mut self, criteria: &CheckedCriteria, judges: &[JudgeSpec]) {
        let named = criteria.list.iter().filter(|c: &&Criterion| c.judge.is_some());
        for (c, (span, id)) in named.zip(&criteria.judge_refs) {
            if !(matches!(c.grader, GraderKind::Judge | GraderKind::Refusal) || c.grader.reads_an_answer()) {
                self.error(
                    span.clone(),
                    format!(
                        "criterion {} names a judge, but its grader is {} (judges grade judge and refusal, and read \
                         the answers choice and numeric leave undecided)",
                        c.id, c.grader
                    ),
                );
            } else if !judges.iter().any(|j| &j.id == id) {
                let known: Vec<_> = judges.iter().map(|j| j.id.as_str()).collect();
                self.error(span.clone(), format!("no [[judge]] has id {id:?} (defined: {})", known.join(", ")));
            }
        }
        let judge_graders = criteria.list.iter().zip(&criteria.grader_spans);
        for (c, span) in judge_graders.filter(|(c, _)| c.grader == GraderKind::Judge && c.judge.is_none()) {
            self.error(
                span.clone(),
                format!("criterion {} uses the judge grader: name its judge with judge = \"ID\"", c.id),
            );
        }
    }
}
