//! The tender's technical requirements and scoring rules, as the chapter a
//! buyer puts into the tender document before bidding (`tenderbench publish`).
//!
//! The chapter is a pure function of the spec without its vendors (unknown
//! before bidding) and of the language, so a report can render it again and
//! print its SHA-256 (`published_rules` in `report.json`): the same hash as
//! the one published shows the rules did not change after the bids came in.

use tb_spec::{AbnormalBasis, GateBasis, ProcurementKind, Spec, TieBreak, Unjustified};

use tb_spec::GraderKind;

use crate::render::Lang;

/// What each grader checks, in words a bidder reads.
fn grader_text(grader: GraderKind, lang: Lang) -> &'static str {
    crate::catalog::grader_text(grader, lang)
}

fn metric_text(metric: &str, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    if let Some(m) = tb_spec::per_case_metric(metric) {
        return match (m.all, zh) {
            (false, true) => format!("pass@{}：每题 {} 次采样中至少一次正确的概率（无偏估计）", m.k, m.k),
            (false, false) => format!("pass@{}: chance that at least one of {} samples is right (unbiased)", m.k, m.k),
            (true, true) => format!("pass^{}：每题 {} 次采样全部正确的概率（一致性）", m.k, m.k),
            (true, false) => format!("pass^{}: chance that all {} samples are right (consistency)", m.k, m.k),
        };
    }
    match (metric, zh) {
        ("accuracy", true) => "正确率".into(),
        ("accuracy", false) => "accuracy".into(),
        ("mean_score", true) => "平均分 ÷ 100".into(),
        ("mean_score", false) => "mean score ÷ 100".into(),
        ("met", true) => "满足为 1，不满足为 0".into(),
        ("met", false) => "1 when met, 0 when not".into(),
        (other, _) => other.into(),
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
fn stages_text(spec: &Spec, zh: bool, line: &mut impl FnMut(String)) {
    if spec.stages.is_empty() {
        return;
    }
    line(if zh {
        "负载阶段（服务水平在规定负载下测量，每个请求均为评分题目）：".into()
    } else {
        "Load stages (service levels are measured under the stated load; every request is a graded case):".into()
    });
    line(String::new());
    for s in &spec.stages {
        let load = match (s.arrival, zh) {
            (tb_spec::Arrival::Concurrency(n), true) => format!("保持 {n} 个并发请求（闭环）"),
            (tb_spec::Arrival::Concurrency(n), false) => format!("{n} requests in flight (closed loop)"),
            (tb_spec::Arrival::Rate(r), true) => format!("按每秒 {r} 个请求的泊松到达发送（开环）"),
            (tb_spec::Arrival::Rate(r), false) => format!("Poisson arrivals at {r} requests/s (open loop)"),
        };
        let end = match (s.duration_secs, s.cases, zh) {
            (Some(d), Some(n), true) => format!("{d} 秒或 {n} 个请求，先到为准"),
            (Some(d), Some(n), false) => format!("{d} s or {n} requests, whichever comes first"),
            (Some(d), None, true) => format!("{d} 秒"),
            (Some(d), None, false) => format!("{d} s"),
            (None, Some(n), true) => format!("{n} 个请求"),
            (None, Some(n), false) => format!("{n} requests"),
            (None, None, _) => String::new(),
        };
        line(if zh {
            format!("- {}：题库 {}，{load}，{end}，预热 {} 秒（预热期不计）", s.id, s.suite, s.warmup_secs)
        } else {
            format!("- {}: suite {}, {load}, {end}, after {} s of warm-up (not measured)", s.id, s.suite, s.warmup_secs)
        });
    }
    line(String::new());
    line(if zh {
        "请求不重试；时延统计得到回答的请求（失败计入可用性），分位数取最近秩；端到端时延自请求应发出时刻起算，首字时延（TTFT）、字间时延（ITL）、每字时延（TPOT）自实际发出起算；可用性 = 得到回答的请求 ÷ 全部测量请求；有效吞吐 = 每秒评分正确且满足该阶段全部单请求时延目标的回答数。".into()
    } else {
        "Requests are not retried. Timings are of answered requests (failures count against availability); latency quantiles are nearest-rank; end-to-end latency counts from when a request was due, time to first token (TTFT), inter-token latency (ITL) and time per output token (TPOT) from when it was sent; availability = answered ÷ measured requests; goodput = answers per second graded right and within every per-request latency target of the stage.".into()
    });
    line(String::new());
}

/// How agent tasks are run, for section 2: the budgets every bidder's episodes get.
fn agents_text(spec: &Spec, zh: bool, line: &mut impl FnMut(String)) {
    if !spec.suites.iter().any(|s| s.format == tb_suite::SuiteFormat::Agent) {
        return;
    }
    let a = spec.agent.budget;
    line(if zh {
        format!(
            "智能体任务为多轮对话：系统提供环境工具并执行每次调用，模拟用户按任务事实回答提问；每个任务最多 {} 轮、{} 秒、{} 个词元，超出即结束并按当时结果评分。格式错误的工具调用作为错误返回并计数，不中断任务。",
            a.max_turns, a.max_seconds, a.max_total_tokens
        )
    } else {
        format!(
            "Agent tasks are multi-turn episodes: the environment's tools are offered and every call executed, and a simulated user answers questions from the task's facts; each task gets at most {} turns, {} s and {} tokens, after which it ends and is graded as it stands. Malformed tool calls are returned as errors and counted; they do not end the task.",
            a.max_turns, a.max_seconds, a.max_total_tokens
        )
    });
    line(String::new());
}

/// Markdown table cells may not hold a pipe or a line break.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the chapter. Deterministic: the same spec and language give the same bytes.
pub fn render_rules(spec: &Spec, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    heading_text(spec, zh, &mut line);
    method_text(spec, zh, &mut line);
    criteria_text(spec, lang, &mut line);
    stages_text(spec, zh, &mut line);
    agents_text(spec, zh, &mut line);
    gates_text(spec, zh, &mut line);
    price_text(spec, zh, &mut line);
    ranking_text(spec, zh, &mut line);
    sealed_text(spec, zh, &mut line);
    // No tool version here: the hash must survive an upgrade between publication and report.
    line(if zh {
        "（本章由 tenderbench 依据招标文件生成；评审报告将载明本章文本的 SHA-256。）".to_string()
    } else {
        "(Generated by tenderbench from the tender spec; the evaluation report will state this chapter's SHA-256.)"
            .to_string()
    });
    s
}

/// The chapter's title and the tender it belongs to: id, buyer, kind of procurement.
fn heading_text(spec: &Spec, zh: bool, line: &mut impl FnMut(String)) {
    let t = &spec.tender;
    line(if zh {
        format!("# {} 技术要求与评分办法", t.title)
    } else {
        format!("# {}: technical requirements and scoring rules", t.title)
    });
    line(String::new());
    let kind = match (t.kind, zh) {
        (ProcurementKind::Goods, true) => "货物",
        (ProcurementKind::Services, true) => "服务",
        (ProcurementKind::Goods, false) => "goods",
        (ProcurementKind::Services, false) => "services",
    };
    line(if zh {
        format!("项目编号：{}；采购人：{}；采购类别：{}。", t.id, t.buyer, kind)
    } else {
        format!("Tender {}; buyer: {}; procurement of {}.", t.id, t.buyer, kind)
    });
    line(String::new());
}

/// Section 1: the comprehensive scoring method and the technical/price split.
fn method_text(spec: &Spec, zh: bool, line: &mut impl FnMut(String)) {
    let tw = spec.technical_weight();
    let price_weight = spec.tender.price_weight;
    line(if zh { "## 一、评标方法".into() } else { "## 1. Evaluation method".into() });
    line(String::new());
    line(if zh {
        format!(
            "采用综合评分法（《政府采购货物和服务招标投标管理办法》财政部令第 87 号第五十五条）。总分 100 分：技术分占 {}，价格分占 {}。总分 =（1 − 价格权重）× 技术得分 + 价格权重 × 价格得分，技术得分与价格得分均为百分制。",
            pct(tw),
            pct(price_weight)
        )
    } else {
        format!(
            "The comprehensive scoring method (MoF Order No. 87, art. 55). Of 100 points, {} are technical and {} price. Total = (1 − price weight) × technical score + price weight × price score; both scores are out of 100.",
            pct(tw),
            pct(price_weight)
        )
    });
    line(String::new());
}

/// Section 2: the table of technical criteria, and how an objective or a
/// subjective criterion is scored (the stages and agent budgets follow it).
fn criteria_text(spec: &Spec, lang: Lang, line: &mut impl FnMut(String)) {
    let zh = lang == Lang::Zh;
    let tw = spec.technical_weight();
    line(if zh { "## 二、技术评分因素".into() } else { "## 2. Technical criteria".into() });
    line(String::new());
    line(if zh {
        "| 序号 | 评分因素 | 考察内容 | 测评集 | 度量 | 技术分内权重 | 分值（总分 100） |".into()
    } else {
        "| No. | Criterion | What it measures | Test suite | Metric | Weight in technical | Points (of 100) |".into()
    });
    line("|---|---|---|---|---|---|---|".into());
    for (i, c) in spec.criteria.iter().enumerate() {
        let suite = criterion_source(spec, c, zh);
        let mut what = grader_text(c.grader, lang).to_string();
        if let Some(r) = &c.rubric {
            what = if zh { format!("{what}；细则：{r}") } else { format!("{what}; rubric: {r}") };
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
    line(if zh {
        format!(
            "每项客观因素的得分 = 该项度量值（0–1）× 分值；重复采样 {} 次，温度 {}，每次回答最多 {} 个词元。主观因素由评标委员会成员独立打分后取算术平均。",
            spec.run.repeats, spec.run.temperature, spec.run.max_tokens
        )
    } else {
        format!(
            "An objective criterion scores its metric (0–1) × its points; each case is sampled {} time(s) at temperature {}, at most {} tokens an answer. A subjective criterion is scored by each committee member on their own, and the mean counts.",
            spec.run.repeats, spec.run.temperature, spec.run.max_tokens
        )
    });
    line(String::new());
}

/// What a criterion is measured on, for its row in section 2: the committee,
/// a load stage's target, or a test suite (marked when sealed).
fn criterion_source(spec: &Spec, c: &tb_spec::Criterion, zh: bool) -> String {
    if c.is_subjective() {
        if zh { "评标委员会评审".to_string() } else { "committee".to_string() }
    } else if let Some(sla) = &c.sla {
        let rule = format!("{} {} {}", sla.metric, sla.op.symbol(), sla.target);
        if zh { format!("负载阶段 {}：{rule}", sla.stage) } else { format!("load stage {}: {rule}", sla.stage) }
    } else {
        let sealed = spec.suites.iter().find(|s| s.id == c.suite).is_some_and(|s| s.commitment.is_some());
        match (sealed, zh) {
            (true, true) => format!("{}（密封）", c.suite),
            (true, false) => format!("{} (sealed)", c.suite),
            _ => c.suite.clone(),
        }
    }
}

/// Section 3: the gates, one row each, and what missing one means.
fn gates_text(spec: &Spec, zh: bool, line: &mut impl FnMut(String)) {
    let gated: Vec<_> = spec.criteria.iter().filter_map(|c| c.gate.as_ref().map(|g| (c, g))).collect();
    line(if zh {
        "## 三、实质性要求（门槛）".into()
    } else {
        "## 3. Pass/fail requirements (gates)".into()
    });
    line(String::new());
    if gated.is_empty() {
        line(if zh { "无。".into() } else { "None.".into() });
    } else {
        line(if zh {
            "| 评分因素 | 门槛 | 判定依据 | 最少样本数 | 依据标准 |".into()
        } else {
            "| Criterion | Threshold | Judged on | Minimum cases | Standard |".into()
        });
        line("|---|---|---|---|---|".into());
        for (c, g) in &gated {
            line(gate_row(c, g, zh));
        }
        line(String::new());
        line(if zh {
            "未达到任一门槛的投标为无效投标，不计价格分、不参与排名、不作为评标基准价。测评样本少于最少样本数的，判定为“证据不足”，不视为通过。".into()
        } else {
            "A bid that misses any gate is invalid: no price score, no rank, and it does not set the benchmark price. Fewer cases than the minimum read \"insufficient evidence\", never \"passed\".".into()
        });
    }
    line(String::new());
}

/// One gate's row in section 3: its bounds, what they are judged on, the
/// minimum cases and the standard its preset comes from.
fn gate_row(c: &tb_spec::Criterion, g: &tb_spec::Gate, zh: bool) -> String {
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
    let basis = match (g.basis, zh) {
        (GateBasis::Point, true) => "点估计",
        (GateBasis::Point, false) => "point estimate",
        (GateBasis::Bound, true) => "95% 置信区间中对投标人最不利的一端",
        (GateBasis::Bound, false) => "the 95% interval bound least favourable to the bidder",
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
fn price_text(spec: &Spec, zh: bool, line: &mut impl FnMut(String)) {
    line(if zh { "## 四、价格分".into() } else { "## 4. Price score".into() });
    line(String::new());
    line(if zh {
        format!(
            "价格得分 =（评标基准价 ÷ 投标报价）× 100，评标基准价为满足招标文件要求且价格最低的有效投标报价。价格分 = 价格得分 × {}。不因报价最高或最低而剔除任何投标。",
            pct(spec.tender.price_weight)
        )
    } else {
        format!(
            "Price score = (benchmark ÷ bid price) × 100, where the benchmark is the lowest price among the valid bids. Price points = price score × {}. No bid is discarded for being the highest or the lowest.",
            pct(spec.tender.price_weight)
        )
    });
    line(String::new());
    let basis = match (spec.scoring.abnormally_low_basis, zh) {
        (AbnormalBasis::MeanOfOthers, true) => "其他有效投标报价的算术平均值",
        (AbnormalBasis::MeanOfOthers, false) => "the mean of the other valid bids",
        (AbnormalBasis::MeanOfAll, true) => "全部有效投标报价的算术平均值",
        (AbnormalBasis::MeanOfAll, false) => "the mean of all valid bids",
    };
    let consequence = match (spec.scoring.unjustified_abnormally_low, zh) {
        (Unjustified::Flag, true) => "评标委员会记录其书面说明及审查结论。",
        (Unjustified::Flag, false) => "The committee records the justification and its decision.",
        (Unjustified::Invalid, true) => "不能提供书面说明或说明未被评标委员会接受的，其投标无效。",
        (Unjustified::Invalid, false) => {
            "A bid whose justification is missing or not accepted by the committee is invalid."
        }
    };
    line(if zh {
        format!(
            "异常低价：投标报价低于{}的 {} 以上的，投标人应当在评标现场合理时间内提供书面说明，必要时提交相关证明材料。{}",
            basis,
            pct(spec.scoring.abnormally_low_below_average),
            consequence
        )
    } else {
        format!(
            "Abnormally low bids: a bid more than {} below {} must be justified in writing, with evidence where needed. {}",
            pct(spec.scoring.abnormally_low_below_average),
            basis,
            consequence
        )
    });
    line(String::new());
}

/// Section 5: how bids rank, how ties are broken, and what the significance mark means.
fn ranking_text(spec: &Spec, zh: bool, line: &mut impl FnMut(String)) {
    line(if zh { "## 五、排序与并列".into() } else { "## 5. Ranking and ties".into() });
    line(String::new());
    let tie = match (spec.scoring.tie_break, zh) {
        (TieBreak::Tied, true) => "得分且投标报价相同的，名次并列。",
        (TieBreak::Tied, false) => "Bids equal in both share the rank.",
        (TieBreak::Lot, true) => {
            "得分且投标报价相同的，以抽签方式确定名次：抽签由测评开始时生成并记入审计日志的随机种子决定，种子记录于评审报告，任何人可复现。"
        }
        (TieBreak::Lot, false) => {
            "Bids equal in both are placed by lot, drawn from a random seed made and committed to the audit log when the run starts; the seed is recorded in the report, so anyone can redraw it."
        }
    };
    line(if zh {
        format!(
            "按总分由高到低排序；总分相同的，按投标报价由低到高排序；{} 各项得分保留 {} 位小数后比较。",
            tie, spec.scoring.decimals
        )
    } else {
        format!(
            "Bids rank by total, highest first; equal totals rank by the lower price. {} Scores are rounded to {} decimals before they are compared.",
            tie, spec.scoring.decimals
        )
    });
    line(String::new());
    line(if zh {
        format!(
            "统计说明：报告对每两家投标人在相同测评题上的差异作配对检验（二分类度量用精确 McNemar 检验，总分用配对自助法，Holm 多重比较校正），校正后 p 值不小于 {} 的差异标注为“统计上无显著差异”。该标注供评标委员会参考，不改变上述排序规则。",
            spec.scoring.significance
        )
    } else {
        format!(
            "Statistics: the report compares every two bidders on the cases both answered (exact McNemar for pass/fail metrics, a paired bootstrap for the total, Holm-adjusted across pairs) and marks differences with an adjusted p-value of {} or more as not statistically significant. The mark informs the committee; it does not change the ranking rule above.",
            spec.scoring.significance
        )
    });
    line(String::new());
}

/// Section 6, when a suite is sealed: the commitments published before bidding.
fn sealed_text(spec: &Spec, zh: bool, line: &mut impl FnMut(String)) {
    let sealed: Vec<_> = spec.suites.iter().filter_map(|s| s.commitment.as_ref().map(|c| (s, c))).collect();
    if sealed.is_empty() {
        return;
    }
    line(if zh { "## 六、密封测评集承诺值".into() } else { "## 6. Sealed test suites".into() });
    line(String::new());
    line(if zh {
        "以下测评集在评审结束前不公开；其 SHA-256 承诺值现予公布，评审结束后公布盐值，任何人可核对所用测评集即为所承诺者（`tenderbench verify-seal`）。".into()
    } else {
        "These suites stay unpublished until scoring is final; their SHA-256 commitments are published now, and the salt afterwards, so anyone can check that the suite used is the one committed to (`tenderbench verify-seal`).".into()
    });
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
}
