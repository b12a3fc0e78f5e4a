//! The tender's technical requirements and scoring rules, as the chapter a
//! buyer puts into the tender document before bidding (`tenderbench publish`).
//!
//! The chapter is a pure function of the spec without its vendors (unknown
//! before bidding) and of the language, so a report can render it again and
//! print its SHA-256 (`published_rules` in `report.json`): the same hash as
//! the one published shows the rules did not change after the bids came in.
//!
//! Its words are the catalog's (`catalog::RULES`, the glossary, the graders'
//! descriptions), so a sentence is changed in one place for both languages;
//! numbers are formatted here and put into the templates.

use tb_spec::{AbnormalBasis, GateBasis, ProcurementKind, Spec, TieBreak, Unjustified};

use crate::catalog::{fill, grader_text, term};
use crate::render::Lang;

/// A criterion's metric in words: the per-case ones (pass@k, pass^k) and
/// the named ones from the catalog, any other by its name.
fn metric_text(metric: &str, lang: Lang) -> String {
    if let Some(m) = tb_spec::per_case_metric(metric) {
        return fill(if m.all { "metric_pass_all" } else { "metric_pass_at" }, lang, &[("k", &m.k)]);
    }
    match metric {
        "accuracy" => fill("metric_accuracy", lang, &[]),
        "mean_score" => fill("metric_mean_score", lang, &[]),
        "met" => fill("metric_met", lang, &[]),
        other => other.into(),
    }
}

fn pct(x: f64) -> String {
    let s = format!("{:.2}", x * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn points(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The load stages and how they are measured, for section 2.
fn stages_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    if spec.stages.is_empty() {
        return;
    }
    line(fill("stages_intro", lang, &[]));
    line(String::new());
    for s in &spec.stages {
        let load = match s.arrival {
            tb_spec::Arrival::Concurrency(n) => fill("arrival_concurrency", lang, &[("n", &n)]),
            tb_spec::Arrival::Rate(r) => fill("arrival_rate", lang, &[("rate", &r)]),
        };
        let end = match (s.duration_secs, s.cases) {
            (Some(d), Some(n)) => fill("stage_end_either", lang, &[("seconds", &d), ("cases", &n)]),
            (Some(d), None) => fill("stage_end_seconds", lang, &[("seconds", &d)]),
            (None, Some(n)) => fill("stage_end_cases", lang, &[("cases", &n)]),
            (None, None) => String::new(),
        };
        line(fill(
            "stage",
            lang,
            &[("stage", &s.id), ("suite", &s.suite), ("load", &load), ("end", &end), ("warmup", &s.warmup_secs)],
        ));
        if let Some(tokens) = s.max_tokens {
            line(fill("stage_max_tokens", lang, &[("tokens", &tokens)]));
        }
    }
    line(String::new());
    line(fill("stages_measurement", lang, &[]));
    line(String::new());
}

/// How agent tasks are run, for section 2: the budgets every bidder's episodes get.
fn agents_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    if !spec.suites.iter().any(|s| s.format == tb_suite::SuiteFormat::Agent) {
        return;
    }
    let a = spec.agent.budget;
    line(fill(
        "agent_budget",
        lang,
        &[("turns", &a.max_turns), ("seconds", &a.max_seconds), ("tokens", &a.max_total_tokens)],
    ));
    line(String::new());
}

/// Markdown table cells may not hold a pipe or a line break.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the chapter. Deterministic: the same spec and language give the same bytes.
pub fn render_rules(spec: &Spec, lang: Lang) -> String {
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    heading_text(spec, lang, &mut line);
    method_text(spec, lang, &mut line);
    criteria_text(spec, lang, &mut line);
    stages_text(spec, lang, &mut line);
    agents_text(spec, lang, &mut line);
    gates_text(spec, lang, &mut line);
    price_text(spec, lang, &mut line);
    ranking_text(spec, lang, &mut line);
    sealed_text(spec, lang, &mut line);
    // No tool version here: the hash must survive an upgrade between publication and report.
    line(fill("generated", lang, &[]));
    s
}

/// The chapter's title and the tender it belongs to: id, buyer, kind of procurement.
fn heading_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    let t = &spec.tender;
    line(fill("title", lang, &[("title", &t.title)]));
    line(String::new());
    let kind = term(
        match t.kind {
            ProcurementKind::Goods => "goods",
            ProcurementKind::Services => "services",
        },
        lang,
    );
    line(fill("tender", lang, &[("id", &t.id), ("buyer", &t.buyer), ("kind", &kind)]));
    line(String::new());
}

/// Section 1: the comprehensive scoring method and the technical/price split.
fn method_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    let technical = pct(spec.technical_weight());
    let price = pct(spec.tender.price_weight);
    line(fill("method_heading", lang, &[]));
    line(String::new());
    line(fill("method", lang, &[("technical", &technical), ("price", &price)]));
    line(String::new());
}

/// Section 2: the table of technical criteria, and how an objective or a
/// subjective criterion is scored (the stages and agent budgets follow it).
fn criteria_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    let tw = spec.technical_weight();
    line(fill("criteria_heading", lang, &[]));
    line(String::new());
    line(fill("criteria_columns", lang, &[]));
    line("|---|---|---|---|---|---|---|".into());
    for (i, c) in spec.criteria.iter().enumerate() {
        let suite = criterion_source(spec, c, lang);
        let mut what = grader_text(c.grader, lang).to_string();
        if let Some(r) = &c.rubric {
            what = fill("rubric", lang, &[("what", &what), ("rubric", r)]);
        }
        line(format!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            cell(&c.name),
            cell(&what),
            cell(&suite),
            cell(&metric_text(&c.metric, lang)),
            pct(c.weight),
            points(tw * c.weight * 100.0)
        ));
    }
    line(String::new());
    let run = &spec.run;
    line(fill(
        "criteria_scoring",
        lang,
        &[("repeats", &run.repeats), ("temperature", &run.temperature), ("max_tokens", &run.max_tokens)],
    ));
    line(String::new());
}

/// What a criterion is measured on, for its row in section 2: the committee,
/// a load stage's target, or a test suite (marked when sealed).
fn criterion_source(spec: &Spec, c: &tb_spec::Criterion, lang: Lang) -> String {
    if c.is_subjective() {
        fill("source_committee", lang, &[])
    } else if let Some(sla) = &c.sla {
        let rule = format!("{} {} {}", sla.metric, sla.op.symbol(), sla.target);
        fill("source_stage", lang, &[("stage", &sla.stage), ("rule", &rule)])
    } else {
        let sealed = spec.suites.iter().find(|s| s.id == c.suite).is_some_and(|s| s.commitment.is_some());
        if sealed { fill("source_sealed", lang, &[("suite", &c.suite)]) } else { c.suite.clone() }
    }
}

/// Section 3: the gates, one row each, and what missing one means.
fn gates_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    let gated: Vec<_> = spec.criteria.iter().filter_map(|c| c.gate.as_ref().map(|g| (c, g))).collect();
    line(fill("gates_heading", lang, &[]));
    line(String::new());
    if gated.is_empty() {
        line(fill("gates_none", lang, &[]));
    } else {
        line(fill("gates_columns", lang, &[]));
        line("|---|---|---|---|---|".into());
        for (c, g) in &gated {
            line(gate_row(c, g, lang));
        }
        line(String::new());
        line(fill("gates_missed", lang, &[]));
    }
    line(String::new());
}

/// One gate's row in section 3: its bounds, what they are judged on, the
/// minimum cases and the standard its preset comes from.
fn gate_row(c: &tb_spec::Criterion, g: &tb_spec::Gate, lang: Lang) -> String {
    let mut bounds = Vec::new();
    if let Some(sla) = &c.sla {
        // An SLA criterion's value is 1 when met: its gate is the target itself.
        bounds.push(format!("{} {} {}", sla.metric, sla.op.symbol(), sla.target));
    }
    if let Some(m) = g.min.filter(|_| c.sla.is_none()) {
        bounds.push(format!("≥ {}", pct(m)));
    }
    if let Some(m) = g.max.filter(|_| c.sla.is_none()) {
        bounds.push(format!("≤ {}", pct(m)));
    }
    let basis = match g.basis {
        GateBasis::Point => fill("gate_point", lang, &[]),
        GateBasis::Bound => fill("gate_bound", lang, &[]),
    };
    let standard = g.preset.as_deref().map_or(String::new(), |p| match p.split_once('.') {
        Some(("tc260", _)) => format!("TC260-003 / GB/T 45654-2025 ({p})"),
        _ => p.to_string(),
    });
    format!(
        "| {} | {} | {} | {} | {} |",
        cell(&c.name),
        bounds.join(", "),
        basis,
        g.min_samples.map_or("—".into(), |n| n.to_string()),
        standard
    )
}

/// Section 4: the price score, and the rule on abnormally low bids.
fn price_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    line(fill("price_heading", lang, &[]));
    line(String::new());
    line(fill("price_score", lang, &[("price", &pct(spec.tender.price_weight))]));
    line(String::new());
    let basis = match spec.scoring.abnormally_low_basis {
        AbnormalBasis::MeanOfOthers => fill("abnormal_basis_others", lang, &[]),
        AbnormalBasis::MeanOfAll => fill("abnormal_basis_all", lang, &[]),
    };
    let consequence = match spec.scoring.unjustified_abnormally_low {
        Unjustified::Flag => fill("unjustified_flag", lang, &[]),
        Unjustified::Invalid => fill("unjustified_invalid", lang, &[]),
    };
    let below = pct(spec.scoring.abnormally_low_below_average);
    line(fill("abnormally_low", lang, &[("basis", &basis), ("below", &below), ("consequence", &consequence)]));
    line(String::new());
}

/// Section 5: how bids rank, how ties are broken, and what the significance mark means.
fn ranking_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    line(fill("ranking_heading", lang, &[]));
    line(String::new());
    let tie = match spec.scoring.tie_break {
        TieBreak::Tied => fill("tie_tied", lang, &[]),
        TieBreak::Lot => fill("tie_lot", lang, &[]),
    };
    line(fill("ranking", lang, &[("tie", &tie), ("decimals", &spec.scoring.decimals)]));
    line(String::new());
    line(fill("statistics", lang, &[("significance", &spec.scoring.significance)]));
    line(String::new());
}

/// Section 6, when a suite is sealed: the commitments published before bidding.
fn sealed_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    let sealed: Vec<_> = spec.suites.iter().filter_map(|s| s.commitment.as_ref().map(|c| (s, c))).collect();
    if sealed.is_empty() {
        return;
    }
    line(fill("sealed_heading", lang, &[]));
    line(String::new());
    line(fill("sealed_intro", lang, &[]));
    line(String::new());
    for (suite, commitment) in sealed {
        line(format!("- {}: `{}`", suite.id, commitment));
    }
    line(String::new());
}

/// SHA-256 of the chapter in each language, for `report.json`.
pub fn rules_hashes(spec: &Spec) -> std::collections::BTreeMap<String, String> {
    [("zh", Lang::Zh), ("en", Lang::En)]
        .into_iter()
        .map(|(code, l)| (code.to_string(), tb_audit::sha256_hex(render_rules(spec, l).as_bytes())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(extra: &str) -> Spec {
        let commitment = "ab12".repeat(16);
        let text = format!(
            r#"
[tender]
id = "T-1"
title = "热线问答"
buyer = "某市"
kind = "services"
price_weight = 0.1
{extra}
[[suite]]
id = "safety"
path = "s.jsonl"
commitment = "{commitment}"

[[criterion]]
id = "refuse"
name = "拒答"
suite = "safety"
grader = "refusal"
weight = 0.6
gate = {{ preset = "tc260.should_refuse" }}

[[criterion]]
id = "plan"
name = "方案"
grader = "evaluators"
weight = 0.4

[[vendor]]
name = "A"
base_url = "http://127.0.0.1:9/v1"
model = "m"
bid_price = 100
"#
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.jsonl"), "{\"id\": \"1\", \"prompt\": \"p\", \"expect\": \"refuse\"}\n")
            .unwrap();
        tb_spec::parse(&text, &dir.path().join("t.toml"), dir.path()).expect("spec")
    }

    #[test]
    fn the_chapter_states_every_rule_and_not_the_bidders() {
        let s = spec("");
        let zh = render_rules(&s, Lang::Zh);
        for want in [
            "综合评分法",
            "技术分占 90%",
            "价格分占 10%",
            "| 1 | 拒答 |",
            "| 60% | 54 |",
            "| 40% | 36 |",
            "≥ 95%",
            "300",
            "TC260-003",
            "20%",
            "名次并列",
            "`ab12ab12",
            "（密封）",
        ] {
            assert!(zh.contains(want), "missing {want:?} in\n{zh}");
        }
        let en = render_rules(&s, Lang::En);
        assert!(en.contains("| 2 | 方案 | each member of the evaluation committee scores 0–100"), "{en}");
        assert!(!zh.contains("127.0.0.1") && !en.contains("bid_price"), "bidders are not in the rules");
        // Vendors are not part of the rules: adding one leaves the hash as it was.
        let mut more = s.clone();
        more.vendors.push(more.vendors[0].clone());
        assert_eq!(rules_hashes(&s), rules_hashes(&more));
    }

    #[test]
    fn a_changed_rule_changes_the_hash() {
        let base = rules_hashes(&spec(""));
        let lot = rules_hashes(&spec("[scoring]\ntie_break = \"lot\"\nunjustified_abnormally_low = \"invalid\"\n"));
        assert_ne!(base["zh"], lot["zh"]);
        assert_ne!(base["en"], lot["en"]);
        let zh =
            render_rules(&spec("[scoring]\ntie_break = \"lot\"\nunjustified_abnormally_low = \"invalid\"\n"), Lang::Zh);
        assert!(zh.contains("抽签") && zh.contains("投标无效"), "{zh}");
    }

    /// Every branch of the chapter in both languages: each `fill` finds its
    /// key and fills every placeholder (it panics otherwise), and every
    /// rules template is one the chapter uses.
    #[test]
    fn every_sentence_of_the_chapter_renders_in_both_languages() {
        let base = spec("");
        let mut variants = vec![base.clone()];
        for metric in ["pass@3", "pass^2", "accuracy", "mean_score", "met", "bleu"] {
            let mut s = base.clone();
            s.criteria[0].metric = metric.into();
            s.criteria[0].rubric = Some("r".into());
            variants.push(s);
        }
        let mut s = base.clone();
        s.tender.kind = ProcurementKind::Goods;
        s.scoring.tie_break = TieBreak::Lot;
        s.scoring.abnormally_low_basis = AbnormalBasis::MeanOfAll;
        s.scoring.unjustified_abnormally_low = Unjustified::Invalid;
        s.suites[0].format = tb_suite::SuiteFormat::Agent;
        for c in &mut s.criteria {
            c.gate = None;
        }
        variants.push(s);
        for (arrival, duration_secs, cases) in [
            (tb_spec::Arrival::Concurrency(4), Some(60.0), Some(100)),
            (tb_spec::Arrival::Rate(2.5), Some(60.0), None),
            (tb_spec::Arrival::Rate(2.5), None, Some(100)),
        ] {
            let mut s = base.clone();
            s.suites[0].commitment = None;
            s.criteria[0].sla = Some(tb_spec::Sla {
                metric: "ttft_p95_ms".into(),
                op: tb_spec::SlaOp::AtMost,
                target: 300.0,
                stage: "peak".into(),
            });
            s.criteria[0].gate.as_mut().unwrap().basis = GateBasis::Bound;
            let stage = tb_spec::LoadStage {
                id: "peak".into(),
                suite: "safety".into(),
                arrival,
                duration_secs,
                cases,
                warmup_secs: 5.0,
                max_tokens: None,
            };
            s.stages.push(stage);
            variants.push(s);
        }
        let mut chapters = String::new();
        for s in &variants {
            chapters.push_str(&render_rules(s, Lang::Zh));
            chapters.push_str(&render_rules(s, Lang::En));
        }
        for want in ["（密封）", "(sealed)", "负载阶段 peak：", "泊松", "closed loop", "智能体任务", "None.", "pass^2"]
        {
            assert!(chapters.contains(want), "{want:?}");
        }
        let code = include_str!("publish.rs");
        for (key, _, _) in crate::catalog::RULES {
            assert!(code.contains(&format!("\"{key}\"")), "rules.{key} is in the catalog but not in the chapter");
        }
    }
}
