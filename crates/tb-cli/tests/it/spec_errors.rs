//! Bad specs: a precise message with line and column, exit status 2, nothing written.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_spec_gets_its_own_message_and_status_2() {
    let dir = tempfile::tempdir().unwrap();
    write_numeric_suite(&dir.path().join("s.jsonl"), "q", 3);
    let good = format!(
        "{}[[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n[[criterion]]\nid = \"c1\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 0.5\n\n[[criterion]]\nid = \"c2\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 0.5\n\n{}",
        spec_head(0.3),
        vendor_toml("A", "http://127.0.0.1:9/v1", "m", 100.0, "")
    );
    let cases = [
        ("weight = 0.5\n\n[[vendor]]", "weight = 0.4\n\n[[vendor]]", "weights sum to 0.9"),
        ("price_weight = 0.3", "price_weight = 0.05", "below the statutory minimum"),
        (
            "grader = \"numeric\"\nweight = 0.5\n\n[[vendor]]",
            "grader = \"nmeric\"\nweight = 0.5\n\n[[vendor]]",
            "unknown grader \"nmeric\"",
        ),
        ("path = \"s.jsonl\"", "path = \"gone.jsonl\"", "does not exist"),
        ("id = \"c2\"", "id = \"c1\"", "duplicate criterion id \"c1\""),
    ];
    for (from, to, needle) in cases {
        // The error points at the first line of what was replaced.
        let line = good[..good.find(from).unwrap()].matches('\n').count() + 1;
        let text = good.replacen(from, to, 1);
        assert_ne!(text, good, "{from:?} not found");
        std::fs::write(dir.path().join("bad.toml"), text).unwrap();
        let o = tb(dir.path(), &["run", "bad.toml"]).await;
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{to}: {err}");
        assert!(err.contains(needle), "{to}: {err}");
        assert!(err.contains(&format!("bad.toml:{line}:")), "{to}: want line {line}: {err}");
        assert!(!dir.path().join("tenderbench.db").exists(), "a bad spec writes nothing");
        assert!(!dir.path().join("tenderbench-out").exists(), "a bad spec writes nothing");
        let o = tb(dir.path(), &["check", "bad.toml"]).await;
        assert_eq!(o.status.code(), Some(2), "check {to}");
    }
    // A malformed suite row: named by file and line, status 2, the run does not start.
    std::fs::write(dir.path().join("good.toml"), &good).unwrap();
    std::fs::write(
        dir.path().join("s.jsonl"),
        "{\"id\": 1, \"prompt\": \"p\", \"answer\": \"1\"}\n{\"id\": 2, \"prompt\": \n",
    )
    .unwrap();
    let o = tb(dir.path(), &["run", "good.toml"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("s.jsonl:2: not valid JSON"), "{}", stderr(&o));
}
