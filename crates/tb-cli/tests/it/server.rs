//! `tenderbench serve` as a process: stopped in the middle of a run (by
//! SIGKILL, and by SIGTERM for a graceful shutdown) and started again, it
//! has lost no stored cell, shows the run as interrupted with its Resume
//! button, and the resumed run finishes with every cell once and a bundle
//! that verifies. The SIGTERM case runs on PostgreSQL where one is given.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::bin;

pub const PASSWORD: &str = "password-123";

pub struct Serve {
    child: Child,
    pub url: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub async fn serve(dir: &Path, db: &str, port: u16) -> Serve {
    serve_with(dir, db, port, &[]).await
}

/// `serve` with these environment variables (the server's configuration).
pub async fn serve_with(dir: &Path, db: &str, port: u16, env: &[(&str, &str)]) -> Serve {
    let child = bin()
        .current_dir(dir)
        .envs(env.iter().copied())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db", db, "--data-dir", "data"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(format!("serve-{}.log", Instant::now().elapsed().as_nanos()))).unwrap())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{url}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Serve { child, url }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

/// Logs in and makes an API token.
pub async fn api_token(url: &str) -> String {
    let http = client();
    let r = http
        .post(format!("{url}/api/login"))
        .json(&json!({"name": "alice", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = r.json::<Value>().await.unwrap()["csrf"].as_str().unwrap().to_string();
    let r = http
        .post(format!("{url}/api/tokens"))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

pub async fn get(url: &str, token: &str, path: &str) -> Value {
    let r = client().get(format!("{url}{path}")).bearer_auth(token).send().await.unwrap();
    assert!(r.status().is_success(), "GET {path}: {}", r.status());
    r.json().await.unwrap()
}

pub async fn get_bytes(url: &str, token: &str, path: &str) -> Vec<u8> {
    let r = client().get(format!("{url}{path}")).bearer_auth(token).send().await.unwrap();
    assert!(r.status().is_success(), "GET {path}: {}", r.status());
    r.bytes().await.unwrap().to_vec()
}

pub async fn post(url: &str, token: &str, path: &str, body: Value) -> Value {
    let r = client().post(format!("{url}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "POST {path}: {} {}", r.status(), r.text().await.unwrap_or_default());
    r.json().await.unwrap()
}

/// Starts a run and stops the server (`signal`) once part of it is stored;
/// starts it again and resumes the run from its page's button (the API the
/// button calls); returns after checking the finished run.
async fn stop_and_resume(dir: &Path, db: &str, signal: &str) {
    let port = free_port();
    let mut server = serve(dir, db, port).await;
    let token = api_token(&server.url).await;
    let tenders = get(&server.url, &token, "/api/tenders").await;
    if tenders.as_array().unwrap().is_empty() {
        post(&server.url, &token, "/api/tenders", json!({"example": "hotline"})).await;
    }
    // 200 ms an answer, 8 at a time: about 10 s for the whole run.
    let started = post(
        &server.url,
        &token,
        "/api/tenders/HZ-12345-2026-017/runs",
        json!({"simulated": true, "profiles": ["paced"]}),
    )
    .await;
    let run = started["run_id"].as_str().unwrap().to_string();
    let mut stored_before = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while stored_before < 300 {
        assert!(Instant::now() < deadline, "the run never got going");
        tokio::time::sleep(Duration::from_millis(50)).await;
        stored_before =
            get(&server.url, &token, &format!("/api/runs/{run}")).await["progress"]["done"].as_u64().unwrap();
    }
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    if signal == "-TERM" {
        assert!(status.success(), "a graceful shutdown exits 0: {status:?}");
    }
    drop(server);

    let server = serve(dir, db, port).await;
    let token = api_token(&server.url).await;
    let after = get(&server.url, &token, &format!("/api/runs/{run}")).await;
    assert_eq!(after["status"], "interrupted", "{after}");
    let stored_after = after["progress"]["done"].as_u64().unwrap();
    assert!(stored_after >= stored_before, "cells lost: {stored_before} shown stored before, {stored_after} after");
    assert!(stored_after < after["progress"]["total"].as_u64().unwrap());
    let page = client()
        .get(format!("{}/runs/{run}", server.url))
        .header("cookie", login_cookie(&server.url).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let button = page.split("id=\"resume\"").nth(1).expect("the run page has a resume button");
    assert!(!button[..button.find('>').unwrap()].contains("hidden"), "the Resume button shows for an interrupted run");

    post(&server.url, &token, &format!("/api/runs/{run}/resume"), json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let done = loop {
        let v = get(&server.url, &token, &format!("/api/runs/{run}")).await;
        if v["status"] == "finished" {
            break v;
        }
        assert!(Instant::now() < deadline, "the resumed run did not finish: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["progress"]["done"], done["progress"]["total"]);
    assert_eq!(done["progress"]["total"], 1194);
    // The audit log counts every cell once, and the bundle verifies after the resume.
    let audit = get(&server.url, &token, &format!("/api/runs/{run}/audit")).await;
    assert_eq!(audit["cells_answered"], 1194);
    let kinds: Vec<&str> = audit["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"run_resumed") && kinds.contains(&"run_finished"), "{kinds:?}");
    // A graceful stop logs the interruption; a killed process cannot.
    assert_eq!(kinds.contains(&"run_interrupted"), signal == "-TERM", "{kinds:?}");
    let verified = get(&server.url, &token, &format!("/api/runs/{run}/verify")).await;
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["cells"], 1194);
}

async fn login_cookie(url: &str) -> String {
    let r = client()
        .post(format!("{url}/api/login"))
        .json(&json!({"name": "alice", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}

fn add_buyer(dir: &Path, db: &str) {
    let out = bin()
        .current_dir(dir)
        .args(["user", "add", "alice", "--role", "buyer", "--db", db])
        .env("TENDERBENCH_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_run_loses_no_cell_and_the_run_resumes() {
    let dir = tempfile::tempdir().unwrap();
    add_buyer(dir.path(), "s.db");
    stop_and_resume(dir.path(), "s.db", "-KILL").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_checkpoints_the_run_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let schema = tb_store::postgres::Schema::fresh().await;
    let db = schema.as_ref().map_or("s.db".to_string(), |s| s.url.clone());
    if schema.is_none() {
        eprintln!("(on SQLite instead)");
    }
    add_buyer(dir.path(), &db);
    stop_and_resume(dir.path(), &db, "-TERM").await;
    if let Some(s) = schema {
        s.drop().await;
    }
}
