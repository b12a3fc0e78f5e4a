//! `check`: validates the spec and suites and probes each vendor without running the suites.

use tb_suite::SuiteFormat;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_probes_vendors_and_reports_the_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("s.jsonl");
    write_numeric_suite(&suite, "q", 5);
    let (m, url) = mock(profile("strong"), 1, index_of(&[(&suite, SuiteFormat::Jsonl)])).await;
    // A port that nothing listens on: bind one, then free it.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/v1", l.local_addr().unwrap())
    };
    let head = format!(
        "{}[[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n[[criterion]]\nid = \"math\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 1.0\n\n",
        spec_head(0.3)
    );
    std::fs::write(dir.path().join("ok.toml"), format!("{head}{}", vendor_toml("live", &url, m.model(), 1.0, "")))
        .unwrap();
    let o = tb(dir.path(), &["check", "ok.toml"]).await;
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.contains("suite s: 5 cases"), "{out}");
    assert!(out.contains("vendor live: ok"), "{out}");
    assert!(out.contains(&format!("model {} is listed", m.model())), "{out}");
    assert!(out.contains("streams (TTFT"), "{out}");
    assert!(m.request_counts().keys().all(|k| k == "?"), "check sends no suite case: {:?}", m.request_counts());
    assert!(!dir.path().join("tenderbench.db").exists(), "check stores nothing");

    let spec = format!(
        "{head}{}{}",
        vendor_toml("live", &url, m.model(), 1.0, ""),
        vendor_toml("gone", &dead, "m", 1.0, "timeout_secs = 2\n")
    );
    std::fs::write(dir.path().join("dead.toml"), spec).unwrap();
    let o = tb(dir.path(), &["check", "dead.toml"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("vendor gone: FAILED"), "{}", stdout(&o));
    assert!(stdout(&o).contains("vendor live: ok"));

    // A missing API key is named, never guessed.
    let spec = format!("{head}{}", vendor_toml("keyed", &url, m.model(), 1.0, "api_key_env = \"TB_TEST_UNSET_KEY\"\n"));
    std::fs::write(dir.path().join("key.toml"), spec).unwrap();
    let o = tb(dir.path(), &["check", "key.toml"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("environment variable TB_TEST_UNSET_KEY is not set"), "{}", stdout(&o));
}

/// A multiple-choice case without options or without an answer would grade
/// every bidder wrong on it, unseen: `check` (and `run`) refuse the suite and
/// name the case and its line. A gate no bidder could pass with the suite's
/// cases is a warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_refuses_a_choice_case_without_an_answer_and_warns_of_an_unpassable_gate() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"id": "a", "prompt": "1 + 1 = ?", "options": ["1", "2", "3", "4"], "answer": "B"}"#;
    let spec = |gate: &str| {
        format!(
            "{}[[suite]]\nid = \"c\"\npath = \"c.jsonl\"\n\n[[criterion]]\nid = \"know\"\nsuite = \"c\"\ngrader = \"choice\"\nweight = 1.0\n{gate}\n{}",
            spec_head(0.3),
            vendor_toml("v", "http://127.0.0.1:9/v1", "m", 1.0, "")
        )
    };
    std::fs::write(dir.path().join("t.toml"), spec("")).unwrap();
    for (line2, what) in [
        (r#"{"id": "b", "prompt": "2 + 2 = ?", "options": ["3", "4"], "answer": ""}"#, "has no answer"),
        (r#"{"id": "b", "prompt": "2 + 2 = ?", "answer": "B"}"#, "has no options"),
    ] {
        std::fs::write(dir.path().join("c.jsonl"), format!("{good}\n{line2}\n")).unwrap();
        for cmd in ["check", "run"] {
            let o = tb(dir.path(), &[cmd, "t.toml"]).await;
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
            assert!(err.contains("case b") && err.contains(what) && err.contains(":2"), "{cmd}: {err}");
        }
    }
    // Two good cases and a gate on the bound at 90%: even 2/2 has a lower bound far below it.
    std::fs::write(dir.path().join("c.jsonl"), format!("{good}\n{}\n", good.replace("\"a\"", "\"b\""))).unwrap();
    std::fs::write(dir.path().join("t.toml"), spec("gate = { min = 0.9, basis = \"bound\" }")).unwrap();
    let o = tb(dir.path(), &["check", "t.toml"]).await;
    let out = stdout(&o);
    assert!(out.contains("warning: criterion know") && out.contains("nobody can pass"), "{out}");
}
