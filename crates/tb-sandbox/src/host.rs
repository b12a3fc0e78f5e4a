//! Where this machine's toolchains live, resolved for the sandbox: it sees
//! `/usr` but not `/etc`, so a program reached through `/etc/alternatives`
//! must be named by its real path, and a JDK's configuration (links into
//! `/etc/java-<version>`) must be made visible on its own.

use std::path::{Path, PathBuf};

/// `/usr/bin/<program>` with its links resolved, when it ends under `/usr`.
pub fn program_under_usr(program: &str) -> Option<PathBuf> {
    let path = std::fs::canonicalize(Path::new("/usr/bin").join(program)).ok()?;
    (path.starts_with("/usr") && path.is_file()).then_some(path)
}

/// The JDKs' configuration directories (`/etc/java-*`), which a sandboxed
/// `java` or `javac` must see read-only.
pub fn java_config_dirs() -> Vec<PathBuf> {
    let Ok(etc) = std::fs::read_dir("/etc") else { return Vec::new() };
    let mut dirs: Vec<PathBuf> = etc
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("java-"))
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// JUnit 5's console launcher, one jar with the platform, the Jupiter engine
/// and its API (Debian's `junit5`).
pub fn junit5_jar() -> Option<PathBuf> {
    let jar = Path::new("/usr/share/java/junit-platform-console-standalone.jar");
    let jar = std::fs::canonicalize(jar).ok()?;
    (jar.starts_with("/usr") && jar.is_file()).then_some(jar)
}
