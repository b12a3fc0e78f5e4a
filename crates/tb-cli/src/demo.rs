//! `tenderbench demo`: rehearse a tender against simulated vendors, in-process,
//! on ephemeral loopback ports.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tb_audit::Keypair;
use tb_mock::{MockVendor, Profile};
use tb_runner::RunOptions;

use crate::commands::{execute, index_cases, load_spec};
use crate::{Failure, LangArg};

/// The built-in example, embedded so the demo runs from any folder.
const EXAMPLE: &[(&str, &str)] = &[
    ("tender.toml", include_str!("../../../examples/hotline/tender.toml")),
    ("suites/README.md", include_str!("../../../examples/hotline/suites/README.md")),
    ("suites/ceval_public_service.jsonl", include_str!("../../../examples/hotline/suites/ceval_public_service.jsonl")),
    ("suites/gsm8k_200.jsonl", include_str!("../../../examples/hotline/suites/gsm8k_200.jsonl")),
];

/// Simulated vendors are assigned these profiles in spec order, cycling.
pub const DEMO_PROFILES: [&str; 3] = ["strong", "average", "weak"];

fn write_example(dir: &Path) -> Result<PathBuf, Failure> {
    for (name, text) in EXAMPLE {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(dir.join("tender.toml"))
}

pub async fn demo(
    spec: Option<PathBuf>,
    db: &Path,
    out: &Path,
    lang: LangArg,
    key: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
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
    let spec_path = match spec {
        Some(p) => p,
        None => {
            let p = write_example(&out.join("example-hotline"))?;
            eprintln!("built-in example tender written to {}", p.display());
            p
        }
    };
    let mut spec = load_spec(&spec_path)?;
    let suites: Vec<_> =
        spec.used_suites().map(|s| s.readable()).collect::<Result<_, _>>().map_err(crate::bad_input)?;
    let index = Arc::new(index_cases(&suites)?);
    eprintln!("SIMULATED VENDORS: every vendor below is tenderbench's simulator, not a real service");
    let mut servers = Vec::new();
    for (i, v) in spec.vendors.iter_mut().enumerate() {
        let profile_name = DEMO_PROFILES[i % DEMO_PROFILES.len()];
        let profile = Profile::named(profile_name).expect("demo profiles exist");
        let accuracy = profile.accuracy;
        let mock = MockVendor::new(profile, spec.run.seed.wrapping_add(i as u64), index.clone());
        let model = mock.model().to_string();
        let (url, task) = mock.spawn_local().await.context("cannot start a simulated vendor on 127.0.0.1")?;
        eprintln!("  {} → simulated '{profile_name}' (accuracy {:.0}%) at {url}", v.name, accuracy * 100.0);
        v.base_url = url;
        v.model = model;
        v.provider = None;
        v.api_key_env = None;
        v.stream = true;
        v.stream_usage = true;
        v.temperature_range = (0.0, 2.0);
        servers.push(task);
    }
    for j in spec.judges.iter_mut() {
        // The simulated judge passes an answer that contains the reference answer.
        let mock =
            MockVendor::new(Profile::named("strong").expect("demo profiles exist"), spec.run.seed, index.clone());
        let (url, task) = mock.spawn_local().await.context("cannot start a simulated judge on 127.0.0.1")?;
        eprintln!("  judge {} → simulated judge at {url}", j.id);
        j.endpoint.base_url = url;
        j.endpoint.model = format!("simulated-judge ({})", j.endpoint.model);
        j.endpoint.provider = None;
        j.endpoint.api_key_env = None;
        j.note = Some("SIMULATED judge: passes answers that contain the reference answer".into());
        servers.push(task);
    }
    let result = execute(&spec, db, out, RunOptions { resume: None, simulated: true, key: Some(key) }, lang).await;
    for s in servers {
        s.abort();
    }
    result
}
