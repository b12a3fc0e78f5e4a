//! The crates HumanEval-X's Rust tasks use (rand, regex, md5), compiled once
//! with the host's cargo, as HumanEval-X's own evaluation builds them, so
//! that a sandboxed `rustc` can link them (`--extern`) without a registry.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::MIRROR_BASE;

/// Compiled crates a sandboxed Rust program may use, and the directory of
/// their dependencies (`-L dependency=…`), both world-readable.
#[derive(Debug, Clone)]
pub struct RustCrates {
    pub deps: PathBuf,
    /// Each crate's name and its `.rlib`.
    pub externs: Vec<(String, PathBuf)>,
}

/// The crates, and the versions HumanEval-X's evaluation asks for.
const CRATES: [(&str, &str); 3] = [("rand", "0.8"), ("regex", "1"), ("md5", "0.7")];

/// The crates, built here once per toolchain (by `cargo build --release`
/// under `/var/tmp`, a minute on two cores) and reused after; `None` where
/// cargo cannot build them (no cargo, or no registry and nothing cached).
pub fn rust_crates() -> Option<RustCrates> {
    let version = Command::new("rustc").arg("-vV").stdin(Stdio::null()).output().ok()?;
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    let tag = version.lines().find_map(|l| l.strip_prefix("commit-hash: ")).unwrap_or("unknown").trim();
    let dir = Path::new(MIRROR_BASE).join(format!("tenderbench-rust-crates-{}", &tag[..tag.len().min(12)]));
    if !dir.join(".complete").is_file() {
        build(&dir)?;
    }
    let deps = dir.join("target/release/deps");
    let externs = CRATES
        .iter()
        .map(|(name, _)| {
            let prefix = format!("lib{name}-");
            let rlib = std::fs::read_dir(&deps)
                .ok()?
                .flatten()
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "rlib") && file_name(p).starts_with(&prefix))?;
            Some((name.to_string(), rlib))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(RustCrates { deps, externs })
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Builds the crates in a staging directory and renames it into place, so
/// another process never sees half a build.
fn build(dir: &Path) -> Option<()> {
    let staging = dir.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(staging.join("src")).ok()?;
    let dependencies: String = CRATES.iter().map(|(name, version)| format!("{name} = \"{version}\"\n")).collect();
    let manifest = format!(
        "[package]\nname = \"tenderbench-rust-crates\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{dependencies}"
    );
    std::fs::write(staging.join("Cargo.toml"), manifest).ok()?;
    std::fs::write(staging.join("src/lib.rs"), "").ok()?;
    let built = Command::new("cargo")
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(staging.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", staging.join("target"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    if !built.success() || std::fs::write(staging.join(".complete"), b"").is_err() {
        let _ = std::fs::remove_dir_all(&staging);
        return None;
    }
    // Another process may have finished the same build first; either is whole.
    if std::fs::rename(&staging, dir).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    dir.join(".complete").is_file().then_some(())
}
