//! The committee's inputs on a run: evaluators' scores, price justifications,
//! the review queue and grades by hand, and the buyer's reveal; each recorded
//! in the run's audit log, then the report signed again.

use super::*;

/// An evaluator's score of one bidder on a subjective criterion.
#[derive(Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| list_required(s, "score"))]
#[schemars(example = serde_json::json!({"criterion": "plan", "vendor": "V-3", "score": 80, "note": "a clear staffing plan"}))]
pub struct NewScore {
    /// A criterion graded by `evaluators`.
    pub criterion: String,
    /// The vendor as shown (its code while blind).
    pub vendor: String,
    /// 0–100. Absent or null: refused (`bad_request`), never read as 0.
    #[serde(default)]
    #[schemars(required, range(min = 0, max = 100))]
    pub score: Option<f64>,
    /// The evaluator's reasons.
    #[serde(default)]
    pub note: Option<String>,
}

/// A committee input recorded (and the report signed again).
#[derive(Serialize, JsonSchema)]
pub struct Recorded {
    /// True.
    pub recorded: bool,
}

/// Appends a committee input to a finished run's audit log, then signs the
/// report again (its signature chained after the input). One at a time in
/// this server: two inputs racing for the log's next position would collide.
async fn record(app: &App, run_id: &str, kind: &str, payload: &impl serde::Serialize) -> ApiResult<()> {
    let _one_at_a_time = app.committee.lock().await;
    let run = app.store.run(run_id).await?;
    if app.runs.is_active(run_id) || run.status != RunStatus::Finished {
        return Err(ApiError::conflict("the committee records its inputs once the run has finished"));
    }
    let head = app.store.audit_head(run_id).await?;
    let mut chain = tb_audit::Chain::resume(run_id, head.as_ref());
    let entry = chain.append(kind, payload, &tb_store::now_rfc3339());
    app.store.append_audit(&[entry]).await?;
    if kind == "mapping_revealed" {
        app.store.set_blind_revealed(run_id).await?;
    }
    resign(app, run_id).await
}

pub async fn score(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewScore>,
) -> ApiResult<(StatusCode, Json<Recorded>)> {
    caller.require(&[Role::Evaluator])?;
    let view = run_view(&app, &caller, &id).await?;
    let c =
        view.spec.criteria.iter().find(|c| c.id == body.criterion).ok_or_else(|| ApiError::not_found("criterion"))?;
    if !c.is_subjective() {
        return Err(ApiError::bad_request(format!(
            "criterion {} is graded by {}; evaluators score subjective criteria",
            c.id, c.grader
        )));
    }
    let score = body
        .score
        .ok_or_else(|| ApiError::bad_request("enter a score from 0 to 100: an empty score is not recorded"))?;
    if !(0.0..=100.0).contains(&score) {
        return Err(ApiError::bad_request(format!("a score is from 0 to 100, not {score}")));
    }
    if view.run.blind_mapping.is_some() && view.run.blind_revealed {
        return Err(ApiError::conflict("scoring ended when the names were revealed"));
    }
    let vendor = view.name_of(&body.vendor).ok_or_else(|| ApiError::not_found("vendor in this run"))?;
    let entry = tb_report::committee::EvaluatorScore {
        evaluator: caller.name.clone(),
        criterion: body.criterion.clone(),
        vendor,
        score,
        note: body.note,
    };
    record(&app, &view.run.id, tb_report::committee::EVALUATOR_SCORE, &entry).await?;
    tracing::info!(run = %id, evaluator = %caller.name, criterion = %body.criterion, "evaluator score recorded");
    Ok((StatusCode::CREATED, Json(Recorded { recorded: true })))
}

/// The committee's decision on a bidder's written justification of an abnormally low price.
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"vendor": "V-3", "accepted": true, "note": "costs explained in writing"}))]
pub struct NewJustification {
    /// The vendor as shown (its code while blind).
    pub vendor: String,
    /// Whether the justification is accepted (if not, the bid is invalid).
    pub accepted: bool,
    /// The committee's reasons.
    #[serde(default)]
    pub note: Option<String>,
}

/// The committee's decision on a bidder's written justification of an abnormally low price.
pub async fn justify(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewJustification>,
) -> ApiResult<(StatusCode, Json<Recorded>)> {
    caller.require(&[Role::Evaluator])?;
    let view = run_view(&app, &caller, &id).await?;
    if view.run.blind_mapping.is_some() && view.run.blind_revealed {
        return Err(ApiError::conflict("the committee's decisions ended when the names were revealed"));
    }
    let vendor = view.name_of(&body.vendor).ok_or_else(|| ApiError::not_found("vendor in this run"))?;
    let entry = tb_report::committee::PriceJustification { vendor, accepted: body.accepted, note: body.note };
    record(&app, &view.run.id, tb_report::committee::PRICE_JUSTIFICATION, &entry).await?;
    tracing::info!(run = %id, evaluator = %caller.name, accepted = body.accepted, "price justification recorded");
    Ok((StatusCode::CREATED, Json(Recorded { recorded: true })))
}

/// The review queue of a run: every answer the rules could not read, with the
/// grade an evaluator gave it, if any; vendors as the caller may see them.
pub async fn review(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<ReviewQueue>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Auditor])?;
    let view = run_view(&app, &caller, &id).await?;
    let items = tb_report::review::queue(&app.store, &view.run.id).await?;
    let shown = items.into_iter().map(|i| ReviewItemView::shown(i, &view)).collect();
    Ok(Json(ReviewQueue { items: shown, run_id: view.run.id }))
}

/// A run's review queue.
#[derive(Serialize, JsonSchema)]
pub struct ReviewQueue {
    /// The answers in review, in cell order.
    pub items: Vec<ReviewItemView>,
    /// The run's id.
    pub run_id: String,
}

/// One answer the rules could not read (or a judge read), and the grade an evaluator gave it.
#[derive(Serialize, JsonSchema)]
pub struct ReviewItemView {
    /// The answer.
    pub answer: String,
    /// The case.
    pub case_id: String,
    /// The criterion that graded it.
    pub criterion: String,
    /// The candidates an ambiguous answer named, or what the judge read.
    pub extracted: Option<String>,
    /// The gold answer.
    pub gold: String,
    /// The evaluator's grade, once given.
    pub graded: Option<HandGrade>,
    /// What the rules (or the judge) made of it: `undecided`, `ambiguous`, `judge`.
    pub reading: String,
    /// Which sample of the case.
    pub repeat: u32,
    /// The case's suite.
    pub suite: String,
    /// The vendor as shown (its code while blind).
    pub vendor: String,
}

/// An evaluator's grade of one answer by hand.
#[derive(Serialize, JsonSchema)]
pub struct HandGrade {
    /// The case.
    pub case_id: String,
    /// The grade.
    pub correct: bool,
    /// The criterion.
    pub criterion: String,
    /// The evaluator's account.
    pub evaluator: String,
    /// What the answer committed to, as the evaluator reads it.
    pub reason: String,
    /// Which sample of the case.
    pub repeat: u32,
    /// The case's suite.
    pub suite: String,
    /// The vendor as shown (its code while blind).
    pub vendor: String,
}

impl ReviewItemView {
    /// An item with its vendors as the run shows them.
    fn shown(item: tb_report::review::ReviewItem, view: &RunView) -> ReviewItemView {
        // Every field named: a field added to the item is a compile error here, not a silent omission.
        let tb_report::review::ReviewItem {
            criterion,
            vendor,
            suite,
            case_id,
            repeat,
            answer,
            reading,
            extracted,
            gold,
            graded,
        } = item;
        let graded = graded.map(|g| {
            let tb_report::committee::GradeOverride {
                evaluator,
                criterion,
                vendor,
                suite,
                case_id,
                repeat,
                correct,
                reason,
            } = g;
            HandGrade { case_id, correct, criterion, evaluator, reason, repeat, suite, vendor: view.shown(&vendor) }
        });
        ReviewItemView {
            answer,
            case_id,
            criterion,
            extracted,
            gold,
            graded,
            reading,
            repeat,
            suite,
            vendor: view.shown(&vendor),
        }
    }
}

/// An evaluator's grade of one answer in the review queue.
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({
    "criterion": "knowledge", "vendor": "V-3", "suite": "policy-knowledge", "case_id": "q17",
    "correct": true, "reason": "commits to B in its last line",
}))]
pub struct NewOverride {
    /// The criterion that graded the answer.
    pub criterion: String,
    /// The vendor as shown (its code while blind).
    pub vendor: String,
    /// The case's suite.
    pub suite: String,
    /// The case.
    pub case_id: String,
    /// Which sample of the case (default 0).
    #[serde(default)]
    pub repeat: u32,
    /// The grade.
    pub correct: bool,
    /// What the answer committed to, as the evaluator reads it (not empty).
    pub reason: String,
}

/// An evaluator's grade of one answer the rules could not read, with the reason.
pub async fn override_grade(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewOverride>,
) -> ApiResult<(StatusCode, Json<Recorded>)> {
    caller.require(&[Role::Evaluator])?;
    let view = run_view(&app, &caller, &id).await?;
    if view.run.blind_mapping.is_some() && view.run.blind_revealed {
        return Err(ApiError::conflict("grading by hand ended when the names were revealed"));
    }
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request("a grade by hand needs its reason"));
    }
    let vendor = view.name_of(&body.vendor).ok_or_else(|| ApiError::not_found("vendor in this run"))?;
    let cell = app
        .store
        .case_cells(&view.run.id, &body.suite, &body.case_id)
        .await?
        .into_iter()
        .find(|c| c.vendor == vendor && c.repeat == body.repeat)
        .ok_or_else(|| ApiError::not_found("answer"))?;
    let graded = tb_report::grade_cell(&view.spec, cell);
    let (_, grade) =
        graded.grades.iter().find(|(c, _)| *c == body.criterion).ok_or_else(|| ApiError::not_found("criterion"))?;
    if !tb_report::review::in_review(&view.spec, &body.criterion, grade) {
        return Err(ApiError::conflict(
            "the rules read this answer; only answers in the review queue are graded by hand",
        ));
    }
    let entry = tb_report::committee::GradeOverride {
        evaluator: caller.name.clone(),
        criterion: body.criterion.clone(),
        vendor,
        suite: body.suite.clone(),
        case_id: body.case_id.clone(),
        repeat: body.repeat,
        correct: body.correct,
        reason: reason.to_string(),
    };
    record(&app, &view.run.id, tb_report::committee::GRADE_OVERRIDE, &entry).await?;
    tracing::info!(run = %id, evaluator = %caller.name, criterion = %body.criterion, "grade by hand recorded");
    Ok((StatusCode::CREATED, Json(Recorded { recorded: true })))
}

/// After a committee input: the report is signed again, its signature chained after the input.
async fn resign(app: &App, run_id: &str) -> ApiResult<()> {
    let report = tb_report::build(&app.store, run_id).await?;
    let json = tb_report::render_json(&report);
    let previous = tb_bundle::last_signed_report(&app.store, run_id).await.map_err(ApiError::internal)?;
    tb_bundle::record_report_signature(&app.store, run_id, &app.key, &json, previous)
        .await
        .map_err(ApiError::internal)?;
    Ok(())
}

/// The buyer's reveal of a blind run's mapping.
#[derive(Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| list_required(s, "confirm"))]
#[schemars(example = serde_json::json!({"confirm": true}))]
pub struct Reveal {
    /// Must be true: after the reveal no evaluator can score, and it cannot be undone.
    #[serde(default)]
    pub confirm: bool,
}

/// What the panel has not scored yet: "evaluator: bidder (as shown) on criterion",
/// for every evaluator account, every bidder and every subjective criterion.
async fn unscored(app: &App, view: &RunView) -> ApiResult<Vec<String>> {
    let subjective: Vec<&str> =
        view.spec.criteria.iter().filter(|c| c.is_subjective()).map(|c| c.id.as_str()).collect();
    if subjective.is_empty() {
        return Ok(Vec::new());
    }
    let evaluators: Vec<String> =
        app.store.users().await?.into_iter().filter(|u| u.role == Role::Evaluator.as_str()).map(|u| u.name).collect();
    if evaluators.is_empty() {
        return Ok(vec!["no evaluator account exists to score the subjective criteria".into()]);
    }
    let entries = app.store.audit_of_kinds(&view.run.id, &tb_report::committee::KINDS).await?;
    let inputs = tb_report::committee::CommitteeInputs::from_audit(&entries);
    let mut missing = Vec::new();
    for criterion in subjective {
        for v in &view.spec.vendors {
            let (scores, _) = inputs.scores_of(criterion, &v.name);
            for e in evaluators.iter().filter(|e| !scores.contains_key(*e)) {
                missing.push(format!("{e}: {} on {criterion}", view.shown(&v.name)));
            }
        }
    }
    Ok(missing)
}

pub async fn reveal(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<Reveal>>,
) -> ApiResult<Json<Mapping>> {
    caller.require(&[Role::Buyer])?;
    let view = run_view(&app, &caller, &id).await?;
    if view.run.blind_mapping.is_none() || view.run.blind_revealed {
        return Err(ApiError::conflict("this run has no sealed mapping to reveal"));
    }
    if app.runs.is_active(&id) || view.run.status != RunStatus::Finished {
        return Err(ApiError::conflict("reveal after the run has finished and scoring is final"));
    }
    // Scoring ends at the reveal: a bidder some evaluator has not scored could never be ranked.
    let missing = unscored(&app, &view).await?;
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        let more = if missing.len() > 10 { format!(" and {} more", missing.len() - 10) } else { String::new() };
        return Err(ApiError::conflict(format!(
            "the panel has not finished scoring ({}{more}): reveal once every evaluator has scored every bidder on every subjective criterion",
            shown.join("; ")
        )));
    }
    if !body.is_some_and(|Json(b)| b.confirm) {
        return Err(ApiError::bad_request(
            "send {\"confirm\": true}: after the reveal no evaluator can score, and it cannot be undone",
        ));
    }
    let sealed = view.run.blind_mapping.as_deref().unwrap_or("{}");
    let mapping: serde_json::Value = serde_json::from_str(sealed).map_err(ApiError::internal)?;
    let payload = serde_json::json!({ "mapping": mapping, "commitment": tb_audit::sha256_hex(sealed.as_bytes()) });
    record(&app, &id, "mapping_revealed", &payload).await?;
    tracing::info!(run = %id, by = %caller.name, "mapping revealed");
    Ok(Json(Mapping { codes: mapping["codes"].clone(), revealed: true }))
}
