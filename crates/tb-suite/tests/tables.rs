//! Excel and CSV suites read through `import`: headers in Chinese, numbers
//! kept as written, and every malformed row named by its spreadsheet row.

use std::path::Path;

use tb_suite::import::{ColumnMap, read_table, table_cases};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

#[test]
fn xlsx_rows_are_checked_and_reported_by_row_number() {
    let table = read_table(&fixture("suite.xlsx"), None).unwrap();
    assert_eq!(table.headers[1], "题目");
    let err = table_cases(&table, &ColumnMap::default()).unwrap_err().to_string();
    assert!(err.contains("2 malformed row(s)"), "{err}");
    assert!(err.contains("row 4: the prompt is empty"), "{err}");
    assert!(err.contains("row 5: answer \"E\" is not one of the options A, B, C, D"), "{err}");
}

#[test]
fn xlsx_numbers_keep_their_written_form() {
    let table = read_table(&fixture("suite.xlsx"), Some("numeric")).unwrap();
    let cases = table_cases(&table, &ColumnMap::default()).unwrap();
    let answers: Vec<_> = cases.iter().map(|c| c.gold.answer.as_str()).collect();
    assert_eq!(answers, ["96", "7"]);
    assert_eq!(cases[0].id, "1");
    assert!(read_table(&fixture("suite.xlsx"), Some("missing")).unwrap_err().to_string().contains("missing"));
}

#[test]
fn csv_with_quoted_newlines_and_a_bom() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(&path, "\u{feff}id,prompt,answer\n1,\"line one\nline two\",A\n2,second,B\n").unwrap();
    let table = read_table(&path, None).unwrap();
    let cases = table_cases(&table, &ColumnMap::default()).unwrap();
    assert_eq!(cases[0].prompt(), "line one\nline two");
    assert_eq!(cases.len(), 2);
}
