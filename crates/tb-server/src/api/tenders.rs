//! Tenders: upload, the view each role has of one, its suites, and bidders' registrations.

use super::*;

#[derive(Deserialize)]
pub struct NewTender {
    /// The spec (TOML); absent with `example`.
    #[serde(default)]
    pub spec_toml: Option<String>,
    /// The spec's files (suites) by path relative to the spec.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// `hotline`: the built-in example tender.
    #[serde(default)]
    pub example: Option<String>,
}

pub async fn list_tenders(State(app): State<App>, caller: Caller) -> ApiResult<Json<serde_json::Value>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let tenders: Vec<serde_json::Value> = app
        .store
        .tenders()
        .await?
        .into_iter()
        .map(|t| serde_json::json!({"id": t.id, "title": t.title, "created_by": t.created_by, "created_at": t.created_at}))
        .collect();
    Ok(Json(serde_json::Value::Array(tenders)))
}

/// Files one tender may hold (its suites and their data): far more than any
/// tender needs, few enough that an upload cannot fill the server's disk
/// with entries (the request's size is capped by `max_upload_bytes`).
const MAX_TENDER_FILES: usize = 1000;

pub async fn create_tender(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewTender>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
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
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": record.id, "title": record.title }))))
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

pub async fn tender_view(app: &App, caller: &Caller, id: &str) -> ApiResult<serde_json::Value> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let (tender, spec) = tender_spec(app, id).await?;
    let registrations = app.store.registrations(id).await?;
    let mut vendors: Vec<serde_json::Value> = spec
        .vendors
        .iter()
        .map(|v| {
            let reg = registrations.iter().find(|r| r.vendor == v.name);
            serde_json::json!({
                "name": v.name,
                "model": reg.map_or(v.model.as_str(), |r| r.model.as_str()),
                "bid_price": reg.map_or(v.bid_price, |r| r.bid_price),
                "registered": reg.is_some(),
            })
        })
        .collect();
    match caller.role {
        Role::Vendor => vendors.retain(|v| v["name"].as_str() == caller.vendor.as_deref()),
        // The panel scores blind: it learns who bid only at reveal.
        Role::Evaluator => vendors.clear(),
        _ => {}
    }
    let runs: Vec<serde_json::Value> = app
        .store
        .tender_runs(id)
        .await?
        .into_iter()
        .filter(|r| match caller.role {
            Role::Vendor => r.kind == "official" || r.vendor.as_deref() == caller.vendor.as_deref(),
            Role::Evaluator => r.kind == "official",
            _ => true,
        })
        .map(
            |r| serde_json::json!({"run_id": r.run_id, "kind": r.kind, "vendor": r.vendor, "created_at": r.created_at}),
        )
        .collect();
    let suites: Vec<serde_json::Value> = spec
        .suites
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id, "format": s.format.to_string(), "sealed": s.commitment.is_some(),
                "commitment": s.commitment, "practice": s.practice,
            })
        })
        .collect();
    let criteria: Vec<serde_json::Value> = spec
        .criteria
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id, "name": c.name, "suite": c.suite, "grader": c.grader, "weight": c.weight,
                "gate": c.gate.as_ref().map(|g| serde_json::to_value(g).unwrap_or_default()),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "id": tender.id, "title": tender.title, "buyer": spec.tender.buyer, "kind": spec.tender.kind,
        "price_weight": spec.tender.price_weight, "created_by": tender.created_by, "created_at": tender.created_at,
        "criteria": criteria, "suites": suites, "vendors": vendors, "runs": runs,
        "has_practice": spec.suites.iter().any(|s| s.practice),
    }))
}

pub async fn get_tender(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
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

#[derive(Deserialize)]
pub struct NewRegistration {
    pub base_url: String,
    pub model: String,
    pub bid_price: f64,
}

pub async fn register(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewRegistration>,
) -> ApiResult<(StatusCode, Json<Registration>)> {
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
    Ok((StatusCode::CREATED, Json(reg)))
}
