//! The architecture's dependency rules, checked on the workspace as it is
//! (`cargo metadata`): every edge between tenderbench crates is one the
//! layering allows (ARCHITECTURE.md, "Invariants"), and the crates at the
//! bottom stay free of the heavy stacks (HTTP servers, async runtimes,
//! databases) that only the upper crates need.
//!
//! A forbidden edge fails here: add `tb-store.workspace = true` to
//! tb-spec's `[dependencies]` and run `cargo test -p tb-core --test architecture`.

#![allow(clippy::disallowed_methods, reason = "the check asks cargo and rustc for the workspace's graph")]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Each crate and the tenderbench crates it may depend on (normal
/// dependencies; tests and benches may use more).
const ALLOWED: &[(&str, &[&str])] = &[
    ("tb-core", &[]),
    ("tb-audit", &[]),
    ("tb-stats", &[]),
    ("tb-sandbox", &["tb-core"]),
    ("tb-vendor", &["tb-core"]),
    ("tb-store", &["tb-core", "tb-audit"]),
    ("tb-grade", &["tb-core", "tb-sandbox"]),
    ("tb-task", &["tb-core"]),
    ("tb-agent", &["tb-core", "tb-task", "tb-sandbox"]),
    ("tb-suite", &["tb-core", "tb-task"]),
    ("tb-spec", &["tb-core", "tb-suite", "tb-stats"]),
    ("tb-contract", &["tb-stats"]),
    ("tb-mock", &["tb-core", "tb-spec", "tb-suite", "tb-grade", "tb-vendor"]),
    ("tb-report", &["tb-core", "tb-audit", "tb-spec", "tb-suite", "tb-grade", "tb-stats", "tb-store"]),
    (
        "tb-runner",
        &["tb-core", "tb-audit", "tb-spec", "tb-suite", "tb-vendor", "tb-store", "tb-grade", "tb-sandbox", "tb-agent"],
    ),
    ("tb-bundle", &["tb-core", "tb-audit", "tb-spec", "tb-store", "tb-report", "tb-vendor", "tb-agent", "tb-suite"]),
    ("tb-dossier", &["tb-core", "tb-spec", "tb-store", "tb-report", "tb-bundle", "tb-audit"]),
    ("tb-probe", &["tb-core", "tb-audit", "tb-spec", "tb-contract", "tb-report", "tb-runner", "tb-vendor"]),
    (
        "tb-server",
        &[
            "tb-contract",
            "tb-probe",
            "tb-core",
            "tb-spec",
            "tb-store",
            "tb-runner",
            "tb-report",
            "tb-dossier",
            "tb-grade",
            "tb-bundle",
            "tb-audit",
            "tb-mock",
            "tb-vendor",
        ],
    ),
    (
        "tb-cli",
        &[
            "tb-contract",
            "tb-probe",
            "tb-stats",
            "tb-core",
            "tb-spec",
            "tb-suite",
            "tb-vendor",
            "tb-mock",
            "tb-store",
            "tb-runner",
            "tb-report",
            "tb-dossier",
            "tb-audit",
            "tb-bundle",
            "tb-server",
        ],
    ),
];

/// Stacks a crate low in the layering must not pull in, even indirectly.
const HEAVY: &[&str] = &["axum", "hyper", "sqlx", "reqwest", "tokio"];
/// The crates that must stay free of them: the domain, the statistics, the
/// audit chain, and what parsing a spec needs (the spec, the suite reader,
/// the agent task model), so that checking a tender spec starts no runtime.
const LIGHT: &[&str] = &["tb-core", "tb-audit", "tb-stats", "tb-task", "tb-suite", "tb-spec"];

struct Metadata {
    /// Workspace crate → its normal dependencies' names.
    direct: BTreeMap<String, BTreeSet<String>>,
    /// Every package id's name and its normal dependencies' ids.
    graph: BTreeMap<String, (String, Vec<String>)>,
    /// Workspace crate name → package id.
    ids: BTreeMap<String, String>,
}

fn metadata() -> Metadata {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    // The host's graph only: the crates of other platforms are never downloaded here.
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc).arg("-vV").output().expect("rustc runs");
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    let host = version.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc names its host").to_string();
    let o = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", &host])
        .current_dir(root)
        .output()
        .expect("cargo runs");
    assert!(o.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let members: BTreeSet<&str> =
        v["workspace_members"].as_array().unwrap().iter().filter_map(|m| m.as_str()).collect();
    let mut direct = BTreeMap::new();
    let mut ids = BTreeMap::new();
    for p in v["packages"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        if !members.contains(id) {
            continue;
        }
        let name = p["name"].as_str().unwrap().to_string();
        let deps: BTreeSet<String> = p["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        ids.insert(name.clone(), id.to_string());
        direct.insert(name, deps);
    }
    let mut graph = BTreeMap::new();
    for n in v["resolve"]["nodes"].as_array().unwrap() {
        let id = n["id"].as_str().unwrap().to_string();
        let name = v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == n["id"])
            .and_then(|p| p["name"].as_str())
            .unwrap_or("")
            .to_string();
        let deps = n["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
            .map(|d| d["pkg"].as_str().unwrap().to_string())
            .collect();
        graph.insert(id, (name, deps));
    }
    Metadata { direct, graph, ids }
}

#[test]
fn every_dependency_between_crates_is_one_the_architecture_allows() {
    let m = metadata();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (krate, deps) in &m.direct {
        let Some(may) = allowed.get(krate.as_str()) else {
            wrong.push(format!("{krate} is not in the architecture's table (crates/tb-core/tests/architecture.rs)"));
            continue;
        };
        for d in deps.iter().filter(|d| d.starts_with("tb-")) {
            if !may.contains(&d.as_str()) {
                wrong.push(format!("{krate} depends on {d}, which the layering forbids"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_bottom_crates_pull_in_no_server_runtime_or_database() {
    let m = metadata();
    for krate in LIGHT {
        let mut seen = BTreeSet::new();
        let mut stack = vec![m.ids[*krate].clone()];
        while let Some(id) = stack.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            let (name, deps) = &m.graph[&id];
            assert!(!HEAVY.contains(&name.as_str()), "{krate} pulls in {name}");
            stack.extend(deps.iter().cloned());
        }
    }
}

/// Every normal dependency a crate declares is named in its sources: a
/// dependency nobody uses costs every clean build its compile time.
#[test]
fn every_declared_dependency_is_used() {
    let m = metadata();
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut unused = Vec::new();
    for (krate, deps) in &m.direct {
        let mut text = String::new();
        let mut dirs = vec![root.join("crates").join(krate).join("src")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    text.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
                }
            }
        }
        for d in deps {
            let name = d.replace('-', "_");
            if !text.contains(&format!("{name}::"))
                && !text.contains(&format!("{name} "))
                && !text.contains(&format!("{name};"))
            {
                unused.push(format!("{krate} declares {d} and never names it"));
            }
        }
    }
    assert!(unused.is_empty(), "{}", unused.join("\n"));
}
