//! The CSV outputs: `results.csv`, one row per cell streamed from the store
//! as it is graded, and `scores.csv`, the score comparison table. Both begin
//! with a BOM when written to a file ([`CSV_BOM`]); no field carries a
//! control character to a spreadsheet or a terminal ([`printable`]).

use std::io::Write;

use tb_store::Store;

use crate::{Report, ReportError};

/// A field with its control characters (escape, bell, NUL…) written as
/// `\u{…}`; tabs, line breaks (which CSV quotes) and text stay.
pub fn printable(field: &str) -> std::borrow::Cow<'_, str> {
    if !field.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return std::borrow::Cow::Borrowed(field);
    }
    let mut out = String::with_capacity(field.len());
    for c in field.chars() {
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes the score comparison table as CSV (`scores.csv`): one row per
/// bidder, one column per factor's points.
pub fn write_score_csv(report: &Report, out: impl Write) -> Result<(), csv::Error> {
    let Some(table) = &report.score_table else { return Ok(()) };
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["vendor".to_string(), "bid_price".into()];
    header.extend(table.factors.iter().map(|f| format!("{} ({:.2})", f.id, f.full_points)));
    header.extend(["technical_points", "price_points", "total", "rank", "remarks"].map(String::from));
    w.write_record(&header)?;
    let opt = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.2}"));
    for r in &table.rows {
        let mut rec = vec![r.vendor.clone(), format!("{:.2}", r.bid_price)];
        rec.extend(r.factor_points.iter().map(|p| format!("{p:.2}")));
        rec.extend([
            format!("{:.2}", r.technical_points),
            opt(r.price_points),
            opt(r.total),
            r.rank.map_or(String::new(), |n| n.to_string()),
            r.remarks.join(";"),
        ]);
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

/// What CSV files begin with, so that Excel on Chinese Windows reads them as
/// UTF-8 (without it, 甲公司 is garbled); CSV readers skip it.
pub const CSV_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `results.csv` to `out` (`name` is used in errors): one row per cell,
/// with each criterion's grade, the gold answer, how the answer was read and
/// the answer's text. Streams; returns the report built on the way.
pub async fn write_csv(store: &Store, run_id: &str, out: impl Write + Send, name: &str) -> Result<Report, ReportError> {
    let simulated = store.run(run_id).await?.simulated.to_string();
    let io = |source| ReportError::Io { path: name.to_string(), source };
    let csv_err = |e: csv::Error| ReportError::Io { path: name.to_string(), source: e.into() };
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(out));
    w.write_record([
        "run_id",
        "simulated",
        "vendor",
        "suite",
        "case_id",
        "repeat",
        "subject",
        "language",
        "status",
        "cause",
        "detail",
        "attempts",
        "latency_ms",
        "ttft_ms",
        "prompt_tokens",
        "completion_tokens",
        "finish_reason",
        "criteria",
        "extracted",
        "correct",
        "notes",
        "gold",
        "read_as",
        "answer",
    ])
    .map_err(csv_err)?;
    let report = crate::build_visiting(store, run_id, &mut |g| {
        let c = &g.cell;
        let join =
            |f: &dyn Fn(&tb_core::Grade) -> String| g.grades.iter().map(|(_, gr)| f(gr)).collect::<Vec<_>>().join(";");
        let opt = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.1}"));
        let record = [
            c.run_id.as_str(),
            &simulated,
            &c.vendor,
            &c.suite,
            &c.case_id,
            &c.repeat.to_string(),
            c.subject.as_deref().unwrap_or_default(),
            c.language.as_deref().unwrap_or_default(),
            if c.cause.is_some() { "failed" } else { "answered" },
            c.cause.as_deref().unwrap_or_default(),
            c.detail.as_deref().unwrap_or_default(),
            &c.attempts.to_string(),
            &format!("{:.1}", c.latency_ms),
            &opt(c.ttft_ms),
            &c.prompt_tokens.map_or(String::new(), |n| n.to_string()),
            &c.completion_tokens.map_or(String::new(), |n| n.to_string()),
            c.finish_reason.as_deref().unwrap_or_default(),
            &g.grades.iter().map(|(id, _)| *id).collect::<Vec<_>>().join(";"),
            &join(&|gr| gr.extracted.clone().or_else(|| gr.note.clone()).unwrap_or_default()),
            &join(&|gr| gr.correct.to_string()),
            &join(&|gr| gr.note.clone().unwrap_or_default()),
            &g.gold,
            &join(&|gr| gr.how.clone().unwrap_or_default()),
            c.answer.as_deref().unwrap_or_default(),
        ];
        // A vendor's error body or answer may hold terminal escapes: none reach a spreadsheet or a terminal.
        w.write_record(record.iter().map(|f| printable(f).into_owned())).map_err(csv_err)
    })
    .await?;
    let mut inner = w.into_inner().map_err(|e| io(e.into_error()))?;
    inner.flush().map_err(io)?;
    Ok(report)
}

#[cfg(test)]
mod printable_tests {
    #[test]
    fn control_characters_do_not_reach_a_csv() {
        assert_eq!(super::printable("plain, \"quoted\"\nline"), "plain, \"quoted\"\nline");
        assert_eq!(super::printable("bad\u{1b}[2Jgateway\u{0}\u{7}"), "bad\\u{1b}[2Jgateway\\u{0}\\u{7}");
    }
}
