//! The library at a glance: one self-contained HTML page (`index.html` in
//! every export, `report --html FILE`) drawn from the bundled reports run
//! with their defaults: the summary numbers, charts of the distributions, and
//! the problems, suspicious files, duplicates and upgrade candidates as
//! tables that sort by a click on a header.
//!
//! Invariants: the page asks the network for nothing (no scripts, styles,
//! fonts or images from elsewhere: charts are inline SVG, the script and the
//! styles are in the page); it holds nothing that depends on the moment it
//! is written, so the same catalog gives the same bytes; it reads without
//! JavaScript (the script only adds sorting); every chart links to the table
//! it was drawn from; tables are cut at [`tables::MAX_ROWS`] rows so the page
//! stays small, and link to the report that has them all.

pub mod charts;
pub mod tables;

use askama::Template;
use serde_json::Value;

use super::{BUNDLED, ReportError, Rows};
use crate::util::human_bytes;
use tables::{Table, table};

/// The bundled reports the page is made of, all run with their defaults.
pub const INPUTS: &[&str] = &[
    "summary",
    "hosts",
    "scans",
    "containers",
    "video-codecs",
    "audio-codecs",
    "resolutions",
    "hdr",
    "frame-rates",
    "audio-languages",
    "subtitles",
    "growth",
    "history",
    "distributions",
    "density",
    "savings",
    "problems",
    "suspicious",
    "duplicates",
    "similar",
    "quality-tiers",
    "largest",
];

/// The [`INPUTS`] this build bundles (`similar` comes with fingerprints).
pub fn inputs() -> Vec<&'static str> {
    INPUTS
        .iter()
        .copied()
        .filter(|n| BUNDLED.iter().any(|(b, _)| b == n))
        .collect()
}

/// One chart: its SVG and the table it was drawn from.
pub struct Chart {
    pub id: String,
    pub title: String,
    pub svg: String,
    /// The anchor of its table.
    pub table: String,
    /// (label, colour) pairs under the chart, for the treemap.
    pub legend: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "page.html")]
struct Page {
    numbers: Vec<(String, String)>,
    as_of: String,
    charts: Vec<Chart>,
    tables: Vec<Table>,
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// The page from the rows of its inputs, as `get` provides them. `json` is
/// the extension of the report files beside it (an export), or None.
pub fn page_from(
    get: &mut dyn FnMut(&str) -> Result<Rows, ReportError>,
    json: Option<&str>,
) -> Result<String, ReportError> {
    let mut rows = std::collections::BTreeMap::new();
    for name in inputs() {
        rows.insert(name, get(name)?);
    }
    let r = |name: &str| &rows[name];
    let mut charts = Vec::new();
    let mut tabs = Vec::new();
    let all = |_: usize| true;

    // A chart of categories and the table it comes from.
    let mut category = |report: &str, title: &str, key: &str, value: &str, empty: &str| {
        let data = charts::pairs(r(report), key, value, empty);
        charts.push(Chart {
            id: format!("c-{report}"),
            title: title.into(),
            svg: charts::bars(title, value, &data),
            table: format!("t-{report}"),
            legend: Vec::new(),
        });
        tabs.push(table(report, title, r(report), &[], &all, json));
    };
    category(
        "containers",
        "Containers",
        "container",
        "files",
        "(unknown)",
    );
    category(
        "video-codecs",
        "Video codecs",
        "video_codec",
        "files",
        "(none)",
    );
    category(
        "audio-codecs",
        "Audio codecs",
        "audio_codec",
        "files",
        "(none)",
    );
    category(
        "resolutions",
        "Resolutions",
        "resolution",
        "files",
        "(none)",
    );
    category("hdr", "HDR", "kind", "files", "SDR");
    category(
        "frame-rates",
        "Frame rates",
        "frame_rate",
        "files",
        "variable or unknown",
    );
    category(
        "audio-languages",
        "Audio languages",
        "language",
        "files",
        "und",
    );
    let subs = r("subtitles");
    let langs = Rows {
        columns: subs.columns.clone(),
        rows: (0..subs.rows.len())
            .filter(|&i| subs.get(i, "kind") == "language")
            .map(|i| subs.rows[i].clone())
            .collect(),
    };
    charts.push(Chart {
        id: "c-subtitles".into(),
        title: "Subtitle languages".into(),
        svg: charts::bars(
            "Subtitle languages",
            "files",
            &charts::pairs(&langs, "language", "files", "(untagged)"),
        ),
        table: "t-subtitles".into(),
        legend: Vec::new(),
    });
    tabs.push(table("subtitles", "Subtitles", subs, &[], &all, json));

    let g = r("growth");
    let gib = |i: usize, c: &str| (num(g.get(i, c)) / 1073741824.0) as f32;
    charts.push(Chart {
        id: "c-growth".into(),
        title: "Growth (GiB on disk by month first seen)".into(),
        svg: charts::lines(
            "Growth: GiB by month first seen",
            (0..g.rows.len())
                .map(|i| g.get(i, "month").as_str().unwrap_or("").to_string())
                .collect(),
            vec![
                (
                    "added".into(),
                    (0..g.rows.len()).map(|i| gib(i, "bytes")).collect(),
                ),
                (
                    "total".into(),
                    (0..g.rows.len()).map(|i| gib(i, "total_bytes")).collect(),
                ),
            ],
        ),
        table: "t-growth".into(),
        legend: Vec::new(),
    });
    tabs.push(table("growth", "Growth by month", g, &[], &all, json));
    let h = r("history");
    // Oldest day first on the axis; the report lists the newest first.
    let days: Vec<usize> = (0..h.rows.len()).rev().collect();
    charts.push(Chart {
        id: "c-history".into(),
        title: "History (GiB on disk at each export day)".into(),
        svg: charts::lines(
            "History: GiB on disk at each export day",
            days.iter()
                .map(|&i| h.get(i, "day").as_str().unwrap_or("").to_string())
                .collect(),
            vec![(
                "on disk".into(),
                days.iter()
                    .map(|&i| (num(h.get(i, "bytes")) / 1073741824.0) as f32)
                    .collect(),
            )],
        ),
        table: "t-history".into(),
        legend: Vec::new(),
    });
    tabs.push(table(
        "history",
        "History",
        h,
        &["day", "files", "bytes", "hours"],
        &all,
        json,
    ));

    let d = r("distributions");
    for (metric, title) in [
        ("size", "File sizes"),
        ("bitrate", "Bitrates"),
        ("duration", "Durations"),
        ("bpp", "Bits per pixel per frame"),
    ] {
        let data: Vec<(String, f32)> = (0..d.rows.len())
            .filter(|&i| d.get(i, "metric") == metric)
            .map(|i| {
                (
                    d.get(i, "bucket").as_str().unwrap_or("").to_string(),
                    num(d.get(i, "files")) as f32,
                )
            })
            .collect();
        charts.push(Chart {
            id: format!("c-distributions-{metric}"),
            title: title.into(),
            svg: charts::histogram(title, "files", &data),
            table: "t-distributions".into(),
            legend: Vec::new(),
        });
    }
    tabs.push(table("distributions", "Distributions", d, &[], &all, json));

    let dens = r("density");
    let mut by_bytes: Vec<usize> = (0..dens.rows.len()).collect();
    by_bytes.sort_by(|a, b| {
        num(dens.get(*b, "bytes"))
            .total_cmp(&num(dens.get(*a, "bytes")))
            .then(a.cmp(b))
    });
    let cells: Vec<(String, f32, String)> = by_bytes
        .iter()
        .map(|&i| {
            // The codec with the most files (the report lists them so).
            let main = dens
                .get(i, "codecs")
                .as_object()
                .and_then(|m| m.keys().next().cloned())
                .unwrap_or_default();
            (
                dens.get(i, "directory").as_str().unwrap_or("").to_string(),
                num(dens.get(i, "bytes")) as f32,
                main,
            )
        })
        .collect();
    let (svg, legend) = charts::treemap("Largest directories, by main video codec", &cells);
    charts.push(Chart {
        id: "c-density".into(),
        title: "Largest directories".into(),
        svg,
        table: "t-density".into(),
        legend,
    });
    tabs.push(table(
        "density",
        "Directories: GiB per hour",
        dens,
        &[],
        &all,
        json,
    ));

    let s = r("savings");
    let (now, after) = (num(s.get(0, "bytes")), num(s.get(0, "estimated_bytes")));
    charts.push(Chart {
        id: "c-savings".into(),
        title: "Savings from a re-encode to HEVC".into(),
        svg: charts::bars(
            "Re-encoded to HEVC: GiB now and after",
            "GiB",
            &[
                ("now".into(), (now / 1073741824.0) as f32),
                ("after".into(), (after / 1073741824.0) as f32),
            ],
        ),
        table: "t-savings".into(),
        legend: Vec::new(),
    });
    tabs.push(table("savings", "Savings (HEVC)", s, &[], &all, json));

    let problems_at = tabs.len();
    for (name, title) in [
        ("problems", "Problems"),
        ("suspicious", "Suspicious files"),
        ("duplicates", "Duplicate candidates"),
        ("similar", "Similar videos"),
        ("largest", "Largest files"),
    ] {
        if let Some(rows) = rows.get(name) {
            tabs.push(table(name, title, rows, &[], &all, json));
        }
    }
    let q = r("quality-tiers");
    tabs.push(table(
        "quality-tiers",
        "Upgrade candidates (quality score)",
        q,
        &["tier", "score", "profile", "host", "path", "bytes"],
        &|i| q.get(i, "section") == "upgrade",
        json,
    ));
    // The problems first, as the issue lists them; then the tables of charts.
    let mut tables: Vec<Table> = tabs.split_off(problems_at);
    tables.extend(tabs);

    let page = Page {
        numbers: numbers(&rows),
        as_of: r("scans")
            .get(0, "finished_at")
            .as_str()
            .map(|t| format!("as of the scan that finished {t}"))
            .unwrap_or_else(|| "no scan recorded".into()),
        charts,
        tables,
    };
    Ok(page.render().expect("the page template renders"))
}

/// The headline numbers: files, hours, bytes, problems, hosts, savings.
fn numbers(rows: &std::collections::BTreeMap<&str, Rows>) -> Vec<(String, String)> {
    let s = &rows["summary"];
    let (mut on_disk, mut bytes, mut hours, mut problems) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..s.rows.len() {
        let status = s.get(i, "status").as_str().unwrap_or("");
        if status == "all" || status == "missing" {
            continue;
        }
        on_disk += num(s.get(i, "files"));
        bytes += num(s.get(i, "bytes"));
        hours += num(s.get(i, "hours"));
        if status != "ok" && status != "unstable" {
            problems += num(s.get(i, "files"));
        }
    }
    let count = |f: f64| super::render::group_digits(&format!("{f:.0}"));
    let sav = &rows["savings"];
    vec![
        ("files on disk".into(), count(on_disk)),
        (
            "hours".into(),
            super::render::group_digits(&format!("{hours:.1}")),
        ),
        ("bytes".into(), human_bytes(bytes)),
        ("problems".into(), count(problems)),
        ("hosts".into(), count(rows["hosts"].rows.len() as f64)),
        (
            "re-encoded to HEVC".into(),
            format!(
                "{} → {}",
                human_bytes(num(sav.get(0, "bytes"))),
                human_bytes(num(sav.get(0, "estimated_bytes")))
            ),
        ),
    ]
}
