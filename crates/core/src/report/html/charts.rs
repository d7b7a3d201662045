//! The page's charts: rows of a report turned into inline SVG by `charts-rs`
//! (its own font metrics, so no system font is read and none is linked).
//!
//! Invariants: every chart is an `<svg>` with a viewBox, whatever the rows
//! (an empty report gives a chart that says so); the same rows give the same
//! bytes; labels are escaped by the chart crate and never cut: the chart
//! crate measures them in its own font, and the browser draws them in
//! another (`font-family` falls back), so labels get room for a font a
//! third wider; a line needs two points, so one point is a bar.

use charts_rs::{
    Color, HorizontalBarChart, LineChart, Series, TreemapChart, measure_text_width_family,
};
use serde_json::Value;

use crate::report::Rows;

/// Width and height of a chart in SVG units; CSS scales it to the screen.
const W: f32 = 640.0;
/// Bars a categorical chart shows at most; the rest are one "other" bar.
const MAX_BARS: usize = 12;
/// Directories the treemap shows at most.
const MAX_CELLS: usize = 30;

/// The palette the codec colours of the treemap come from (the chart
/// crate's default theme's, so legends and cells agree).
const PALETTE: &[&str] = &[
    "#5470C6", "#91CC75", "#FAC858", "#EE6666", "#73C0DE", "#3BA272", "#FC8452", "#9A60B4",
    "#EA7CCC",
];

fn f(v: &Value) -> f32 {
    v.as_f64().unwrap_or(0.0) as f32
}

/// A category label: text as is, numbers short, NULL as `empty`.
fn label(v: &Value, empty: &str) -> String {
    match v {
        Value::Null => empty.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let s = format!("{:.3}", n.as_f64().unwrap_or(0.0));
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        other => other.to_string(),
    }
}

/// `(label, value)` pairs of `rows`, the first [`MAX_BARS`] - 1 kept and the
/// rest summed into "other".
pub fn pairs(rows: &Rows, key: &str, value: &str, empty: &str) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = (0..rows.rows.len())
        .map(|i| (label(rows.get(i, key), empty), f(rows.get(i, value))))
        .collect();
    if out.len() > MAX_BARS {
        let rest: f32 = out[MAX_BARS - 1..].iter().map(|(_, v)| v).sum();
        out.truncate(MAX_BARS - 1);
        out.push((format!("{} more", rows.rows.len() - (MAX_BARS - 1)), rest));
    }
    out
}

/// How much wider than the chart crate's own font a browser's fallback
/// font may draw a label (DejaVu Sans against Roboto: about 15%).
const FONT_SLACK: f32 = 0.35;

/// Width the chart crate gives the widest of `labels` at `size`.
fn widest(labels: &[String], size: f32) -> f32 {
    labels
        .iter()
        .filter_map(|l| measure_text_width_family("Roboto", size, l).ok())
        .map(|b| b.width())
        .fold(0.0, f32::max)
}

/// Horizontal bars, largest at the top, for a category count (or buckets
/// in order, the first at the top). No data, or only zeros: a chart that
/// says "None".
pub fn bars(title: &str, series: &str, data: &[(String, f32)]) -> String {
    if data.iter().all(|(_, v)| *v == 0.0) {
        return none(title);
    }
    // The chart draws its first category at the bottom.
    let labels: Vec<String> = data.iter().rev().map(|(l, _)| l.clone()).collect();
    let values: Vec<f32> = data.iter().rev().map(|(_, v)| *v).collect();
    let value_labels: Vec<String> = values.iter().map(|v| short(*v)).collect();
    let mut s = Series::new(series.into(), values);
    s.label_show = true;
    let mut c = HorizontalBarChart::new(vec![s], labels);
    c.width = W;
    c.height = 80.0 + 26.0 * data.len().max(1) as f32;
    c.title.text = title.into();
    c.legend.show = Some(false);
    // Room left of the axis for labels drawn wider than measured, and right
    // of it for the value written past the longest bar.
    c.margin.left += widest(&c.x_axis.data, c.x_axis.font.size) * FONT_SLACK;
    c.margin.right += widest(&value_labels, 14.0) * (1.0 + FONT_SLACK) + 8.0;
    if let Some((max, split)) = count_axis(&data.iter().map(|d| d.1).collect::<Vec<_>>())
        && let Some(axis) = c.y_axis_configs.first_mut()
    {
        axis.min = Some(0.0);
        axis.max = Some(max);
        axis.split_number = split;
    }
    match c.svg() {
        Ok(svg) => end_at_axis(&svg),
        Err(e) => failed(title, &e.to_string()),
    }
}

/// For counts (whole numbers): an axis from 0 in whole steps of 1, 2 or 5
/// times a power of ten, at most six of them, so that no tick reads 0.2 of
/// a file; None for other values.
fn count_axis(values: &[f32]) -> Option<(f32, usize)> {
    let top = values.iter().copied().fold(0.0, f32::max);
    if top <= 0.0 || values.iter().any(|v| v.fract() != 0.0) {
        return None;
    }
    let mut step = 1.0_f32;
    loop {
        for k in [1.0, 2.0, 5.0] {
            let splits = (top / (step * k)).ceil().max(1.0);
            if splits <= 6.0 {
                return Some((splits * step * k, splits as usize));
            }
        }
        step *= 10.0;
    }
}

/// The category labels of a horizontal bar chart, ended at the axis instead
/// of started where the crate's font would end them there: in a wider font
/// a label started there runs under its bar. The axis is the first vertical
/// line; a label is a `<text>` left of it, beside it (the title is above),
/// without the `dx` of a value label.
fn end_at_axis(svg: &str) -> String {
    let attr = |tag: &str, name: &str| -> Option<f32> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[at..].split('"').next()?.parse().ok()
    };
    let axis = svg.match_indices("<line ").find_map(|(i, _)| {
        let tag = &svg[i..i + svg[i..].find("/>")?];
        let (x1, x2) = (attr(tag, "x1")?, attr(tag, "x2")?);
        (x1 == x2).then_some((x1, attr(tag, "y1")?, attr(tag, "y2")?))
    });
    let Some((axis_x, top, bottom)) = axis else {
        return svg.to_string();
    };
    let mut out = String::with_capacity(svg.len() + 512);
    let mut rest = svg;
    while let Some(i) = rest.find("<text ") {
        let end = i + rest[i..].find('>').unwrap_or(0);
        let tag = &rest[i..end];
        out.push_str(&rest[..i]);
        let label = !tag.contains(" dx=")
            && attr(tag, "x").is_some_and(|x| x < axis_x - 1.0)
            && attr(tag, "y").is_some_and(|y| y > top && y < bottom);
        match tag.find(" x=\"").filter(|_| label) {
            Some(at) => {
                let close = at + 4 + tag[at + 4..].find('"').unwrap_or(0);
                out.push_str(&tag[..at]);
                out.push_str(&format!(" x=\"{}\" text-anchor=\"end\"", axis_x - 5.0));
                out.push_str(&tag[close + 1..]);
            }
            None => out.push_str(tag),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A number as the chart crate writes a bar's value.
fn short(v: f32) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Lines over an ordered x axis (months, days); with one point, bars (a
/// line of one point is a dot).
pub fn lines(title: &str, x: Vec<String>, series: Vec<(String, Vec<f32>)>) -> String {
    if x.len() < 2 {
        let data: Vec<(String, f32)> = series
            .iter()
            .filter_map(|(name, v)| {
                let at = x.first().map(|d| format!("{d} ")).unwrap_or_default();
                Some((format!("{at}{name}"), *v.first()?))
            })
            .collect();
        return bars(title, "value", &data);
    }
    let series = series
        .into_iter()
        .map(|(name, data)| Series::new(name, data))
        .collect();
    let mut c = LineChart::new(series, x);
    c.width = W;
    c.height = 320.0;
    c.title.text = title.into();
    c.margin.left += 12.0;
    c.svg().unwrap_or_else(|e| failed(title, &e.to_string()))
}

/// The unit that writes byte counts up to `max` as numbers of at least two
/// digits (an axis of 0, 0.1, 0.1, 0.2 says nothing): its name and size.
pub fn byte_unit(max: f64) -> (&'static str, f64) {
    const UNITS: [(&str, f64); 5] = [
        ("TiB", 1099511627776.0),
        ("GiB", 1073741824.0),
        ("MiB", 1048576.0),
        ("KiB", 1024.0),
        ("bytes", 1.0),
    ];
    UNITS
        .into_iter()
        .find(|(_, size)| max / size >= 10.0)
        .unwrap_or(("bytes", 1.0))
}

/// Text made safe inside SVG markup.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A chart with nothing to draw says so (not an empty axis from 0 to 1.2).
fn none(title: &str) -> String {
    format!(
        "<svg viewBox=\"0 0 640 90\" xmlns=\"http://www.w3.org/2000/svg\"><text x=\"320\" y=\"24\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\" fill=\"#464646\">{}</text><text x=\"320\" y=\"62\" text-anchor=\"middle\" font-size=\"14\" fill=\"#6E7079\">None</text></svg>",
        esc(title)
    )
}

/// A treemap of directories by bytes, each cell coloured by its main codec
/// and named by its path under the directories' common parent, with its
/// size (hovering shows both); returns the SVG and the legend (codec,
/// colour).
pub fn treemap(title: &str, cells: &[(String, f32, String)]) -> (String, Vec<(String, String)>) {
    let cells = &cells[..cells.len().min(MAX_CELLS)];
    let names = short_names(cells.iter().map(|c| c.0.as_str()));
    let max = cells.iter().map(|c| c.1 as f64).fold(0.0, f64::max);
    let (unit, size) = byte_unit(max);
    let mut codecs: Vec<String> = Vec::new();
    let mut series = Vec::new();
    let mut colors = Vec::new();
    for (k, ((_, bytes, codec), name)) in cells.iter().zip(names).enumerate() {
        let i = codecs.iter().position(|c| c == codec).unwrap_or_else(|| {
            codecs.push(codec.clone());
            codecs.len() - 1
        });
        // The codec's colour, lighter for every other directory of the same
        // codec, so that neighbouring cells tell apart.
        let nth = cells[..k].iter().filter(|c| &c.2 == codec).count();
        colors.push(lighter(
            Color::from(PALETTE[i % PALETTE.len()]),
            [0.0, 0.22, 0.4][nth % 3],
        ));
        let mut s = Series::new(name, vec![(*bytes as f64 / size) as f32]);
        s.index = Some(k);
        series.push(s);
    }
    let mut c = TreemapChart::new(series);
    c.width = W;
    c.height = 400.0;
    c.title.text = title.into();
    c.legend.show = Some(false);
    c.item_gap = 2.0;
    c.tooltip.show = true;
    c.series.label.formatter = format!("{{c}} {unit}");
    c.series.label.font.size = 14.0;
    c.series.colors = colors;
    let svg = c.svg().unwrap_or_else(|e| failed(title, &e.to_string()));
    let legend = codecs
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, PALETTE[i % PALETTE.len()].to_string()))
        .collect();
    (svg, legend)
}

/// `c` mixed with white by `share` (0: itself, 1: white).
fn lighter(c: Color, share: f32) -> Color {
    let mix = |v: u8| (v as f32 + (255.0 - v as f32) * share).round() as u8;
    Color {
        r: mix(c.r),
        g: mix(c.g),
        b: mix(c.b),
        ..c
    }
}

/// Directory paths as they differ: under their common parent (`/srv/films`
/// and `/srv/shows/a` are `films` and `shows/a`); a single directory by its
/// last name.
pub fn short_names<'a>(paths: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
    let split = |p: &'a str| -> Vec<&'a str> { p.split('/').filter(|c| !c.is_empty()).collect() };
    let all: Vec<Vec<&str>> = paths.map(split).collect();
    let common = all.first().map_or(0, |first| {
        (0..first.len())
            .take_while(|&i| all.iter().all(|p| p.get(i) == first.get(i)))
            .count()
    });
    all.iter()
        .map(|p| {
            // Keep at least the last name of each.
            let from = common.min(p.len().saturating_sub(1));
            p[from..].join("/")
        })
        .collect()
}

/// A chart that could not be drawn still takes its place, saying why.
fn failed(title: &str, why: &str) -> String {
    format!(
        "<svg viewBox=\"0 0 640 60\" xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"30\">{}: {}</text></svg>",
        esc(title),
        esc(why)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_whole_ticks() {
        assert_eq!(count_axis(&[1.0, 1.0]), Some((1.0, 1)));
        assert_eq!(count_axis(&[5.0, 2.0]), Some((5.0, 5)));
        assert_eq!(count_axis(&[86.0]), Some((100.0, 5)));
        assert_eq!(count_axis(&[33.0, 23.0]), Some((40.0, 4)));
        assert_eq!(count_axis(&[90.3]), None);
        assert_eq!(count_axis(&[0.0]), None);
    }
    use serde_json::json;

    #[test]
    fn charts_are_svg_even_when_empty_and_repeat_byte_for_byte() {
        let empty = bars("Containers", "files", &[]);
        assert!(
            empty.starts_with("<svg") && empty.contains("viewBox"),
            "{empty}"
        );
        let data = vec![("mkv".to_string(), 3.0), ("a<b".to_string(), 1.0)];
        let a = bars("Containers", "files", &data);
        assert_eq!(a, bars("Containers", "files", &data));
        assert!(a.contains("a&lt;b") && !a.contains("a<b"), "labels escaped");
        let (t, legend) = treemap(
            "Dirs",
            &[
                ("/a".into(), 5.0, "h264".into()),
                ("/b".into(), 3.0, "hevc".into()),
                ("/c".into(), 1.0, "h264".into()),
            ],
        );
        assert!(t.starts_with("<svg"));
        assert_eq!(legend.len(), 2);
        let none = bars("Subtitles", "files", &[]);
        assert!(none.contains(">None<") && !none.contains("1.2"), "{none}");
        assert!(
            lines(
                "Growth",
                vec!["2026-12".into()],
                vec![("added".into(), vec![0.5])]
            )
            .contains("2026-12 added")
        );
        assert!(lines("Growth", vec![], vec![]).starts_with("<svg"));
    }

    #[test]
    fn directories_are_named_under_their_common_parent_and_sizes_in_a_readable_unit() {
        let n = short_names(["/srv/films", "/srv/shows/a", "/srv/shows/b"].into_iter());
        assert_eq!(n, ["films", "shows/a", "shows/b"]);
        assert_eq!(short_names(["/srv/films"].into_iter()), ["films"]);
        assert_eq!(short_names(["/a", "/a/b"].into_iter()), ["a", "b"]);
        assert_eq!(byte_unit(120.0 * 1048576.0).0, "MiB");
        assert_eq!(byte_unit(0.1 * 1073741824.0).0, "MiB");
        assert_eq!(byte_unit(30.0 * 1073741824.0).0, "GiB");
        assert_eq!(byte_unit(5.0).0, "bytes");
        let (svg, _) = treemap("Dirs", &[("/srv/films".into(), 3e9, "h264".into())]);
        assert!(svg.contains("\nfilms\n") && svg.contains(" MiB\n"), "{svg}");
    }

    #[test]
    fn long_category_lists_end_in_one_bar_for_the_rest() {
        let rows = Rows {
            columns: vec!["k".into(), "n".into()],
            rows: (0..20)
                .map(|i| vec![json!(format!("c{i}")), json!(1)])
                .collect(),
        };
        let p = pairs(&rows, "k", "n", "?");
        assert_eq!(p.len(), MAX_BARS);
        assert_eq!(p.last().unwrap(), &("9 more".to_string(), 9.0));
    }
}
