//! Suites checked before a run sends anything: every row, unique ids, and a
//! sealed suite against its seal.

use super::*;

/// Validates every suite the spec sends (each row parses, ids unique) and
/// returns their records. Runs on a blocking thread: it reads whole files.
pub async fn check_suites(spec: &Spec) -> Result<Vec<SuiteRecord>, RunError> {
    Ok(checked_suites(spec, &Seals::default()).await?.into_iter().map(|c| c.record).collect())
}

/// Where every case of a suite is in its file: (byte offset, length).
pub(crate) type LineIndex = Arc<Vec<(u64, u32)>>;

/// A checked suite: its record, the file its cases are read from (a table's
/// converted copy), that file's format, and where each case is in it.
pub(crate) struct Checked {
    pub(crate) record: SuiteRecord,
    pub(crate) path: PathBuf,
    pub(crate) format: tb_suite::SuiteFormat,
    pub(crate) lines: LineIndex,
}

/// [`check_suites`], keeping each suite's line index for sending cases in any order.
pub(crate) async fn checked_suites(spec: &Spec, seals: &Seals) -> Result<Vec<Checked>, RunError> {
    let suites: Vec<_> = spec.used_suites().cloned().collect();
    let choice_suites: std::collections::HashSet<String> =
        spec.criteria.iter().filter(|c| c.grader == tb_spec::GraderKind::Choice).map(|c| c.suite.clone()).collect();
    let seals = seals.clone();
    tokio::task::spawn_blocking(move || {
        suites
            .into_iter()
            .map(|s| {
                let (path, format) = s.readable()?;
                let mut summary = tb_suite::validate(&path, format)?;
                if s.format.is_table() {
                    // The record names the table the buyer holds, not its converted copy.
                    summary.sha256 = tb_suite::file_sha256(&s.resolved)?;
                }
                if choice_suites.contains(&s.id) {
                    check_choice_answers(&path, format, &summary.lines)?;
                }
                let seal_checked = match &s.commitment {
                    Some(c) => Some(check_seal(&s, c, &summary.sha256, &seals)?),
                    None => None,
                };
                let record = SuiteRecord {
                    id: s.id,
                    sha256: summary.sha256,
                    cases: summary.cases,
                    commitment: s.commitment,
                    seal_checked,
                };
                Ok(Checked { record, path, format, lines: Arc::new(summary.lines) })
            })
            .collect::<Result<Vec<_>, RunError>>()
    })
    .await
    .map_err(|e| RunError::Internal(format!("suite check task: {e}")))?
}

/// Every case of a multiple-choice suite has options and an answer: a case
/// without one would grade every bidder wrong on it, unseen.
fn check_choice_answers(
    path: &std::path::Path,
    format: tb_suite::SuiteFormat,
    lines: &[(u64, u32)],
) -> Result<(), RunError> {
    let file = CaseFile::open(path, format)?;
    for (i, &(offset, len)) in lines.iter().enumerate() {
        let case = file.read(offset, len, i as u64)?;
        let problem = if case.gold.options.is_empty() {
            Some("has no options, but a multiple-choice criterion grades it")
        } else if case.gold.answer.trim().is_empty() {
            Some("has no answer: every bidder would be graded wrong on it")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(SuiteError::Row {
                path: path.to_path_buf(),
                line: i as u64 + 1,
                message: format!("case {} {problem}", case.id),
            }
            .into());
        }
    }
    Ok(())
}

/// The seal file `tenderbench seal` writes beside a suite.
pub fn seal_path(suite: &std::path::Path) -> PathBuf {
    let mut name = suite.as_os_str().to_owned();
    name.push(".seal.json");
    PathBuf::from(name)
}

/// A sealed suite must still be the suite sealed. Its seal is looked for
/// where the spec names it, among the `--seal` files (by commitment), then
/// beside the suite. Found: checked, `true`. Not found: an error naming the
/// options where seals are required, else `false` (recorded as unchecked).
pub(crate) fn check_seal(
    s: &tb_spec::SuiteSpec,
    commitment: &str,
    sha256: &str,
    seals: &Seals,
) -> Result<bool, RunError> {
    let err = |problem: String| RunError::Sealed { suite: s.id.clone(), problem };
    let read = |file: &std::path::Path| -> Result<tb_audit::Seal, RunError> {
        let text = std::fs::read_to_string(file).map_err(|e| err(format!("{}: {e}", file.display())))?;
        serde_json::from_str(&text).map_err(|e| err(format!("{}: {e}", file.display())))
    };
    let mut found = None;
    if let Some(named) = &s.seal {
        let seal = read(named)?;
        if seal.commitment != commitment {
            return Err(err(format!("the spec's commitment is not the one in {}", named.display())));
        }
        found = Some((seal, named.clone()));
    }
    for file in &seals.files {
        if found.is_some() {
            break;
        }
        let seal = read(file)?;
        if seal.commitment == commitment {
            found = Some((seal, file.clone()));
        }
    }
    let beside = seal_path(&s.resolved);
    if found.is_none() && beside.is_file() {
        let seal = read(&beside)?;
        if seal.commitment != commitment {
            return Err(err(format!("the spec's commitment is not the one in {}", beside.display())));
        }
        found = Some((seal, beside));
    }
    match found {
        Some((seal, _)) if !seal.matches(sha256) => Err(err(format!(
            "the file changed since it was sealed (sealed sha256 {}, now {sha256})",
            seal.suite_sha256
        ))),
        Some(_) => Ok(true),
        None if seals.required => Err(err(format!(
            "it carries a commitment but no seal was found to check it against: put {} beside the suite, \
             give `--seal FILE`, or name it in the spec (`seal = \"…\"`)",
            seal_path(std::path::Path::new(&s.path)).display()
        ))),
        None => Ok(false),
    }
}
