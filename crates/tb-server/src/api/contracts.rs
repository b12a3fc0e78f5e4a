//! Contracts after the award (docs/contracts.md): the buyer stores a
//! contract file and appends probe records; every role that sees tenders
//! sees the contracts, a vendor only its own. The figures (time line,
//! alarms, months) are recomputed from the stored file and records by
//! `tb-contract` on every read: nothing derived is stored.

use super::*;
use tb_contract::Contract;
use tb_contract::monitor::{self, Probe};
use tb_store::contracts::ContractRecord;

/// A contract to store: its file as `tenderbench contract init` wrote it (and the buyer edited).
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"toml": "[contract]\nid = \"HZ-C-1\"\n…"}))]
pub struct NewContract {
    /// The contract file (TOML).
    pub toml: String,
    /// A tender of this server whose spec and suites are the contract's POC:
    /// the server then schedules the probes itself (docs/contracts.md).
    #[serde(default)]
    pub tender: Option<String>,
}

/// A contract in the list, or just stored. (Fields in alphabetical order, as every answer's keys.)
#[derive(Serialize, JsonSchema)]
pub struct ContractSummary {
    /// Alarms its probes raised.
    pub alarms: usize,
    /// The last day of the contract period (YYYY-MM-DD).
    pub end: String,
    pub id: String,
    /// Probe records stored.
    pub probes: usize,
    /// The first day of the contract period.
    pub start: String,
    pub title: String,
    /// The awarded bidder.
    pub vendor: String,
}

/// One chart's value after a probe.
#[derive(Serialize, JsonSchema)]
pub struct ChartPoint {
    /// The CUSUM statistic after the probe; the chart alarms at its threshold.
    pub statistic: f64,
    /// The criterion's rate in the probe (quality charts) or the share of slow requests (latency).
    pub value: f64,
}

/// The served model's fingerprint at one probe (docs/contracts.md, "The fingerprint").
#[derive(Serialize, JsonSchema)]
pub struct FingerprintView {
    /// The temperature-0 answers to the fixed prompts, in order.
    pub answers: Vec<String>,
    /// The `model` field of the answers, where the API gives it.
    pub model: Option<String>,
    /// `usage.prompt_tokens` for each fixed prompt, in order (null: not reported).
    pub prompt_tokens: Vec<Option<u64>>,
    /// The `system_fingerprint` field, where the API gives it.
    pub system_fingerprint: Option<String>,
}

/// A probe on the time line.
#[derive(Serialize, JsonSchema)]
pub struct ProbePoint {
    /// Each chart (`quality:<criterion>`, `latency`): its value and statistic.
    pub charts: BTreeMap<String, ChartPoint>,
    pub day: String,
    /// The served model's fingerprint at the probe, if it answered the fixed prompts.
    pub fingerprint: Option<FingerprintView>,
    /// The probe's number, from 1.
    pub probe: usize,
    /// The signed run it was.
    pub run: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct ContractAlarm {
    pub criterion: Option<String>,
    pub day: String,
    pub detail: String,
    /// `quality`, `latency` or `model_changed`.
    pub kind: String,
    /// The probe that raised it, from 1.
    pub probe: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct ContractMonth {
    pub availability: Option<f64>,
    /// The levels breached: `availability`, `latency_p95`, `quality`, `alarm`.
    pub breaches: Vec<String>,
    /// The share of the monthly fee credited.
    pub credit_percent: f64,
    pub latency_p95_ms: Option<f64>,
    /// YYYY-MM.
    pub month: String,
    pub probes: usize,
}

/// A criterion's POC figure and its band (the rate's 95% Wilson interval).
#[derive(Serialize, JsonSchema)]
pub struct BaselineRate {
    pub band_high: f64,
    pub band_low: f64,
    pub correct: u64,
    pub criterion: String,
    pub n: u64,
    pub rate: f64,
}

/// One contract with its figures, recomputed from its file and probe records.
#[derive(Serialize, JsonSchema)]
pub struct ContractView {
    /// The acceptance test, once the buyer has stored the acceptance run's signed report.
    pub acceptance: Option<AcceptanceView>,
    pub alarms: Vec<ContractAlarm>,
    pub baseline: Vec<BaselineRate>,
    pub baseline_report_sha256: String,
    pub baseline_run: String,
    pub end: String,
    pub id: String,
    /// The bidder's p95 latency at the POC, ms.
    pub latency_p95_ms: f64,
    pub months: Vec<ContractMonth>,
    pub points: Vec<ProbePoint>,
    pub probes: usize,
    /// The probes the server scheduled, by day (none without a tender).
    pub scheduled: Vec<ScheduledProbe>,
    pub start: String,
    /// The tender on this server the scheduled probes draw from.
    pub tender: Option<String>,
    /// Each chart's calibrated threshold.
    pub thresholds: BTreeMap<String, f64>,
    pub title: String,
    /// The contract file, as stored.
    pub toml: String,
    pub vendor: String,
}

/// The acceptance run's signed report (`report.json`) and its signature
/// (`report.json.sig`), as `tenderbench contract accept` reads them.
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"report": "{\n  \"tool\": \"tenderbench\", …}\n", "signature": "9f2c…"}))]
pub struct NewAcceptance {
    /// The acceptance run's report.json, byte for byte as signed.
    pub report: String,
    /// Its signature (report.json.sig).
    pub signature: String,
}

/// The acceptance test (验收), judged from the stored signed report on every read.
#[derive(Serialize, JsonSchema)]
pub struct AcceptanceView {
    /// The one-sided confidence of each decision.
    pub confidence: f64,
    pub criteria: Vec<AcceptanceCriterion>,
    /// `passed`, `failed` or `insufficient_evidence`: failed when any criterion failed.
    pub decision: String,
    /// The non-inferiority margin, in rate points (0.05: five points).
    pub margin: f64,
    /// The acceptance run and its report's SHA-256.
    pub run: String,
}

/// One criterion's non-inferiority decision.
#[derive(Serialize, JsonSchema)]
pub struct AcceptanceCriterion {
    pub baseline_correct: u64,
    pub baseline_n: u64,
    pub criterion: String,
    pub decision: String,
    pub delivered_correct: u64,
    pub delivered_n: u64,
    /// Why, in a sentence.
    pub reason: String,
    /// Farrington–Manning's score statistic at the margin.
    pub z: f64,
}

fn decision_name(d: tb_contract::acceptance::Acceptance) -> String {
    serde_json::to_value(d).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn acceptance_view(contract: &Contract, record: &ContractRecord) -> ApiResult<Option<AcceptanceView>> {
    let Some((report, signature)) = &record.acceptance else { return Ok(None) };
    let a = tb_probe::acceptance(contract, report, signature, "the stored acceptance report")
        .map_err(|e| ApiError::internal(format!("stored acceptance of {}: {e}", record.id)))?;
    Ok(Some(AcceptanceView {
        confidence: a.confidence,
        criteria: a
            .criteria
            .iter()
            .map(|c| AcceptanceCriterion {
                baseline_correct: c.baseline_correct,
                baseline_n: c.baseline_n,
                criterion: c.id.clone(),
                decision: decision_name(c.test.decision),
                delivered_correct: c.delivered_correct,
                delivered_n: c.delivered_n,
                reason: c.reason.clone(),
                z: c.test.z,
            })
            .collect(),
        decision: decision_name(a.decision),
        margin: a.margin,
        run: a.run,
    }))
}

/// Stores the acceptance run's signed report with the contract (replacing an
/// earlier one) once it is checked and judged; answers the judgement.
pub async fn add_acceptance(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewAcceptance>,
) -> ApiResult<(StatusCode, Json<AcceptanceView>)> {
    caller.require(&[Role::Buyer])?;
    let mut record = visible(&app, &caller, &id).await?;
    let contract = parse_contract(&record)?;
    tb_probe::acceptance(&contract, &body.report, &body.signature, "the acceptance report")
        .map_err(ApiError::bad_request)?;
    app.store.set_contract_acceptance(&id, &body.report, &body.signature).await?;
    record.acceptance = Some((body.report, body.signature));
    let view = acceptance_view(&contract, &record)?.ok_or_else(|| ApiError::internal("acceptance not kept"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A probe the server scheduled.
#[derive(Serialize, JsonSchema)]
pub struct ScheduledProbe {
    pub day: String,
    /// Why it failed.
    pub detail: Option<String>,
    pub run: Option<String>,
    /// `running`, `recorded` or `failed` (retried on the next contract day).
    pub status: String,
}

/// A probe record stored: its number and the alarms it raised.
#[derive(Serialize, JsonSchema)]
pub struct ProbeStored {
    pub alarms: Vec<ContractAlarm>,
    pub probe: usize,
}

pub(crate) fn parse_contract(record: &ContractRecord) -> ApiResult<Contract> {
    Contract::parse(&record.toml, &record.id).map_err(|e| ApiError::internal(format!("stored contract: {e}")))
}

/// A contract the caller may see: every contract for the roles that see
/// tenders, a vendor's own only (another's is not found, not forbidden).
async fn visible(app: &App, caller: &Caller, id: &str) -> ApiResult<ContractRecord> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let record = app.store.contract(id).await?;
    record
        .filter(|c| caller.role != Role::Vendor || caller.vendor.as_deref() == Some(c.vendor.as_str()))
        .ok_or_else(|| ApiError::new("not_found", format!("no contract {id:?}")))
}

pub async fn probes_of(app: &App, id: &str) -> ApiResult<Vec<Probe>> {
    let rows = app.store.contract_probes(id).await?;
    rows.iter()
        .map(|r| serde_json::from_str(r).map_err(|e| ApiError::internal(format!("stored probe of {id}: {e}"))))
        .collect()
}

/// The contract's figures: the thresholds (calibrated once per contract file, then cached) and the replay.
pub async fn figures(app: &App, contract: &Contract, probes: &[Probe]) -> ApiResult<monitor::Trace> {
    let key = contract.to_toml();
    let cached = app.contract_thresholds.lock().expect("threshold cache").get(&key).cloned();
    let thresholds = match cached {
        Some(t) => t,
        None => {
            let c = contract.clone();
            let t = tokio::task::spawn_blocking(move || monitor::thresholds(&c))
                .await
                .map_err(|e| ApiError::internal(e.to_string()))?
                .map_err(ApiError::internal)?;
            app.contract_thresholds.lock().expect("threshold cache").insert(key, t.clone());
            t
        }
    };
    let reference = probes.first().and_then(|p| p.fingerprint.clone());
    Ok(monitor::replay(contract, &thresholds, reference.as_ref(), probes))
}

fn alarm_view(a: &monitor::Alarm) -> ContractAlarm {
    let kind = serde_json::to_value(a.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    ContractAlarm {
        probe: a.probe + 1,
        day: a.day.clone(),
        kind,
        criterion: a.criterion.clone(),
        detail: a.detail.clone(),
    }
}

fn summary(c: &Contract, probes: usize, alarms: usize) -> ContractSummary {
    ContractSummary {
        alarms,
        end: c.contract.end.clone(),
        id: c.contract.id.clone(),
        probes,
        start: c.contract.start.clone(),
        title: c.contract.title.clone(),
        vendor: c.contract.vendor.clone(),
    }
}

pub async fn list_contracts(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<ContractSummary>>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let mut out = Vec::new();
    for record in app.store.contracts().await? {
        if caller.role == Role::Vendor && caller.vendor.as_deref() != Some(record.vendor.as_str()) {
            continue;
        }
        let contract = parse_contract(&record)?;
        let probes = probes_of(&app, &record.id).await?;
        let trace = figures(&app, &contract, &probes).await?;
        out.push(summary(&contract, probes.len(), trace.alarms.len()));
    }
    Ok(Json(out))
}

pub async fn create_contract(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewContract>,
) -> ApiResult<(StatusCode, Json<ContractSummary>)> {
    caller.require(&[Role::Buyer])?;
    let contract = Contract::parse(&body.toml, "contract").map_err(ApiError::bad_request)?;
    if let Some(tender) = &body.tender {
        // The first probe's draw, made now: a tender that cannot be probed is refused, not found out on the first day.
        let (_, mut spec) = super::tenders::tender_spec(&app, tender).await?;
        let dir = tempfile::tempdir().map_err(ApiError::internal)?;
        tb_probe::narrow(&mut spec, &contract, 0, dir.path())
            .map_err(|e| ApiError::bad_request(format!("tender {tender:?} cannot be probed: {e}")))?;
    }
    let record = ContractRecord {
        id: contract.contract.id.clone(),
        vendor: contract.contract.vendor.clone(),
        toml: body.toml,
        created_by: caller.name.clone(),
        created_at: tb_store::now_rfc3339(),
        tender_id: body.tender,
        acceptance: None,
    };
    if !app.store.create_contract(&record).await? {
        return Err(ApiError::new("conflict", format!("contract {:?} exists already", record.id)));
    }
    Ok((StatusCode::CREATED, Json(summary(&contract, 0, 0))))
}

pub async fn get_contract(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ContractView>> {
    let record = visible(&app, &caller, &id).await?;
    let contract = parse_contract(&record)?;
    let probes = probes_of(&app, &id).await?;
    let trace = figures(&app, &contract, &probes).await?;
    let scheduled = app
        .store
        .contract_probe_runs(&id)
        .await?
        .into_iter()
        .map(|r| ScheduledProbe { day: r.day, detail: r.detail, run: r.run_id, status: r.status.as_str().into() })
        .collect();
    let mut view = view(&contract, &record, &probes, &trace, scheduled);
    view.acceptance = acceptance_view(&contract, &record)?;
    Ok(Json(view))
}

fn view(
    contract: &Contract,
    record: &ContractRecord,
    probes: &[Probe],
    trace: &monitor::Trace,
    scheduled: Vec<ScheduledProbe>,
) -> ContractView {
    let months = tb_contract::sla::months(contract, probes, &trace.alarms);
    let mut thresholds: BTreeMap<String, f64> =
        trace.thresholds.quality.iter().map(|(id, c)| (format!("quality:{id}"), c.h)).collect();
    thresholds.insert("latency".into(), trace.thresholds.latency.h);
    let points = trace
        .points
        .iter()
        .zip(probes)
        .enumerate()
        .map(|(i, (p, probe))| {
            let mut charts: BTreeMap<String, ChartPoint> = p
                .quality
                .iter()
                .map(|(id, (rate, s))| (format!("quality:{id}"), ChartPoint { statistic: *s, value: *rate }))
                .collect();
            charts.insert("latency".into(), ChartPoint { statistic: p.latency_statistic, value: p.slow_share });
            ProbePoint {
                charts,
                day: p.day.clone(),
                fingerprint: probe.fingerprint.clone().map(|f| FingerprintView {
                    answers: f.answers,
                    model: f.model,
                    prompt_tokens: f.prompt_tokens,
                    system_fingerprint: f.system_fingerprint,
                }),
                probe: i + 1,
                run: probe.run.clone(),
            }
        })
        .collect();
    let ContractSummary { alarms: _, end, id, probes: count, start, title, vendor } =
        summary(contract, probes.len(), trace.alarms.len());
    ContractView {
        acceptance: None,
        alarms: trace.alarms.iter().map(alarm_view).collect(),
        baseline: contract
            .baseline
            .criteria
            .iter()
            .map(|b| {
                let (band_low, band_high) = b.band();
                BaselineRate {
                    band_high,
                    band_low,
                    correct: b.correct,
                    criterion: b.id.clone(),
                    n: b.n,
                    rate: b.rate(),
                }
            })
            .collect(),
        baseline_report_sha256: contract.baseline.report_sha256.clone(),
        baseline_run: contract.baseline.run.clone(),
        end,
        id,
        latency_p95_ms: contract.baseline.latency_p95_ms,
        months: months
            .into_iter()
            .map(|m| ContractMonth {
                availability: m.availability,
                breaches: m.breaches.iter().map(|b| b.name().to_string()).collect(),
                credit_percent: m.credit_percent,
                latency_p95_ms: m.latency_p95_ms,
                month: m.month,
                probes: m.probes,
            })
            .collect(),
        points,
        probes: count,
        scheduled,
        start,
        tender: record.tender_id.clone(),
        thresholds,
        title,
        vendor,
        toml: record.toml.clone(),
    }
}

pub async fn add_probe(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(probe): Json<Probe>,
) -> ApiResult<(StatusCode, Json<ProbeStored>)> {
    caller.require(&[Role::Buyer])?;
    let record = visible(&app, &caller, &id).await?;
    let contract = parse_contract(&record)?;
    Ok((StatusCode::CREATED, Json(store_probe(&app, &record, &contract, &probe).await?)))
}

/// Appends a probe record (in the period, in order), replays the contract
/// and posts the alarms this probe raised to the contract webhook: the
/// buyer's POSTed records and the scheduler's alike.
pub async fn store_probe(
    app: &App,
    record: &ContractRecord,
    contract: &Contract,
    probe: &Probe,
) -> ApiResult<ProbeStored> {
    let id = &record.id;
    let earlier = probes_of(app, id).await?;
    contract.check_probe_day(&probe.day, earlier.last().map(|p| p.day.as_str())).map_err(ApiError::bad_request)?;
    let text = serde_json::to_string(probe).map_err(|e| ApiError::internal(e.to_string()))?;
    let number = app.store.add_contract_probe(id, &probe.day, &text).await?;
    let probes = probes_of(app, id).await?;
    let trace = figures(app, contract, &probes).await?;
    let index = usize::try_from(number).unwrap_or(usize::MAX).saturating_sub(1);
    let new: Vec<&monitor::Alarm> = trace.alarms.iter().filter(|a| a.probe == index).collect();
    if let Some(url) = &app.config.contract_webhook {
        notify(url, contract, &new, probe.run.as_deref()).await;
    }
    let alarms = new.into_iter().map(alarm_view).collect();
    Ok(ProbeStored { alarms, probe: index + 1 })
}

/// The contract's probe records as JSON lines, as `contract monitor`,
/// `contract report` and `contract verify` read them (`--probes`).
pub async fn probes_jsonl(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    visible(&app, &caller, &id).await?;
    let body: String = app.store.contract_probes(&id).await?.into_iter().map(|r| r + "\n").collect();
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// A scheduled probe run's signed report (`report.json`) or its signature
/// (`report.json.sig`), as `contract report --runs DIR` reads them from `DIR/RUN/`.
pub async fn probe_run_file(
    State(app): State<App>,
    caller: Caller,
    Path((id, run, file)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    visible(&app, &caller, &id).await?;
    let known = probes_of(&app, &id).await?.iter().any(|p| p.run.as_deref() == Some(run.as_str()));
    if !known || !matches!(file.as_str(), "report.json" | "report.json.sig") {
        return Err(ApiError::new("not_found", format!("no {file} of a probe run {run:?} of contract {id:?}")));
    }
    let path = crate::schedule::probe_dir(&app, &id).join(&run).join(&file);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::new("not_found", format!("run {run} was not probed by this server")))?;
    let kind = if file.ends_with(".sig") { "text/plain; charset=utf-8" } else { "application/json" };
    Ok(([(header::CONTENT_TYPE, kind)], bytes).into_response())
}

/// POSTs each alarm to the server's contract webhook, as `contract probe
/// --webhook` does (the same payload). The record is stored whatever the
/// webhook answers; a failure is logged for the operator.
async fn notify(url: &str, contract: &Contract, alarms: &[&monitor::Alarm], run: Option<&str>) {
    for a in alarms {
        let payload = monitor::alarm_payload(contract, a, run);
        if let Err(e) = tb_vendor::webhook::post_json(url, &payload, None, std::time::Duration::from_secs(10)).await {
            tracing::warn!(contract = %contract.contract.id, error = %e, "the contract webhook did not take an alarm");
        }
    }
}
