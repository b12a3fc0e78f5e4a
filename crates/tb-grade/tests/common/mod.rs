//! What the dataset and sandbox tests share.

use std::path::{Path, PathBuf};

/// A file or folder of `../shared/datasets`, or `None` (and a SKIPPED line)
/// where it is missing; in CI (TENDERBENCH_REQUIRE_SHARED) a missing one fails.
#[allow(dead_code, reason = "not every test reads the shared datasets")]
pub fn shared(path: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets").join(path);
    if p.exists() {
        return Some(p);
    }
    assert!(std::env::var_os("TENDERBENCH_REQUIRE_SHARED").is_none(), "{} is required but missing", p.display());
    eprintln!("SKIPPED: {} not present (only on the developers' and CI machines)", p.display());
    None
}

/// A bubblewrap sandbox with two slots, or `None` (and a SKIPPED line) where
/// it cannot start; in CI (TENDERBENCH_REQUIRE_SANDBOX) that fails the test.
#[allow(dead_code, reason = "not every dataset test runs code")]
pub fn sandbox() -> Option<tb_sandbox::Sandbox> {
    use tb_sandbox::{Isolation, Limits, Sandbox};
    match Sandbox::new(Isolation::Bubblewrap, Limits::default(), 2) {
        Ok(s) => Some(s),
        Err(e) => {
            assert!(std::env::var_os("TENDERBENCH_REQUIRE_SANDBOX").is_none(), "sandbox required: {e}");
            eprintln!("SKIPPED: {e}");
            None
        }
    }
}
