//! Agent tasks: multi-turn episodes with tools, graded by outcome.
//!
//! - [`task`]: a task as a suite line (`format = "agent"`), the case it
//!   becomes, and the scripted simulated user.
//! - [`gov`]: the simulated citizen-service office, deterministic and in-process.
//! - [`code`]: a small repository with failing tests, run in the sandbox.
//! - [`episode`]: the loop against a [`episode::Model`], its budgets, the
//!   handling of malformed calls, and the [`episode::Verdict`] grading reads.
//! - [`tool_server`]: the tools over HTTP, for black-box platforms that call them themselves.
//!
//! The rules of both environments are in `docs/agents.md`.

pub mod claims;
pub mod code;
pub mod env;
pub mod episode;
pub mod gov;
pub mod grounding;
pub mod task;
pub mod tool_server;
pub mod user;

pub use episode::{Budget, Episode, Model, Resources, Verdict};
pub use task::Task;
