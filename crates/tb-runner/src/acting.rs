//! Graders that act when a cell is answered (run code, ask a judge), and
//! the models an agent episode talks to (a chat vendor, a black-box platform).

use super::*;
use tb_spec::GraderKind;

/// Graders that act when a cell is answered (see `tb_grade::Grader::acts_at_run_time`):
/// for each suite, the criteria whose grader must run now.
pub(crate) struct Acting {
    pub(crate) by_suite: HashMap<String, Vec<tb_spec::Criterion>>,
    /// Agent suites, with the criteria their episodes' verdict is stored under.
    pub(crate) agent_suites: HashMap<String, Vec<String>>,
    pub(crate) agent_resources: tb_agent::Resources,
    pub(crate) agent_budget: tb_agent::Budget,
    /// Serves the environments' tools to platforms (`[agent] tool_server`).
    pub(crate) tool_server: Option<tb_agent::tool_server::ToolServer>,
    pub(crate) sandbox: Option<Arc<tb_sandbox::Sandbox>>,
    /// Judge clients by judge id, and their models.
    pub(crate) judges: HashMap<String, (Arc<VendorClient>, String)>,
    pub(crate) generation: Generation,
}

impl Acting {
    pub(crate) fn new(spec: &Spec, egress: Option<&Arc<tb_vendor::egress::EgressPolicy>>) -> Result<Self, RunError> {
        let mut by_suite: HashMap<String, Vec<_>> = HashMap::new();
        for c in &spec.criteria {
            // A refusal criterion that names a judge asks it, instead of the patterns deciding.
            if c.grader.acts_at_run_time() || c.judge.is_some() {
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
            let isolation = s.isolation;
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
        for c in spec.criteria.iter().filter(|c| matches!(c.grader, GraderKind::Agent | GraderKind::AgentSafety)) {
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
    pub(crate) async fn send(
        &self,
        client: &VendorClient,
        suite: &str,
        case: &Arc<Case>,
        g: Generation,
    ) -> (Outcome, tb_core::CallStats, Option<String>, Option<tb_core::Usage>) {
        let Some(criteria) = self.agent_suites.get(suite) else {
            let (outcome, stats) = client.ask(case, g).await;
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

    /// The verdicts of the suite's acting graders on one outcome, as stored
    /// JSON: each grader says what to do ([`tb_grade::Act`]), this does it.
    pub(crate) async fn verdicts(&self, suite: &str, case: &Arc<Case>, outcome: &Outcome) -> Option<String> {
        let (Some(acting), Outcome::Answered(answer)) = (self.by_suite.get(suite), outcome) else { return None };
        let mut verdicts = serde_json::Map::new();
        for criterion in acting {
            let Some(grader) = tb_grade::of_kind(criterion.grader) else { continue };
            let nonce = format!("{:016x}", rand::random::<u64>());
            let input = tb_grade::ActInput {
                case,
                answer: &answer.text,
                rubric: criterion.rubric.as_deref(),
                has_judge: criterion.judge.is_some(),
                nonce: &nonce,
            };
            let verdict = match (grader.action(&input), &self.sandbox) {
                (tb_grade::Action::Nothing, _) | (tb_grade::Action::Sandbox(_), None) => continue,
                (tb_grade::Action::Sandbox(job), Some(sandbox)) => {
                    let sandbox = sandbox.clone();
                    tokio::task::spawn_blocking(move || job(&sandbox))
                        .await
                        .unwrap_or_else(|e| serde_json::json!({ "outcome": "sandbox_error", "detail": e.to_string() }))
                }
                (tb_grade::Action::AskJudge { messages, second_opinion }, _) => {
                    self.ask_judge(criterion, &messages, second_opinion).await
                }
            };
            verdicts.insert(criterion.id.clone(), verdict);
        }
        (!verdicts.is_empty()).then(|| serde_json::Value::Object(verdicts).to_string())
    }

    /// Sends a grader's messages to the criterion's judge; the raw reply, or
    /// why there is none, is the verdict (marked when it is a second opinion).
    async fn ask_judge(
        &self,
        criterion: &tb_spec::Criterion,
        messages: &[tb_core::Message],
        second_opinion: bool,
    ) -> serde_json::Value {
        let id = criterion.judge.clone().unwrap_or_default();
        let mut verdict = match self.judges.get(&id) {
            None => serde_json::json!({ "judge": id, "error": "unknown_judge" }),
            Some((client, model)) => match client.chat(messages, None, self.generation).await {
                (Outcome::Answered(a), stats) => serde_json::json!({
                    "judge": id, "model": model, "raw": a.text, "latency_ms": stats.latency_ms,
                }),
                (Outcome::Failed(f), _) => serde_json::json!({
                    "judge": id, "model": model, "error": f.cause.code(), "detail": f.detail,
                }),
            },
        };
        if second_opinion {
            verdict["second_opinion"] = serde_json::Value::Bool(true);
        }
        verdict
    }
}

/// An OpenAI-compatible vendor as the model of an agent episode.
pub(crate) struct ChatModel<'a> {
    pub(crate) client: &'a VendorClient,
    pub(crate) generation: Generation,
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
pub(crate) struct PlatformSession<'a> {
    pub(crate) client: &'a VendorClient,
    pub(crate) conversation: std::sync::Mutex<Option<String>>,
    /// The episode's tool server URL: the platform can act on the environment.
    pub(crate) tools_url: Option<String>,
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
