//! The evaluation report (评标报告) as DOCX and PDF, of the demo and of the
//! committee's worked Order 87 example: the DOCX is opened as a zip and read
//! with python-docx (a real reader), the PDF's text is read with `pdftotext`
//! and its first page rendered with `pdftoppm` and found not blank. Those
//! tools are skipped where missing, except in CI (TENDERBENCH_REQUIRE_DOC_TOOLS).
//! With TENDERBENCH_SCREENSHOTS=DIR the PDFs' first pages are saved there.

use std::path::Path;
use std::process::Command;

use crate::scoring::{GOODS_SCORES, worked_example};
use crate::support::*;

pub fn tool(name: &str, probe: &[&str]) -> bool {
    let there = Command::new(name).args(probe).output().is_ok_and(|o| o.status.success());
    if !there {
        assert!(std::env::var_os("TENDERBENCH_REQUIRE_DOC_TOOLS").is_none(), "{name} is required here");
        eprintln!(
            "SKIPPED: no {name} (Debian: poppler-utils, python3-docx or pip install python-docx); CI requires it"
        );
    }
    there
}

/// The DOCX's text as a real reader sees it: its paragraphs and every table cell.
fn docx_text(path: &Path) -> Option<String> {
    if !tool("python3", &["-c", "import docx"]) {
        return None;
    }
    let script = "import sys, zipfile, docx\n\
        z = zipfile.ZipFile(sys.argv[1]); assert 'word/document.xml' in z.namelist(), z.namelist()\n\
        d = docx.Document(sys.argv[1])\n\
        parts = [p.text for p in d.paragraphs]\n\
        parts += [c.text for t in d.tables for r in t.rows for c in r.cells]\n\
        print(len(d.tables)); print('\\n'.join(parts))";
    let o = Command::new("python3").args(["-c", script]).arg(path).output().unwrap();
    assert!(o.status.success(), "python-docx cannot read {}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let tables: usize = text.lines().next().unwrap().parse().unwrap();
    assert!(tables >= 6, "{tables} tables");
    office_renders(path);
    Some(text)
}

/// Where LibreOffice is installed (not in CI: it is large), it opens the DOCX
/// and converts it to a PDF that holds the report's title.
fn office_renders(path: &Path) {
    if Command::new("soffice").arg("--version").output().is_err() {
        eprintln!("(no LibreOffice here: the DOCX is read by python-docx alone)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(path)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "LibreOffice cannot open {}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
    let pdf =
        std::fs::read_dir(dir.path()).unwrap().flatten().find(|e| e.path().extension().is_some_and(|x| x == "pdf"));
    let pdf = pdf.unwrap_or_else(|| panic!("LibreOffice wrote no PDF of {}", path.display())).path();
    let o = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("评标报告") || text.contains("Evaluation report"), "LibreOffice's rendering: {text}");
}

/// The PDF's text, after checking that its first page renders and is not blank.
fn pdf_text(path: &Path, shot: &str) -> Option<String> {
    if !tool("pdftotext", &["-v"]) || !tool("pdftoppm", &["-v"]) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("pdftoppm")
        .args(["-r", "40", "-gray", "-f", "1", "-l", "1"])
        .arg(path)
        .arg(dir.path().join("p"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pgm = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    let bytes = std::fs::read(&pgm).unwrap();
    // Binary PGM: "P5\nW H\n255\n" then one byte per pixel.
    let header_end = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(2).unwrap().0 + 1;
    let pixels = &bytes[header_end..];
    let dark = pixels.iter().filter(|&&p| p < 128).count();
    assert!(dark * 200 > pixels.len(), "the first page is blank: {dark} dark pixels of {}", pixels.len());
    if let Some(out) = std::env::var_os("TENDERBENCH_SCREENSHOTS") {
        let o = Command::new("pdftoppm")
            .args(["-r", "80", "-png", "-singlefile", "-f", "1", "-l", "1"])
            .arg(path)
            .arg(Path::new(&out).join(shot))
            .output()
            .unwrap();
        assert!(o.status.success());
    }
    let o = Command::new("pdftotext").args(["-layout"]).arg(path).arg("-").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(String::from_utf8(o.stdout).unwrap())
}

fn has_all(what: &str, text: &str, wants: &[&str]) {
    for w in wants {
        assert!(text.contains(w), "{what}: {w:?} missing from\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committee_signs_an_evaluation_report_in_docx_and_pdf() {
    let (dir, run_id) = worked_example("goods.toml", &GOODS_SCORES, &[&["justify", "--vendor", "D", "--reject"]]).await;
    let o = tb(dir.path(), &["export", &run_id, "--bundle", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let bundle_sha = tb_audit::sha256_hex(&std::fs::read(dir.path().join("b.tar.gz")).unwrap());
    for (lang, wants) in [
        (
            "zh",
            vec![
                "评标报告",
                "评标委员会成员",
                "甲",
                "乙",
                "丙",
                "投标报价",
                "推荐的中标候选人",
                "异常低报价的书面说明未被接受",
                "签字",
            ],
        ),
        (
            "en",
            vec![
                "Evaluation report",
                "The evaluation committee",
                "甲",
                "Bid price",
                "recommended candidates",
                "was not accepted",
                "Signature",
            ],
        ),
    ] {
        for format in ["docx", "pdf"] {
            let file = format!("report-{lang}.{format}");
            let o = tb(
                dir.path(),
                &["report", &run_id, "--format", format, "--lang", lang, "--bundle", "b.tar.gz", "-o", &file],
            )
            .await;
            assert!(o.status.success(), "{}", stderr(&o));
            let path = dir.path().join(&file);
            let text = match format {
                "docx" => docx_text(&path),
                _ => pdf_text(&path, &format!("evaluation-report-{lang}")),
            };
            let Some(text) = text else { continue };
            has_all(&file, &text, &wants);
            // Every money amount in one form, the bundle cited, the ranking in order (C, A, B).
            has_all(&file, &text, &[&bundle_sha[..32]]);
            let amount = if lang == "zh" { " 元" } else { "¥" };
            assert!(text.contains(amount), "{file}: no amount in the form {amount:?}");
            if format == "docx" {
                // The recommended candidates, in order, each with its total (table cells, one per line).
                for row in ["\n1\nC\n91.01\n", "\n2\nA\n90.45\n", "\n3\nB\n87.40\n"] {
                    assert!(text.contains(row), "{file}: no candidate row {row:?} in\n{text}");
                }
            } else {
                // The PDF's layout puts each candidate's order, name and total on one line.
                for (rank, name, total) in [("1", "C", "91.01"), ("2", "A", "90.45"), ("3", "B", "87.40")] {
                    let line = text.lines().find(|l| {
                        let w: Vec<&str> = l.split_whitespace().collect();
                        w.len() >= 3 && w[0] == rank && w[1] == name && w[2] == total
                    });
                    assert!(line.is_some(), "{file}: no candidate line {rank} {name} {total} in\n{text}");
                }
            }
        }
    }
    // The report the committee signs is the one whose signature is in the audit log.
    let text = docx_text(&dir.path().join("report-zh.docx"));
    if let Some(text) = text {
        assert!(text.contains("已签名"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_an_evaluation_report_and_a_pdf_without_a_font_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let o = tb(dir.path(), &["demo"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let run_id = run_dir(&dir.path().join("tenderbench-out")).file_name().unwrap().to_string_lossy().to_string();
    let o = tb(dir.path(), &["report", &run_id, "--format", "docx"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let path = dir.path().join(format!("{run_id}-评标报告.docx"));
    assert!(stderr(&o).contains("评标报告.docx"), "{}", stderr(&o));
    if let Some(text) = docx_text(&path) {
        has_all("demo docx", &text, &["评标报告", "Bidder A", "模拟服务", "1,180,000.00 元"]);
    }
    let o = tb(dir.path(), &["report", &run_id, "--format", "pdf", "-o", "demo.pdf"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    if let Some(text) = pdf_text(&dir.path().join("demo.pdf"), "evaluation-report-demo") {
        has_all("demo pdf", &text, &["评标报告", "Bidder A", "无效投标及原因"]);
    }
    // A font that lacks the Chinese characters: a message that names the way out, status 1.
    let o = tb_env(
        dir.path(),
        &["report", &run_id, "--format", "pdf", "-o", "x.pdf"],
        &[("TENDERBENCH_PDF_FONT", "/nonexistent.ttf")],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("TENDERBENCH_PDF_FONT"), "{}", stderr(&o));
    assert!(!dir.path().join("x.pdf").exists());
}
