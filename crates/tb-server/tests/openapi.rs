//! The OpenAPI document against the server it describes: every route the
//! router serves with the methods the document names (and no other), every
//! documented JSON answer valid against its schema, and malformed request
//! bodies refused exactly as they were before the bodies were typed.

#![allow(clippy::disallowed_methods, reason = "tests drive the server over HTTP as its clients do")]
#![allow(clippy::too_many_lines, reason = "end-to-end scenarios read top to bottom")]

mod support;

use serde_json::{Value, json};
use support::*;

/// What a malformed body gets, per endpoint that takes one. Kept as it was
/// answered when the handlers took untyped or ad-hoc bodies: typing them
/// changed no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_are_refused_as_before() {
    let server = start(None).await;
    let buyer = server.token("alice").await;
    let posts = tb_server::endpoints::ENDPOINTS.iter().filter(|e| e.method == "post");
    let mut out = String::new();
    for e in posts {
        let path = e.path.replace("{tender}", "T-none").replace("{run}", "R-none");
        let variants: [(&str, Option<&str>); 5] = [
            ("syntax", Some("{\"name\": ")),
            ("array", Some("[1]")),
            ("empty object", Some("{}")),
            (
                "wrong types",
                Some(
                    "{\"name\": 1, \"password\": [], \"label\": 2, \"vendor\": false, \"confirm\": \"yes\", \"practice\": 1, \"spec_toml\": 3, \"base_url\": 4, \"score\": \"x\", \"accepted\": 0, \"criterion\": 5}",
                ),
            ),
            ("no content type", None),
        ];
        for (what, body) in variants {
            let mut req = server.http.post(format!("{}{path}", server.url));
            if e.path != "/api/login" {
                req = req.bearer_auth(&buyer);
            }
            req = match body {
                Some(b) => req.header("content-type", "application/json").body(b.to_string()),
                None => req.body("{}"),
            };
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            // A body that was accepted answers with fresh ids and secrets: its status is what counts.
            let text = if status < 300 { String::new() } else { r.text().await.unwrap() };
            out.push_str(&format!("POST {} [{what}] -> {status} {text}\n", e.path));
        }
    }
    insta::assert_snapshot!("malformed_bodies", out);
    server.task.abort();
}

/// Asks without a login and without a body: (status, body).
async fn raw(server: &Server, method: &str, path: &str) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let r = server.http.request(method, format!("{}{path}", server.url)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The status the router itself gives a route it does not serve: 404 with
/// no body for a path, 405 for a method (a handler's own 404 is JSON).
fn unrouted(status: u16, body: &str) -> bool {
    status == 405 || (status == 404 && body.is_empty())
}

/// The built router serves every path of the document with exactly the
/// documented methods (asked without a login: nothing is changed), and
/// every dashboard page; nothing else is routed under `/api/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_serves_what_the_document_names() {
    let server = start(None).await;
    let doc: Value = serde_json::from_str(&raw(&server, "get", "/api/openapi.json").await.1).unwrap();
    let fill = |path: &str| {
        path.split('/').map(|seg| if seg.starts_with('{') { "x" } else { seg }).collect::<Vec<_>>().join("/")
    };
    let mut wrong = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "delete", "patch"] {
            let (status, body) = raw(&server, method, &fill(path)).await;
            let documented = ops.get(method).is_some();
            if documented == unrouted(status, &body) {
                wrong.push(format!("{method} {path}: documented {documented}, answered {status} {body:?}"));
            }
        }
    }
    for (page, _) in tb_server::pages::PAGES {
        let (status, body) = raw(&server, "get", &fill(page)).await;
        if unrouted(status, &body) {
            wrong.push(format!("page {page}: {status}"));
        }
    }
    for path in ["/api", "/api/", "/api/nothing", "/api/runs", "/api/runs/x/nothing", "/api/tenders/x/nothing"] {
        let (status, body) = raw(&server, "get", path).await;
        if !unrouted(status, &body) {
            wrong.push(format!("get {path} is routed ({status}) but not documented"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    server.task.abort();
}

/// Checks answers against the document: a JSON answer of a documented
/// status against its schema, an error against `Error`; and the JSON's key
/// order, which is alphabetical as the `json!` objects the types replaced
/// gave it (but for the account and registration, in their records' order).
struct Checker {
    doc: Value,
    /// Operations whose success answer was checked.
    covered: std::collections::BTreeSet<&'static str>,
    wrong: Vec<String>,
}

impl Checker {
    async fn new(server: &Server) -> Checker {
        let doc = serde_json::from_str(&raw(server, "get", "/api/openapi.json").await.1).unwrap();
        Checker { doc, covered: Default::default(), wrong: Vec::new() }
    }

    async fn ask(
        &mut self,
        server: &Server,
        token: Option<&str>,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let e = tb_server::endpoints::ENDPOINTS
            .iter()
            .find(|e| e.method == method && e.path == template)
            .unwrap_or_else(|| panic!("{method} {template} is not an endpoint"));
        let (status, text) = server.call(token, method, path, body).await;
        let documented = &self.doc["paths"][template][method]["responses"];
        let schema = if status.as_u16() == e.status {
            self.covered.insert(e.operation);
            &documented[e.status.to_string()]["content"]["application/json"]["schema"]
        } else {
            &documented["default"]["content"]["application/json"]["schema"]
        };
        if schema.is_null() {
            return Value::Null;
        }
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            self.wrong.push(format!("{method} {path}: {status} is not JSON: {text}"));
            return Value::Null;
        };
        let validator = jsonschema::validator_for(&tb_server::endpoints::standalone(&self.doc, schema)).unwrap();
        for error in validator.iter_errors(&value) {
            self.wrong.push(format!("{method} {path} ({status}): {error} at {}", error.instance_path()));
        }
        let record_order = ["createUser", "listUsers", "register"].contains(&e.operation);
        if !record_order && serde_json::to_string(&value).unwrap() != text {
            self.wrong.push(format!("{method} {path}: keys not in alphabetical order: {text}"));
        }
        value
    }
}

/// Every operation answering JSON, asked in a tender's life (a run, the
/// panel's scores, the reveal), answers what the document says, byte for
/// byte in the order it always had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_answer_matches_its_schema() {
    let server = start(None).await;
    let mut c = Checker::new(&server).await;
    let [admin, buyer, eva, va, vb, aud] = {
        let mut t = Vec::new();
        for name in ["root", "alice", "eva", "va", "vb", "aud"] {
            t.push(server.token(name).await);
        }
        <[String; 6]>::try_from(t).unwrap()
    };
    let (admin, buyer, eva, va, vb, aud) = (
        Some(admin.as_str()),
        Some(buyer.as_str()),
        Some(eva.as_str()),
        Some(va.as_str()),
        Some(vb.as_str()),
        Some(aud.as_str()),
    );
    c.ask(&server, None, "get", "/healthz", "/healthz", None).await;
    c.ask(&server, None, "post", "/api/login", "/api/login", Some(json!({"name": "alice", "password": PASSWORD})))
        .await;
    c.ask(
        &server,
        None,
        "post",
        "/api/login",
        "/api/login",
        Some(json!({"name": "alice", "password": "wrong password"})),
    )
    .await;
    c.ask(&server, buyer, "get", "/api/me", "/api/me", None).await;
    c.ask(&server, va, "get", "/api/me", "/api/me", None).await;
    c.ask(&server, admin, "get", "/api/users", "/api/users", None).await;
    let new = json!({"name": "aud2", "password": "password-123", "role": "auditor"});
    c.ask(&server, admin, "post", "/api/users", "/api/users", Some(new)).await;
    c.ask(&server, buyer, "post", "/api/tokens", "/api/tokens", Some(json!({"label": "schema"}))).await;
    c.ask(&server, buyer, "post", "/api/tenders", "/api/tenders", Some(tender("T-1", 4))).await;
    c.ask(&server, buyer, "post", "/api/tenders", "/api/tenders", Some(tender("T-1", 4))).await;
    c.ask(&server, buyer, "get", "/api/tenders", "/api/tenders", None).await;
    let reg = json!({"base_url": "https://vendor-a.example.com/v1", "model": "a-2", "bid_price": 990000});
    c.ask(&server, va, "post", "/api/tenders/{tender}/registrations", "/api/tenders/T-1/registrations", Some(reg))
        .await;
    for who in [buyer, eva, va, aud] {
        c.ask(&server, who, "get", "/api/tenders/{tender}", "/api/tenders/T-1", None).await;
    }
    let started = c
        .ask(
            &server,
            buyer,
            "post",
            "/api/tenders/{tender}/runs",
            "/api/tenders/T-1/runs",
            Some(json!({"simulated": true})),
        )
        .await;
    let r = started["run_id"].as_str().unwrap().to_string();
    let practice = json!({"practice": true, "simulated": true});
    let started =
        c.ask(&server, vb, "post", "/api/tenders/{tender}/runs", "/api/tenders/T-1/runs", Some(practice)).await;
    let p = started["run_id"].as_str().unwrap().to_string();
    server.wait_run(buyer.unwrap(), &r).await;
    server.wait_run(buyer.unwrap(), &p).await;
    let mapping =
        c.ask(&server, buyer, "get", "/api/runs/{run}/mapping", &format!("/api/runs/{r}/mapping"), None).await;
    let codes: Vec<String> =
        mapping["codes"].as_object().unwrap().values().map(|v| v.as_str().unwrap().to_string()).collect();
    for who in [buyer, eva, va, aud] {
        c.ask(&server, who, "get", "/api/runs/{run}", &format!("/api/runs/{r}"), None).await;
        c.ask(&server, who, "get", "/api/runs/{run}/cells", &format!("/api/runs/{r}/cells?limit=5"), None).await;
    }
    c.ask(&server, vb, "get", "/api/runs/{run}", &format!("/api/runs/{p}"), None).await;
    let cells =
        c.ask(&server, buyer, "get", "/api/runs/{run}/cells", &format!("/api/runs/{r}/cells?show=wrong"), None).await;
    let cell = &cells[0];
    let case = format!("/api/runs/{r}/cases/{}/{}", cell["suite"].as_str().unwrap(), cell["case_id"].as_str().unwrap());
    for who in [buyer, eva, va] {
        c.ask(&server, who, "get", "/api/runs/{run}/cases/{suite}/{case}", &case, None).await;
    }
    c.ask(&server, buyer, "get", "/api/runs/{run}/audit", &format!("/api/runs/{r}/audit"), None).await;
    c.ask(&server, aud, "get", "/api/runs/{run}/verify", &format!("/api/runs/{r}/verify"), None).await;
    c.ask(&server, eva, "get", "/api/runs/{run}/mapping", &format!("/api/runs/{r}/mapping"), None).await;
    // Workers heartbeat into PostgreSQL only (below): here, the empty list.
    c.ask(&server, buyer, "get", "/api/workers", "/api/workers", None).await;
    c.ask(
        &server,
        buyer,
        "post",
        "/api/runs/{run}/reveal",
        &format!("/api/runs/{r}/reveal"),
        Some(json!({"confirm": true})),
    )
    .await;
    for code in &codes {
        let score = json!({"criterion": "plan", "vendor": code, "score": 75, "note": "a plan"});
        c.ask(&server, eva, "post", "/api/runs/{run}/scores", &format!("/api/runs/{r}/scores"), Some(score)).await;
    }
    let justified = json!({"vendor": codes[0], "accepted": true});
    c.ask(
        &server,
        eva,
        "post",
        "/api/runs/{run}/justifications",
        &format!("/api/runs/{r}/justifications"),
        Some(justified),
    )
    .await;
    c.ask(&server, eva, "get", "/api/runs/{run}/review", &format!("/api/runs/{r}/review"), None).await;
    let grade = json!({"criterion": "knowledge", "vendor": codes[0], "suite": "policy-knowledge", "case_id": "none", "correct": true, "reason": "r"});
    c.ask(&server, eva, "post", "/api/runs/{run}/overrides", &format!("/api/runs/{r}/overrides"), Some(grade)).await;
    c.ask(
        &server,
        buyer,
        "post",
        "/api/runs/{run}/reveal",
        &format!("/api/runs/{r}/reveal"),
        Some(json!({"confirm": false})),
    )
    .await;
    c.ask(
        &server,
        buyer,
        "post",
        "/api/runs/{run}/reveal",
        &format!("/api/runs/{r}/reveal"),
        Some(json!({"confirm": true})),
    )
    .await;
    c.ask(&server, eva, "get", "/api/runs/{run}/mapping", &format!("/api/runs/{r}/mapping"), None).await;
    c.ask(&server, buyer, "post", "/api/runs/{run}/resume", &format!("/api/runs/{r}/resume"), None).await;
    c.ask(&server, buyer, "post", "/api/runs/{run}/cancel", &format!("/api/runs/{r}/cancel"), None).await;
    contracts(&server, &mut c, &r, [buyer, va, vb]).await;
    c.ask(&server, buyer, "post", "/api/logout", "/api/logout", None).await;
    assert!(c.wrong.is_empty(), "{}", c.wrong.join("\n"));
    // Every operation that answers JSON was asked (but resume, whose answer is startRun's
    // and which needs an interrupted run, and a grade by hand, which needs an answer the rules left undecided).
    let json_operations: std::collections::BTreeSet<&str> = tb_server::endpoints::ENDPOINTS
        .iter()
        .filter(|e| matches!(e.response, tb_server::endpoints::Answer::Json(_)))
        .map(|e| e.operation)
        .filter(|o| !["resumeRun", "override_grade"].contains(o))
        .collect();
    let missed: Vec<_> = json_operations.difference(&c.covered).collect();
    assert!(missed.is_empty(), "not asked: {missed:?}");
    server.task.abort();
}

/// A worker's heartbeat (PostgreSQL only): as the schema says, and without
/// the cells in flight for an administrator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workers_answer_as_the_schema_says() {
    let Some(schema) = tb_store::postgres::Schema::fresh().await else { return };
    let server = start(Some(schema.url.clone())).await;
    let mut c = Checker::new(&server).await;
    let (buyer, admin) = (server.token("alice").await, server.token("root").await);
    let worker = tb_store::queue::WorkerRecord {
        id: "w1".into(),
        host: "host-1".into(),
        pid: 7,
        capabilities: "chat,code".into(),
        concurrency: 4,
        started_at: tb_store::now_rfc3339(),
        heartbeat_ms: time::OffsetDateTime::now_utc().unix_timestamp() * 1000,
        busy: 1,
        done: 12,
        current: Some("R-1/Bidder A/policy-knowledge/q1#0".into()),
    };
    server.app.store.heartbeat(&worker, i64::MAX, &[]).await.unwrap();
    let seen = c.ask(&server, Some(&buyer), "get", "/api/workers", "/api/workers", None).await;
    assert_eq!(seen[0]["alive"], true, "{seen}");
    assert_eq!(seen[0]["current"], "R-1/Bidder A/policy-knowledge/q1#0");
    let seen = c.ask(&server, Some(&admin), "get", "/api/workers", "/api/workers", None).await;
    assert!(seen[0]["current"].is_null(), "the cells in flight are tender data: {seen}");
    assert!(c.wrong.is_empty(), "{}", c.wrong.join("\n"));
    server.task.abort();
    schema.drop().await;
}

/// A probe record that raises an alarm: the server POSTs it to its contract
/// webhook (the administrator's configuration), received here on loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_alarm_reaches_the_servers_webhook() {
    let received: std::sync::Arc<std::sync::Mutex<Vec<Value>>> = Default::default();
    let store = received.clone();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(serde_json::from_str(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, hook).await });
    let dir = tempfile::tempdir().unwrap();
    let config = tb_server::config::Config {
        listen: "127.0.0.1:0".into(),
        db: dir.path().join("s.db").into(),
        data_dir: dir.path().join("data"),
        contract_webhook: Some(hook_url),
        ..Default::default()
    };
    let server = start_with(config, dir).await;
    let buyer = server.token("alice").await;
    let (status, body) =
        server.call(Some(&buyer), "post", "/api/contracts", Some(json!({ "toml": contract_file() }))).await;
    assert_eq!(status.as_u16(), 201, "{body}");
    for (day, correct) in [("2027-01-01", 19), ("2027-01-02", 4)] {
        let probe = json!({"day": day, "run": format!("run-{day}"), "quality": [{"id": "knowledge", "correct": correct, "n": 20}],
                           "sent": 20, "answered": 20, "latencies_ms": [40.0]});
        let (status, body) = server.call(Some(&buyer), "post", "/api/contracts/C-1/probes", Some(probe)).await;
        assert_eq!(status.as_u16(), 201, "{body}");
    }
    let posted = received.lock().unwrap().clone();
    assert_eq!(posted.len(), 1, "{posted:?}");
    let a = &posted[0];
    assert_eq!(
        (a["event"].as_str(), a["kind"].as_str(), a["probe"].as_u64()),
        (Some("contract_alarm"), Some("quality"), Some(2))
    );
    assert_eq!((a["contract"].as_str(), a["run"].as_str()), (Some("C-1"), Some("run-2027-01-02")));
    server.task.abort();
}

/// A contract file for Bidder B, POC at 92 of 100.
fn contract_file() -> String {
    format!(
        "[contract]\nid = \"C-1\"\ntitle = \"热线合同\"\nvendor = \"Bidder B\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\n\n\
         [baseline]\nrun = \"r-poc\"\nreport_sha256 = \"{}\"\nkey_fingerprint = \"0123456789abcdef\"\nlatency_p95_ms = 80.0\n\n\
         [[baseline.criterion]]\nid = \"knowledge\"\ncorrect = 92\nn = 100\n\n[monitoring]\nsimulations = 500\n",
        "a".repeat(64)
    )
}

/// The acceptance run's signed report, stored with contract C-1: a report of
/// Bidder B at 190 of 200 on `knowledge` (the POC's 92 of 100): the run's
/// report so altered, signed by a key of the test's own; one whose bytes differ from the signature is refused.
async fn acceptance(server: &Server, c: &mut Checker, buyer: Option<&str>, run: &str) {
    let key = tb_audit::Keypair::generate();
    let (_, text) = server.call(buyer, "get", &format!("/api/runs/{run}/report.json"), None).await;
    let mut report: Value = serde_json::from_str(&text).unwrap();
    report["signing"] = json!({"public_key": key.public_hex(), "fingerprint": key.fingerprint()});
    let vendors = report["vendors"].as_array_mut().unwrap();
    let b = vendors.iter_mut().find(|v| v["name"] == "Bidder B").expect("Bidder B, revealed");
    let criterion = &mut b["criteria"][0];
    for (field, value) in
        [("id", json!("knowledge")), ("metric", json!("accuracy")), ("correct", json!(190)), ("n", json!(200))]
    {
        criterion[field] = value;
    }
    let text = serde_json::to_string_pretty(&report).unwrap();
    let body = json!({"report": text, "signature": key.sign(text.as_bytes())});
    let path = "/api/contracts/{contract}/acceptance";
    let judged = c.ask(server, buyer, "post", path, "/api/contracts/C-1/acceptance", Some(body)).await;
    assert_eq!(judged["criteria"][0]["delivered_correct"], 190, "{judged}");
    let forged = json!({"report": text.replace("190", "199"), "signature": key.sign(text.as_bytes())});
    let (status, body) = server.call(buyer, "post", "/api/contracts/C-1/acceptance", Some(forged)).await;
    assert!(status.as_u16() == 400 && body.contains("signature does not match"), "{body}");
}

/// A contract after the award (docs/contracts.md): stored by the buyer,
/// probes appended, the time line, alarms and months read back; Bidder B sees
/// its contract, Bidder A does not; /metrics carries its series.
async fn contracts(server: &Server, c: &mut Checker, run: &str, [buyer, va, vb]: [Option<&str>; 3]) {
    let toml = contract_file();
    let made = c.ask(server, buyer, "post", "/api/contracts", "/api/contracts", Some(json!({ "toml": toml }))).await;
    assert_eq!((made["id"].as_str(), made["vendor"].as_str()), (Some("C-1"), Some("Bidder B")), "{made}");
    let (status, body) = server.call(buyer, "post", "/api/contracts", Some(json!({ "toml": toml }))).await;
    assert_eq!(status.as_u16(), 409, "{body}");
    let (status, body) = server.call(buyer, "post", "/api/contracts", Some(json!({ "toml": "[contract]" }))).await;
    assert_eq!(status.as_u16(), 400, "{body}");
    let mut raised = Vec::new();
    for (day, correct, model) in
        [("2027-01-01", 19, "m-1"), ("2027-01-02", 18, "m-1"), ("2027-01-03", 6, "m-2"), ("2027-01-04", 5, "m-2")]
    {
        let fingerprint = json!({"prompt_tokens": [12, 30], "answers": ["北京", "391"], "model": model});
        let probe = json!({"day": day, "quality": [{"id": "knowledge", "correct": correct, "n": 20}],
                           "sent": 20, "answered": 20, "latencies_ms": [40.0, 50.0, 60.0], "fingerprint": fingerprint});
        let path = "/api/contracts/{contract}/probes";
        let stored = c.ask(server, buyer, "post", path, "/api/contracts/C-1/probes", Some(probe)).await;
        raised.extend(stored["alarms"].as_array().cloned().unwrap_or_default());
    }
    assert!(raised.iter().any(|a| a["kind"] == "quality" && a["criterion"] == "knowledge"), "{raised:?}");
    // A probe before the last one, or outside the contract period, is refused and not stored.
    for day in ["2027-01-02", "2028-01-05"] {
        let probe = json!({"day": day, "quality": [], "sent": 0, "answered": 0, "latencies_ms": []});
        let (status, body) = server.call(buyer, "post", "/api/contracts/C-1/probes", Some(probe)).await;
        assert_eq!(status.as_u16(), 400, "{body}");
    }
    acceptance(server, c, buyer, run).await;
    let (status, lines) = server.call(vb, "get", "/api/contracts/C-1/probes", None).await;
    assert_eq!(
        (status.as_u16(), lines.lines().count()),
        (200, 4),
        "the records as contract report reads them: {lines}"
    );
    let view = c.ask(server, vb, "get", "/api/contracts/{contract}", "/api/contracts/C-1", None).await;
    assert_eq!(view["acceptance"]["decision"], "passed", "{view}");
    assert_eq!(view["points"].as_array().unwrap().len(), 4, "{view}");
    assert_eq!(view["months"][0]["breaches"], json!(["alarm"]), "{view}");
    assert_eq!(view["baseline"][0]["rate"], 0.92);
    let listed = c.ask(server, vb, "get", "/api/contracts", "/api/contracts", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let listed = c.ask(server, va, "get", "/api/contracts", "/api/contracts", None).await;
    assert_eq!(listed, json!([]), "another bidder's contract is not listed");
    let (status, _) = server.call(va, "get", "/api/contracts/C-1", None).await;
    assert_eq!(status.as_u16(), 404);
    let metrics = raw(server, "get", "/metrics").await.1;
    assert!(metrics.contains("tenderbench_contract_probes{contract=\"C-1\"} 4"), "{metrics}");
    // Each of the two bad probes alarms: the chart starts again after an alarm.
    let quality = view["alarms"].as_array().unwrap().iter().filter(|a| a["kind"] == "quality").count();
    assert_eq!(quality, 2, "{view}");
    assert!(metrics.contains("tenderbench_contract_alarms{contract=\"C-1\",series=\"quality\"} 2"), "{metrics}");
    assert!(
        metrics.contains("tenderbench_contract_baseline_rate{contract=\"C-1\",series=\"knowledge\"} 0.92"),
        "{metrics}"
    );
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");
    // The dashboard's contract page: a time line per chart with the baseline band and the alarms as dots.
    let (status, page) = server.call(vb, "get", "/contracts/C-1?lang=en", None).await;
    assert_eq!(status.as_u16(), 200, "{page}");
    assert_eq!(page.matches("<svg").count(), 2, "one chart per criterion and one for latency: {page}");
    assert_eq!(page.matches("<circle").count(), 2, "{page}");
    assert!(page.contains("Quality drop") && page.contains("Levels breached"), "{page}");
    // The fingerprints, the model that changed marked; the acceptance with its decision.
    assert!(page.contains("<td class=\"bad\">m-2</td>") && page.contains("<td>m-1</td>"), "{page}");
    assert!(page.contains("id=\"acceptance-criteria\"") && page.contains(">passed</span>"), "{page}");
    let (status, _) = server.call(va, "get", "/contracts/C-1", None).await;
    assert_eq!(status.as_u16(), 404, "another bidder's contract page is not found");
    let (status, list) = server.call(vb, "get", "/contracts", None).await;
    assert!(status.is_success() && list.contains("/contracts/C-1"), "{list}");
}
