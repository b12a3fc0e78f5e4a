//! The transcripts: one cell as the browser shows it, the pages of cells
//! with the committee's review filters (wrong, undecided, failed, flagged)
//! and their counts, and one case with every vendor's answer side by side.

use super::*;

/// One cell as the transcript browser shows it. While a run is blind, the
/// panel gets no failure details and no body hashes (a body names its model,
/// so a guessed one could be hashed and compared).
pub fn cell_json(view: &RunView, cell: CellRecord) -> serde_json::Value {
    let vendor = view.shown(&cell.vendor);
    let graded = tb_report::grade_cell(&view.spec, cell);
    let grades: serde_json::Map<String, serde_json::Value> = graded
        .grades
        .iter()
        .map(|(c, g)| {
            (
                c.to_string(),
                serde_json::json!({"correct": g.correct, "extracted": g.extracted, "note": g.note, "how": g.how}),
            )
        })
        .collect();
    let c = graded.cell;
    serde_json::json!({
        "gold": graded.gold,
        "vendor": vendor, "suite": c.suite, "case_id": c.case_id, "repeat": c.repeat,
        "answer": c.answer, "cause": c.cause,
        "detail": if view.codes.is_empty() { c.detail } else { None },
        "latency_ms": c.latency_ms, "ttft_ms": c.ttft_ms, "attempts": c.attempts,
        "prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens,
        "grades": grades,
        "request_sha256": if view.codes.is_empty() { Some(c.request_sha256) } else { None },
        "response_sha256": if view.codes.is_empty() { Some(c.response_sha256) } else { None },
    })
}

/// The review filters of the transcripts: what a committee looks for.
pub const CELL_FILTERS: [&str; 4] = ["wrong", "undecided", "failed", "flagged"];

/// Whether a graded cell (as [`cell_json`] shows it) is what `filter` asks for:
/// `wrong` (answered, graded wrong on some criterion), `undecided` (the rules
/// read no committed answer), `failed` (the call failed), `flagged` (a grade
/// carries a note: read by a judge, graded by hand, a sandbox violation, …).
pub fn cell_matches(cell: &serde_json::Value, filter: &str) -> bool {
    let grades = || cell["grades"].as_object().into_iter().flat_map(|g| g.values());
    let failed = !cell["cause"].is_null();
    match filter {
        "failed" => failed,
        "wrong" => !failed && grades().any(|g| g["correct"] == false),
        "undecided" => {
            grades().any(|g| matches!(g["note"].as_str(), Some(tb_grade::NOTE_UNDECIDED | tb_grade::NOTE_AMBIGUOUS)))
        }
        "flagged" => grades().any(|g| !g["note"].is_null()),
        _ => true,
    }
}

/// The page of cells the query asks for and, for the review filters, how
/// many cells (under the vendor, suite and search filters) each one finds.
pub async fn cells(app: &App, caller: &Caller, id: &str, q: &QueryMap) -> ApiResult<(RunView, Vec<serde_json::Value>)> {
    let (view, page, _) = cells_counted(app, caller, id, q, false).await?;
    Ok((view, page))
}

pub async fn cells_counted(
    app: &App,
    caller: &Caller,
    id: &str,
    q: &QueryMap,
    count: bool,
) -> ApiResult<(RunView, Vec<serde_json::Value>, BTreeMap<&'static str, u64>)> {
    let view = run_view(app, caller, id).await?;
    // A vendor is named as the run shows it (its code while blind): a guessed name finds nothing.
    let vendor = match q.get("vendor").filter(|v| !v.is_empty()) {
        Some(v) => Some(view.name_of(v).ok_or_else(|| ApiError::not_found("vendor in this run"))?),
        None => None,
    };
    let mut filter = CellFilter {
        vendor,
        suite: q.get("suite").filter(|v| !v.is_empty()).cloned(),
        search: q.get("q").filter(|v| !v.is_empty()).cloned(),
        failed_only: q.get("failed").is_some_and(|v| v == "1" || v == "true"),
        exclude_suites: Vec::new(),
        limit: q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(50).min(500),
        offset: q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0),
    };
    if let Some((own, _)) = &view.own {
        if filter.vendor.as_ref().is_some_and(|v| v != own) {
            return Err(ApiError::not_found("vendor in this run"));
        }
        filter.vendor = Some(own.clone());
    }
    // Left out in the query, so that a page is never emptied afterwards.
    filter.exclude_suites = view
        .spec
        .suites
        .iter()
        .filter(|s| !access::readable_suite(caller, &view.spec, &s.id))
        .map(|s| s.id.clone())
        .collect();
    if let Some(suite) = &filter.suite
        && !access::readable_suite(caller, &view.spec, suite)
    {
        return Err(ApiError::new("sealed", "a sealed suite's cases stay hidden from vendors"));
    }
    // `?failed=1` is the older spelling of `?show=failed`.
    let show = q.get("show").map(String::as_str).filter(|f| CELL_FILTERS.contains(f));
    let show = show.or(filter.failed_only.then_some("failed"));
    if show.is_none() && !count {
        let rows = app.store.cell_page(&view.run.id, &filter).await?;
        let out = rows
            .into_iter()
            .filter(|c| access::readable_suite(caller, &view.spec, &c.suite))
            .map(|c| cell_json(&view, c))
            .collect();
        return Ok((view, out, BTreeMap::new()));
    }
    // A review filter needs the grades: every matching cell is graded, a page at a time.
    let (limit, offset) = (filter.limit as usize, filter.offset as usize);
    filter.failed_only = false;
    filter.limit = 500;
    filter.offset = 0;
    let mut counts: BTreeMap<&'static str, u64> = CELL_FILTERS.iter().map(|f| (*f, 0)).collect();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    loop {
        let rows = app.store.cell_page(&view.run.id, &filter).await?;
        let n = rows.len();
        for c in rows.into_iter().filter(|c| access::readable_suite(caller, &view.spec, &c.suite)) {
            let j = cell_json(&view, c);
            for f in CELL_FILTERS {
                if cell_matches(&j, f) {
                    *counts.get_mut(f).expect("every filter counted") += 1;
                }
            }
            if show.is_none_or(|f| cell_matches(&j, f)) {
                if seen >= offset && kept.len() < limit {
                    kept.push(j);
                }
                seen += 1;
            }
        }
        if n < filter.limit as usize {
            break;
        }
        filter.offset += filter.limit;
    }
    Ok((view, kept, counts))
}

pub async fn get_cells(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<QueryMap>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(serde_json::Value::Array(cells(&app, &caller, &id, &q).await?.1)))
}

/// One case, every vendor the caller may see, side by side: the prompt, each answer and its grades,
/// and (for those who may read evidence) the raw bodies.
pub async fn case(
    app: &App,
    caller: &Caller,
    id: &str,
    suite: &str,
    case_id: &str,
) -> ApiResult<(RunView, serde_json::Value)> {
    let view = run_view(app, caller, id).await?;
    if !access::readable_suite(caller, &view.spec, suite) {
        return Err(ApiError::new("sealed", "a sealed suite's cases stay hidden from vendors"));
    }
    let cells: Vec<CellRecord> = app
        .store
        .case_cells(&view.run.id, suite, case_id)
        .await?
        .into_iter()
        .filter(|c| view.may_see_vendor(&c.vendor))
        .collect();
    if cells.is_empty() {
        return Err(ApiError::not_found("case"));
    }
    let evidence = access::may_read_evidence(caller, &view);
    let mut prompt = serde_json::Value::Null;
    if let Some(first) = cells.first()
        && let Some(body) = app.store.evidence(&first.request_sha256).await?
    {
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        prompt = request.get("messages").cloned().unwrap_or_else(|| request.get("turns").cloned().unwrap_or_default());
    }
    let mut answers = Vec::new();
    for c in cells {
        let (req, resp) = (c.request_sha256.clone(), c.response_sha256.clone());
        let mut j = cell_json(&view, c);
        if evidence {
            let text = |b: Option<Vec<u8>>| b.map(|b| String::from_utf8_lossy(&b).into_owned());
            j["request_body"] = text(app.store.evidence(&req).await?).into();
            j["response_body"] = text(app.store.evidence(&resp).await?).into();
        }
        answers.push(j);
    }
    if !view.codes.is_empty() {
        // Not by name (the store's order): by the panel's drawn order.
        answers.sort_by_cached_key(|a| view.panel_key(a["vendor"].as_str().unwrap_or("")));
    }
    Ok((view, serde_json::json!({ "suite": suite, "case_id": case_id, "prompt": prompt, "answers": answers })))
}

pub async fn get_case(
    State(app): State<App>,
    caller: Caller,
    Path((id, suite, case_id)): Path<(String, String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(case(&app, &caller, &id, &suite, &case_id).await?.1))
}
