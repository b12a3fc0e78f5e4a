//! The transcripts: one cell as the browser shows it, the pages of cells
//! with the committee's review filters (wrong, undecided, failed, flagged)
//! and their counts, and one case with every vendor's answer side by side.

use super::*;

/// One answer (a cell: vendor × case × repeat) as the transcript browser shows it.
#[derive(Serialize, JsonSchema)]
pub struct CellView {
    /// The answer's text (null when the call failed).
    pub answer: Option<String>,
    /// Calls made for it (retries included).
    pub attempts: u32,
    /// The case.
    pub case_id: String,
    /// Why the call failed (null when it was answered).
    pub cause: Option<String>,
    /// Output tokens, as the vendor reported or as counted.
    pub completion_tokens: Option<u64>,
    /// The failure's details (null while the run is blind).
    pub detail: Option<String>,
    /// The gold answer as `results.csv` shows it: the answer, else the expected behaviour.
    pub gold: String,
    /// The grade on each criterion that reads the case's suite, by criterion id.
    pub grades: BTreeMap<String, GradeView>,
    /// End-to-end latency (ms).
    pub latency_ms: f64,
    /// Input tokens.
    pub prompt_tokens: Option<u64>,
    /// Which sample of the case.
    pub repeat: u32,
    /// The raw request body (one case, for those who may read evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Option<String>>,
    /// SHA-256 of the request body in the evidence store (null while the run is blind).
    pub request_sha256: Option<String>,
    /// The raw response body (one case, for those who may read evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<Option<String>>,
    /// SHA-256 of the response body (null while the run is blind).
    pub response_sha256: Option<String>,
    /// The case's suite.
    pub suite: String,
    /// Time to the first token (ms), for a streamed answer.
    pub ttft_ms: Option<f64>,
    /// The vendor as shown (its code while blind).
    pub vendor: String,
}

/// A grade of one answer on one criterion.
#[derive(Serialize, JsonSchema)]
pub struct GradeView {
    /// Whether the answer is right.
    pub correct: bool,
    /// What the grader read from the answer (an option label, a number).
    pub extracted: Option<String>,
    /// How it read it (`stated`, `boxed`, `option_text`, …).
    pub how: Option<String>,
    /// Why the answer was not gradable, when it was not (`undecided`, `ambiguous`, …), or who graded it.
    pub note: Option<String>,
}

/// One cell as the transcript browser shows it. While a run is blind, the
/// panel gets no failure details and no body hashes (a body names its model,
/// so a guessed one could be hashed and compared).
pub fn cell_json(view: &RunView, cell: CellRecord) -> CellView {
    let vendor = view.shown(&cell.vendor);
    let graded = tb_report::grade_cell(&view.spec, cell);
    let grades = graded
        .grades
        .into_iter()
        .map(|(c, g)| {
            (c.to_string(), GradeView { correct: g.correct, extracted: g.extracted, how: g.how, note: g.note })
        })
        .collect();
    let c = graded.cell;
    let open = view.codes.is_empty();
    CellView {
        answer: c.answer,
        attempts: c.attempts,
        case_id: c.case_id,
        cause: c.cause,
        completion_tokens: c.completion_tokens,
        detail: if open { c.detail } else { None },
        gold: graded.gold,
        grades,
        latency_ms: c.latency_ms,
        prompt_tokens: c.prompt_tokens,
        repeat: c.repeat,
        request_body: None,
        request_sha256: open.then_some(c.request_sha256),
        response_body: None,
        response_sha256: open.then_some(c.response_sha256),
        suite: c.suite,
        ttft_ms: c.ttft_ms,
        vendor,
    }
}

/// The review filters of the transcripts: what a committee looks for.
pub const CELL_FILTERS: [&str; 4] = ["wrong", "undecided", "failed", "flagged"];

/// Whether a graded cell (as [`cell_json`] shows it) is what `filter` asks for:
/// `wrong` (answered, graded wrong on some criterion), `undecided` (the rules
/// read no committed answer), `failed` (the call failed), `flagged` (a grade
/// carries a note: read by a judge, graded by hand, a sandbox violation, …).
pub fn cell_matches(cell: &CellView, filter: &str) -> bool {
    let failed = cell.cause.is_some();
    let mut grades = cell.grades.values();
    match filter {
        "failed" => failed,
        "wrong" => !failed && grades.any(|g| !g.correct),
        "undecided" => {
            grades.any(|g| matches!(g.note.as_deref(), Some(tb_grade::NOTE_UNDECIDED | tb_grade::NOTE_AMBIGUOUS)))
        }
        "flagged" => grades.any(|g| g.note.is_some()),
        _ => true,
    }
}

/// The page of cells the query asks for and, for the review filters, how
/// many cells (under the vendor, suite and search filters) each one finds.
pub async fn cells(app: &App, caller: &Caller, id: &str, q: &QueryMap) -> ApiResult<(RunView, Vec<CellView>)> {
    let (view, page, _) = cells_counted(app, caller, id, q, false).await?;
    Ok((view, page))
}

pub async fn cells_counted(
    app: &App,
    caller: &Caller,
    id: &str,
    q: &QueryMap,
    count: bool,
) -> ApiResult<(RunView, Vec<CellView>, BTreeMap<&'static str, u64>)> {
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
) -> ApiResult<Json<Vec<CellView>>> {
    Ok(Json(cells(&app, &caller, &id, &q).await?.1))
}

/// One case, side by side across the vendors the caller may see.
#[derive(Serialize, JsonSchema)]
pub struct CaseView {
    /// Each vendor's answer (with the raw bodies, for those who may read evidence).
    pub answers: Vec<CellView>,
    /// The case.
    pub case_id: String,
    /// What was sent: the chat messages (an agent case: its turns), as the first vendor's request held them.
    pub prompt: serde_json::Value,
    /// The case's suite.
    pub suite: String,
}

/// One case, every vendor the caller may see, side by side: the prompt, each answer and its grades,
/// and (for those who may read evidence) the raw bodies.
pub async fn case(app: &App, caller: &Caller, id: &str, suite: &str, case_id: &str) -> ApiResult<(RunView, CaseView)> {
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
            j.request_body = Some(text(app.store.evidence(&req).await?));
            j.response_body = Some(text(app.store.evidence(&resp).await?));
        }
        answers.push(j);
    }
    if !view.codes.is_empty() {
        // Not by name (the store's order): by the panel's drawn order.
        answers.sort_by_cached_key(|a| view.panel_key(&a.vendor));
    }
    let case = CaseView { answers, case_id: case_id.to_string(), prompt, suite: suite.to_string() };
    Ok((view, case))
}

pub async fn get_case(
    State(app): State<App>,
    caller: Caller,
    Path((id, suite, case_id)): Path<(String, String, String)>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(case(&app, &caller, &id, &suite, &case_id).await?.1))
}
