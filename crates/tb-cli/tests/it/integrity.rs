//! Integrity: the demo's evidence bundle verifies offline; every kind of
//! tampering is caught and named; API keys never reach anything written.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use tb_suite::SuiteFormat;

use crate::support::*;

/// A change to a bundle's files.
type Edit = Box<dyn FnOnce(&mut BTreeMap<String, Vec<u8>>)>;

struct Demo {
    dir: tempfile::TempDir,
    run_id: String,
    bundle: PathBuf,
    key: PathBuf,
}

async fn demo_with_bundle() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let o = tb(dir.path(), &["demo"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let report = read_json(&run_dir(&dir.path().join("tenderbench-out")).join("report.json"));
    let run_id = report["run_id"].as_str().unwrap().to_string();
    assert_eq!(report["signing"]["fingerprint"].as_str().unwrap().len(), 16, "the report names its key");
    let key = dir.path().join("tenderbench-out/demo-key/tenderbench.key");
    let bundle = dir.path().join("bundle.tar.gz");
    let o = tb(dir.path(), &["export", &run_id, "--bundle", "bundle.tar.gz", "--key", key.to_str().unwrap()]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    Demo { dir, run_id, bundle, key }
}

async fn verify(dir: &Path, bundle: &Path) -> (bool, String) {
    let o = tb(dir, &["verify", bundle.to_str().unwrap()]).await;
    (o.status.success(), stdout(&o) + &stderr(&o))
}

/// A tampered copy of the bundle, its manifest re-signed with the run's own key
/// (an insider who holds the key but cannot rewrite the whole history).
fn tampered(d: &Demo, name: &str, edit: impl FnOnce(&mut BTreeMap<String, Vec<u8>>)) -> PathBuf {
    let mut files = tb_bundle::read_bundle(&d.bundle).unwrap();
    edit(&mut files);
    let key = tb_audit::Keypair::load(&d.key).unwrap();
    let path = d.dir.path().join(format!("{name}.tar.gz"));
    tb_bundle::write_bundle(files.into_iter().collect(), &d.run_id, &key, &path).unwrap();
    path
}

fn edit_text(files: &mut BTreeMap<String, Vec<u8>>, name: &str, f: impl FnOnce(String) -> String) {
    let text = String::from_utf8(files[name].clone()).unwrap();
    let changed = f(text.clone());
    assert_ne!(changed, text, "{name}: the edit changed nothing");
    files.insert(name.into(), changed.into_bytes());
}

fn edit_lines(files: &mut BTreeMap<String, Vec<u8>>, name: &str, f: impl FnOnce(&mut Vec<serde_json::Value>)) {
    let mut rows: Vec<serde_json::Value> =
        String::from_utf8(files[name].clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    f(&mut rows);
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    files.insert(name.into(), text.into_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_bundle_verifies_and_every_tampering_is_named() {
    let d = demo_with_bundle().await;
    let (ok, out) = verify(d.dir.path(), &d.bundle).await;
    assert!(ok, "{out}");
    assert!(out.contains("report.json identical"), "{out}");
    let fingerprint = tb_audit::Keypair::load(&d.key).unwrap().fingerprint();
    let o = tb(d.dir.path(), &["verify", "bundle.tar.gz", "--expect-key", &fingerprint]).await;
    assert!(o.status.success(), "{}", stdout(&o));
    let o = tb(d.dir.path(), &["verify", "bundle.tar.gz", "--expect-key", "0000000000000000"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("not by the expected key"), "{}", stdout(&o));

    // The verified report is the demo's report.json, byte for byte.
    let files = tb_bundle::read_bundle(&d.bundle).unwrap();
    let written = std::fs::read(run_dir(&d.dir.path().join("tenderbench-out")).join("report.json")).unwrap();
    assert_eq!(files["report.json"], written);

    // Re-sealing an unchanged bundle changes nothing.
    let same = tampered(&d, "same", |_| {});
    assert!(verify(d.dir.path(), &same).await.0);

    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "evidence-byte",
            Box::new(|f| {
                let name = f.keys().find(|k| k.starts_with("evidence/")).unwrap().clone();
                f.get_mut(&name).unwrap()[10] ^= 1;
            }),
            "does not hash to its name",
        ),
        (
            "cell-answer",
            Box::new(|f| edit_lines(f, "cells.jsonl", |rows| rows[0]["answer"] = "答案是A".into())),
            "differs from what the audit log recorded",
        ),
        (
            "cell-latency",
            Box::new(|f| edit_lines(f, "cells.jsonl", |rows| rows[3]["latency_ms"] = 1.0.into())),
            "differs from what the audit log recorded",
        ),
        (
            "report-score",
            Box::new(|f| edit_text(f, "report.json", |t| t.replacen("\"total_score\": 8", "\"total_score\": 9", 1))),
            "report.json differs from the recomputed report: $.vendors[0].total_score",
        ),
        (
            "audit-payload",
            Box::new(|f| edit_lines(f, "audit.jsonl", |rows| rows[4]["payload"] = "{\"tampered\":true}".into())),
            "entry 5: its content does not match its hash",
        ),
        ("audit-drop", Box::new(|f| edit_lines(f, "audit.jsonl", |rows| drop(rows.remove(6)))), "entry 7"),
        ("audit-reorder", Box::new(|f| edit_lines(f, "audit.jsonl", |rows| rows.swap(8, 9))), "entry 9"),
        (
            "swap-vendors",
            Box::new(|f| {
                edit_lines(f, "cells.jsonl", |rows| {
                    // Give Bidder C the answer Bidder A gave to the same case, with its evidence.
                    let a = rows.iter().position(|r| r["vendor"] == "Bidder A").unwrap();
                    let (suite, case) = (rows[a]["suite"].clone(), rows[a]["case_id"].clone());
                    let c = rows
                        .iter()
                        .position(|r| r["vendor"] == "Bidder C" && r["suite"] == suite && r["case_id"] == case)
                        .unwrap();
                    for field in ["answer", "response_sha256", "completion_tokens"] {
                        rows[c][field] = rows[a][field].clone();
                    }
                })
            }),
            "differs from what the audit log recorded",
        ),
        (
            "drop-cell",
            Box::new(|f| edit_lines(f, "cells.jsonl", |rows| drop(rows.remove(0)))),
            "the audit log records 1194 answers",
        ),
    ];
    for (name, edit, expected) in cases {
        let path = tampered(&d, name, edit);
        let (ok, out) = verify(d.dir.path(), &path).await;
        assert!(!ok, "{name}: verified a tampered bundle");
        assert!(out.contains(expected), "{name}: expected {expected:?} in:\n{out}");
    }

    // Without the key, any change shows in the signed manifest.
    let mut files = tb_bundle::read_bundle(&d.bundle).unwrap();
    edit_lines(&mut files, "cells.jsonl", |rows| rows[0]["answer"] = "x".into());
    let naive = d.dir.path().join("naive.tar.gz");
    tb_bundle::write_files(files.into_iter().collect(), &naive).unwrap();
    let (ok, out) = verify(d.dir.path(), &naive).await;
    assert!(!ok && out.contains("cells.jsonl was changed after the bundle was signed"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regrade_is_recorded_and_still_verifies() {
    let d = demo_with_bundle().await;
    let key = d.key.to_str().unwrap();
    let o = tb(d.dir.path(), &["regrade", &d.run_id, "--key", key]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("report unchanged"), "{}", stdout(&o));
    let o = tb(d.dir.path(), &["export", &d.run_id, "--bundle", "after.tar.gz", "--key", key]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let files = tb_bundle::read_bundle(&d.dir.path().join("after.tar.gz")).unwrap();
    let audit = String::from_utf8(files["audit.jsonl"].clone()).unwrap();
    assert!(audit.contains("\"kind\":\"report_regraded\""));
    assert!(audit.contains("previous_report_sha256"));
    let (ok, out) = verify(d.dir.path(), &d.dir.path().join("after.tar.gz")).await;
    assert!(ok, "{out}");
}

/// A distinctive key planted in the vendor's environment variable reaches the
/// vendor (as a header) and nothing that tenderbench writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_api_key_is_never_written() {
    const PLANTED: &str = "sk-planted-7f3a9c2e5b1d4e6f8a0b-tenderbench";
    let (dir, index) = numeric_suite_dir(20);
    let (m, url) = mock(profile("strong"), 1, index.clone()).await;
    let spec = numeric_spec(&vendor_toml("V", &url, "m", 1.0, "api_key_env = \"TB_PLANTED_KEY\"\n"));
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    let o = tb(dir.path(), &["keygen"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let dirp = dir.path().to_path_buf();
    let o = tokio::task::spawn_blocking(move || {
        bin().current_dir(dirp).args(["run", "t.toml"]).env("TB_PLANTED_KEY", PLANTED).output().unwrap()
    })
    .await
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(m.last_authorization().as_deref(), Some(format!("Bearer {PLANTED}").as_str()), "the key was used");
    assert!(!stdout(&o).contains(PLANTED) && !stderr(&o).contains(PLANTED));
    let run_id = read_json(&run_dir(&dir.path().join("tenderbench-out")).join("report.json"))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = tb(dir.path(), &["export", &run_id, "--bundle", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}", stderr(&o));

    // Scan every byte written: the store (its WAL too), the outputs, and the
    // bundle with its gzip layer removed (evidence inside it is stored plain).
    let mut scanned = 0;
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let mut bytes = std::fs::read(&p).unwrap();
        if p.extension().is_some_and(|e| e == "gz") {
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(bytes.as_slice()).read_to_end(&mut plain).unwrap();
            bytes = plain;
        }
        assert!(!bytes.windows(PLANTED.len()).any(|w| w == PLANTED.as_bytes()), "the key leaked into {}", p.display());
        scanned += 1;
    }
    assert!(scanned >= 6, "scanned {scanned} files");
    // The store's evidence is compressed: check its bodies decompressed too.
    let files = tb_bundle::read_bundle(&dir.path().join("b.tar.gz")).unwrap();
    assert!(files.keys().filter(|k| k.starts_with("evidence/")).count() >= 20);
}

/// Commit–reveal: a sealed suite runs, reveals and verifies; a suite swapped
/// after sealing is refused by `run`, `reveal` and `verify-seal`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_suite_round_trip_and_swap_detection() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("hidden.jsonl");
    write_numeric_suite(&suite, "h", 12);
    let o = tb(dir.path(), &["seal", "hidden.jsonl", "--canary"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let commitment = out.lines().find_map(|l| l.strip_prefix("commitment: ")).unwrap().to_string();
    let seal_file = dir.path().join("hidden.jsonl.seal.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&seal_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let seal: serde_json::Value = read_json(&seal_file);
    let canary = seal["canary"].as_str().unwrap();
    let text = std::fs::read_to_string(&suite).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(canary)).count(), 12, "the canary is in every line");
    assert_eq!(tb(dir.path(), &["seal", "hidden.jsonl"]).await.status.code(), Some(2), "sealed once");

    let (m, url) = mock(profile("strong"), 1, index_of(&[(&suite, SuiteFormat::Jsonl)])).await;
    assert!(m.request_counts().is_empty());
    let spec = format!(
        "{}[[suite]]\nid = \"hidden\"\npath = \"hidden.jsonl\"\ncommitment = \"{commitment}\"\n\n[[criterion]]\nid = \"math\"\nsuite = \"hidden\"\ngrader = \"numeric\"\nweight = 1.0\n\n{}",
        spec_head(0.3),
        vendor_toml("V", &url, "m", 1.0, "")
    );
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    assert!(tb(dir.path(), &["keygen"]).await.status.success());
    let o = tb(dir.path(), &["run", "t.toml"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let run_id = read_json(&run_dir(&dir.path().join("tenderbench-out")).join("report.json"))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !m.request_counts().keys().any(|k| k.contains(canary)) && !text.is_empty(),
        "the canary field is never sent"
    );

    // Reveal, and anyone checks the published suite against the commitment.
    let o = tb(dir.path(), &["reveal", "hidden.jsonl.seal.json"]).await;
    assert!(o.status.success(), "{}", stdout(&o));
    let salt = seal["salt"].as_str().unwrap();
    let o = tb(dir.path(), &["verify-seal", "hidden.jsonl", "--commitment", &commitment, "--salt", salt]).await;
    assert!(o.status.success() && stdout(&o).contains("SEAL VERIFIED"), "{}", stdout(&o));
    let o = tb(dir.path(), &["export", &run_id, "--bundle", "b.tar.gz", "--reveal", "hidden.jsonl.seal.json"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let (ok, out) = verify(dir.path(), &dir.path().join("b.tar.gz")).await;
    assert!(ok, "{out}");
    // A forged reveal (another salt) does not verify.
    let mut files = tb_bundle::read_bundle(&dir.path().join("b.tar.gz")).unwrap();
    let name = files.keys().find(|k| k.starts_with("reveal/")).unwrap().clone();
    let mut forged: serde_json::Value = serde_json::from_slice(&files[&name]).unwrap();
    forged["salt"] = tb_audit::random_salt().into();
    files.insert(name, serde_json::to_vec(&forged).unwrap());
    let key = tb_audit::Keypair::load(&dir.path().join("tenderbench.key")).unwrap();
    tb_bundle::write_bundle(files.into_iter().collect(), &run_id, &key, &dir.path().join("forged.tar.gz")).unwrap();
    let (ok, out) = verify(dir.path(), &dir.path().join("forged.tar.gz")).await;
    assert!(!ok && out.contains("is not the one committed to"), "{out}");

    // Without its reveal a bundle verifies everything but the commitment, and says so (status 3).
    let o = tb(dir.path(), &["export", &run_id, "--bundle", "noreveal.tar.gz"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tb(dir.path(), &["verify", "noreveal.tar.gz"]).await;
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(stdout(&o).contains("NOT CHECKED") && stdout(&o).contains("hidden"), "{}", stdout(&o));

    // Every placement of the seal: beside the suite (above), --seal FILE, the
    // spec's `seal`; nowhere, and the run does not start.
    std::fs::create_dir_all(dir.path().join("vault")).unwrap();
    std::fs::rename(&seal_file, dir.path().join("vault/hidden.seal.json")).unwrap();
    let o = tb(dir.path(), &["run", "t.toml"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--seal FILE") && stderr(&o).contains("seal = "), "{}", stderr(&o));
    let o = tb(dir.path(), &["run", "t.toml", "--seal", "vault/hidden.seal.json"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let named = std::fs::read_to_string(dir.path().join("t.toml")).unwrap().replace(
        &format!("commitment = \"{commitment}\"\n"),
        &format!("commitment = \"{commitment}\"\nseal = \"vault/hidden.seal.json\"\n"),
    );
    assert!(named.contains("seal = "));
    std::fs::write(dir.path().join("t2.toml"), named).unwrap();
    let o = tb(dir.path(), &["run", "t2.toml"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::rename(dir.path().join("vault/hidden.seal.json"), &seal_file).unwrap();

    // The buyer swaps the hidden suite after sealing: every check refuses it.
    let swapped = text.replacen("\"answer\":\"4\"", "\"answer\":\"5\"", 1);
    assert_ne!(swapped, text);
    std::fs::write(&suite, swapped).unwrap();
    let o = tb(dir.path(), &["run", "t.toml"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("changed since it was sealed"), "{}", stderr(&o));
    let o = tb(dir.path(), &["reveal", "hidden.jsonl.seal.json"]).await;
    assert_eq!(o.status.code(), Some(1));
    let o = tb(dir.path(), &["verify-seal", "hidden.jsonl", "--commitment", &commitment, "--salt", salt]).await;
    assert_eq!(o.status.code(), Some(1));
}

/// A blind run's outputs name no vendor, model or URL; the mapping opens only
/// after scoring, matches its sealed commitment, and the bundle still verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_outputs_name_no_vendor_until_reveal() {
    let (dir, index) = numeric_suite_dir(15);
    let (_a, url_a) = mock(profile("strong"), 1, index.clone()).await;
    let (_b, url_b) = mock(profile("weak"), 2, index).await;
    let secrets =
        ["Zhiyuan Secret Bidder", "Hidden Moonshot Co", "glm-secret-model-9", "kimi-hidden-model-7", &url_a, &url_b];
    let spec = format!(
        "{}[run]\nblind = true\n\n[[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n[[criterion]]\nid = \"math\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 1.0\n\n{}{}",
        spec_head(0.3).replace("[run]\nseed = 1\n", ""),
        vendor_toml(secrets[0], &url_a, secrets[2], 100.0, ""),
        vendor_toml(secrets[1], &url_b, secrets[3], 90.0, ""),
    );
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    assert!(tb(dir.path(), &["keygen"]).await.status.success());
    let o = tb(dir.path(), &["run", "t.toml"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let run = run_dir(&dir.path().join("tenderbench-out"));
    let run_id = read_json(&run.join("report.json"))["run_id"].as_str().unwrap().to_string();
    let mut outputs = vec![("stdout".to_string(), stdout(&o)), ("stderr".to_string(), stderr(&o))];
    for f in ["report.json", "report.html", "results.csv"] {
        outputs.push((f.into(), std::fs::read_to_string(run.join(f)).unwrap()));
    }
    for (format, lang) in [("md", "en"), ("html", "zh"), ("json", "en"), ("csv", "en")] {
        let o = tb(dir.path(), &["report", &run_id, "--format", format, "--lang", lang]).await;
        assert!(o.status.success(), "{}", stderr(&o));
        outputs.push((format!("report --format {format}"), stdout(&o)));
    }
    for (what, text) in &outputs {
        for s in secrets {
            assert!(!text.contains(s), "blind output {what} names {s:?}");
        }
    }
    let report = read_json(&run.join("report.json"));
    assert_eq!(report["blind"], true);
    assert!(report["vendors"][0]["name"].as_str().unwrap().starts_with("V-"));

    // Reveal after scoring: the mapping matches the commitment logged at the start.
    let o = tb(dir.path(), &["reveal-mapping", &run_id]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(secrets[0]), "{}", stdout(&o));
    let revealed = read_json(&run.join("revealed/report.json"));
    assert_eq!(revealed["blind"], false);
    assert_eq!(revealed["vendors"][0]["name"], secrets[0]);
    assert_eq!(tb(dir.path(), &["reveal-mapping", &run_id]).await.status.code(), Some(2), "revealed once");
    let o = tb(dir.path(), &["export", &run_id, "--bundle", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let (ok, out) = verify(dir.path(), &dir.path().join("b.tar.gz")).await;
    assert!(ok, "{out}");
}

/// A bundle an earlier build exported (the demo on 12 cases a suite, made on
/// 2026-12-06 before the grader, gate and capability types became enums and
/// the runner began acting through `tb_grade::Act`) verifies with this build:
/// an auditor's archive outlives the version that wrote it. Keep the file;
/// add a newer one beside it rather than replacing it.
#[tokio::test]
async fn a_bundle_exported_by_an_earlier_build_still_verifies() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bundle-2026-12-06-demo.tar.gz");
    let dir = tempfile::tempdir().unwrap();
    let o = tb(dir.path(), &["verify", fixture.to_str().unwrap(), "--expect-key", "c16b7a39fff1d337"]).await;
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    // Graders improved since that build (choice and numeric version 5 read
    // its answers the same): verified, with the versions named.
    assert!(out.contains("every score recomputed: every grade, score and rank identical"), "{out}");
    assert!(out.contains("choice 2 → 11") && out.contains("numeric 2 → 10"), "{out}");
    assert!(out.contains("72 cells match"), "{out}");
}
