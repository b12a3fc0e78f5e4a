//! `keygen`, `export`, `verify` and `regrade`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use tb_audit::Keypair;
use tb_store::Store;

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

async fn open_existing(db: &Path) -> Result<Store, Failure> {
    if !db.exists() {
        return Err(bad_input(anyhow!("no store at {} (give --db PATH)", db.display())));
    }
    Ok(Store::open(db).await?)
}

pub async fn export(run_id: &str, bundle: &Path, db: &Path, key: &Path) -> Result<ExitCode, Failure> {
    let key = Keypair::load(key).map_err(bad_input)?;
    let store = open_existing(db).await?;
    let files = tb_bundle::export(&store, run_id, &key, bundle).await?;
    store.close().await;
    println!("bundle {} written: {files} files, signed by key {}", bundle.display(), key.fingerprint());
    Ok(ExitCode::SUCCESS)
}

pub async fn verify(bundle: &Path, expect_key: Option<&str>) -> Result<ExitCode, Failure> {
    match tb_bundle::verify(bundle, expect_key).await {
        Ok(v) => {
            println!("VERIFIED: run {} (signing key {})", v.run_id, v.fingerprint);
            println!("  manifest signature and every file hash");
            println!("  {} evidence bodies match their hashes", v.evidence);
            println!("  audit chain of {} entries intact; {} signed checkpoints", v.audit_entries, v.checkpoints);
            println!("  {} cells match the audit log and their recorded responses", v.cells);
            println!("  every score recomputed: report.json identical (sha256 {})", v.report_sha256);
            if expect_key.is_none() {
                println!("  note: compare the key fingerprint with the one the buyer published (--expect-key)");
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

pub async fn regrade(run_id: &str, db: &Path, out: &Path, key: &Path, lang: LangArg) -> Result<ExitCode, Failure> {
    let key = Keypair::load(key).map_err(bad_input)?;
    let store = open_existing(db).await?;
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
    println!("reports: {}", dir.display());
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
