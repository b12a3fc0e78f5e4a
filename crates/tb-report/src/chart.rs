//! The report's charts, drawn with plotters' SVG backend into strings that
//! the HTML inlines. Plotters lays text out with its built-in estimate (no
//! font files), so a report renders the same everywhere; every label is
//! given room for that estimate. Every number a chart shows is also in
//! `report.json`.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;

/// One bar: a label, a value in [0, 1] and its interval.
pub struct Bar<'a> {
    pub label: &'a str,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// One vendor's line in a multi-series chart.
pub struct Series<'a> {
    pub label: &'a str,
    pub points: Vec<(f64, f64)>,
}

const FONT: &str = "sans-serif";
const WIDTH: u32 = 660;
/// Distinguishable on screen and in greyscale print (Okabe–Ito).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
    RGBColor(240, 228, 66),
];

pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn failed(e: impl std::fmt::Display) -> ReportError {
    ReportError::Render(format!("chart: {e}"))
}

/// Draws into a fresh SVG of the given height and returns its text, with a
/// `<title>` for screen readers.
fn svg(
    title: &str,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ReportError>,
) -> Result<String, ReportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        draw(&root)?;
        root.present().map_err(failed)?;
    }
    // Inline SVG needs no namespace, and a report names no URL at all.
    let out = out.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    let title = format!("<title>{}</title>", escape(title));
    Ok(match out.find('>') {
        Some(end) => format!("{}{title}{}", &out[..=end], &out[end + 1..]).replacen("<svg ", "<svg role=\"img\" ", 1),
        None => out,
    })
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Room for the longest label under plotters' estimate (0.7 em a byte).
fn label_room(labels: impl Iterator<Item = usize>, font_px: f64) -> u32 {
    let widest = labels.max().unwrap_or(4) as f64;
    (widest * font_px * 0.7 / 1.24 / 1.24 + 16.0).clamp(40.0, 240.0) as u32
}

/// Horizontal bars, 0–100%, a whisker for each interval and a dashed gate line.
pub fn bar_chart(title: &str, bars: &[Bar<'_>], gate: Option<f64>) -> Result<String, ReportError> {
    // A bar is never squashed to a line: a chart of one is as tall as a chart of three.
    let height = 70 + 34 * bars.len().max(3) as u32;
    svg(title, height, |root| {
        let n = bars.len().max(1);
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 16))
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(label_room(bars.iter().map(|b| b.label.len()), 16.0))
            .build_cartesian_2d(0f64..1.12f64, (0..n).into_segmented())
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(6)
            .x_label_formatter(&|x| if *x <= 1.0 { format!("{:.0}%", x * 100.0) } else { String::new() })
            .y_label_formatter(&|y| match y {
                // The first bar at the top.
                SegmentValue::CenterOf(i) => {
                    n.checked_sub(1 + *i).and_then(|j| bars.get(j)).map_or(String::new(), |b| b.label.to_string())
                }
                _ => String::new(),
            })
            .draw()
            .map_err(failed)?;
        let style = (FONT, 13).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        for (k, b) in bars.iter().enumerate() {
            let i = n - 1 - k;
            let centre = || SegmentValue::CenterOf(i);
            let mut bar = Rectangle::new(
                [(0.0, SegmentValue::Exact(i)), (b.value.clamp(0.0, 1.0), SegmentValue::Exact(i + 1))],
                colour(k).filled(),
            );
            bar.set_margin(6, 6, 0, 0);
            chart.draw_series([bar]).map_err(failed)?;
            let whisker = BLACK.stroke_width(2);
            let cap = |x: f64| EmptyElement::at((x, centre())) + PathElement::new(vec![(0, -6), (0, 6)], whisker);
            chart
                .draw_series([PathElement::new(vec![(b.low, centre()), (b.high, centre())], whisker)])
                .map_err(failed)?;
            chart.draw_series([cap(b.low), cap(b.high)]).map_err(failed)?;
            chart
                .draw_series([EmptyElement::at((b.high.min(1.0), centre()))
                    + Text::new(format!("{:.1}%", b.value * 100.0), (8, 0), style.clone())])
                .map_err(failed)?;
        }
        if let Some(g) = gate {
            chart
                .draw_series(DashedLineSeries::new(
                    [(g, SegmentValue::Exact(0)), (g, SegmentValue::Exact(n))],
                    6,
                    4,
                    RGBColor(192, 57, 43).stroke_width(2),
                ))
                .map_err(failed)?;
        }
        Ok(())
    })
}

/// A radar (profile) chart: one axis per criterion, 0–100% from the centre,
/// one closed line per vendor.
pub fn radar_chart(title: &str, axes: &[&str], vendors: &[(&str, Vec<f64>)]) -> Result<String, ReportError> {
    let legend_rows = vendors.len().div_ceil(3) as u32;
    let height = 440 + 20 * legend_rows;
    svg(title, height, |root| {
        let font = |size: u32| (FONT, size).into_font().color(&BLACK);
        root.draw(&Text::new(title.to_string(), (10, 8), font(16))).map_err(failed)?;
        let (cx, cy, radius) = (WIDTH as f64 / 2.0, 230.0, 150.0);
        let k = axes.len().max(3);
        let point = |axis: usize, r: f64| {
            let angle = std::f64::consts::TAU * axis as f64 / k as f64 - std::f64::consts::FRAC_PI_2;
            ((cx + radius * r * angle.cos()).round() as i32, (cy + radius * r * angle.sin()).round() as i32)
        };
        let grid = RGBColor(210, 210, 210);
        for ring in [0.25, 0.5, 0.75, 1.0] {
            let mut ring_points: Vec<_> = (0..k).map(|a| point(a, ring)).collect();
            ring_points.push(point(0, ring));
            root.draw(&PathElement::new(ring_points, grid)).map_err(failed)?;
        }
        root.draw(&Text::new("100%", point(0, 1.0), font(11).pos(Pos::new(HPos::Left, VPos::Bottom))))
            .map_err(failed)?;
        for (a, label) in axes.iter().enumerate() {
            root.draw(&PathElement::new(vec![point(a, 0.0), point(a, 1.0)], grid)).map_err(failed)?;
            let (x, y) = point(a, 1.12);
            let h = if x < cx as i32 - 5 {
                HPos::Right
            } else if x > cx as i32 + 5 {
                HPos::Left
            } else {
                HPos::Center
            };
            root.draw(&Text::new(label.to_string(), (x, y), font(13).pos(Pos::new(h, VPos::Center))))
                .map_err(failed)?;
        }
        for (i, (_, values)) in vendors.iter().enumerate() {
            let c = colour(i);
            let mut line: Vec<_> =
                (0..k).map(|a| point(a, values.get(a).copied().unwrap_or(0.0).clamp(0.0, 1.0))).collect();
            root.draw(&Polygon::new(line.clone(), c.mix(0.12).filled())).map_err(failed)?;
            line.push(line[0]);
            root.draw(&PathElement::new(line, c.stroke_width(2))).map_err(failed)?;
        }
        legend(root, vendors.iter().map(|(n, _)| *n), 420)
    })
}

/// A row of coloured keys with the vendors' names, three a line.
fn legend<'a>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    names: impl Iterator<Item = &'a str>,
    top: i32,
) -> Result<(), ReportError> {
    for (i, name) in names.enumerate() {
        let (x, y) = (20 + 210 * (i % 3) as i32, top + 20 * (i / 3) as i32);
        root.draw(&Rectangle::new([(x, y), (x + 14, y + 10)], colour(i).filled())).map_err(failed)?;
        root.draw(&Text::new(
            name.to_string(),
            (x + 20, y + 5),
            (FONT, 13).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(failed)?;
    }
    Ok(())
}

/// One cell of the significance matrix.
pub struct MatrixCell {
    /// Holm-adjusted p of the total difference; None: not compared.
    pub p: Option<f64>,
    /// Row vendor's total minus column vendor's.
    pub difference: Option<f64>,
}

/// The pairwise significance matrix: green where the row vendor is
/// significantly ahead, red where behind, grey where statistically tied.
pub fn significance_matrix(
    title: &str,
    names: &[&str],
    cells: &dyn Fn(usize, usize) -> MatrixCell,
    level: f64,
) -> Result<String, ReportError> {
    let n = names.len();
    let label_w = label_room(names.iter().map(|s| s.len()), 13.0) as i32;
    let size = ((WIDTH as i32 - label_w - 30) / n.max(1) as i32).min(90);
    let height = 60 + size as u32 * n as u32 + 40;
    svg(title, height, |root| {
        let font = |px: u32| (FONT, px).into_font().color(&BLACK);
        root.draw(&Text::new(title.to_string(), (10, 8), font(16))).map_err(failed)?;
        let (left, top) = (label_w + 10, 60);
        for (j, name) in names.iter().enumerate() {
            let x = left + size * j as i32 + size / 2;
            root.draw(&Text::new(name.to_string(), (x, top - 8), font(13).pos(Pos::new(HPos::Center, VPos::Bottom))))
                .map_err(failed)?;
        }
        for (i, row) in names.iter().enumerate() {
            let y = top + size * i as i32;
            root.draw(&Text::new(
                row.to_string(),
                (left - 8, y + size / 2),
                font(13).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(failed)?;
            for j in 0..n {
                let x = left + size * j as i32;
                let cell = if i == j { MatrixCell { p: None, difference: None } } else { cells(i, j) };
                let fill = match (cell.p, cell.difference) {
                    (Some(p), Some(d)) if p < level && d > 0.0 => RGBColor(170, 220, 180),
                    (Some(p), Some(d)) if p < level && d < 0.0 => RGBColor(240, 180, 170),
                    (Some(_), _) => RGBColor(225, 225, 225),
                    _ => WHITE,
                };
                root.draw(&Rectangle::new([(x, y), (x + size, y + size)], fill.filled())).map_err(failed)?;
                root.draw(&Rectangle::new([(x, y), (x + size, y + size)], RGBColor(160, 160, 160))).map_err(failed)?;
                let text = match (cell.p, cell.difference) {
                    (Some(p), Some(d)) => format!("{d:+.1} p={p:.2}"),
                    _ if i == j => "—".to_string(),
                    _ => String::new(),
                };
                root.draw(&Text::new(
                    text,
                    (x + size / 2, y + size / 2),
                    font(11).pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(failed)?;
            }
        }
        Ok(())
    })
}

/// Step lines of cumulative distributions (e.g. latency), x from 0.
pub fn cdf_chart(title: &str, x_label: &str, series: &[Series<'_>]) -> Result<String, ReportError> {
    let steps: Vec<Series<'_>> = series
        .iter()
        .map(|s| {
            let mut points = Vec::with_capacity(s.points.len() * 2);
            let mut last = 0.0;
            for &(x, y) in &s.points {
                points.push((x, last));
                points.push((x, y));
                last = y;
            }
            Series { label: s.label, points }
        })
        .collect();
    let axes = Axes { x_label, y_label: None, x_pad: 1.05, y_max: 1.0, y_format: &|y| format!("{:.0}%", y * 100.0) };
    series_chart(title, &axes, &steps, false)
}

/// Lines with marked points, one per vendor (e.g. throughput against load), axes from 0.
pub fn line_chart(title: &str, x_label: &str, y_label: &str, series: &[Series<'_>]) -> Result<String, ReportError> {
    let y_max = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(1.0, f64::max) * 1.15;
    let axes = Axes { x_label, y_label: Some(y_label), x_pad: 1.1, y_max, y_format: &|y| format!("{y:.0}") };
    series_chart(title, &axes, series, true)
}

/// The axes of a chart of several series.
struct Axes<'a> {
    x_label: &'a str,
    /// Named on the axis, with room for it; none for a share in percent.
    y_label: Option<&'a str>,
    /// The x axis runs to the largest x times this.
    x_pad: f64,
    y_max: f64,
    y_format: &'a dyn Fn(&f64) -> String,
}

/// One line per series, axes from 0, a legend below.
fn series_chart(title: &str, axes: &Axes<'_>, series: &[Series<'_>], marks: bool) -> Result<String, ReportError> {
    let x_max = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).fold(1.0, f64::max) * axes.x_pad;
    let legend_rows = series.len().div_ceil(3) as u32;
    svg(title, 340 + 20 * legend_rows, |root| {
        let (plot, keys) = root.split_vertically(330);
        let mut builder = ChartBuilder::on(&plot);
        builder.caption(title, (FONT, 16)).margin(10).x_label_area_size(40);
        // The last x tick may sit on the plot's right edge, centred: room for
        // half of it (plotters' 12 px label font is drawn at 12/1.24 px).
        let x_digits = format!("{x_max:.0}").len() as f64;
        let tick_half = (x_digits * 0.6 * 12.0 / 1.24 / 2.0 + 4.0).ceil() as u32;
        if axes.y_label.is_some() {
            builder.margin_right(tick_half.max(30)).y_label_area_size(60);
        } else {
            builder.margin_right(tick_half.max(10)).y_label_area_size(50);
        }
        let mut chart = builder.build_cartesian_2d(0f64..x_max, 0f64..axes.y_max).map_err(failed)?;
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(TRANSPARENT)
            .x_desc(axes.x_label)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(axes.y_format);
        if let Some(y) = axes.y_label {
            mesh.y_desc(y);
        }
        mesh.draw().map_err(failed)?;
        for (i, s) in series.iter().enumerate() {
            chart.draw_series(LineSeries::new(s.points.clone(), colour(i).stroke_width(2))).map_err(failed)?;
            if marks {
                chart
                    .draw_series(s.points.iter().map(|&(x, y)| Circle::new((x, y), 4, colour(i).filled())))
                    .map_err(failed)?;
            }
        }
        legend(&keys, series.iter().map(|s| s.label), 2)
    })
}

/// One labelled point per vendor: x against y.
pub fn scatter_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(&str, f64, f64)],
) -> Result<String, ReportError> {
    let (x_lo, x_hi) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (y_lo, y_hi) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.2), hi.max(p.2)));
    let pad = |lo: f64, hi: f64| {
        let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
        ((lo - 0.15 * span).max(0.0), hi + 0.25 * span)
    };
    let (x0, x1) = if points.is_empty() { (0.0, 1.0) } else { pad(x_lo, x_hi) };
    let (y0, y1) = if points.is_empty() { (0.0, 100.0) } else { pad(y_lo, y_hi) };
    svg(title, 360, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 16))
            .margin(10)
            .margin_right(40)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1.min(110.0))
            .map_err(failed)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc(x_label)
            .y_desc(y_label)
            .x_label_formatter(&|x| if x.abs() >= 100.0 { format!("{x:.0}") } else { format!("{x:.2}") })
            .y_label_formatter(&|y| format!("{y:.1}"))
            .draw()
            .map_err(failed)?;
        for (i, (name, x, y)) in points.iter().enumerate() {
            chart.draw_series([Circle::new((*x, *y), 6, colour(i).filled())]).map_err(failed)?;
            chart
                .draw_series([Text::new(
                    name.to_string(),
                    (*x, *y),
                    (FONT, 13).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Bottom)),
                )])
                .map_err(failed)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(svg: &str, tag: &str) -> usize {
        svg.matches(&format!("<{tag}")).count()
    }

    #[test]
    fn bars_escape_names_and_draw_whiskers_and_the_gate() {
        let svg = bar_chart("<b>", &[Bar { label: "A&B <x>", value: 0.5, low: 0.4, high: 0.6 }], Some(0.6)).unwrap();
        assert!(svg.contains("A&amp;B &lt;x&gt;"), "{svg}");
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("<title>&lt;b&gt;</title>") && svg.contains("role=\"img\""));
        assert!(!svg.contains("http"), "no URL, not even the namespace");
        assert!(svg.contains("50.0%"));
        assert!(marks(&svg, "polyline") >= 4, "three whisker strokes and the gate: {svg}");
    }

    #[test]
    fn radar_draws_one_closed_line_per_vendor() {
        let svg = radar_chart(
            "profile",
            &["知识", "安全", "代码"],
            &[("甲", vec![0.9, 0.5, 0.7]), ("乙", vec![0.4, 1.0, 0.2])],
        )
        .unwrap();
        assert_eq!(marks(&svg, "polygon"), 2, "{svg}");
        for label in ["知识", "安全", "代码", "甲", "乙", "100%"] {
            assert!(svg.contains(label), "{label}");
        }
    }

    #[test]
    fn the_matrix_colours_by_significance_and_direction() {
        let cells = |i: usize, j: usize| MatrixCell {
            p: Some(if i + j == 1 { 0.01 } else { 0.5 }),
            difference: Some(if i < j { 3.0 } else { -3.0 }),
        };
        let svg = significance_matrix("m", &["A", "B", "C"], &cells, 0.05).unwrap();
        assert!(svg.contains("+3.0 p=0.01") && svg.contains("-3.0 p=0.50"), "{svg}");
        assert!(svg.contains("#AADCB4") && svg.contains("#F0B4AA") && svg.contains("#E1E1E1"), "{svg}");
    }

    #[test]
    fn cdf_and_scatter_have_their_points() {
        let s = Series { label: "A", points: vec![(10.0, 0.5), (20.0, 1.0)] };
        let svg = cdf_chart("latency", "ms", &[s]).unwrap();
        assert!(marks(&svg, "polyline") >= 1 && svg.contains("\nA\n</text>"), "{svg}");
        let svg = scatter_chart("cost", "cost", "total", &[("A", 1.0, 80.0), ("B", 2.0, 90.0)]).unwrap();
        assert_eq!(marks(&svg, "circle"), 2, "{svg}");
        let s = Series { label: "B", points: vec![(4.0, 40.0), (16.0, 150.0), (64.0, 160.0)] };
        let svg = line_chart("throughput", "in flight", "answers/s", &[s]).unwrap();
        assert!(marks(&svg, "polyline") >= 1 && marks(&svg, "circle") == 3, "{svg}");
    }

    /// The last tick of the x axis is centred on the plot's right edge: the
    /// margin leaves room for half of it, however many digits it has
    /// (a latency of 50 s is "50000" ms). Checked with a generous estimate
    /// of a digit's width (0.6 em), as a browser draws it.
    #[test]
    fn x_tick_labels_stay_inside_the_chart() {
        // Each padded by 1.05 to just past a round tick, which lands at the very edge.
        for x_max in [
            10.1 / 1.05,
            1001.0 / 1.05,
            50_050.0 / 1.05,
            50_200.0 / 1.05,
            50_400.0 / 1.05,
            100_100.0 / 1.05,
            2_002_000.0 / 1.05,
        ] {
            let s = Series { label: "v", points: vec![(x_max / 10.0, 0.5), (x_max, 1.0)] };
            let svg = cdf_chart("latency", "ms", &[s]).unwrap();
            for text in svg.split("<text ").skip(1) {
                let tag = &text[..text.find('>').unwrap()];
                let attr = |name: &str| -> Option<f64> {
                    let padded = format!(" {tag}");
                    let rest = &padded[padded.find(&format!(" {name}=\""))? + name.len() + 3..];
                    rest[..rest.find('"')?].parse().ok()
                };
                let body = text[text.find('>').unwrap() + 1..text.find("</text>").unwrap()].trim();
                if !tag.contains("text-anchor=\"middle\"")
                    || body.is_empty()
                    || !body.chars().all(|c| c.is_ascii_digit())
                {
                    continue;
                }
                let (x, size) = (attr("x").unwrap(), attr("font-size").unwrap());
                let right = x + body.len() as f64 * 0.6 * size / 2.0;
                assert!(right <= WIDTH as f64, "x_max {x_max}: tick {body} ends at {right:.1} of {WIDTH}");
            }
        }
    }
}
