//! The server's own schedule of contract probes (docs/contracts.md, "Probes
//! the server schedules"), against a simulated bidder on loopback: a due
//! probe is claimed, run, signed and recorded; a contract day is probed
//! once; a probe claimed by a server that stopped before its run began is
//! picked up by the next look.

#![allow(clippy::disallowed_methods, reason = "tests drive the server over HTTP as its clients do")]

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;
use tb_store::contracts::ProbeRunStatus;

const CASES: usize = 60;

fn suite() -> String {
    (0..CASES)
        .map(|i| {
            format!("{{\"id\": \"q{i}\", \"prompt\": \"q: what is {i} + {}?\", \"answer\": \"{}\"}}\n", i * 3, i * 4)
        })
        .collect()
}

fn spec(url: &str) -> String {
    format!(
        "[tender]\nid = \"T-S\"\ntitle = \"热线\"\nbuyer = \"b\"\nkind = \"services\"\nprice_weight = 0.3\n\n[run]\nseed = 1\n\n\
         [[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n[[criterion]]\nid = \"math\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 1.0\n\n\
         [[vendor]]\nname = \"Bidder B\"\nbase_url = \"{url}\"\nmodel = \"m\"\nbid_price = 100.0\n"
    )
}

/// A contract with Bidder B over a year from `start`, a probe of 20 cases a day.
fn contract(start: time::Date) -> String {
    format!(
        "[contract]\nid = \"C-S\"\ntitle = \"热线合同\"\nvendor = \"Bidder B\"\nstart = \"{start}\"\nend = \"{}\"\n\n\
         [baseline]\nrun = \"r-poc\"\nreport_sha256 = \"{}\"\nkey_fingerprint = \"0123456789abcdef\"\nlatency_p95_ms = 80.0\n\n\
         [[baseline.criterion]]\nid = \"math\"\ncorrect = 184\nn = 200\n\n[monitoring]\ncases = 20\nsimulations = 500\n",
        start + time::Duration::days(364),
        "a".repeat(64)
    )
}

/// Waits until `days` scheduled probes are recorded; the contract's view.
async fn recorded(server: &Server, token: &str, days: usize) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let runs = server.app.store.contract_probe_runs("C-S").await.unwrap();
        assert!(runs.iter().all(|r| r.status != ProbeRunStatus::Failed), "{runs:?}");
        if runs.iter().filter(|r| r.status == ProbeRunStatus::Recorded).count() >= days {
            return server.json(token, "/api/contracts/C-S").await;
        }
        assert!(Instant::now() < deadline, "the scheduled probes were not recorded: {runs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_probes_a_contract_once_a_day_and_picks_up_a_claimed_probe() {
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("s.jsonl"), suite()).unwrap();
    std::fs::write(files.path().join("t.toml"), spec("http://127.0.0.1:9/v1")).unwrap();
    let index = tb_mock::simulate::index_spec(&tb_spec::load(&files.path().join("t.toml")).unwrap()).unwrap();
    let strong = tb_mock::Profile::named("strong").unwrap();
    let (url, _vendor) = tb_mock::MockVendor::new(strong, 1, std::sync::Arc::new(index)).spawn_local().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = tb_server::Config {
        listen: "127.0.0.1:0".into(),
        db: dir.path().join("s.db").into(),
        data_dir: dir.path().join("data"),
        allow_loopback_vendors: true,
        ..Default::default()
    };
    let server = start_with(config, dir).await;
    let buyer = server.token("alice").await;
    let tender = json!({"spec_toml": spec(&url), "files": {"s.jsonl": suite()}});
    let (status, body) = server.call(Some(&buyer), "post", "/api/tenders", Some(tender)).await;
    assert_eq!(status.as_u16(), 201, "{body}");
    let today = time::OffsetDateTime::now_utc().date();
    // A tender whose spec cannot be probed for the contract is refused when the contract is stored.
    let other = contract(today).replace("vendor = \"Bidder B\"", "vendor = \"Bidder Z\"");
    let (status, body) =
        server.call(Some(&buyer), "post", "/api/contracts", Some(json!({"toml": other, "tender": "T-S"}))).await;
    assert!(status.as_u16() == 400 && body.contains("no bidder \\\"Bidder Z\\\""), "{body}");
    let made = json!({"toml": contract(today), "tender": "T-S"});
    let (status, body) = server.call(Some(&buyer), "post", "/api/contracts", Some(made)).await;
    assert_eq!(status.as_u16(), 201, "{body}");

    let app = &server.app;
    assert_eq!(tb_server::schedule::tick(app, today - time::Duration::days(1)).await.unwrap(), 0, "before the period");
    assert_eq!(tb_server::schedule::tick(app, today).await.unwrap(), 1);
    recorded(&server, &buyer, 1).await;
    assert_eq!(tb_server::schedule::tick(app, today).await.unwrap(), 0, "a contract day is probed once");
    // Tomorrow's probe, claimed by a server that stopped before its run began: the next look runs it.
    let tomorrow = today + time::Duration::days(1);
    assert!(app.store.claim_contract_probe("C-S", &tomorrow.to_string()).await.unwrap());
    assert_eq!(tb_server::schedule::tick(app, tomorrow).await.unwrap(), 1);
    let view = recorded(&server, &buyer, 2).await;

    let points = view["points"].as_array().unwrap();
    let days: Vec<&str> = points.iter().map(|p| p["day"].as_str().unwrap()).collect();
    assert_eq!(days, [today.to_string(), tomorrow.to_string()]);
    let scheduled = view["scheduled"].as_array().unwrap();
    for (s, p) in scheduled.iter().zip(points) {
        assert_eq!((&s["status"], &s["run"]), (&json!("recorded"), &p["run"]), "{view}");
    }
    assert!(points.iter().all(|p| p["fingerprint"]["model"] == "mock-strong"), "{view}");
    // Each probe is a signed run of a fresh draw of 20 cases; its report and signature are served.
    let mut asked = Vec::new();
    for p in points {
        let run = p["run"].as_str().unwrap();
        let (status, report) =
            server.call(Some(&buyer), "get", &format!("/api/contracts/C-S/runs/{run}/report.json"), None).await;
        assert_eq!(status.as_u16(), 200, "{report}");
        let (_, sig) =
            server.call(Some(&buyer), "get", &format!("/api/contracts/C-S/runs/{run}/report.json.sig"), None).await;
        let parsed: Value = serde_json::from_str(&report).unwrap();
        assert_eq!(parsed["signing"]["public_key"].as_str(), Some(app.key.public_hex().as_str()));
        tb_audit::verify_signature(&app.key.public_hex(), report.as_bytes(), sig.trim()).unwrap();
        let criterion = &parsed["vendors"][0]["criteria"][0];
        assert_eq!((criterion["id"].as_str(), criterion["n"].as_u64()), (Some("math"), Some(20)), "{criterion}");
        let n = p["probe"].as_u64().unwrap();
        let draw = tb_server::schedule::probe_dir(app, "C-S").join(format!("probe-{n}-suites/s.jsonl"));
        let lines = std::fs::read_to_string(draw).unwrap();
        asked.push(
            lines
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].to_string())
                .collect::<std::collections::BTreeSet<_>>(),
        );
    }
    assert_eq!(asked.iter().map(std::collections::BTreeSet::len).collect::<Vec<_>>(), [20, 20]);
    assert!(asked[0].is_disjoint(&asked[1]), "no case is asked twice in an epoch: {asked:?}");
    server.task.abort();
}
