//! Service levels under load, end to end, in a test binary of their own.
//!
//! These tests measure milliseconds. Cargo runs test binaries one after
//! another, so none of them shares the machine with the `it` binary's
//! compilers, JVMs and browsers; within this binary they take turns
//! ([`alone`]). What they tolerate is what a quiet debug build shows;
//! `scripts/load-bench.sh` measures the tails with release builds.

#![allow(clippy::disallowed_methods, reason = "end-to-end tests spawn the binary and call servers over HTTP")]

#[allow(dead_code, reason = "the `it` binary's helpers; this binary uses some of them")]
#[path = "../it/support.rs"]
mod support;

mod stages;

/// Held for the whole of a timing test: one runs at a time.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn alone() -> tokio::sync::MutexGuard<'static, ()> {
    TURN.lock().await
}
