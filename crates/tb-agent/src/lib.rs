//! Agent tasks: multi-turn episodes with tools, graded by outcome.
//!
//! - `task`, `env`, `gov`, `user` (re-exported from `tb-task`): a task as a
//!   suite line (`format = "agent"`), the environments' interface, the
//!   simulated citizen-service office, the scripted user.
//! - [`code`]: a small repository with failing tests, run in the sandbox.
//! - [`episode`]: the loop against a [`episode::Model`], its budgets, the
//!   handling of malformed calls, and the [`episode::Verdict`] grading reads.
//! - [`tool_server`]: the tools over HTTP, for black-box platforms that call them themselves.
//!
//! The rules of both environments are in `docs/agents.md`.

pub mod claims;
pub mod code;
pub mod episode;
pub mod grounding;
pub mod tool_server;

/// The task model, the environments' interface and the office are data and
/// live in `tb-task` (a suite reader needs them without this crate's runtime).
pub use tb_task::{env, gov, task, user};

pub use episode::{Budget, Episode, Model, Resources, Verdict};
pub use task::Task;
