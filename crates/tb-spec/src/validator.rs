//! The validator: every error located (file, line, column); endpoints, judges,
//! agent platform APIs, SLA targets and load stages.

use super::*;

pub(crate) struct Validator<'a> {
    pub(crate) text: &'a str,
    pub(crate) file: &'a Path,
    pub(crate) errors: Vec<SpecError>,
}

impl Validator<'_> {
    pub(crate) fn error(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        if span == (0..0) {
            // About the spec as a whole, or a value it left to its default:
            // there is no line to point at, so none is claimed.
            return self.errors.push(SpecError {
                file: self.file.into(),
                line: 0,
                column: 0,
                message: message.into(),
                source_line: None,
            });
        }
        let (line, column, source_line) = locate(self.text, span.start);
        self.errors.push(SpecError {
            file: self.file.into(),
            line,
            column,
            message: message.into(),
            source_line: Some(source_line),
        });
    }

    /// The preset and base URL of a vendor's or a judge's endpoint: the URL
    /// written, else the provider preset's; each problem reported where it is.
    pub(crate) fn endpoint(
        &mut self,
        what: &str,
        name: &Spanned<String>,
        provider: &Option<Spanned<String>>,
        base_url: &Option<Spanned<String>>,
    ) -> (Option<&'static providers::Preset>, String) {
        let preset = provider.as_ref().and_then(|p| {
            let found = providers::preset(p.get_ref());
            if found.is_none() {
                self.error(
                    p.span(),
                    format!(
                        "unknown provider {:?}; presets: {} (or omit it and give base_url)",
                        p.get_ref(),
                        providers::names()
                    ),
                );
            }
            found
        });
        let url = match (base_url, preset) {
            (Some(u), _) => {
                let url = u.get_ref().trim_end_matches('/').to_string();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    self.error(u.span(), format!("base_url {:?} must start with http:// or https://", u.get_ref()));
                }
                url
            }
            (None, Some(p)) => p.base_url.to_string(),
            (None, None) => {
                self.error(name.span(), format!("{what} {:?} needs base_url (or a provider preset)", name.get_ref()));
                String::new()
            }
        };
        (preset, url)
    }

    /// Judges, checked: endpoint as for a vendor, and no judge grading a
    /// bidder of its own model family when it forbids that.
    pub(crate) fn judges(&mut self, raw: Vec<RawJudge>, vendors: &[VendorSpec]) -> Vec<JudgeSpec> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for j in raw {
            self.unique(&mut seen, "judge id", &j.id);
            let (preset, base_url) = self.endpoint("judge", &j.id, &j.provider, &j.base_url);
            let provider = j.provider.as_ref().map(|p| p.get_ref().clone());
            let family = j.family.clone().or_else(|| model_family(provider.as_deref(), j.model.get_ref()));
            if j.forbid_same_family
                && let Some(f) = &family
            {
                for v in vendors.iter().filter(|v| v.family.as_ref() == Some(f)) {
                    self.error(
                        j.id.span(),
                        format!(
                            "judge {:?} is a {f} model and may not grade bidder {:?}, also {f}: name a judge of another family \
                             (or set forbid_same_family = false)",
                            j.id.get_ref(),
                            v.name
                        ),
                    );
                }
            }
            out.push(JudgeSpec {
                id: j.id.get_ref().clone(),
                forbid_same_family: j.forbid_same_family,
                note: j.note.clone(),
                endpoint: VendorSpec {
                    name: String::new(),
                    provider,
                    base_url,
                    model: j.model.get_ref().clone(),
                    api_key_env: j
                        .api_key_env
                        .clone()
                        .or_else(|| preset.and_then(|p| p.api_key_env).map(str::to_string)),
                    bid_price: 0.0,
                    concurrency: (*j.concurrency.get_ref()).max(1),
                    timeout_secs: *j.timeout_secs.get_ref(),
                    max_retries: j.max_retries,
                    stream: false,
                    stream_usage: false,
                    temperature_range: preset.map(|p| p.temperature_range).unwrap_or((0.0, 2.0)),
                    price_per_mtok_input: None,
                    price_per_mtok_output: None,
                    requests_per_second: None,
                    family,
                    agent_api: None,
                    fim_url: None,
                },
            });
        }
        out
    }

    /// A vendor's agent platform API: a preset filled in from `base_url`, or a custom one, checked.
    pub(crate) fn agent_api(
        &mut self,
        raw: RawAgentApi,
        base_url: &str,
        stream: bool,
        span: std::ops::Range<usize>,
    ) -> Option<AgentApi> {
        let api = match raw.preset.as_deref() {
            Some("dify") => dify_agent_api(base_url, stream),
            Some("fastgpt") => fastgpt_agent_api(base_url, stream),
            Some(other) => {
                self.error(span, format!("unknown agent_api preset {other:?}; expected dify or fastgpt, or describe the API with url, request and answer_path"));
                return None;
            }
            None => {
                let (Some(url), Some(request), Some(answer_path)) =
                    (raw.url.clone(), raw.request.clone(), raw.answer_path.clone())
                else {
                    self.error(span, "agent_api needs a preset, or url, request (a JSON template) and answer_path");
                    return None;
                };
                let request = match serde_json::from_str::<serde_json::Value>(&request) {
                    Ok(v) => v,
                    Err(e) => {
                        self.error(span, format!("agent_api.request is not JSON: {e}"));
                        return None;
                    }
                };
                AgentApi { url, request, answer_path, conversation_path: None, stream }
            }
        };
        let mut api = AgentApi {
            url: raw.url.unwrap_or(api.url),
            answer_path: raw.answer_path.unwrap_or(api.answer_path),
            conversation_path: raw.conversation_path.or(api.conversation_path),
            ..api
        };
        if let Some(request) = raw.request.filter(|_| raw.preset.is_some()) {
            match serde_json::from_str(&request) {
                Ok(v) => api.request = v,
                Err(e) => self.error(span.clone(), format!("agent_api.request is not JSON: {e}")),
            }
        }
        if !(api.url.starts_with("http://") || api.url.starts_with("https://")) {
            self.error(span.clone(), format!("agent_api.url {:?} must start with http:// or https://", api.url));
        }
        if !api.request.to_string().contains("\"{{message}}\"") {
            self.error(
                span.clone(),
                "agent_api.request must hold the string \"{{message}}\" where the user's message goes",
            );
        }
        if api.answer_path.trim().is_empty() {
            self.error(span, "agent_api.answer_path must not be empty");
        }
        Some(api)
    }

    /// The target of an SLA criterion; `sla` and `stage` belong to SLA criteria only.
    pub(crate) fn sla_of(&mut self, c: &RawCriterion, stage_ids: &[String]) -> Option<Sla> {
        if c.grader.get_ref() != GraderKind::Sla.name() {
            for (field, span) in
                [("sla", c.sla.as_ref().map(|s| s.span())), ("stage", c.stage.as_ref().map(|s| s.span()))]
            {
                if let Some(span) = span {
                    self.error(span, format!("`{field}` belongs to an SLA criterion (grader = \"sla\")"));
                }
            }
            return None;
        }
        let (Some(text), Some(stage)) = (&c.sla, &c.stage) else {
            self.error(
                c.id.span(),
                "an SLA criterion needs `sla` (e.g. \"ttft_p95_ms <= 1500\") and the `stage` it is measured on",
            );
            return None;
        };
        if !stage_ids.contains(stage.get_ref()) {
            self.error(
                stage.span(),
                format!("no [[stage]] has id {:?} (defined: {})", stage.get_ref(), stage_ids.join(", ")),
            );
        }
        match load::parse_sla(text.get_ref()) {
            Ok((metric, op, target)) => Some(Sla { metric, op, target, stage: stage.get_ref().clone() }),
            Err(message) => {
                self.error(text.span(), message);
                None
            }
        }
    }

    /// Load stages, checked: one kind of arrival, an end, a suite graded by a
    /// grader that does not act at run time.
    pub(crate) fn stages(&mut self, raw: Vec<RawStage>, criteria: &[Criterion]) -> Vec<LoadStage> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for s in raw {
            self.unique(&mut seen, "stage id", &s.id);
            if s.id.get_ref().contains('#') {
                self.error(s.id.span(), "stage ids may not contain '#' (it numbers a stage's attempts)");
            }
            let arrival = match (&s.concurrency, &s.rate) {
                (Some(c), None) => {
                    if *c.get_ref() == 0 {
                        self.error(c.span(), "concurrency must be at least 1");
                    }
                    Arrival::Concurrency(*c.get_ref())
                }
                (None, Some(r)) => {
                    let rate = *r.get_ref();
                    if !(rate.is_finite() && (MIN_RATE..=MAX_RATE).contains(&rate)) {
                        self.error(
                            r.span(),
                            format!("rate must be between {MIN_RATE} and {MAX_RATE} requests per second"),
                        );
                    }
                    Arrival::Rate(rate)
                }
                _ => {
                    self.error(
                        s.id.span(),
                        "a stage sets either `concurrency` (requests in flight) or `rate` (Poisson arrivals per second)",
                    );
                    Arrival::Concurrency(1)
                }
            };
            if s.duration_secs.is_none() && s.cases.is_none() {
                self.error(
                    s.id.span(),
                    "a stage needs an end: `duration_secs`, `cases`, or both (whichever comes first)",
                );
            }
            if let Some(d) = &s.duration_secs
                && !(*d.get_ref() > 0.0 && *d.get_ref() <= MAX_STAGE_SECS)
            {
                self.error(d.span(), format!("duration_secs must be between 0 and {MAX_STAGE_SECS} seconds"));
            }
            if let Some(n) = &s.cases
                && *n.get_ref() == 0
            {
                self.error(n.span(), "cases must be at least 1");
            }
            let warmup_secs = s.warmup_secs.as_ref().map_or(0.0, |w| *w.get_ref());
            if let Some(w) = &s.warmup_secs
                && !(0.0..=MAX_STAGE_SECS).contains(&warmup_secs)
            {
                self.error(w.span(), format!("warmup_secs must be between 0 and {MAX_STAGE_SECS} seconds"));
            }
            let graders: Vec<GraderKind> = criteria
                .iter()
                .filter(|c| &c.suite == s.suite.get_ref())
                .map(|c| if c.judge.is_some() { GraderKind::Judge } else { c.grader })
                .collect();
            if graders.is_empty() {
                self.error(
                    s.suite.span(),
                    format!(
                        "stage {:?} sends suite {:?}, which no criterion grades: its answers must be graded",
                        s.id.get_ref(),
                        s.suite.get_ref()
                    ),
                );
            } else if let Some(g) = graders.iter().find(|g| g.acts_at_run_time()) {
                self.error(
                    s.suite.span(),
                    format!(
                        "stage {:?}: suite {:?} is graded by {g}, which runs code or asks a judge for every answer and \
                         would load this machine, not the vendor; load a suite graded by choice, numeric, refusal, \
                         reference, injection or tool_call",
                        s.id.get_ref(),
                        s.suite.get_ref()
                    ),
                );
            }
            if let Some(m) = &s.max_tokens
                && *m.get_ref() == 0
            {
                self.error(m.span(), "max_tokens must be at least 1");
            }
            out.push(LoadStage {
                max_tokens: s.max_tokens.map(Spanned::into_inner),
                id: s.id.into_inner(),
                suite: s.suite.into_inner(),
                arrival,
                duration_secs: s.duration_secs.map(Spanned::into_inner),
                cases: s.cases.map(Spanned::into_inner),
                warmup_secs,
            });
        }
        out
    }

    pub(crate) fn unique(&mut self, seen: &mut HashSet<String>, what: &str, id: &Spanned<String>) {
        if id.get_ref().trim().is_empty() {
            self.error(id.span(), format!("{what} must not be empty"));
        } else if !seen.insert(id.get_ref().clone()) {
            self.error(id.span(), format!("duplicate {what} {:?}: each must be unique", id.get_ref()));
        }
    }
}
