//! What the dataset tests share.

use std::path::{Path, PathBuf};

/// A file or folder of `../shared/datasets`, or `None` (and a SKIPPED line)
/// where it is missing; in CI (TENDERBENCH_REQUIRE_SHARED) a missing one fails.
pub fn shared(path: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets").join(path);
    if p.exists() {
        return Some(p);
    }
    assert!(std::env::var_os("TENDERBENCH_REQUIRE_SHARED").is_none(), "{} is required but missing", p.display());
    eprintln!("SKIPPED: {} not present (only on the developers' and CI machines)", p.display());
    None
}
