//! `tenderbench demo`: rehearse a tender against simulated vendors, in-process,
//! on ephemeral loopback ports.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tb_audit::Keypair;
use tb_mock::Profile;
use tb_runner::RunOptions;
use tb_store::DbLocation;

use crate::commands::{execute, load_spec};
use crate::{Failure, LangArg};

/// Simulated vendors are assigned these profiles in spec order, cycling.
pub const DEMO_PROFILES: [&str; 3] = tb_mock::simulate::DEFAULT_PROFILES;

fn write_example(dir: &Path) -> Result<PathBuf, Failure> {
    let spec = [("tender.toml", tb_spec::example::SPEC)];
    for (name, text) in spec.iter().chain(tb_spec::example::FILES) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(dir.join("tender.toml"))
}

/// How a demo departs from the spec: a real local model added, fewer cases.
pub struct Rehearsal {
    /// The local model's base URL, when it joins as a fourth vendor.
    pub real: Option<String>,
    /// Only the first N cases of each suite.
    pub cases: Option<usize>,
    /// The simulated vendors' profiles, in spec order, cycling.
    pub profiles: Vec<String>,
}

/// The local model's name in every output: nobody may mistake it for a bidder.
pub const LOCAL_MODEL_LABEL: &str = "本地135M模型 local 135M model (SmolLM2, not a bidder)";

/// Cases per suite when the local model takes part and `--cases` is not given.
const REAL_DEFAULT_CASES: usize = 30;

pub async fn demo(
    spec: Option<PathBuf>,
    db: &DbLocation,
    out: &Path,
    lang: LangArg,
    key: Option<PathBuf>,
    rehearsal: Rehearsal,
) -> Result<ExitCode, Failure> {
    let spec_path = match spec {
        Some(p) => p,
        None => {
            let p = write_example(&out.join("example-hotline"))?;
            eprintln!("built-in example tender written to {}", p.display());
            p
        }
    };
    let profiles: Vec<Profile> = rehearsal
        .profiles
        .iter()
        .map(|name| {
            Profile::named(name).ok_or_else(|| {
                let known: Vec<&str> = Profile::catalogue().into_iter().map(|(n, _)| n).collect();
                crate::bad_input(anyhow::anyhow!(
                    "unknown simulated vendor profile {name:?}; profiles: {} (or fault:NAME)",
                    known.join(", ")
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    if profiles.is_empty() {
        return Err(crate::bad_input(anyhow::anyhow!("--profiles needs at least one profile")));
    }
    let mut spec = load_spec(&spec_path)?;
    // The key is written only for a spec that is valid.
    let key_path = match key {
        Some(p) => p,
        None => {
            let dir = out.join("demo-key");
            let path = dir.join(tb_audit::PRIVATE_KEY_FILE);
            if !path.exists() {
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                let (kp, _) = Keypair::generate_files(&dir)?;
                eprintln!("demo signing key written to {} (fingerprint {})", path.display(), kp.fingerprint());
            }
            path
        }
    };
    let key = Arc::new(Keypair::load(&key_path).map_err(crate::bad_input)?);
    let cases = rehearsal.cases.or(rehearsal.real.as_ref().map(|_| REAL_DEFAULT_CASES));
    if let Some(n) = cases {
        first_cases(&mut spec, n, &out.join("demo-subsets"))?;
        eprintln!("rehearsing on the first {n} cases of each suite");
    }
    if rehearsal.real.is_some() {
        eprintln!(
            "SIMULATED BIDDERS: every bidder below is tenderbench's simulator, not a real service; \
             the local 135M model beside them answers for real (not a bidder)"
        );
    } else {
        eprintln!("SIMULATED VENDORS: every vendor below is tenderbench's simulator, not a real service");
    }
    // The simulated vendors serve from threads of their own, so that their
    // work does not delay the client's measurements (the client's runtime has one thread).
    let vendors_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("simulated-vendor")
        .enable_all()
        .build()
        .context("cannot start the simulated vendors' runtime")?;
    let result = async {
        let simulated = tb_mock::simulate::simulate(&mut spec, &profiles, vendors_runtime.handle(), None)
            .await
            .map_err(crate::bad_input)?;
        for (name, profile, accuracy, url) in &simulated.vendors {
            eprintln!("  {name} → simulated '{profile}' (accuracy {:.0}%) at {url}", accuracy * 100.0);
        }
        for j in &spec.judges {
            eprintln!("  judge {} → simulated judge at {}", j.id, j.endpoint.base_url);
        }
        if let Some(url) = &rehearsal.real {
            add_local_model(&mut spec, url).await?;
        }
        let seals = tb_runner::Seals::default();
        let opts = RunOptions { resume: None, simulated: true, key: Some(key), egress: None, seals, journal: None };
        execute(&spec, None, db, out, opts, lang).await
    }
    .await;
    // Dropping a runtime may not block inside another one: on every path,
    // an early error included, it is shut down without waiting.
    vendors_runtime.shutdown_background();
    result
}

/// Points every used suite at a copy of its first `n` cases (tables converted first).
fn first_cases(spec: &mut tb_spec::Spec, n: usize, dir: &Path) -> Result<(), Failure> {
    // A sealed suite's copy no longer matches its commitment; a rehearsal does not check it.
    crate::commands::subset_suites(spec, dir, |_, lines| (0..n.min(lines)).collect())
}

/// Adds the local model as one more vendor, after checking that it answers.
/// Its bid is the highest, so it never changes the others' price scores.
async fn add_local_model(spec: &mut tb_spec::Spec, url: &str) -> Result<(), Failure> {
    let highest = spec.vendors.iter().map(|v| v.bid_price).fold(1.0, f64::max);
    let local = tb_spec::VendorSpec {
        name: LOCAL_MODEL_LABEL.into(),
        provider: Some("llamacpp".into()),
        base_url: url.trim_end_matches('/').to_string(),
        model: "smollm2-135m-instruct".into(),
        api_key_env: None,
        bid_price: highest,
        concurrency: 1,
        timeout_secs: 180.0,
        max_retries: 1,
        stream: true,
        stream_usage: true,
        temperature_range: (0.0, 2.0),
        price_per_mtok_input: None,
        price_per_mtok_output: None,
        family: Some("smollm".into()),
        agent_api: None,
        requests_per_second: None,
        fim_url: None,
    };
    let client = tb_runner::vendor_client(&local)?;
    if let Err(e) = client.list_models().await {
        return Err(crate::bad_input(anyhow::anyhow!(
            "the local model does not answer at {url} ({e}); start it with `scripts/local-vendor start`"
        )));
    }
    eprintln!("  {LOCAL_MODEL_LABEL} → real model at {url}");
    spec.vendors.push(local);
    Ok(())
}
