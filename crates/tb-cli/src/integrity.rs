//! `keygen`, `export`, `verify` and `regrade`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::anyhow;
use tb_audit::{Keypair, Seal};
use tb_store::{DbLocation, Store};
use tb_suite::SuiteFormat;

use crate::commands::write_outputs;
use crate::{Failure, LangArg, bad_input};

pub fn keygen(dir: &Path) -> Result<ExitCode, Failure> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow!("cannot create {}: {e}", dir.display()))?;
    let (kp, path) = Keypair::generate_files(dir).map_err(bad_input)?;
    println!("private key: {} (mode 0600; keep it secret)", path.display());
    println!("public key:  {}", dir.join(tb_audit::PUBLIC_KEY_FILE).display());
    println!("fingerprint: {}  (publish this with the tender)", kp.fingerprint());
    Ok(ExitCode::SUCCESS)
}

pub async fn open_existing(db: &DbLocation) -> Result<Store, Failure> {
    if db.is_missing_file() {
        return Err(bad_input(anyhow!("no store at {db} (give --db PATH)")));
    }
    Ok(Store::open(db).await?)
}

pub async fn export(
    run_id: &str,
    bundle: &Path,
    db: &DbLocation,
    key: &Path,
    reveals: &[PathBuf],
) -> Result<ExitCode, Failure> {
    let mut seals = Vec::new();
    for path in reveals {
        seals.push(read_seal(path)?);
    }
    let store = open_existing(db).await?;
    let key = crate::committee::run_key(&store.run(run_id).await?, key)?;
    let files = tb_bundle::export(&store, run_id, &key, &seals, bundle).await?;
    store.close().await;
    println!("bundle {} written: {files} files, signed by key {}", bundle.display(), key.fingerprint());
    Ok(ExitCode::SUCCESS)
}

/// `verify`'s status when everything verified except a sealed suite's
/// commitment, which the bundle holds no reveal to check.
pub const UNCHECKED_COMMITMENT: u8 = 3;

pub async fn verify(bundle: &Path, expect_key: Option<&str>) -> Result<ExitCode, Failure> {
    match tb_bundle::verify(bundle, expect_key).await {
        Ok(v) => {
            println!("VERIFIED: run {} (signing key {})", v.run_id, v.fingerprint);
            println!("  manifest signature and every file hash");
            println!("  {} evidence bodies match their hashes", v.evidence);
            println!("  audit chain of {} entries intact; {} signed checkpoints", v.audit_entries, v.checkpoints);
            println!("  {} cells match the audit log and their recorded responses", v.cells);
            if v.grader_changes.is_empty() {
                println!("  every score recomputed: report.json identical (sha256 {})", v.report_sha256);
            } else {
                // A newer build: the graders improved since, and read this bundle's answers the same.
                println!(
                    "  every score recomputed: every grade, score and rank identical; graded by earlier \
                     grader versions ({}), which this build's read every answer the same as \
                     (sha256 {})",
                    v.grader_changes.join(", "),
                    v.report_sha256
                );
            }
            if expect_key.is_none() {
                println!("  note: compare the key fingerprint with the one the buyer published (--expect-key)");
            }
            if !v.unchecked_commitments.is_empty() {
                // Everything else held; this one check could not be made.
                println!(
                    "NOT CHECKED: the commitment of sealed suite(s) {}: the bundle holds no reveal; \
                     export it with --reveal SEAL once the seal may be published",
                    v.unchecked_commitments.join(", ")
                );
                return Ok(ExitCode::from(UNCHECKED_COMMITMENT));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ tb_bundle::BundleError::Invalid(_)) => {
            println!("{e}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn regrade(
    run_id: &str,
    db: &DbLocation,
    out: &Path,
    key: &Path,
    lang: LangArg,
) -> Result<ExitCode, Failure> {
    let store = open_existing(db).await?;
    let key = crate::committee::run_key(&store.run(run_id).await?, key)?;
    let previous = tb_bundle::last_signed_report(&store, run_id).await?;
    let dir = out.join(run_id).join("regraded");
    let report = write_outputs(&store, run_id, &dir, lang, Some(&key), previous.clone()).await?;
    let now = tb_audit::sha256_hex(tb_report::render_json(&report).as_bytes());
    match previous {
        Some(p) if p == now => println!("regraded run {run_id}: report unchanged (sha256 {now})"),
        Some(p) => {
            println!("regraded run {run_id}: report changed from sha256 {p} to {now}; both are in the audit log")
        }
        None => println!("regraded run {run_id}: first signed report, sha256 {now}"),
    }
    crate::commands::print_written(&dir);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn read_seal(path: &Path) -> Result<Seal, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| bad_input(anyhow!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| bad_input(anyhow!("{} is not a seal file: {e}", path.display())))
}

pub fn seal(suite: &Path, format: &str, canary: bool) -> Result<ExitCode, Failure> {
    let format = SuiteFormat::from_name(format).ok_or_else(|| {
        bad_input(anyhow!("unknown --format {format:?}; expected one of: {}", SuiteFormat::names().join(", ")))
    })?;
    let seal_file = tb_runner::seal_path(suite);
    if seal_file.exists() {
        return Err(bad_input(anyhow!("{} exists already: a suite is sealed once", seal_file.display())));
    }
    let canary = if canary { Some(plant_canary(suite)?) } else { None };
    let summary = tb_suite::validate(suite, format).map_err(bad_input)?;
    let salt = tb_audit::random_salt();
    let commitment = tb_audit::seal_commitment(&summary.sha256, &salt);
    let seal =
        Seal { suite_sha256: summary.sha256, cases: summary.cases, salt, commitment: commitment.clone(), canary };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&seal_file).map_err(|e| anyhow!("cannot write {}: {e}", seal_file.display()))?;
    f.write_all(serde_json::to_string_pretty(&seal).expect("a seal serializes").as_bytes())
        .map_err(|e| anyhow!("cannot write {}: {e}", seal_file.display()))?;
    println!("sealed {} ({} cases)", suite.display(), seal.cases);
    println!("commitment: {commitment}");
    println!("publish it in the tender and put it in the spec: [[suite]] commitment = \"{commitment}\"");
    println!("keep {} secret until scoring is final (it holds the salt)", seal_file.display());
    if let Some(c) = &seal.canary {
        println!("canary planted in every line: {c}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Adds a `canary` field holding one random string to every line of a JSONL suite.
fn plant_canary(suite: &Path) -> Result<String, Failure> {
    let canary = format!("TENDERBENCH-CANARY-{}", &tb_audit::random_salt()[..24]);
    let text =
        std::fs::read_to_string(suite).map_err(|e| bad_input(anyhow!("cannot read {}: {e}", suite.display())))?;
    let mut out = String::with_capacity(text.len() + text.lines().count() * 60);
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| bad_input(anyhow!("{}:{}: not valid JSON: {e}", suite.display(), i + 1)))?;
        let obj =
            v.as_object_mut().ok_or_else(|| bad_input(anyhow!("{}:{}: not a JSON object", suite.display(), i + 1)))?;
        obj.insert("canary".into(), canary.clone().into());
        out.push_str(&v.to_string());
        out.push('\n');
    }
    let tmp = suite.with_extension("canary.tmp");
    std::fs::write(&tmp, out).map_err(|e| anyhow!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, suite).map_err(|e| anyhow!("cannot replace {}: {e}", suite.display()))?;
    Ok(canary)
}

pub fn reveal(seal_file: &Path) -> Result<ExitCode, Failure> {
    let seal = read_seal(seal_file)?;
    let name = seal_file.to_string_lossy();
    let suite = PathBuf::from(name.strip_suffix(".seal.json").unwrap_or(&name));
    let sha = tb_suite::file_sha256(&suite).map_err(bad_input)?;
    if !seal.matches(&sha) {
        println!(
            "REVEAL FAILED: {} is not the suite that was sealed (sealed sha256 {}, now {sha})",
            suite.display(),
            seal.suite_sha256
        );
        return Ok(ExitCode::from(1));
    }
    println!("{}", serde_json::to_string_pretty(&seal).expect("a seal serializes"));
    eprintln!("publish the suite file and the JSON above; anyone can check them with `tenderbench verify-seal`");
    Ok(ExitCode::SUCCESS)
}

pub fn verify_seal(suite: &Path, commitment: &str, salt: &str) -> Result<ExitCode, Failure> {
    let sha = tb_suite::file_sha256(suite).map_err(bad_input)?;
    if tb_audit::seal_commitment(&sha, salt) == commitment {
        println!("SEAL VERIFIED: {} (sha256 {sha}) is the suite committed to as {commitment}", suite.display());
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "SEAL FAILED: {} (sha256 {sha}) with this salt does not give commitment {commitment}",
            suite.display()
        );
        Ok(ExitCode::from(1))
    }
}

pub async fn reveal_mapping(
    run_id: &str,
    db: &DbLocation,
    out: &Path,
    key: &Path,
    lang: LangArg,
) -> Result<ExitCode, Failure> {
    let store = open_existing(db).await?;
    let run = store.run(run_id).await?;
    let key = crate::committee::run_key(&run, key)?;
    let Some(mapping) = run.blind_mapping.clone() else {
        return Err(bad_input(anyhow!("run {run_id} is not blind: there is no mapping to reveal")));
    };
    if run.blind_revealed {
        return Err(bad_input(anyhow!("the mapping of run {run_id} is revealed already")));
    }
    if run.status != tb_store::RunStatus::Finished {
        return Err(bad_input(anyhow!("run {run_id} is {}: reveal only after scoring is final", run.status.as_str())));
    }
    // Scoring ends at the reveal: a bidder the panel has not scored in full could never be ranked.
    let report = tb_report::build(&store, run_id).await?;
    let pending: Vec<String> = report
        .vendors
        .iter()
        .flat_map(|v| v.criteria.iter().filter(|c| c.pending).map(move |c| format!("{} on {}", v.name, c.id)))
        .collect();
    if !pending.is_empty() {
        return Err(bad_input(anyhow!(
            "the panel has not finished scoring ({}): reveal once every evaluator has scored every bidder (tenderbench evaluate {run_id} …)",
            pending.join("; ")
        )));
    }
    let value: serde_json::Value = serde_json::from_str(&mapping).map_err(|e| anyhow!("stored mapping: {e}"))?;
    let commitment = tb_audit::sha256_hex(mapping.as_bytes());
    let mut chain = tb_audit::Chain::resume(run_id, store.audit_head(run_id).await?.as_ref());
    let entry = chain.append(
        "mapping_revealed",
        &serde_json::json!({ "mapping": value, "commitment": commitment }),
        &tb_store::now_rfc3339(),
    );
    store.append_audit(&[entry]).await?;
    store.set_blind_revealed(run_id).await?;
    for (name, code) in value["codes"].as_object().into_iter().flatten() {
        println!("{}  {name}", code.as_str().unwrap_or("?"));
    }
    println!("mapping commitment {commitment} (logged when the run started)");
    let previous = tb_bundle::last_signed_report(&store, run_id).await?;
    let dir = out.join(run_id).join("revealed");
    write_outputs(&store, run_id, &dir, lang, Some(&key), previous).await?;
    println!("reports with names: {}", dir.display());
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
