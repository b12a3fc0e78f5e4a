//! `tenderbench`: the command line. Parses flags, then glues the libraries
//! together; the work lives in the `tb-*` crates.
//!
//! Exit status: 0 done; 1 failed; 2 bad input (spec, suite, flags);
//! 3 `verify`: everything verified but a sealed suite's commitment, which
//! the bundle holds no reveal to check; 130 interrupted (resume with `--resume RUN_ID`).

/// `println!` and `print!` that end the program with a message when standard
/// output is closed (`tenderbench verify B | head -1`), instead of panicking.
/// Defined before the modules, so that theirs are these.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            crate::stdout_failed(e)
        }
    }};
}

macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($arg)*).and_then(|_| std::io::stdout().flush()) {
            crate::stdout_failed(e)
        }
    }};
}

/// Standard output cannot be written: say so, and end with status 1.
fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        eprintln!("error: standard output was closed before everything was written");
    } else {
        eprintln!("error: cannot write to standard output: {e}");
    }
    std::process::exit(1)
}

mod commands;
mod committee;
mod contract;
mod contract_probe;
mod contract_report;
mod demo;
mod integrity;
mod plan;
mod progress;
mod suites;

use std::path::PathBuf;

use std::process::ExitCode;
use tb_store::DbLocation;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "tenderbench", version, about = "Proof-of-concept evaluation for public procurement of AI services")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Html,
    Json,
    Csv,
    Md,
    /// The evaluation report (评标报告) the committee signs, as an editable Word document.
    Docx,
    /// The evaluation report (评标报告) as a PDF (needs a font with Chinese characters).
    Pdf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

impl LangArg {
    pub fn lang(self) -> tb_report::Lang {
        match self {
            LangArg::Zh => tb_report::Lang::Zh,
            LangArg::En => tb_report::Lang::En,
        }
    }
}

/// A stored run that a command re-renders and signs.
#[derive(clap::Args)]
struct StoredRunArgs {
    /// The run (`tenderbench runs` lists them).
    run_id: String,
    /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
    #[arg(long, default_value = "tenderbench.db")]
    db: DbLocation,
    /// Where the reports are written again: OUT/<run-id>/ (the replaced ones kept in versions/).
    #[arg(long, default_value = "tenderbench-out")]
    out: PathBuf,
    /// The key the run is signed with (the demo's is in its output folder, demo-key/).
    #[arg(long, default_value = "tenderbench.key")]
    key: PathBuf,
    /// The language of the reports.
    #[arg(long, value_enum, default_value = "zh")]
    lang: LangArg,
}

impl StoredRunArgs {
    fn target(&self) -> committee::Target<'_> {
        committee::Target { run_id: &self.run_id, db: &self.db, out: &self.out, key: &self.key, lang: self.lang }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Rehearse a tender against simulated vendors (the built-in example when no SPEC is given).
    Demo {
        spec: Option<PathBuf>,
        /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
        #[arg(long, default_value = "tenderbench.db")]
        db: DbLocation,
        #[arg(long, default_value = "tenderbench-out")]
        out: PathBuf,
        /// The language of the reports.
        #[arg(long, value_enum, default_value = "zh")]
        lang: LangArg,
        /// Signing key (default: OUT/demo-key/tenderbench.key, created when missing).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Add the local real model (scripts/local-vendor start) as a fourth vendor, marked as not a bidder.
        #[arg(long)]
        real: bool,
        /// Where the local model answers.
        #[arg(long, env = "TENDERBENCH_LOCAL_VENDOR_URL", default_value = "http://127.0.0.1:8090/v1")]
        real_url: String,
        /// Rehearse on the first N cases of each suite (default with --real: 30; a 135M model on one thread is slow).
        #[arg(long)]
        cases: Option<usize>,
        /// The simulated vendors' profiles, in spec order, cycling (`tenderbench mock-vendor --list` shows them;
        /// e.g. queueing,rate-limit-100,degraded for a load tender).
        #[arg(long, value_delimiter = ',', default_values_t = demo::DEMO_PROFILES.map(String::from))]
        profiles: Vec<String>,
    },
    /// Run a tender spec against the vendors it names.
    Run {
        /// The tender spec (TOML).
        spec: PathBuf,
        /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
        #[arg(long, default_value = "tenderbench.db")]
        db: DbLocation,
        /// Reports go to OUT/<run-id>/.
        #[arg(long, default_value = "tenderbench-out")]
        out: PathBuf,
        /// Continue an interrupted run: cells already stored are not sent again.
        #[arg(long, value_name = "RUN_ID")]
        resume: Option<String>,
        /// The language of the reports.
        #[arg(long, value_enum, default_value = "zh")]
        lang: LangArg,
        /// Signing key for checkpoints and reports (default: ./tenderbench.key when it exists).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Queue the cells in the PostgreSQL store for `tenderbench worker` processes and follow the run.
        #[arg(long)]
        distributed: bool,
        /// A sealed suite's seal file, when it is not beside the suite or named in the spec (repeatable).
        #[arg(long, value_name = "FILE")]
        seal: Vec<PathBuf>,
    },
    /// Execute the cells of distributed runs from a PostgreSQL store's queue, until stopped (Ctrl-C, SIGTERM).
    Worker {
        /// The PostgreSQL store (`postgres://user@host:5432/db`).
        #[arg(long)]
        db: DbLocation,
        /// Cells in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// What it executes beside chat cells: code (sandbox), agent (episodes), judge (judge models).
        #[arg(long, value_delimiter = ',', default_values_t = [tb_core::Capability::Code, tb_core::Capability::Agent, tb_core::Capability::Judge])]
        capabilities: Vec<tb_core::Capability>,
        /// Seconds a lease lasts without a heartbeat: a worker that died gives its cells up after this long.
        #[arg(long, default_value_t = 30.0)]
        lease_secs: f64,
    },
    /// Write a new Ed25519 signing key pair (tenderbench.key, mode 0600, and tenderbench.pub).
    Keygen {
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Export a run as one evidence bundle (.tar.gz) for auditors.
    Export {
        /// The run (`tenderbench runs` lists them).
        run_id: String,
        /// Where to write the bundle (.tar.gz).
        #[arg(long)]
        bundle: PathBuf,
        /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
        #[arg(long, default_value = "tenderbench.db")]
        db: DbLocation,
        #[arg(long, default_value = "tenderbench.key")]
        key: PathBuf,
        /// Include a sealed suite's reveal (its seal file), so verify checks the commitment.
        #[arg(long)]
        reveal: Vec<PathBuf>,
    },
    /// Seal a hidden suite: print the commitment to publish in the tender; keep SUITE.seal.json secret until reveal.
    Seal {
        /// The suite file.
        suite: PathBuf,
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Plant a unique canary string in every line first, so a leaked copy can be recognised.
        #[arg(long)]
        canary: bool,
    },
    /// Reveal a sealed suite after scoring: check it against its seal and print what to publish.
    Reveal {
        /// The seal file `tenderbench seal` wrote (SUITE.seal.json).
        seal: PathBuf,
    },
    /// Check a revealed suite against the commitment published in the tender.
    VerifySeal {
        /// The suite file.
        suite: PathBuf,
        /// The commitment published in the tender.
        #[arg(long)]
        commitment: String,
        /// The salt published at the reveal.
        #[arg(long)]
        salt: String,
    },
    /// After scoring is final, open a blind run's sealed vendor ↔ code mapping; outputs then show names.
    RevealMapping(StoredRunArgs),
    /// Verify an evidence bundle offline: hashes, chain, signatures, and every number recomputed.
    Verify {
        /// Where to write the bundle (.tar.gz).
        bundle: PathBuf,
        /// The signing key's published fingerprint; verification fails for any other key.
        #[arg(long)]
        expect_key: Option<String>,
    },
    /// An evaluator's score (0–100) of one bidder on a subjective criterion; the reports are rendered and signed again.
    Evaluate {
        #[command(flatten)]
        run: StoredRunArgs,
        /// The evaluator's name, as the audit log and the 评标报告 record it.
        #[arg(long)]
        evaluator: String,
        /// The criterion id, as in the spec.
        #[arg(long)]
        criterion: String,
        /// The bidder's name (or its code in a blind run).
        #[arg(long)]
        vendor: String,
        /// The score, from 0 to 100.
        #[arg(long)]
        score: f64,
        /// A remark kept with the input in the audit log.
        #[arg(long)]
        note: Option<String>,
    },
    /// The committee's decision on a bidder's written justification of an abnormally low price.
    Justify {
        #[command(flatten)]
        run: StoredRunArgs,
        /// The bidder's name (or its code in a blind run).
        #[arg(long)]
        vendor: String,
        /// The justification is accepted: the bid stays valid.
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        accept: bool,
        /// The justification is not accepted: the bid is invalid.
        #[arg(long)]
        reject: bool,
        /// A remark kept with the input in the audit log.
        #[arg(long)]
        note: Option<String>,
    },
    /// The review queue: every answer the rules left undecided or ambiguous (or a judge read), to grade by hand.
    Review {
        #[command(flatten)]
        run: StoredRunArgs,
    },
    /// An evaluator's grade of one answer from the review queue, with the reason; the reports are rendered and signed again.
    Override {
        #[command(flatten)]
        run: StoredRunArgs,
        /// The evaluator's name, as the audit log and the 评标报告 record it.
        #[arg(long)]
        evaluator: String,
        /// The criterion id, as in the spec.
        #[arg(long)]
        criterion: String,
        /// The bidder's name (or its code in a blind run).
        #[arg(long)]
        vendor: String,
        /// The case's suite.
        #[arg(long)]
        suite: String,
        /// The case.
        #[arg(long = "case")]
        case_id: String,
        /// Which sample of the case (0 without repeats).
        #[arg(long, default_value_t = 0)]
        repeat: u32,
        /// The answer is right.
        #[arg(long, conflicts_with = "wrong", required_unless_present = "wrong")]
        correct: bool,
        /// The answer is wrong.
        #[arg(long)]
        wrong: bool,
        /// Why: what the answer committed to, as the evaluator reads it.
        #[arg(long)]
        reason: String,
    },
    /// Re-grade and re-score a stored run from its transcripts (no vendor is called); the audit log keeps both reports.
    Regrade(StoredRunArgs),
    /// Before bidding: the smallest accuracy difference each criterion's suite can detect, and the cases a target difference needs.
    Plan {
        /// The tender spec (TOML).
        spec: PathBuf,
        /// Chance of detecting a real difference of that size.
        #[arg(long, default_value_t = 0.8)]
        power: f64,
        /// Accuracy the vendors are expected near.
        #[arg(long, default_value_t = 0.8)]
        baseline: f64,
        /// The difference (fraction) to size the suites for.
        #[arg(long, default_value_t = 0.05)]
        target: f64,
    },
    /// Before bidding: the technical requirements and scoring rules as a chapter for the tender document (Markdown); reports later cite its SHA-256.
    Publish {
        /// The tender spec (TOML).
        spec: PathBuf,
        /// The language of the reports.
        #[arg(long, value_enum, default_value = "zh")]
        lang: LangArg,
        /// Write here instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Validate a spec and its suites and probe each vendor, without running the suites.
    Check {
        /// The tender spec (TOML).
        spec: PathBuf,
    },
    /// Render a stored run again.
    Report {
        /// The run (`tenderbench runs` lists them).
        run_id: String,
        /// html, json, csv, md: the report; docx, pdf: the evaluation report (评标报告) the committee signs.
        #[arg(long, value_enum, default_value = "html")]
        format: Format,
        /// The run's exported evidence bundle: the evaluation report cites its SHA-256 (docx, pdf).
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// The language of the reports.
        #[arg(long, value_enum, default_value = "zh")]
        lang: LangArg,
        /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
        #[arg(long, default_value = "tenderbench.db")]
        db: DbLocation,
        /// Write here instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// List the runs in a store.
    Runs {
        /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
        #[arg(long, default_value = "tenderbench.db")]
        db: DbLocation,
    },
    /// Convert and validate suites: CSV or Excel tables, BIPIA, BFCL, or any suite format, into native JSONL; or count a suite.
    #[command(subcommand)]
    Suite(SuiteCommand),
    /// Serve the multi-user server: the HTTP API (/api/openapi.json), the dashboard, /healthz and /metrics.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
        #[arg(long)]
        db: Option<DbLocation>,
        /// Where tenders' files and the signing key are kept.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// A TOML config file (keys: listen, db, data_dir, key, secure_cookies, log_format, max_upload_bytes,
        /// report_refresh_secs); TENDERBENCH_* variables override it, flags override both.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Accounts of the server.
    #[command(subcommand)]
    User(UserCommand),
    /// After the award: the contract against the signed POC baseline (docs/contracts.md).
    #[command(subcommand)]
    Contract(ContractCommand),
    /// Serve a simulated OpenAI-compatible vendor.
    MockVendor {
        #[arg(long, default_value_t = 8000)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// strong | average | weak | fixed20ms | flaky | rate-limited | throttled | server-error | truncated | garbage | hang
        #[arg(long, default_value = "average")]
        profile: String,
        /// Answer the cases of every suite of this spec.
        #[arg(long, conflicts_with = "suite")]
        spec: Option<PathBuf>,
        /// Answer the cases of this suite file (repeatable).
        #[arg(long)]
        suite: Vec<PathBuf>,
        /// Format of --suite files.
        #[arg(long, default_value = "jsonl")]
        format: String,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Override the profile's probability of a correct answer.
        #[arg(long)]
        accuracy: Option<f64>,
        /// Override the profile's latency: fixed milliseconds.
        #[arg(long)]
        latency_ms: Option<f64>,
    },
}

#[derive(Subcommand)]
pub enum ContractCommand {
    /// Write a contract file from the awarded bidder's signed POC report (default terms to edit).
    Init {
        /// The POC run's signed report.json (its report.json.sig beside it).
        #[arg(long)]
        report: PathBuf,
        /// The awarded bidder, by its name in the POC.
        #[arg(long)]
        vendor: String,
        /// The contract's number.
        #[arg(long)]
        id: String,
        /// First day of the contract period (YYYY-MM-DD).
        #[arg(long)]
        start: String,
        /// Last day of the contract period (YYYY-MM-DD).
        #[arg(long)]
        end: String,
        /// The monthly fee (元), which service credits are a share of.
        #[arg(long)]
        monthly_fee: Option<f64>,
        /// Where to write the contract.
        #[arg(short, long, default_value = "contract.toml")]
        out: PathBuf,
    },
    /// Check a contract file: its terms, the calibrated alarms and how soon each catches its change.
    Check { contract: PathBuf },
    /// The acceptance test (验收): a signed acceptance run judged against the POC, criterion by criterion.
    Accept {
        contract: PathBuf,
        /// The acceptance run's signed report.json.
        #[arg(long)]
        report: PathBuf,
        /// Sign acceptance.json with this key (acceptance.json.sig).
        #[arg(long)]
        key: Option<PathBuf>,
        #[arg(short, long, default_value = "acceptance.json")]
        out: PathBuf,
    },
    /// One monitoring probe: a signed run of the contract's criteria on a fresh rotated draw from the
    /// POC's suites, and the served model's fingerprint; the record is appended to --probes and new alarms printed.
    Probe {
        contract: PathBuf,
        /// The POC's tender spec (the bidder's endpoint, the suites that are the pools).
        #[arg(long)]
        spec: PathBuf,
        /// The probe records (JSON lines), appended to.
        #[arg(long, default_value = "probes.jsonl")]
        probes: PathBuf,
        /// The probe's day (YYYY-MM-DD): the month it is accounted in.
        #[arg(long)]
        day: String,
        /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
        #[arg(long, default_value = "tenderbench.db")]
        db: DbLocation,
        /// Where the probe runs' reports go.
        #[arg(long, default_value = "contract-probes")]
        out: PathBuf,
        /// The buyer's signing key: every probe is a signed run.
        #[arg(long)]
        key: Option<PathBuf>,
        /// POST each new alarm as JSON to this URL (docs/contracts.md, "Alerts").
        #[arg(long)]
        webhook: Option<String>,
        /// Queue the probe's cells for `tenderbench worker`s on the PostgreSQL store.
        #[arg(long)]
        distributed: bool,
        /// A tenderbench server holding the contract (`POST /api/contracts`): the record is appended there too.
        #[arg(long)]
        server: Option<String>,
        /// The buyer's API token for --server.
        #[arg(long, env = "TENDERBENCH_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// The signed monthly performance report (履约报告), JSON and HTML, from the probe records and their signed runs.
    Report {
        contract: PathBuf,
        #[arg(long, default_value = "probes.jsonl")]
        probes: PathBuf,
        /// The month (YYYY-MM).
        #[arg(long)]
        month: String,
        /// Where the probe runs' reports are (`contract probe --out`).
        #[arg(long, default_value = "contract-probes")]
        runs: PathBuf,
        #[arg(long, value_enum, default_value = "zh")]
        lang: LangArg,
        /// The buyer's signing key.
        #[arg(long, default_value = "tenderbench.key")]
        key: PathBuf,
        #[arg(short, long, default_value = ".")]
        out: PathBuf,
        /// Also as an editable Word document.
        #[arg(long)]
        docx: bool,
        /// Also as a PDF (needs a font with Chinese characters, as the 评标报告 does).
        #[arg(long)]
        pdf: bool,
    },
    /// Recompute a performance report from the contract, the probe records and the probes' signed reports.
    Verify {
        report: PathBuf,
        #[arg(long)]
        contract: PathBuf,
        #[arg(long, default_value = "probes.jsonl")]
        probes: PathBuf,
        #[arg(long, default_value = "contract-probes")]
        runs: PathBuf,
    },
    /// Replay the probe records (JSON lines): alarms, the time line, the months' service levels and credits.
    Monitor {
        contract: PathBuf,
        /// The probe records, one JSON object a line.
        #[arg(long)]
        probes: PathBuf,
        #[arg(short, long, default_value = "monitor.json")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from TENDERBENCH_PASSWORD or the first line of standard input.
    Add {
        name: String,
        /// admin | buyer | evaluator | vendor | auditor
        #[arg(long)]
        role: String,
        /// The bidder's name in the tender specs (vendor accounts).
        #[arg(long)]
        vendor: Option<String>,
        /// The store: an SQLite file, or a PostgreSQL database (`postgres://user@host:5432/db`).
        #[arg(long, default_value = "tenderbench.db")]
        db: DbLocation,
    },
    /// List the accounts.
    List {
        #[arg(long, default_value = "tenderbench.db")]
        db: DbLocation,
    },
}

#[derive(Subcommand)]
enum SuiteCommand {
    /// Convert INPUT into a native JSONL suite; a malformed row is reported with its row number and nothing is written.
    Import {
        input: PathBuf,
        /// csv | xlsx | bipia (INPUT is the folder) | bfcl (INPUT is the folder, with --category) | a suite format
        #[arg(long)]
        from: String,
        #[arg(long)]
        out: PathBuf,
        /// Which column holds a field, for csv and xlsx: FIELD=COLUMN (fields: id, prompt, system, answer, subject, language, expect, A-F).
        #[arg(long)]
        map: Vec<String>,
        /// The Excel sheet (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// The BFCL category (simple_python, parallel, irrelevance, …).
        #[arg(long)]
        category: Option<String>,
        /// Keep only the first N cases.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Count a suite's cases per subject, language and answer type.
    Stats {
        /// The suite file.
        suite: PathBuf,
        #[arg(long, default_value = "jsonl")]
        format: String,
    },
}

/// An error with the exit status it maps to.
pub struct Failure {
    pub status: u8,
    pub error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure { status: 1, error: e.into() }
    }
}

pub fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure { status: 2, error: error.into() }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread serves a run best (see ARCHITECTURE.md); a simulated vendor
    // under a load stage needs every core to keep its tokens on time.
    let runtime = if matches!(cli.command, Command::MockVendor { .. } | Command::Serve { .. }) {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo { spec, db, out, lang, key, real, real_url, cases, profiles } => {
                let real = real.then_some(real_url);
                demo::demo(spec, &db, &out, lang, key, demo::Rehearsal { real, cases, profiles }).await
            }
            Command::Run { spec, db, out, resume, lang, key, distributed, seal } => {
                if distributed {
                    commands::run_distributed(&spec, &db, &out, resume, lang, key, seal).await
                } else {
                    commands::run(&spec, &db, &out, resume, lang, key, seal).await
                }
            }
            Command::Worker { db, concurrency, capabilities, lease_secs } => {
                commands::worker(&db, concurrency, capabilities, lease_secs).await
            }
            Command::Keygen { dir } => integrity::keygen(&dir),
            Command::Export { run_id, bundle, db, key, reveal } => {
                integrity::export(&run_id, &bundle, &db, &key, &reveal).await
            }
            Command::RevealMapping(a) => integrity::reveal_mapping(&a.run_id, &a.db, &a.out, &a.key, a.lang).await,
            Command::Seal { suite, format, canary } => integrity::seal(&suite, &format, canary),
            Command::Reveal { seal } => integrity::reveal(&seal),
            Command::VerifySeal { suite, commitment, salt } => integrity::verify_seal(&suite, &commitment, &salt),
            Command::Verify { bundle, expect_key } => integrity::verify(&bundle, expect_key.as_deref()).await,
            Command::Regrade(a) => integrity::regrade(&a.run_id, &a.db, &a.out, &a.key, a.lang).await,
            Command::Evaluate { run, evaluator, criterion, vendor, score, note } => {
                committee::evaluate(run.target(), &evaluator, &criterion, &vendor, score, note).await
            }
            Command::Justify { run, vendor, accept, reject: _, note } => {
                committee::justify(run.target(), &vendor, accept, note).await
            }
            Command::Review { run } => committee::review(run.target()).await,
            Command::Override {
                run,
                evaluator,
                criterion,
                vendor,
                suite,
                case_id,
                repeat,
                correct,
                wrong: _,
                reason,
            } => {
                let cell = committee::CellRef { criterion, vendor, suite, case_id, repeat };
                committee::override_grade(run.target(), &evaluator, cell, correct, &reason).await
            }
            Command::Publish { spec, lang, out } => commands::publish(&spec, lang, out),
            Command::Check { spec } => commands::check(&spec).await,
            Command::Plan { spec, power, baseline, target } => {
                plan::plan(&spec, plan::PlanArgs { power, baseline, target }).await
            }
            Command::Report { run_id, format, lang, db, out, bundle } => {
                commands::report(&run_id, format, lang, &db, out, bundle).await
            }
            Command::Runs { db } => commands::runs(&db).await,
            Command::Suite(SuiteCommand::Import { input, from, out, map, sheet, category, limit }) => {
                suites::import(suites::ImportArgs { input, from, out, map, sheet, category, limit })
            }
            Command::Suite(SuiteCommand::Stats { suite, format }) => suites::stats(&suite, &format),
            Command::Serve { listen, db, data_dir, config } => commands::serve(listen, db, data_dir, config).await,
            Command::User(UserCommand::Add { name, role, vendor, db }) => {
                commands::user_add(name, role, vendor, &db).await
            }
            Command::User(UserCommand::List { db }) => commands::user_list(&db).await,
            Command::Contract(command) => contract::dispatch(command).await,
            Command::MockVendor { port, host, profile, spec, suite, format, seed, accuracy, latency_ms } => {
                commands::mock_vendor(port, &host, &profile, spec, suite, &format, seed, accuracy, latency_ms).await
            }
        }
    });
    // Request tasks may still hold sockets; don't wait for them.
    runtime.shutdown_background();
    match result {
        Ok(code) => code,
        Err(Failure { status, error }) => {
            eprintln!("error: {error:#}");
            ExitCode::from(status)
        }
    }
}
