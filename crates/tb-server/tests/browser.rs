//! The dashboard in headless Chromium, driven through chromedriver
//! (WebDriver): a buyer logs in, creates a tender from the example, starts
//! a run against simulated vendors, watches it reach 100 % and opens the
//! results, the transcripts, a case side by side and the audit page
//! (verify); then a vendor logs in and sees only its own row.
//!
//! Needs Debian's `chromium` and `chromium-driver`; skipped where they are
//! missing, except in CI (TENDERBENCH_REQUIRE_CHROMIUM). With
//! TENDERBENCH_SCREENSHOTS=DIR the main pages are saved there as PNG
//! (docs/screenshots holds the ones in the repository).

#![allow(clippy::disallowed_methods, reason = "tests start chromedriver and drive the server over HTTP")]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use support::*;

fn tools() -> Option<(&'static str, &'static str)> {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists());
    let driver =
        ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| Path::new(p).exists());
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            assert!(
                std::env::var_os("TENDERBENCH_REQUIRE_CHROMIUM").is_none(),
                "Chromium and chromedriver are required here"
            );
            eprintln!(
                "SKIPPED: no chromium or chromedriver (Debian: apt install chromium chromium-driver); CI requires them"
            );
            None
        }
    }
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser(chromium: &str, driver: &str, profile: &Path) -> (Client, Driver) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver_guard = Driver(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())],
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return (c, driver_guard),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a browser session: {e}"),
        }
    }
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    if let Some(dir) = std::env::var_os("TENDERBENCH_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// Fetches a same-origin URL with the page's session, as a link would, and returns the body.
async fn fetch_bytes(c: &Client, href: &str) -> Vec<u8> {
    let script = "const done = arguments[arguments.length - 1]; \
        fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => done(Array.from(new Uint8Array(b).slice(0, 8)))) \
        .catch(e => done([]));";
    let v = c.execute_async(script, vec![serde_json::json!(href)]).await.unwrap();
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u8).collect()
}

async fn login(c: &Client, url: &str, name: &str) {
    c.goto(&format!("{url}/login")).await.unwrap();
    c.find(Locator::Id("name")).await.unwrap().send_keys(name).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Id("login")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("whoami")).await.unwrap();
}

async fn wait_for_url(c: &Client, part: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let url = c.current_url().await.unwrap().to_string();
        if url.contains(part) {
            return url;
        }
        assert!(Instant::now() < deadline, "never reached a URL with {part}; at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_runs_a_tender_in_the_browser_and_a_vendor_sees_only_itself() {
    let Some((chromium, driver)) = tools() else { return };
    let server = start(None).await;
    let profile = tempfile::tempdir().unwrap();
    let (c, _driver) = browser(chromium, driver, profile.path()).await;
    let url = server.url.clone();

    // The buyer, in English.
    c.goto(&format!("{url}/login?lang=en")).await.unwrap();
    screenshot(&c, "login").await;
    login(&c, &url, "alice").await;
    assert!(text(&c, "#whoami").await.contains("alice · buyer"));
    c.find(Locator::Id("create-example")).await.unwrap().click().await.unwrap();
    wait_for_url(&c, "/tenders/HZ-12345-2026-017").await;
    c.wait().for_element(Locator::Id("criteria")).await.unwrap();
    assert!(text(&c, "#criteria").await.contains("knowledge"));
    assert_eq!(c.find_all(Locator::Css("#vendors tr")).await.unwrap().len(), 4, "three bidders and the header");
    screenshot(&c, "tender").await;

    c.find(Locator::Id("start-simulated")).await.unwrap().click().await.unwrap();
    let run_url = wait_for_url(&c, "/runs/").await;
    let run_id = run_url.rsplit('/').next().unwrap().to_string();
    // Live progress over Server-Sent Events until 100 %, without reloading.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let percent = text(&c, "#percent").await;
        let status = c.find(Locator::Id("status")).await.unwrap().attr("data-status").await.unwrap();
        if percent == "100" && status.as_deref() == Some("finished") {
            break;
        }
        assert!(Instant::now() < deadline, "the run page never showed 100 % finished (at {percent}%, {status:?})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(c.find_all(Locator::Css("#progress tr[data-vendor]")).await.unwrap().len(), 3);
    // A finished run offers neither Stop nor Resume.
    for id in ["cancel", "resume"] {
        let shown = c.find(Locator::Id(id)).await.unwrap().is_displayed().await.unwrap();
        assert!(!shown, "#{id} is shown on a finished run");
    }
    screenshot(&c, "run").await;

    c.find(Locator::Id("results-link")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("ranking")).await.unwrap();
    assert_eq!(c.find_all(Locator::Css("#ranking tr.vendor-row")).await.unwrap().len(), 3);
    assert_eq!(c.find_all(Locator::Css("#charts svg")).await.unwrap().len(), 2, "a chart per criterion");
    assert!(c.find(Locator::Id("score-table")).await.is_ok());
    // The evaluation report the committee signs, from the results page.
    for (id, magic) in [("evaluation-report-docx", &b"PK"[..]), ("evaluation-report-pdf", &b"%PDF"[..])] {
        let href = c.find(Locator::Id(id)).await.unwrap().attr("href").await.unwrap().unwrap();
        let bytes = fetch_bytes(&c, &href).await;
        assert!(bytes.starts_with(magic), "{id}: {} bytes, not the document", bytes.len());
    }
    screenshot(&c, "results").await;

    c.goto(&format!("{url}/runs/{run_id}/cells?suite=fee-arithmetic")).await.unwrap();
    let first = c.find(Locator::Css("#cells td a")).await.unwrap();
    first.click().await.unwrap();
    c.wait().for_element(Locator::Id("side-by-side")).await.unwrap();
    assert_eq!(c.find_all(Locator::Css(".answer-card")).await.unwrap().len(), 3, "the three vendors side by side");
    screenshot(&c, "case").await;
    // The wrong answers only, counted, each with its gold answer beside it.
    c.goto(&format!("{url}/runs/{run_id}/cells?suite=fee-arithmetic")).await.unwrap();
    let wrong = c.find(Locator::Css("#show option[value=wrong]")).await.unwrap();
    let label = wrong.text().await.unwrap();
    let count: usize = label.rsplit('(').next().unwrap().trim_end_matches(')').parse().unwrap();
    assert!(count > 0, "the simulated vendors answer some cases wrong: {label}");
    wrong.click().await.unwrap();
    c.find(Locator::Css("#filters button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url(&c, "show=wrong").await;
    let rows = c.find_all(Locator::Css("#cells tr td.gold")).await.unwrap();
    assert_eq!(rows.len(), count.min(50), "one row per wrong answer (the first page)");
    for badge in c.find_all(Locator::Css("#cells .badge")).await.unwrap() {
        assert!(badge.text().await.unwrap().contains('✗'), "a right answer among the wrong ones");
    }
    assert!(!rows[0].text().await.unwrap().trim().is_empty(), "the gold answer is shown");
    screenshot(&c, "transcripts").await;
    c.find(Locator::Css("#cells td a")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("side-by-side")).await.unwrap();
    let gold = text(&c, ".answer-card .gold").await;
    assert!(!gold.is_empty() && gold != "—", "the case page shows the gold answer: {gold:?}");

    c.goto(&format!("{url}/runs/{run_id}/audit")).await.unwrap();
    c.find(Locator::Id("verify")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !text(&c, "#verify-result").await.starts_with("Verified") {
        assert!(Instant::now() < deadline, "verify said: {}", text(&c, "#verify-result").await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    screenshot(&c, "audit").await;

    // Chinese, switched on the page.
    c.goto(&format!("{url}/runs/{run_id}/results?lang=zh")).await.unwrap();
    assert!(text(&c, "h1").await.contains("结果"));
    screenshot(&c, "results-zh").await;
    c.find(Locator::Id("logout")).await.unwrap().click().await.unwrap();
    wait_for_url(&c, "/login").await;

    // A vendor: its own row only; the whole report and the audit are refused.
    login(&c, &url, "va").await;
    c.goto(&format!("{url}/runs/{run_id}/results")).await.unwrap();
    c.wait().for_element(Locator::Id("ranking")).await.unwrap();
    let rows = c.find_all(Locator::Css("#ranking tr.vendor-row")).await.unwrap();
    assert_eq!(rows.len(), 1, "a vendor sees its own row only");
    let page = c.source().await.unwrap();
    let mapping = server.json(&server.token("alice").await, &format!("/api/runs/{run_id}/mapping")).await;
    for other in ["Bidder B", "Bidder C"] {
        let code = mapping["codes"][other].as_str().unwrap();
        assert!(!page.contains(code) && !page.contains(other), "the vendor's page shows {other}");
    }
    screenshot(&c, "vendor-results").await;
    c.goto(&format!("{url}/runs/{run_id}/audit")).await.unwrap();
    assert!(text(&c, "#page-error").await.contains("forbidden"));
    c.goto(&format!("{url}/api/runs/{run_id}/report.html")).await.unwrap();
    assert!(c.source().await.unwrap().contains("forbidden"));
    c.goto(&format!("{url}/runs/{run_id}/cells")).await.unwrap();
    let vendors: Vec<String> = {
        let mut v = Vec::new();
        for cell in c.find_all(Locator::Css("#cells tr td:nth-child(3)")).await.unwrap() {
            v.push(cell.text().await.unwrap());
        }
        v
    };
    assert!(!vendors.is_empty() && vendors.iter().all(|v| v == mapping["codes"]["Bidder A"].as_str().unwrap()));
    c.close().await.unwrap();
    server.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evaluator_scores_a_subjective_criterion_on_the_page() {
    let Some((chromium, driver)) = tools() else { return };
    let server = start(None).await;
    let buyer = server.token("alice").await;
    let (s, body) = server.call(Some(&buyer), "post", "/api/tenders", Some(tender("T-S", 4))).await;
    assert!(s.is_success(), "{body}");
    let (_, body) =
        server.call(Some(&buyer), "post", "/api/tenders/T-S/runs", Some(serde_json::json!({"simulated": true}))).await;
    let run = serde_json::from_str::<serde_json::Value>(&body).unwrap()["run_id"].as_str().unwrap().to_string();
    server.wait_run(&buyer, &run).await;
    let profile = tempfile::tempdir().unwrap();
    let (c, _driver) = browser(chromium, driver, profile.path()).await;
    // The buyer cannot reveal the names while the panel has not scored: the
    // page asks for confirmation, then shows the refusal.
    login(&c, &server.url, "alice").await;
    c.goto(&format!("{}/runs/{run}/audit?lang=en", server.url)).await.unwrap();
    c.find(Locator::Id("reveal")).await.unwrap().click().await.unwrap();
    c.accept_alert().await.unwrap();
    let error = c.wait().for_element(Locator::Css("#error:not([hidden])")).await.unwrap().text().await.unwrap();
    assert!(error.contains("not finished scoring") && error.contains("eva"), "{error}");
    // Before the panel has scored, the subjective criterion reads pending, in Chinese and in English, never 0.
    for (lang, word) in [("zh", "待评分"), ("en", "pending")] {
        c.goto(&format!("{}/runs/{run}/results?lang={lang}", server.url)).await.unwrap();
        let cells = c.find_all(Locator::Css("#criteria-values .pending")).await.unwrap();
        assert_eq!(cells.len(), 2, "{lang}: one pending cell per bidder");
        for cell in cells {
            assert_eq!(cell.text().await.unwrap(), word);
        }
        let ranking = text(&c, "#ranking").await;
        assert!(!ranking.contains("0.0%"), "{lang}: {ranking}");
    }
    c.find(Locator::Id("logout")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("name")).await.unwrap();

    login(&c, &server.url, "eva").await;
    c.goto(&format!("{}/runs/{run}/score?lang=en", server.url)).await.unwrap();
    let rows = c.find_all(Locator::Css("tr.score-row")).await.unwrap();
    assert_eq!(rows.len(), 2, "one row per bidder, by code");
    // An empty score is refused with a message, never recorded as 0.
    rows[0].find(Locator::Css("button.record")).await.unwrap().click().await.unwrap();
    let error = c.wait().for_element(Locator::Css("#error:not([hidden])")).await.unwrap().text().await.unwrap();
    assert!(error.contains("0 to 100"), "{error}");
    for i in 0..2 {
        // Each record reloads the page with what was recorded.
        let row = c.find_all(Locator::Css("tr.score-row")).await.unwrap().remove(i);
        let score = format!("{}", 70 + 10 * i);
        row.find(Locator::Css("input.score")).await.unwrap().send_keys(&score).await.unwrap();
        row.find(Locator::Css("input.note")).await.unwrap().send_keys("clear plan").await.unwrap();
        row.find(Locator::Css("button.record")).await.unwrap().click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let rows = c.find_all(Locator::Css("tr.score-row td.recorded")).await;
            let shown = match rows {
                Ok(r) if r.len() == 2 => r[i].text().await.unwrap_or_default(),
                _ => String::new(),
            };
            if shown.starts_with(&score) {
                // The time it was recorded, to the second, in the tender's zone.
                assert!(shown.len() >= score.len() + 20, "{shown}");
                break;
            }
            assert!(Instant::now() < deadline, "row {i} never showed its recorded score: {shown:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let entries = server.json(&buyer, &format!("/api/runs/{run}/audit")).await;
    let scores: Vec<f64> = entries["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "evaluator_score")
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(e["payload"].as_str().unwrap()).unwrap()["score"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_eq!(scores, [70.0, 80.0], "exactly the two scores entered, no empty one");
    screenshot(&c, "scoring").await;
    // The review queue: the simulated vendors' answers are all read by the rules.
    c.goto(&format!("{}/runs/{run}/review?lang=en", server.url)).await.unwrap();
    assert!(text(&c, "h1").await.starts_with("Review"), "{}", text(&c, "h1").await);
    assert!(c.find(Locator::Id("empty-review")).await.unwrap().is_displayed().await.unwrap());
    let results = server.json(&buyer, &format!("/api/runs/{run}/results")).await;
    let plan: Vec<f64> = results["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v["criteria"].as_array().unwrap().iter().find(|c| c["id"] == "plan").unwrap()["value"].as_f64().unwrap()
        })
        .collect();
    let mut sorted = plan.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(sorted, [0.7, 0.8], "the panel's scores are in the report");
    // Every evaluator has scored every bidder: the reveal is allowed, after confirmation.
    c.find(Locator::Id("logout")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("name")).await.unwrap();
    login(&c, &server.url, "alice").await;
    c.goto(&format!("{}/runs/{run}/audit?lang=en", server.url)).await.unwrap();
    c.find(Locator::Id("reveal")).await.unwrap().click().await.unwrap();
    c.accept_alert().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Id("reveal")).await.is_ok() {
        assert!(Instant::now() < deadline, "the reveal button is still there");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let audit = server.json(&buyer, &format!("/api/runs/{run}/audit")).await;
    assert!(audit["entries"].as_array().unwrap().iter().any(|e| e["kind"] == "mapping_revealed"));
    c.close().await.unwrap();
    server.task.abort();
}
