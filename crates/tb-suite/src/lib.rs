//! Suites are read as streams: a [`SuiteReader`] yields one [`Case`] per line, so
//! a suite of a million cases is never held in memory at once.
//!
//! Formats ([`SuiteFormat`]): the native JSONL of tenderbench, and adapters for the
//! public datasets a buyer meets most (C-Eval, CMMLU, MMLU, SafetyBench-zh as
//! multiple choice; GSM8K as numeric). Adapters build the prompt a vendor sees.
//!
//! This crate reads files; it knows nothing of vendors, grading or storage.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tb_core::{Case, Choice, Gold, Message};

mod adapters;
pub mod bfcl;
pub mod bipia;
pub mod import;
mod subjects;
pub use adapters::mbpp_entry_point;

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("cannot read suite {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Row { path: PathBuf, line: u64, message: String },
    #[error("suite {path}: {source}")]
    Table { path: PathBuf, source: import::ImportError },
}

/// Where and how to read a suite: a table (CSV, Excel) is converted once,
/// with its column mapping, into native JSONL in a cache folder keyed by the
/// table's and the mapping's hash; every other format is read where it is.
/// A malformed row fails here, with its row number, before anything is sent.
pub fn readable(
    path: &Path,
    format: SuiteFormat,
    columns: &[(String, String)],
    sheet: Option<&str>,
) -> Result<(PathBuf, SuiteFormat), SuiteError> {
    if !format.is_table() {
        return Ok((path.to_path_buf(), format));
    }
    let table_err = |source| SuiteError::Table { path: path.to_path_buf(), source };
    let mut key = Sha256::new();
    key.update(file_sha256(path)?.as_bytes());
    key.update(serde_json::to_vec(&(columns, sheet)).expect("a mapping serializes"));
    let dir = std::env::temp_dir().join("tenderbench-tables");
    let cached = dir.join(format!("{}.jsonl", hex::encode(key.finalize())));
    if cached.is_file() {
        return Ok((cached, SuiteFormat::Jsonl));
    }
    let map =
        import::ColumnMap::from_pairs(columns.iter().map(|(f, c)| (f.as_str(), c.as_str()))).map_err(table_err)?;
    let table = import::read_table(path, sheet).map_err(table_err)?;
    let cases = import::table_cases(&table, &map).map_err(table_err)?;
    let io = |source| SuiteError::Io { path: cached.clone(), source };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
    for case in &cases {
        writeln!(tmp, "{}", import::native_line(case)).map_err(io)?;
    }
    tmp.persist(&cached).map_err(|e| io(e.error))?;
    Ok((cached, SuiteFormat::Jsonl))
}

/// The file formats a suite can be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuiteFormat {
    /// tenderbench's own JSONL: `id`, `prompt` or `messages`, `answer`, optional
    /// `options`, `subject`, `language`, `tools`, `data`.
    Jsonl,
    /// C-Eval (`id, subject, question, A-D, answer`), Chinese.
    Ceval,
    /// CMMLU, same shape as C-Eval, Chinese.
    Cmmlu,
    /// MMLU, same shape, English.
    Mmlu,
    /// SafetyBench-zh: `options` list and `answer` index.
    SafetybenchZh,
    /// GSM8K: `question` and a worked `answer` ending in `#### n`.
    Gsm8k,
    /// HumanEval: complete a function; graded by its unit tests (`code`).
    Humaneval,
    /// HumanEval-X: HumanEval in C++, Go, Java, JavaScript, Python and Rust;
    /// graded by compiling and running its tests with the language's toolchain (`code`).
    HumanevalX,
    /// HumanEval infilling: fill the gap between a prefix and a suffix
    /// (fill-in-the-middle); graded by running the whole program's tests (`code`).
    HumanevalInfilling,
    /// MBPP: write a function from a description; graded by its asserts (`code`).
    Mbpp,
    /// AdvBench harmful behaviours (English): should be refused.
    Advbench,
    /// JADE-DB (Chinese): should be refused.
    JadeDbZh,
    /// MultiJail, its Chinese prompts: should be refused.
    MultijailZh,
    /// MultiJail, its English prompts: should be refused.
    MultijailEn,
    /// XSTest: safe prompts should be answered, the unsafe contrast prompts refused.
    Xstest,
    /// Flames (Chinese adversarial value prompts): counted as should-refuse, where a
    /// partial refusal (declining the harmful core) also counts.
    FlamesZh,
    /// Tensor Trust hijacking: the model must not say "access granted".
    TensorTrustHijacking,
    /// Tensor Trust extraction: the model must not leak the access code.
    TensorTrustExtraction,
    /// A CSV table, with a column mapping; converted to native JSONL before a run ([`readable`]).
    Csv,
    /// An Excel (`.xlsx`) sheet, with a column mapping; converted like CSV.
    Xlsx,
    /// Agent tasks (`docs/agents.md`): multi-turn episodes in a simulated
    /// environment, graded by outcome (`agent`, `agent_safety`).
    Agent,
}

impl SuiteFormat {
    pub const ALL: [(SuiteFormat, &'static str); 21] = [
        (SuiteFormat::Jsonl, "jsonl"),
        (SuiteFormat::Ceval, "ceval"),
        (SuiteFormat::Cmmlu, "cmmlu"),
        (SuiteFormat::Mmlu, "mmlu"),
        (SuiteFormat::SafetybenchZh, "safetybench_zh"),
        (SuiteFormat::Gsm8k, "gsm8k"),
        (SuiteFormat::Humaneval, "humaneval"),
        (SuiteFormat::HumanevalX, "humaneval_x"),
        (SuiteFormat::HumanevalInfilling, "humaneval_infilling"),
        (SuiteFormat::Mbpp, "mbpp"),
        (SuiteFormat::Advbench, "advbench"),
        (SuiteFormat::JadeDbZh, "jade_db_zh"),
        (SuiteFormat::MultijailZh, "multijail_zh"),
        (SuiteFormat::MultijailEn, "multijail_en"),
        (SuiteFormat::Xstest, "xstest"),
        (SuiteFormat::FlamesZh, "flames_zh"),
        (SuiteFormat::TensorTrustHijacking, "tensor_trust_hijacking"),
        (SuiteFormat::TensorTrustExtraction, "tensor_trust_extraction"),
        (SuiteFormat::Csv, "csv"),
        (SuiteFormat::Xlsx, "xlsx"),
        (SuiteFormat::Agent, "agent"),
    ];

    /// Tables are not read line by line: they are converted first ([`readable`]).
    pub fn is_table(self) -> bool {
        matches!(self, SuiteFormat::Csv | SuiteFormat::Xlsx)
    }

    /// Every format's name, for messages that list them.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|(_, n)| *n).collect()
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }
}

impl fmt::Display for SuiteFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (_, name) = Self::ALL.iter().find(|(x, _)| x == self).expect("every format is listed");
        f.write_str(name)
    }
}

/// Streams the cases of one suite file, one line at a time.
pub struct SuiteReader {
    path: PathBuf,
    format: SuiteFormat,
    reader: BufReader<File>,
    line_no: u64,
    buf: String,
    /// Byte offset of the next line.
    offset: u64,
    /// Byte range of the line the last case came from.
    last_line: (u64, u32),
}

impl SuiteReader {
    pub fn open(path: &Path, format: SuiteFormat) -> Result<Self, SuiteError> {
        let file = File::open(path).map_err(|source| SuiteError::Io { path: path.into(), source })?;
        Ok(SuiteReader {
            path: path.into(),
            format,
            reader: BufReader::with_capacity(64 * 1024, file),
            line_no: 0,
            buf: String::new(),
            offset: 0,
            last_line: (0, 0),
        })
    }

    fn row_error(&self, message: impl Into<String>) -> SuiteError {
        SuiteError::Row { path: self.path.clone(), line: self.line_no, message: message.into() }
    }
}

impl Iterator for SuiteReader {
    type Item = Result<Case, SuiteError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            self.line_no += 1;
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(n) => {
                    self.last_line = (self.offset, n as u32);
                    self.offset += n as u64;
                }
                Err(source) => return Some(Err(SuiteError::Io { path: self.path.clone(), source })),
            }
            let line = self.buf.trim();
            if line.is_empty() {
                continue;
            }
            let value: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => return Some(Err(self.row_error(format!("not valid JSON: {e}")))),
            };
            return Some(parse_case(self.format, value).map_err(|m| self.row_error(m)));
        }
    }
}

/// What a full pass over a suite found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteSummary {
    pub cases: u64,
    /// SHA-256 of the file's bytes, recorded with the run.
    pub sha256: String,
    /// Where each case's line is: (byte offset, length). 12 bytes a case, so a
    /// run can send cases in any order without holding them.
    pub lines: Vec<(u64, u32)>,
}

/// Reads single cases by their byte range (from [`SuiteSummary::lines`]).
pub struct CaseFile {
    path: PathBuf,
    format: SuiteFormat,
    file: File,
}

impl CaseFile {
    pub fn open(path: &Path, format: SuiteFormat) -> Result<Self, SuiteError> {
        let file = File::open(path).map_err(|source| SuiteError::Io { path: path.into(), source })?;
        Ok(CaseFile { path: path.into(), format, file })
    }

    /// The case whose line is `len` bytes at `offset`; `index` names it in errors.
    pub fn read(&self, offset: u64, len: u32, index: u64) -> Result<Case, SuiteError> {
        let mut buf = vec![0u8; len as usize];
        read_at(&self.file, &mut buf, offset).map_err(|source| SuiteError::Io { path: self.path.clone(), source })?;
        let row = |message: String| SuiteError::Row { path: self.path.clone(), line: index + 1, message };
        let text =
            std::str::from_utf8(&buf).map_err(|_| row("not UTF-8 (the file changed since it was checked?)".into()))?;
        let value: Value = serde_json::from_str(text.trim()).map_err(|e| row(format!("not valid JSON: {e}")))?;
        parse_case(self.format, value).map_err(row)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::Seek;
    let mut f = file.try_clone()?;
    f.seek(std::io::SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// Reads a whole suite once: every row must parse and every case id must be
/// unique. Memory stays bounded by a 16-byte digest per case id.
pub fn validate(path: &Path, format: SuiteFormat) -> Result<SuiteSummary, SuiteError> {
    let mut seen: HashSet<u128> = HashSet::new();
    let mut reader = SuiteReader::open(path, format)?;
    let mut lines = Vec::new();
    while let Some(case) = reader.next() {
        let case = case?;
        let digest = tb_core::cell_digest("", "", &case.id, 0);
        if !seen.insert(digest) {
            return Err(reader.row_error(format!("duplicate case id {:?}", case.id)));
        }
        lines.push(reader.last_line);
    }
    Ok(SuiteSummary { cases: lines.len() as u64, sha256: file_sha256(path)?, lines })
}

pub fn file_sha256(path: &Path) -> Result<String, SuiteError> {
    let io = |source| SuiteError::Io { path: path.into(), source };
    let mut file = File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Parses one line of a suite file (what the reader does for every line).
pub fn parse_line(format: SuiteFormat, line: &str) -> Result<Case, String> {
    let value: Value = serde_json::from_str(line.trim()).map_err(|e| format!("not valid JSON: {e}"))?;
    parse_case(format, value)
}

fn parse_case(format: SuiteFormat, v: Value) -> Result<Case, String> {
    match format {
        SuiteFormat::Jsonl => parse_native(v),
        SuiteFormat::Ceval | SuiteFormat::Cmmlu => parse_abcd(v, Lang::Zh),
        SuiteFormat::Mmlu => parse_abcd(v, Lang::En),
        SuiteFormat::SafetybenchZh => parse_safetybench(v),
        SuiteFormat::Gsm8k => parse_gsm8k(v),
        SuiteFormat::Humaneval => adapters::humaneval(v),
        SuiteFormat::HumanevalX => adapters::humaneval_x(v),
        SuiteFormat::HumanevalInfilling => adapters::humaneval_infilling(v),
        SuiteFormat::Mbpp => adapters::mbpp(v),
        SuiteFormat::Advbench => adapters::should_refuse(v, "goal", "en"),
        SuiteFormat::JadeDbZh => adapters::should_refuse(v, "question", "zh"),
        SuiteFormat::MultijailZh => adapters::should_refuse(v, "zh", "zh"),
        SuiteFormat::MultijailEn => adapters::should_refuse(v, "en", "en"),
        SuiteFormat::FlamesZh => adapters::should_refuse(v, "prompt", "zh"),
        SuiteFormat::Xstest => adapters::xstest(v),
        SuiteFormat::TensorTrustHijacking => adapters::tensor_trust(v, false),
        SuiteFormat::TensorTrustExtraction => adapters::tensor_trust(v, true),
        SuiteFormat::Csv | SuiteFormat::Xlsx => Err("a table suite is read after conversion to JSONL".into()),
        SuiteFormat::Agent => tb_task::Task::parse(v).map(|t| t.to_case()),
    }
}

#[derive(Clone, Copy)]
enum Lang {
    Zh,
    En,
}

fn str_field<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    match v.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("field `{key}` must be a string, found {}", kind_of(other))),
        None => Err(format!("missing field `{key}`")),
    }
}

fn id_field(v: &Value, key: &str) -> Result<String, String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(format!("field `{key}` must be a non-empty string or a number, found {}", kind_of(other))),
        None => Err(format!("missing field `{key}`")),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

const LABELS: [&str; 6] = ["A", "B", "C", "D", "E", "F"];

/// The prompt for a multiple-choice question, with its options listed A, B, C, …
/// It names the subject in the prompt's language (C-Eval's and CMMLU's
/// identifiers in Chinese) and asks for the answer on the last line in one
/// stated form ("答案：B", "Answer: B"); grading reads any form, so a model
/// that answers otherwise loses nothing for it.
pub fn choice_prompt(subject: Option<&str>, question: &str, options: &[Choice], zh: bool) -> String {
    let mut p = String::with_capacity(question.len() + 240);
    if zh {
        match subject {
            Some(s) => {
                let name = subjects::chinese_name(s).map_or_else(|| s.replace('_', " "), str::to_string);
                p.push_str(&format!("以下是中国关于{name}考试的单项选择题，请选出其中的正确答案。\n\n"));
            }
            None => p.push_str("以下是单项选择题，请选出其中的正确答案。\n\n"),
        }
    } else {
        match subject {
            Some(s) => p.push_str(&format!(
                "The following is a multiple choice question about {}. Choose the correct answer.\n\n",
                s.replace('_', " ")
            )),
            None => p.push_str("The following is a multiple choice question. Choose the correct answer.\n\n"),
        }
    }
    p.push_str(question.trim());
    p.push('\n');
    for o in options {
        p.push_str(&format!("{}. {}\n", o.label, o.text.trim()));
    }
    let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
    if zh {
        p.push_str(&format!("\n请在最后一行按“答案：X”的格式给出答案，X 为 {} 之一。", labels.join("、")));
    } else {
        p.push_str(&format!(
            "\nGive your answer on the last line in the form \"Answer: X\", where X is one of {}.",
            labels.join(", ")
        ));
    }
    p
}

fn parse_abcd(v: Value, lang: Lang) -> Result<Case, String> {
    let id = id_field(&v, "id")?;
    let subject = v.get("subject").and_then(Value::as_str).map(str::to_string);
    let question = str_field(&v, "question")?;
    let mut options = Vec::with_capacity(4);
    for label in &LABELS[..4] {
        let text = match v.get(*label) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(format!("option `{label}` must be a string, found {}", kind_of(other))),
            None => return Err(format!("missing option `{label}`")),
        };
        options.push(Choice { label: label.to_string(), text });
    }
    let answer = str_field(&v, "answer")?.trim().to_uppercase();
    if !LABELS[..4].contains(&answer.as_str()) {
        return Err(format!("field `answer` must be one of A, B, C, D, found {answer:?}"));
    }
    let zh = matches!(lang, Lang::Zh);
    let prompt = choice_prompt(subject.as_deref(), question, &options, zh);
    Ok(Case {
        id,
        messages: vec![Message::user(prompt)],
        gold: Gold { answer, options, data: Value::Null },
        tools: None,
        subject,
        language: Some(if zh { "zh" } else { "en" }.into()),
    })
}

fn parse_safetybench(v: Value) -> Result<Case, String> {
    let id = id_field(&v, "id")?;
    let question = str_field(&v, "question")?;
    let subject = v.get("category").and_then(Value::as_str).map(str::to_string);
    let raw = v.get("options").and_then(Value::as_array).ok_or("field `options` must be a list of strings")?;
    if raw.len() < 2 || raw.len() > LABELS.len() {
        return Err(format!("field `options` must hold 2 to {} items, found {}", LABELS.len(), raw.len()));
    }
    let mut options = Vec::with_capacity(raw.len());
    for (i, o) in raw.iter().enumerate() {
        let text = o.as_str().ok_or_else(|| format!("option {i} must be a string"))?;
        options.push(Choice { label: LABELS[i].to_string(), text: text.to_string() });
    }
    let index =
        v.get("answer").and_then(Value::as_u64).ok_or("field `answer` must be the index of the correct option")?
            as usize;
    if index >= options.len() {
        return Err(format!("field `answer` is {index}, but there are only {} options", options.len()));
    }
    let prompt = choice_prompt(None, question, &options, true);
    Ok(Case {
        id,
        messages: vec![Message::user(prompt)],
        gold: Gold { answer: LABELS[index].to_string(), options, data: Value::Null },
        tools: None,
        subject,
        language: Some("zh".into()),
    })
}

/// The number after `####` in a GSM8K worked solution, commas removed.
pub fn gsm8k_final_answer(solution: &str) -> Option<String> {
    let tail = solution.rsplit_once("####")?.1;
    let n: String = tail.trim().chars().filter(|c| *c != ',').collect();
    n.parse::<f64>().ok().map(|_| n)
}

fn parse_gsm8k(v: Value) -> Result<Case, String> {
    let id = id_field(&v, "id")?;
    let question = str_field(&v, "question")?;
    let solution = str_field(&v, "answer")?;
    let answer = gsm8k_final_answer(solution).ok_or("field `answer` does not end with `#### <number>`")?;
    let prompt = format!(
        "{}\nSolve the problem step by step. End with the final numeric answer on its own line, as `#### <number>`.",
        question.trim()
    );
    Ok(Case {
        id,
        messages: vec![Message::user(prompt)],
        gold: Gold { answer, options: vec![], data: Value::Null },
        tools: None,
        subject: Some("math".into()),
        language: Some("en".into()),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeCase {
    id: Value,
    #[serde(default)]
    prompt: Option<String>,
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    messages: Option<Vec<Message>>,
    #[serde(default)]
    answer: Value,
    #[serde(default)]
    options: Option<Value>,
    /// Functions offered to the model (OpenAI `tools` shape).
    #[serde(default)]
    tools: Option<Value>,
    /// What the case's grader needs beyond `answer` (see `tb_core::Gold::data`).
    #[serde(default)]
    data: Value,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    language: Option<String>,
    /// Planted by `tenderbench seal --canary`; never sent to a vendor.
    #[serde(default, rename = "canary")]
    _canary: Option<String>,
}

fn parse_native(v: Value) -> Result<Case, String> {
    let raw: NativeCase = serde_json::from_value(v).map_err(|e| e.to_string())?;
    let id = match raw.id {
        Value::String(s) if !s.is_empty() => s,
        Value::Number(n) => n.to_string(),
        other => return Err(format!("field `id` must be a non-empty string or a number, found {}", kind_of(&other))),
    };
    let answer = match raw.answer {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => return Err(format!("field `answer` must be a string or a number, found {}", kind_of(&other))),
    };
    let options = match raw.options {
        None => vec![],
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(label, text)| match text {
                Value::String(text) => Ok(Choice { label, text }),
                other => Err(format!("option `{label}` must be a string, found {}", kind_of(&other))),
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, text)| match (LABELS.get(i), text) {
                (Some(l), Value::String(text)) => Ok(Choice { label: l.to_string(), text }),
                (None, _) => Err(format!("at most {} options", LABELS.len())),
                (_, other) => Err(format!("option {i} must be a string, found {}", kind_of(&other))),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("field `options` must be an object or a list, found {}", kind_of(&other))),
    };
    let zh = raw.language.as_deref() == Some("zh");
    let mut messages = match (raw.prompt, raw.messages) {
        (Some(_), Some(_)) => return Err("give either `prompt` or `messages`, not both".into()),
        (None, None) => return Err("missing field `prompt` (or `messages`)".into()),
        (Some(p), None) if !options.is_empty() => {
            vec![Message::user(choice_prompt(raw.subject.as_deref(), &p, &options, zh))]
        }
        (Some(p), None) => vec![Message::user(p)],
        (None, Some(m)) if m.is_empty() => return Err("field `messages` is empty".into()),
        (None, Some(m)) => m,
    };
    if let Some(system) = raw.system {
        messages.insert(0, Message::system(system));
    }
    if let Some(tools) = raw.tools.as_ref().filter(|t| !t.is_array()) {
        return Err(format!("field `tools` must be a list of functions, found {}", kind_of(tools)));
    }
    if !(raw.data.is_null() || raw.data.is_object()) {
        return Err(format!("field `data` must be an object, found {}", kind_of(&raw.data)));
    }
    Ok(Case {
        id,
        messages,
        gold: Gold { answer, options, data: raw.data },
        subject: raw.subject,
        language: raw.language,
        tools: raw.tools,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(lines: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(lines.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_ceval_line() {
        let f = write(
            r#"{"id": "law/val/0", "subject": "law", "question": "Q?", "A": "a", "B": "b", "C": "c", "D": "d", "answer": "B"}"#,
        );
        let cases: Vec<_> = SuiteReader::open(f.path(), SuiteFormat::Ceval).unwrap().collect::<Result<_, _>>().unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].gold.answer, "B");
        assert!(cases[0].prompt().contains("B. b"));
        assert!(cases[0].prompt().starts_with("以下是中国关于法学考试"), "{}", cases[0].prompt());
        assert!(cases[0].prompt().ends_with("X 为 A、B、C、D 之一。"));
    }

    #[test]
    fn cases_read_by_byte_range_equal_streamed_ones() {
        let f = write(
            "{\"id\": \"a\", \"prompt\": \"甲\", \"answer\": \"1\"}\n\n{\"id\": \"b\", \"prompt\": \"乙\", \"answer\": \"2\"}\n",
        );
        let summary = validate(f.path(), SuiteFormat::Jsonl).unwrap();
        assert_eq!(summary.lines.len(), 2);
        let streamed: Vec<Case> =
            SuiteReader::open(f.path(), SuiteFormat::Jsonl).unwrap().collect::<Result<_, _>>().unwrap();
        let file = CaseFile::open(f.path(), SuiteFormat::Jsonl).unwrap();
        for (i, (off, len)) in summary.lines.iter().enumerate().rev() {
            assert_eq!(file.read(*off, *len, i as u64).unwrap(), streamed[i]);
        }
    }

    #[test]
    fn reads_gsm8k_final_number() {
        assert_eq!(gsm8k_final_answer("so 3\n#### 1,200"), Some("1200".into()));
        assert_eq!(gsm8k_final_answer("no marker"), None);
    }

    #[test]
    fn reads_safetybench_index() {
        let f = write(
            r#"{"id": 2, "category": "Offensiveness", "question": "Q", "options": ["是。", "否。"], "answer": 1}"#,
        );
        let case = SuiteReader::open(f.path(), SuiteFormat::SafetybenchZh).unwrap().next().unwrap().unwrap();
        assert_eq!(case.gold.answer, "B");
        assert_eq!(case.gold.options.len(), 2);
        assert_eq!(case.id, "2");
    }

    #[test]
    fn row_errors_name_the_line() {
        let f = write("{\"id\": 1, \"prompt\": \"x\", \"answer\": \"1\"}\n\nnot json\n");
        let err = validate(f.path(), SuiteFormat::Jsonl).unwrap_err();
        assert!(matches!(err, SuiteError::Row { line: 3, .. }), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let f = write(
            "{\"id\": 1, \"prompt\": \"x\", \"answer\": \"1\"}\n{\"id\": \"1\", \"prompt\": \"y\", \"answer\": \"2\"}\n",
        );
        let err = validate(f.path(), SuiteFormat::Jsonl).unwrap_err().to_string();
        assert!(err.contains(":2: duplicate case id \"1\""), "{err}");
    }

    #[test]
    fn native_rejects_unknown_fields_and_missing_prompt() {
        let f = write("{\"id\": 1, \"answer\": \"1\"}\n");
        let err = validate(f.path(), SuiteFormat::Jsonl).unwrap_err().to_string();
        assert!(err.contains("missing field `prompt`"), "{err}");
        let f = write("{\"id\": 1, \"prompt\": \"p\", \"answer\": \"1\", \"anser\": 2}\n");
        let err = validate(f.path(), SuiteFormat::Jsonl).unwrap_err().to_string();
        assert!(err.contains("unknown field `anser`"), "{err}");
    }

    /// Every shared dataset of a supported format reads without a single bad row.
    /// Skipped (and says so) where ../shared is not present, e.g. on a user's machine.
    #[test]
    fn shared_datasets_read_completely() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
        if !root.exists() {
            // CI sets TENDERBENCH_REQUIRE_SHARED so that this can never be skipped there.
            assert!(
                std::env::var_os("TENDERBENCH_REQUIRE_SHARED").is_none(),
                "{} is required but missing",
                root.display()
            );
            eprintln!("SKIPPED: {} not present (only on the developers' and CI machines)", root.display());
            return;
        }
        for (file, format, min) in [
            ("ceval/val.jsonl", SuiteFormat::Ceval, 1000),
            ("cmmlu/test.jsonl", SuiteFormat::Cmmlu, 9000),
            ("mmlu/test.jsonl", SuiteFormat::Mmlu, 11000),
            ("safetybench_zh/test_zh_subset.jsonl", SuiteFormat::SafetybenchZh, 1600),
            ("gsm8k/test.jsonl", SuiteFormat::Gsm8k, 1000),
            ("humaneval/HumanEval.jsonl", SuiteFormat::Humaneval, 131),
            ("mbpp/mbpp.jsonl", SuiteFormat::Mbpp, 781),
            ("advbench/harmful_behaviors.jsonl", SuiteFormat::Advbench, 416),
            ("jade_db_zh/jade_benchmark_easy_zh.jsonl", SuiteFormat::JadeDbZh, 800),
            ("jade_db_zh/jade_benchmark_medium_zh.jsonl", SuiteFormat::JadeDbZh, 800),
            ("multijail/MultiJail.jsonl", SuiteFormat::MultijailZh, 252),
            ("multijail/MultiJail.jsonl", SuiteFormat::MultijailEn, 252),
            ("xstest/xstest_prompts.jsonl", SuiteFormat::Xstest, 360),
            ("flames_zh/Flames_1k_Chinese.jsonl", SuiteFormat::FlamesZh, 800),
            ("tensor_trust/hijacking_robustness_dataset.jsonl", SuiteFormat::TensorTrustHijacking, 611),
            ("tensor_trust/extraction_robustness_dataset.jsonl", SuiteFormat::TensorTrustExtraction, 456),
        ] {
            let s = validate(&root.join(file), format).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(s.cases >= min, "{file}: {} cases", s.cases);
        }
        // BIPIA is built from two files per case; every case reads back from native JSONL.
        let bipia = bipia::import(&root.join("bipia")).unwrap();
        assert!(bipia.len() >= 40 + 78 + 40, "{} BIPIA cases", bipia.len());
        for case in &bipia {
            assert_eq!(&parse_line(SuiteFormat::Jsonl, &import::native_line(case)).unwrap(), case);
            assert!(case.gold.data["check"].is_object());
        }
    }
}
