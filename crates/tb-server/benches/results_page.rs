//! The results page of a 100,000-cell run under 50 concurrent dashboard
//! users: each logs in (its own session) and reloads the page as soon as
//! the last answer arrives (no think time: the hardest polling there is).
//! Reports p50/p95/p99 page time, then the same while a run is in progress.
//!
//!   cargo bench -p tb-server --bench results_page [-- --cells N --users U --secs S]
//!
//! The server, its simulated vendors and the 50 clients share this machine's cores.

#![allow(clippy::disallowed_methods, reason = "the benchmark reads pages over HTTP as a browser does")]

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tb_server::{App, Config};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn spec(cases_per_vendor: u64) -> Value {
    let suite: String = (0..cases_per_vendor)
        .map(|i| format!("{{\"id\": \"q{i}\", \"prompt\": \"What is {i} + {i}?\", \"answer\": \"{}\"}}\n", 2 * i))
        .collect();
    let toml = r#"
[tender]
id = "BENCH"
title = "results page under load"
buyer = "bench"
kind = "services"
price_weight = 0.3

[run]
seed = 1

[[suite]]
id = "sums"
path = "suites/sums.jsonl"

[[criterion]]
id = "arithmetic"
name = "arithmetic"
suite = "sums"
grader = "numeric"
weight = 1.0
gate = { min = 0.5 }

[[vendor]]
name = "Bidder A"
base_url = "http://127.0.0.1:9/v1"
model = "a"
bid_price = 1000000
concurrency = 64

[[vendor]]
name = "Bidder B"
base_url = "http://127.0.0.1:9/v1"
model = "b"
bid_price = 900000
concurrency = 64
"#;
    json!({ "spec_toml": toml, "files": { "suites/sums.jsonl": suite } })
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn poll(url: String, cookies: Vec<String>, path: String, secs: u64) -> (Vec<f64>, u64) {
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for cookie in cookies {
        let (http, url, path) = (http.clone(), url.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut errors = 0;
            while Instant::now() < until {
                let t = Instant::now();
                match http.get(format!("{url}{path}")).header("cookie", &cookie).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        times.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => errors += 1,
                }
            }
            (times, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (times, e) = t.await.unwrap();
        all.extend(times);
        errors += e;
    }
    all.sort_by(f64::total_cmp);
    (all, errors)
}

fn report(label: &str, times: &[f64], errors: u64, secs: u64) {
    println!(
        "{label}: {} pages in {secs} s ({:.0}/s), errors {errors}; p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        times.len(),
        times.len() as f64 / secs as f64,
        quantile(times, 0.50),
        quantile(times, 0.95),
        quantile(times, 0.99),
        times.last().copied().unwrap_or(0.0)
    );
}

fn main() {
    // `cargo test --all-targets` runs this too, without `--bench`: then a small smoke run only.
    let benching = std::env::args().any(|a| a == "--bench");
    let (cells, users, secs) = if benching { (100_000, 50, 20) } else { (2_000, 4, 2) };
    let cells = arg("--cells", cells);
    let users = arg("--users", users);
    let secs = arg("--secs", secs);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let db =
            std::env::var("TENDERBENCH_BENCH_DB").unwrap_or_else(|_| dir.path().join("bench.db").display().to_string());
        let config = Config {
            db: db.parse().expect("TENDERBENCH_BENCH_DB: an SQLite file or a postgres:// URL"),
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        let app = App::new(config).await.unwrap();
        for (name, role) in [("alice", "buyer"), ("eva", "evaluator")] {
            let new = tb_server::api::NewUser {
                name: name.into(),
                password: "password-123".into(),
                role: role.into(),
                vendor: None,
            };
            let _ = tb_server::api::create_account(&app.store, new).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = app.router().into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let http = reqwest::Client::new();
        let login = |name: &'static str| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let r = http
                    .post(format!("{url}/api/login"))
                    .json(&json!({"name": name, "password": "password-123"}))
                    .send()
                    .await
                    .unwrap();
                let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
                let csrf = r.json::<Value>().await.unwrap()["csrf"].as_str().unwrap().to_string();
                (cookie, csrf)
            }
        };
        let (cookie, csrf) = login("alice").await;
        let post = |path: &str, body: Value| {
            http.post(format!("{url}{path}")).header("cookie", &cookie).header("x-csrf-token", &csrf).json(&body).send()
        };
        let r = post("/api/tenders", spec(cells / 2)).await.unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let started = Instant::now();
        let r = post("/api/tenders/BENCH/runs", json!({"simulated": true, "profiles": ["fixed20ms"]})).await.unwrap();
        let run = r.json::<Value>().await.unwrap()["run_id"].as_str().unwrap().to_string();
        let mut sessions = Vec::new();
        for i in 0..users {
            sessions.push(login(if i % 2 == 0 { "alice" } else { "eva" }).await.0);
        }
        let path = format!("/runs/{run}/results");
        // While the run is in progress (its report rebuilt at most every 2 s).
        tokio::time::sleep(Duration::from_secs(if benching { 3 } else { 0 })).await;
        let (times, errors) = poll(url.clone(), sessions.clone(), path.clone(), secs.min(10)).await;
        report(&format!("{users} users, run in progress"), &times, errors, secs.min(10));
        while app.runs.is_active(&run) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let stored = app.store.count_cells(&run).await.unwrap();
        println!(
            "run of {stored} cells finished in {:.1} s (store: {})",
            started.elapsed().as_secs_f64(),
            app.store.backend_name()
        );
        let cold = Instant::now();
        let r = http.get(format!("{url}{path}")).header("cookie", &cookie).send().await.unwrap();
        assert!(r.status().is_success());
        let _ = r.bytes().await;
        println!(
            "first results page after the run (report built from {stored} cells): {:.0} ms",
            cold.elapsed().as_secs_f64() * 1000.0
        );
        let (times, errors) = poll(url.clone(), sessions, path, secs).await;
        report(&format!("{users} users, finished run of {stored} cells"), &times, errors, secs);
        let p99 = quantile(&times, 0.99);
        if benching {
            println!("target p99 < 200 ms: {}", if p99 < 200.0 { "met" } else { "NOT MET" });
        } else {
            assert_eq!(stored, cells, "the smoke run stores every cell");
            assert_eq!(errors, 0);
            println!("(a smoke run: `cargo bench -p tb-server --bench results_page` measures)");
        }
    });
}
