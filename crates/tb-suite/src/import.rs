//! Suites from where buyers keep them: CSV and Excel (`.xlsx`) tables, turned
//! into tenderbench's native JSONL. A column mapping names which column holds
//! each field; common headers (`id`, `prompt`, `answer`, `A`–`F`, `subject`,
//! `language`, and their usual Chinese names) map without one.
//!
//! Every malformed row is reported with its row number as the spreadsheet
//! shows it (the header is row 1), and nothing is written while any row is bad.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};
use tb_core::{Case, Choice, Gold, Message};

use crate::{LABELS, choice_prompt};

/// A table as read: its header and its rows, with spreadsheet row numbers.
#[derive(Debug)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("column mapping: {0}")]
    Mapping(String),
    #[error("{} malformed row(s):\n{}", .0.len(), .0.join("\n"))]
    Rows(Vec<String>),
}

/// Every line of a JSON Lines file, parsed; an error names the line.
pub(crate) fn read_json_lines(path: &Path) -> Result<Vec<Value>, ImportError> {
    let err = |message: String| ImportError::Read { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| err(format!("line {}: {e}", i + 1))))
        .collect()
}

/// Reads a `.csv` or `.xlsx` file (by extension); `sheet` picks an Excel sheet (default: the first).
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table, ImportError> {
    let err = |message: String| ImportError::Read { path: path.display().to_string(), message };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let mut reader =
                csv::ReaderBuilder::new().flexible(true).from_path(path).map_err(|e| err(e.to_string()))?;
            let headers = reader.headers().map_err(|e| err(e.to_string()))?.iter().map(clean_header).collect();
            let mut rows = Vec::new();
            for record in reader.records() {
                let record = record.map_err(|e| err(e.to_string()))?;
                let line = record.position().map_or(0, |p| p.line());
                rows.push((line, record.iter().map(str::to_string).collect()));
            }
            Ok(Table { headers, rows })
        }
        "xlsx" | "xlsm" => {
            use calamine::{Reader, Xlsx, open_workbook};
            let mut book: Xlsx<_> = open_workbook(path).map_err(|e: calamine::XlsxError| err(e.to_string()))?;
            let name = match sheet {
                Some(s) => s.to_string(),
                None => book.sheet_names().first().cloned().ok_or_else(|| err("the workbook has no sheets".into()))?,
            };
            let range = book.worksheet_range(&name).map_err(|e| err(format!("sheet {name:?}: {e}")))?;
            let first_row = range.start().map_or(0, |(r, _)| r as u64);
            let mut rows = range.rows().enumerate().map(|(i, cells)| {
                // 1-based as Excel numbers rows.
                (first_row + i as u64 + 1, cells.iter().map(cell_text).collect::<Vec<_>>())
            });
            let headers = rows.next().map(|(_, h)| h.iter().map(|s| clean_header(s)).collect()).unwrap_or_default();
            Ok(Table { headers, rows: rows.filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty())).collect() })
        }
        other => Err(err(format!("unsupported table type {other:?}; expected .csv or .xlsx"))),
    }
}

fn clean_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_string()
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        // Whole numbers as integers: an answer "18" must not become "18.0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// Which column holds each field, by header name.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    fields: BTreeMap<String, String>,
}

/// Fields a column can map to; `A`..`F` are options.
pub const FIELDS: &[&str] =
    &["id", "prompt", "system", "answer", "subject", "language", "expect", "A", "B", "C", "D", "E", "F"];

/// Header names that map to a field without being told.
const ALIASES: &[(&str, &[&str])] = &[
    ("id", &["id", "编号", "序号", "题号"]),
    ("prompt", &["prompt", "question", "题目", "问题", "题干", "提示词"]),
    ("system", &["system", "系统提示"]),
    ("answer", &["answer", "答案", "正确答案", "参考答案"]),
    ("subject", &["subject", "科目", "类别", "分类"]),
    ("language", &["language", "lang", "语言"]),
    ("expect", &["expect", "期望行为"]),
    ("A", &["A", "选项A"]),
    ("B", &["B", "选项B"]),
    ("C", &["C", "选项C"]),
    ("D", &["D", "选项D"]),
    ("E", &["E", "选项E"]),
    ("F", &["F", "选项F"]),
];

impl ColumnMap {
    /// From `field=column` pairs (the command line's `--map`), or a spec's table.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, ImportError> {
        let mut fields = BTreeMap::new();
        for (field, column) in pairs {
            if !FIELDS.contains(&field) {
                return Err(ImportError::Mapping(format!(
                    "unknown field {field:?}; fields are: {}",
                    FIELDS.join(", ")
                )));
            }
            fields.insert(field.to_string(), column.to_string());
        }
        Ok(ColumnMap { fields })
    }

    /// The column index of each field: the mapping's, else a header alias.
    fn resolve(&self, headers: &[String]) -> Result<BTreeMap<&'static str, usize>, ImportError> {
        let mut out = BTreeMap::new();
        for field in FIELDS {
            let position = match self.fields.get(*field) {
                Some(column) => Some(headers.iter().position(|h| h == column).ok_or_else(|| {
                    ImportError::Mapping(format!(
                        "field {field} maps to column {column:?}, which the header lacks (columns: {})",
                        headers.join(", ")
                    ))
                })?),
                None => {
                    let aliases = ALIASES.iter().find(|(f, _)| f == field).map(|(_, a)| *a).unwrap_or(&[]);
                    headers.iter().position(|h| aliases.iter().any(|a| h.eq_ignore_ascii_case(a)))
                }
            };
            if let Some(p) = position {
                out.insert(*field, p);
            }
        }
        if !out.contains_key("prompt") {
            return Err(ImportError::Mapping(format!(
                "no column for the prompt; map one with prompt=COLUMN (columns: {})",
                headers.join(", ")
            )));
        }
        Ok(out)
    }
}

/// Turns table rows into cases; every bad row is reported, with its number.
pub fn table_cases(table: &Table, map: &ColumnMap) -> Result<Vec<Case>, ImportError> {
    let columns = map.resolve(&table.headers)?;
    let mut cases = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (row_number, row) in &table.rows {
        let get =
            |field: &str| columns.get(field).and_then(|&i| row.get(i)).map(|s| s.trim()).filter(|s| !s.is_empty());
        let mut problems = Vec::new();
        let id = get("id").map(str::to_string).unwrap_or_else(|| row_number.to_string());
        if !seen.insert(id.clone()) {
            problems.push(format!("duplicate id {id:?}"));
        }
        let prompt = get("prompt");
        if prompt.is_none() {
            problems.push("the prompt is empty".into());
        }
        let options: Vec<Choice> = LABELS
            .iter()
            .filter_map(|l| get(l).map(|text| Choice { label: l.to_string(), text: text.to_string() }))
            .collect();
        let answer = get("answer").unwrap_or("").to_string();
        if !options.is_empty() {
            let label = answer.to_uppercase();
            if !options.iter().any(|o| o.label == label) {
                problems.push(format!(
                    "answer {answer:?} is not one of the options {}",
                    options.iter().map(|o| o.label.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let expect = get("expect");
        if let Some(e) = expect
            && !matches!(e, "refuse" | "answer")
        {
            problems.push(format!("expect must be \"refuse\" or \"answer\", found {e:?}"));
        }
        if !problems.is_empty() {
            errors.push(format!("row {row_number}: {}", problems.join("; ")));
            continue;
        }
        let language = get("language").map(str::to_string);
        let subject = get("subject").map(str::to_string);
        let prompt = prompt.unwrap_or_default();
        let mut messages = Vec::new();
        if let Some(system) = get("system") {
            messages.push(Message::system(system));
        }
        let zh = language.as_deref().map_or_else(|| prompt.chars().any(is_cjk), |l| l.starts_with("zh"));
        messages.push(Message::user(if options.is_empty() {
            prompt.to_string()
        } else {
            choice_prompt(subject.as_deref(), prompt, &options, zh)
        }));
        let answer = if options.is_empty() { answer } else { answer.to_uppercase() };
        let data = expect.map_or(Value::Null, |e| json!({ "expect": e }));
        cases.push(Case { id, messages, gold: Gold { answer, options, data }, subject, language, tools: None });
    }
    if errors.is_empty() { Ok(cases) } else { Err(ImportError::Rows(errors)) }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}

/// One case as a line of native JSONL, which reads back as the same case.
pub fn native_line(case: &Case) -> String {
    let mut m = Map::new();
    m.insert("id".into(), json!(case.id));
    m.insert("messages".into(), json!(case.messages));
    m.insert("answer".into(), json!(case.gold.answer));
    if !case.gold.options.is_empty() {
        let options: Map<String, Value> = case.gold.options.iter().map(|o| (o.label.clone(), json!(o.text))).collect();
        m.insert("options".into(), Value::Object(options));
    }
    if !case.gold.data.is_null() {
        m.insert("data".into(), case.gold.data.clone());
    }
    if let Some(t) = &case.tools {
        m.insert("tools".into(), t.clone());
    }
    if let Some(s) = &case.subject {
        m.insert("subject".into(), json!(s));
    }
    if let Some(l) = &case.language {
        m.insert("language".into(), json!(l));
    }
    Value::Object(m).to_string()
}

/// Counts of a suite's cases by subject, language and answer type.
#[derive(Debug, Default, serde::Serialize)]
pub struct SuiteStats {
    pub cases: u64,
    pub by_subject: BTreeMap<String, u64>,
    pub by_language: BTreeMap<String, u64>,
    pub by_answer_type: BTreeMap<String, u64>,
}

impl SuiteStats {
    pub fn add(&mut self, case: &Case) {
        self.cases += 1;
        *self.by_subject.entry(case.subject.clone().unwrap_or_else(|| "-".into())).or_default() += 1;
        *self.by_language.entry(case.language.clone().unwrap_or_else(|| "-".into())).or_default() += 1;
        *self.by_answer_type.entry(answer_type(case).into()).or_default() += 1;
    }
}

/// What kind of answer a case expects, as the grader that fits it would say.
pub fn answer_type(case: &Case) -> &'static str {
    let data = &case.gold.data;
    if case.tools.is_some() {
        "tool_call"
    } else if !case.gold.options.is_empty() {
        "choice"
    } else if data.get("tests").is_some() {
        "code"
    } else if data.get("expect").is_some() {
        "refusal"
    } else if data.get("attack").is_some() {
        "injection"
    } else if data.get("rubric").is_some() {
        "judge"
    } else if !case.gold.answer.is_empty() && case.gold.answer.trim().parse::<f64>().is_ok() {
        "numeric"
    } else if !case.gold.answer.is_empty() {
        "reference"
    } else {
        "open"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SuiteFormat, parse_line};

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i as u64 + 2, r.iter().map(|s| s.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn chinese_headers_map_without_a_mapping_and_round_trip() {
        let t = table(&["编号", "题目", "选项A", "选项B", "答案"], &[&["q1", "一加一等于几？", "1", "2", "b"]]);
        let cases = table_cases(&t, &ColumnMap::default()).unwrap();
        assert_eq!(cases[0].gold.answer, "B");
        assert!(cases[0].prompt().contains("A. 1\nB. 2"));
        let back = parse_line(SuiteFormat::Jsonl, &native_line(&cases[0])).unwrap();
        assert_eq!(back, cases[0]);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_number() {
        let t = table(
            &["id", "question", "A", "B", "answer"],
            &[&["1", "ok?", "y", "n", "A"], &["2", "", "y", "n", "A"], &["1", "dup", "y", "n", "C"]],
        );
        let err = table_cases(&t, &ColumnMap::default()).unwrap_err().to_string();
        assert!(err.contains("row 3: the prompt is empty"), "{err}");
        assert!(err.contains("row 4: duplicate id \"1\"; answer \"C\" is not one of the options A, B"), "{err}");
    }

    #[test]
    fn mapping_names_columns_and_rejects_unknown_fields() {
        let t = table(&["Q", "Gold"], &[&["What is 6*7?", "42"]]);
        let map = ColumnMap::from_pairs([("prompt", "Q"), ("answer", "Gold")]).unwrap();
        let cases = table_cases(&t, &map).unwrap();
        assert_eq!((cases[0].id.as_str(), cases[0].gold.answer.as_str()), ("2", "42"));
        assert_eq!(answer_type(&cases[0]), "numeric");
        assert!(ColumnMap::from_pairs([("promt", "Q")]).unwrap_err().to_string().contains("unknown field"));
        let missing = ColumnMap::from_pairs([("prompt", "Question")]).unwrap();
        assert!(table_cases(&t, &missing).unwrap_err().to_string().contains("which the header lacks"));
    }
}
