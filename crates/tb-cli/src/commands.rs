//! The subcommands other than `demo`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use tb_audit::Keypair;
use tb_core::Message;
use tb_mock::{CaseIndex, MockVendor, Profile};
use tb_report::Report;
use tb_runner::RunOptions;
use tb_spec::Spec;
use tb_store::{DbLocation, RunStatus, Store};
use tb_suite::{SuiteFormat, SuiteReader};
use tb_vendor::Generation;
use tokio::sync::watch;

use crate::progress::TermProgress;
use crate::{Failure, Format, LangArg, bad_input};

/// Exit status of an interrupted run.
const INTERRUPTED: u8 = 130;

pub fn load_spec(path: &Path) -> Result<Spec, Failure> {
    tb_spec::load(path).map_err(|errs| {
        let n = errs.0.len();
        bad_input(anyhow!("{errs}\n{n} error{} in the spec; nothing was run", if n == 1 { "" } else { "s" }))
    })
}

/// `publish`: the rules chapter, to standard output or a file; its SHA-256 on standard error.
pub fn publish(spec_path: &Path, lang: LangArg, out: Option<PathBuf>) -> Result<ExitCode, Failure> {
    let spec = load_spec(spec_path)?;
    let text = tb_report::render_rules(&spec, lang.lang());
    match &out {
        Some(path) => std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    eprintln!(
        "rules chapter sha256 {} — publish it with the tender; every report of this spec states it (published_rules)",
        tb_audit::sha256_hex(text.as_bytes())
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs a validated spec, then writes its reports. Shared by `run` and `demo`.
/// Runs a spec and writes its reports. `spec_path` is what a resume names
/// (the demo's built-in spec has none).
pub async fn execute(
    spec: &Spec,
    spec_path: Option<&Path>,
    db: &DbLocation,
    out: &Path,
    opts: RunOptions,
    lang: LangArg,
) -> Result<ExitCode, Failure> {
    let key = opts.key.clone();
    let store = Store::open(db).await?;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let stop = tokio::select! {
            r = tokio::signal::ctrl_c() => r.is_ok(),
            _ = terminated => true,
        };
        if stop {
            eprintln!(
                "\ninterrupted: finishing the requests in flight and the store writes (press Ctrl-C again to quit at once)"
            );
            let _ = cancel_tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(INTERRUPTED.into());
            }
        }
    });
    let resuming = opts.resume.is_some();
    let summary = match tb_runner::run(spec, &store, opts, Arc::new(TermProgress::new()), cancel_rx).await {
        Ok(s) => s,
        Err(e) if e.is_bad_input() => return Err(bad_input(e)),
        Err(e) => return Err(e.into()),
    };
    eprintln!(
        "run {}: {} cells stored now{}, {} in all{}",
        summary.run_id,
        summary.stored_now.saturating_sub(summary.stage_requests),
        if resuming { format!(", {} from before", summary.skipped) } else { String::new() },
        summary.total,
        if summary.stage_requests > 0 {
            format!("; load stages: {} requests, each stored and graded", summary.stage_requests)
        } else {
            String::new()
        }
    );
    if summary.status != RunStatus::Finished {
        match spec_path {
            Some(p) => eprintln!(
                "run {} interrupted; continue it with: tenderbench run {} --resume {}",
                summary.run_id,
                p.display(),
                summary.run_id
            ),
            None => eprintln!("run {} interrupted (a rehearsal: start the demo again)", summary.run_id),
        }
        store.close().await;
        return Ok(ExitCode::from(INTERRUPTED));
    }
    finish(&store, &summary.run_id, out, lang, key.as_deref()).await
}

/// After a finished run: writes and signs its reports, prints the ranking, closes the store.
async fn finish(
    store: &Store,
    run_id: &str,
    out: &Path,
    lang: LangArg,
    key: Option<&Keypair>,
) -> Result<ExitCode, Failure> {
    let dir = out.join(run_id);
    let report = write_outputs(store, run_id, &dir, lang, key, None).await?;
    print_ranking(&report);
    print_stages(&report);
    print_written(&dir);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Replaces every suite the criteria use by a copy in `dir` of the lines
/// `choose(suite id, line count)` picks (see [`tb_probe::subset_suites`]).
pub fn subset_suites(spec: &mut Spec, dir: &Path, choose: impl Fn(&str, usize) -> Vec<usize>) -> Result<(), Failure> {
    tb_probe::subset_suites(spec, dir, choose).map_err(probe_failure)
}

/// A probe's error with its exit status: the contract and spec not fitting is the user's input.
pub fn probe_failure(e: tb_probe::ProbeError) -> Failure {
    match e {
        tb_probe::ProbeError::Mismatch(_) => bad_input(e),
        tb_probe::ProbeError::Io(e) => Failure::from(e),
    }
}

/// Writes results.csv, report.json and report.html into `dir`, in one pass
/// over the cells; with a key, signs report.json (report.json.sig) and records
/// the signature in the audit log.
pub async fn write_outputs(
    store: &Store,
    run_id: &str,
    dir: &Path,
    lang: LangArg,
    key: Option<&Keypair>,
    replaces: Option<String>,
) -> Result<Report, Failure> {
    Ok(tb_bundle::write_run_outputs(store, run_id, dir, lang.lang(), key, replaces).await?)
}

fn pad(s: &str, width: usize) -> String {
    // CJK characters take two columns on a terminal.
    let cols: usize = s.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(cols)))
}

pub fn print_ranking(r: &Report) {
    if r.simulated {
        println!("*** {} ***", tb_report::SIMULATED_NOTICE_EN);
    }
    println!("{} — {}", r.tender.id, r.tender.title);
    let width = r.vendors.iter().map(|v| v.name.chars().count() + 2).max().unwrap_or(6).max(8);
    println!(
        "{}  {}  {:>15}  {:>9}  {:>7}  {:>7}  criteria (value [95% CI])",
        pad("rank", 10),
        pad("vendor", width),
        "bid",
        "technical",
        "price",
        "total"
    );
    let mut order: Vec<_> = r.vendors.iter().collect();
    order.sort_by_key(|v| v.rank.unwrap_or(u32::MAX));
    for v in order {
        let rank = v.rank.map_or("not ranked".to_string(), |n| n.to_string());
        let crit: Vec<String> = v
            .criteria
            .iter()
            .map(|c| {
                if c.pending {
                    return format!("{} pending (evaluators' scores)", c.id);
                }
                format!(
                    "{} {:.1}% [{:.1}–{:.1}]{}",
                    c.id,
                    c.value * 100.0,
                    c.ci_low * 100.0,
                    c.ci_high * 100.0,
                    if c.gate_passed == Some(false) { " GATE FAILED" } else { "" }
                )
            })
            .collect();
        println!(
            "{}  {}  {:>15}  {:>9}  {:>7}  {:>7}  {}{}",
            pad(&rank, 10),
            pad(&v.name, width),
            tb_report::present::money(v.bid_price, tb_report::Lang::En),
            if v.evaluation_pending { "pending".to_string() } else { format!("{:.2}", v.technical_score) },
            v.price_score.map_or("—".into(), |x| format!("{x:.2}")),
            v.total_score.map_or("—".into(), |x| format!("{x:.2}")),
            crit.join("; "),
            [
                v.abnormally_low.then_some("  [abnormally low bid]".to_string()),
                v.ranked_by_lot.then_some("  [placed by lot]".to_string()),
                v.invalid_reason.as_ref().map(|r| format!("  [not valid: {}]", r.replace('_', " "))),
            ]
            .into_iter()
            .flatten()
            .collect::<String>()
        );
    }
    println!("{}", verdict_line(r));
}

/// The folder of a run's reports and the files in it.
pub fn print_written(dir: &Path) {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten().filter(|e| e.path().is_file()).map(|e| e.file_name().to_string_lossy().into_owned()).collect()
        })
        .unwrap_or_default();
    files.sort();
    println!("reports: {} ({})", dir.display(), files.join(", "));
}

/// One line naming the outcome: the bidder ranked first, and who is
/// statistically tied with it; or why nobody is ranked yet.
fn verdict_line(r: &Report) -> String {
    if r.vendors.iter().any(|v| v.evaluation_pending) {
        return "not ranked yet: the evaluators' scores are pending (tenderbench evaluate RUN …)".into();
    }
    let Some(first) = r.ranking.first().and_then(|n| r.vendors.iter().find(|v| &v.name == n)) else {
        return "no valid bid: nobody is ranked".into();
    };
    let mut line =
        format!("ranked first: {} (total {})", first.name, first.total_score.map_or("—".into(), |t| format!("{t:.2}")));
    let tied: Vec<&str> = match first.tie_band {
        Some(band) => r
            .vendors
            .iter()
            .filter(|v| v.name != first.name && v.tie_band == Some(band))
            .map(|v| v.name.as_str())
            .collect(),
        None => Vec::new(),
    };
    if tied.is_empty() {
        line.push_str("; no other bid is statistically tied with it");
    } else {
        line.push_str(&format!(
            "; statistically tied with {} (tie band {}): the difference is within chance",
            tied.join(", "),
            first.tie_band.unwrap_or(0)
        ));
    }
    line
}

/// A stage's load in words, for the terminal.
pub fn arrival_text(arrival: tb_spec::Arrival) -> String {
    match arrival {
        tb_spec::Arrival::Concurrency(n) => format!("{n} in flight"),
        tb_spec::Arrival::Rate(r) => format!("Poisson arrivals at {r} requests/s"),
    }
}

/// Each load stage's service levels, a line per vendor.
pub fn print_stages(r: &Report) {
    let ms = |e: Option<tb_report::Estimate>| e.map_or("—".to_string(), |e| format!("{:.0}", e.value));
    for s in &r.stages {
        println!("load stage {} ({}):", s.id, arrival_text(s.arrival));
        println!(
            "  {:<24} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9} {:>9}  accuracy",
            "vendor", "offered", "thruput", "goodput", "avail", "ttft p95", "itl p95", "e2e p95"
        );
        for v in &s.vendors {
            println!(
                "  {:<24} {:>8.1} {:>8.1} {:>8.1} {:>6.1}% {:>9} {:>9} {:>9}  {:.1}%{}",
                v.name,
                v.offered_rps,
                v.throughput_rps,
                v.goodput_rps,
                v.availability * 100.0,
                ms(v.ttft_ms.p95),
                ms(v.itl_ms.p95),
                ms(v.latency_ms.p95),
                v.accuracy * 100.0,
                match (v.accuracy_dropped, v.baseline_accuracy) {
                    (true, Some(b)) => format!("  DROP from {:.1}% at low load", b * 100.0),
                    _ => String::new(),
                }
            );
        }
    }
}

/// The signing key `run` uses: the one given, or ./tenderbench.key when it exists.
fn run_key(key: Option<PathBuf>) -> Result<Option<Arc<Keypair>>, Failure> {
    Ok(match key {
        Some(path) => Some(Arc::new(Keypair::load(&path).map_err(bad_input)?)),
        None if Path::new(tb_audit::PRIVATE_KEY_FILE).exists() => {
            Some(Arc::new(Keypair::load(Path::new(tb_audit::PRIVATE_KEY_FILE)).map_err(bad_input)?))
        }
        None => {
            eprintln!(
                "note: no signing key (create one with `tenderbench keygen`): checkpoints and reports stay unsigned"
            );
            None
        }
    })
}

pub async fn run(
    spec_path: &Path,
    db: &DbLocation,
    out: &Path,
    resume: Option<String>,
    lang: LangArg,
    key: Option<PathBuf>,
    seals: Vec<PathBuf>,
) -> Result<ExitCode, Failure> {
    let spec = load_spec(spec_path)?;
    let key = run_key(key)?;
    // On the command line a sealed suite is checked against its seal, or the run does not start.
    let seals = tb_runner::Seals { files: seals, required: true };
    let journal = Some(out.join("journal"));
    let opts = RunOptions { resume, simulated: false, key, egress: None, seals, journal };
    execute(&spec, Some(spec_path), db, out, opts, lang).await
}

/// `run --distributed`: queues the cells for workers, follows the run, then writes the reports as `run` does.
pub async fn run_distributed(
    spec_path: &Path,
    db: &DbLocation,
    out: &Path,
    resume: Option<String>,
    lang: LangArg,
    key: Option<PathBuf>,
    seals: Vec<PathBuf>,
) -> Result<ExitCode, Failure> {
    let spec = load_spec(spec_path)?;
    let key = run_key(key)?;
    let store = Store::open(db).await?;
    let seals = tb_runner::Seals { files: seals, required: true };
    // Workers store their cells themselves: the queue, not a journal, bounds what a kill loses.
    let opts = RunOptions { resume, simulated: false, key: key.clone(), egress: None, seals, journal: None };
    let (run_id, total) = tb_runner::distributed::enqueue(&spec, &store, opts)
        .await
        .map_err(|e| if e.is_bad_input() { bad_input(e) } else { Failure::from(e) })?;
    eprintln!("{total} cells of run {run_id} queued for workers (`tenderbench worker --db …` on any host)");
    let (cancel_tx, cancel_rx) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: the workers stop taking this run's cells; resume with --distributed --resume");
            let _ = cancel_tx.send(true);
        }
    });
    let summary =
        tb_runner::distributed::follow(&spec, &store, &run_id, key.clone(), Arc::new(TermProgress::new()), cancel_rx)
            .await?;
    if summary.status != RunStatus::Finished {
        eprintln!("run {run_id} interrupted; continue it with: tenderbench run <SPEC> --distributed --resume {run_id}");
        store.close().await;
        return Ok(ExitCode::from(INTERRUPTED));
    }
    finish(&store, &run_id, out, lang, key.as_deref()).await
}

/// `worker`: executes queued cells until Ctrl-C or SIGTERM, then finishes the ones in flight.
pub async fn worker(
    db: &DbLocation,
    concurrency: usize,
    capabilities: Vec<tb_core::Capability>,
    lease_secs: f64,
) -> Result<ExitCode, Failure> {
    if !(lease_secs >= 1.0 && lease_secs.is_finite()) || concurrency == 0 {
        return Err(bad_input(anyhow!("--lease-secs must be at least 1 and --concurrency at least 1")));
    }
    let store = Store::open(db).await?;
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "host".into());
    let id = format!("{host}-{}-{:04x}", std::process::id(), rand::random::<u16>());
    let mut caps = vec![tb_core::Capability::Chat];
    caps.extend(capabilities.into_iter().filter(|c| *c != tb_core::Capability::Chat));
    let opts = tb_runner::distributed::WorkerOptions {
        id: id.clone(),
        host,
        concurrency,
        capabilities: caps,
        lease: Duration::from_secs_f64(lease_secs),
        idle: Duration::from_millis(200),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
        eprintln!("worker stopping: finishing the cells in flight");
        let _ = stop_tx.send(true);
    });
    eprintln!("worker {id}: {concurrency} at a time, on {}", store.backend_name());
    let done = tb_runner::distributed::work(store.clone(), opts, stop_rx).await?;
    eprintln!("worker {id}: {done} cells stored");
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn check(spec_path: &Path) -> Result<ExitCode, Failure> {
    let spec = load_spec(spec_path)?;
    println!("spec {}: valid (hash {})", spec_path.display(), spec.canonical_hash());
    let suites = tb_runner::check_suites(&spec).await.map_err(bad_input)?;
    for s in &suites {
        println!("suite {}: {} cases, sha256 {}", s.id, s.cases, s.sha256);
    }
    for c in spec.criteria.iter().filter(|c| !c.is_subjective() && c.sla.is_none()) {
        let cases = suites.iter().find(|s| s.id == c.suite).map_or(0, |s| s.cases);
        for w in crate::plan::gate_warnings(c, cases) {
            println!("warning: {w}");
        }
    }
    let mut failed = 0;
    for v in &spec.vendors {
        match probe(v).await {
            Ok(lines) => {
                println!("vendor {}: ok", v.name);
                for l in lines {
                    println!("  {l}");
                }
            }
            Err(e) => {
                failed += 1;
                println!("vendor {}: FAILED: {e:#}", v.name);
            }
        }
    }
    if failed > 0 {
        return Err(anyhow!("{failed} of {} vendors failed the probe", spec.vendors.len()).into());
    }
    Ok(ExitCode::SUCCESS)
}

/// Reachable, model listed, answers without and with streaming.
async fn probe(v: &tb_spec::VendorSpec) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut plain = v.clone();
    plain.stream = false;
    plain.max_retries = 0;
    let client = tb_runner::vendor_client(&plain)?;
    match client.list_models().await {
        Ok(models) if models.iter().any(|m| m == &v.model) => lines.push(format!("model {} is listed", v.model)),
        Ok(models) if models.is_empty() => lines.push("GET /models lists nothing; model not confirmed".into()),
        Ok(models) => return Err(anyhow!("model {:?} is not among the listed models: {}", v.model, models.join(", "))),
        Err(e) => lines.push(format!("{e}; model not confirmed")),
    }
    let ping = [Message::user("请回复“好”。Reply with OK.")];
    let g = Generation { temperature: 0.0, max_tokens: 16 };
    let (outcome, stats) = client.chat(&ping, None, g).await;
    match outcome {
        tb_core::Outcome::Answered(a) => lines.push(format!(
            "answers ({:.0} ms{})",
            stats.latency_ms,
            if a.usage.is_some() { ", reports usage" } else { ", no usage reported" }
        )),
        tb_core::Outcome::Failed(f) => {
            return Err(anyhow!("chat completion failed: {} ({})", f.detail, f.cause.code()));
        }
    }
    if v.stream {
        let mut streaming = plain;
        streaming.stream = true;
        let client = tb_runner::vendor_client(&streaming)?;
        let (outcome, stats) = client.chat(&ping, None, g).await;
        match outcome {
            tb_core::Outcome::Answered(a) => lines.push(format!(
                "streams (TTFT {} ms, finish_reason {}{})",
                stats.ttft_ms.map_or("?".into(), |t| format!("{t:.0}")),
                a.finish_reason.unwrap_or_else(|| "none".into()),
                if a.usage.is_some() { ", reports usage" } else { ", no usage in stream" }
            )),
            tb_core::Outcome::Failed(f) => return Err(anyhow!("streaming failed: {} ({})", f.detail, f.cause.code())),
        }
    }
    Ok(lines)
}

pub async fn report(
    run_id: &str,
    format: Format,
    lang: LangArg,
    db: &DbLocation,
    out: Option<PathBuf>,
    bundle: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    if db.is_missing_file() {
        return Err(bad_input(anyhow!("no store at {db} (give --db PATH)")));
    }
    let store = Store::open(db).await?;
    if matches!(format, Format::Docx | Format::Pdf) {
        return evaluation_report(&store, run_id, format, lang, out, bundle).await;
    }
    let text = match format {
        Format::Docx | Format::Pdf => unreachable!("written above"),
        Format::Csv => {
            match &out {
                Some(p) => {
                    let mut f = std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?;
                    f.write_all(tb_report::CSV_BOM).with_context(|| format!("cannot write {}", p.display()))?;
                    tb_report::write_csv(&store, run_id, f, &p.display().to_string()).await?;
                }
                None => {
                    tb_report::write_csv(&store, run_id, std::io::BufWriter::new(std::io::stdout()), "standard output")
                        .await?;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        Format::Json => tb_report::render_json(&tb_report::build(&store, run_id).await?),
        Format::Html => tb_report::render_html(&tb_report::build(&store, run_id).await?, lang.lang())?,
        Format::Md => tb_report::render_markdown(&tb_report::build(&store, run_id).await?, lang.lang()),
    };
    match out {
        Some(p) => std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?,
        None => println!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `report --format docx|pdf`: the evaluation report (评标报告), written to
/// `--out` or to `<RUN>-评标报告.<ext>` (`-evaluation-report` in English).
async fn evaluation_report(
    store: &Store,
    run_id: &str,
    format: Format,
    lang: LangArg,
    out: Option<PathBuf>,
    bundle: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    let bundle_sha256 = match &bundle {
        Some(p) => Some(tb_audit::sha256_hex(
            &std::fs::read(p).with_context(|| format!("cannot read the bundle {}", p.display())).map_err(bad_input)?,
        )),
        None => None,
    };
    let dossier = tb_dossier::build(store, run_id, lang.lang(), bundle_sha256.as_deref()).await?;
    let (bytes, ext) = match format {
        Format::Pdf => {
            let font =
                tb_dossier::pdf::find_font(&dossier.text()).map_err(|e| Failure { status: 1, error: e.into() })?;
            (tb_dossier::pdf::render(&dossier, &font)?, "pdf")
        }
        _ => (tb_dossier::docx::render(&dossier)?, "docx"),
    };
    // The file is named by the catalog's term, spaces made hyphens.
    let title = tb_report::present::term("evaluation_report", lang.lang()).replace(' ', "-");
    let name = format!("{run_id}-{title}.{ext}");
    let path = out.unwrap_or_else(|| PathBuf::from(name));
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

pub async fn runs(db: &DbLocation) -> Result<ExitCode, Failure> {
    if db.is_missing_file() {
        return Err(bad_input(anyhow!("no store at {db} (give --db PATH)")));
    }
    let store = Store::open(db).await?;
    for r in store.runs().await? {
        let cells = store.count_cells(&r.id).await?;
        println!(
            "{}  {:<11}  {}  {} cells{}",
            r.id,
            r.status.as_str(),
            r.tender_id,
            cells,
            if r.simulated { "  (simulated vendors)" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads every case of the given suites into an index for a simulated vendor.
pub fn index_cases(suites: &[(PathBuf, SuiteFormat)]) -> Result<CaseIndex, Failure> {
    let mut index = CaseIndex::default();
    for (path, format) in suites {
        for case in SuiteReader::open(path, *format).map_err(bad_input)? {
            index.insert(&case.map_err(bad_input)?);
        }
    }
    Ok(index)
}

#[allow(clippy::too_many_arguments)]
pub async fn mock_vendor(
    port: u16,
    host: &str,
    profile: &str,
    spec: Option<PathBuf>,
    suite: Vec<PathBuf>,
    format: &str,
    seed: u64,
    accuracy: Option<f64>,
    latency_ms: Option<f64>,
) -> Result<ExitCode, Failure> {
    let mut p = Profile::named(profile).ok_or_else(|| {
        let names: Vec<_> = Profile::catalogue().into_iter().map(|(n, what)| format!("  {n}: {what}")).collect();
        bad_input(anyhow!("unknown profile {profile:?}; profiles:\n{}", names.join("\n")))
    })?;
    if let Some(a) = accuracy {
        if !(0.0..=1.0).contains(&a) {
            return Err(bad_input(anyhow!("--accuracy must be between 0 and 1")));
        }
        p.accuracy = a;
    }
    if let Some(ms) = latency_ms {
        p.latency_ms = tb_mock::profile::Range::fixed(ms);
        p.ttft_ms = tb_mock::profile::Range::fixed(ms);
    }
    let suites: Vec<(PathBuf, SuiteFormat)> = match spec {
        Some(path) => {
            load_spec(&path)?.used_suites().map(|s| s.readable()).collect::<Result<_, _>>().map_err(crate::bad_input)?
        }
        None => {
            let f = SuiteFormat::from_name(format).ok_or_else(|| {
                bad_input(anyhow!("unknown --format {format:?}; expected one of: {}", SuiteFormat::names().join(", ")))
            })?;
            suite.into_iter().map(|s| (s, f)).collect()
        }
    };
    let index = index_cases(&suites)?;
    let listener =
        tokio::net::TcpListener::bind((host, port)).await.with_context(|| format!("cannot listen on {host}:{port}"))?;
    let addr = listener.local_addr()?;
    let mock = MockVendor::new(p, seed, Arc::new(index));
    println!("simulated vendor (profile {profile}, model {}) at http://{addr}/v1", mock.model());
    mock.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    // Give in-flight streams a moment; the process is exiting anyway.
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(ExitCode::SUCCESS)
}

/// `serve`: the config file, then TENDERBENCH_* variables, then flags.
pub async fn serve(
    listen: Option<String>,
    db: Option<DbLocation>,
    data_dir: Option<PathBuf>,
    config: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    let mut config = tb_server::Config::load(config.as_deref()).map_err(bad_input)?;
    if let Some(v) = listen {
        config.listen = v;
    }
    if let Some(v) = db {
        config.db = v;
    }
    if let Some(v) = data_dir {
        config.data_dir = v;
    }
    tb_server::init_logs(&config.log_format);
    tb_server::serve(config).await?;
    Ok(ExitCode::SUCCESS)
}

/// `user add`: the password from TENDERBENCH_PASSWORD, or standard input's first line.
pub async fn user_add(
    name: String,
    role: String,
    vendor: Option<String>,
    db: &DbLocation,
) -> Result<ExitCode, Failure> {
    let password = match std::env::var("TENDERBENCH_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let store = Store::open(db).await?;
    let new = tb_server::api::NewUser { name, password, role, vendor };
    let user = tb_server::api::create_account(&store, new).await.map_err(|e| bad_input(anyhow!(e.message)))?;
    println!("account {} ({}) created", user.name, user.role);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn user_list(db: &DbLocation) -> Result<ExitCode, Failure> {
    let store = Store::open(db).await?;
    for u in store.users().await? {
        println!("{}\t{}\t{}\t{}", u.name, u.role, u.vendor.unwrap_or_default(), u.created_at);
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
