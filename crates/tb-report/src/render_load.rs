//! The report's section on service levels under load: labels, table rows
//! (formatted once for HTML and Markdown alike) and charts.

use serde::Serialize;

use crate::chart::{Series, cdf_chart, line_chart};
use crate::{Estimate, Lang, Quantiles, Report, ReportError, StageReport, StageVendor};

#[derive(Serialize)]
pub(crate) struct LoadLabels {
    title: &'static str,
    method: &'static str,
    stage: &'static str,
    closed: &'static str,
    open: &'static str,
    warmup: &'static str,
    targets: &'static str,
    vendor: &'static str,
    offered: &'static str,
    throughput: &'static str,
    goodput: &'static str,
    availability: &'static str,
    failures: &'static str,
    ttft: &'static str,
    itl: &'static str,
    tpot: &'static str,
    latency: &'static str,
    accuracy: &'static str,
    lag: &'static str,
    dropped: &'static str,
    sla: &'static str,
    sla_rule: &'static str,
    met: &'static str,
    not_met: &'static str,
    met_not_at_bound: &'static str,
    not_measured: &'static str,
    unfinished: &'static str,
    chart_latency: &'static str,
    chart_throughput: &'static str,
    chart_goodput: &'static str,
    axis_ms: &'static str,
    axis_concurrency: &'static str,
    axis_offered: &'static str,
    axis_rps: &'static str,
}

const EN: LoadLabels = LoadLabels {
    title: "Service levels under load",
    method: "Each stage sends the suite's cases to one vendor at a time under the stated load: a closed loop keeps N requests in flight; an open loop sends Poisson arrivals drawn before the stage starts, so a slow vendor cannot slow the offered load. Requests are not retried. End-to-end latency counts from when a request was due, so a client that falls behind cannot hide a slow vendor; TTFT, ITL and TPOT count from when it was sent. Warm-up requests are stored but not measured. Timings are of answered requests (failures count in availability); quantiles are nearest-rank with exact percentile-bootstrap 95% intervals. Goodput counts answers that were graded right and met every per-request latency target. Accuracy under load is compared with the vendor's accuracy on the same suite in the run's own cells (one-sided two-proportion test).",
    stage: "Stage",
    closed: "in flight (closed loop)",
    open: "requests/s offered (open loop, Poisson)",
    warmup: "warm-up",
    targets: "per-request targets",
    vendor: "Vendor",
    offered: "Offered /s",
    throughput: "Throughput /s",
    goodput: "Goodput /s",
    availability: "Availability",
    failures: "Failures",
    ttft: "TTFT p50 / p95 / p99 (ms)",
    itl: "ITL p50 / p99 (ms)",
    tpot: "TPOT p50 (ms)",
    latency: "Latency p50 / p95 [95% CI] / p99 (ms)",
    accuracy: "Accuracy under load (at low load)",
    lag: "Client lag p99 (ms)",
    dropped: "significant drop",
    sla: "Service-level criteria",
    sla_rule: "Target",
    met: "met",
    not_met: "NOT met",
    met_not_at_bound: "met, but not at the interval's unfavourable bound",
    not_measured: "not measured",
    unfinished: "stage cut short",
    chart_latency: "Latency distribution under load (cumulative)",
    chart_throughput: "Throughput against concurrency",
    chart_goodput: "Goodput against offered load",
    axis_ms: "latency from due time (ms)",
    axis_concurrency: "requests in flight",
    axis_offered: "offered load (requests/s)",
    axis_rps: "answers/s",
};

const ZH: LoadLabels = LoadLabels {
    title: "负载下的服务水平",
    method: "每个负载阶段按规定负载向各投标人依次发送该题库的题目：闭环保持 N 个并发请求；开环按阶段开始前抽定的泊松到达时间发送，响应慢不会降低施加的负载。请求不重试。端到端时延从请求应发出的时刻起算，客户端滞后不能掩盖投标人的慢；首字、字间、每字时延从实际发出时起算。预热期请求存证但不计入测量。时延统计得到回答的请求（失败计入可用性）；分位数取最近秩，附精确百分位自助法 95% 区间。有效吞吐只计评分正确且满足每项单请求时延目标的回答。负载下准确率与该投标人在本次运行中同一题库的准确率比较（单侧两比例检验）。",
    stage: "阶段",
    closed: "并发（闭环）",
    open: "请求/秒（开环，泊松到达）",
    warmup: "预热",
    targets: "单请求目标",
    vendor: "投标人",
    offered: "施加负载 /秒",
    throughput: "吞吐 /秒",
    goodput: "有效吞吐 /秒",
    availability: "可用性",
    failures: "失败",
    ttft: "首字时延 p50 / p95 / p99（毫秒）",
    itl: "字间时延 p50 / p99（毫秒）",
    tpot: "每字时延 p50（毫秒）",
    latency: "端到端时延 p50 / p95 [95% 区间] / p99（毫秒）",
    accuracy: "负载下准确率（低负载时）",
    lag: "客户端滞后 p99（毫秒）",
    dropped: "显著下降",
    sla: "服务水平评审项",
    sla_rule: "目标",
    met: "满足",
    not_met: "不满足",
    met_not_at_bound: "满足，但区间不利端不满足",
    not_measured: "未测得",
    unfinished: "阶段未完成",
    chart_latency: "负载下的时延分布（累积）",
    chart_throughput: "吞吐与并发",
    chart_goodput: "有效吞吐与施加负载",
    axis_ms: "自应发时刻起的时延（毫秒）",
    axis_concurrency: "并发请求数",
    axis_offered: "施加负载（请求/秒）",
    axis_rps: "回答/秒",
};

pub(crate) fn labels(lang: Lang) -> &'static LoadLabels {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// One vendor's line of a stage table.
#[derive(Serialize)]
pub(crate) struct StageRow {
    vendor: String,
    offered: String,
    throughput: String,
    goodput: String,
    availability: String,
    failures: String,
    ttft: String,
    itl: String,
    tpot: String,
    latency: String,
    accuracy: String,
    dropped: bool,
    lag: String,
}

#[derive(Serialize)]
pub(crate) struct StageTable {
    id: String,
    load: String,
    targets: String,
    rows: Vec<StageRow>,
}

#[derive(Serialize)]
pub(crate) struct SlaRow {
    name: String,
    stage: String,
    rule: String,
    /// One per vendor: (text, `met` | `not_met` | `bound` | `none`).
    cells: Vec<(String, &'static str)>,
}

fn ms(e: Option<Estimate>) -> String {
    e.map_or("—".into(), |e| format!("{:.1}", e.value))
}

fn quantile_text(q: &Quantiles, which: &[&str]) -> String {
    which
        .iter()
        .map(|w| match *w {
            "p50" => ms(q.p50),
            "p90" => ms(q.p90),
            "p95" => ms(q.p95),
            _ => ms(q.p99),
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

fn row(v: &StageVendor, t: &LoadLabels) -> StageRow {
    let failures = if v.causes.is_empty() {
        "0".to_string()
    } else {
        v.causes.iter().map(|(c, n)| format!("{c} {n}")).collect::<Vec<_>>().join(", ")
    };
    let p95 = v.latency_ms.p95.map_or(String::new(), |e| format!(" [{:.1}–{:.1}]", e.ci_low, e.ci_high));
    StageRow {
        vendor: if v.finished { v.name.clone() } else { format!("{} ({})", v.name, t.unfinished) },
        offered: format!("{:.1}", v.offered_rps),
        throughput: format!("{:.1}", v.throughput_rps),
        goodput: format!("{:.1}", v.goodput_rps),
        availability: format!("{:.2}% ({}/{})", v.availability * 100.0, v.answered, v.requests),
        failures,
        ttft: quantile_text(&v.ttft_ms, &["p50", "p95", "p99"]),
        itl: quantile_text(&v.itl_ms, &["p50", "p99"]),
        tpot: quantile_text(&v.tpot_ms, &["p50"]),
        latency: format!("{} / {}{} / {}", ms(v.latency_ms.p50), ms(v.latency_ms.p95), p95, ms(v.latency_ms.p99)),
        accuracy: format!(
            "{:.1}%{}",
            v.accuracy * 100.0,
            v.baseline_accuracy.map_or(String::new(), |b| format!(" ({:.1}%)", b * 100.0))
        ),
        dropped: v.accuracy_dropped,
        lag: ms(v.lag_ms.p99),
    }
}

pub(crate) fn tables(report: &Report, t: &LoadLabels) -> Vec<StageTable> {
    report
        .stages
        .iter()
        .map(|s| StageTable {
            id: s.id.clone(),
            load: load_text(s, t),
            targets: s.targets.iter().map(|(k, v)| format!("{k} ≤ {v}")).collect::<Vec<_>>().join(", "),
            rows: s.vendors.iter().map(|v| row(v, t)).collect(),
        })
        .collect()
}

fn load_text(s: &StageReport, t: &LoadLabels) -> String {
    let load = match s.arrival {
        tb_spec::Arrival::Concurrency(n) => format!("{n} {}", t.closed),
        tb_spec::Arrival::Rate(r) => format!("{r} {}", t.open),
    };
    let end = match (s.duration_secs, s.cases) {
        (Some(d), Some(n)) => format!("{d} s / {n}"),
        (Some(d), None) => format!("{d} s"),
        (None, Some(n)) => format!("{n}"),
        (None, None) => String::new(),
    };
    format!("{load} · {end} · {} {} s", t.warmup, s.warmup_secs)
}

pub(crate) fn sla_rows(report: &Report, t: &LoadLabels) -> Vec<SlaRow> {
    report
        .criteria
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let sla = c.sla.as_ref()?;
            let cells = report
                .vendors
                .iter()
                .map(|v| match v.criteria.get(i).and_then(|r| r.sla.as_ref()) {
                    Some(r) => match (r.measured, r.ci_low, r.ci_high) {
                        (Some(m), Some(lo), Some(hi)) => {
                            let (word, class) = match (r.met, r.met_at_bound) {
                                (true, true) => (t.met, "met"),
                                (true, false) => (t.met_not_at_bound, "bound"),
                                _ => (t.not_met, "not_met"),
                            };
                            (format!("{} [{}–{}]: {word}", num(m), num(lo), num(hi)), class)
                        }
                        _ => (t.not_measured.to_string(), "none"),
                    },
                    None => (t.not_measured.to_string(), "none"),
                })
                .collect();
            Some(SlaRow {
                name: c.name.clone(),
                stage: sla.stage.clone(),
                rule: format!("{} {} {}", sla.metric, sla.op.symbol(), sla.target),
                cells,
            })
        })
        .collect()
}

/// A measurement in as many digits as it needs: rates below 1 in four.
fn num(x: f64) -> String {
    if x.abs() < 1.0 { format!("{x:.4}") } else { format!("{x:.1}") }
}

/// The stages' charts: a latency CDF per stage, throughput against
/// concurrency (closed-loop stages), goodput against offered load (all stages).
pub(crate) fn charts(report: &Report, t: &LoadLabels) -> Result<Vec<String>, ReportError> {
    let mut out = Vec::new();
    for s in &report.stages {
        let series: Vec<Series<'_>> = s
            .vendors
            .iter()
            .filter(|v| !v.latency_cdf.is_empty())
            .map(|v| Series {
                label: &v.name,
                points: v.latency_cdf.iter().enumerate().map(|(i, &ms)| (ms, i as f64 / 50.0)).collect(),
            })
            .collect();
        if !series.is_empty() {
            out.push(cdf_chart(&format!("{} — {}", t.chart_latency, s.id), t.axis_ms, &series)?);
        }
    }
    let by_vendor = |x: &dyn Fn(&StageReport, &StageVendor) -> Option<f64>, y: &dyn Fn(&StageVendor) -> f64| {
        let names: Vec<&str> =
            report.stages.first().map_or(Vec::new(), |s| s.vendors.iter().map(|v| v.name.as_str()).collect());
        names
            .into_iter()
            .map(|name| {
                let mut points: Vec<(f64, f64)> = report
                    .stages
                    .iter()
                    .filter_map(|s| {
                        let v = s.vendors.iter().find(|v| v.name == name)?;
                        (v.requests > 0).then_some(())?;
                        Some((x(s, v)?, y(v)))
                    })
                    .collect();
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                Series { label: name, points }
            })
            .filter(|s| !s.points.is_empty())
            .collect::<Vec<_>>()
    };
    let concurrency = |s: &StageReport, _: &StageVendor| match s.arrival {
        tb_spec::Arrival::Concurrency(n) => Some(n as f64),
        tb_spec::Arrival::Rate(_) => None,
    };
    let throughput = by_vendor(&concurrency, &|v| v.throughput_rps);
    if !throughput.is_empty() {
        out.push(line_chart(t.chart_throughput, t.axis_concurrency, t.axis_rps, &throughput)?);
    }
    let goodput = by_vendor(&|_, v| Some(v.offered_rps), &|v| v.goodput_rps);
    if !goodput.is_empty() {
        out.push(line_chart(t.chart_goodput, t.axis_offered, t.axis_rps, &goodput)?);
    }
    Ok(out)
}

/// The section in Markdown.
pub(crate) fn markdown(report: &Report, lang: Lang) -> String {
    if report.stages.is_empty() {
        return String::new();
    }
    let t = labels(lang);
    let mut s = format!("\n## {}\n\n{}\n", t.title, t.method);
    for table in tables(report, t) {
        s.push_str(&format!("\n### {} {} ({})\n\n", t.stage, table.id, table.load));
        if !table.targets.is_empty() {
            s.push_str(&format!("{}: {}\n\n", t.targets, table.targets));
        }
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n",
            t.vendor,
            t.offered,
            t.throughput,
            t.goodput,
            t.availability,
            t.failures,
            t.ttft,
            t.itl,
            t.tpot,
            t.latency,
            t.accuracy
        ));
        for r in table.rows {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} |\n",
                r.vendor,
                r.offered,
                r.throughput,
                r.goodput,
                r.availability,
                r.failures,
                r.ttft,
                r.itl,
                r.tpot,
                r.latency,
                r.accuracy,
                if r.dropped { format!(" ⚠ {}", t.dropped) } else { String::new() }
            ));
        }
    }
    let slas = sla_rows(report, t);
    if !slas.is_empty() {
        let names: Vec<&str> = report.vendors.iter().map(|v| v.name.as_str()).collect();
        s.push_str(&format!(
            "\n### {}\n\n| {} | {} | {} |\n|---|---|{}\n",
            t.sla,
            t.sla_rule,
            t.stage,
            names.join(" | "),
            "---|".repeat(names.len())
        ));
        for r in slas {
            let cells: Vec<&str> = r.cells.iter().map(|c| c.0.as_str()).collect();
            s.push_str(&format!("| {} (`{}`) | {} | {} |\n", r.name, r.rule, r.stage, cells.join(" | ")));
        }
    }
    s
}
