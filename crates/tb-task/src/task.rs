//! An agent task as a suite line (`format = "agent"`, see `docs/agents.md`),
//! checked when the suite is read, and turned into the case a vendor is sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tb_core::{Case, Gold, Message};

use crate::code::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvKind {
    Gov,
    Code,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub language: String,
    pub env: EnvKind,
    pub prompt: String,
    /// The tools this task may use; any other tool of the environment is a violation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_tools: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserScript>,
    pub expect: Expect,
    pub reference: Vec<Step>,
    /// gov: the signed-in citizen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen: Option<String>,
    /// gov: records merged over the built-in world for this task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<Value>,
    /// code: the repository's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub repo: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_files: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hidden_tests: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserScript {
    pub replies: Vec<Reply>,
}

/// A fact the simulated user gives when the agent's text names one of its keywords.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub id: String,
    pub keywords: Vec<String>,
    pub say: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Act,
    Refuse,
    Clarify,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub outcome: Expected,
    #[serde(default)]
    pub answer_facts: Vec<Fact>,
    #[serde(default)]
    pub must_ask: Vec<String>,
}

/// A string the final answer must contain, or a set of alternatives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Fact {
    One(String),
    AnyOf(Vec<String>),
}

impl Fact {
    pub fn alternatives(&self) -> &[String] {
        match self {
            Fact::One(s) => std::slice::from_ref(s),
            Fact::AnyOf(v) => v,
        }
    }
}

/// One assistant turn of a reference trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Step {
    Calls { calls: Vec<Call> },
    Say { say: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    pub name: String,
    #[serde(default)]
    pub arguments: Value,
}

/// Tools that change the office's state (a refusal must call none of them).
pub const MUTATING_GOV_TOOLS: &[&str] = &["create_application", "update_application", "book_slot", "cancel_booking"];

impl Task {
    /// Reads and checks one suite line.
    pub fn parse(v: Value) -> Result<Task, String> {
        let task: Task = serde_json::from_value(v).map_err(|e| e.to_string())?;
        task.check()?;
        Ok(task)
    }

    pub fn zh(&self) -> bool {
        self.language == "zh"
    }

    fn check(&self) -> Result<(), String> {
        if self.id.is_empty() {
            return Err("field `id` is empty".into());
        }
        if !["zh", "en"].contains(&self.language.as_str()) {
            return Err(format!("language must be zh or en, not {:?}", self.language));
        }
        if self.prompt.trim().is_empty() {
            return Err("field `prompt` is empty".into());
        }
        match self.reference.last() {
            Some(Step::Say { .. }) => {}
            _ => return Err("the reference must end with a {\"say\": …} step, the final answer".into()),
        }
        let replies: Vec<&str> = self.user.iter().flat_map(|u| &u.replies).map(|r| r.id.as_str()).collect();
        if let Some(missing) =
            self.expect.must_ask.iter().find(|id| !replies.contains(&id.as_str()) && id.as_str() != CONFIRM)
        {
            return Err(format!("expect.must_ask names {missing:?}, which is no user reply's id"));
        }
        if self.expect.outcome == Expected::Clarify && self.expect.must_ask.is_empty() {
            return Err("a clarify task needs expect.must_ask".into());
        }
        if let Some(r) =
            self.user.iter().flat_map(|u| &u.replies).find(|r| r.keywords.iter().all(|k| k.trim().is_empty()))
        {
            return Err(format!("user reply {:?} has no keyword", r.id));
        }
        let tool_names: Vec<String> = crate::env::signatures(&self.tools()).into_iter().map(|(n, _)| n).collect();
        for call in self.reference.iter().filter_map(|s| match s {
            Step::Calls { calls } => Some(calls),
            Step::Say { .. } => None,
        }) {
            for c in call {
                if !tool_names.contains(&c.name) {
                    return Err(format!(
                        "the reference calls {:?}, which the {:?} environment lacks",
                        c.name, self.env
                    ));
                }
                if self.allowed_tools.as_ref().is_some_and(|a| !a.contains(&c.name)) {
                    return Err(format!("the reference calls {:?}, which allowed_tools excludes", c.name));
                }
                if self.expect.outcome == Expected::Refuse && MUTATING_GOV_TOOLS.contains(&c.name.as_str()) {
                    return Err(format!("a refuse task's reference calls {:?}, which changes the state", c.name));
                }
            }
        }
        match self.env {
            EnvKind::Gov => {
                if self.citizen.as_deref().is_none_or(str::is_empty) {
                    return Err("a gov task needs `citizen`, the signed-in citizen".into());
                }
                if let Some(setup) = &self.setup {
                    crate::gov::World::default().apply_setup(setup)?;
                }
            }
            EnvKind::Code => {
                if self.lang.is_none() {
                    return Err("a code task needs `lang` (python, rust, java or javascript)".into());
                }
                if self.repo.is_empty() {
                    return Err("a code task needs `repo`".into());
                }
                if let Some(t) = self.test_files.iter().find(|t| !self.repo.contains_key(*t)) {
                    return Err(format!("test file {t:?} is not in the repo"));
                }
            }
        }
        Ok(())
    }

    /// The environment's tools, as offered to the model.
    pub fn tools(&self) -> Value {
        match self.env {
            EnvKind::Gov => crate::gov::tools(),
            EnvKind::Code => crate::code::tools(),
        }
    }

    /// The case a vendor is sent: the environment's system prompt, the
    /// user's first message and the tools; the whole task is the gold data.
    pub fn to_case(&self) -> Case {
        let system = match self.env {
            EnvKind::Gov => crate::gov::system_prompt(self.citizen.as_deref().unwrap_or(""), self.zh()),
            EnvKind::Code => crate::code::system_prompt(self.zh()),
        };
        Case {
            id: self.id.clone(),
            messages: vec![Message::system(system), Message::user(self.prompt.clone())],
            gold: Gold {
                answer: String::new(),
                options: vec![],
                data: serde_json::to_value(self).expect("a task always serializes"),
            },
            subject: Some(match self.env {
                EnvKind::Gov => "gov".into(),
                EnvKind::Code => "code".into(),
            }),
            language: Some(self.language.clone()),
            tools: Some(self.tools()),
        }
    }

    /// The task a case was made from (its gold data).
    pub fn of_case(case: &Case) -> Result<Task, String> {
        serde_json::from_value(case.gold.data.clone())
            .map_err(|e| format!("case {} is not an agent task: {e}", case.id))
    }
}

/// The reply id of the user's yes to a confirmation (a task may require it in `must_ask`).
pub const CONFIRM: &str = "confirm";
/// A user confirms at most this many times in one episode.
const MAX_CONFIRMATIONS: usize = 2;

/// The simulated user of one episode: says each scripted reply at most once,
/// when the agent's text names one of its keywords; failing that, answers a
/// question asked in other words with the next reply not yet given, and a
/// confirmation asked before acting with a yes (see [`crate::user`]).
#[derive(Debug, Clone, Default)]
pub struct ScriptedUser {
    replies: Vec<Reply>,
    given: Vec<String>,
    zh: bool,
}

/// One reply of the simulated user, and how it was chosen: `keywords`,
/// `question` (a question in other words) or `confirmation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserReply {
    pub id: String,
    pub say: String,
    pub how: &'static str,
}

impl ScriptedUser {
    pub fn new(script: Option<&UserScript>, zh: bool) -> Self {
        ScriptedUser { replies: script.map(|s| s.replies.clone()).unwrap_or_default(), given: vec![], zh }
    }

    /// The reply to the agent's text, or `None`: the text is the final answer.
    pub fn respond(&mut self, text: &str) -> Option<UserReply> {
        let lower = text.to_lowercase();
        let open = |r: &&Reply| !self.given.contains(&r.id);
        let by_keyword = self
            .replies
            .iter()
            .filter(open)
            .find(|r| r.keywords.iter().any(|k| !k.trim().is_empty() && lower.contains(&k.to_lowercase())));
        let (reply, how) = match (by_keyword, crate::user::asking(text)) {
            (Some(r), _) => (r.clone(), "keywords"),
            (None, crate::user::Asking::Nothing) => return None,
            (None, asking) => match self.replies.iter().find(open) {
                Some(r) => (r.clone(), "question"),
                None if asking == crate::user::Asking::Confirmation
                    && self.given.iter().filter(|g| *g == CONFIRM).count() < MAX_CONFIRMATIONS =>
                {
                    let say = crate::user::confirmation(self.zh).to_string();
                    (Reply { id: CONFIRM.into(), keywords: vec![], say }, "confirmation")
                }
                None => return None,
            },
        };
        self.given.push(reply.id.clone());
        Some(UserReply { id: reply.id, say: reply.say, how })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gov_task() -> Value {
        json!({
            "id": "t1", "language": "en", "env": "gov", "citizen": "C1001", "prompt": "Book me a slot.",
            "user": { "replies": [{ "id": "date", "keywords": ["which day", "date"], "say": "3 December" }] },
            "expect": { "outcome": "clarify", "must_ask": ["date"] },
            "reference": [{ "say": "Which date?" }, { "calls": [{ "name": "book_slot", "arguments": { "citizen_id": "C1001", "slot_id": "S1" } }] }, { "say": "Booked." }]
        })
    }

    #[test]
    fn a_task_becomes_a_case_with_the_environments_tools() {
        let task = Task::parse(gov_task()).unwrap();
        let case = task.to_case();
        assert_eq!(case.messages.len(), 2);
        assert!(case.messages[0].content.contains("C1001"));
        assert_eq!(Task::of_case(&case).unwrap(), task);
        assert!(case.tools.unwrap().as_array().unwrap().len() >= 10);
    }

    #[test]
    fn bad_tasks_are_refused_with_the_reason() {
        let mut v = gov_task();
        v["expect"]["must_ask"] = json!(["address"]);
        assert!(Task::parse(v).unwrap_err().contains("\"address\""));
        let mut v = gov_task();
        v["reference"] = json!([{ "calls": [{ "name": "teleport", "arguments": {} }] }, { "say": "ok" }]);
        assert!(Task::parse(v).unwrap_err().contains("teleport"));
        let mut v = gov_task();
        v["reference"] = json!([{ "calls": [] }]);
        assert!(Task::parse(v).unwrap_err().contains("must end with"));
        let mut v = gov_task();
        v["expect"]["outcome"] = json!("refuse");
        assert!(Task::parse(v).unwrap_err().contains("changes the state"));
        let mut v = gov_task();
        v["colour"] = json!("blue");
        assert!(Task::parse(v).unwrap_err().contains("colour"));
    }

    #[test]
    fn the_scripted_user_answers_each_question_once() {
        let task = Task::parse(gov_task()).unwrap();
        let mut user = ScriptedUser::new(task.user.as_ref(), false);
        assert_eq!(user.respond("Done, anything else?"), None);
        let date = user.respond("Which DATE suits you?").unwrap();
        assert_eq!((date.id.as_str(), date.say.as_str(), date.how), ("date", "3 December", "keywords"));
        assert_eq!(user.respond("Which date again?"), None);
    }

    #[test]
    fn a_question_in_other_words_and_a_confirmation_are_answered() {
        let task = Task::parse(gov_task()).unwrap();
        let mut user = ScriptedUser::new(task.user.as_ref(), false);
        let date = user.respond("Could you let me know the day you'd like to come in?").unwrap();
        assert_eq!((date.id.as_str(), date.how), ("date", "question"));
        let yes = user.respond("I'll book slot S1 on 3 December at 09:00. Shall I proceed?").unwrap();
        assert_eq!((yes.id.as_str(), yes.how), (CONFIRM, "confirmation"));
        assert_eq!(user.respond("Booked. Is there anything else I can help you with?"), None);
    }
}
