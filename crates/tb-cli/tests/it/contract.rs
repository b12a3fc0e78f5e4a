//! After the award, through the binary: a contract from a signed POC run,
//! its check, the acceptance test on a second signed run, and the monitoring
//! of probe records with its alarms and monthly credits.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_from_a_signed_poc_is_checked_accepted_and_monitored() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = tb(d, &["demo", "--out", "poc"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let poc = run_dir(&d.join("poc")).join("report.json");
    let poc_text = std::fs::read_to_string(&poc).unwrap();

    let init = |report: &str, vendor: &str, out: &str| {
        [
            "contract",
            "init",
            "--report",
            report,
            "--vendor",
            vendor,
            "--id",
            "HZ-C-1",
            "--start",
            "2027-01-01",
            "--end",
            "2027-12-31",
            "--monthly-fee",
            "100000",
            "-o",
            out,
        ]
        .map(str::to_string)
    };
    let args = init(poc.to_str().unwrap(), "Bidder A", "contract.toml");
    let o = tb(d, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let contract = std::fs::read_to_string(d.join("contract.toml")).unwrap();
    assert!(contract.contains(&tb_audit::sha256_hex(poc_text.as_bytes())), "{contract}");
    assert!(contract.contains("[[baseline.criterion]]") && contract.contains("id = \"knowledge\""), "{contract}");

    // A bidder the POC did not have, and a report whose bytes changed after signing, are refused.
    let args = init(poc.to_str().unwrap(), "Bidder Z", "z.toml");
    let o = tb(d, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no bidder \"Bidder Z\""), "{}", stderr(&o));
    let forged = d.join("forged");
    std::fs::create_dir_all(&forged).unwrap();
    std::fs::write(forged.join("report.json"), poc_text.replacen("\"correct\": ", "\"correct\": 1", 1)).unwrap();
    std::fs::copy(format!("{}.sig", poc.display()), forged.join("report.json.sig")).unwrap();
    let args = init(forged.join("report.json").to_str().unwrap(), "Bidder A", "f.toml");
    let o = tb(d, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("signature does not match"), "{}", stderr(&o));

    let o = tb(d, &["contract", "check", "contract.toml"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("365 probes") && stdout(&o).contains("is caught after"), "{}", stdout(&o));

    // Acceptance on a second signed run of the same (simulated) service.
    let o = tb(d, &["demo", "--out", "acceptance-run"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let delivered = run_dir(&d.join("acceptance-run")).join("report.json");
    let key = d.join("poc/demo-key").join(tb_audit::PRIVATE_KEY_FILE);
    let o = tb(
        d,
        &[
            "contract",
            "accept",
            "contract.toml",
            "--report",
            delivered.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("passed (验收合格)"), "{}", stdout(&o));
    let acceptance = std::fs::read_to_string(d.join("acceptance.json")).unwrap();
    let a: serde_json::Value = serde_json::from_str(&acceptance).unwrap();
    assert_eq!(a["decision"], "passed");
    assert!(a["criteria"].as_array().unwrap().iter().all(|c| c["test"]["p_inferior"].as_f64().unwrap() < 0.05));
    let public = tb_audit::Keypair::load(&key).unwrap().public_hex();
    let sig = std::fs::read_to_string(d.join("acceptance.json.sig")).unwrap();
    tb_audit::verify_signature(&public, acceptance.as_bytes(), sig.trim()).unwrap();
    // The baseline itself is not an acceptance run.
    let o = tb(d, &["contract", "accept", "contract.toml", "--report", poc.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(2));

    // Monitoring: January steady, then from 1 February the rate falls to 60%.
    let mut probes = String::new();
    for day in 0..59u32 {
        let (month, dom) = if day < 31 { (1, day + 1) } else { (2, day - 30) };
        let correct = if day < 31 { 19 } else { 12 };
        probes.push_str(&format!(
            "{{\"day\":\"2027-{month:02}-{dom:02}\",\"quality\":[{{\"id\":\"knowledge\",\"correct\":{correct},\"n\":20}},{{\"id\":\"reasoning\",\"correct\":18,\"n\":20}}],\"sent\":40,\"answered\":40,\"latencies_ms\":[40,45,50,55]}}\n"
        ));
    }
    std::fs::write(d.join("probes.jsonl"), probes).unwrap();
    let o = tb(d, &["contract", "monitor", "contract.toml", "--probes", "probes.jsonl"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("alarm 2027-02-0") && out.contains("Quality: knowledge"), "{out}");
    let m = read_json(&d.join("monitor.json"));
    let months = m["months"].as_array().unwrap();
    assert_eq!(months.len(), 2);
    assert_eq!(months[0]["breaches"], serde_json::json!([]));
    assert_eq!(months[1]["breaches"], serde_json::json!(["alarm"]));
    // A malformed probe line is named by its line.
    std::fs::write(d.join("bad.jsonl"), "{\"day\":\"2027-01-01\"}\n").unwrap();
    let o = tb(d, &["contract", "monitor", "contract.toml", "--probes", "bad.jsonl"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.jsonl:1: not a probe record"), "{}", stderr(&o));
}
