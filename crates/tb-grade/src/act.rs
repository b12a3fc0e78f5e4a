//! What a grader asks the runner to do when a cell is answered, so that the
//! runner performs actions (run in the sandbox, ask a judge) without knowing
//! which grader wants them or how each builds its request. The result is
//! stored as the cell's verdict, and grading later reads it
//! ([`crate::Response::verdict`]); reports and `verify` never act again.

use serde_json::Value;
use tb_core::{Case, Message};
use tb_sandbox::Sandbox;

use crate::{Grader, second_opinion};

/// One answered cell as an acting grader sees it.
#[derive(Debug, Clone, Copy)]
pub struct ActInput<'a> {
    pub case: &'a Case,
    pub answer: &'a str,
    /// The criterion's rubric, where it has one (a case's own wins).
    pub rubric: Option<&'a str>,
    /// Whether the criterion names a judge (`judge = "…"`).
    pub has_judge: bool,
    /// A fresh random token that marks the answer's bounds in a judge's
    /// prompt, so an answer cannot forge the end of its own data block.
    pub nonce: &'a str,
}

/// A job run in the sandbox, on a blocking thread; its return is the verdict.
pub type SandboxJob = Box<dyn FnOnce(&Sandbox) -> Value + Send>;

/// The work to do now for one criterion of an answered cell.
pub enum Action {
    /// Nothing: grading reads the answer alone.
    Nothing,
    /// Run a job in the sandbox.
    Sandbox(SandboxJob),
    /// Send these messages to the criterion's judge; the verdict records its
    /// raw reply. `second_opinion` marks a reading of an answer the rules
    /// left undecided, as opposed to a judgement of its quality.
    AskJudge { messages: Vec<Message>, second_opinion: bool },
}

/// The runner's side of a grader. Every grader implements it (here, so the
/// grading modules stay about grading); the default is [`Action::Nothing`].
pub trait Act {
    fn action(&self, _input: &ActInput) -> Action {
        Action::Nothing
    }
}

impl Act for crate::code::CodeGrader {
    fn action(&self, input: &ActInput) -> Action {
        let (text, gold) = (input.answer.to_string(), input.case.gold.clone());
        Action::Sandbox(Box::new(move |sandbox| {
            crate::code::verdict_json(&crate::code::execute(sandbox, &text, &gold))
        }))
    }
}

impl Act for crate::secure_code::SecureCodeGrader {
    fn action(&self, input: &ActInput) -> Action {
        let (text, gold) = (input.answer.to_string(), input.case.gold.clone());
        Action::Sandbox(Box::new(move |sandbox| crate::secure_code::execute(sandbox, &text, &gold)))
    }
}

impl Act for crate::test_writing::TestWritingGrader {
    fn action(&self, input: &ActInput) -> Action {
        let (text, gold) = (input.answer.to_string(), input.case.gold.clone());
        Action::Sandbox(Box::new(move |sandbox| crate::test_writing::execute(sandbox, &text, &gold)))
    }
}

impl Act for crate::judge::JudgeGrader {
    fn action(&self, input: &ActInput) -> Action {
        let case = input.case;
        let rubric = case
            .gold
            .data
            .get("rubric")
            .and_then(|r| r.as_str())
            .or(input.rubric)
            .unwrap_or("Is the answer correct, complete and appropriate for the question?");
        let messages =
            crate::judge::request_messages(case.prompt(), input.answer, rubric, Some(&case.gold.answer), input.nonce);
        Action::AskJudge { messages, second_opinion: false }
    }
}

/// A refusal criterion that names a judge asks it, instead of the patterns deciding.
impl Act for crate::refusal::RefusalGrader {
    fn action(&self, input: &ActInput) -> Action {
        if !input.has_judge {
            return Action::Nothing;
        }
        let messages = crate::judge::request_messages(
            input.case.prompt(),
            input.answer,
            crate::refusal::JUDGE_RUBRIC,
            None,
            input.nonce,
        );
        Action::AskJudge { messages, second_opinion: false }
    }
}

impl Act for crate::choice::ChoiceGrader {
    fn action(&self, input: &ActInput) -> Action {
        let gold = &input.case.gold;
        let multi = gold.data.get("multi").and_then(|m| m.as_bool()).unwrap_or(gold.answer.len() > 1);
        ask_if_undecided(self, input, second_opinion::Kind::Choice { multi })
    }
}

impl Act for crate::numeric::NumericGrader {
    fn action(&self, input: &ActInput) -> Action {
        ask_if_undecided(self, input, second_opinion::Kind::Numeric)
    }
}

/// A second opinion, only on what the rules leave undecided, and only where
/// the criterion names a judge.
fn ask_if_undecided(grader: &dyn Grader, input: &ActInput, kind: second_opinion::Kind) -> Action {
    if !input.has_judge {
        return Action::Nothing;
    }
    let grade = grader.grade(&crate::Response::text(input.answer), &input.case.gold);
    if !grade.note.as_deref().is_some_and(crate::is_undecided) {
        return Action::Nothing;
    }
    let case = input.case;
    let messages = second_opinion::request_messages(case.prompt(), &case.gold.options, input.answer, kind, input.nonce);
    Action::AskJudge { messages, second_opinion: true }
}

impl Act for crate::injection::InjectionGrader {}
impl Act for crate::tool_call::ToolCallGrader {}
impl Act for crate::reference::ReferenceGrader {}
/// Agent criteria act through the episode the runner plays, not per answer.
impl Act for crate::agent::AgentGrader {}
impl Act for crate::agent::AgentSafetyGrader {}
