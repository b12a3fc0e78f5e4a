//! A run's evidence: the whole report (JSON, HTML, the 评标报告), the audit
//! log, the signed bundle and its verification, and the blind mapping.

use super::*;

/// The whole report (every vendor's): buyer, evaluator (after the reveal) and auditor.
async fn whole_report(app: &App, caller: &Caller, id: &str) -> ApiResult<std::sync::Arc<tb_report::Report>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Auditor])?;
    let view = run_view(app, caller, id).await?;
    if view.blind_panel {
        // It holds the commercial envelope: prices, price scores, totals.
        return Err(ApiError::new(
            "blind",
            "the whole report holds the prices; the panel reads the technical results (/results) until the reveal",
        ));
    }
    app.reports.get(&view.run).await
}

pub async fn report_json(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let report = whole_report(&app, &caller, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], tb_report::render_json(&report)).into_response())
}

pub async fn report_html(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<QueryMap>,
) -> ApiResult<Response> {
    let report = whole_report(&app, &caller, &id).await?;
    let lang = q.get("lang").and_then(|l| tb_report::Lang::parse(l)).unwrap_or(tb_report::Lang::Zh);
    let html = tb_report::render_html(&report, lang)?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// The evaluation report (评标报告) the committee signs, as DOCX or PDF
/// (`?lang=zh|en`); readable by whoever may read the whole report.
pub async fn evaluation_report(
    State(app): State<App>,
    caller: Caller,
    Path((id, format)): Path<(String, String)>,
    Query(q): Query<QueryMap>,
) -> ApiResult<Response> {
    whole_report(&app, &caller, &id).await?;
    let lang = q.get("lang").and_then(|l| tb_report::Lang::parse(l)).unwrap_or(tb_report::Lang::Zh);
    let dossier = tb_dossier::build(&app.store, &id, lang, None).await.map_err(ApiError::internal)?;
    let (bytes, mime, ext) = match format.as_str() {
        "docx" => (
            tb_dossier::docx::render(&dossier).map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        "pdf" => {
            let font =
                tb_dossier::pdf::find_font(&dossier.text()).map_err(|e| ApiError::new("no_font", e.to_string()))?;
            (tb_dossier::pdf::render(&dossier, &font).map_err(ApiError::internal)?, "application/pdf", "pdf")
        }
        _ => return Err(ApiError::not_found("format (docx or pdf)")),
    };
    let name = format!("{id}-evaluation-report.{ext}");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

fn buyer_or_auditor(caller: &Caller) -> ApiResult<()> {
    caller.require(&[Role::Buyer, Role::Auditor])
}

/// A run's audit log as the API shows it: every entry but the cells' (counted).
#[derive(Serialize, JsonSchema)]
pub struct AuditLog {
    /// The `cell_answered` entries, counted rather than listed.
    pub cells_answered: u64,
    /// The other entries, in chain order.
    pub entries: Vec<AuditEntryView>,
    /// The SHA-256 fingerprint of the signing key (null before the run is signed).
    pub fingerprint: Option<String>,
    /// The chain's last entry: what a verification of the whole chain ends at.
    pub head: Option<AuditEntryView>,
    /// The run's Ed25519 public key (hex; null before the run is signed).
    pub public_key: Option<String>,
    /// The run's id.
    pub run_id: String,
}

/// One entry of a run's audit log (a hash chain).
#[derive(Serialize, JsonSchema)]
pub struct AuditEntryView {
    /// When (RFC 3339).
    pub at: String,
    /// SHA-256 over the entry's fields and the previous hash.
    pub hash: String,
    /// What happened: `run_started`, `checkpoint`, `report_signed`, `evaluator_score`, …
    pub kind: String,
    /// The details: canonical JSON, as a string.
    pub payload: String,
    /// The previous entry's hash (zeros for the first).
    pub prev_hash: String,
    /// The run's id.
    pub run_id: String,
    /// 1-based, contiguous within the run.
    pub seq: u64,
}

impl From<tb_audit::AuditEntry> for AuditEntryView {
    fn from(entry: tb_audit::AuditEntry) -> AuditEntryView {
        // Every field named: a field added to the entry is a compile error here, not a silent omission.
        let tb_audit::AuditEntry { run_id, seq, at, kind, payload, prev_hash, hash } = entry;
        AuditEntryView { at, hash, kind, payload, prev_hash, run_id, seq }
    }
}

pub async fn audit_log(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<AuditLog>> {
    buyer_or_auditor(&caller)?;
    let view = run_view(&app, &caller, &id).await?;
    let entries = app.store.audit_of_kinds(&view.run.id, AUDIT_SHOWN).await?;
    let cells = app.store.count_cells(&view.run.id).await?;
    let head = app.store.audit_head(&view.run.id).await?;
    Ok(Json(AuditLog {
        cells_answered: cells,
        entries: entries.into_iter().map(AuditEntryView::from).collect(),
        fingerprint: view.run.public_key.as_deref().map(tb_audit::fingerprint),
        head: head.map(AuditEntryView::from),
        public_key: view.run.public_key,
        run_id: view.run.id,
    }))
}

/// Every kind of audit entry but `cell_answered` (one per cell: counted, not listed).
pub const AUDIT_SHOWN: &[&str] = &[
    "run_started",
    "run_resumed",
    tb_runner::JOURNAL_REPLAYED,
    "run_finished",
    "run_interrupted",
    "checkpoint",
    "report_signed",
    "report_regraded",
    "blind_mapping_sealed",
    "vendor_budget_reached",
    tb_report::committee::EVALUATOR_SCORE,
    tb_report::committee::PRICE_JUSTIFICATION,
    "mapping_revealed",
    tb_core::LOAD_STAGE_FINISHED,
];

/// Exports the run's evidence bundle into a temporary file.
async fn export_bundle(app: &App, run_id: &str) -> ApiResult<tempfile::TempPath> {
    if app.runs.is_active(run_id) {
        return Err(ApiError::conflict(
            "the run is in progress: its bundle is exported once it has ended and been signed",
        ));
    }
    let file = tempfile::Builder::new().suffix(".tar.gz").tempfile().map_err(ApiError::internal)?.into_temp_path();
    tb_bundle::export(&app.store, run_id, &app.key, &[], &file).await.map_err(|e| match e {
        tb_bundle::BundleError::Store(s) => ApiError::from(s),
        other => {
            tracing::warn!(run = %run_id, error = %other, "no bundle");
            ApiError::conflict("no bundle for this run yet: it needs a finished, signed run")
        }
    })?;
    Ok(file)
}

pub async fn bundle(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    buyer_or_auditor(&caller)?;
    let view = run_view(&app, &caller, &id).await?;
    let path = export_bundle(&app, &view.run.id).await?;
    let bytes = tokio::fs::read(&path).await.map_err(ApiError::internal)?;
    tracing::info!(run = %id, by = %caller.name, bytes = bytes.len(), "bundle downloaded");
    Ok((
        [
            (header::CONTENT_TYPE, "application/gzip".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{id}.tar.gz\"")),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// What verifying a run's bundle found.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Verification {
    /// Verified: what was checked.
    Verified {
        /// Audit entries checked (the chain).
        audit_entries: u64,
        /// Cells re-read from their recorded responses.
        cells: u64,
        /// Checkpoints checked against the chain.
        checkpoints: u64,
        /// Evidence bodies checked against their hashes.
        evidence: u64,
        /// The signing key's fingerprint.
        fingerprint: String,
        /// SHA-256 of the signed report, reproduced byte for byte.
        report_sha256: String,
        /// The run's id.
        run_id: String,
        /// True.
        verified: bool,
    },
    /// Not verified: why.
    Failed {
        /// What did not verify.
        error: String,
        /// False.
        verified: bool,
    },
}

/// Exports the bundle and verifies it as an auditor would offline.
pub async fn verify(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Verification>> {
    buyer_or_auditor(&caller)?;
    let view = run_view(&app, &caller, &id).await?;
    let path = export_bundle(&app, &view.run.id).await?;
    let fingerprint = app.key.fingerprint();
    Ok(Json(match tb_bundle::verify(&path, Some(&fingerprint)).await {
        Ok(v) => Verification::Verified {
            audit_entries: v.audit_entries,
            cells: v.cells,
            checkpoints: v.checkpoints,
            evidence: v.evidence,
            fingerprint: v.fingerprint,
            report_sha256: v.report_sha256,
            run_id: v.run_id,
            verified: true,
        },
        Err(e) => Verification::Failed { error: e.to_string(), verified: false },
    }))
}

/// The blind name ↔ code mapping.
#[derive(Serialize, JsonSchema)]
pub struct Mapping {
    /// Bidder name → the code it was shown under (null for a run that was not blind).
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub codes: serde_json::Value,
    /// Whether the buyer has revealed it.
    pub revealed: bool,
}

pub async fn mapping(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Mapping>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Auditor])?;
    let view = run_view(&app, &caller, &id).await?;
    if caller.role == Role::Evaluator && !view.codes.is_empty() {
        return Err(ApiError::new("blind", "the vendors' names stay sealed until the buyer reveals the mapping"));
    }
    let mapping: serde_json::Value =
        view.run.blind_mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    Ok(Json(Mapping { codes: mapping["codes"].clone(), revealed: view.run.blind_revealed }))
}
