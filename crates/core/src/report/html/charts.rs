//! The page's charts: rows of a report turned into inline SVG by `charts-rs`
//! (its own font metrics, so no system font is read and none is linked).
//!
//! Invariants: every chart is an `<svg>` with a viewBox, whatever the rows
//! (an empty report gives a chart that says so); the same rows give the same
//! bytes; labels are escaped by the chart crate.

use charts_rs::{BarChart, Color, HorizontalBarChart, LineChart, Series, TreemapChart};
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

/// Horizontal bars, largest at the top, for a category count.
pub fn bars(title: &str, series: &str, data: &[(String, f32)]) -> String {
    // The chart draws its first category at the bottom.
    let labels: Vec<String> = data.iter().rev().map(|(l, _)| l.clone()).collect();
    let values: Vec<f32> = data.iter().rev().map(|(_, v)| *v).collect();
    let mut s = Series::new(series.into(), values);
    s.label_show = true;
    let mut c = HorizontalBarChart::new(vec![s], labels);
    c.width = W;
    c.height = 80.0 + 26.0 * data.len().max(1) as f32;
    c.title.text = title.into();
    c.legend.show = Some(false);
    c.svg().unwrap_or_else(|e| failed(title, &e.to_string()))
}

/// Vertical bars over ordered buckets (a histogram).
pub fn histogram(title: &str, series: &str, data: &[(String, f32)]) -> String {
    let labels: Vec<String> = data.iter().map(|(l, _)| l.clone()).collect();
    let values: Vec<f32> = data.iter().map(|(_, v)| *v).collect();
    let mut c = BarChart::new(vec![Series::new(series.into(), values)], labels);
    c.width = W;
    c.height = 320.0;
    c.title.text = title.into();
    c.legend.show = Some(false);
    c.x_axis.font.size = 10.0;
    c.svg().unwrap_or_else(|e| failed(title, &e.to_string()))
}

/// Lines over an ordered x axis (months, days).
pub fn lines(title: &str, x: Vec<String>, series: Vec<(String, Vec<f32>)>) -> String {
    let series = series
        .into_iter()
        .map(|(name, data)| Series::new(name, data))
        .collect();
    let mut c = LineChart::new(series, x);
    c.width = W;
    c.height = 320.0;
    c.title.text = title.into();
    c.svg().unwrap_or_else(|e| failed(title, &e.to_string()))
}

/// A treemap of directories by bytes, each cell coloured by its main codec;
/// returns the SVG and the legend (codec, colour).
pub fn treemap(title: &str, cells: &[(String, f32, String)]) -> (String, Vec<(String, String)>) {
    let mut codecs: Vec<String> = Vec::new();
    let mut series = Vec::new();
    for (name, bytes, codec) in cells.iter().take(MAX_CELLS) {
        let i = codecs.iter().position(|c| c == codec).unwrap_or_else(|| {
            codecs.push(codec.clone());
            codecs.len() - 1
        });
        let mut s = Series::new(name.clone(), vec![*bytes]);
        s.index = Some(i % PALETTE.len());
        series.push(s);
    }
    let mut c = TreemapChart::new(series);
    c.width = W;
    c.height = 400.0;
    c.title.text = title.into();
    c.legend.show = Some(false);
    c.series.colors = PALETTE.iter().map(|p| Color::from(*p)).collect();
    let svg = c.svg().unwrap_or_else(|e| failed(title, &e.to_string()));
    let legend = codecs
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, PALETTE[i % PALETTE.len()].to_string()))
        .collect();
    (svg, legend)
}

/// A chart that could not be drawn still takes its place, saying why.
fn failed(title: &str, why: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<svg viewBox=\"0 0 640 60\" xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"30\">{}: {}</text></svg>",
        esc(title),
        esc(why)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(histogram("Sizes", "files", &data).starts_with("<svg"));
        assert!(lines("Growth", vec![], vec![]).starts_with("<svg"));
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
