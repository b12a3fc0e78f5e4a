//! Inline SVG bar charts with interval whiskers. Hand-written because the
//! charting crates need font files to lay out text, and a report must render
//! the same everywhere with no external file.

use std::fmt::Write;

/// One bar: a label, a value in [0, 1] and its interval.
pub struct Bar<'a> {
    pub label: &'a str,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Horizontal bars, 0–100%, with a whisker for the interval and an optional gate line.
pub fn bar_chart(title: &str, bars: &[Bar<'_>], gate: Option<f64>) -> String {
    let (left, width, row, top) = (170.0, 420.0, 30.0, 34.0);
    let height = top + row * bars.len() as f64 + 28.0;
    let x = |v: f64| left + width * v.clamp(0.0, 1.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg role="img" viewBox="0 0 {w} {height}" width="{w}" height="{height}" font-family="sans-serif" font-size="12"><title>{t}</title><text x="4" y="16" font-weight="bold">{t}</text>"#,
        w = left + width + 70.0,
        t = escape(title)
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            r##"<line x1="{x}" y1="{y0}" x2="{x}" y2="{y1}" stroke="#ddd"/><text x="{x}" y="{ty}" text-anchor="middle" fill="#555">{p}%</text>"##,
            x = x(tick),
            y0 = top - 6.0,
            y1 = height - 22.0,
            ty = height - 8.0,
            p = tick * 100.0
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect x="{left}" y="{y}" width="{bw:.2}" height="18" fill="#4a78b5"><title>{label}: {v:.1}% ({lo:.1}–{hi:.1}%)</title></rect><line x1="{xl:.2}" y1="{wy}" x2="{xh:.2}" y2="{wy}" stroke="#222" stroke-width="1.5"/><line x1="{xl:.2}" y1="{wy0}" x2="{xl:.2}" y2="{wy1}" stroke="#222"/><line x1="{xh:.2}" y1="{wy0}" x2="{xh:.2}" y2="{wy1}" stroke="#222"/><text x="{vx:.2}" y="{ty}" fill="#222">{v:.1}%</text>"##,
            lx = left - 8.0,
            ty = y + 13.0,
            label = escape(b.label),
            bw = width * b.value.clamp(0.0, 1.0),
            v = b.value * 100.0,
            lo = b.low * 100.0,
            hi = b.high * 100.0,
            xl = x(b.low),
            xh = x(b.high),
            wy = y + 9.0,
            wy0 = y + 4.0,
            wy1 = y + 14.0,
            vx = x(b.high) + 6.0,
        );
    }
    if let Some(g) = gate {
        let _ = write!(
            s,
            r##"<line x1="{gx}" y1="{y0}" x2="{gx}" y2="{y1}" stroke="#c0392b" stroke-dasharray="4 3" stroke-width="1.5"><title>gate {p}%</title></line>"##,
            gx = x(g),
            y0 = top - 8.0,
            y1 = height - 22.0,
            p = g * 100.0
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_whiskers_drawn() {
        let svg = bar_chart("<b>", &[Bar { label: "A&B <x>", value: 0.5, low: 0.4, high: 0.6 }], Some(0.6));
        assert!(svg.contains("A&amp;B &lt;x&gt;"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("stroke-dasharray"), "gate line");
        assert_eq!(svg.matches("<rect").count(), 1);
    }
}
