//! Scoring and report rendering at scale: a stored run of five vendors and
//! CELLS cells each (default 1,000,000) on two criteria, with 10,000
//! bootstrap resamples, is read back from SQLite, graded, scored (intervals,
//! clustered intervals, paired comparisons, permutation tests, sensitivity)
//! and rendered as JSON, HTML and Markdown.
//!
//!     cargo run --release -p tb-report --example report_bench [-- CELLS]
//!     STORE_CELLS=N (default 20,000 a vendor) sizes the store stage.
//!
//! Filling the store is set-up and is timed apart. Prints the seconds of each
//! stage and the whole of scoring + rendering.

use std::time::Instant;

use tb_store::{CellRecord, RunRecord, RunStatus, Store};

const VENDORS: usize = 5;

fn spec_text(resamples: u32) -> String {
    let mut s = format!(
        "[tender]\nid = \"BENCH\"\ntitle = \"bench\"\nbuyer = \"b\"\nkind = \"services\"\nprice_weight = 0.3\n\n\
         [scoring]\nbootstrap_resamples = {resamples}\n\n\
         [[suite]]\nid = \"knowledge\"\npath = \"k.jsonl\"\n\n[[suite]]\nid = \"reasoning\"\npath = \"r.jsonl\"\n\n\
         [[criterion]]\nid = \"knowledge\"\nsuite = \"knowledge\"\ngrader = \"choice\"\nweight = 0.6\n\n\
         [[criterion]]\nid = \"reasoning\"\nsuite = \"reasoning\"\ngrader = \"numeric\"\nweight = 0.4\n"
    );
    for v in 0..VENDORS {
        s.push_str(&format!(
            "\n[[vendor]]\nname = \"V{v}\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m{v}\"\nbid_price = {}\n",
            1_000_000 - 50_000 * v
        ));
    }
    s
}

/// A cheap deterministic hash, so that outcomes differ by vendor and case.
fn mix(a: u64, b: u64) -> u64 {
    tb_stats::lot_key(a, b as usize)
}

/// Cell `i` of vendor `v`: right with the vendor's accuracy, its latency
/// spread over 50–250 ms; the first `half` are choice questions.
fn cell(v: usize, i: u64, half: u64) -> CellRecord {
    let accuracy = [0.90, 0.88, 0.80, 0.70, 0.55][v];
    let (suite, seq) = if i < half { ("knowledge", i) } else { ("reasoning", i - half) };
    let h = mix(v as u64 * 7 + 1, i);
    let right = (h % 10_000) as f64 / 10_000.0 < accuracy;
    let answer = match (suite, right) {
        ("knowledge", true) => "答案：B",
        ("knowledge", false) => "答案：C",
        (_, true) => "所以答案是 42。",
        _ => "所以答案是 41。",
    };
    CellRecord {
        run_id: "bench".into(),
        vendor: format!("V{v}"),
        suite: suite.into(),
        case_id: format!("{suite}-{seq}"),
        repeat: 0,
        seq,
        cause: None,
        detail: None,
        answer: Some(answer.into()),
        finish_reason: Some("stop".into()),
        prompt_tokens: Some(120),
        completion_tokens: Some(12),
        ttft_ms: Some(20.0 + (h >> 20) as f64 % 30.0),
        latency_ms: 50.0 + (h >> 32) as f64 % 200.0 + v as f64 * 5.0,
        attempts: 1,
        gold_json: if suite == "knowledge" {
            r#"{"answer":"B","options":{"A":"甲","B":"乙","C":"丙","D":"丁"}}"#.into()
        } else {
            r#"{"answer":"42"}"#.into()
        },
        subject: Some(format!("subject-{}", seq % 52)),
        language: Some("zh".into()),
        request_sha256: String::new(),
        response_sha256: String::new(),
        finished_at: String::new(),
        tool_calls: None,
        verdicts: None,
        timing: None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cells: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    for f in ["k.jsonl", "r.jsonl"] {
        std::fs::write(dir.path().join(f), "{\"id\": \"0\", \"prompt\": \"p\", \"answer\": \"1\"}\n").unwrap();
    }
    let spec_path = dir.path().join("t.toml");
    let resamples = std::env::var("BENCH_RESAMPLES").ok().and_then(|r| r.parse().ok()).unwrap_or(10_000);
    let text = spec_text(resamples);
    std::fs::write(&spec_path, &text).unwrap();
    let spec = tb_spec::parse(&text, &spec_path, dir.path()).expect("spec");
    let half = cells / 2;
    let store = Store::open(&dir.path().join("bench.db")).await.expect("store");
    let run = RunRecord {
        id: "bench".into(),
        tender_id: "BENCH".into(),
        spec_hash: spec.canonical_hash(),
        spec_json: serde_json::to_string(&spec).unwrap(),
        suites_json: serde_json::json!([
            {"id": "knowledge", "sha256": "0", "cases": half},
            {"id": "reasoning", "sha256": "0", "cases": cells - half},
        ])
        .to_string(),
        simulated: true,
        status: RunStatus::Finished,
        created_at: tb_store::now_rfc3339(),
        finished_at: Some(tb_store::now_rfc3339()),
        public_key: None,
        blind_mapping: None,
        blind_revealed: false,
        order_seed: None,
    };
    store.create_run(&run).await.expect("run");

    // 1. Scoring and rendering: every cell graded, counted, scored and the
    //    report rendered, from cells made in memory (their making included).
    //    The cells are counted on two threads (the machine's two cores),
    //    each taking half the cases of every vendor, and the aggregates merged.
    //    The cells are made first (as a store would hand them over), untimed.
    let made = Instant::now();
    let make = |cases: std::ops::Range<u64>| -> Vec<CellRecord> {
        (0..VENDORS).flat_map(|v| cases.clone().map(move |i| cell(v, i, half))).collect()
    };
    let (first, second) = (make(0..cells / 2), make(cells / 2..cells));
    println!(
        "made {} cells in memory in {:.1} s (not timed below)",
        first.len() + second.len(),
        made.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let count = |cells: Vec<CellRecord>| {
        let mut aggregate = tb_report::Aggregate::new(&spec, None);
        for c in cells {
            aggregate.add(c);
        }
        aggregate
    };
    let (mut aggregate, other) = std::thread::scope(|s| {
        let later = s.spawn(|| count(second));
        let earlier = count(first);
        (earlier, later.join().expect("scoring thread"))
    });
    aggregate.merge(other);
    let counted = start.elapsed().as_secs_f64();
    let report = aggregate.finish(&run, &Default::default()).expect("report");
    let scored = start.elapsed().as_secs_f64();
    let json = tb_report::render_json(&report);
    let html = tb_report::render_html(&report, tb_report::Lang::Zh).expect("html");
    let md = tb_report::render_markdown(&report, tb_report::Lang::En);
    let total = start.elapsed().as_secs_f64();
    println!(
        "{} cells ({cells} × {VENDORS} vendors), 10,000 resamples: grade + count {counted:.2} s, statistics {:.2} s, render JSON {} KB / HTML {} KB / Markdown {} KB {:.2} s",
        cells * VENDORS as u64,
        scored - counted,
        json.len() / 1024,
        html.len() / 1024,
        md.len() / 1024,
        total - scored
    );
    println!("scoring + rendering: {total:.2} s (target < 10 s)");

    // 2. The same from the SQLite store, on STORE_CELLS cells a vendor: what
    //    reading the cells back costs per cell.
    let store_cells: u64 = std::env::var("STORE_CELLS").ok().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let fill = Instant::now();
    let empty =
        tb_store::Evidence { sha256: tb_audit::sha256_hex(b""), size: 0, encoding: "identity", stored: Vec::new() };
    let mut batch = Vec::with_capacity(10_000);
    for v in 0..VENDORS {
        for i in 0..store_cells {
            let mut c = cell(v, i, store_cells / 2);
            c.request_sha256 = empty.sha256.clone();
            c.response_sha256 = empty.sha256.clone();
            batch.push(c);
            if batch.len() == 10_000 {
                store.insert_cells(&batch, std::slice::from_ref(&empty), &[]).await.expect("insert");
                batch.clear();
            }
        }
    }
    store.insert_cells(&batch, std::slice::from_ref(&empty), &[]).await.expect("insert");
    let stored = VENDORS as u64 * store_cells;
    println!("store set-up: {stored} cells in {:.1} s", fill.elapsed().as_secs_f64());
    let start = Instant::now();
    {
        use futures_util::TryStreamExt;
        let mut stream = store.cells("bench");
        while stream.try_next().await.expect("read").is_some() {}
    }
    let read = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let from_store = tb_report::build(&store, "bench").await.expect("report");
    let built = start.elapsed().as_secs_f64();
    println!(
        "from the store: read alone {:.1} µs a cell; read + grade + score {:.1} µs a cell ({built:.2} s for {stored})",
        read * 1e6 / stored as f64,
        built * 1e6 / stored as f64
    );
    assert_eq!(from_store.vendors.len(), VENDORS);
    println!("ranking: {:?}", report.ranking);
    store.close().await;
}
