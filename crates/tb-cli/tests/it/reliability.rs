//! The vendor fault matrix (docs/reliability.md): for every way an endpoint
//! misbehaves, the run completes, the cell records the cause, attempts stay
//! bounded, and body size and stream duration are capped.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// A server that answers in HTTP/1.0 with no Content-Length: the body ends when the connection closes.
async fn http10_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head and the body it announces.
                loop {
                    let Ok(n) = sock.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    req.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&req);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        if req.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let body = r#"{"choices": [{"message": {"content": "The answer is 0."}, "finish_reason": "stop"}]}"#;
                let _ = sock
                    .write_all(format!("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{body}").as_bytes())
                    .await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}/v1")
}

/// Runs the binary and samples its peak resident memory (VmHWM, in KiB) until it exits.
async fn run_measuring_peak_memory(dir: &std::path::Path, args: &[&str]) -> (std::process::Output, u64) {
    let child = bin()
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    let mut peak = 0;
    while !waiting.is_finished() {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    (waiting.await.unwrap(), peak)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vendor_fault_is_an_outcome_with_its_cause() {
    let (dir, index) = numeric_suite_dir(2);
    // (fault, streaming, expected cause or "answered", attempts per cell where retries are decided by status)
    let matrix: &[(&str, bool, &str, u32)] = &[
        ("429-retry-after", true, "rate_limited", 2),
        ("429-no-retry-after", true, "rate_limited", 2),
        ("429-negative", false, "rate_limited", 2),
        ("429-ten-years", true, "rate_limited", 1),
        ("429-http-date", false, "rate_limited", 1),
        ("500", false, "server_error", 2),
        ("502", true, "server_error", 2),
        ("503", false, "server_error", 2),
        ("504", true, "server_error", 2),
        ("hang", true, "timeout", 2),
        ("hang-mid-stream", true, "timeout", 2),
        ("drip", false, "timeout", 2),
        ("reset-mid-body", false, "connection", 2),
        ("reset-mid-body", true, "connection", 2),
        ("truncated", true, "truncated_stream", 1),
        ("no-done", true, "answered", 1),
        ("invalid-json", false, "invalid_response", 1),
        ("invalid-json", true, "invalid_response", 1),
        ("wrong-shape", false, "invalid_response", 1),
        ("wrong-shape", true, "invalid_response", 1),
        ("huge-body", false, "response_too_large", 1),
        ("huge-body", true, "response_too_large", 1),
        ("endless-body", false, "response_too_large", 1),
        ("endless-body", true, "response_too_large", 1),
        ("wrong-content-type", false, "answered", 1),
        ("wrong-content-type", true, "answered", 1),
        ("invalid-utf8", false, "invalid_response", 1),
        ("invalid-utf8", true, "invalid_response", 1),
        ("gzip-bomb", false, "invalid_response", 1),
        ("gzip-bomb", true, "invalid_response", 1),
        ("duplicate-chunks", true, "answered", 1),
        ("out-of-order-chunks", true, "answered", 1),
        ("redirect", false, "http_status", 1),
    ];
    let mut vendors = String::new();
    let mut mocks = HashMap::new();
    let settings = "concurrency = 2\nmax_retries = 1\n";
    for (i, (fault, stream, cause, _)) in matrix.iter().enumerate() {
        let (m, url) = mock(profile(&format!("fault:{fault}")), i as u64, index.clone()).await;
        let name = format!("{fault}/{}", if *stream { "sse" } else { "json" });
        // Short timeouts where the fault is a stall; room for 8 MB otherwise (debug build, 35 vendors at once).
        let timeout = if *cause == "timeout" { 1.5 } else { 20.0 };
        vendors.push_str(&vendor_toml(
            &name,
            &url,
            "m",
            1.0,
            &format!("{settings}timeout_secs = {timeout}\nstream = {stream}\n"),
        ));
        mocks.insert(name, m);
    }
    // Connection refused: a port that was just freed.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/v1", l.local_addr().unwrap())
    };
    vendors.push_str(&vendor_toml("refused/json", &dead, "m", 1.0, &format!("{settings}stream = false\n")));
    vendors.push_str(&vendor_toml(
        "http10/json",
        &http10_server().await,
        "m",
        1.0,
        &format!("{settings}stream = false\n"),
    ));
    let spec = format!(
        "{}[[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n[[criterion]]\nid = \"math\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 1.0\n\n{vendors}",
        spec_head(0.3)
    );
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    let started = std::time::Instant::now();
    let (o, peak_kb) = run_measuring_peak_memory(dir.path(), &["run", "t.toml"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(started.elapsed().as_secs() < 60, "faults must not stall a run: {:?}", started.elapsed());
    // 200 MB and endless bodies, gzip bombs: memory stays bounded by the caps.
    eprintln!("fault matrix: peak RSS {} MB", peak_kb / 1024);
    assert!(peak_kb < 300 * 1024, "peak RSS {} MB", peak_kb / 1024);

    let store = tb_store::Store::open(&dir.path().join("tenderbench.db")).await.unwrap();
    let run_id = read_json(&run_dir(&dir.path().join("tenderbench-out")).join("report.json"))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let cells: Vec<_> = store.cells(&run_id).try_collect().await.unwrap();
    let expected = matrix
        .iter()
        .map(|(f, s, c, a)| (format!("{f}/{}", if *s { "sse" } else { "json" }), (*c, *a)))
        .chain([("refused/json".to_string(), ("connection", 2)), ("http10/json".to_string(), ("answered", 1))]);
    for (vendor, (cause, attempts)) in expected {
        let mine: Vec<_> = cells.iter().filter(|c| c.vendor == vendor).collect();
        assert_eq!(mine.len(), 2, "{vendor}: every cell stored");
        for c in mine {
            let got = c.cause.as_deref().unwrap_or("answered");
            assert_eq!(got, cause, "{vendor}: {:?}", c.detail);
            // Retry decisions are exact for status codes; a body fault may also meet a broken connection first.
            if ["rate_limited", "server_error", "http_status"].contains(&cause) {
                assert_eq!(c.attempts, attempts, "{vendor}: attempts ({:?})", c.detail);
            } else {
                assert!(c.attempts <= 2, "{vendor}: {} attempts ({:?})", c.attempts, c.detail);
            }
            if cause == "response_too_large" {
                let body = store.evidence(&c.response_sha256).await.unwrap().unwrap();
                assert!(body.len() <= tb_vendor::MAX_BODY_BYTES, "{vendor}: kept {} bytes", body.len());
            }
        }
        // No retry storm: the vendor saw at most the attempts allowed.
        if let Some(m) = mocks.get(&vendor) {
            for (case, n) in m.request_counts() {
                assert!(n <= 2, "{vendor}: {n} requests for {case}");
            }
        }
    }
    let ten_years = cells.iter().find(|c| c.vendor == "429-ten-years/sse").unwrap();
    assert!(ten_years.detail.as_deref().unwrap().contains("exceeds the 60s cap"), "{:?}", ten_years.detail);
}
