//! The access-control matrix: every endpoint of the OpenAPI document, asked
//! by every role (and by nobody), each answer asserted. Includes a vendor
//! asking for another vendor's run by id, and an evaluator asking for the
//! names before reveal.

#![allow(clippy::disallowed_methods, reason = "tests drive the server over HTTP as its clients do")]
#![allow(clippy::too_many_lines, reason = "end-to-end scenarios read top to bottom")]

mod support;

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

/// The callers, in the matrix's column order.
const CALLERS: [&str; 6] = ["admin", "buyer", "evaluator", "vendor", "auditor", "nobody"];

struct Row {
    method: &'static str,
    /// The OpenAPI path this row covers.
    template: &'static str,
    /// The concrete path asked (placeholders: {T} tender, {R} official run, {P} Bidder B's practice run,
    /// {S} a case's suite, {C} its case, {K} the criterion grading it, {B} Bidder B's code).
    path: &'static str,
    body: Option<fn() -> Value>,
    /// Expected status per caller, in `CALLERS` order.
    expect: [u16; 6],
}

const fn row(method: &'static str, template: &'static str, path: &'static str, expect: [u16; 6]) -> Row {
    Row { method, template, path, body: None, expect }
}

fn matrix() -> Vec<Row> {
    vec![
        row("get", "/healthz", "/healthz", [200, 200, 200, 200, 200, 200]),
        row("get", "/metrics", "/metrics", [200, 200, 200, 200, 200, 200]),
        row("get", "/api/openapi.json", "/api/openapi.json", [200, 200, 200, 200, 200, 200]),
        Row {
            // A wrong password (each caller a different name: the sixth failure on one account is 429).
            body: Some(|| json!({"name": format!("alice{}", rand_suffix()), "password": "wrong password"})),
            ..row("post", "/api/login", "/api/login", [401, 401, 401, 401, 401, 401])
        },
        row("get", "/api/me", "/api/me", [200, 200, 200, 200, 200, 401]),
        row("get", "/api/users", "/api/users", [200, 403, 403, 403, 403, 401]),
        Row {
            body: Some(
                || json!({"name": format!("u{}", rand_suffix()), "password": "password-123", "role": "auditor"}),
            ),
            ..row("post", "/api/users", "/api/users", [201, 403, 403, 403, 403, 401])
        },
        Row {
            body: Some(|| json!({"label": "matrix"})),
            ..row("post", "/api/tokens", "/api/tokens", [201, 201, 201, 201, 201, 401])
        },
        row("get", "/api/tenders", "/api/tenders", [403, 200, 200, 200, 200, 401]),
        row("get", "/api/workers", "/api/workers", [200, 200, 403, 403, 200, 401]),
        Row {
            body: Some(|| tender(&format!("M-{}", rand_suffix()), 3)),
            ..row("post", "/api/tenders", "/api/tenders", [403, 201, 403, 403, 403, 401])
        },
        row("get", "/api/tenders/{tender}", "/api/tenders/{T}", [403, 200, 200, 200, 200, 401]),
        row(
            "get",
            "/api/tenders/{tender}/suites/{suite}",
            "/api/tenders/{T}/suites/fee-arithmetic",
            [403, 200, 200, 200, 200, 401],
        ),
        // Not the practice suite: vendors may not read it.
        row(
            "get",
            "/api/tenders/{tender}/suites/{suite}",
            "/api/tenders/{T}/suites/policy-knowledge",
            [403, 200, 200, 403, 200, 401],
        ),
        // A sealed suite shows only its commitment, to everyone.
        row(
            "get",
            "/api/tenders/{tender}/suites/{suite}",
            "/api/tenders/{T}/suites/hidden",
            [403, 403, 403, 403, 403, 401],
        ),
        Row {
            body: Some(|| json!({"base_url": "https://vendor-a.example.com/v1", "model": "a-2", "bid_price": 990000})),
            ..row(
                "post",
                "/api/tenders/{tender}/registrations",
                "/api/tenders/{T}/registrations",
                [403, 403, 403, 201, 403, 401],
            )
        },
        // An official run from a vendor is refused; a buyer's is started (and left to finish).
        Row {
            body: Some(|| json!({"simulated": true})),
            ..row("post", "/api/tenders/{tender}/runs", "/api/tenders/{T}/runs", [403, 202, 403, 403, 403, 401])
        },
        Row {
            body: Some(|| json!({"practice": true, "simulated": true})),
            ..row("post", "/api/tenders/{tender}/runs", "/api/tenders/{T}/runs", [403, 400, 403, 202, 403, 401])
        },
        row("get", "/api/runs/{run}", "/api/runs/{R}", [403, 200, 200, 200, 200, 401]),
        // Another vendor's practice run, by id: as if it did not exist. The panel sees no practice runs.
        row("get", "/api/runs/{run}", "/api/runs/{P}", [403, 200, 404, 404, 200, 401]),
        row("get", "/api/runs/{run}/events", "/api/runs/{R}/events", [403, 200, 200, 200, 200, 401]),
        row("get", "/api/runs/{run}/events", "/api/runs/{P}/events", [403, 200, 404, 404, 200, 401]),
        row("post", "/api/runs/{run}/cancel", "/api/runs/{R}/cancel", [403, 409, 403, 403, 403, 401]),
        row("post", "/api/runs/{run}/cancel", "/api/runs/{P}/cancel", [403, 403, 404, 404, 403, 401]),
        row("post", "/api/runs/{run}/resume", "/api/runs/{R}/resume", [403, 409, 403, 403, 403, 401]),
        row("get", "/api/runs/{run}/results", "/api/runs/{R}/results", [403, 200, 200, 200, 200, 401]),
        row("get", "/api/runs/{run}/results", "/api/runs/{P}/results", [403, 200, 404, 404, 200, 401]),
        row("get", "/api/runs/{run}/cells", "/api/runs/{R}/cells", [403, 200, 200, 200, 200, 401]),
        // A vendor filtering for another vendor's cells.
        row("get", "/api/runs/{run}/cells", "/api/runs/{R}/cells?vendor={B}", [403, 200, 200, 404, 200, 401]),
        row("get", "/api/runs/{run}/cells", "/api/runs/{P}/cells", [403, 200, 404, 404, 200, 401]),
        row(
            "get",
            "/api/runs/{run}/cases/{suite}/{case}",
            "/api/runs/{R}/cases/{S}/{C}",
            [403, 200, 200, 200, 200, 401],
        ),
        // The whole report holds the prices: not the blind panel's before the reveal (`blind`).
        row("get", "/api/runs/{run}/report.json", "/api/runs/{R}/report.json", [403, 200, 403, 403, 200, 401]),
        row("get", "/api/runs/{run}/report.html", "/api/runs/{R}/report.html?lang=en", [403, 200, 403, 403, 200, 401]),
        row(
            "get",
            "/api/runs/{run}/evaluation-report/{format}",
            "/api/runs/{R}/evaluation-report/docx?lang=en",
            [403, 200, 403, 403, 200, 401],
        ),
        row("get", "/api/runs/{run}/audit", "/api/runs/{R}/audit", [403, 200, 403, 403, 200, 401]),
        row("get", "/api/runs/{run}/bundle", "/api/runs/{R}/bundle", [403, 200, 403, 403, 200, 401]),
        row("get", "/api/runs/{run}/verify", "/api/runs/{R}/verify", [403, 200, 403, 403, 200, 401]),
        // The names before reveal: the evaluator is refused (`blind`).
        row("get", "/api/runs/{run}/mapping", "/api/runs/{R}/mapping", [403, 200, 403, 403, 200, 401]),
        Row {
            body: Some(|| json!({"criterion": "plan", "vendor": "{B}", "score": 80, "note": "clear plan"})),
            ..row("post", "/api/runs/{run}/scores", "/api/runs/{R}/scores", [403, 403, 201, 403, 403, 401])
        },
        Row {
            body: Some(|| json!({"vendor": "{B}", "accepted": true, "note": "costs explained in writing"})),
            ..row(
                "post",
                "/api/runs/{run}/justifications",
                "/api/runs/{R}/justifications",
                [403, 403, 201, 403, 403, 401],
            )
        },
        // The panel scores the other bidder too: the reveal is refused while a score is missing.
        Row {
            body: Some(|| json!({"criterion": "plan", "vendor": "{A}", "score": 70})),
            ..row("post", "/api/runs/{run}/scores", "/api/runs/{R}/scores", [403, 403, 201, 403, 403, 401])
        },
        row("get", "/api/runs/{run}/review", "/api/runs/{R}/review", [403, 200, 200, 403, 200, 401]),
        // The simulated answers are all read by the rules: a grade by hand is refused for them.
        Row {
            body: Some(
                || json!({"criterion": "{K}", "vendor": "{B}", "suite": "{S}", "case_id": "{C}", "correct": true, "reason": "r"}),
            ),
            ..row("post", "/api/runs/{run}/overrides", "/api/runs/{R}/overrides", [403, 403, 409, 403, 403, 401])
        },
        // Reveal last: the buyer's succeeds once; after it the evaluator may read the names.
        Row {
            body: Some(|| json!({"confirm": true})),
            ..row("post", "/api/runs/{run}/reveal", "/api/runs/{R}/reveal", [403, 200, 403, 403, 403, 401])
        },
        row("get", "/api/runs/{run}/mapping", "/api/runs/{R}/mapping", [403, 200, 200, 403, 200, 401]),
        Row {
            body: Some(|| json!({"toml": contract_toml("C-M", "Bidder B")})),
            ..row("post", "/api/contracts", "/api/contracts", [403, 201, 403, 403, 403, 401])
        },
        row("get", "/api/contracts", "/api/contracts", [403, 200, 200, 200, 200, 401]),
        // Bidder B's contract: Bidder A's account does not find it.
        row("get", "/api/contracts/{contract}", "/api/contracts/C-B", [403, 200, 200, 404, 200, 401]),
        Row {
            body: Some(|| {
                json!({"day": "2027-01-02", "quality": [{"id": "knowledge", "correct": 18, "n": 20}],
                       "sent": 20, "answered": 20, "latencies_ms": [50.0]})
            }),
            ..row(
                "post",
                "/api/contracts/{contract}/probes",
                "/api/contracts/C-B/probes",
                [403, 201, 403, 403, 403, 401],
            )
        },
        Row {
            // Not a signed report: the buyer is told why; no one else may store one.
            body: Some(|| json!({"report": "{}", "signature": "00"})),
            ..row(
                "post",
                "/api/contracts/{contract}/acceptance",
                "/api/contracts/C-B/acceptance",
                [403, 400, 403, 403, 403, 401],
            )
        },
        row("get", "/api/contracts/{contract}/probes", "/api/contracts/C-B/probes", [403, 200, 200, 404, 200, 401]),
        // No run of C-B was probed by the server: found by no one, and Bidder A not even told that much.
        row(
            "get",
            "/api/contracts/{contract}/runs/{run}/{file}",
            "/api/contracts/C-B/runs/r-1/report.json",
            [403, 404, 404, 404, 404, 401],
        ),
        row("post", "/api/logout", "/api/logout", [204, 204, 204, 204, 204, 401]),
    ]
}

/// A contract file for `vendor` (docs/contracts.md).
fn contract_toml(id: &str, vendor: &str) -> String {
    format!(
        "[contract]\nid = \"{id}\"\ntitle = \"热线合同\"\nvendor = \"{vendor}\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\n\n\
         [baseline]\nrun = \"r-poc\"\nreport_sha256 = \"{}\"\nkey_fingerprint = \"0123456789abcdef\"\nlatency_p95_ms = 80.0\n\n\
         [[baseline.criterion]]\nid = \"knowledge\"\ncorrect = 92\nn = 100\n\n[monitoring]\nsimulations = 200\n",
        "a".repeat(64)
    )
}

fn rand_suffix() -> String {
    format!("{:08x}", rand_u32())
}

fn rand_u32() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(1);
    N.fetch_add(1, Ordering::Relaxed) ^ (std::process::id() << 8)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_at_every_endpoint() {
    let server = start(None).await;
    let tokens: Vec<Option<String>> = {
        let mut t = Vec::new();
        for name in ["root", "alice", "eva", "va", "aud"] {
            t.push(Some(server.token(name).await));
        }
        t.push(None);
        t
    };
    let buyer = tokens[1].clone().unwrap();
    let vendor_b = server.token("vb").await;
    let (s, body) = server.call(Some(&buyer), "post", "/api/tenders", Some(tender("T-1", 6))).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = server.call(Some(&buyer), "post", "/api/tenders/T-1/runs", Some(json!({"simulated": true}))).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    let official = serde_json::from_str::<Value>(&body).unwrap()["run_id"].as_str().unwrap().to_string();
    let (s, body) = server
        .call(Some(&vendor_b), "post", "/api/tenders/T-1/runs", Some(json!({"practice": true, "simulated": true})))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    let practice = serde_json::from_str::<Value>(&body).unwrap()["run_id"].as_str().unwrap().to_string();
    assert_eq!(server.wait_run(&buyer, &official).await["status"], "finished");
    assert_eq!(server.wait_run(&buyer, &practice).await["status"], "finished");

    // Bidder B's contract, for the contract rows.
    let (s, body) = server
        .call(Some(&buyer), "post", "/api/contracts", Some(json!({"toml": contract_toml("C-B", "Bidder B")})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    // Bidder B's code, and one case both answered.
    let results = server.json(&buyer, &format!("/api/runs/{official}/results")).await;
    let mapping = server.json(&buyer, &format!("/api/runs/{official}/mapping")).await;
    let code_b = mapping["codes"]["Bidder B"].as_str().unwrap().to_string();
    let code_a = mapping["codes"]["Bidder A"].as_str().unwrap().to_string();
    assert_eq!(results["vendors"].as_array().unwrap().len(), 2);
    let cells = server.json(&buyer, &format!("/api/runs/{official}/cells?limit=1")).await;
    let (suite, case) =
        (cells[0]["suite"].as_str().unwrap().to_string(), cells[0]["case_id"].as_str().unwrap().to_string());

    // Every endpoint of the document is in the matrix.
    let doc = server.json(&buyer, "/api/openapi.json").await;
    let documented: HashSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| ops.as_object().unwrap().keys().map(move |m| (m.clone(), p.clone())))
        .collect();
    let rows = matrix();
    let covered: HashSet<(String, String)> =
        rows.iter().map(|r| (r.method.to_string(), r.template.to_string())).collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(missing.is_empty(), "endpoints without a row in the access matrix: {missing:?}");
    assert!(
        covered.is_subset(&documented),
        "rows for endpoints not documented: {:?}",
        covered.difference(&documented).collect::<Vec<_>>()
    );

    let fill = |s: &str| {
        s.replace("{T}", "T-1")
            .replace("{R}", &official)
            .replace("{P}", &practice)
            .replace("{S}", &suite)
            .replace("{C}", &case)
            .replace("{K}", if suite == "policy-knowledge" { "knowledge" } else { "reasoning" })
            .replace("{B}", &code_b)
            .replace("{A}", &code_a)
    };
    let mut failures = Vec::new();
    let mut asked = 0;
    for r in &rows {
        for (i, caller) in CALLERS.iter().enumerate() {
            // The logout row ends sessions only of the bearer-less; tokens stay valid.
            let body = r.body.map(|b| serde_json::from_str(&fill(&b().to_string())).unwrap());
            let (status, text) = server.call(tokens[i].as_deref(), r.method, &fill(r.path), body).await;
            asked += 1;
            if status.as_u16() != r.expect[i] {
                failures.push(format!(
                    "{} {} as {caller}: {} (expected {}): {}",
                    r.method,
                    fill(r.path),
                    status,
                    r.expect[i],
                    text.chars().take(200).collect::<String>()
                ));
            } else if status.is_client_error() {
                let err: Value = serde_json::from_str(&text).unwrap_or_default();
                let code = err["error"]["code"].as_str().unwrap_or("");
                if code.is_empty() {
                    failures.push(format!("{} {} as {caller}: error without a code: {text}", r.method, fill(r.path)));
                }
                if text.contains("SELECT") || text.contains("/tmp") || text.contains(".db") {
                    failures.push(format!("{} {} as {caller}: error leaks internals: {text}", r.method, fill(r.path)));
                }
            }
        }
        // The buyer's new runs finish before the next rows look at the tender.
        for run in server.app.runs.active_ids() {
            server.wait_run(&buyer, &run).await;
        }
    }
    assert!(failures.is_empty(), "{} of {asked} answers were wrong:\n{}", failures.len(), failures.join("\n"));

    // The committee's inputs are in the report: the score and the price decision on Bidder B.
    let after = server.json(&buyer, &format!("/api/runs/{official}/results")).await;
    let b = after["vendors"].as_array().unwrap().iter().find(|v| v["name"] == "Bidder B").unwrap();
    assert_eq!(b["price_justification"], "accepted");
    let plan = b["criteria"].as_array().unwrap().iter().find(|c| c["id"] == "plan").unwrap();
    assert_eq!(plan["value"], 0.8);

    // What the allowed answers hold: a vendor sees only its own row and cells.
    let vendor_a = tokens[3].clone().unwrap();
    let own = server.json(&vendor_a, &format!("/api/runs/{official}/results")).await;
    let names: Vec<&str> = own["vendors"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bidder A"], "after reveal, Bidder A's own row by name, and no other");
    assert!(own.get("comparisons").is_none());
    assert!(!own.to_string().contains("Bidder B") && !own.to_string().contains(&code_b));
    let own_cells = server.json(&vendor_a, &format!("/api/runs/{official}/cells?limit=500")).await;
    assert!(own_cells.as_array().unwrap().iter().all(|c| c["vendor"] == "Bidder A"));
    let side = server.json(&vendor_a, &format!("/api/runs/{official}/cases/{suite}/{case}")).await;
    assert_eq!(side["answers"].as_array().unwrap().len(), 1);
    let progress = server.json(&vendor_a, &format!("/api/runs/{official}")).await;
    assert_eq!(progress["progress"]["vendors"].as_array().unwrap().len(), 1);
    let tender_seen = server.json(&vendor_a, "/api/tenders/T-1").await;
    assert_eq!(tender_seen["vendors"].as_array().unwrap().len(), 1);
    // A vendor cannot point the server at its own machine, a local network or a
    // metadata service, however it spells the address (the outside test's list).
    for url in [
        "http://127.0.0.1:8080/v1",
        "http://localhost/v1",
        "http://169.254.169.254/latest",
        "http://[::1]:80/v1",
        "http://127.1:8080/x#",
        "http://0:8080/v1",
        "http://2130706433:8080/v1",
        "http://0x7f000001:8080/v1",
        "http://0177.0.0.1:8080/v1",
        "http://127.0.0.1.:8080/v1",
        "http://%31%32%37.0.0.1:8080/v1",
        "http://[::ffff:127.0.0.1]:8080/v1",
        "http://[::ffff:169.254.169.254]/latest",
        "http://0xa9fea9fe/latest",
        "http://127.0.0.1\\@vendor.example.com/v1",
        "http://10.1.2.3:9/v1",
        "http://100.64.1.1/v1",
        "http://user:pw@vendor.example.com/v1",
        "ftp://vendor.example.com/v1",
    ] {
        let body = json!({"base_url": url, "model": "m", "bid_price": 1});
        let (s, _) = server.call(Some(&vendor_a), "post", "/api/tenders/T-1/registrations", Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{url}");
    }
    // Scores end with the reveal; a guessed name finds no cells for the panel.
    let eva = tokens[2].clone().unwrap();
    let late = json!({"criterion": "plan", "vendor": "Bidder B", "score": 10});
    assert_eq!(
        server.call(Some(&eva), "post", &format!("/api/runs/{official}/scores"), Some(late)).await.0,
        StatusCode::CONFLICT
    );
    server.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_names_only_its_own_files_and_key_variables() {
    let server = start(None).await;
    let buyer = server.token("alice").await;
    for path in ["/etc/passwd", "../s.db", "suites/../../s.db"] {
        let mut t = tender("T-X", 2);
        let spec = t["spec_toml"].as_str().unwrap().replace("suites/ceval.jsonl", path);
        t["spec_toml"] = spec.into();
        let (s, body) = server.call(Some(&buyer), "post", "/api/tenders", Some(t)).await;
        assert_eq!(s.as_u16(), 422, "{path}: {body}");
        assert!(!body.contains("root:"), "{body}");
    }
    // A real run may read only the server's vendor-key variables.
    let mut t = tender("T-K", 2);
    let spec =
        t["spec_toml"].as_str().unwrap().replace("model = \"a\"", "model = \"a\"\napi_key_env = \"DATABASE_URL\"");
    t["spec_toml"] = spec.into();
    assert_eq!(server.call(Some(&buyer), "post", "/api/tenders", Some(t)).await.0, StatusCode::CREATED);
    let (s, body) = server.call(Some(&buyer), "post", "/api/tenders/T-K/runs", Some(json!({}))).await;
    assert_eq!(s.as_u16(), 422, "{body}");
    assert!(body.contains("TENDERBENCH_VENDOR_"), "{body}");
    // A tender cannot weaken the sandbox: isolation is the administrator's.
    let mut t = tender("T-W", 2);
    let spec = t["spec_toml"]
        .as_str()
        .unwrap()
        .replace("[run]\nseed = 7", "[run]\nseed = 7\n\n[sandbox]\nisolation = \"rlimit_only\"");
    assert!(spec.contains("rlimit_only"));
    t["spec_toml"] = spec.into();
    let (s, body) = server.call(Some(&buyer), "post", "/api/tenders", Some(t)).await;
    assert_eq!(s.as_u16(), 422, "{body}");
    assert!(body.contains("cannot weaken"), "{body}");
    server.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blind_panel_sees_codes_and_no_raw_bodies() {
    let server = start(None).await;
    let buyer = server.token("alice").await;
    let eva = server.token("eva").await;
    assert_eq!(server.call(Some(&buyer), "post", "/api/tenders", Some(tender("T-2", 4))).await.0, StatusCode::CREATED);
    let (_, body) = server.call(Some(&buyer), "post", "/api/tenders/T-2/runs", Some(json!({"simulated": true}))).await;
    let run = serde_json::from_str::<Value>(&body).unwrap()["run_id"].as_str().unwrap().to_string();
    server.wait_run(&buyer, &run).await;
    for path in [format!("/api/runs/{run}/results"), format!("/api/runs/{run}/cells"), "/api/tenders/T-2".to_string()] {
        let text = server.json(&eva, &path).await.to_string();
        assert!(!text.contains("Bidder A") && !text.contains("Bidder B"), "{path} names a vendor to the panel");
    }
    let cells = server.json(&eva, &format!("/api/runs/{run}/cells?limit=1")).await;
    assert!(cells[0]["request_sha256"].is_null(), "no body hashes to the blind panel");
    for guess in ["Bidder A", "Bidder B"] {
        let (s, _) = server
            .call(Some(&eva), "get", &format!("/api/runs/{run}/cells?vendor={}", guess.replace(' ', "%20")), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "a guessed name is no filter");
    }
    let case_path = format!(
        "/api/runs/{run}/cases/{}/{}",
        cells[0]["suite"].as_str().unwrap(),
        cells[0]["case_id"].as_str().unwrap()
    );
    let case = server.json(&eva, &case_path).await;
    assert!(case["answers"][0].get("request_body").is_none(), "raw bodies name the model");
    let buyer_case = server.json(&buyer, &case_path).await;
    assert!(buyer_case["answers"][0]["request_body"].is_string());
    // Two envelopes: the panel sees the technical one only, bidders in the
    // order drawn from the run's seed, the same in the results and the case view.
    let results = server.json(&eva, &format!("/api/runs/{run}/results")).await;
    let text = results.to_string();
    for commercial in ["bid_price", "price_score", "total_score", "\"rank\"", "ranking", "score_table"] {
        assert!(!text.contains(commercial), "the panel sees {commercial} before the reveal");
    }
    let order: Vec<&str> = results["vendors"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    let case_order: Vec<&str> =
        case["answers"].as_array().unwrap().iter().map(|a| a["vendor"].as_str().unwrap()).collect();
    let mut deduped = case_order.clone();
    deduped.dedup();
    assert_eq!(deduped, order, "one drawn order everywhere");
    let buyer_results = server.json(&buyer, &format!("/api/runs/{run}/results")).await;
    assert!(buyer_results["vendors"][0]["bid_price"].is_number(), "the buyer sees both envelopes");
    // The panel's results page: the technical envelope, rendered.
    let (cookie, _) = server.login("eva").await;
    let page =
        server.http.get(format!("{}/runs/{run}/results", server.url)).header("cookie", cookie).send().await.unwrap();
    let status = page.status();
    let html = page.text().await.unwrap();
    assert!(status.is_success(), "{status}: {html}");
    assert!(!html.contains("bid_price") && html.contains("id=\"ranking\""), "{html}");
    server.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_writes_need_the_csrf_token_and_logins_are_limited() {
    let server = start(None).await;
    let (cookie, csrf) = server.login("alice").await;
    let post = |with_csrf: bool| {
        let mut r =
            server.http.post(format!("{}/api/tokens", server.url)).header("cookie", cookie.clone()).json(&json!({}));
        if with_csrf {
            r = r.header("x-csrf-token", csrf.clone());
        }
        r.send()
    };
    let r = post(false).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "csrf");
    assert_eq!(post(true).await.unwrap().status(), StatusCode::CREATED);
    // Reading needs no CSRF token.
    let me = server.http.get(format!("{}/api/me", server.url)).header("cookie", cookie.clone()).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    for _ in 0..5 {
        let (s, _) =
            server.call(None, "post", "/api/login", Some(json!({"name": "eva", "password": "guess-guess"}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let r = server
        .http
        .post(format!("{}/api/login", server.url))
        .json(&json!({"name": "eva", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits once the account is limited");
    assert!(r.headers().contains_key("retry-after"));
    // Another account is not limited by eva's failures.
    server.login("aud").await;
    // The accounts page, the admin's only page, lists them.
    let (root, _) = server.login("root").await;
    let admin = server.http.get(format!("{}/admin", server.url)).header("cookie", root.clone()).send().await.unwrap();
    assert_eq!(admin.status(), StatusCode::OK);
    let html = admin.text().await.unwrap();
    assert!(html.contains("alice") && html.contains("vb"), "{html}");
    let tenders = server.http.get(format!("{}/tenders", server.url)).header("cookie", root).send().await.unwrap();
    assert!(tenders.url().path().ends_with("/admin"), "an admin is sent to the accounts page");
    // The session ends at logout.
    let out = server
        .http
        .post(format!("{}/api/logout", server.url))
        .header("cookie", cookie.clone())
        .header("x-csrf-token", csrf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let me = server.http.get(format!("{}/api/me", server.url)).header("cookie", cookie).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    server.task.abort();
}

/// `serve` shows the workers of distributed runs (PostgreSQL only): their heartbeats and what they do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workers_page_shows_heartbeats() {
    let Some(schema) = tb_store::postgres::Schema::fresh().await else { return };
    let server = start(Some(schema.url.clone())).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let beat = tb_store::queue::WorkerRecord {
        id: "host-1-abcd".into(),
        host: "host-1".into(),
        pid: 4242,
        capabilities: "chat,code".into(),
        concurrency: 8,
        started_at: tb_store::now_rfc3339(),
        heartbeat_ms: now,
        busy: 3,
        done: 120,
        current: Some("run/A/s/q1#0".into()),
    };
    server.app.store.heartbeat(&beat, now + 30_000, &[]).await.unwrap();
    let buyer = server.token("alice").await;
    let list = server.json(&buyer, "/api/workers").await;
    assert_eq!(list[0]["id"], "host-1-abcd");
    assert_eq!(list[0]["alive"], true);
    assert_eq!(list[0]["busy"], 3);
    let (cookie, _) = server.login("alice").await;
    let page = server.http.get(format!("{}/workers", server.url)).header("cookie", cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("host-1-abcd") && html.contains("q1#0"), "{html}");
    server.task.abort();
    schema.drop().await;
}

/// The outside test's lower items: login CSRF, security headers on every
/// answer, control characters in file names, files per tender, practice
/// runs per hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lower_items_are_closed() {
    let server = start(None).await;
    // A cross-site login form gets no session; the server's own page does.
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = |origin: Option<&str>| {
        let form =
            format!("name=alice&password={}", PASSWORD.replace('%', "%25").replace('&', "%26").replace('+', "%2B"));
        let mut r = no_redirects
            .post(format!("{}/login", server.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    let cross = login(Some("https://evil.example")).await.unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert!(cross.headers().get("set-cookie").is_none());
    let own = login(Some(&server.url)).await.unwrap();
    assert!(own.headers().get("set-cookie").is_some(), "{}", own.status());
    // Security headers on pages and on the API, with a CSP that loads nothing from elsewhere.
    for path in ["/login", "/api/healthz", "/no-such-page"] {
        let r = server.http.get(format!("{}{path}", server.url)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("http"), "{path}: nothing external: {csp}");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    let buyer = server.token("alice").await;
    // A NUL or another control character in a file name is a bad request, not a server error.
    for bad in ["suites/a\u{0}b.jsonl", "suites/a\nb.jsonl", "suites/\u{1b}[2Jx.jsonl"] {
        let mut t = tender("T-N", 2);
        t["files"][bad] = json!("{}");
        let (s, body) = server.call(Some(&buyer), "post", "/api/tenders", Some(t)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad:?}: {body}");
    }
    // Files per tender are limited.
    let mut t = tender("T-F", 2);
    for i in 0..1001 {
        t["files"][format!("extra/{i}.txt")] = json!("");
    }
    let (s, body) = server.call(Some(&buyer), "post", "/api/tenders", Some(t)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("at most 1000 files"), "{body}");
    // Practice runs: a few an hour per bidder and tender, then 429 with Retry-After.
    assert_eq!(server.call(Some(&buyer), "post", "/api/tenders", Some(tender("T-P", 2))).await.0, StatusCode::CREATED);
    let va = server.token("va").await;
    let practice = json!({"practice": true, "simulated": true});
    for n in 0..5 {
        let (s, body) = server.call(Some(&va), "post", "/api/tenders/T-P/runs", Some(practice.clone())).await;
        assert_eq!(s, StatusCode::ACCEPTED, "practice run {n}: {body}");
    }
    let (s, body) = server.call(Some(&va), "post", "/api/tenders/T-P/runs", Some(practice.clone())).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Another bidder's practice is its own.
    let vb = server.token("vb").await;
    assert_eq!(server.call(Some(&vb), "post", "/api/tenders/T-P/runs", Some(practice)).await.0, StatusCode::ACCEPTED);
    server.task.abort();
}
