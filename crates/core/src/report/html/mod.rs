//! The library at a glance: one self-contained HTML page (`index.html` in
//! every export, `report --html FILE`) drawn from the bundled reports run
//! with their defaults: the summary numbers, charts of the distributions, the
//! duplicate groups side by side with their pictures ([`review`]), and the
//! problems, suspicious files, duplicates and upgrade candidates as tables
//! that sort by a click on a header.
//!
//! Invariants: the page asks the network for nothing (no scripts, styles,
//! fonts or images from elsewhere: charts are inline SVG, the script and the
//! styles are in the page, pictures are `data:` URIs of the catalog's
//! thumbnails, of the files the page lists only); it holds nothing that depends on the moment it
//! is written, so the same catalog gives the same bytes; it reads without
//! JavaScript (the script only adds sorting); every chart links to the table
//! it was drawn from; tables are cut at [`tables::MAX_ROWS`] rows so the page
//! stays small, and link to the report that has them all.

pub mod charts;
pub mod review;
pub mod tables;

use std::collections::HashMap;

use askama::Template;
use serde_json::Value;

use super::{BUNDLED, ReportError, Rows};
use crate::util::human_bytes;
use tables::{Table, table};

/// Duplicate groups the page shows at most (with their pictures); the rest
/// are in the `similar` report.
pub const MAX_GROUPS: usize = 20;

/// Where the page's pictures come from: the thumbnails of the files it
/// names by (host, path), JPEG bytes; files without one are left out.
pub type Pictures<'a> =
    &'a mut dyn FnMut(&[(String, String)]) -> anyhow::Result<HashMap<(String, String), Vec<u8>>>;

/// The "Duplicates" section: the review's markup of the groups shown.
pub struct Duplicates {
    pub markup: String,
    /// What is shown of how many, and where the rest is.
    pub note: String,
    pub shown: usize,
}

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
    "health",
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
    duplicates: Duplicates,
    review_style: &'static str,
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// The page from the rows of its inputs, as `get` provides them, with the
/// pictures `pictures` has for the files it shows (a catalog without
/// thumbnails gives a page without pictures). `json` is the extension of the
/// report files beside it (an export), or None.
pub fn page_from(
    get: &mut dyn FnMut(&str) -> Result<Rows, ReportError>,
    pictures: Pictures<'_>,
    json: Option<&str>,
) -> anyhow::Result<String> {
    let mut rows = std::collections::BTreeMap::new();
    for name in inputs() {
        rows.insert(name, get(name)?);
    }
    let wanted = pictured_files(&rows);
    // Pictures are an addition: a catalog that cannot give them (one of an
    // older schema opened read-only) still gets its page, without them.
    let pics = pictures(&wanted).unwrap_or_default();
    let mut b = Builder {
        rows: &rows,
        json,
        charts: Vec::new(),
        tabs: Vec::new(),
        pics: &pics,
    };
    b.categories();
    b.subtitles();
    b.growth();
    b.history();
    b.distributions();
    b.density();
    b.savings();
    let problems_at = b.tabs.len();
    b.problems();
    let duplicates = b.duplicates();
    // The problems first, as the issue lists them; then the tables of charts.
    let mut tables: Vec<Table> = b.tabs.split_off(problems_at);
    tables.extend(b.tabs);
    let page = Page {
        numbers: numbers(&rows),
        as_of: rows["scans"]
            .get(0, "finished_at")
            .as_str()
            .map(|t| {
                let human = crate::output::human::human_cell("finished_at", &Value::from(t));
                format!("As of the last scan, finished {human}")
            })
            .unwrap_or_else(|| "No scan recorded".into()),
        charts: b.charts,
        tables,
        duplicates,
        review_style: review::STYLE,
    };
    Ok(page.render().expect("the page template renders"))
}

/// Tables that show a picture beside each file (those of files a person
/// looks at), with the columns that name the file.
const PICTURED: &[&str] = &["problems", "health"];

/// The files whose pictures the page shows: the copies of the duplicate
/// groups it shows, and the rows of [`PICTURED`] tables it shows.
fn pictured_files(rows: &std::collections::BTreeMap<&'static str, Rows>) -> Vec<(String, String)> {
    let mut out = rows
        .get("similar")
        .map(|r| review::similar_files(r, MAX_GROUPS))
        .unwrap_or_default();
    for name in PICTURED {
        let r = &rows[name];
        let text = |i: usize, c: &str| r.get(i, c).as_str().unwrap_or("").to_string();
        out.extend(
            (0..r.rows.len().min(tables::MAX_ROWS)).map(|i| (text(i, "host"), text(i, "path"))),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// The charts and tables of the page as they are added, in page order.
struct Builder<'r> {
    rows: &'r std::collections::BTreeMap<&'static str, Rows>,
    json: Option<&'r str>,
    charts: Vec<Chart>,
    tabs: Vec<Table>,
    /// The pictures of the files shown, by (host, path).
    pics: &'r HashMap<(String, String), Vec<u8>>,
}

impl<'r> Builder<'r> {
    fn r(&self, name: &str) -> &'r Rows {
        &self.rows[name]
    }

    fn chart(&mut self, id: &str, title: &str, svg: String, table: &str) {
        self.charts.push(Chart {
            id: format!("c-{id}"),
            title: title.into(),
            svg,
            table: format!("t-{table}"),
            legend: Vec::new(),
        });
    }

    /// The whole table of `report`, or only `columns` of it.
    fn table(&mut self, report: &str, title: &str, columns: &[&str]) {
        let t = table(report, title, self.r(report), columns, &|_| true, self.json);
        self.tabs.push(t);
    }

    /// A chart of categories and the table it comes from, per report.
    fn categories(&mut self) {
        for (report, title, key, empty) in [
            ("containers", "Containers", "container", "(unknown)"),
            ("video-codecs", "Video codecs", "video_codec", "(none)"),
            ("audio-codecs", "Audio codecs", "audio_codec", "(none)"),
            ("resolutions", "Resolutions", "resolution", "(none)"),
            ("hdr", "HDR", "kind", "SDR"),
            (
                "frame-rates",
                "Frame rates",
                "frame_rate",
                "variable or unknown",
            ),
            ("audio-languages", "Audio languages", "language", "und"),
        ] {
            let data = charts::pairs(self.r(report), key, "files", empty);
            self.chart(report, title, charts::bars(title, "files", &data), report);
            self.table(report, title, &[]);
        }
    }

    fn subtitles(&mut self) {
        let subs = self.r("subtitles");
        let langs = Rows {
            columns: subs.columns.clone(),
            rows: (0..subs.rows.len())
                .filter(|&i| subs.get(i, "kind") == "language")
                .map(|i| subs.rows[i].clone())
                .collect(),
        };
        let svg = charts::bars(
            "Subtitle languages",
            "files",
            &charts::pairs(&langs, "language", "files", "(untagged)"),
        );
        self.chart("subtitles", "Subtitle languages", svg, "subtitles");
        self.table("subtitles", "Subtitles", &[]);
    }

    fn growth(&mut self) {
        let g = self.r("growth");
        let n = g.rows.len();
        let max = (0..n)
            .map(|i| num(g.get(i, "total_bytes")))
            .fold(0.0, f64::max);
        let (unit, size) = charts::byte_unit(max);
        let of = |c: &str| (0..n).map(|i| (num(g.get(i, c)) / size) as f32).collect();
        let svg = charts::lines(
            &format!("Growth: {unit} by month first seen"),
            (0..n)
                .map(|i| g.get(i, "month").as_str().unwrap_or("").to_string())
                .collect(),
            vec![
                ("added".into(), of("bytes")),
                ("total".into(), of("total_bytes")),
            ],
        );
        self.chart(
            "growth",
            &format!("Growth ({unit} on disk by month first seen)"),
            svg,
            "growth",
        );
        self.table("growth", "Growth by month", &[]);
    }

    fn history(&mut self) {
        let h = self.r("history");
        // Oldest day first on the axis; the report lists the newest first.
        let days: Vec<usize> = (0..h.rows.len()).rev().collect();
        let max = days
            .iter()
            .map(|&i| num(h.get(i, "bytes")))
            .fold(0.0, f64::max);
        let (unit, size) = charts::byte_unit(max);
        let svg = charts::lines(
            &format!("History: {unit} on disk at each export day"),
            days.iter()
                .map(|&i| h.get(i, "day").as_str().unwrap_or("").to_string())
                .collect(),
            vec![(
                "on disk".into(),
                days.iter()
                    .map(|&i| (num(h.get(i, "bytes")) / size) as f32)
                    .collect(),
            )],
        );
        self.chart(
            "history",
            &format!("History ({unit} on disk at each export day)"),
            svg,
            "history",
        );
        self.table("history", "History", &["day", "files", "bytes", "hours"]);
    }

    fn distributions(&mut self) {
        let d = self.r("distributions");
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
            let svg = charts::bars(title, "files", &data);
            self.chart(
                &format!("distributions-{metric}"),
                title,
                svg,
                "distributions",
            );
        }
        self.table("distributions", "Distributions", &[]);
    }

    fn density(&mut self) {
        let dens = self.r("density");
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
        self.charts.push(Chart {
            id: "c-density".into(),
            title: "Largest directories".into(),
            svg,
            table: "t-density".into(),
            legend,
        });
        self.table("density", "Directories: GiB per hour", &[]);
    }

    fn savings(&mut self) {
        let s = self.r("savings");
        let (now, after) = (num(s.get(0, "bytes")), num(s.get(0, "estimated_bytes")));
        let (unit, size) = charts::byte_unit(now.max(after));
        let svg = charts::bars(
            &format!("Re-encoded to HEVC: {unit} now and after"),
            unit,
            &[
                ("now".into(), (now / size) as f32),
                ("after".into(), (after / size) as f32),
            ],
        );
        self.chart(
            "savings",
            "Savings from a re-encode to HEVC",
            svg,
            "savings",
        );
        self.table("savings", "Savings (HEVC)", &[]);
    }

    /// The tables of problems and candidates, without charts.
    fn problems(&mut self) {
        for (name, title) in [
            ("problems", "Problems"),
            ("health", "Health: damaged and unreadable files"),
            ("suspicious", "Suspicious files"),
            ("duplicates", "Duplicate candidates"),
            ("similar", "Similar videos"),
            ("largest", "Largest files"),
        ] {
            if self.rows.contains_key(name) {
                self.table(name, title, &[]);
                if PICTURED.contains(&name) {
                    let r = self.r(name);
                    let t = self.tabs.last_mut().expect("the table just added");
                    t.add_pictures(|i| {
                        let key = |c: &str| r.get(i, c).as_str().unwrap_or("").to_string();
                        self.pics
                            .get(&(key("host"), key("path")))
                            .map(|j| review::data_uri(j))
                    });
                }
            }
        }
        let q = self.r("quality-tiers");
        self.tabs.push(table(
            "quality-tiers",
            "Upgrade candidates (quality score)",
            q,
            &["tier", "score", "profile", "host", "path", "bytes"],
            &|i| q.get(i, "section") == "upgrade",
            self.json,
        ));
    }
}

impl Builder<'_> {
    /// The "Duplicates" section: the first [`MAX_GROUPS`] groups of
    /// `similar`, their copies side by side with their pictures.
    fn duplicates(&self) -> Duplicates {
        let Some(rows) = self.rows.get("similar") else {
            return Duplicates {
                markup: String::new(),
                note: "Run `mediadex fingerprint` to find the copies of the same video.".into(),
                shown: 0,
            };
        };
        let groups = review::groups_from_similar(rows, MAX_GROUPS, self.pics);
        let total = {
            let mut ids: Vec<&Value> = (0..rows.rows.len()).map(|i| rows.get(i, "group")).collect();
            ids.dedup();
            ids.len()
        };
        let source = match self.json {
            Some(ext) => format!("similar.{ext}"),
            None => "mediadex report similar -f json".into(),
        };
        let count = |n: usize| crate::output::human::group_digits(&n.to_string());
        let frees: i64 = (0..rows.rows.len())
            .filter(|&i| i == 0 || rows.get(i, "group") != rows.get(i - 1, "group"))
            .map(|i| rows.get(i, "reclaimable_bytes").as_i64().unwrap_or(0))
            .sum();
        let note = if total > groups.len() {
            format!(
                "The {} groups that free the most of {} ({} in all); every group in {source}",
                groups.len(),
                count(total),
                human_bytes(frees as f64)
            )
        } else {
            format!(
                "{} {} ({} to free); all in {source}",
                count(total),
                if total == 1 { "group" } else { "groups" },
                human_bytes(frees as f64)
            )
        };
        Duplicates {
            markup: review::groups_markup(&groups),
            note,
            shown: groups.len(),
        }
    }
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
    }
    // One definition of a problem, the `problems` report's and the summary's.
    for i in 0..s.rows.len() {
        if super::summary::PROBLEMS.contains(&s.get(i, "status").as_str().unwrap_or("")) {
            problems += num(s.get(i, "files"));
        }
    }
    let count = |f: f64| crate::output::human::group_digits(&format!("{f:.0}"));
    let sav = &rows["savings"];
    vec![
        ("files on disk".into(), count(on_disk)),
        (
            "hours".into(),
            crate::output::human::group_digits(&format!("{hours:.1}")),
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
