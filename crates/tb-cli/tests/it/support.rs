//! Helpers: run the binary, write specs and suites, start simulated vendors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use tb_mock::{CaseIndex, MockVendor, Profile};
use tb_suite::{SuiteFormat, SuiteReader};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tenderbench"))
}

/// Runs the binary in `dir` on a blocking thread (the test's runtime keeps serving mocks).
pub async fn tb(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || bin().current_dir(dir).args(args).output().expect("binary runs"))
        .await
        .expect("join")
}

/// As [`tb`], with environment variables set for the one command.
pub async fn tb_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    tokio::task::spawn_blocking(move || bin().current_dir(dir).args(args).envs(env).output().expect("binary runs"))
        .await
        .expect("join")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes a native JSONL suite of `n` arithmetic cases with ids `{prefix}{i}`.
pub fn write_numeric_suite(path: &Path, prefix: &str, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "{{\"id\": \"{prefix}{i}\", \"prompt\": \"{prefix}: what is {i} + {}?\", \"answer\": \"{}\", \"language\": \"en\"}}\n",
            i * 3,
            i * 4
        ));
    }
    std::fs::write(path, s).unwrap();
}

pub fn index_of(paths: &[(&Path, SuiteFormat)]) -> Arc<CaseIndex> {
    let mut index = CaseIndex::default();
    for (p, f) in paths {
        for c in SuiteReader::open(p, *f).unwrap() {
            index.insert(&c.unwrap());
        }
    }
    Arc::new(index)
}

/// Starts a simulated vendor; returns it (for request counts) and its base URL.
pub async fn mock(profile: Profile, seed: u64, index: Arc<CaseIndex>) -> (MockVendor, String) {
    let m = MockVendor::new(profile, seed, index);
    let (url, _task) = m.clone().spawn_local().await.unwrap();
    (m, url)
}

pub fn profile(name: &str) -> Profile {
    Profile::named(name).unwrap()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// The one run folder under `out`.
pub fn run_dir(out: &Path) -> PathBuf {
    let dirs: Vec<_> =
        std::fs::read_dir(out).unwrap().map(|e| e.unwrap().path()).filter(|p| p.join("report.json").exists()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

/// A spec header; append suites, criteria and vendors.
pub fn spec_head(price_weight: f64) -> String {
    format!(
        "[tender]\nid = \"T-TEST\"\ntitle = \"test tender\"\nbuyer = \"test buyer\"\nkind = \"services\"\nprice_weight = {price_weight}\n\n[run]\nseed = 1\n\n"
    )
}

pub fn vendor_toml(name: &str, url: &str, model: &str, price: f64, extra: &str) -> String {
    format!("[[vendor]]\nname = \"{name}\"\nbase_url = \"{url}\"\nmodel = \"{model}\"\nbid_price = {price}\n{extra}\n")
}

/// A spec over `s.jsonl` (one numeric criterion) with these vendors.
pub fn numeric_spec(vendors: &str) -> String {
    format!(
        "{}[[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n[[criterion]]\nid = \"math\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 1.0\n\n{vendors}",
        spec_head(0.3)
    )
}

/// A `tenderbench` child process whose standard error is read as it runs.
pub struct Running {
    pub child: std::process::Child,
    pub run_id: String,
}

/// Spawns the binary, waits until it announces its run id (`run ID started`),
/// and keeps draining its standard error so it never blocks on a full pipe.
pub async fn spawn_run(dir: &Path, args: &[&str]) -> Running {
    use std::io::{BufRead, BufReader};
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary starts");
    let pipe = child.stderr.take().expect("piped stderr");
    let run_id = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(pipe).lines();
        let id = lines.find_map(|l| {
            l.ok().and_then(|l| l.strip_prefix("run ").map(|r| r.split(' ').next().unwrap_or_default().to_string()))
        });
        std::thread::spawn(move || for _ in lines {});
        id
    })
    .await
    .expect("join")
    .expect("the run announces its id");
    Running { child, run_id }
}

/// Waits until the simulated vendor has received `at_least` requests.
pub async fn wait_for_requests(m: &MockVendor, at_least: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while m.request_counts().values().sum::<u64>() < at_least {
        assert!(std::time::Instant::now() < deadline, "the run made no progress");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A temporary folder holding `s.jsonl`, a numeric suite of `n` cases, and
/// the index a simulated vendor answers it from.
pub fn numeric_suite_dir(n: usize) -> (tempfile::TempDir, Arc<CaseIndex>) {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("s.jsonl");
    write_numeric_suite(&suite, "q", n);
    let index = index_of(&[(&suite, SuiteFormat::Jsonl)]);
    (dir, index)
}

/// Whether the bubblewrap sandbox starts here; where it does not, the caller
/// skips and says so, except in CI (`TENDERBENCH_REQUIRE_SANDBOX`), where that fails.
pub fn sandbox_available() -> bool {
    let ok = std::path::Path::new("/usr/bin/bwrap").exists()
        && tb_sandbox::Sandbox::new(tb_sandbox::Isolation::Bubblewrap, tb_sandbox::Limits::default(), 1).is_ok();
    if !ok {
        assert!(std::env::var_os("TENDERBENCH_REQUIRE_SANDBOX").is_none(), "the sandbox is required here");
        eprintln!("SKIPPED: bubblewrap is not available on this machine; CI requires it");
    }
    ok
}

/// Exports run `run_id` from the store `db` in `dir` and verifies the bundle offline, through the CLI.
pub async fn export_and_verify(dir: &Path, run_id: &str, db: &str) {
    let o = tb(dir, &["export", run_id, "--db", db, "--bundle", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tb(dir, &["verify", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

/// The rows of a `results.csv`, each a map from column name to field.
pub fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect()
}

/// A demo run's signed bundle (its key in `tenderbench-out/demo-key`) verifies
/// offline and reproduces the report byte for byte.
pub async fn demo_bundle_verifies(dir: &Path, run_id: &str) {
    let key = dir.join("tenderbench-out/demo-key/tenderbench.key");
    let bundle = dir.join("b.tar.gz");
    let o = tb(dir, &["export", run_id, "--bundle", bundle.to_str().unwrap(), "--key", key.to_str().unwrap()]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tb(dir, &["verify", bundle.to_str().unwrap()]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("report.json identical"), "{}", stdout(&o));
}
