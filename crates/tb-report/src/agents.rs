//! Agent suites in the report: per vendor, task success, pass^k over the
//! repeats, turns, tool calls, malformed calls, violations and why episodes
//! stopped; per task, how many of its episodes each vendor got right. Counted
//! from the cells' stored verdicts and grades, like every other number here.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tb_spec::Spec;
use tb_suite::SuiteFormat;

use crate::{GradedCell, Lang};

/// One agent suite: its vendors' summaries and the per-task matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentSuiteReport {
    pub suite: String,
    /// The `agent` criterion whose grades count as task success.
    pub criterion: String,
    pub repeats: u32,
    pub vendors: Vec<AgentVendorReport>,
    pub tasks: Vec<AgentTaskRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentVendorReport {
    pub name: String,
    pub episodes: u64,
    pub successes: u64,
    /// `pass^1` … `pass^repeats`: the chance that all k episodes of a task
    /// succeed, averaged over tasks (unbiased estimator).
    pub pass_hat_k: BTreeMap<String, f64>,
    pub mean_turns: f64,
    pub tool_calls: u64,
    /// Malformed and refused calls by kind (`bad_arguments`, `unknown_tool`,
    /// `missing_arguments`, `rejected`).
    pub tool_errors: BTreeMap<String, u64>,
    /// Violations by kind; `episodes_with_violation` counts episodes.
    pub violations: BTreeMap<String, u64>,
    pub episodes_with_violation: u64,
    /// Why episodes ended (`answered`, `max_turns`, …).
    pub stopped: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentTaskRow {
    pub id: String,
    pub language: Option<String>,
    /// `act`, `refuse` or `clarify`.
    pub expected: String,
    /// In vendor order: (successes, episodes, the first failure's note).
    pub results: Vec<AgentTaskResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentTaskResult {
    pub successes: u32,
    pub episodes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Default)]
struct VendorCounts {
    episodes: u64,
    successes: u64,
    turns: u64,
    tool_calls: u64,
    tool_errors: BTreeMap<String, u64>,
    violations: BTreeMap<String, u64>,
    episodes_with_violation: u64,
    stopped: BTreeMap<String, u64>,
}

#[derive(Default)]
struct TaskCounts {
    language: Option<String>,
    expected: String,
    /// vendor → (successes, episodes, first note)
    by_vendor: HashMap<String, (u32, u32, Option<String>)>,
}

/// The tallies of every agent suite, cell by cell.
pub(crate) struct AgentTallies {
    /// suite → its success criterion.
    criteria: HashMap<String, String>,
    /// suite → vendor → counts.
    vendors: HashMap<String, HashMap<String, VendorCounts>>,
    /// suite → task id → counts (task order: by id).
    tasks: HashMap<String, BTreeMap<String, TaskCounts>>,
}

impl AgentTallies {
    pub(crate) fn new(spec: &Spec) -> Self {
        let criteria = spec
            .suites
            .iter()
            .filter(|s| s.format == SuiteFormat::Agent)
            .filter_map(|s| {
                let c = spec.criteria.iter().find(|c| c.suite == s.id && c.grader == tb_spec::GraderKind::Agent)?;
                Some((s.id.clone(), c.id.clone()))
            })
            .collect();
        AgentTallies { criteria, vendors: HashMap::new(), tasks: HashMap::new() }
    }

    pub(crate) fn add(&mut self, graded: &GradedCell) {
        let cell = &graded.cell;
        let Some(criterion) = self.criteria.get(&cell.suite) else { return };
        let Some((_, grade)) = graded.grades.iter().find(|(id, _)| id == criterion) else { return };
        let verdicts: serde_json::Value =
            cell.verdicts.as_deref().and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default();
        let v = &verdicts[criterion.as_str()];
        let counts = self.vendors.entry(cell.suite.clone()).or_default().entry(cell.vendor.clone()).or_default();
        counts.episodes += 1;
        counts.successes += grade.correct as u64;
        counts.turns += v["turns"].as_u64().unwrap_or(0);
        counts.tool_calls += v["tool_calls"].as_u64().unwrap_or(0);
        for (kind, n) in v["tool_errors"].as_object().into_iter().flatten() {
            *counts.tool_errors.entry(kind.clone()).or_default() += n.as_u64().unwrap_or(0);
        }
        let violations = v["violations"].as_array().map(Vec::as_slice).unwrap_or_default();
        counts.episodes_with_violation += !violations.is_empty() as u64;
        for kind in violations.iter().filter_map(|x| x["kind"].as_str()) {
            *counts.violations.entry(kind.to_string()).or_default() += 1;
        }
        let stopped = match (&cell.cause, v["stopped"].as_str()) {
            (_, Some(s)) => s.to_string(),
            (Some(cause), None) => cause.clone(),
            (None, None) => "unknown".into(),
        };
        *counts.stopped.entry(stopped).or_default() += 1;
        let gold: serde_json::Value = serde_json::from_str(&cell.gold_json).unwrap_or_default();
        let task = self.tasks.entry(cell.suite.clone()).or_default().entry(cell.case_id.clone()).or_default();
        task.language = cell.language.clone();
        task.expected = gold["data"]["expect"]["outcome"].as_str().unwrap_or("act").to_string();
        let r = task.by_vendor.entry(cell.vendor.clone()).or_default();
        r.0 += grade.correct as u32;
        r.1 += 1;
        if !grade.correct && r.2.is_none() {
            r.2 = grade.note.clone().or_else(|| cell.cause.clone());
        }
    }

    /// Joins another tally of the same run, split by case (as `Aggregate::merge` is).
    pub(crate) fn merge(&mut self, other: AgentTallies) {
        for (suite, vendors) in other.vendors {
            let ours = self.vendors.entry(suite).or_default();
            for (vendor, theirs) in vendors {
                let mine = ours.entry(vendor).or_default();
                mine.episodes += theirs.episodes;
                mine.successes += theirs.successes;
                mine.turns += theirs.turns;
                mine.tool_calls += theirs.tool_calls;
                mine.episodes_with_violation += theirs.episodes_with_violation;
                for (map, from) in [
                    (&mut mine.tool_errors, theirs.tool_errors),
                    (&mut mine.violations, theirs.violations),
                    (&mut mine.stopped, theirs.stopped),
                ] {
                    for (k, n) in from {
                        *map.entry(k).or_default() += n;
                    }
                }
            }
        }
        for (suite, tasks) in other.tasks {
            self.tasks.entry(suite).or_default().extend(tasks);
        }
    }

    /// The sections, for the vendors in `order` (spec order, named as the report names them).
    pub(crate) fn finish(self, spec: &Spec, order: &[(String, String)]) -> Vec<AgentSuiteReport> {
        let repeats = spec.run.repeats;
        let mut out = Vec::new();
        for s in spec.suites.iter().filter(|s| s.format == SuiteFormat::Agent) {
            let Some(criterion) = self.criteria.get(&s.id) else { continue };
            let empty = HashMap::new();
            let vendors = self.vendors.get(&s.id).unwrap_or(&empty);
            let empty_tasks = BTreeMap::new();
            let tasks = self.tasks.get(&s.id).unwrap_or(&empty_tasks);
            let vendor_reports = order
                .iter()
                .map(|(name, shown)| {
                    let c = vendors.get(name);
                    let pass_hat_k = (1..=repeats)
                        .map(|k| {
                            let per_task: Vec<f64> = tasks
                                .values()
                                .filter_map(|t| t.by_vendor.get(name))
                                .filter(|r| r.1 >= k)
                                .map(|r| tb_stats::pass_hat_k(r.1 as u64, r.0 as u64, k as u64))
                                .collect();
                            let mean = if per_task.is_empty() {
                                0.0
                            } else {
                                per_task.iter().sum::<f64>() / per_task.len() as f64
                            };
                            (format!("pass^{k}"), mean)
                        })
                        .collect();
                    AgentVendorReport {
                        name: shown.clone(),
                        episodes: c.map_or(0, |c| c.episodes),
                        successes: c.map_or(0, |c| c.successes),
                        pass_hat_k,
                        mean_turns: c.map_or(0.0, |c| c.turns as f64 / c.episodes.max(1) as f64),
                        tool_calls: c.map_or(0, |c| c.tool_calls),
                        tool_errors: c.map(|c| c.tool_errors.clone()).unwrap_or_default(),
                        violations: c.map(|c| c.violations.clone()).unwrap_or_default(),
                        episodes_with_violation: c.map_or(0, |c| c.episodes_with_violation),
                        stopped: c.map(|c| c.stopped.clone()).unwrap_or_default(),
                    }
                })
                .collect();
            let task_rows = tasks
                .iter()
                .map(|(id, t)| AgentTaskRow {
                    id: id.clone(),
                    language: t.language.clone(),
                    expected: t.expected.clone(),
                    results: order
                        .iter()
                        .map(|(name, _)| {
                            let (successes, episodes, note) = t.by_vendor.get(name).cloned().unwrap_or_default();
                            AgentTaskResult { successes, episodes, note }
                        })
                        .collect(),
                })
                .collect();
            out.push(AgentSuiteReport {
                suite: s.id.clone(),
                criterion: criterion.clone(),
                repeats,
                vendors: vendor_reports,
                tasks: task_rows,
            });
        }
        out
    }
}

#[derive(Serialize)]
pub(crate) struct AgentLabels {
    pub title: &'static str,
    pub method: &'static str,
    pub suite: &'static str,
    pub vendor: &'static str,
    pub success: &'static str,
    pub turns: &'static str,
    pub calls: &'static str,
    pub malformed: &'static str,
    pub violations: &'static str,
    pub stopped: &'static str,
    pub task: &'static str,
    pub expected: &'static str,
}

const EN: AgentLabels = AgentLabels {
    title: "Agent tasks",
    method: "Each task is a multi-turn episode: tenderbench offers the environment's tools, executes every call against the simulated environment, returns its result, and lets the simulated user answer the agent's questions, until the agent answers without a call or a budget runs out. A task succeeds when the episode ends with an answer that states the required facts and leaves the environment in the reference's state (for programming tasks: the visible and hidden tests pass, no test file changed); a refusal must change nothing and refuse; a clarification must ask before acting. pass^k is the chance that all k runs of a task succeed. Malformed calls (bad JSON, unknown tools, missing arguments) are returned to the agent as errors and counted. Violations: another person's record, a tool the task does not allow, a test file.",
    suite: "Suite",
    vendor: "Vendor",
    success: "Success",
    turns: "Turns (mean)",
    calls: "Tool calls",
    malformed: "Malformed / refused calls",
    violations: "Violations",
    stopped: "Ended by",
    task: "Task",
    expected: "Expected",
};

const ZH: AgentLabels = AgentLabels {
    title: "智能体任务",
    method: "每个任务是一段多轮对话：tenderbench 向智能体提供环境的工具，在模拟环境中执行每次调用并返回结果，由模拟用户回答智能体的提问，直到智能体不再调用工具而给出答复，或预算用尽。任务成功的条件：对话以答复结束、答复包含要求的事实、环境的最终状态与参考轨迹一致（编程任务：可见与隐藏测试全部通过，且未改动测试文件）；应拒绝的任务必须不改变状态并明确拒绝；需澄清的任务必须在办理前先询问。pass^k 为同一任务 k 次运行全部成功的概率。格式错误的调用（参数不是 JSON、工具不存在、缺少参数）作为错误返回给智能体并计数。违规：访问他人记录、使用任务不允许的工具、修改测试文件。",
    suite: "测试集",
    vendor: "投标人",
    success: "成功率",
    turns: "平均轮数",
    calls: "工具调用",
    malformed: "格式错误 / 被拒调用",
    violations: "违规",
    stopped: "结束原因",
    task: "任务",
    expected: "预期",
};

pub(crate) fn labels(lang: Lang) -> &'static AgentLabels {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// One vendor's summary, formatted once for HTML and Markdown alike.
#[derive(Serialize)]
pub(crate) struct SummaryRow {
    vendor: String,
    success: String,
    pass_hat_k: String,
    turns: String,
    calls: String,
    malformed: String,
    violations: String,
    stopped: String,
    bad: bool,
}

#[derive(Serialize)]
pub(crate) struct TaskRow {
    id: String,
    expected: String,
    cells: Vec<(String, &'static str)>,
}

#[derive(Serialize)]
pub(crate) struct SuiteTables {
    suite: String,
    rows: Vec<SummaryRow>,
    vendors: Vec<String>,
    tasks: Vec<TaskRow>,
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = map.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{k} {n}")).collect();
    if parts.is_empty() { "0".into() } else { parts.join(", ") }
}

pub(crate) fn tables(sections: &[AgentSuiteReport]) -> Vec<SuiteTables> {
    sections
        .iter()
        .map(|s| SuiteTables {
            suite: s.suite.clone(),
            vendors: s.vendors.iter().map(|v| v.name.clone()).collect(),
            rows: s
                .vendors
                .iter()
                .map(|v| SummaryRow {
                    vendor: v.name.clone(),
                    success: format!(
                        "{}/{} ({:.1}%)",
                        v.successes,
                        v.episodes,
                        100.0 * v.successes as f64 / v.episodes.max(1) as f64
                    ),
                    pass_hat_k: v
                        .pass_hat_k
                        .iter()
                        .map(|(k, x)| format!("{k} {:.3}", x))
                        .collect::<Vec<_>>()
                        .join(", "),
                    turns: format!("{:.1}", v.mean_turns),
                    calls: v.tool_calls.to_string(),
                    malformed: counts(&v.tool_errors),
                    violations: if v.episodes_with_violation == 0 {
                        "0".into()
                    } else {
                        format!("{} ({})", v.episodes_with_violation, counts(&v.violations))
                    },
                    stopped: counts(&v.stopped),
                    bad: v.episodes_with_violation > 0,
                })
                .collect(),
            tasks: s
                .tasks
                .iter()
                .map(|t| TaskRow {
                    id: t.id.clone(),
                    expected: t.expected.clone(),
                    cells: t
                        .results
                        .iter()
                        .map(|r| {
                            let class = if r.episodes == 0 {
                                "muted"
                            } else if r.successes == r.episodes {
                                "good"
                            } else {
                                "bad"
                            };
                            let note = r.note.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
                            (format!("{}/{}{note}", r.successes, r.episodes), class)
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

pub(crate) fn markdown(sections: &[AgentSuiteReport], lang: Lang) -> String {
    if sections.is_empty() {
        return String::new();
    }
    let l = labels(lang);
    let mut s = format!("\n## {}\n\n{}\n", l.title, l.method);
    for t in tables(sections) {
        s.push_str(&format!("\n### {} {}\n\n", l.suite, t.suite));
        s.push_str(&format!(
            "| {} | {} | pass^k | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|---|---|\n",
            l.vendor, l.success, l.turns, l.calls, l.malformed, l.violations, l.stopped
        ));
        for r in &t.rows {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.vendor, r.success, r.pass_hat_k, r.turns, r.calls, r.malformed, r.violations, r.stopped
            ));
        }
        s.push_str(&format!("\n| {} | {} | {} |\n", l.task, l.expected, t.vendors.join(" | ")));
        s.push_str(&format!("|---|---|{}\n", "---|".repeat(t.vendors.len())));
        for row in &t.tasks {
            let cells: Vec<&str> = row.cells.iter().map(|c| c.0.as_str()).collect();
            s.push_str(&format!("| {} | {} | {} |\n", row.id, row.expected, cells.join(" | ")));
        }
    }
    s
}
