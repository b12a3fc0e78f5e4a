//! The run loop.
//!
//! [`run`] sends every (case × vendor × repeat) cell of a validated spec to its
//! vendor and stores each result as soon as it arrives:
//!
//! - vendors run in parallel, each with at most `concurrency` requests in flight
//!   (a semaphore per vendor);
//! - suites are streamed from disk by a blocking reader thread through a bounded
//!   channel, so memory does not grow with suite size;
//! - results go to a single writer task that commits them in batches, one
//!   transaction per batch, keyed so a cell can never be stored twice;
//! - on resume, the digests of stored cells are loaded first and those cells are
//!   never sent again;
//! - a vendor error is an outcome stored on its cell; only a broken store, an
//!   unreadable suite or a changed spec stops a run;
//! - cancellation (Ctrl-C) aborts in-flight requests, flushes what finished and
//!   marks the run interrupted.
//!
//! The runner knows nothing of grading, scoring or reports.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tb_audit::{Chain, Checkpoint, Keypair, MerkleAccumulator};
pub use tb_core::SuiteRecord;
use tb_core::{Case, CellKey, Outcome};
use tb_spec::{Spec, VendorSpec};
use tb_store::{CellRecord, Evidence, RunRecord, RunStatus, Store, StoreError, now_rfc3339};
use tb_suite::{CaseFile, SuiteError};
use tb_vendor::{Endpoint, Generation, RetryPolicy, VendorClient, VendorError};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinSet;

pub mod distributed;
pub mod load;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error(transparent)]
    Vendor(#[from] VendorError),
    #[error(
        "run {run_id} was started with spec hash {stored}, but this spec hashes to {now}: resume only with the spec the run started with"
    )]
    SpecChanged { run_id: String, stored: String, now: String },
    #[error(
        "suite {suite} changed since run {run_id} started (sha256 {stored} → {now}): resume only with the same suite files"
    )]
    SuiteChanged { run_id: String, suite: String, stored: String, now: String },
    #[error("run {run_id} was started with another signing key (or none): resume with the key it started with")]
    KeyChanged { run_id: String },
    #[error("sealed suite {suite}: {problem}")]
    Sealed { suite: String, problem: String },
    #[error("run {0} has already finished; nothing to resume")]
    AlreadyFinished(String),
    #[error(
        "vendor {vendor}: the worst case costs {worst_case:.2} ({cases} calls × {max_tokens} max_tokens at the quoted output \
         price), above the budget of {budget:.2} per vendor; raise [run] budget_per_vendor, lower max_tokens, or send fewer cases"
    )]
    OverBudget { vendor: String, worst_case: f64, cases: u64, max_tokens: u32, budget: f64 },
    #[error("vendor {0}: [run] budget_per_vendor needs the vendor's price_per_mtok_output to know what a call costs")]
    BudgetWithoutPrice(String),
    #[error(
        "the code grader needs a sandbox, and {0}. Install bubblewrap (Debian: apt install bubblewrap), or accept \
         the weaker rlimit-only mode with `isolation = \"rlimit_only\"` under [sandbox] in the spec"
    )]
    Sandbox(String),
    #[error("[agent] tool_server: {0}")]
    ToolServer(String),
    #[error("this spec cannot run on workers: {0}")]
    NotDistributable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl RunError {
    /// The spec, its suites or the flags are at fault (exit status 2, `invalid_spec`), not the run.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            RunError::Suite(_)
                | RunError::SpecChanged { .. }
                | RunError::SuiteChanged { .. }
                | RunError::Sealed { .. }
                | RunError::OverBudget { .. }
                | RunError::BudgetWithoutPrice(_)
                | RunError::NotDistributable(_)
        )
    }
}

/// Graders that act when a cell is answered (see `tb_grade::Grader::acts_at_run_time`):
/// for each suite, the criteria whose grader must run now.
struct Acting {
    by_suite: HashMap<String, Vec<tb_spec::Criterion>>,
    /// Agent suites, with the criteria their episodes' verdict is stored under.
    agent_suites: HashMap<String, Vec<String>>,
    agent_resources: tb_agent::Resources,
    agent_budget: tb_agent::Budget,
    /// Serves the environments' tools to platforms (`[agent] tool_server`).
    tool_server: Option<tb_agent::tool_server::ToolServer>,
    sandbox: Option<Arc<tb_sandbox::Sandbox>>,
    /// Judge clients by judge id, and their models.
    judges: HashMap<String, (Arc<VendorClient>, String)>,
    generation: Generation,
}

impl Acting {
    fn new(spec: &Spec, egress: Option<&Arc<tb_vendor::egress::EgressPolicy>>) -> Result<Self, RunError> {
        let mut by_suite: HashMap<String, Vec<_>> = HashMap::new();
        for c in &spec.criteria {
            // A refusal criterion that names a judge asks it, instead of the patterns deciding.
            if tb_grade::by_name(&c.grader).is_some_and(|g| g.acts_at_run_time()) || c.judge.is_some() {
                by_suite.entry(c.suite.clone()).or_default().push(c.clone());
            }
        }
        let mut judges = HashMap::new();
        for j in &spec.judges {
            let client = vendor_client_within(&j.endpoint, egress).map_err(RunError::Vendor)?;
            judges.insert(j.id.clone(), (Arc::new(client), j.endpoint.model.clone()));
        }
        // Judges grade at temperature 0, with room for a short reason.
        let generation = Generation { temperature: 0.0, max_tokens: 256 };
        let sandbox = if spec.runs_code() {
            let s = &spec.sandbox;
            let isolation = match s.isolation.as_str() {
                "rlimit_only" => tb_sandbox::Isolation::RlimitOnly,
                _ => tb_sandbox::Isolation::Bubblewrap,
            };
            let limits = tb_sandbox::Limits {
                cpu_seconds: s.cpu_seconds,
                wall_ms: (s.wall_seconds * 1000.0) as u64,
                memory_bytes: s.memory_mb << 20,
                ..tb_sandbox::Limits::default()
            };
            let sandbox = tb_sandbox::Sandbox::new(isolation, limits, s.workers as usize)
                .map_err(|e| RunError::Sandbox(e.to_string()))?;
            Some(Arc::new(sandbox))
        } else {
            None
        };
        let mut agent_suites: HashMap<String, Vec<String>> = HashMap::new();
        for c in spec.criteria.iter().filter(|c| c.grader == tb_spec::AGENT || c.grader == tb_spec::AGENT_SAFETY) {
            agent_suites.entry(c.suite.clone()).or_default().push(c.id.clone());
        }
        let agent_resources = tb_agent::Resources {
            sandbox: sandbox.clone(),
            rust_sysroot: if agent_suites.is_empty() { None } else { tb_sandbox::Sandbox::rust_sysroot() },
        };
        let agent_budget = spec.agent.budget;
        Ok(Acting {
            by_suite,
            agent_suites,
            agent_resources,
            agent_budget,
            tool_server: None,
            sandbox,
            judges,
            generation,
        })
    }

    /// Sends one cell: a single chat, or for an agent suite a whole episode.
    /// Returns the cell's outcome, its stats and the acting graders' verdicts.
    async fn send(
        &self,
        client: &VendorClient,
        suite: &str,
        case: &Arc<Case>,
        g: Generation,
    ) -> (Outcome, tb_core::CallStats, Option<String>, Option<tb_core::Usage>) {
        let Some(criteria) = self.agent_suites.get(suite) else {
            let (outcome, stats) = client.chat(&case.messages, case.tools.as_ref(), g).await;
            let verdicts = self.verdicts(suite, case, &outcome).await;
            let usage = match &outcome {
                Outcome::Answered(a) => a.usage,
                Outcome::Failed(_) => None,
            };
            return (outcome, stats, verdicts, usage);
        };
        let task = match tb_agent::Task::of_case(case) {
            Ok(t) => t,
            Err(e) => {
                // The suite reader built the case from a task, so this is a bug, not a vendor's failure.
                let failure = tb_core::Failure { cause: tb_core::FailureCause::InvalidResponse, detail: e };
                return (Outcome::Failed(failure), tb_core::CallStats::default(), None, None);
            }
        };
        let (resources, budget) = (&self.agent_resources, self.agent_budget);
        let episode = if client.agent().is_some() {
            // An API whose responses name no conversation (FastGPT's chatId)
            // is given one of ours, the same for every turn of the episode.
            let ours = client
                .agent()
                .filter(|a| a.conversation_path.is_none())
                .map(|_| format!("tenderbench-{:016x}", rand::random::<u64>()));
            let (ws, env_error) = tb_agent::episode::Workspace::new(&task, resources);
            let ws = Arc::new(std::sync::Mutex::new(ws));
            // Registered for the episode only: its URL stops working when it ends.
            // Only a platform whose request carries `{{tools_url}}` can reach it.
            let reaches = client.agent().is_some_and(|a| a.request.to_string().contains("\"{{tools_url}}\""));
            let registration = self.tool_server.as_ref().filter(|_| reaches).map(|server| server.register(ws.clone()));
            let tools_url = registration.as_ref().map(|r| r.url.clone());
            let model = PlatformSession { client, conversation: std::sync::Mutex::new(ours), tools_url };
            tb_agent::episode::run_in(&task, case, &model, resources, budget, ws, env_error).await
        } else {
            let model = ChatModel { client, generation: g };
            tb_agent::episode::run(&task, case, &model, resources, budget).await
        };
        let verdict = serde_json::to_value(&episode.verdict).expect("a verdict always serializes");
        let verdicts: serde_json::Map<String, serde_json::Value> =
            criteria.iter().map(|id| (id.clone(), verdict.clone())).collect();
        let usage = tb_core::Usage {
            prompt_tokens: episode.verdict.prompt_tokens,
            completion_tokens: episode.verdict.completion_tokens,
        };
        (episode.outcome, episode.stats, Some(serde_json::Value::Object(verdicts).to_string()), Some(usage))
    }

    /// The verdicts of the suite's acting graders on one outcome, as stored JSON.
    async fn verdicts(&self, suite: &str, case: &Arc<Case>, outcome: &Outcome) -> Option<String> {
        let (Some(acting), Outcome::Answered(answer)) = (self.by_suite.get(suite), outcome) else { return None };
        let mut verdicts = serde_json::Map::new();
        for criterion in acting {
            let verdict = match (criterion.grader.as_str(), &self.sandbox) {
                ("code", Some(sandbox)) => {
                    let (sandbox, text, case) = (sandbox.clone(), answer.text.clone(), case.clone());
                    tokio::task::spawn_blocking(move || tb_grade::code::execute(&sandbox, &text, &case.gold))
                        .await
                        .map(|v| tb_grade::code::verdict_json(&v))
                        .unwrap_or_else(|e| serde_json::json!({ "outcome": "sandbox_error", "detail": e.to_string() }))
                }
                ("judge", _) | ("refusal", _) => self.judge(criterion, case, &answer.text).await,
                // A second opinion, only on what the rules leave undecided.
                ("choice" | "numeric", _) => {
                    let Some(grader) = tb_grade::by_name(&criterion.grader) else { continue };
                    let grade = grader.grade(&tb_grade::Response::text(&answer.text), &case.gold);
                    if !grade.note.as_deref().is_some_and(tb_grade::is_undecided) {
                        continue;
                    }
                    self.second_opinion(criterion, case, &answer.text).await
                }
                _ => continue,
            };
            verdicts.insert(criterion.id.clone(), verdict);
        }
        (!verdicts.is_empty()).then(|| serde_json::Value::Object(verdicts).to_string())
    }

    /// Asks the criterion's judge about one answer; the raw reply, or why
    /// there is none, is the verdict.
    async fn judge(&self, criterion: &tb_spec::Criterion, case: &Case, answer: &str) -> serde_json::Value {
        let id = criterion.judge.clone().unwrap_or_default();
        let Some((client, model)) = self.judges.get(&id) else {
            return serde_json::json!({ "judge": id, "error": "unknown_judge" });
        };
        let (rubric, reference) = if criterion.grader == "refusal" {
            (tb_grade::refusal::JUDGE_RUBRIC, None)
        } else {
            let rubric = case
                .gold
                .data
                .get("rubric")
                .and_then(|r| r.as_str())
                .or(criterion.rubric.as_deref())
                .unwrap_or("Is the answer correct, complete and appropriate for the question?");
            (rubric, Some(case.gold.answer.as_str()))
        };
        let token = format!("{:016x}", rand::random::<u64>());
        let messages = tb_grade::judge::request_messages(case.prompt(), answer, rubric, reference, &token);
        match client.chat(&messages, None, self.generation).await {
            (Outcome::Answered(a), stats) => serde_json::json!({
                "judge": id, "model": model, "raw": a.text, "latency_ms": stats.latency_ms,
            }),
            (Outcome::Failed(f), _) => serde_json::json!({
                "judge": id, "model": model, "error": f.cause.code(), "detail": f.detail,
            }),
        }
    }
}

impl Acting {
    /// Asks the criterion's judge which answer a response the rules could
    /// not read commits to; the raw reply, marked as a second opinion, is the verdict.
    async fn second_opinion(&self, criterion: &tb_spec::Criterion, case: &Case, answer: &str) -> serde_json::Value {
        let id = criterion.judge.clone().unwrap_or_default();
        let Some((client, model)) = self.judges.get(&id) else {
            return serde_json::json!({ "judge": id, "error": "unknown_judge", "second_opinion": true });
        };
        let kind = if criterion.grader == "numeric" {
            tb_grade::second_opinion::Kind::Numeric
        } else {
            let multi = case.gold.data.get("multi").and_then(|m| m.as_bool()).unwrap_or(case.gold.answer.len() > 1);
            tb_grade::second_opinion::Kind::Choice { multi }
        };
        let token = format!("{:016x}", rand::random::<u64>());
        let messages =
            tb_grade::second_opinion::request_messages(case.prompt(), &case.gold.options, answer, kind, &token);
        match client.chat(&messages, None, self.generation).await {
            (Outcome::Answered(a), stats) => serde_json::json!({
                "judge": id, "model": model, "raw": a.text, "latency_ms": stats.latency_ms, "second_opinion": true,
            }),
            (Outcome::Failed(f), _) => serde_json::json!({
                "judge": id, "model": model, "error": f.cause.code(), "detail": f.detail, "second_opinion": true,
            }),
        }
    }
}

/// An OpenAI-compatible vendor as the model of an agent episode.
struct ChatModel<'a> {
    client: &'a VendorClient,
    generation: Generation,
}

impl tb_agent::Model for ChatModel<'_> {
    async fn turn(&self, messages: &[tb_core::Message], tools: &serde_json::Value) -> (Outcome, tb_core::CallStats) {
        self.client.chat(messages, Some(tools), self.generation).await
    }
}

/// A black-box agent platform as the model of an episode: each turn sends
/// the newest user message in the platform's conversation, whose id the
/// first answer carries. The platform runs its own tools, so the simulated
/// environment is out of its reach.
struct PlatformSession<'a> {
    client: &'a VendorClient,
    conversation: std::sync::Mutex<Option<String>>,
    /// The episode's tool server URL: the platform can act on the environment.
    tools_url: Option<String>,
}

impl tb_agent::Model for PlatformSession<'_> {
    async fn turn(&self, messages: &[tb_core::Message], _tools: &serde_json::Value) -> (Outcome, tb_core::CallStats) {
        let message = messages.iter().rev().find(|m| m.role == "user").map_or("", |m| m.content.as_str());
        let conversation = self.conversation.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let turn = tb_vendor::AgentTurn {
            message,
            conversation: conversation.as_deref(),
            tools_url: self.tools_url.as_deref(),
        };
        let (outcome, stats) = self.client.agent_turn(turn).await;
        if let Some(api) = self.client.agent()
            && let Some(id) = tb_vendor::agent_conversation(api, &stats.response)
        {
            *self.conversation.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        }
        (outcome, stats)
    }

    fn black_box(&self) -> bool {
        self.tools_url.is_none()
    }
}

/// Receives progress as cells are stored. Implemented by the CLI (progress bars
/// or log lines); called from several tasks at once.
pub trait Progress: Send + Sync {
    /// The run is recorded in the store and requests are about to go out.
    fn run_started(&self, run_id: &str, resumed: bool);
    /// A vendor's work begins: `total` cells, `already` of them stored earlier.
    fn vendor_started(&self, vendor: &str, total: u64, already: u64);
    /// One cell was committed to the store (not called for load-stage requests).
    fn cell_stored(&self, vendor: &str, failed: bool);
    /// The stored cell's end-to-end latency and failure cause (for metrics).
    fn cell_measured(&self, _latency_ms: f64, _cause: Option<&str>) {}
    fn vendor_finished(&self, vendor: &str);
    /// A load stage begins for a vendor.
    fn stage_started(&self, _vendor: &str, _stage: &tb_spec::LoadStage) {}
    /// A load stage ended for a vendor after sending `requests`; `skipped`
    /// when a resumed run found it already run.
    fn stage_finished(&self, _vendor: &str, _stage: &str, _requests: u64, _skipped: bool) {}
}

/// Progress that goes nowhere (library use, tests).
pub struct NoProgress;

impl Progress for NoProgress {
    fn run_started(&self, _: &str, _: bool) {}
    fn vendor_started(&self, _: &str, _: u64, _: u64) {}
    fn cell_stored(&self, _: &str, _: bool) {}
    fn vendor_finished(&self, _: &str) {}
}

#[derive(Clone)]
pub struct RunOptions {
    /// Continue this run instead of starting a new one.
    pub resume: Option<String>,
    /// The vendors are simulated (the demo); recorded on the run.
    pub simulated: bool,
    /// Signs the run's audit checkpoints; its public key is recorded on the run.
    pub key: Option<Arc<Keypair>>,
    /// Where vendors and judges may be reached (a server's runs); `None`: anywhere.
    pub egress: Option<Arc<tb_vendor::egress::EgressPolicy>>,
    /// Where sealed suites' seals are, and whether a run may start without one.
    pub seals: Seals,
}

/// The seals a run checks its sealed suites against: besides the one the
/// spec names (`seal = "…"`) and the one beside the suite, these files.
#[derive(Debug, Clone, Default)]
pub struct Seals {
    pub files: Vec<PathBuf>,
    /// A sealed suite without a seal at hand refuses the run (the command
    /// line); otherwise it runs, recorded as unchecked (a server, which holds
    /// the commitment only).
    pub required: bool,
}

/// A signed checkpoint (Merkle root of the audit log so far) every this many entries.
pub const CHECKPOINT_EVERY: u64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub run_id: String,
    pub status: RunStatus,
    /// Cells stored by this invocation.
    pub stored_now: u64,
    /// Cells found stored from before (resume).
    pub skipped: u64,
    /// Cells the run has in all (its suites' cells; load stages' requests apart).
    pub total: u64,
    /// Requests the load stages sent in this invocation (stored as cells too).
    pub stage_requests: u64,
}

/// A blind run's mapping: a random code per vendor and a salt, so that the
/// logged commitment cannot be guessed from the vendor names alone.
pub fn blind_mapping(spec: &Spec) -> serde_json::Value {
    let mut codes = serde_json::Map::new();
    let mut used = HashSet::new();
    for v in &spec.vendors {
        let code = loop {
            let c = format!("V-{:04X}", rand::random::<u16>());
            if used.insert(c.clone()) {
                break c;
            }
        };
        codes.insert(v.name.clone(), code.into());
    }
    serde_json::json!({ "codes": codes, "salt": tb_audit::random_salt() })
}

/// How a vendor is shown in progress output: its code in a blind run.
fn shown_names(spec: &Spec, run: &RunRecord) -> HashMap<String, String> {
    let codes: serde_json::Value =
        run.blind_mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    spec.vendors
        .iter()
        .map(|v| {
            let shown = match codes["codes"][&v.name].as_str() {
                Some(code) if !run.blind_revealed => code.to_string(),
                _ => v.name.clone(),
            };
            (v.name.clone(), shown)
        })
        .collect()
}

/// A new, readable run id: UTC time plus random hex.
pub fn new_run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        rand::random::<u16>()
    )
}

/// Validates every suite the spec sends (each row parses, ids unique) and
/// returns their records. Runs on a blocking thread: it reads whole files.
pub async fn check_suites(spec: &Spec) -> Result<Vec<SuiteRecord>, RunError> {
    Ok(checked_suites(spec, &Seals::default()).await?.into_iter().map(|c| c.record).collect())
}

/// Where every case of a suite is in its file: (byte offset, length).
type LineIndex = Arc<Vec<(u64, u32)>>;

/// A checked suite: its record, the file its cases are read from (a table's
/// converted copy), that file's format, and where each case is in it.
struct Checked {
    record: SuiteRecord,
    path: PathBuf,
    format: tb_suite::SuiteFormat,
    lines: LineIndex,
}

/// [`check_suites`], keeping each suite's line index for sending cases in any order.
async fn checked_suites(spec: &Spec, seals: &Seals) -> Result<Vec<Checked>, RunError> {
    let suites: Vec<_> = spec.used_suites().cloned().collect();
    let seals = seals.clone();
    tokio::task::spawn_blocking(move || {
        suites
            .into_iter()
            .map(|s| {
                let (path, format) = s.readable()?;
                let mut summary = tb_suite::validate(&path, format)?;
                if s.format.is_table() {
                    // The record names the table the buyer holds, not its converted copy.
                    summary.sha256 = tb_suite::file_sha256(&s.resolved)?;
                }
                let seal_checked = match &s.commitment {
                    Some(c) => Some(check_seal(&s, c, &summary.sha256, &seals)?),
                    None => None,
                };
                let record = SuiteRecord {
                    id: s.id,
                    sha256: summary.sha256,
                    cases: summary.cases,
                    commitment: s.commitment,
                    seal_checked,
                };
                Ok(Checked { record, path, format, lines: Arc::new(summary.lines) })
            })
            .collect::<Result<Vec<_>, RunError>>()
    })
    .await
    .map_err(|e| RunError::Internal(format!("suite check task: {e}")))?
}

/// The seal file `tenderbench seal` writes beside a suite.
pub fn seal_path(suite: &std::path::Path) -> PathBuf {
    let mut name = suite.as_os_str().to_owned();
    name.push(".seal.json");
    PathBuf::from(name)
}

/// A sealed suite must still be the suite sealed. Its seal is looked for
/// where the spec names it, among the `--seal` files (by commitment), then
/// beside the suite. Found: checked, `true`. Not found: an error naming the
/// options where seals are required, else `false` (recorded as unchecked).
fn check_seal(s: &tb_spec::SuiteSpec, commitment: &str, sha256: &str, seals: &Seals) -> Result<bool, RunError> {
    let err = |problem: String| RunError::Sealed { suite: s.id.clone(), problem };
    let read = |file: &std::path::Path| -> Result<tb_audit::Seal, RunError> {
        let text = std::fs::read_to_string(file).map_err(|e| err(format!("{}: {e}", file.display())))?;
        serde_json::from_str(&text).map_err(|e| err(format!("{}: {e}", file.display())))
    };
    let mut found = None;
    if let Some(named) = &s.seal {
        let seal = read(named)?;
        if seal.commitment != commitment {
            return Err(err(format!("the spec's commitment is not the one in {}", named.display())));
        }
        found = Some((seal, named.clone()));
    }
    for file in &seals.files {
        if found.is_some() {
            break;
        }
        let seal = read(file)?;
        if seal.commitment == commitment {
            found = Some((seal, file.clone()));
        }
    }
    let beside = seal_path(&s.resolved);
    if found.is_none() && beside.is_file() {
        let seal = read(&beside)?;
        if seal.commitment != commitment {
            return Err(err(format!("the spec's commitment is not the one in {}", beside.display())));
        }
        found = Some((seal, beside));
    }
    match found {
        Some((seal, _)) if !seal.matches(sha256) => Err(err(format!(
            "the file changed since it was sealed (sealed sha256 {}, now {sha256})",
            seal.suite_sha256
        ))),
        Some(_) => Ok(true),
        None if seals.required => Err(err(format!(
            "it carries a commitment but no seal was found to check it against: put {} beside the suite, \
             give `--seal FILE`, or name it in the spec (`seal = \"…\"`)",
            seal_path(std::path::Path::new(&s.path)).display()
        ))),
        None => Ok(false),
    }
}

/// The client a load stage uses: no retries (a retry is load the stage did
/// not offer, and a refused request is what it measures) and a connection
/// pool as large as the stage needs.
fn load_client(
    v: &VendorSpec,
    egress: Option<&Arc<tb_vendor::egress::EgressPolicy>>,
) -> Result<VendorClient, VendorError> {
    vendor_client_within(&VendorSpec { max_retries: 0, concurrency: 4096, ..v.clone() }, egress)
}

/// Builds the HTTP client for one vendor, reading its API key from the environment.
pub fn vendor_client(v: &VendorSpec) -> Result<VendorClient, VendorError> {
    vendor_client_within(v, None)
}

/// As [`vendor_client`], connecting only where `egress` permits.
pub fn vendor_client_within(
    v: &VendorSpec,
    egress: Option<&Arc<tb_vendor::egress::EgressPolicy>>,
) -> Result<VendorClient, VendorError> {
    let ep = Endpoint {
        vendor: v.name.clone(),
        base_url: v.base_url.clone(),
        model: v.model.clone(),
        api_key: Endpoint::api_key_from_env(&v.name, v.api_key_env.as_deref())?,
        stream: v.stream,
        stream_usage: v.stream_usage,
        temperature_range: v.temperature_range,
        timeout: Duration::from_secs_f64(v.timeout_secs),
        retry: RetryPolicy { max_retries: v.max_retries, ..RetryPolicy::default() },
        agent: v.agent_api.clone(),
    };
    VendorClient::with_egress(ep, v.concurrency as usize, egress.cloned())
}

/// Runs (or resumes) a spec against its vendors. Returns when every cell is
/// stored, or when `cancel` turns true (the run is then marked interrupted).
pub async fn run(
    spec: &Spec,
    store: &Store,
    opts: RunOptions,
    progress: Arc<dyn Progress>,
    mut cancel: watch::Receiver<bool>,
) -> Result<RunSummary, RunError> {
    let checked = checked_suites(spec, &opts.seals).await?;
    check_budget(spec, checked.iter().map(|c| (c.record.id.as_str(), c.record.cases)))?;
    let mut acting = Acting::new(spec, opts.egress.as_ref())?;
    let platforms = spec.vendors.iter().any(|v| v.agent_api.is_some());
    if let (Some(listen), true, false) = (&spec.agent.tool_server, platforms, acting.agent_suites.is_empty()) {
        let server = tb_agent::tool_server::ToolServer::start(listen, spec.agent.tool_server_url.as_deref())
            .await
            .map_err(|e| RunError::ToolServer(format!("cannot listen on {listen}: {e}")))?;
        acting.tool_server = Some(server);
    }
    let acting = Arc::new(acting);
    let suites: Vec<SuiteRecord> = checked.iter().map(|c| c.record.clone()).collect();
    let clients: Vec<Arc<VendorClient>> = spec
        .vendors
        .iter()
        .map(|v| vendor_client_within(v, opts.egress.as_ref()).map(Arc::new))
        .collect::<Result<_, _>>()?;
    let spec_hash = spec.canonical_hash();

    let (run_id, chain) = open_run(spec, store, &opts, &suites, &spec_hash).await?;
    let mut merkle = MerkleAccumulator::default();
    for h in store.audit_hashes(&run_id).await? {
        merkle.push(&h);
    }

    progress.run_started(&run_id, opts.resume.is_some());
    let per_vendor_total: u64 = suites.iter().map(|s| s.cases).sum::<u64>() * spec.run.repeats as u64;
    let record = store.run(&run_id).await?;
    let shown = Arc::new(shown_names(spec, &record));
    let order_seed = record.order_seed.clone().unwrap_or_default();
    let (cell_tx, cell_rx) = mpsc::channel::<ToWriter>(4096);
    let log = AuditWriter { chain, merkle, key: opts.key.clone() };
    let writer = tokio::spawn(write_cells(store.clone(), cell_rx, log, progress.clone(), shown.clone()));

    let mut vendors = JoinSet::new();
    let mut skipped = 0u64;
    let mut spends: Vec<(String, Arc<Spend>)> = Vec::new();
    for (v, client) in spec.vendors.iter().zip(clients) {
        let done = if opts.resume.is_some() { store.finished_digests(&run_id, &v.name).await? } else { HashSet::new() };
        skipped += done.len() as u64;
        progress.vendor_started(&shown[&v.name], per_vendor_total, done.len() as u64);
        let job = VendorJob {
            run_id: run_id.clone(),
            vendor: v.name.clone(),
            shown: shown[&v.name].clone(),
            concurrency: v.concurrency as usize,
            suites: checked.iter().map(|c| (c.record.id.clone(), c.path.clone(), c.format, c.lines.clone())).collect(),
            order_seed: order_seed.clone(),
            repeats: spec.run.repeats,
            generation: Generation { temperature: spec.run.temperature, max_tokens: spec.run.max_tokens },
            done,
            client,
            cells: cell_tx.clone(),
            cancel: cancel.clone(),
            progress: progress.clone(),
            acting: acting.clone(),
            spend: spec.run.budget_per_vendor.map(|budget| {
                let spend = Arc::new(Spend {
                    budget,
                    per_mtok: (v.price_per_mtok_input.unwrap_or(0.0), v.price_per_mtok_output.unwrap_or(0.0)),
                    spent: std::sync::Mutex::new(0.0),
                });
                spends.push((v.name.clone(), spend.clone()));
                spend
            }),
        };
        vendors.spawn(job.run());
    }
    let stage_cells = cell_tx.clone();
    drop(cell_tx);

    let mut first_error = None;
    while let Some(joined) = vendors.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
                vendors.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                first_error.get_or_insert(RunError::Internal(format!("vendor task: {e}")));
            }
        }
    }
    let mut stage_requests = 0;
    if first_error.is_none() && !*cancel.borrow() && !spec.stages.is_empty() {
        let budgets: HashMap<String, Arc<Spend>> = spends.iter().cloned().collect();
        let stages = StageContext {
            run_id: &run_id,
            order_seed: &order_seed,
            checked: &checked,
            cells: &stage_cells,
            shown: &shown,
            egress: opts.egress.as_ref(),
        };
        match run_stages(spec, store, stages, &budgets, progress.as_ref(), &cancel).await {
            Ok(sent) => stage_requests = sent,
            Err(e) => first_error = Some(e),
        }
    }
    drop(stage_cells);
    let (stored_now, mut log) = writer.await.map_err(|e| RunError::Internal(format!("writer task: {e}")))??;
    let total = per_vendor_total * spec.vendors.len() as u64;
    let stored = store.count_cells(&run_id).await?;
    // A vendor stopped at its budget ends the run as finished: its missing
    // cells are a result (it is incomplete, so not qualified), not a reason to resume.
    let over_budget: Vec<String> = spends.iter().filter(|(_, s)| s.reached()).map(|(name, _)| name.clone()).collect();
    let all_there = stored == total || !over_budget.is_empty();
    let status = if first_error.is_none() && all_there && !*cancel.borrow_and_update() {
        RunStatus::Finished
    } else {
        RunStatus::Interrupted
    };
    let kind = if status == RunStatus::Finished { "run_finished" } else { "run_interrupted" };
    let mut closing = Vec::new();
    for (name, spend) in spends.iter().filter(|(_, s)| s.reached()) {
        let spent = *spend.spent.lock().unwrap_or_else(|e| e.into_inner());
        closing.push(log.append(
            "vendor_budget_reached",
            &serde_json::json!({ "vendor": name, "spent": spent, "budget": spend.budget }),
        ));
    }
    closing.push(log.append(kind, &serde_json::json!({ "cells_stored": stored, "cells_total": total })));
    closing.push(log.checkpoint());
    store.append_audit(&closing).await?;
    store.set_run_status(&run_id, status).await?;
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(RunSummary { run_id, status, stored_now, skipped, total, stage_requests })
}

/// Records a new run (its spec, suites, blind mapping and the `run_started`
/// entries), or checks that a resumed one matches the spec, suites and key
/// and logs `run_resumed`. Returns the run's id and its audit chain.
async fn open_run(
    spec: &Spec,
    store: &Store,
    opts: &RunOptions,
    suites: &[SuiteRecord],
    spec_hash: &str,
) -> Result<(String, Chain), RunError> {
    let spec_hash = spec_hash.to_string();
    let public_key = opts.key.as_ref().map(|k| k.public_hex());
    Ok(match &opts.resume {
        Some(id) => {
            let run = store.run(id).await?;
            if run.spec_hash != spec_hash {
                return Err(RunError::SpecChanged { run_id: id.clone(), stored: run.spec_hash, now: spec_hash });
            }
            let stored: Vec<SuiteRecord> = serde_json::from_str(&run.suites_json)
                .map_err(|e| RunError::Internal(format!("stored suites of run {id}: {e}")))?;
            for s in suites {
                if let Some(old) = stored.iter().find(|o| o.id == s.id)
                    && old.sha256 != s.sha256
                {
                    return Err(RunError::SuiteChanged {
                        run_id: id.clone(),
                        suite: s.id.clone(),
                        stored: old.sha256.clone(),
                        now: s.sha256.clone(),
                    });
                }
            }
            if run.status == RunStatus::Finished {
                return Err(RunError::AlreadyFinished(id.clone()));
            }
            if run.public_key != public_key {
                return Err(RunError::KeyChanged { run_id: id.clone() });
            }
            store.set_run_status(id, RunStatus::Running).await?;
            let mut chain = Chain::resume(id, store.audit_head(id).await?.as_ref());
            let resumed = chain.append("run_resumed", &serde_json::json!({ "spec_hash": spec_hash }), &now_rfc3339());
            store.append_audit(&[resumed]).await?;
            (id.clone(), chain)
        }
        None => {
            let id = new_run_id();
            let mapping = spec.run.blind.then(|| blind_mapping(spec));
            let order_seed = tb_audit::random_salt();
            store
                .create_run(&RunRecord {
                    id: id.clone(),
                    tender_id: spec.tender.id.clone(),
                    spec_hash: spec_hash.clone(),
                    spec_json: serde_json::to_string(spec).map_err(|e| RunError::Internal(e.to_string()))?,
                    suites_json: serde_json::to_string(&suites).map_err(|e| RunError::Internal(e.to_string()))?,
                    simulated: opts.simulated,
                    status: RunStatus::Running,
                    created_at: now_rfc3339(),
                    finished_at: None,
                    public_key: public_key.clone(),
                    blind_mapping: mapping.as_ref().map(tb_audit::canonical_json),
                    blind_revealed: false,
                    order_seed: Some(order_seed.clone()),
                })
                .await?;
            let mut chain = Chain::new(&id);
            let started = chain.append(
                "run_started",
                &serde_json::json!({
                    "tender_id": spec.tender.id,
                    "spec_hash": spec_hash,
                    "suites": suites,
                    "simulated": opts.simulated,
                    "public_key": public_key,
                    "order_seed_commitment": tb_audit::order_seed_commitment(&order_seed),
                }),
                &now_rfc3339(),
            );
            let mut entries = vec![started];
            if let Some(m) = &mapping {
                // Only the commitment is logged; `reveal-mapping` logs the mapping itself.
                let commitment = tb_audit::sha256_hex(tb_audit::canonical_json(m).as_bytes());
                entries.push(chain.append(
                    "blind_mapping_sealed",
                    &serde_json::json!({ "commitment": commitment }),
                    &now_rfc3339(),
                ));
            }
            store.append_audit(&entries).await?;
            (id, chain)
        }
    })
}

/// How long the writer waits for more cells before committing a batch. Each
/// commit costs a round trip to SQLite's thread and a WAL write; lingering
/// briefly turns thousands of tiny commits a second into a hundred. A cell
/// waits at most this long between its answer and its commit (and at most
/// `concurrency` cells of a vendor wait at once: see [`VendorJob::run`]).
const WRITE_LINGER: Duration = Duration::from_millis(5);
const WRITE_BATCH: usize = 512;
/// Cases the suite reader hands over at a time.
const CASE_BATCH: usize = 64;

/// The payload of a `cell_answered` audit entry.
#[derive(serde::Serialize)]
struct CellAnswered<'a> {
    case_id: &'a str,
    cell_sha256: String,
    repeat: u32,
    request_sha256: &'a str,
    response_sha256: &'a str,
    suite: &'a str,
    vendor: &'a str,
}

impl<'a> CellAnswered<'a> {
    fn of(cell: &'a CellRecord) -> Self {
        CellAnswered {
            case_id: &cell.case_id,
            cell_sha256: cell.content_sha256(),
            repeat: cell.repeat,
            request_sha256: &cell.request_sha256,
            response_sha256: &cell.response_sha256,
            suite: &cell.suite,
            vendor: &cell.vendor,
        }
    }
}

/// A finished cell on its way to the writer, with its two evidence bodies.
struct Finished {
    cell: CellRecord,
    evidence: [Evidence; 2],
}

/// What the writer appends, in the order it arrives: a cell, or an audit
/// entry of its own (the end of a load stage), so that the chain stays one.
// Cells are nearly every message: boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
enum ToWriter {
    /// A finished cell, and where to say it is committed (a request task
    /// holds its place among the vendor's uncommitted cells until then: see [`VendorJob::run`]).
    Cell(Finished, Option<oneshot::Sender<()>>),
    Entry {
        kind: &'static str,
        payload: serde_json::Value,
    },
}

/// The writer's end of the audit log: the chain head, the running Merkle
/// root and the key that signs checkpoints.
struct AuditWriter {
    chain: Chain,
    merkle: MerkleAccumulator,
    key: Option<Arc<Keypair>>,
}

impl AuditWriter {
    fn append<T: serde::Serialize + ?Sized>(&mut self, kind: &str, payload: &T) -> tb_audit::AuditEntry {
        let e = self.chain.append(kind, payload, &now_rfc3339());
        self.merkle.push(&e.hash);
        e
    }

    /// [`Chain::append_sorted`]: for payload structs whose fields are in sorted order.
    fn append_sorted<T: serde::Serialize>(&mut self, kind: &str, payload: &T) -> tb_audit::AuditEntry {
        let e = self.chain.append_sorted(kind, payload, &now_rfc3339());
        self.merkle.push(&e.hash);
        e
    }

    /// A checkpoint over every entry so far, signed when there is a key.
    fn checkpoint(&mut self) -> tb_audit::AuditEntry {
        let upto = self.chain.len();
        let merkle_root = self.merkle.root();
        let (public_key, signature) = match &self.key {
            Some(k) => {
                let msg = tb_audit::checkpoint_message(&run_id_of(&self.chain), upto, &merkle_root);
                (Some(k.public_hex()), Some(k.sign(&msg)))
            }
            None => (None, None),
        };
        self.append("checkpoint", &Checkpoint { upto, merkle_root, public_key, signature })
    }
}

fn run_id_of(chain: &Chain) -> String {
    chain.run_id().to_string()
}

/// Commits cells in batches: whatever arrives within [`WRITE_LINGER`] of the
/// first. Each cell's `cell_answered` audit entry, and a signed checkpoint every
/// [`CHECKPOINT_EVERY`] entries, go in the same transaction as the cell.
async fn write_cells(
    store: Store,
    mut rx: mpsc::Receiver<ToWriter>,
    mut log: AuditWriter,
    progress: Arc<dyn Progress>,
    shown: Arc<HashMap<String, String>>,
) -> Result<(u64, AuditWriter), RunError> {
    let mut stored = 0;
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    let mut acks = Vec::new();
    while rx.recv_many(&mut batch, WRITE_BATCH).await > 0 {
        let deadline = tokio::time::Instant::now() + WRITE_LINGER;
        while batch.len() < WRITE_BATCH {
            let room = WRITE_BATCH - batch.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, room)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let mut cells = Vec::with_capacity(batch.len());
        let mut evidence = Vec::with_capacity(batch.len() * 2);
        let mut entries = Vec::with_capacity(batch.len() + 1);
        for message in batch.drain(..) {
            match message {
                ToWriter::Cell(Finished { cell, evidence: bodies }, ack) => {
                    entries.push(log.append_sorted("cell_answered", &CellAnswered::of(&cell)));
                    evidence.extend(bodies);
                    cells.push(cell);
                    acks.extend(ack);
                }
                ToWriter::Entry { kind, payload } => entries.push(log.append(kind, &payload)),
            }
            if log.chain.len().is_multiple_of(CHECKPOINT_EVERY) {
                entries.push(log.checkpoint());
            }
        }
        stored += store.insert_cells(&cells, &evidence, &entries).await?;
        // Durable: the request tasks may hand their vendor slots on.
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
        for c in cells.iter().filter(|c| tb_core::load_stage_of(&c.suite).is_none()) {
            progress.cell_stored(shown.get(&c.vendor).unwrap_or(&c.vendor), c.cause.is_some());
            progress.cell_measured(c.latency_ms, c.cause.as_deref());
        }
    }
    Ok((stored, log))
}

/// What the load stages share with the rest of the run.
struct StageContext<'a> {
    run_id: &'a str,
    order_seed: &'a str,
    checked: &'a [Checked],
    cells: &'a mpsc::Sender<ToWriter>,
    /// How progress names each vendor (its code in a blind run).
    shown: &'a HashMap<String, String>,
    egress: Option<&'a Arc<tb_vendor::egress::EgressPolicy>>,
}

/// Runs every load stage for every vendor, one at a time (stage by stage,
/// then vendor by vendor), so that no vendor's measurement shares this
/// machine with another's. A stage a resumed run already sent is not sent again.
async fn run_stages(
    spec: &Spec,
    store: &Store,
    ctx: StageContext<'_>,
    budgets: &HashMap<String, Arc<Spend>>,
    progress: &dyn Progress,
    cancel: &watch::Receiver<bool>,
) -> Result<u64, RunError> {
    let clients: Vec<Arc<VendorClient>> =
        spec.vendors.iter().map(|v| load_client(v, ctx.egress).map(Arc::new)).collect::<Result<_, _>>()?;
    // A stage's requests run on every core: one thread taking every chunk's
    // arrival time would queue them behind each other and add its own delay
    // to the vendor's TTFT and ITL (measured: at 256 streams of 100 tokens a
    // second, TTFT p99 +14 ms on one thread, +6 ms on two). The stage's
    // clock runs on a thread of its own (measured: at 5,000 arrivals a
    // second, lag p99 38 ms sharing the requests' threads, 8.6 ms apart).
    let runtime = |name: &str, threads: usize| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name(name)
            .enable_all()
            .build()
            .map_err(|e| RunError::Internal(format!("cannot start the load stages' runtime: {e}")))
    };
    let requests = runtime("tb-load-request", std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8))?;
    // The stage's clock (arrivals, permits) has a thread of its own.
    let clock = runtime("tb-load-clock", 1)?;
    let runtimes = StageRuntimes { clock: &clock, requests: requests.handle().clone() };
    let result = run_stages_on(spec, store, &ctx, budgets, progress, cancel, &clients, runtimes).await;
    // A runtime may not be dropped (blocking) inside another.
    clock.shutdown_background();
    requests.shutdown_background();
    result
}

/// Where a stage's loop and its requests run.
struct StageRuntimes<'a> {
    clock: &'a tokio::runtime::Runtime,
    requests: tokio::runtime::Handle,
}

#[allow(clippy::too_many_arguments)]
async fn run_stages_on(
    spec: &Spec,
    store: &Store,
    ctx: &StageContext<'_>,
    budgets: &HashMap<String, Arc<Spend>>,
    progress: &dyn Progress,
    cancel: &watch::Receiver<bool>,
    clients: &[Arc<VendorClient>],
    runtimes: StageRuntimes<'_>,
) -> Result<u64, RunError> {
    let mut requests = 0;
    let finished: HashSet<(String, String)> = store
        .audit_of_kinds(ctx.run_id, &[tb_core::LOAD_STAGE_FINISHED])
        .await?
        .iter()
        .filter_map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.payload).ok()?;
            Some((v["vendor"].as_str()?.to_string(), v["stage"].as_str()?.to_string()))
        })
        .collect();
    for stage in &spec.stages {
        let suite =
            ctx.checked.iter().find(|c| c.record.id == stage.suite).ok_or_else(|| {
                RunError::Internal(format!("stage {}: suite {} was not checked", stage.id, stage.suite))
            })?;
        for (v, client) in spec.vendors.iter().zip(clients) {
            if *cancel.borrow() {
                return Ok(requests);
            }
            let shown = ctx.shown.get(&v.name).unwrap_or(&v.name);
            if finished.contains(&(v.name.clone(), stage.id.clone())) {
                progress.stage_finished(shown, &stage.id, 0, true);
                continue;
            }
            // A stage an interruption cut short is sent again, whole, as its next attempt.
            let mut attempt = 1;
            while store.count_suite_cells(ctx.run_id, &v.name, &tb_core::load_suite(&stage.id, attempt)).await? > 0 {
                attempt += 1;
            }
            progress.stage_started(shown, stage);
            let job = load::StageJob {
                run_id: ctx.run_id.to_string(),
                vendor: v.name.clone(),
                stage: stage.clone(),
                suite_name: tb_core::load_suite(&stage.id, attempt),
                suite: (suite.path.clone(), suite.format, suite.lines.clone()),
                order_seed: ctx.order_seed.to_string(),
                generation: Generation { temperature: spec.run.temperature, max_tokens: spec.run.max_tokens },
                client: client.clone(),
                cells: ctx.cells.clone(),
                cancel: cancel.clone(),
                spend: budgets.get(&v.name).cloned(),
                requests: runtimes.requests.clone(),
            };
            let sent =
                runtimes.clock.spawn(job.run()).await.map_err(|e| RunError::Internal(format!("stage task: {e}")))??;
            progress.stage_finished(shown, &stage.id, sent.requests, false);
            requests += sent.requests;
            if sent.ran_to_end {
                let payload = serde_json::json!({
                    "vendor": v.name, "stage": stage.id, "attempt": attempt, "requests": sent.requests,
                });
                // After the stage's cells in the channel, so after them in the chain.
                let _ = ctx.cells.send(ToWriter::Entry { kind: tb_core::LOAD_STAGE_FINISHED, payload }).await;
            }
        }
    }
    Ok(requests)
}

/// Refuses a run whose worst case (every call answering `max_tokens` at the
/// quoted output price) exceeds the per-vendor budget.
/// `cases`: (suite id, cases) of every suite. An agent task may cost up to
/// `[agent] max_turns` calls.
fn check_budget<'s>(spec: &Spec, cases: impl Iterator<Item = (&'s str, u64)>) -> Result<(), RunError> {
    let Some(budget) = spec.run.budget_per_vendor else { return Ok(()) };
    let calls_per_case = |suite: &str| {
        let agent = spec.suite(suite).is_some_and(|s| s.format == tb_suite::SuiteFormat::Agent);
        if agent { spec.agent.budget.max_turns as u64 } else { 1 }
    };
    let calls = cases.map(|(suite, n)| n * calls_per_case(suite)).sum::<u64>() * spec.run.repeats as u64
        + spec.stages.iter().map(stage_calls_bound).sum::<u64>();
    for v in &spec.vendors {
        let price = v.price_per_mtok_output.ok_or_else(|| RunError::BudgetWithoutPrice(v.name.clone()))?;
        let worst_case = calls as f64 * spec.run.max_tokens as f64 * price / 1e6;
        if worst_case > budget {
            return Err(RunError::OverBudget {
                vendor: v.name.clone(),
                worst_case,
                cases: calls,
                max_tokens: spec.run.max_tokens,
                budget,
            });
        }
    }
    Ok(())
}

/// The most requests a stage can send that are known before it runs: an
/// open loop's arrivals (its rate over the warm-up and the duration, with
/// room for the Poisson count's spread, or its cases after the warm-up's
/// arrivals). A closed loop sends as fast as the vendor answers: only the
/// budget's stop at run time bounds it, unless it has `cases` and no warm-up.
fn stage_calls_bound(stage: &tb_spec::LoadStage) -> u64 {
    let poisson = |seconds: f64, rate: f64| {
        let mean = rate * seconds;
        (mean + 4.0 * mean.sqrt() + 10.0).ceil() as u64
    };
    match stage.arrival {
        tb_spec::Arrival::Rate(rate) => {
            let warmup = poisson(stage.warmup_secs, rate);
            let by_time = stage.duration_secs.map(|d| poisson(stage.warmup_secs + d, rate));
            let by_cases = stage.cases.map(|n| n + warmup);
            by_time.into_iter().chain(by_cases).min().unwrap_or(warmup)
        }
        tb_spec::Arrival::Concurrency(_) if stage.warmup_secs == 0.0 => stage.cases.unwrap_or(0),
        tb_spec::Arrival::Concurrency(_) => 0,
    }
}

/// What a vendor's calls have cost so far, against its budget.
struct Spend {
    budget: f64,
    per_mtok: (f64, f64),
    spent: std::sync::Mutex<f64>,
}

impl Spend {
    /// Counts what a cell cost: its answer's usage, or an episode's over all its turns.
    fn add(&self, usage: Option<tb_core::Usage>) {
        if let Some(u) = usage {
            let cost = (u.prompt_tokens as f64 * self.per_mtok.0 + u.completion_tokens as f64 * self.per_mtok.1) / 1e6;
            *self.spent.lock().unwrap_or_else(|e| e.into_inner()) += cost;
        }
    }

    fn reached(&self) -> bool {
        *self.spent.lock().unwrap_or_else(|e| e.into_inner()) >= self.budget
    }
}

struct VendorJob {
    run_id: String,
    vendor: String,
    /// The name progress shows (the vendor's code in a blind run).
    shown: String,
    concurrency: usize,
    suites: Vec<(String, PathBuf, tb_suite::SuiteFormat, LineIndex)>,
    /// Seed of this run's case orders (see `tb_audit::case_order`).
    order_seed: String,
    repeats: u32,
    generation: Generation,
    done: HashSet<u128>,
    client: Arc<VendorClient>,
    cells: mpsc::Sender<ToWriter>,
    cancel: watch::Receiver<bool>,
    progress: Arc<dyn Progress>,
    acting: Arc<Acting>,
    /// Present when the spec sets a budget: a vendor that reaches it is sent nothing more.
    spend: Option<Arc<Spend>>,
}

impl VendorJob {
    async fn run(mut self) -> Result<(), RunError> {
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let uncommitted = Arc::new(Semaphore::new(self.concurrency));
        let mut in_flight = JoinSet::new();
        let suites = std::mem::take(&mut self.suites);
        'suites: for (suite_id, path, format, lines) in suites {
            let order = tb_audit::case_order(&self.order_seed, &self.vendor, &suite_id, lines.len());
            let (mut case_rx, reader) = spawn_case_reader(path, format, lines, order, false);
            let mut cases = Vec::new().into_iter();
            loop {
                let (seq, case) = match cases.next() {
                    Some(next) => next,
                    None => match case_rx.recv().await {
                        Some(batch) => {
                            cases = batch?.into_iter();
                            continue;
                        }
                        None => break,
                    },
                };
                let case = Arc::new(case);
                for repeat in 0..self.repeats {
                    let key = CellKey {
                        vendor: self.vendor.clone(),
                        suite: suite_id.clone(),
                        case_id: case.id.clone(),
                        repeat,
                    };
                    if self.done.contains(&key.digest()) {
                        continue;
                    }
                    let permit = tokio::select! {
                        p = permits.clone().acquire_owned() => p.map_err(|e| RunError::Internal(e.to_string()))?,
                        _ = cancelled(&mut self.cancel) => break 'suites,
                    };
                    // Checked with a permit in hand, so every call that finished
                    // meanwhile is counted: at most `concurrency` calls overshoot.
                    if self.spend.as_ref().is_some_and(|s| s.reached()) {
                        // The cells not sent stay missing: the vendor's run is incomplete.
                        break 'suites;
                    }
                    if *self.cancel.borrow() {
                        break 'suites;
                    }
                    if self.cells.is_closed() {
                        // The writer stopped (a store error, returned by `run`): send nothing more.
                        break 'suites;
                    }
                    let client = self.client.clone();
                    let cells = self.cells.clone();
                    let run_id = self.run_id.clone();
                    let case = case.clone();
                    let g = self.generation;
                    let acting = self.acting.clone();
                    let spend = self.spend.clone();
                    let uncommitted = uncommitted.clone();
                    in_flight.spawn(async move {
                        let (outcome, stats, verdicts, usage) = acting.send(&client, &key.suite, &case, g).await;
                        if let Some(spend) = &spend {
                            spend.add(usage);
                        }
                        let record = cell_record(&run_id, key, seq, &case, outcome, stats, verdicts, usage);
                        // The writer outlives every request task unless the run is failing.
                        // Answered but not yet committed: at most `concurrency` such cells at
                        // once, so a kill loses at most twice the requests in flight. (Holding
                        // the vendor slot to the commit would halve that, at a quarter more
                        // wall time against a 20 ms vendor: measured in docs/reliability.md.)
                        let uncommitted = uncommitted.acquire_owned().await;
                        let (committed, on_commit) = oneshot::channel();
                        let _ = cells.send(ToWriter::Cell(record, Some(committed))).await;
                        // Held to here, so tasks waiting on grading or the writer stay bounded.
                        drop(permit);
                        let _ = on_commit.await;
                        drop(uncommitted);
                    });
                    while let Some(r) = in_flight.try_join_next() {
                        reap(r)?;
                    }
                }
            }
            drop(case_rx);
            let _ = reader.await;
        }
        finish_in_flight(&mut in_flight).await?;
        self.progress.vendor_finished(&self.shown);
        Ok(())
    }
}

/// Waits for every request still in flight, cancelled or not (see below).
async fn finish_in_flight(in_flight: &mut JoinSet<()>) -> Result<(), RunError> {
    // Cancelled or not, the requests already sent finish and are stored: an
    // answer the vendor serves is paid for, and a stop (Ctrl-C, SIGTERM) must
    // not throw it away. Each is bounded by the vendor's timeout and retries;
    // a second Ctrl-C ends the process at once.
    while let Some(r) = in_flight.join_next().await {
        reap(r)?;
    }
    Ok(())
}

/// Cases read from a suite file in `order` on a blocking thread, sent in
/// batches (one wake-up of the runtime per batch, not per case) with their
/// position in the file; the order again and again when `cycle`. The reader
/// stops at the first bad case (sent as the error) or when the receiver is gone.
fn spawn_case_reader(
    path: PathBuf,
    format: tb_suite::SuiteFormat,
    lines: LineIndex,
    order: Vec<u32>,
    cycle: bool,
) -> (CaseBatches, tokio::task::JoinHandle<()>) {
    let (case_tx, case_rx) = mpsc::channel(4);
    let reader = tokio::task::spawn_blocking(move || {
        let file = match CaseFile::open(&path, format) {
            Ok(f) => f,
            Err(e) => {
                let _ = case_tx.blocking_send(Err(e));
                return;
            }
        };
        let passes = if cycle { usize::MAX } else { 1 };
        for chunk in std::iter::repeat_n(&order, passes).flat_map(|o| o.chunks(CASE_BATCH)) {
            let batch: Result<Vec<(u64, Case)>, SuiteError> = chunk
                .iter()
                .map(|&i| {
                    let (offset, len) = lines[i as usize];
                    file.read(offset, len, i as u64).map(|c| (i as u64, c))
                })
                .collect();
            let failed = batch.is_err();
            // A closed channel means the run stopped; stop reading.
            if case_tx.blocking_send(batch).is_err() || failed {
                return;
            }
        }
    });
    (case_rx, reader)
}

/// Batches of (position in the file, case) from [`spawn_case_reader`].
type CaseBatches = mpsc::Receiver<Result<Vec<(u64, Case)>, SuiteError>>;

/// Resolves once cancellation is asked for; never, if the sender is gone.
async fn cancelled(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn reap(r: Result<(), tokio::task::JoinError>) -> Result<(), RunError> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.is_cancelled() => Ok(()),
        Err(e) => Err(RunError::Internal(format!("request task: {e}"))),
    }
}

/// One evidence body: hashed and encoded here, in the request task, so the
/// writer only chains and commits.
fn evidence(body: &[u8]) -> Evidence {
    let (encoding, stored) = tb_audit::encode_body(body);
    Evidence { sha256: tb_audit::sha256_hex(body), size: body.len() as u64, encoding, stored }
}

/// `usage` is what the cell cost: its answer's usage, or an agent episode's
/// over every turn (the answer's is only the last turn's).
#[allow(clippy::too_many_arguments)]
fn cell_record(
    run_id: &str,
    key: CellKey,
    seq: u64,
    case: &Case,
    outcome: Outcome,
    stats: tb_core::CallStats,
    verdicts: Option<String>,
    usage: Option<tb_core::Usage>,
) -> Finished {
    let bodies = [evidence(stats.request.as_bytes()), evidence(&stats.response)];
    let (cause, detail, answer, finish_reason, tool_calls) = match outcome {
        Outcome::Answered(a) => (None, None, Some(a.text), a.finish_reason, a.tool_calls.map(|t| t.to_string())),
        Outcome::Failed(f) => (Some(f.cause.code().to_string()), Some(f.detail), None, None, None),
    };
    let cell = CellRecord {
        run_id: run_id.to_string(),
        vendor: key.vendor,
        suite: key.suite,
        case_id: key.case_id,
        repeat: key.repeat,
        seq,
        cause,
        detail,
        answer,
        finish_reason,
        prompt_tokens: usage.map(|u| u.prompt_tokens),
        completion_tokens: usage.map(|u| u.completion_tokens),
        ttft_ms: stats.ttft_ms,
        latency_ms: stats.latency_ms,
        attempts: stats.attempts,
        gold_json: serde_json::to_string(&case.gold).expect("gold always serializes"),
        subject: case.subject.clone(),
        language: case.language.clone(),
        request_sha256: bodies[0].sha256.clone(),
        response_sha256: bodies[1].sha256.clone(),
        finished_at: now_rfc3339(),
        tool_calls,
        verdicts,
        timing: stats.timing.as_ref().map(|t| serde_json::to_string(t).expect("timing always serializes")),
    };
    Finished { cell, evidence: bodies }
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    fn stage(
        arrival: tb_spec::Arrival,
        duration_secs: Option<f64>,
        cases: Option<u64>,
        warmup_secs: f64,
    ) -> tb_spec::LoadStage {
        tb_spec::LoadStage { id: "s".into(), suite: "q".into(), arrival, duration_secs, cases, warmup_secs }
    }

    #[test]
    fn an_open_loop_is_bounded_by_its_arrivals() {
        use tb_spec::Arrival::{Concurrency, Rate};
        // 100/s for 10 s + 2 s: 1,200 expected, 4 sd (≈ 139) and 10 more.
        assert_eq!(stage_calls_bound(&stage(Rate(100.0), Some(10.0), None, 2.0)), 1349);
        // The cases after the warm-up's arrivals, when that is fewer.
        assert_eq!(stage_calls_bound(&stage(Rate(100.0), Some(10.0), Some(300), 2.0)), 300 + 267);
        assert_eq!(stage_calls_bound(&stage(Concurrency(8), None, Some(500), 0.0)), 500);
        // A closed loop ending by time is bounded only while it runs.
        assert_eq!(stage_calls_bound(&stage(Concurrency(8), Some(10.0), None, 0.0)), 0);
    }
}
