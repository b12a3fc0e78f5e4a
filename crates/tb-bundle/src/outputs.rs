//! A run's output files, as `tenderbench run` and the server's scheduled
//! probes write them: results.csv, report.json (signed), report.html and scores.csv.

use std::io::Write;
use std::path::Path;

use tb_audit::Keypair;
use tb_store::Store;

use crate::{BundleError, record_report_signature};

/// Writes a run's results.csv, report.json, report.html and scores.csv
/// into `dir`, in one pass over the cells; with a key, signs report.json
/// (report.json.sig beside it) and records the signature in the run's audit
/// log, naming the report it replaces (`replaces`) when regraded.
pub async fn write_run_outputs(
    store: &Store,
    run_id: &str,
    dir: &Path,
    lang: tb_report::Lang,
    key: Option<&Keypair>,
    replaces: Option<String>,
) -> Result<tb_report::Report, BundleError> {
    let write_error = |path: &Path, e: &dyn std::fmt::Display| BundleError::Write {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, &e))?;
    let create = |name: &str| -> Result<(std::path::PathBuf, std::fs::File), BundleError> {
        let path = dir.join(name);
        let mut file = std::fs::File::create(&path).map_err(|e| write_error(&path, &e))?;
        file.write_all(tb_report::CSV_BOM).map_err(|e| write_error(&path, &e))?;
        Ok((path, file))
    };
    let (csv_path, file) = create("results.csv")?;
    let report = tb_report::write_csv(store, run_id, file, &csv_path.display().to_string()).await?;
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| write_error(&path, &e))
    };
    let json = tb_report::render_json(&report);
    write("report.json", &json)?;
    write("report.html", &tb_report::render_html(&report, lang)?)?;
    let (scores, file) = create("scores.csv")?;
    tb_report::write_score_csv(&report, file).map_err(|e| write_error(&scores, &e))?;
    if let Some(key) = key {
        let sig = record_report_signature(store, run_id, key, &json, replaces).await?;
        write("report.json.sig", &format!("{}\n", sig.signature))?;
    }
    Ok(report)
}
