//! Tenders: upload, the view each role has of one, its suites, and bidders' registrations.

use super::*;
use tb_store::server::RunKind;

/// A new tender: a spec and its suite files, or the built-in example.
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"example": "hotline"}))]
#[schemars(example = serde_json::json!({
    "spec_toml": "[tender]\nid = \"T-1\"\n…",
    "files": {"suites/ceval.jsonl": "{\"id\": \"q1\", …}\n"},
}))]
pub struct NewTender {
    /// The tender spec (TOML); absent with `example`.
    #[serde(default)]
    pub spec_toml: Option<String>,
    /// The spec's files (its suites), by path relative to the spec: `{path: text}`.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// `hotline`: the built-in example tender instead of a spec.
    #[serde(default)]
    pub example: Option<String>,
}

/// A tender in the list.
#[derive(Serialize, JsonSchema)]
pub struct TenderSummary {
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The buyer's account that created it.
    pub created_by: String,
    /// The tender's id (its spec's `[tender] id`).
    pub id: String,
    /// Its title.
    pub title: String,
}

/// A tender created.
#[derive(Serialize, JsonSchema)]
pub struct TenderCreated {
    /// The tender's id.
    pub id: String,
    /// Its title.
    pub title: String,
}

pub async fn list_tenders(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<TenderSummary>>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let tenders = app.store.tenders().await?.into_iter().map(|t| TenderSummary {
        created_at: t.created_at,
        created_by: t.created_by,
        id: t.id,
        title: t.title,
    });
    Ok(Json(tenders.collect()))
}

/// Files one tender may hold (its suites and their data): far more than any
/// tender needs, few enough that an upload cannot fill the server's disk
/// with entries (the request's size is capped by `max_upload_bytes`).
const MAX_TENDER_FILES: usize = 1000;

pub async fn create_tender(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewTender>,
) -> ApiResult<(StatusCode, Json<TenderCreated>)> {
    caller.require(&[Role::Buyer])?;
    let (spec_toml, files): (String, Vec<(String, Vec<u8>)>) = match (&body.example, body.spec_toml) {
        (Some(e), None) if e == "hotline" => {
            let files = tb_spec::example::FILES.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect();
            (tb_spec::example::SPEC.to_string(), files)
        }
        (Some(e), None) => return Err(ApiError::bad_request(format!("unknown example {e:?}; examples: hotline"))),
        (None, Some(spec)) => (spec, body.files.into_iter().map(|(p, t)| (p, t.into_bytes())).collect()),
        _ => return Err(ApiError::bad_request("give either `spec_toml` (with `files`) or `example`")),
    };
    if let Some((bad, _)) = files.iter().find(|(p, _)| !crate::runs::valid_file_path(p)) {
        return Err(ApiError::bad_request(format!(
            "file path {bad:?} must be relative, inside the tender's folder, without control characters"
        )));
    }
    if files.len() > MAX_TENDER_FILES {
        return Err(ApiError::bad_request(format!(
            "a tender holds at most {MAX_TENDER_FILES} files; this one has {}",
            files.len()
        )));
    }
    // Validate in a scratch folder: the spec's errors name its lines, and its suites must be there.
    let scratch = tempfile::tempdir().map_err(ApiError::internal)?;
    let spec_path = scratch.path().join("tender.toml");
    let write_all = || -> std::io::Result<()> {
        crate::runs::write_file(scratch.path(), "tender.toml", spec_toml.as_bytes())?;
        files.iter().try_for_each(|(p, content)| crate::runs::write_file(scratch.path(), p, content))
    };
    write_all().map_err(ApiError::internal)?;
    let spec = tb_spec::load(&spec_path).map_err(|errs| {
        let text = errs.to_string().replace(&scratch.path().display().to_string(), ".");
        ApiError::new("invalid_spec", text)
    })?;
    // A suite is one of the tender's own files: never a path elsewhere on the server.
    for suite in &spec.suites {
        if !crate::runs::inside(&suite.path) || !files.iter().any(|(p, _)| *p == suite.path) {
            return Err(ApiError::new(
                "invalid_spec",
                format!("suite {}: path {:?} must name one of the uploaded files", suite.id, suite.path),
            ));
        }
    }
    // Isolation is the server's, never a tender's: a bidder's code could
    // otherwise read the server's files and open sockets on its word.
    if spec.sandbox.isolation != tb_core::Isolation::Bubblewrap {
        return Err(ApiError::new(
            "invalid_spec",
            format!(
                "[sandbox] isolation = {:?}: on this server bidders' code is isolated as its administrator configures \
                 (sandbox_isolation), and a tender cannot weaken it; remove the line",
                spec.sandbox.isolation
            ),
        ));
    }
    let record = TenderRecord {
        id: spec.tender.id.clone(),
        title: spec.tender.title.clone(),
        spec_toml,
        created_by: caller.name.clone(),
        created_at: tb_store::now_rfc3339(),
    };
    if !app.store.create_tender(&record, &files).await? {
        return Err(ApiError::conflict(format!("tender {} exists already", record.id)));
    }
    tracing::info!(by = %caller.name, tender = %crate::logs::escaped(&record.id), "tender created");
    Ok((StatusCode::CREATED, Json(TenderCreated { id: record.id, title: record.title })))
}

/// The environment variables a spec may name for API keys: only those with
/// the server's prefix, so that a spec cannot have the server send another
/// of its secrets (its database URL, say) to an address the spec chooses.
pub(super) fn check_key_variables(app: &App, spec: &tb_spec::Spec) -> ApiResult<()> {
    let prefix = &app.config.vendor_key_prefix;
    let named = spec
        .vendors
        .iter()
        .map(|v| (v.name.as_str(), &v.api_key_env))
        .chain(spec.judges.iter().map(|j| (j.id.as_str(), &j.endpoint.api_key_env)));
    for (who, var) in named {
        if let Some(var) = var
            && !var.starts_with(prefix.as_str())
        {
            return Err(ApiError::new(
                "invalid_spec",
                format!(
                    "{who}: api_key_env {var:?} must begin with {prefix:?} on this server (its vendors' keys are set in variables named so)"
                ),
            ));
        }
    }
    Ok(())
}

/// A tender's spec as loaded from its stored files.
pub async fn tender_spec(app: &App, id: &str) -> ApiResult<(TenderRecord, tb_spec::Spec)> {
    let tender = app.store.tender(id).await?.ok_or_else(|| ApiError::not_found("tender"))?;
    let path = app.runs.materialise(&tender).await?;
    let spec = tb_spec::load(&path)
        .map_err(|errs| ApiError::new("invalid_spec", crate::runs::without_paths(&errs.to_string())))?;
    let dir = app.runs.tender_dir(id);
    if let Some(s) = spec.suites.iter().find(|s| !s.resolved.starts_with(&dir)) {
        return Err(ApiError::new("invalid_spec", format!("suite {} is not a file of the tender", s.id)));
    }
    Ok((tender, spec))
}

/// A tender as the caller may see it.
#[derive(Serialize, JsonSchema)]
pub struct TenderView {
    /// The buyer (the procuring body).
    pub buyer: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The buyer's account that created it.
    pub created_by: String,
    /// What is evaluated.
    pub criteria: Vec<CriterionView>,
    /// Whether a suite is public for vendors' practice runs.
    pub has_practice: bool,
    /// The tender's id.
    pub id: String,
    /// `goods` or `services`: what the procurement buys (it bounds the price weight).
    #[schemars(with = "String", extend("enum" = ["goods", "services"]))]
    pub kind: tb_spec::ProcurementKind,
    /// The weight of the price score in the total, 0–1.
    pub price_weight: f64,
    /// Its runs the caller may see (a vendor: official runs and its own practice runs; the panel: official runs).
    pub runs: Vec<TenderRunView>,
    /// Its suites: a sealed one shows only its commitment.
    pub suites: Vec<SuiteView>,
    /// Its title.
    pub title: String,
    /// Its bidders (a vendor: itself only; the panel: none, it scores blind).
    pub vendors: Vec<BidderView>,
}

/// A criterion of a tender.
#[derive(Serialize, JsonSchema)]
pub struct CriterionView {
    /// The minimum (or maximum) the criterion must reach for the bid to stand, if any:
    /// `{min, max, basis, min_samples, preset}`.
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub gate: Option<serde_json::Value>,
    /// What grades its answers.
    #[schemars(schema_with = "grader_kinds")]
    pub grader: tb_core::GraderKind,
    /// The criterion's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The suite it is measured on (empty for a subjective criterion).
    pub suite: String,
    /// Its weight in the technical score.
    pub weight: f64,
}

/// The graders by name (tb-core knows no schemas).
fn grader_kinds(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = tb_core::GraderKind::ALL.iter().map(|g| g.name()).collect();
    schemars::json_schema!({"type": "string", "enum": names})
}

/// A suite of a tender.
#[derive(Serialize, JsonSchema)]
pub struct SuiteView {
    /// A sealed suite's published commitment (SHA-256 over a salt and its content).
    pub commitment: Option<String>,
    /// Its file format (`native`, `ceval`, `gsm8k`, …).
    pub format: String,
    /// The suite's id.
    pub id: String,
    /// Whether vendors may read it and run practice runs on it.
    pub practice: bool,
    /// Whether it is sealed (hidden until revealed).
    pub sealed: bool,
}

/// A bidder of a tender: its registration where it has registered, else the spec's.
#[derive(Serialize, JsonSchema)]
pub struct BidderView {
    /// The bid (yuan).
    pub bid_price: f64,
    /// The model it offers.
    pub model: String,
    /// The bidder's name.
    pub name: String,
    /// Whether it has registered its endpoint, model and price.
    pub registered: bool,
}

/// A run of a tender.
#[derive(Serialize, JsonSchema)]
pub struct TenderRunView {
    /// When it was started (RFC 3339).
    pub created_at: String,
    /// `official` or `practice`.
    pub kind: String,
    /// The run's id.
    pub run_id: String,
    /// The vendor of a practice run (null for an official run).
    pub vendor: Option<String>,
}

pub async fn tender_view(app: &App, caller: &Caller, id: &str) -> ApiResult<TenderView> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let (tender, spec) = tender_spec(app, id).await?;
    let registrations = app.store.registrations(id).await?;
    let mut vendors: Vec<BidderView> = spec
        .vendors
        .iter()
        .map(|v| {
            let reg = registrations.iter().find(|r| r.vendor == v.name);
            BidderView {
                bid_price: reg.map_or(v.bid_price, |r| r.bid_price),
                model: reg.map_or(v.model.as_str(), |r| r.model.as_str()).to_string(),
                name: v.name.clone(),
                registered: reg.is_some(),
            }
        })
        .collect();
    match caller.role {
        Role::Vendor => vendors.retain(|v| Some(v.name.as_str()) == caller.vendor.as_deref()),
        // The panel scores blind: it learns who bid only at reveal.
        Role::Evaluator => vendors.clear(),
        _ => {}
    }
    let runs = app
        .store
        .tender_runs(id)
        .await?
        .into_iter()
        .filter(|r| match caller.role {
            Role::Vendor => r.kind == RunKind::Official || r.vendor.as_deref() == caller.vendor.as_deref(),
            Role::Evaluator => r.kind == RunKind::Official,
            _ => true,
        })
        .map(|r| TenderRunView {
            created_at: r.created_at,
            kind: r.kind.as_str().into(),
            run_id: r.run_id,
            vendor: r.vendor,
        })
        .collect();
    let suites = spec
        .suites
        .iter()
        .map(|s| SuiteView {
            commitment: s.commitment.clone(),
            format: s.format.to_string(),
            id: s.id.clone(),
            practice: s.practice,
            sealed: s.commitment.is_some(),
        })
        .collect();
    let criteria = spec
        .criteria
        .iter()
        .map(|c| CriterionView {
            gate: c.gate.as_ref().map(|g| serde_json::to_value(g).unwrap_or_default()),
            grader: c.grader,
            id: c.id.clone(),
            name: c.name.clone(),
            suite: c.suite.clone(),
            weight: c.weight,
        })
        .collect();
    Ok(TenderView {
        buyer: spec.tender.buyer.clone(),
        created_at: tender.created_at,
        created_by: tender.created_by,
        criteria,
        has_practice: spec.suites.iter().any(|s| s.practice),
        id: tender.id,
        kind: spec.tender.kind,
        price_weight: spec.tender.price_weight,
        runs,
        suites,
        title: tender.title,
        vendors,
    })
}

pub async fn get_tender(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<TenderView>> {
    Ok(Json(tender_view(&app, &caller, &id).await?))
}

pub async fn get_suite(
    State(app): State<App>,
    caller: Caller,
    Path((id, suite)): Path<(String, String)>,
) -> ApiResult<Response> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let (_, spec) = tender_spec(&app, &id).await?;
    let s = spec.suites.iter().find(|s| s.id == suite).ok_or_else(|| ApiError::not_found("suite"))?;
    if let Some(c) = &s.commitment {
        return Err(ApiError::new("sealed", format!("suite {suite} is sealed; its commitment is {c}")));
    }
    if caller.role == Role::Vendor && !s.practice {
        return Err(ApiError::forbidden("vendors read the public practice suite only"));
    }
    let content = tokio::fs::read(&s.resolved).await.map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")], content).into_response())
}

/// A bidder's registration for a tender.
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"base_url": "https://llm.bidder-a.example.com/v1", "model": "a-2", "bid_price": 990000}))]
pub struct NewRegistration {
    /// The OpenAI-compatible base URL runs call (public addresses only, at most 500 characters).
    pub base_url: String,
    /// The model name.
    pub model: String,
    /// The bid (yuan): a positive number.
    pub bid_price: f64,
}

/// A bidder's registration: the endpoint, model and price its runs use.
#[derive(Serialize, JsonSchema)]
pub struct RegistrationView {
    /// The tender's id.
    pub tender_id: String,
    /// The bidder's name.
    pub vendor: String,
    /// The OpenAI-compatible base URL.
    pub base_url: String,
    /// The model name.
    pub model: String,
    /// The bid (yuan).
    pub bid_price: f64,
    /// When it was registered (RFC 3339).
    pub created_at: String,
}

impl From<Registration> for RegistrationView {
    fn from(reg: Registration) -> RegistrationView {
        // Every field named: a field added to the record is a compile error here, not a silent omission.
        let Registration { tender_id, vendor, base_url, model, bid_price, created_at } = reg;
        RegistrationView { tender_id, vendor, base_url, model, bid_price, created_at }
    }
}

pub async fn register(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewRegistration>,
) -> ApiResult<(StatusCode, Json<RegistrationView>)> {
    caller.require(&[Role::Vendor])?;
    let vendor = caller.vendor.clone().unwrap_or_default();
    let (_, spec) = tender_spec(&app, &id).await?;
    if !spec.vendors.iter().any(|v| v.name == vendor) {
        return Err(ApiError::forbidden(format!("{vendor} is not a bidder of tender {id}")));
    }
    let url = body.base_url.trim().trim_end_matches('/');
    if url.len() > 500 {
        return Err(ApiError::bad_request("base_url is longer than 500 characters"));
    }
    let parsed = app.egress.check_url(url).map_err(ApiError::bad_request)?;
    // A host name is checked again at every connect; refusing it now tells the vendor at once.
    if let (Some(tb_vendor::egress::Host::Domain(host)), Some(port)) = (parsed.host(), parsed.port_or_known_default())
        && let Ok(found) = tokio::net::lookup_host((host, port)).await
    {
        let found: Vec<std::net::SocketAddr> = found.collect();
        if !found.is_empty() && !found.iter().any(|a| app.egress.permits(a.ip())) {
            return Err(ApiError::bad_request(format!(
                "base_url's host {host} resolves only to addresses on this machine or a local network"
            )));
        }
    }
    if !(body.bid_price.is_finite() && body.bid_price > 0.0) {
        return Err(ApiError::bad_request("bid_price must be a positive number"));
    }
    if body.model.trim().is_empty() {
        return Err(ApiError::bad_request("model must name the model"));
    }
    let reg = Registration {
        tender_id: id,
        vendor,
        base_url: url.to_string(),
        model: body.model.trim().to_string(),
        bid_price: body.bid_price,
        created_at: tb_store::now_rfc3339(),
    };
    app.store.register(&reg).await?;
    tracing::info!(tender = %crate::logs::escaped(&reg.tender_id), vendor = %crate::logs::escaped(&reg.vendor), "vendor registered");
    Ok((StatusCode::CREATED, Json(reg.into())))
}
