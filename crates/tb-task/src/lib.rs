//! Agent tasks as data: what a suite line of `format = "agent"` is, and
//! what checking it and turning it into a case need — nothing that runs.
//! The loop, the sandboxed repository and the tool server are `tb-agent`'s;
//! this crate is apart so that reading a suite (and so parsing a spec) pulls
//! in no HTTP server, runtime or sandbox.
//!
//! - [`task`]: a task as a suite line, its checks, the case it becomes, and
//!   the scripted simulated user.
//! - [`env`]: what every environment offers the loop (the [`env::Environment`] trait).
//! - [`gov`]: the simulated citizen-service office, deterministic and in-process.
//! - [`code`]: the programming environment's tools and prompt (its
//!   repository, run in the sandbox, is `tb_agent::code::Repo`).
//! - [`user`]: how the simulated user reads the agent's questions.
//!
//! The rules of both environments are in `docs/agents.md`.

pub mod code;
pub mod env;
pub mod gov;
pub mod task;
pub mod user;

pub use task::Task;
