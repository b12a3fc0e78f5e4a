//! `evaluate`, `justify` and `override`: the committee's inputs after a run,
//! appended to the run's audit log; the reports are then rendered and signed
//! again. `review` lists the answers an evaluator may grade by hand.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use serde::Serialize;
use tb_audit::Keypair;
use tb_report::committee::{
    EVALUATOR_SCORE, EvaluatorScore, GRADE_OVERRIDE, GradeOverride, PRICE_JUSTIFICATION, PriceJustification,
};
use tb_store::{DbLocation, RunRecord, Store};

use crate::commands::write_outputs;
use crate::integrity::open_existing;
use crate::{Failure, LangArg, bad_input};

/// Where a committee input goes, and how the reports are rewritten.
pub struct Target<'a> {
    pub run_id: &'a str,
    pub db: &'a DbLocation,
    pub out: &'a Path,
    pub key: &'a Path,
    pub lang: LangArg,
}

/// The vendor's name in the spec, given its name or, in a blind run, its code.
fn vendor_name(run: &RunRecord, spec: &tb_spec::Spec, given: &str) -> Result<String, Failure> {
    if spec.vendors.iter().any(|v| v.name == given) {
        return Ok(given.to_string());
    }
    let mapping: serde_json::Value =
        run.blind_mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    if let Some((name, _)) =
        mapping["codes"].as_object().into_iter().flatten().find(|(_, code)| code.as_str() == Some(given))
    {
        return Ok(name.clone());
    }
    let known: Vec<&str> = spec.vendors.iter().map(|v| v.name.as_str()).collect();
    Err(bad_input(anyhow!("run {} has no vendor {given:?} (vendors: {})", run.id, known.join(", "))))
}

/// How a vendor is shown: by its code while a blind run's mapping is sealed.
fn shown(run: &RunRecord, name: &str) -> String {
    if run.blind_revealed {
        return name.to_string();
    }
    let mapping: serde_json::Value =
        run.blind_mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    mapping["codes"][name].as_str().unwrap_or(name).to_string()
}

/// Where a run's key may lie besides the one given: the default file, and
/// where `demo` writes its key.
const KEY_PLACES: &[&str] = &["tenderbench.key", "tenderbench-out/demo-key/tenderbench.key"];

/// The run's own signing key: a checkpoint signed by another would make the
/// audit log fail verification for good, so it is refused before anything is
/// written. The key given is used when it is the run's; otherwise the usual
/// places are tried (the demo's key included), and failing them the message
/// names the fingerprint the run needs and where to look.
pub fn run_key(run: &RunRecord, path: &Path) -> Result<Keypair, Failure> {
    let Some(public) = &run.public_key else { return Keypair::load(path).map_err(bad_input) };
    let given = Keypair::load(path);
    if let Ok(key) = &given
        && key.public_hex() == *public
    {
        return Keypair::load(path).map_err(bad_input);
    }
    for place in KEY_PLACES.iter().map(Path::new).filter(|p| *p != path) {
        if let Ok(key) = Keypair::load(place)
            && key.public_hex() == *public
        {
            eprintln!("using {}, the key run {} is signed with", place.display(), run.id);
            return Ok(key);
        }
    }
    let found = match given {
        Ok(key) => format!("{} is key {}", path.display(), key.fingerprint()),
        Err(e) => e.to_string(),
    };
    Err(bad_input(anyhow!(
        "run {} is signed with key {}; {found}, and it is not at {} either; give the run's key with --key \
         (a demo's key is in its output folder, demo-key/tenderbench.key)",
        run.id,
        tb_audit::fingerprint(public),
        KEY_PLACES.join(" or ")
    )))
}

async fn record<T: Serialize>(t: &Target<'_>, store: &Store, kind: &str, payload: &T) -> Result<(), Failure> {
    let key = run_key(&store.run(t.run_id).await?, t.key)?;
    let mut chain = tb_audit::Chain::resume(t.run_id, store.audit_head(t.run_id).await?.as_ref());
    let entry = chain.append(kind, payload, &tb_store::now_rfc3339());
    store.append_audit(&[entry]).await?;
    let previous = tb_bundle::last_signed_report(store, t.run_id).await?;
    // The run's reports are regenerated in place; the ones they replace are kept.
    let dir = t.out.join(t.run_id);
    if let Some(kept) = keep_earlier_reports(&dir)? {
        eprintln!("the earlier reports are kept in {}", kept.display());
    }
    write_outputs(store, t.run_id, &dir, t.lang, Some(&key), previous).await?;
    crate::commands::print_written(&dir);
    Ok(())
}

/// Moves the report files of `dir` into `dir/versions/N/` (N counting up
/// from 1), before a committee input writes them again; the audit log's
/// `report_regraded` entry names the replaced report's hash.
fn keep_earlier_reports(dir: &Path) -> Result<Option<std::path::PathBuf>, Failure> {
    const REPORT_FILES: [&str; 5] = ["report.json", "report.json.sig", "report.html", "results.csv", "scores.csv"];
    if !dir.join("report.json").exists() {
        return Ok(None);
    }
    let versions = dir.join("versions");
    let n = std::fs::read_dir(&versions).map(|d| d.flatten().count()).unwrap_or(0) + 1;
    let kept = versions.join(n.to_string());
    std::fs::create_dir_all(&kept).with_context(|| format!("cannot create {}", kept.display()))?;
    for f in REPORT_FILES {
        let from = dir.join(f);
        if from.exists() {
            std::fs::rename(&from, kept.join(f)).with_context(|| format!("cannot move {}", from.display()))?;
        }
    }
    Ok(Some(kept))
}

pub async fn evaluate(
    t: Target<'_>,
    evaluator: &str,
    criterion: &str,
    vendor: &str,
    score: f64,
    note: Option<String>,
) -> Result<ExitCode, Failure> {
    let store = open_existing(t.db).await?;
    let run = store.run(t.run_id).await?;
    let spec = tb_report::spec_of(&run)?;
    let Some(c) = spec.criteria.iter().find(|c| c.id == criterion) else {
        let subjective: Vec<&str> = spec.criteria.iter().filter(|c| c.is_subjective()).map(|c| c.id.as_str()).collect();
        return Err(bad_input(anyhow!(
            "run {} has no criterion {criterion:?} (subjective criteria: {})",
            run.id,
            if subjective.is_empty() { "none".to_string() } else { subjective.join(", ") }
        )));
    };
    if !c.is_subjective() {
        return Err(bad_input(anyhow!(
            "criterion {criterion} is graded by {} on its suite; evaluators score only subjective criteria (grader \"evaluators\")",
            c.grader
        )));
    }
    if !(0.0..=100.0).contains(&score) {
        return Err(bad_input(anyhow!("score {score} is outside 0–100")));
    }
    let evaluator = evaluator.trim();
    if evaluator.is_empty() {
        return Err(bad_input(anyhow!("--evaluator needs a name")));
    }
    let vendor = vendor_name(&run, &spec, vendor)?;
    let entry = EvaluatorScore {
        evaluator: evaluator.to_string(),
        criterion: criterion.to_string(),
        vendor: vendor.clone(),
        score,
        note,
    };
    record(&t, &store, EVALUATOR_SCORE, &entry).await?;
    let inputs = tb_report::committee::CommitteeInputs::from_audit(&store.audit(t.run_id).await?);
    println!("recorded: {evaluator} scores {criterion} of {} at {score}", shown(&run, &vendor));
    let panel = inputs.panels.get(criterion).cloned().unwrap_or_default();
    for v in &spec.vendors {
        let (scores, complete) = inputs.scores_of(criterion, &v.name);
        if !complete {
            let missing: Vec<&str> = panel.iter().filter(|e| !scores.contains_key(*e)).map(String::as_str).collect();
            println!("  {}: awaiting {}", shown(&run, &v.name), missing.join(", "));
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn justify(t: Target<'_>, vendor: &str, accepted: bool, note: Option<String>) -> Result<ExitCode, Failure> {
    let store = open_existing(t.db).await?;
    let run = store.run(t.run_id).await?;
    let spec = tb_report::spec_of(&run)?;
    let vendor = vendor_name(&run, &spec, vendor)?;
    let entry = PriceJustification { vendor: vendor.clone(), accepted, note };
    record(&t, &store, PRICE_JUSTIFICATION, &entry).await?;
    let report = tb_report::build(&store, t.run_id).await?;
    let flagged = spec
        .vendors
        .iter()
        .position(|v| v.name == vendor)
        .and_then(|i| report.vendors.get(i))
        .is_some_and(|v| v.abnormally_low);
    let name = shown(&run, &vendor);
    println!("recorded: the price justification of {name} is {}", if accepted { "accepted" } else { "rejected" });
    if !flagged {
        println!("  note: {name}'s price is not flagged as abnormally low now; the decision changes no score");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// One answer of one cell, graded on one criterion.
pub struct CellRef {
    pub criterion: String,
    pub vendor: String,
    pub suite: String,
    pub case_id: String,
    pub repeat: u32,
}

pub async fn review(t: Target<'_>) -> Result<ExitCode, Failure> {
    let store = open_existing(t.db).await?;
    let run = store.run(t.run_id).await?;
    let items = tb_report::review::queue(&store, t.run_id).await?;
    for i in &items {
        let done = i.graded.as_ref().map_or(String::new(), |o| {
            format!("  [graded {} by {}: {}]", if o.correct { "correct" } else { "wrong" }, o.evaluator, o.reason)
        });
        let answer: String = i.answer.chars().take(160).collect();
        println!(
            "{}  {}  --suite {} --case {} --repeat {}  {}{}{done}\n    {answer:?}",
            i.criterion,
            shown(&run, &i.vendor),
            i.suite,
            i.case_id,
            i.repeat,
            i.reading,
            i.extracted.as_deref().map_or(String::new(), |e| format!(" ({e})")),
        );
    }
    let open = items.iter().filter(|i| i.graded.is_none()).count();
    println!(
        "{} answers in review, {open} not graded yet; grade one with `tenderbench override {} --criterion … --vendor … \
         --suite … --case … --correct|--wrong --reason … --evaluator …`",
        items.len(),
        t.run_id
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn override_grade(
    t: Target<'_>,
    evaluator: &str,
    cell: CellRef,
    correct: bool,
    reason: &str,
) -> Result<ExitCode, Failure> {
    let store = open_existing(t.db).await?;
    let run = store.run(t.run_id).await?;
    let spec = tb_report::spec_of(&run)?;
    let (evaluator, reason) = (evaluator.trim(), reason.trim());
    if evaluator.is_empty() {
        return Err(bad_input(anyhow!("--evaluator needs a name")));
    }
    if reason.is_empty() {
        return Err(bad_input(anyhow!("--reason needs the reason: what the answer committed to, as you read it")));
    }
    let vendor = vendor_name(&run, &spec, &cell.vendor)?;
    let stored = store
        .case_cells(t.run_id, &cell.suite, &cell.case_id)
        .await?
        .into_iter()
        .find(|c| c.vendor == vendor && c.repeat == cell.repeat)
        .ok_or_else(|| {
            bad_input(anyhow!(
                "run {} has no answer of {} to case {:?} of suite {:?} (repeat {})",
                run.id,
                cell.vendor,
                cell.case_id,
                cell.suite,
                cell.repeat
            ))
        })?;
    let graded = tb_report::grade_cell(&spec, stored);
    let Some((_, grade)) = graded.grades.iter().find(|(c, _)| *c == cell.criterion) else {
        return Err(bad_input(anyhow!("criterion {:?} does not grade suite {:?}", cell.criterion, cell.suite)));
    };
    if !tb_report::review::in_review(&spec, &cell.criterion, grade) {
        return Err(bad_input(anyhow!(
            "the rules read this answer ({}); only answers they left undecided or ambiguous, or a judge read, are graded by hand",
            grade.extracted.as_deref().unwrap_or("a decided grade")
        )));
    }
    let entry = GradeOverride {
        evaluator: evaluator.to_string(),
        criterion: cell.criterion.clone(),
        vendor: vendor.clone(),
        suite: cell.suite.clone(),
        case_id: cell.case_id.clone(),
        repeat: cell.repeat,
        correct,
        reason: reason.to_string(),
    };
    record(&t, &store, GRADE_OVERRIDE, &entry).await?;
    println!(
        "recorded: {evaluator} grades {} of {} on case {} {}: {}",
        cell.criterion,
        shown(&run, &vendor),
        cell.case_id,
        if correct { "correct" } else { "wrong" },
        reason
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
