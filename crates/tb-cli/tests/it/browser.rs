//! The demo report looked at in a real browser: headless Chromium loads
//! report.html with a check script added, which measures every chart and
//! every text box; the DOM it leaves behind says what it found. Needs
//! Chromium (Debian package `chromium`); skipped where it is missing, except
//! in CI (TENDERBENCH_REQUIRE_CHROMIUM).

use std::path::Path;

use crate::support::*;

const CHECK: &str = r#"<script>
window.addEventListener('load', () => {
  const problems = [];
  const charts = document.querySelectorAll('svg');
  charts.forEach((svg, i) => {
    const box = svg.getBoundingClientRect();
    const marks = svg.querySelectorAll('rect, line, path, circle, polyline, text').length;
    if (box.width < 50 || box.height < 20 || marks < 3) problems.push(`chart ${i} is empty (${box.width}x${box.height}, ${marks} marks)`);
    // Every label inside its chart: plotters places text by an estimate of its width.
    // Screen boxes, so that rotated labels count as drawn.
    svg.querySelectorAll('text').forEach(t => {
      const b = t.getBoundingClientRect();
      if (t.textContent.trim() && (b.left < box.left - 2 || b.top < box.top - 2 || b.right > box.right + 2 || b.bottom > box.bottom + 2)) {
        problems.push(`chart ${i}: label "${t.textContent.trim().slice(0, 30)}" leaves the chart`);
      }
    });
  });
  document.querySelectorAll('td, th, p, h1, h2').forEach(el => {
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto') {
      problems.push(`text overflows its box: ${el.tagName} "${el.textContent.trim().slice(0, 40)}"`);
    }
  });
  const out = document.createElement('pre');
  out.id = 'tb-check';
  out.textContent = JSON.stringify({ charts: charts.length, problems });
  document.body.appendChild(out);
});
</script>"#;

fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists());
    if found.is_none() {
        assert!(std::env::var_os("TENDERBENCH_REQUIRE_CHROMIUM").is_none(), "Chromium is required here");
        eprintln!("SKIPPED: no Chromium on this machine (Debian: apt install chromium); CI requires it");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_report_renders_in_a_real_browser() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let (graders, tie, load) =
        (examples.join("graders/tender.toml"), examples.join("tie/tender.toml"), examples.join("load/tender.toml"));
    // The demo in both languages; five vendors (the significance matrix);
    // load stages (their tables, CDFs and load curves); nine criteria (the
    // profile chart), where the sandbox runs.
    // The agent example: its summary and per-task tables, with scripted agents.
    let agent = examples.join("agent/tender.toml");
    let agents = "agent-correct,agent-partial,agent-nosy,agent-malformed";
    let mut cases = vec![("zh", None, None), ("en", None, None), ("zh", Some(&tie), None), ("en", Some(&load), None)];
    if sandbox_available() {
        cases.push(("en", Some(&graders), None));
        cases.push(("zh", Some(&agent), Some(agents)));
    }
    for (n, (lang, spec, profiles)) in cases.into_iter().enumerate() {
        let out = format!("out-{n}");
        let mut args = vec!["demo", "--lang", lang, "--out", &out];
        if let Some(p) = profiles {
            args.extend(["--profiles", p]);
        }
        args.extend(spec.map(|s| s.to_str().unwrap()));
        let o = tb(dir.path(), &args).await;
        assert!(o.status.success(), "{}", stderr(&o));
        let run = run_dir(&dir.path().join(&out));
        let html = std::fs::read_to_string(run.join("report.html")).unwrap();
        let checked = run.join("checked.html");
        std::fs::write(&checked, html.replace("</body>", &format!("{CHECK}</body>"))).unwrap();
        let profile = dir.path().join(format!("chrome-{n}"));
        let out = std::process::Command::new(chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
            .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(["--window-size=1280,2400", "--virtual-time-budget=5000", "--dump-dom"])
            .arg(format!("file://{}", checked.display()))
            .output()
            .expect("chromium runs");
        let dom = String::from_utf8_lossy(&out.stdout);
        let start = dom
            .find("<pre id=\"tb-check\">")
            .unwrap_or_else(|| panic!("the check did not run:\n{}", String::from_utf8_lossy(&out.stderr)));
        let json = &dom[start + "<pre id=\"tb-check\">".len()..];
        let json = html_unescape(&json[..json.find("</pre>").unwrap()]);
        let result: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(result["charts"].as_u64().unwrap() >= 2, "{lang}: {result}");
        assert_eq!(result["problems"], serde_json::json!([]), "{lang}: {result}");
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}
