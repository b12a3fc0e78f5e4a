//! Who may see what. Every handler asks these functions; nothing relies on
//! a page hiding a link.
//!
//! - admin: accounts and operations only, no tender data;
//! - buyer: everything of tenders and runs, starts and stops runs, reveals;
//! - evaluator: official runs only, always blind until the mapping is
//!   revealed (codes, never names or raw request bodies, which name models);
//! - vendor: open tenders, its own registration, its own practice runs, and
//!   only its own row and cells of official runs; never a sealed suite;
//! - auditor: reads everything, writes nothing, downloads bundles.
//!
//! A run the caller may not see answers `not_found`, as a run that does not
//! exist does: a vendor cannot probe for other vendors' run ids.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tb_report::Report;
use tb_spec::Spec;
use tb_store::RunRecord;
use tb_store::server::{RunKind, TenderRun};

use crate::App;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};

/// A run as one caller may see it.
pub struct RunView {
    pub run: RunRecord,
    pub spec: Spec,
    pub tender_run: Option<TenderRun>,
    /// For a vendor: its own name in the spec, and how the run shows it (its code when blind).
    pub own: Option<(String, String)>,
    /// Name → code while the run is blind.
    pub codes: HashMap<String, String>,
    /// An evaluator of a run not yet revealed: the technical envelope only
    /// (no prices, price scores, totals or ranks), bidders in the panel order.
    pub blind_panel: bool,
}

impl RunView {
    /// How the run shows a vendor.
    pub fn shown(&self, name: &str) -> String {
        self.codes.get(name).cloned().unwrap_or_else(|| name.to_string())
    }

    /// The spec name of a vendor given as shown (its code while blind).
    pub fn name_of(&self, shown: &str) -> Option<String> {
        self.spec.vendors.iter().map(|v| v.name.clone()).find(|n| self.shown(n) == shown)
    }

    /// Where a bidder (as shown) stands in the panel's order: drawn from the
    /// run's committed case-order seed, so neither names nor spec order show.
    pub fn panel_key(&self, shown: &str) -> String {
        let seed = self.run.order_seed.as_deref().unwrap_or(&self.run.id);
        tb_audit::sha256_hex(format!("{seed}:panel:{shown}").as_bytes())
    }

    /// Whether the caller may see this vendor's cells and numbers.
    pub fn may_see_vendor(&self, name: &str) -> bool {
        self.own.as_ref().is_none_or(|(own, _)| own == name)
    }

    pub fn kind(&self) -> &str {
        self.tender_run.as_ref().map_or("cli", |t| t.kind.as_str())
    }
}

/// Loads a run and decides whether the caller may see it at all.
pub async fn run_view(app: &App, caller: &Caller, run_id: &str) -> ApiResult<RunView> {
    if caller.role == Role::Admin {
        return Err(ApiError::forbidden("administrators manage accounts, not tenders"));
    }
    let run = app.store.run(run_id).await?;
    let tender_run = app.store.tender_run(run_id).await?;
    let spec = tb_report::spec_of(&run)?;
    let codes = crate::runs::blind_codes(&run);
    let mut own = None;
    match caller.role {
        Role::Vendor => {
            let vendor = caller.vendor.as_deref().unwrap_or("");
            let Some(tr) = &tender_run else { return Err(ApiError::not_found("run")) };
            let listed = spec.vendors.iter().any(|v| v.name == vendor);
            let allowed = match tr.kind {
                RunKind::Practice => tr.vendor.as_deref() == Some(vendor),
                RunKind::Official => listed,
            };
            if !allowed || !listed {
                return Err(ApiError::not_found("run"));
            }
            let shown = codes.get(vendor).cloned().unwrap_or_else(|| vendor.to_string());
            own = Some((vendor.to_string(), shown));
        }
        // The panel sees the tender's official runs only: practice and command-line runs are not blind.
        Role::Evaluator if tender_run.as_ref().is_none_or(|t| t.kind != RunKind::Official) => {
            return Err(ApiError::not_found("run"));
        }
        _ => {}
    }
    let blind_panel = caller.role == Role::Evaluator && !codes.is_empty();
    Ok(RunView { run, spec, tender_run, own, codes, blind_panel })
}

/// Whether the caller may see the run's raw request and response bodies:
/// they name the models, so not an evaluator while the run is blind.
pub fn may_read_evidence(caller: &Caller, view: &RunView) -> bool {
    caller.role != Role::Evaluator || view.codes.is_empty()
}

/// Suites whose cases the caller may read: a vendor never reads a sealed suite's.
pub fn readable_suite(caller: &Caller, spec: &Spec, suite: &str) -> bool {
    let Some(s) = spec.suites.iter().find(|s| s.id == suite) else {
        // Load stages' pseudo-suites carry the cases of a real suite.
        return caller.role != Role::Vendor;
    };
    match caller.role {
        Role::Vendor => s.commitment.is_none(),
        _ => true,
    }
}

/// Reports built from the store, reused while the run has not changed: the
/// results page of a large run must not grade every cell again for every
/// viewer. While a run is in progress its report is rebuilt in the
/// background at most every `refresh_secs`, and viewers get the last one
/// meanwhile; any other change (a score, a reveal, the run's end) is waited for.
pub struct ReportCache {
    store: tb_store::Store,
    refresh_secs: f64,
    entries: Mutex<HashMap<String, Cached>>,
    building: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Clone)]
struct Cached {
    key: (String, u64, bool),
    built: Instant,
    report: Arc<Report>,
}

impl ReportCache {
    pub fn new(store: tb_store::Store, refresh_secs: f64) -> ReportCache {
        ReportCache { store, refresh_secs, entries: Mutex::default(), building: Mutex::default() }
    }

    async fn key(&self, run: &RunRecord) -> ApiResult<(String, u64, bool)> {
        let head = self.store.audit_head(&run.id).await?.map_or(0, |e| e.seq);
        Ok((run.status.as_str().to_string(), head, run.blind_revealed))
    }

    pub async fn get(self: &Arc<Self>, run: &RunRecord) -> ApiResult<Arc<Report>> {
        let key = self.key(run).await?;
        let cached = self.entries.lock().expect("cache lock").get(&run.id).cloned();
        if let Some(c) = &cached {
            if c.key == key {
                return Ok(c.report.clone());
            }
            if c.key.0 == "running" && key.0 == "running" {
                if c.built.elapsed().as_secs_f64() >= self.refresh_secs {
                    let cache = self.clone();
                    let run = run.clone();
                    tokio::spawn(async move {
                        if let Err(e) = cache.rebuild(&run, false).await {
                            tracing::warn!(run = %run.id, error = %e.message, "cannot rebuild the report");
                        }
                    });
                }
                return Ok(c.report.clone());
            }
        }
        self.rebuild(run, true).await
    }

    /// Caches `report` as the run's report at the audit log's current head.
    pub async fn keep(&self, run: &RunRecord, report: Arc<Report>) -> ApiResult<()> {
        let key = self.key(run).await?;
        self.insert(&run.id, Cached { key, built: Instant::now(), report });
        Ok(())
    }

    /// Keeps at most [`ReportCache::RUNS`] reports: the one built longest ago goes first.
    fn insert(&self, run_id: &str, cached: Cached) {
        let mut entries = self.entries.lock().expect("cache lock");
        entries.insert(run_id.to_string(), cached);
        while entries.len() > Self::RUNS {
            let Some(oldest) = entries.iter().min_by_key(|(_, c)| c.built).map(|(id, _)| id.clone()) else { break };
            entries.remove(&oldest);
        }
    }

    /// Reports kept in memory at once.
    pub const RUNS: usize = 32;

    /// Builds the report (one build per run at a time; a caller that waited takes the one just built).
    pub async fn rebuild(&self, run: &RunRecord, wait: bool) -> ApiResult<Arc<Report>> {
        let lock = self.building.lock().expect("cache lock").entry(run.id.clone()).or_default().clone();
        let _guard = if wait {
            lock.lock().await
        } else {
            match lock.try_lock() {
                Ok(g) => g,
                Err(_) => return Err(ApiError::conflict("a build is in progress")),
            }
        };
        let key = self.key(run).await?;
        // A caller that waited for another's build takes it: while the run goes on, its head has moved on since.
        let usable = |c: &&Cached| {
            c.key == key
                || (c.key.0 == "running" && key.0 == "running" && c.built.elapsed().as_secs_f64() < self.refresh_secs)
        };
        if let Some(c) = self.entries.lock().expect("cache lock").get(&run.id).filter(usable) {
            return Ok(c.report.clone());
        }
        let report = Arc::new(tb_report::build(&self.store, &run.id).await?);
        self.insert(&run.id, Cached { key, built: Instant::now(), report: report.clone() });
        Ok(report)
    }
}

/// A report as the caller may see it: a vendor's keeps its own vendor only
/// (rows, ranking, score table, stages and agents), and no comparisons
/// between others.
pub fn report_for(report: &Report, view: &RunView) -> ApiResult<serde_json::Value> {
    let mut value = match &view.own {
        Some((_, shown)) => serde_json::to_value(own_agents(report, shown, &view.spec)),
        None => serde_json::to_value(report),
    }
    .map_err(ApiError::internal)?;
    if let Some((_, shown)) = &view.own {
        let others: HashSet<String> = report.vendors.iter().map(|v| v.name.clone()).filter(|n| n != shown).collect();
        if let Some(obj) = value.as_object_mut() {
            obj.remove("comparisons");
            obj.remove("sensitivity");
            // The committee's grades by hand name cases, sealed ones too.
            obj.remove("grade_overrides");
        }
        strip_vendors(&mut value, &others);
    }
    if !view.codes.is_empty()
        && let Some(vendors) = value.get_mut("vendors").and_then(|v| v.as_array_mut())
    {
        // Codes in an order drawn from the run's seed: spec order would tell who is who.
        vendors.sort_by_cached_key(|v| view.panel_key(v["name"].as_str().unwrap_or("")));
    }
    if view.blind_panel {
        technical_envelope(&mut value);
    }
    Ok(value)
}

/// What of a report belongs to the commercial envelope (商务标): prices and
/// everything computed from them, which a blind panel does not see before the reveal.
const COMMERCIAL: &[&str] = &[
    "bid_price",
    "price_score",
    "total_score",
    "rank",
    "abnormally_low",
    "price_justification",
    "ranked_by_lot",
    "invalid_reason",
    "cost",
    "ranking",
    "score_table",
    "sensitivity",
    "total_difference",
    "total_p",
    "total_p_holm",
];

/// The report without its commercial envelope.
fn technical_envelope(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !COMMERCIAL.contains(&k.as_str()));
            map.values_mut().for_each(technical_envelope);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(technical_envelope),
        _ => {}
    }
}

/// The report with its agent sections narrowed to one vendor: per-task
/// results are listed in vendor order without a name, so they are picked by
/// position; a sealed suite's tasks are dropped (their ids and kinds would
/// tell the hidden tasks).
fn own_agents(report: &Report, shown: &str, spec: &Spec) -> Report {
    let mut r = report.clone();
    for suite in r.agents.iter_mut() {
        let sealed = spec.suites.iter().any(|s| s.id == suite.suite && s.commitment.is_some());
        let own = suite.vendors.iter().position(|v| v.name == shown);
        suite.vendors.retain(|v| v.name == shown);
        for task in suite.tasks.iter_mut() {
            task.results = own.and_then(|i| task.results.get(i).cloned()).into_iter().collect();
        }
        if sealed {
            suite.tasks.clear();
        }
    }
    r
}

/// Removes from every array the entries that name one of `others` (objects
/// whose `name` or `vendor` is one, and the names themselves), and the
/// object keys that are one.
fn strip_vendors(value: &mut serde_json::Value, others: &HashSet<String>) {
    use serde_json::Value;
    let names_other = |v: &Value| match v {
        Value::String(s) => others.contains(s),
        Value::Object(o) => ["name", "vendor", "a", "b"]
            .iter()
            .any(|k| o.get(*k).and_then(Value::as_str).is_some_and(|s| others.contains(s))),
        _ => false,
    };
    match value {
        Value::Array(items) => {
            items.retain(|v| !names_other(v));
            items.iter_mut().for_each(|v| strip_vendors(v, others));
        }
        Value::Object(map) => {
            map.retain(|k, _| !others.contains(k));
            map.values_mut().for_each(|v| strip_vendors(v, others));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_vendors_are_stripped_everywhere() {
        let mut v = serde_json::json!({
            "ranking": ["A", "B"],
            "vendors": [{"name": "A", "x": 1}, {"name": "B", "x": 2}],
            "agents": [{"vendors": {"A": 1, "B": 2}}],
            "score_table": {"rows": [{"vendor": "B"}, {"vendor": "A"}]}
        });
        strip_vendors(&mut v, &HashSet::from(["B".to_string()]));
        assert_eq!(
            v,
            serde_json::json!({
                "ranking": ["A"],
                "vendors": [{"name": "A", "x": 1}],
                "agents": [{"vendors": {"A": 1}}],
                "score_table": {"rows": [{"vendor": "A"}]}
            })
        );
    }
}
