//! `tenderbench contract report` and `contract verify`: the signed monthly
//! performance report (履约报告) in JSON and HTML, and its recomputation from
//! the contract file, the probe records and the probes' signed reports.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tb_audit::Keypair;
use tb_contract::Contract;
use tb_contract::monitor::Probe;
use tb_contract::performance::{PerformanceReport, performance};
use tb_report::Lang;
use tb_report::chart::escape;

use crate::{Failure, LangArg, bad_input};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Signing {
    public_key: String,
    fingerprint: String,
}

/// The file as signed: the report and who signs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SignedPerformance {
    #[serde(flatten)]
    report: PerformanceReport,
    signing: Signing,
}

fn fail(text: String) -> Failure {
    bad_input(anyhow::anyhow!(text))
}

fn read(path: &Path) -> Result<String, Failure> {
    crate::contract::read_input(path)
}

/// A probe's signed run report, checked: its signature, and that it says
/// what the probe record says (each criterion's right answers and cases, the
/// requests, the p95 latency). Returns its SHA-256.
fn checked_probe_report(runs: &Path, probe: &Probe) -> Result<String, String> {
    let run = probe.run.as_deref().ok_or_else(|| format!("the probe of {} names no run", probe.day))?;
    let path = runs.join(run).join("report.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let report: tb_report::Report =
        serde_json::from_str(&text).map_err(|e| format!("{}: not a report ({e})", path.display()))?;
    let signing = report.signing.as_ref().ok_or_else(|| format!("{}: not signed", path.display()))?;
    let sig = std::fs::read_to_string(format!("{}.sig", path.display()))
        .map_err(|e| format!("{}.sig: {e}", path.display()))?;
    tb_audit::verify_signature(&signing.public_key, text.as_bytes(), sig.trim())
        .map_err(|e| format!("{}: the signature does not match ({e})", path.display()))?;
    let v = report.vendors.first().ok_or_else(|| format!("{}: no vendor", path.display()))?;
    for q in &probe.quality {
        let c = v.criteria.iter().find(|c| c.id == q.id);
        if c.map(|c| (c.correct, c.n)) != Some((q.correct, q.n)) {
            return Err(format!(
                "the probe of {} records {} as {} of {}, its signed report does not",
                probe.day, q.id, q.correct, q.n
            ));
        }
    }
    if (v.cells, v.cells - v.errors) != (probe.sent, probe.answered) {
        return Err(format!("the probe of {}: its requests differ from its signed report's", probe.day));
    }
    let mut sorted = probe.latencies_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let p95 = (!sorted.is_empty()).then(|| tb_stats::quantile::nearest_rank(&sorted, 0.95));
    // results.csv, where the record's latencies come from, writes them to 0.1 ms.
    if p95.zip(v.latency_ms.p95).is_some_and(|(a, b)| (a - b).abs() > 0.05 + 1e-9) {
        return Err(format!("the probe of {}: its latencies differ from its signed report's p95", probe.day));
    }
    Ok(tb_audit::sha256_hex(text.as_bytes()))
}

pub struct ReportArgs {
    pub contract: PathBuf,
    pub probes: PathBuf,
    pub month: String,
    pub runs: PathBuf,
    pub lang: LangArg,
    pub key: PathBuf,
    pub out: PathBuf,
    /// Also as DOCX and PDF, by the evaluation report's route (tb-dossier).
    pub docx: bool,
    pub pdf: bool,
}

fn compute(contract_path: &Path, probes: &Path, runs: &Path, month: &str) -> Result<PerformanceReport, Failure> {
    let text = read(contract_path)?;
    let contract = Contract::parse(&text, &contract_path.display().to_string()).map_err(fail)?;
    if !probes.exists() {
        return Err(fail(format!("{}: no probe records", probes.display())));
    }
    let probes = crate::contract::read_probes(probes)?;
    let evidence = |p: &Probe| checked_probe_report(runs, p);
    performance(&contract, &tb_audit::sha256_hex(text.as_bytes()), &probes, &evidence, month).map_err(fail)
}

/// `contract report`: performance-YYYY-MM.json (signed, .sig beside it) and .html.
pub fn report(a: ReportArgs) -> Result<ExitCode, Failure> {
    let key = Keypair::load(&a.key).map_err(bad_input)?;
    let report = compute(&a.contract, &a.probes, &a.runs, &a.month)?;
    let signed =
        SignedPerformance { report, signing: Signing { public_key: key.public_hex(), fingerprint: key.fingerprint() } };
    let json = serde_json::to_string_pretty(&signed).context("performance report")? + "\n";
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let base = a.out.join(format!("performance-{}", a.month));
    let write = |ext: &str, text: &str| {
        let path = base.with_extension(ext);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write("json", &json)?;
    write("json.sig", &(key.sign(json.as_bytes()) + "\n"))?;
    write("html", &html(&signed, a.lang.lang()))?;
    if a.docx || a.pdf {
        let doc = document(&signed, a.lang.lang());
        let write_bytes = |ext: &str, bytes: Vec<u8>| {
            let path = base.with_extension(ext);
            std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
        };
        if a.docx {
            write_bytes("docx", tb_dossier::docx::render(&doc)?)?;
        }
        if a.pdf {
            let font = tb_dossier::pdf::find_font(&doc.text()).map_err(bad_input)?;
            write_bytes("pdf", tb_dossier::pdf::render(&doc, &font)?)?;
        }
    }
    let f = &signed.report.figures;
    println!(
        "performance report {} {}: {} probes, breaches [{}], credit {:.1}%; written {}.json (signed) and .html",
        signed.report.contract,
        signed.report.month,
        f.probes,
        f.breaches.iter().map(|b| b.name()).collect::<Vec<_>>().join(", "),
        f.credit_percent,
        base.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `contract verify`: the signature, every probe's signed report, and the
/// report recomputed from the files, byte for byte.
pub fn verify(path: &Path, contract: &Path, probes: &Path, runs: &Path) -> Result<ExitCode, Failure> {
    let text = read(path)?;
    let signed: SignedPerformance =
        serde_json::from_str(&text).map_err(|e| fail(format!("{}: not a performance report ({e})", path.display())))?;
    let sig = read(Path::new(&format!("{}.sig", path.display())))?;
    tb_audit::verify_signature(&signed.signing.public_key, text.as_bytes(), sig.trim())
        .map_err(|e| fail(format!("{}: the signature does not match ({e})", path.display())))?;
    let again = compute(contract, probes, runs, &signed.report.month)?;
    let recomputed =
        serde_json::to_string_pretty(&SignedPerformance { report: again, signing: signed.signing.clone() })
            .context("performance report")?
            + "\n";
    if recomputed != text {
        return Err(Failure {
            status: 1,
            error: anyhow::anyhow!(
                "{}: the report differs from its recomputation from {} and {}",
                path.display(),
                contract.display(),
                probes.display()
            ),
        });
    }
    println!(
        "performance report {} {}: signature valid (key {}), {} probe reports checked, figures recomputed identically",
        signed.report.contract,
        signed.report.month,
        signed.signing.fingerprint,
        signed.report.probes.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The month's figures as (label, value) rows, in plain text: the one list
/// both the HTML and the DOCX/PDF draw.
fn summary_rows(r: &PerformanceReport, lang: Lang) -> Vec<(&'static str, String)> {
    let t = |key: &'static str| label(key, lang);
    let f = &r.figures;
    let pct = |x: Option<f64>| x.map_or("—".to_string(), |x| format!("{:.2}%", x * 100.0));
    let mut rows = vec![
        (t("contract"), r.contract.clone()),
        (t("vendor"), r.vendor.clone()),
        (t("month"), r.month.clone()),
        (t("probes"), f.probes.to_string()),
        (t("requests"), format!("{} / {}", f.answered, f.sent)),
        (t("availability"), pct(f.availability)),
        (t("latency_p95"), f.latency_p95_ms.map_or("—".into(), |l| format!("{l:.0} ms"))),
    ];
    for (id, (k, n)) in &f.quality {
        let rate = if *n == 0 { None } else { Some(*k as f64 / *n as f64) };
        rows.push((t("quality"), format!("{id}: {} ({k} / {n})", pct(rate))));
    }
    let breaches: Vec<&str> = f.breaches.iter().map(|b| t(b.name())).collect();
    rows.push((t("breaches"), if breaches.is_empty() { t("none").to_string() } else { breaches.join("、") }));
    rows.push((t("credit"), credit_text(f, lang)));
    rows
}

/// The report as the evaluation report's document model, for DOCX and PDF.
fn document(s: &SignedPerformance, lang: Lang) -> tb_dossier::Dossier {
    use tb_dossier::Block;
    let t = |key: &'static str| label(key, lang).to_string();
    let r = &s.report;
    let rows = summary_rows(r, lang).into_iter().map(|(k, v)| vec![k.to_string(), v]).collect();
    let mut blocks = vec![
        Block::Title(t("title")),
        Block::Subtitle(r.title.clone()),
        Block::Table { header: vec![String::new(), String::new()], rows },
    ];
    blocks.push(Block::Heading(t("alarms")));
    if r.alarms.is_empty() {
        blocks.push(Block::Paragraph(t("none")));
    }
    blocks.extend(r.alarms.iter().map(|a| Block::Paragraph(format!("{} — {}", a.day, a.detail))));
    blocks.push(Block::Heading(t("evidence")));
    blocks.push(Block::Table {
        header: vec![String::new(), String::new()],
        rows: vec![
            vec![t("contract_sha256"), r.contract_sha256.clone()],
            vec![t("baseline"), format!("{} {}", r.baseline_run, r.baseline_report_sha256)],
            vec![t("signed_by"), s.signing.fingerprint.clone()],
        ],
    });
    blocks.push(Block::Table {
        header: vec![t("day"), t("run"), t("report_sha256")],
        rows: r.probes.iter().map(|p| vec![p.day.clone(), p.run.clone(), p.report_sha256.clone()]).collect(),
    });
    blocks.push(Block::Paragraph(t("verify_hint")));
    tb_dossier::Dossier { lang, title: format!("{} {} {}", t("title"), r.contract, r.month), blocks }
}

fn credit_text(f: &tb_contract::sla::Month, lang: Lang) -> String {
    match f.credit_amount {
        Some(amount) => format!("{:.1}% ({})", f.credit_percent, tb_report::present::money(amount, lang)),
        None => format!("{:.1}%", f.credit_percent),
    }
}

/// A label of the performance report from the catalog.
fn label(key: &'static str, lang: Lang) -> &'static str {
    tb_report::catalog::PERFORMANCE
        .iter()
        .find(|e| e.0 == key)
        .map_or(key, |e| if lang == Lang::Zh { e.1 } else { e.2 })
}

fn html(s: &SignedPerformance, lang: Lang) -> String {
    let t = |key: &'static str| label(key, lang);
    let r = &s.report;
    let rows: Vec<(&str, String)> = summary_rows(r, lang).into_iter().map(|(k, v)| (k, escape(&v))).collect();
    let table = |rows: &[(&str, String)]| -> String {
        rows.iter().map(|(k, v)| format!("<tr><th>{}</th><td>{v}</td></tr>\n", escape(k))).collect()
    };
    let alarms: String = if r.alarms.is_empty() {
        format!("<p>{}</p>", t("none"))
    } else {
        let items: String =
            r.alarms.iter().map(|a| format!("<li>{} — {}</li>\n", escape(&a.day), escape(&a.detail))).collect();
        format!("<ul>\n{items}</ul>")
    };
    let probes: String = r
        .probes
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>\n",
                escape(&p.day),
                escape(&p.run),
                p.report_sha256
            )
        })
        .collect();
    let evidence = table(&[
        (t("contract_sha256"), format!("<code>{}</code>", r.contract_sha256)),
        (t("baseline"), format!("{} <code>{}</code>", escape(&r.baseline_run), r.baseline_report_sha256)),
        (t("signed_by"), format!("<code>{}</code>", s.signing.fingerprint)),
    ]);
    format!(
        "<!doctype html>\n<html lang=\"{lang_attr}\"><head><meta charset=\"utf-8\"><title>{title} {month} — {contract}</title>\n\
         <style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}table{{border-collapse:collapse}}th,td{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}</style></head>\n\
         <body><h1>{title}</h1><h2>{heading}</h2>\n<table>\n{summary}</table>\n<h2>{alarms_h}</h2>\n{alarms}\n\
         <h2>{evidence_h}</h2>\n<table>\n{evidence}</table>\n<table>\n<tr><th>{day}</th><th>{run}</th><th>{sha}</th></tr>\n{probes}</table>\n<p>{hint}</p>\n</body></html>\n",
        lang_attr = if lang == Lang::Zh { "zh-CN" } else { "en" },
        title = t("title"),
        month = escape(&r.month),
        contract = escape(&r.contract),
        heading = escape(&r.title),
        summary = table(&rows),
        alarms_h = t("alarms"),
        evidence_h = t("evidence"),
        day = t("day"),
        run = t("run"),
        sha = t("report_sha256"),
        hint = t("verify_hint"),
    )
}
