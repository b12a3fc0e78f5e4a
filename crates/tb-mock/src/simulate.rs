//! A tender rehearsed against simulated vendors: every vendor (and judge)
//! of a spec pointed at a [`MockVendor`] on loopback. Used by the demo and
//! by the server's simulated runs.

use std::sync::Arc;

use tb_spec::Spec;
use tb_suite::SuiteReader;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::{CaseIndex, MockVendor, Profile};

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("{0}")]
    Suite(String),
    #[error("cannot start a simulated vendor on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    #[error("the simulated vendors' runtime stopped")]
    Runtime,
}

/// The profiles a rehearsal gives its vendors when none are named, in spec order, cycling.
pub const DEFAULT_PROFILES: [&str; 3] = ["strong", "average", "weak"];

/// The simulated vendors of a run: their server tasks, aborted on drop.
pub struct Simulated {
    pub tasks: Vec<JoinHandle<()>>,
    /// `(vendor, profile, accuracy, url)` for each vendor, in spec order.
    pub vendors: Vec<(String, String, f64, String)>,
}

impl Drop for Simulated {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Every case of the spec's used suites, so the simulators know the answers.
pub fn index_spec(spec: &Spec) -> Result<CaseIndex, SimulateError> {
    let mut index = CaseIndex::default();
    for suite in spec.used_suites() {
        let (path, format) = suite.readable().map_err(|e| SimulateError::Suite(e.to_string()))?;
        let reader = SuiteReader::open(&path, format).map_err(|e| SimulateError::Suite(e.to_string()))?;
        for case in reader {
            index.insert(&case.map_err(|e| SimulateError::Suite(e.to_string()))?);
        }
    }
    Ok(index)
}

/// Points the spec's vendors (profiles assigned in spec order, cycling) and
/// judges at simulators served on `runtime`. `ports`, when given, are the
/// ports to bind in the same order (vendors, then judges): a resumed run's
/// spec names the URLs it was started with.
pub async fn simulate(
    spec: &mut Spec,
    profiles: &[Profile],
    runtime: &Handle,
    ports: Option<&[u16]>,
) -> Result<Simulated, SimulateError> {
    let index = Arc::new(index_spec(spec)?);
    let mut out = Simulated { tasks: Vec::new(), vendors: Vec::new() };
    let port = |i: usize| ports.and_then(|p| p.get(i).copied()).unwrap_or(0);
    let vendor_count = spec.vendors.len();
    for (i, v) in spec.vendors.iter_mut().enumerate() {
        let profile = profiles[i % profiles.len()].clone();
        let (profile_name, accuracy) = (profile.name.clone(), profile.accuracy);
        let mock = MockVendor::new(profile, spec.run.seed.wrapping_add(i as u64), index.clone());
        let model = mock.model().to_string();
        let (url, task) = runtime
            .spawn(mock.spawn_on_port(port(i)))
            .await
            .map_err(|_| SimulateError::Runtime)?
            .map_err(SimulateError::Listen)?;
        out.tasks.push(task);
        out.vendors.push((v.name.clone(), profile_name, accuracy, url.clone()));
        // A vendor tested on its fill-in-the-middle endpoint is simulated there too.
        if v.fim_url.is_some() {
            v.fim_url = Some(format!("{url}/completions"));
        }
        v.base_url = url;
        v.model = model;
        v.provider = None;
        v.api_key_env = None;
        v.stream = true;
        v.stream_usage = true;
        v.temperature_range = (0.0, 2.0);
    }
    for (j, judge) in spec.judges.iter_mut().enumerate() {
        // The simulated judge passes an answer that contains the reference answer.
        let strong = Profile::named("strong").expect("the strong profile exists");
        let mock = MockVendor::new(strong, spec.run.seed, index.clone());
        let (url, task) = runtime
            .spawn(mock.spawn_on_port(port(vendor_count + j)))
            .await
            .map_err(|_| SimulateError::Runtime)?
            .map_err(SimulateError::Listen)?;
        out.tasks.push(task);
        judge.endpoint.base_url = url;
        if !judge.endpoint.model.starts_with("simulated-judge") {
            judge.endpoint.model = format!("simulated-judge ({})", judge.endpoint.model);
        }
        judge.endpoint.provider = None;
        judge.endpoint.api_key_env = None;
        judge.note = Some("SIMULATED judge: passes answers that contain the reference answer".into());
    }
    Ok(out)
}

/// The loopback ports a simulated spec's vendors and judges were served on, in [`simulate`]'s order.
pub fn ports_of(spec: &Spec) -> Vec<u16> {
    let port = |url: &str| {
        url.trim_start_matches("http://127.0.0.1:").split('/').next().and_then(|p| p.parse().ok()).unwrap_or(0)
    };
    spec.vendors
        .iter()
        .map(|v| port(&v.base_url))
        .chain(spec.judges.iter().map(|j| port(&j.endpoint.base_url)))
        .collect()
}
