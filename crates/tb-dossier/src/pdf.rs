//! The evaluation report as a PDF: A4 pages laid out here (lines broken by
//! the font's own advances, tables with borders that repeat their header on
//! a new page, page numbers), drawn with krilla, which embeds the subset of
//! the font the text uses. The font is a system font that has every Chinese
//! character of the document ([`find_font`]); none found is a clear error.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

use crate::{Block, Dossier, DossierError};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const TITLE: f32 = 20.0;
const HEADING: f32 = 13.5;
const BODY: f32 = 10.5;
const TABLE: f32 = 9.0;
const PAD: f32 = 4.0;

/// A font file found on the system, and the face in it to use.
pub struct FontFile {
    pub path: PathBuf,
    pub index: u32,
    data: Arc<Vec<u8>>,
}

/// Folders where systems keep fonts.
fn font_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("/usr/share/fonts"), PathBuf::from("/usr/local/share/fonts")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".local/share/fonts"));
        dirs.push(Path::new(&home).join(".fonts"));
    }
    dirs
}

fn font_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            font_files(&p, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc" | "otc"))
        {
            out.push(p);
        }
    }
}

/// Chinese, Japanese and Korean characters: what a fallback cannot draw.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Whether the face's family name says Simplified Chinese (`… SC`, `… CN`, `… GB`).
fn simplified_chinese(data: &[u8], index: u32) -> bool {
    let Ok(font) = skrifa::FontRef::from_index(data, index) else { return false };
    font.localized_strings(skrifa::string::StringId::FAMILY_NAME).english_or_first().is_some_and(|name| {
        let name = name.to_string();
        name.split_whitespace().any(|w| matches!(w, "SC" | "CN" | "GB" | "Hans")) || name.contains("Simplified")
    })
}

/// How many of `chars` the face at `index` of `data` maps, and whether it maps every CJK one.
fn coverage(data: &[u8], index: u32, chars: &[char]) -> Option<(usize, bool)> {
    let font = skrifa::FontRef::from_index(data, index).ok()?;
    let map = font.charmap();
    let mapped = chars.iter().filter(|&&c| map.map(c).is_some()).count();
    let cjk = chars.iter().filter(|&&c| is_cjk(c)).all(|&c| map.map(c).is_some());
    Some((mapped, cjk))
}

/// Finds a font that can draw `text`: `TENDERBENCH_PDF_FONT` when set, else
/// the system font whose face maps every Chinese character of the text and
/// most of the rest (well-known CJK families first, then by path).
pub fn find_font(text: &str) -> Result<FontFile, DossierError> {
    let mut chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    chars.sort_unstable();
    chars.dedup();
    let needs_cjk = chars.iter().any(|&c| is_cjk(c));
    let mut candidates = Vec::new();
    let chosen = std::env::var_os("TENDERBENCH_PDF_FONT").map(PathBuf::from);
    match &chosen {
        Some(p) => candidates.push(p.clone()),
        None => {
            for d in font_dirs() {
                font_files(&d, &mut candidates);
            }
            // Well-known families first, a regular weight before bold or light ones.
            const FAMILIES: [&str; 7] = [
                "notosanscjk",
                "notoserifcjk",
                "sourcehan",
                "wqy-zenhei",
                "wqy-microhei",
                "droidsansfallback",
                "dejavusans.ttf",
            ];
            const WEIGHTS: [&str; 8] = ["bold", "black", "heavy", "light", "thin", "medium", "semibold", "extra"];
            let rank = |p: &Path| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
                let family = FAMILIES.iter().position(|k| name.contains(k)).unwrap_or(usize::MAX);
                (WEIGHTS.iter().any(|w| name.contains(w)), family)
            };
            candidates.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
        }
    }
    let mut best: Option<(usize, FontFile)> = None;
    for path in &candidates {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let data = Arc::new(bytes);
        let faces = skrifa::raw::FileRef::new(&data).map(|f| f.fonts().count()).unwrap_or(0) as u32;
        // In a collection, the Simplified Chinese face first: the same
        // characters take other shapes in its Japanese or Korean faces.
        let mut order: Vec<u32> = (0..faces).collect();
        order.sort_by_key(|&i| !simplified_chinese(&data, i));
        for index in order {
            let Some((mapped, cjk)) = coverage(&data, index, &chars) else { continue };
            if needs_cjk && !cjk {
                continue;
            }
            if mapped == chars.len() {
                return Ok(FontFile { path: path.clone(), index, data: data.clone() });
            }
            if best.as_ref().is_none_or(|(m, _)| mapped > *m) {
                best = Some((mapped, FontFile { path: path.clone(), index, data: data.clone() }));
            }
        }
    }
    match (best, chosen) {
        // Every Chinese character is there; a missing symbol is drawn as a box.
        (Some((_, f)), _) => Ok(f),
        (None, Some(p)) => Err(DossierError::Font(format!(
            "TENDERBENCH_PDF_FONT={}: not a font that has the report's {} characters",
            p.display(),
            if needs_cjk { "Chinese" } else { "" }
        ))),
        (None, None) => Err(DossierError::Font(format!(
            "no font on this system has the report's {}characters (looked in {}): install one (Debian/Ubuntu: \
             `apt install fonts-noto-cjk` or `fonts-wqy-zenhei`), or set TENDERBENCH_PDF_FONT=/path/to/font.ttf; \
             the DOCX (`--format docx`) needs no font",
            if needs_cjk { "Chinese " } else { "" },
            font_dirs().iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// What is drawn, page by page, before anything is written.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// Text with its baseline's left end at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    /// A light grey box (a table's header row).
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Measures text with the font's advances.
struct Measure<'a> {
    font: skrifa::FontRef<'a>,
}

impl Measure<'_> {
    fn width(&self, text: &str, size: f32) -> f32 {
        let map = self.font.charmap();
        let metrics = self.font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars().map(|c| map.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(size * 0.5)).sum()
    }

    /// Breaks `text` into lines no wider than `max`: between any two Chinese
    /// characters, at spaces, and inside a word only when it alone is too wide.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut width = 0.0;
            for token in tokens(paragraph) {
                let w = self.width(token, size);
                // Closing punctuation never starts a line (kinsoku): it hangs at the end of this one.
                let closing = token.chars().all(|c| "，。；：、！？）】」』》,.;:!?)".contains(c));
                if width + w > max && !line.is_empty() && !closing {
                    lines.push(std::mem::take(&mut line).trim_end().to_string());
                    width = 0.0;
                    if token.trim().is_empty() {
                        continue;
                    }
                }
                if w > max {
                    for c in token.chars() {
                        let cw = self.width(c.encode_utf8(&mut [0; 4]), size);
                        if width + cw > max && !line.is_empty() {
                            lines.push(std::mem::take(&mut line));
                            width = 0.0;
                        }
                        line.push(c);
                        width += cw;
                    }
                } else {
                    line.push_str(token);
                    width += w;
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }
}

/// Words, spaces and single CJK characters, in order.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut kind = 0u8; // 0 none, 1 word, 2 space
    for (i, c) in s.char_indices() {
        let k = if c == ' ' {
            2
        } else if is_cjk(c) {
            3
        } else {
            1
        };
        if i > start && (k != kind || k == 3) {
            out.push(&s[start..i]);
            start = i;
        }
        kind = k;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Lays the blocks out on pages.
struct Layout<'a> {
    m: Measure<'a>,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Starts a new page when `h` more points do not fit on this one.
    fn room(&mut self, h: f32) -> bool {
        if self.y + h > PAGE_H - MARGIN && self.y > MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
            return true;
        }
        false
    }

    fn text(&mut self, text: &str, size: f32, centred: bool, gap_after: f32) {
        let width = PAGE_W - 2.0 * MARGIN;
        for line in self.m.wrap(text, size, width) {
            let lh = size * 1.6;
            self.room(lh);
            let x = if centred { (PAGE_W - self.m.width(&line, size)) / 2.0 } else { MARGIN };
            let y = self.y + size * 1.15;
            self.ops().push(Op::Text { x, y, size, text: line });
            self.y += lh;
        }
        self.y += gap_after;
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let width = PAGE_W - 2.0 * MARGIN;
        let n = header.len().max(1);
        // Column widths: each column's widest cell, scaled to the width;
        // a column never narrower than its longest word (nor than 36 points).
        let natural: Vec<f32> = (0..n)
            .map(|i| {
                std::iter::once(header.get(i))
                    .chain(rows.iter().map(|r| r.get(i)))
                    .flatten()
                    .map(|s| self.m.width(s, TABLE) + 2.0 * PAD)
                    .fold(36.0, f32::max)
            })
            .collect();
        let least: Vec<f32> = (0..n)
            .map(|i| {
                std::iter::once(header.get(i))
                    .chain(rows.iter().map(|r| r.get(i)))
                    .flatten()
                    .flat_map(|s| tokens(s))
                    .map(|t| self.m.width(t, TABLE) + 2.0 * PAD)
                    .fold(36.0, f32::max)
                    .max(width / (2 * n) as f32)
            })
            .zip(&natural)
            // A column that fits its share is never broken.
            .map(|(least, natural)| if *natural <= width / n as f32 { *natural } else { least.min(*natural) })
            .collect();
        let total: f32 = natural.iter().sum();
        let widths: Vec<f32> = if total <= width {
            natural.iter().map(|w| w * width / total).collect()
        } else {
            let floor: f32 = least.iter().sum();
            let spare = (width - floor).max(0.0);
            let extra: f32 = natural.iter().zip(&least).map(|(a, b)| a - b).sum::<f32>().max(1.0);
            let w: Vec<f32> = natural.iter().zip(&least).map(|(a, b)| b + (a - b) * spare / extra).collect();
            let sum: f32 = w.iter().sum();
            w.iter().map(|x| x * width / sum).collect()
        };
        let draw_row = |me: &mut Self, cells: &[String], shade: bool| {
            let wrapped: Vec<Vec<String>> = (0..n)
                .map(|i| me.m.wrap(cells.get(i).map_or("", String::as_str), TABLE, widths[i] - 2.0 * PAD))
                .collect();
            let lh = TABLE * 1.45;
            let h = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD;
            let top = me.y;
            if shade {
                me.ops().push(Op::Shade { x: MARGIN, y: top, w: width, h });
            }
            let mut x = MARGIN;
            for (i, lines) in wrapped.iter().enumerate() {
                for (k, line) in lines.iter().enumerate() {
                    let y = top + PAD + k as f32 * lh + TABLE * 1.05;
                    me.ops().push(Op::Text { x: x + PAD, y, size: TABLE, text: line.clone() });
                }
                me.ops().push(Op::Line { x1: x, y1: top, x2: x, y2: top + h });
                x += widths[i];
            }
            me.ops().push(Op::Line { x1: x, y1: top, x2: x, y2: top + h });
            me.ops().push(Op::Line { x1: MARGIN, y1: top, x2: MARGIN + width, y2: top });
            me.ops().push(Op::Line { x1: MARGIN, y1: top + h, x2: MARGIN + width, y2: top + h });
            me.y += h;
            h
        };
        let row_height = |me: &Self, cells: &[String]| {
            let lines = (0..n)
                .map(|i| me.m.wrap(cells.get(i).map_or("", String::as_str), TABLE, widths[i] - 2.0 * PAD).len())
                .max()
                .unwrap_or(1);
            lines as f32 * TABLE * 1.45 + 2.0 * PAD
        };
        self.room(row_height(self, header) + row_height(self, rows.first().map_or(&[][..], Vec::as_slice)));
        draw_row(self, header, true);
        for r in rows {
            if self.room(row_height(self, r)) {
                // The header again at the top of the new page.
                draw_row(self, header, true);
            }
            draw_row(self, r, false);
        }
        self.y += BODY;
    }

    fn signatures(&mut self, names: &[String], labels: &[String; 3]) {
        let width = PAGE_W - 2.0 * MARGIN;
        let column = width / 3.0;
        for name in names {
            self.room(BODY * 3.2);
            let base = self.y + BODY * 2.2;
            for (i, label) in labels.iter().enumerate() {
                let x = MARGIN + i as f32 * column;
                let text = label.clone();
                let lw = self.m.width(&text, BODY);
                self.ops().push(Op::Text { x, y: base, size: BODY, text });
                if i == 0 && !name.is_empty() {
                    self.ops().push(Op::Text { x: x + lw, y: base, size: BODY, text: name.clone() });
                }
                self.ops().push(Op::Line { x1: x + lw, y1: base + 3.0, x2: x + column - 12.0, y2: base + 3.0 });
            }
            self.y += BODY * 3.2;
        }
    }
}

fn lay_out(d: &Dossier, m: Measure<'_>) -> Vec<Vec<Op>> {
    let mut l = Layout { m, pages: vec![Vec::new()], y: MARGIN };
    for (i, block) in d.blocks.iter().enumerate() {
        match block {
            Block::Title(s) => l.text(s, TITLE, true, 4.0),
            Block::Subtitle(s) => l.text(s, BODY, true, BODY),
            Block::Heading(s) => {
                // A heading is not left alone at the foot of a page, nor
                // separated from the signature lines that follow it.
                let next = match d.blocks.get(i + 1) {
                    Some(Block::Signatures { names, .. }) => names.len() as f32 * BODY * 3.2,
                    _ => 90.0,
                };
                l.room(HEADING * 1.6 + next);
                l.y += HEADING * 0.4;
                l.text(s, HEADING, false, 2.0);
            }
            Block::Paragraph(s) => l.text(s, BODY, false, BODY * 0.5),
            Block::Table { header, rows } => l.table(header, rows),
            Block::Signatures { names, labels } => l.signatures(names, labels),
        }
    }
    l.pages
}

/// Renders the document as PDF bytes with `font`.
pub fn render(d: &Dossier, font: &FontFile) -> Result<Vec<u8>, DossierError> {
    let face = skrifa::FontRef::from_index(font.data.as_slice(), font.index)
        .map_err(|e| DossierError::Font(format!("{}: {e}", font.path.display())))?;
    let pages = lay_out(d, Measure { font: face });
    let pdf_font = Font::new(krilla::Data::from(font.data.clone()), font.index)
        .ok_or_else(|| DossierError::Font(format!("{}: not a font krilla can embed", font.path.display())))?;
    let mut doc = Document::new();
    doc.set_metadata(Metadata::new().title(d.title.clone()));
    let total = pages.len();
    for (n, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| DossierError::Pdf("page size".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Shade { x, y, w, h } => {
                    let mut p = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        p.push_rect(r);
                    }
                    if let Some(path) = p.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill { paint: luma::Color::new(235).into(), ..Fill::default() }));
                        surface.draw_path(&path);
                    }
                }
                Op::Line { x1, y1, x2, y2 } => {
                    let mut p = PathBuilder::new();
                    p.move_to(*x1, *y1);
                    p.line_to(*x2, *y2);
                    if let Some(path) = p.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { width: 0.5, ..Stroke::default() }));
                        surface.draw_path(&path);
                    }
                }
                Op::Text { x, y, size, text } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill::default()));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        pdf_font.clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
            }
        }
        // The page number, centred at the foot.
        let foot = format!("{} / {total}", n + 1);
        surface.set_fill(Some(Fill::default()));
        surface.draw_text(
            Point::from_xy(PAGE_W / 2.0 - 12.0, PAGE_H - MARGIN / 2.0),
            pdf_font.clone(),
            8.0,
            &foot,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| DossierError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_break_between_chinese_characters_and_at_spaces() {
        assert_eq!(tokens("评标 report v1.0"), ["评", "标", " ", "report", " ", "v1.0"]);
        assert_eq!(tokens("投标人A公司"), ["投", "标", "人", "A", "公", "司"]);
        assert!(tokens("").is_empty());
    }
}
