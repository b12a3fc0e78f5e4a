//! A real server on 127.0.0.1 (ephemeral port) over a fresh store, its
//! accounts, and a small tender with a practice suite, a sealed suite and a
//! subjective criterion.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tb_server::{App, Config};

pub const PASSWORD: &str = "password-123";

pub struct Server {
    pub url: String,
    pub app: App,
    pub http: reqwest::Client,
    pub task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

/// The accounts every test has, by role: admin, buyer, evaluator, vendor (Bidder A), vendor-b (Bidder B), auditor.
pub const ACCOUNTS: &[(&str, &str, Option<&str>)] = &[
    ("root", "admin", None),
    ("alice", "buyer", None),
    ("eva", "evaluator", None),
    ("va", "vendor", Some("Bidder A")),
    ("vb", "vendor", Some("Bidder B")),
    ("aud", "auditor", None),
];

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

/// Starts a server on `db` (a fresh SQLite file when None).
pub async fn start(db: Option<String>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".into(),
        db: db.map_or_else(|| dir.path().join("s.db").into(), |url| url.parse().unwrap()),
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    start_with(config, dir).await
}

pub async fn start_with(config: Config, dir: tempfile::TempDir) -> Server {
    let app = App::new(config).await.unwrap();
    for (name, role, vendor) in ACCOUNTS {
        let new = tb_server::api::NewUser {
            name: name.to_string(),
            password: PASSWORD.into(),
            role: role.to_string(),
            vendor: vendor.map(String::from),
        };
        // A restarted server finds its accounts.
        let _ = tb_server::api::create_account(&app.store, new).await;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router().into_make_service_with_connect_info::<std::net::SocketAddr>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Server { url, app, http: client(), task, _dir: dir }
}

impl Server {
    /// An API token for an account (logs in with a cookie first, as a browser would).
    pub async fn token(&self, name: &str) -> String {
        let (cookie, csrf) = self.login(name).await;
        let r = self
            .http
            .post(format!("{}/api/tokens", self.url))
            .header("cookie", cookie)
            .header("x-csrf-token", csrf)
            .json(&json!({"label": "test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    /// Logs in: the session cookie and the CSRF token.
    pub async fn login(&self, name: &str) -> (String, String) {
        let r = self
            .http
            .post(format!("{}/api/login", self.url))
            .json(&json!({"name": name, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login of {name}");
        let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let csrf = r.json::<Value>().await.unwrap()["csrf"].as_str().unwrap().to_string();
        (cookie, csrf)
    }

    pub async fn call(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let url = format!("{}{path}", self.url);
        let mut req = match method {
            "get" => self.http.get(url),
            "post" => self.http.post(url),
            other => panic!("method {other}"),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        } else if method == "post" {
            req = req.json(&json!({}));
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        (status, r.text().await.unwrap_or_default())
    }

    pub async fn json(&self, token: &str, path: &str) -> Value {
        let (status, body) = self.call(Some(token), "get", path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Waits until a run is no longer in progress.
    pub async fn wait_run(&self, token: &str, run: &str) -> Value {
        for _ in 0..600 {
            let v = self.json(token, &format!("/api/runs/{run}")).await;
            if v["status"] != "running" && !self.app.runs.is_active(run) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("run {run} did not end");
    }
}

/// The first `n` lines of an example suite.
fn head(text: &str, n: usize) -> String {
    text.lines().take(n).map(|l| format!("{l}\n")).collect()
}

/// A small tender: `id`, the practice suite `fee-arithmetic`, a sealed suite
/// no criterion sends, and the subjective criterion `plan`.
pub fn tender(id: &str, cases: usize) -> Value {
    let spec = format!(
        r#"
[tender]
id = "{id}"
title = "热线测试 / hotline test"
buyer = "某市政务服务管理办公室"
kind = "services"
price_weight = 0.30

[run]
seed = 7

[[suite]]
id = "policy-knowledge"
path = "suites/ceval.jsonl"
format = "ceval"

[[suite]]
id = "fee-arithmetic"
path = "suites/gsm8k.jsonl"
format = "gsm8k"
practice = true

[[suite]]
id = "hidden"
path = "suites/hidden.jsonl"
commitment = "{commitment}"

[[criterion]]
id = "knowledge"
name = "政策法规知识"
suite = "policy-knowledge"
grader = "choice"
weight = 0.5
gate = {{ min = 0.2 }}

[[criterion]]
id = "reasoning"
name = "费用计算"
suite = "fee-arithmetic"
grader = "numeric"
weight = 0.3

[[criterion]]
id = "plan"
name = "Service plan"
grader = "evaluators"
weight = 0.2

[[vendor]]
name = "Bidder A"
base_url = "http://127.0.0.1:9/v1"
model = "a"
bid_price = 1000000

[[vendor]]
name = "Bidder B"
base_url = "http://127.0.0.1:9/v1"
model = "b"
bid_price = 900000
"#,
        commitment = "ab".repeat(32)
    );
    let files = BTreeMap::from([
        (
            "suites/ceval.jsonl",
            head(include_str!("../../../../examples/hotline/suites/ceval_public_service.jsonl"), cases),
        ),
        ("suites/gsm8k.jsonl", head(include_str!("../../../../examples/hotline/suites/gsm8k_200.jsonl"), cases)),
        ("suites/hidden.jsonl", "{\"id\": \"h1\", \"prompt\": \"secret\", \"answer\": \"x\"}\n".to_string()),
    ]);
    json!({ "spec_toml": spec, "files": files })
}
