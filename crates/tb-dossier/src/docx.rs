//! The evaluation report as an editable Word document: A4, a Chinese serif
//! for Chinese text (宋体, which Word and WPS map to what the system has)
//! and a Latin one for the rest, tables with borders, signature lines.

use docx_rs::{AlignmentType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableRow, WidthType};

use crate::{Block, Dossier, DossierError};

/// Half-points, as Word counts font sizes.
const TITLE: usize = 36;
const HEADING: usize = 28;
const BODY: usize = 21;
const TABLE: usize = 18;

fn cell(text: &str, bold: bool) -> TableCell {
    let mut run = Run::new().add_text(text).size(TABLE);
    if bold {
        run = run.bold();
    }
    TableCell::new().add_paragraph(Paragraph::new().add_run(run))
}

/// Renders the document as a DOCX file's bytes.
pub fn render(d: &Dossier) -> Result<Vec<u8>, DossierError> {
    let mut doc = Docx::new()
        .page_size(11906, 16838) // A4, in twentieths of a point
        .default_fonts(RunFonts::new().east_asia("宋体").ascii("Times New Roman").hi_ansi("Times New Roman"))
        .default_size(BODY);
    for block in &d.blocks {
        doc =
            match block {
                Block::Title(s) => doc.add_paragraph(
                    Paragraph::new().align(AlignmentType::Center).add_run(Run::new().add_text(s).size(TITLE).bold()),
                ),
                Block::Subtitle(s) => {
                    doc.add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(Run::new().add_text(s)))
                }
                Block::Heading(s) => {
                    doc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(s).size(HEADING).bold()))
                }
                Block::Paragraph(s) => doc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(s))),
                Block::Table { header, rows } => {
                    let mut table_rows = vec![TableRow::new(header.iter().map(|h| cell(h, true)).collect())];
                    table_rows.extend(rows.iter().map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect())));
                    // Full width: 5000 fiftieths of a percent.
                    doc.add_table(Table::new(table_rows).width(5000, WidthType::Pct)).add_paragraph(Paragraph::new())
                }
                Block::Signatures { names, labels } => {
                    let line = "________________";
                    let mut doc = doc;
                    for name in names {
                        let shown = if name.is_empty() { line } else { name.as_str() };
                        doc =
                            doc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(format!(
                                "{}{shown}    {}{line}    {}{line}",
                                labels[0], labels[1], labels[2]
                            ))));
                    }
                    doc
                }
            };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| DossierError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}
