//! `suite import` and `suite stats`: suites from where buyers keep them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use tb_core::Case;
use tb_suite::import::{ColumnMap, SuiteStats, native_line, read_table, table_cases};
use tb_suite::{SuiteFormat, SuiteReader, bfcl, bipia};

use crate::{Failure, bad_input};

/// What `suite import` reads.
pub struct ImportArgs {
    pub input: PathBuf,
    pub from: String,
    pub out: PathBuf,
    pub map: Vec<String>,
    pub sheet: Option<String>,
    pub category: Option<String>,
    pub limit: Option<usize>,
}

fn read_cases(a: &ImportArgs) -> Result<Vec<Case>, Failure> {
    match a.from.as_str() {
        "csv" | "xlsx" => {
            let pairs: Vec<(&str, &str)> = a
                .map
                .iter()
                .map(|m| m.split_once('=').ok_or_else(|| bad_input(anyhow!("--map {m:?}: expected FIELD=COLUMN"))))
                .collect::<Result<_, _>>()?;
            let map = ColumnMap::from_pairs(pairs).map_err(bad_input)?;
            let table = read_table(&a.input, a.sheet.as_deref()).map_err(bad_input)?;
            table_cases(&table, &map).map_err(bad_input)
        }
        "bipia" => bipia::import(&a.input).map_err(bad_input),
        "bfcl" => {
            let category = a.category.as_deref().ok_or_else(|| {
                bad_input(anyhow!("--from bfcl needs --category; one of: {}", bfcl::CATEGORIES.join(", ")))
            })?;
            bfcl::import(&a.input, category).map_err(bad_input)
        }
        other => {
            let format = SuiteFormat::from_name(other).ok_or_else(|| {
                bad_input(anyhow!(
                    "unknown --from {other:?}; expected csv, xlsx, bipia, bfcl or a suite format: {}",
                    SuiteFormat::names().join(", ")
                ))
            })?;
            SuiteReader::open(&a.input, format).map_err(bad_input)?.collect::<Result<Vec<_>, _>>().map_err(bad_input)
        }
    }
}

pub fn import(a: ImportArgs) -> Result<ExitCode, Failure> {
    let mut cases = read_cases(&a)?;
    if let Some(n) = a.limit {
        cases.truncate(n);
    }
    // Written whole to a temporary file, then renamed: a failed import leaves no half suite.
    let dir = a.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    let mut stats = SuiteStats::default();
    for case in &cases {
        writeln!(tmp, "{}", native_line(case))?;
        stats.add(case);
    }
    tmp.persist(&a.out).with_context(|| format!("cannot write {}", a.out.display()))?;
    // The written file must read back as a valid suite.
    tb_suite::validate(&a.out, SuiteFormat::Jsonl).map_err(bad_input)?;
    println!("wrote {} cases to {} (format jsonl)", cases.len(), a.out.display());
    print_stats(&stats);
    Ok(ExitCode::SUCCESS)
}

pub fn stats(suite: &Path, format: &str) -> Result<ExitCode, Failure> {
    let format = SuiteFormat::from_name(format).ok_or_else(|| {
        bad_input(anyhow!("unknown --format {format:?}; expected one of: {}", SuiteFormat::names().join(", ")))
    })?;
    let mut stats = SuiteStats::default();
    for case in SuiteReader::open(suite, format).map_err(bad_input)? {
        stats.add(&case.map_err(bad_input)?);
    }
    print_stats(&stats);
    Ok(ExitCode::SUCCESS)
}

fn print_stats(s: &SuiteStats) {
    println!("cases: {}", s.cases);
    for (title, counts) in
        [("by subject", &s.by_subject), ("by language", &s.by_language), ("by answer type", &s.by_answer_type)]
    {
        println!("{title}:");
        let mut rows: Vec<_> = counts.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (k, n) in rows {
            println!("  {n:>7}  {k}");
        }
    }
}
