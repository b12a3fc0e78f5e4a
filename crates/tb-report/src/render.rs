//! Renderers. Every format is produced from the same [`Report`], except the
//! per-cell CSV, which streams graded cells from the store.

use minijinja::value::Serde;
use minijinja::{Environment, context};
use serde::Serialize;

use crate::chart::{Bar, MatrixCell, Series, bar_chart, cdf_chart, radar_chart, scatter_chart, significance_matrix};
use crate::{CriterionResult, Report, ReportError, SIMULATED_NOTICE_EN, SIMULATED_NOTICE_ZH, ScoreTable};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-cn" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// Every label a rendered report uses, in one language.
#[derive(Serialize)]
struct Labels {
    title: &'static str,
    tender: &'static str,
    buyer: &'static str,
    run: &'static str,
    status: &'static str,
    spec_hash: &'static str,
    weights: &'static str,
    technical_weight: &'static str,
    price_weight: &'static str,
    ranking: &'static str,
    rank: &'static str,
    vendor: &'static str,
    model: &'static str,
    bid_price: &'static str,
    technical: &'static str,
    price: &'static str,
    total: &'static str,
    qualified: &'static str,
    yes: &'static str,
    no: &'static str,
    not_ranked: &'static str,
    /// A criterion or a bid the panel has not finished scoring.
    pending: &'static str,
    failed_gates: &'static str,
    abnormally_low: &'static str,
    criteria: &'static str,
    criterion: &'static str,
    value: &'static str,
    interval: &'static str,
    n: &'static str,
    errors: &'static str,
    ungradable: &'static str,
    undecided: &'static str,
    second_opinions: &'static str,
    rule: &'static str,
    calls_in_text: &'static str,
    all_cells: &'static str,
    answered_cells: &'static str,
    failed_policy: &'static str,
    failed_wrong: &'static str,
    failed_excluded: &'static str,
    detector: &'static str,
    could_flip: &'static str,
    gate: &'static str,
    passed: &'static str,
    failed: &'static str,
    none: &'static str,
    service: &'static str,
    error_rate: &'static str,
    causes: &'static str,
    latency: &'static str,
    ttft: &'static str,
    tokens: &'static str,
    cost: &'static str,
    suites: &'static str,
    cases: &'static str,
    notice: &'static str,
    blind: &'static str,
    method: &'static str,
    outcomes: &'static str,
    grader_quality: &'static str,
    grader_quality_line: &'static str,
    sandbox: &'static str,
    weak_sandbox: &'static str,
    judge: &'static str,
    band: &'static str,
    sensitivity: &'static str,
    weight: &'static str,
    change_needed: &'static str,
    new_leader: &'static str,
    sensitivity_method: &'static str,
    insufficient: &'static str,
    comparisons: &'static str,
    pair: &'static str,
    difference: &'static str,
    tied: &'static str,
    per_criterion: &'static str,
    comparison_method: &'static str,
    score_table: &'static str,
    factor: &'static str,
    full_points: &'static str,
    technical_subtotal: &'static str,
    price_points: &'static str,
    remarks: &'static str,
    score_table_note: &'static str,
    rules_hash: &'static str,
    reason_failed_gates: &'static str,
    fim_fim_api: &'static str,
    fim_chat_prompt: &'static str,
    reason_incomplete: &'static str,
    reason_evaluation_pending: &'static str,
    reason_abnormally_low_unjustified: &'static str,
    remark_abnormally_low: &'static str,
    remark_ranked_by_lot: &'static str,
    justification: &'static str,
    accepted: &'static str,
    rejected: &'static str,
    lot_note: &'static str,
    evaluators: &'static str,
    plain_yes: &'static str,
    clustered_by: &'static str,
    agreement: &'static str,
    latency_difference: &'static str,
    plain_no: &'static str,
    chart_profile: &'static str,
    chart_matrix: &'static str,
    matrix_note: &'static str,
    chart_latency: &'static str,
    axis_ms: &'static str,
    chart_cost: &'static str,
    chart_bid: &'static str,
    axis_cost: &'static str,
    axis_bid: &'static str,
}

const EN: Labels = Labels {
    title: "Proof-of-concept evaluation report",
    tender: "Tender",
    buyer: "Buyer",
    run: "Run",
    status: "Status",
    spec_hash: "Spec hash (SHA-256)",
    weights: "Weights",
    technical_weight: "technical",
    price_weight: "price",
    ranking: "Ranking",
    rank: "Rank",
    vendor: "Vendor",
    model: "Model",
    bid_price: "Bid price",
    technical: "Technical score",
    price: "Price score",
    total: "Total score",
    qualified: "Qualified",
    yes: "yes",
    no: "no",
    not_ranked: "not ranked",
    pending: "pending",
    failed_gates: "failed gates",
    abnormally_low: "abnormally low bid: written justification required",
    criteria: "Criteria",
    criterion: "Criterion",
    value: "Value",
    interval: "95% interval",
    n: "n",
    errors: "Errors",
    ungradable: "No answer found",
    undecided: "undecided",
    second_opinions: "read by the judge",
    rule: "rule",
    calls_in_text: "answers with calls written in the text",
    all_cells: "all cells",
    answered_cells: "answered cells",
    failed_policy: "Failed vendor calls (after their retries)",
    failed_wrong: "counted as wrong answers ([scoring] failed_cells = \"wrong\")",
    failed_excluded: "left out of each criterion's denominator ([scoring] failed_cells = \"excluded\")",
    detector: "refusal detector: sensitivity / specificity",
    could_flip: "the gate could flip within the detector's error",
    gate: "Gate",
    passed: "passed",
    failed: "FAILED",
    none: "—",
    service: "Service levels",
    error_rate: "Error rate",
    causes: "Error causes",
    latency: "Latency p50 / p95 (ms)",
    ttft: "Time to first token p50 (ms)",
    tokens: "Tokens (prompt / completion)",
    cost: "Cost",
    suites: "Suites",
    cases: "cases",
    notice: SIMULATED_NOTICE_EN,
    blind: "BLIND EVALUATION: vendors appear as codes and model names are masked until the sealed mapping is revealed after scoring.",
    method: "Price score = lowest valid bid ÷ bid × 100 (MoF Order No. 87, art. 55). Total = technical weight × technical score + price weight × price score. Equal totals rank by lower price; equal total and price are tied, or placed by lot where the spec says so. A vendor that fails a gate is not ranked. Intervals are Wilson 95%.",
    outcomes: "Outcomes",
    grader_quality: "Grader quality",
    grader_quality_line: "measured against hand labels: accuracy / sensitivity / specificity on",
    sandbox: "Code sandbox",
    judge: "Judge model",
    band: "Tie band",
    sensitivity: "How firm is the first place? Weight sensitivity",
    weight: "Weight",
    change_needed: "Change that changes the first place",
    new_leader: "New first place",
    sensitivity_method: "The smallest change of one weight (the other criterion weights rescaled to keep their sum) at which another ranked bidder's total reaches the leader's, before rounding; none: no change within 0–1 does it.",
    insufficient: "insufficient evidence",
    comparisons: "Are the differences real? Paired comparisons",
    pair: "Vendors",
    difference: "Total difference",
    tied: "Statistically tied",
    per_criterion: "Per criterion: cases only the first / only the second got right, exact McNemar p",
    comparison_method: "Compared on the cases both vendors answered (first repeat). The total-score p-value comes from a paired bootstrap over cases (the run's seed), Holm-adjusted across all pairs; ranked vendors whose adjusted p is at or above the report's significance level share a tie band.",
    score_table: "Score comparison table",
    factor: "Scoring factor",
    full_points: "Full points",
    technical_subtotal: "Technical subtotal",
    price_points: "Price points",
    remarks: "Remarks",
    score_table_note: "Points of 100 for the whole tender; each figure is rounded on its own, so the factors may differ from the total in the last place. The total counts.",
    rules_hash: "Published rules chapter (SHA-256)",
    reason_failed_gates: "invalid: failed a gate",
    fim_fim_api: "fill-in-the-middle: its completions endpoint (prefix and suffix)",
    fim_chat_prompt: "fill-in-the-middle: asked in a chat (no FIM endpoint)",
    reason_incomplete: "invalid: answers missing",
    reason_evaluation_pending: "not ranked yet: evaluators' scores pending",
    reason_abnormally_low_unjustified: "invalid: abnormally low price, justification not accepted",
    remark_abnormally_low: "abnormally low price",
    remark_ranked_by_lot: "placed by lot",
    justification: "price justification",
    accepted: "accepted",
    rejected: "rejected",
    lot_note: "Bids equal in total and price were placed by lot, drawn with seed",
    evaluators: "Evaluators",
    plain_yes: "yes",
    clustered_by: "clustered by",
    agreement: "samples agree on",
    latency_difference: "Latency difference (ms), permutation p",
    plain_no: "no",
    chart_profile: "Profile: each vendor's value on each criterion",
    chart_matrix: "Pairwise significance of the total score",
    matrix_note: "Each cell: the row vendor's total minus the column vendor's, and the Holm-adjusted p. Green: the row vendor is significantly ahead; red: significantly behind; grey: statistically tied; blank: a bid that is not valid (it has no total) is not compared.",
    chart_latency: "Latency distribution (cumulative)",
    axis_ms: "latency (ms)",
    chart_cost: "Cost against total score",
    chart_bid: "Bid price against total score",
    axis_cost: "cost of the run (token prices)",
    axis_bid: "bid price",
    weak_sandbox: "Vendors' code ran in the weaker rlimit-only mode, WITHOUT namespace isolation (no network or file-system confinement), because the buyer chose it in the spec.",
};

const ZH: Labels = Labels {
    title: "概念验证（POC）测评报告",
    tender: "项目",
    buyer: "采购人",
    run: "运行",
    status: "状态",
    spec_hash: "招标文件哈希（SHA-256）",
    weights: "权重",
    technical_weight: "技术",
    price_weight: "价格",
    ranking: "排名",
    rank: "名次",
    vendor: "投标人",
    model: "模型",
    bid_price: "投标报价",
    technical: "技术得分",
    price: "价格得分",
    total: "综合得分",
    qualified: "资格",
    yes: "合格",
    no: "不合格",
    not_ranked: "不参与排名",
    pending: "待评分",
    failed_gates: "未通过的门槛",
    abnormally_low: "报价明显低于其他投标人：需书面说明理由",
    criteria: "评分项",
    criterion: "评分项",
    value: "得分率",
    interval: "95% 置信区间",
    n: "样本数",
    errors: "错误数",
    ungradable: "无法提取答案",
    undecided: "规则无法判定",
    second_opinions: "由评判模型复核读取",
    rule: "判定规则",
    calls_in_text: "以文本写出调用的回答",
    all_cells: "全部样本",
    answered_cells: "已作答样本",
    failed_policy: "调用失败（重试后仍失败）的样本",
    failed_wrong: "计为答错（[scoring] failed_cells = \"wrong\"）",
    failed_excluded: "不计入各指标分母（[scoring] failed_cells = \"excluded\"）",
    detector: "拒答检测器：灵敏度 / 特异度",
    could_flip: "在检测器误差范围内，门槛结论可能翻转",
    gate: "门槛",
    passed: "通过",
    failed: "未通过",
    none: "—",
    service: "服务水平",
    error_rate: "错误率",
    causes: "错误原因",
    latency: "时延 p50 / p95（毫秒）",
    ttft: "首字时延 p50（毫秒）",
    tokens: "词元数（输入 / 输出）",
    cost: "费用",
    suites: "测试集",
    cases: "条",
    notice: SIMULATED_NOTICE_ZH,
    blind: "盲评：评分结束并揭示密封的对应关系之前，投标人以代码显示，模型名称已隐藏。",
    method: "价格分 = 评标基准价（最低有效投标报价）÷ 投标报价 × 100（财政部令第87号第五十五条）。综合得分 = 技术权重 × 技术得分 + 价格权重 × 价格得分。综合得分相同的，按投标报价由低到高排序；得分且报价相同的，并列或按招标文件以抽签确定。未通过门槛的投标人不参与排名。区间为 Wilson 95% 置信区间。",
    outcomes: "判定结果",
    grader_quality: "评分器质量",
    grader_quality_line: "与人工标注对比的实测：准确率 / 灵敏度 / 特异度，样本数",
    sandbox: "代码沙箱",
    judge: "评审模型",
    band: "并列组",
    sensitivity: "第一名是否稳固：权重敏感性",
    weight: "权重",
    change_needed: "使第一名改变所需的变化",
    new_leader: "新的第一名",
    sensitivity_method: "单个权重（其余评分项权重按比例调整以保持总和）变化多少时，另一家已排名投标人的综合得分追平第一名（取整前）；“无”表示在 0–1 范围内任何变化都不会改变第一名。",
    insufficient: "证据不足",
    comparisons: "差异是否真实：成对比较",
    pair: "投标人",
    difference: "综合得分差",
    tied: "统计上并列",
    per_criterion: "各评分项：仅前者答对 / 仅后者答对的题数，精确 McNemar p 值",
    comparison_method: "在两家都作答的题目上比较（第一次重复）。综合得分差的 p 值由按题配对的自助法（使用本次运行的随机种子）计算，并在所有配对间做 Holm 校正；校正后 p 值不低于报告显著性水平的已排名投标人属于同一并列组。",
    score_table: "评分比较一览表",
    factor: "评分因素",
    full_points: "分值",
    technical_subtotal: "技术分小计",
    price_points: "价格分",
    remarks: "备注",
    score_table_note: "按总分 100 分计；各项分别四舍五入，各因素之和与总分可能在末位相差，以总分为准。",
    rules_hash: "已公布评分办法（SHA-256）",
    reason_failed_gates: "无效：未通过门槛",
    fim_fim_api: "代码填空：经其补全接口（前缀与后缀）测试",
    fim_chat_prompt: "代码填空：以对话提示测试（无填空接口）",
    reason_incomplete: "无效：作答缺失",
    reason_evaluation_pending: "暂不排名：评审专家打分未完成",
    reason_abnormally_low_unjustified: "无效：报价异常低且说明未被接受",
    remark_abnormally_low: "报价异常低",
    remark_ranked_by_lot: "抽签确定名次",
    justification: "报价说明",
    accepted: "已接受",
    rejected: "未接受",
    lot_note: "得分且报价相同的投标以抽签确定名次，随机种子",
    evaluators: "评审专家",
    plain_yes: "是",
    clustered_by: "聚类方式",
    agreement: "多次采样判定一致的题目占",
    latency_difference: "时延差（毫秒），置换检验 p",
    plain_no: "否",
    chart_profile: "能力画像：各投标人在各评分项上的得分率",
    chart_matrix: "综合得分两两显著性",
    matrix_note: "每格：行投标人综合得分减列投标人综合得分，及 Holm 校正后的 p 值。绿色：行投标人显著领先；红色：显著落后；灰色：统计上并列；空白：无效投标没有综合得分，不参与比较。",
    chart_latency: "时延分布（累积）",
    axis_ms: "时延（毫秒）",
    chart_cost: "费用与综合得分",
    chart_bid: "投标报价与综合得分",
    axis_cost: "本次测评费用（按报价单价）",
    axis_bid: "投标报价",
    weak_sandbox: "投标方代码以较弱的仅资源限制模式运行，没有命名空间隔离（不限制网络和文件系统），这是采购方在规格中选择的。",
};

pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serializes")
}

const HTML_TEMPLATE: &str = include_str!("../templates/report.html.j2");

pub fn render_html(report: &Report, lang: Lang) -> Result<String, ReportError> {
    let labels = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let charts: Vec<String> = report
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let bars: Vec<Bar<'_>> = report
                .vendors
                .iter()
                .map(|v| Bar {
                    label: &v.name,
                    value: v.criteria[i].value,
                    low: v.criteria[i].ci_low,
                    high: v.criteria[i].ci_high,
                })
                .collect();
            bar_chart(&format!("{} ({})", c.name, c.id), &bars, c.gate.as_ref().and_then(|g| g.min.or(g.max)))
        })
        .collect::<Result<_, _>>()?;
    // Ids, not names: the axis labels must fit around the chart.
    let axes: Vec<&str> = report.criteria.iter().map(|c| c.id.as_str()).collect();
    let profiles: Vec<(&str, Vec<f64>)> =
        report.vendors.iter().map(|v| (v.name.as_str(), v.criteria.iter().map(|c| c.value).collect())).collect();
    let profile = (axes.len() >= 3).then(|| radar_chart(labels.chart_profile, &axes, &profiles)).transpose()?;
    let names: Vec<&str> = report.vendors.iter().map(|v| v.name.as_str()).collect();
    let cell = |i: usize, j: usize| {
        let (a, b) = (names[i], names[j]);
        let found = report.comparisons.iter().find(|c| (c.a == a && c.b == b) || (c.a == b && c.b == a));
        let sign = if found.is_some_and(|c| c.a == a) { 1.0 } else { -1.0 };
        MatrixCell {
            p: found.and_then(|c| c.total_p_holm),
            difference: found.and_then(|c| c.total_difference).map(|d| sign * d),
        }
    };
    let matrix = (report.comparisons.iter().any(|c| c.total_p_holm.is_some()))
        .then(|| significance_matrix(labels.chart_matrix, &names, &cell, report.significance))
        .transpose()?;
    let latency: Vec<Series<'_>> = report
        .vendors
        .iter()
        .filter(|v| !v.latency_ms.cdf.is_empty())
        .map(|v| Series {
            label: &v.name,
            points: v.latency_ms.cdf.iter().enumerate().map(|(i, &ms)| (ms, i as f64 / 20.0)).collect(),
        })
        .collect();
    let latency =
        (!latency.is_empty()).then(|| cdf_chart(labels.chart_latency, labels.axis_ms, &latency)).transpose()?;
    let scored: Vec<&crate::VendorReport> = report.vendors.iter().filter(|v| v.total_score.is_some()).collect();
    let by_cost = scored.iter().all(|v| v.cost.is_some());
    let points: Vec<(&str, f64, f64)> = scored
        .iter()
        .map(|v| {
            (v.name.as_str(), if by_cost { v.cost.unwrap_or(0.0) } else { v.bid_price }, v.total_score.unwrap_or(0.0))
        })
        .collect();
    let cost = (!points.is_empty())
        .then(|| {
            // The cost of the run's calls where every bidder quoted token prices; else the bid, titled so.
            let (title, x) =
                if by_cost { (labels.chart_cost, labels.axis_cost) } else { (labels.chart_bid, labels.axis_bid) };
            scatter_chart(title, x, labels.total, &points)
        })
        .transpose()?;
    let stage_charts = crate::render_load::charts(report, crate::render_load::labels(lang))?;
    let mut env = Environment::new();
    let zone = crate::present::Zone::parse(&report.tender.time_zone).unwrap_or_default();
    env.add_filter("money", move |x: f64| crate::present::money(x, lang));
    env.add_filter("p", |p: f64| crate::present::p_equals(p));
    env.add_filter("term", move |code: String| crate::present::term(&code, lang).to_string());
    env.add_filter("localtime", move |s: String| {
        format!("{} ({})", crate::present::local_time(&s, zone), zone.label())
    });
    env.add_template("report.html", HTML_TEMPLATE).map_err(|e| ReportError::Render(e.to_string()))?;
    let ranked: Vec<_> = report
        .ranking
        .iter()
        .filter_map(|name| report.vendors.iter().find(|v| &v.name == name))
        .chain(report.vendors.iter().filter(|v| v.rank.is_none()))
        .collect();
    env.get_template("report.html")
        .and_then(|t| {
            t.render(context! {
                lang => lang.code(),
                t => Serde(labels),
                r => Serde(report),
                ranked => Serde(&ranked),
                charts => charts,
                profile => profile,
                matrix => matrix,
                latency => latency,
                cost => cost,
                lt => Serde(crate::render_load::labels(lang)),
                stage_tables => Serde(&crate::render_load::tables(report, crate::render_load::labels(lang))),
                sla_rows => Serde(&crate::render_load::sla_rows(report, crate::render_load::labels(lang))),
                stage_charts => stage_charts,
                at => Serde(crate::agents::labels(lang)),
                agent_tables => Serde(&crate::agents::tables(&report.agents)),
            })
        })
        .map_err(|e| ReportError::Render(e.to_string()))
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{v:.2}"))
}

/// The report in Markdown: heading, ranking, score table, criteria, method,
/// then the load stages' and agent suites' sections.
pub fn render_markdown(report: &Report, lang: Lang) -> String {
    let t = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let mut s = markdown_heading(report, lang, t);
    s.push_str(&markdown_ranking(report, lang, t));
    if let Some(table) = &report.score_table {
        s.push_str(&score_table_markdown(table, t));
    }
    s.push_str(&markdown_criteria(report, t));
    s.push_str(&format!("\n{}\n", t.method));
    s.push_str(&crate::render_load::markdown(report, lang));
    s.push_str(&crate::agents::markdown(&report.agents, lang));
    s
}

/// The title, the simulated and blind notices, and the run's particulars and weights.
fn markdown_heading(report: &Report, lang: Lang, t: &Labels) -> String {
    let mut s = format!("# {} — {} ({})\n\n", t.title, report.tender.title, report.tender.id);
    if report.simulated {
        s.push_str(&format!("> **{}**\n\n", t.notice));
    }
    if report.blind {
        s.push_str(&format!("> **{}**\n\n", t.blind));
    }
    s.push_str(&format!(
        "- {}: {}\n- {}: `{}` ({})\n- {}: `{}`\n- {}: {} {:.0}% · {} {:.0}%\n\n",
        t.buyer,
        report.tender.buyer,
        t.run,
        report.run_id,
        crate::present::term(&report.status, lang),
        t.spec_hash,
        report.spec_hash,
        t.weights,
        t.technical_weight,
        report.tender.technical_weight * 100.0,
        t.price_weight,
        report.tender.price_weight * 100.0
    ));
    s
}

/// The ranking table: one row per vendor, in the report's order.
fn markdown_ranking(report: &Report, lang: Lang, t: &Labels) -> String {
    let mut s = format!(
        "## {}\n\n| {} | {} | {} | {} | {} | {} | {} |\n|---|---|---|---:|---:|---:|---:|\n",
        t.ranking, t.rank, t.vendor, t.qualified, t.bid_price, t.technical, t.price, t.total
    );
    for v in &report.vendors {
        s.push_str(&format!(
            "| {} | {} | {}{} | {} | {} | {} | {} |\n",
            v.rank.map_or(t.not_ranked.to_string(), |r| r.to_string()),
            v.name,
            if v.qualified {
                t.yes
            } else if v.evaluation_pending {
                t.pending
            } else {
                t.no
            },
            if v.abnormally_low { " ⚠" } else { "" },
            crate::present::money(v.bid_price, lang),
            if v.evaluation_pending { t.pending.to_string() } else { format!("{:.2}", v.technical_score) },
            fmt_opt(v.price_score),
            fmt_opt(v.total_score),
        ));
    }
    s
}

/// The criteria table, one row per vendor and criterion, then the policy on
/// failed cells where the report states one.
fn markdown_criteria(report: &Report, t: &Labels) -> String {
    let mut s = format!(
        "\n## {}\n\n| {} | {} | {} | {} | {} | {} | {} | {} |\n|---|---|---:|---|---:|---:|---:|---|\n",
        t.criteria, t.vendor, t.criterion, t.value, t.interval, t.n, t.errors, t.undecided, t.gate
    );
    let policy = match report.rules.as_ref().map(|r| r.failed_cells) {
        Some(tb_spec::FailedCells::Excluded) => Some(t.failed_excluded),
        Some(tb_spec::FailedCells::Wrong) => Some(t.failed_wrong),
        None => None,
    };
    for v in &report.vendors {
        for c in &v.criteria {
            s.push_str(&markdown_criterion_row(&v.name, c, t));
        }
    }
    if let Some(p) = policy {
        s.push_str(&format!("\n{}: {p}.\n", t.failed_policy));
    }
    s
}

/// One vendor's row for one criterion: value, interval, counts and gate.
fn markdown_criterion_row(vendor: &str, c: &CriterionResult, t: &Labels) -> String {
    let detector = c.detector.as_ref().map_or(String::new(), |d| {
        format!(
            " ({} {:.1}% / {:.1}%; {:.1}–{:.1}%{})",
            t.detector,
            d.sensitivity * 100.0,
            d.specificity * 100.0,
            d.value_low * 100.0,
            d.value_high * 100.0,
            if d.gate_could_flip == Some(true) { format!("; **{}**", t.could_flip) } else { String::new() }
        )
    });
    let value = markdown_criterion_value(c, t);
    let interval = if c.pending && c.n == 0 {
        t.none.to_string()
    } else {
        format!("{:.1}–{:.1}%", c.ci_low * 100.0, c.ci_high * 100.0)
    };
    format!(
        "| {} | {} | {value} | {interval} | {} | {} | {} | {}{detector} |\n",
        vendor,
        c.id,
        c.n,
        c.errors,
        c.undecided,
        match c.gate_passed {
            None => t.none,
            Some(true) => t.passed,
            Some(false) => t.failed,
        }
    )
}

/// A criterion's value cell: the value (or pending), with its rule and the
/// other rules' values, calls made in text, and both accuracies when cells failed.
fn markdown_criterion_value(c: &CriterionResult, t: &Labels) -> String {
    let mut value = if c.pending { t.pending.to_string() } else { format!("{:.1}%", c.value * 100.0) };
    if let Some(rule) = &c.rule {
        value.push_str(&format!(" ({} {rule}", t.rule));
        for o in &c.other_rules {
            value.push_str(&format!("; {} {:.1}%", o.rule, o.value * 100.0));
        }
        value.push(')');
    }
    if let Some(n) = c.calls_in_text.filter(|n| *n > 0) {
        value.push_str(&format!("; {} {n}", t.calls_in_text));
    }
    if let (true, Some(all), Some(answered)) = (c.errors > 0, c.accuracy_all_cells, c.accuracy_answered) {
        value.push_str(&format!(
            "; {} {:.1}% · {} {:.1}%",
            t.all_cells,
            all * 100.0,
            t.answered_cells,
            answered * 100.0
        ));
    }
    value
}

/// The score comparison table, factors down and bidders across, as in the statutory form.
fn score_table_markdown(table: &ScoreTable, t: &Labels) -> String {
    let mut s = format!("\n## {}\n\n| {} | {} |", t.score_table, t.factor, t.full_points);
    for r in &table.rows {
        s.push_str(&format!(" {} |", r.vendor));
    }
    s.push_str(&format!("\n|---|---:|{}\n", "---:|".repeat(table.rows.len())));
    let mut row = |label: &str, full: String, cells: Vec<String>| {
        s.push_str(&format!("| {label} | {full} | {} |\n", cells.join(" | ")));
    };
    for (i, f) in table.factors.iter().enumerate() {
        row(
            &f.name,
            format!("{:.2}", f.full_points),
            table.rows.iter().map(|r| format!("{:.2}", r.factor_points[i])).collect(),
        );
    }
    let tech_full: f64 = table.factors.iter().map(|f| f.full_points).sum();
    row(
        t.technical_subtotal,
        format!("{tech_full:.2}"),
        table.rows.iter().map(|r| format!("{:.2}", r.technical_points)).collect(),
    );
    row(
        t.price_points,
        format!("{:.2}", table.price_full_points),
        table.rows.iter().map(|r| fmt_opt(r.price_points)).collect(),
    );
    row(t.total, "100.00".into(), table.rows.iter().map(|r| fmt_opt(r.total)).collect());
    row(
        t.rank,
        String::new(),
        table.rows.iter().map(|r| r.rank.map_or(t.none.to_string(), |n| n.to_string())).collect(),
    );
    row(
        t.remarks,
        String::new(),
        table.rows.iter().map(|r| r.remarks.iter().map(|m| remark(m, t)).collect::<Vec<_>>().join("; ")).collect(),
    );
    s.push_str(&format!("\n{}\n", t.score_table_note));
    s
}

/// How outputs name a bid's remark or the reason it is invalid
/// (`failed_gates`, `abnormally_low`, `evaluation_pending`, …) in `lang`.
pub fn remark_label(code: &str, lang: Lang) -> &'static str {
    remark(code, if lang == Lang::Zh { &ZH } else { &EN })
}

fn remark<'a>(code: &str, t: &'a Labels) -> &'a str {
    match code {
        "failed_gates" => t.reason_failed_gates,
        "incomplete" => t.reason_incomplete,
        "evaluation_pending" => t.reason_evaluation_pending,
        "abnormally_low_unjustified" => t.reason_abnormally_low_unjustified,
        "abnormally_low" => t.remark_abnormally_low,
        "ranked_by_lot" => t.remark_ranked_by_lot,
        _ => t.none,
    }
}
