//! The text summary of the whole library (`mediadex report` with no name, and
//! `summary.txt` in exports): a handful of labelled lines a person reads in
//! ten seconds.
//!
//! Invariants: built only from bundled reports run with their defaults (a
//! `--sql-dir` override of, say, `summary` cannot break it); holds nothing that
//! depends on the moment it is written, so two exports of the same catalog give
//! the same bytes.

use serde_json::Value;

use super::{ReportError, Rows, bundled_one};
use crate::catalog::guard::Guarded;
use crate::output::human::group_digits;
use crate::util::{hms, human_bytes};

/// Width of the label column.
const LABEL: usize = 12;
/// How many entries a distribution line names before "N more".
const TOP: usize = 4;

/// Statuses that need a person's attention (the `problems` report lists them).
pub const PROBLEMS: &[&str] = &["crashed", "timeout", "error", "unsupported", "missing"];

/// The bundled reports the summary is made of, all run with their defaults.
pub const INPUTS: &[&str] = &[
    "summary",
    "hosts",
    "containers",
    "video-codecs",
    "resolutions",
    "hdr",
    "audio-codecs",
    "recordings",
    "scans",
    "similar",
    "health",
];

/// Run one of the [`INPUTS`] with its default parameters.
pub fn run_input(g: &Guarded, name: &str) -> Result<Rows, ReportError> {
    let r = bundled_one(name);
    let bound = r.bind(&[])?;
    r.collect(g, &bound)
}

fn int(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .unwrap_or(0)
}

fn float(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn count(n: i64) -> String {
    group_digits(&n.to_string())
}

/// `1 file`, `2 files`.
fn files(n: i64) -> String {
    format!("{} {}", count(n), if n == 1 { "file" } else { "files" })
}

/// `12%`, or `<1%` for a share that is not zero but rounds to it.
fn whole_percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 0.5 {
        "<1%".into()
    } else {
        format!("{p:.0}%")
    }
}

/// `h264 60% · hevc 30% · 3 more 10%` from a report with `column` and `share`:
/// the biggest classes by share, so that "N more" is the small tail whatever
/// order the report lists its classes in (resolutions go by size, 8K first).
fn distribution(rows: &Rows, column: &str) -> String {
    let mut order: Vec<usize> = (0..rows.rows.len()).collect();
    // Stable: equal shares keep the report's order.
    order.sort_by(|&a, &b| float(rows.get(b, "share")).total_cmp(&float(rows.get(a, "share"))));
    let mut parts = Vec::new();
    let mut rest_share = 0.0;
    let mut rest = 0;
    for (n, i) in order.into_iter().enumerate() {
        let share = float(rows.get(i, "share"));
        if n < TOP {
            let label = match rows.get(i, column) {
                Value::String(s) => s.clone(),
                Value::Null => "(unknown)".into(),
                v => crate::output::human::human_cell(column, v),
            };
            parts.push(format!("{label} {}", whole_percent(share)));
        } else {
            rest += 1;
            rest_share += share;
        }
    }
    if rest > 0 {
        parts.push(format!("{rest} more {}", whole_percent(rest_share)));
    }
    parts.join(" · ")
}

/// A run time: `4.2 s` under a minute, `h:mm:ss` above.
fn run_time(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        hms(seconds)
    }
}

fn line(out: &mut String, label: &str, text: &str) {
    out.push_str(&format!("{label:<LABEL$}{text}\n"));
}

/// The summary text (ends with a newline).
pub fn summary_text(g: &Guarded) -> Result<String, ReportError> {
    summary_from(&mut |name| run_input(g, name))
}

/// `Similar`: the groups of `report similar` and what deleting all but the
/// kept copy of each would free (nothing when no fingerprints were taken).
fn similar_line(out: &mut String, rows: &Rows) {
    let mut groups = std::collections::BTreeMap::new();
    for i in 0..rows.rows.len() {
        groups.insert(
            int(rows.get(i, "group")),
            int(rows.get(i, "reclaimable_bytes")),
        );
    }
    if !groups.is_empty() {
        line(
            out,
            "Similar",
            &format!(
                "{} in {} groups · {} reclaimable: mediadex report similar",
                files(rows.rows.len() as i64),
                count(groups.len() as i64),
                human_bytes(groups.values().sum::<i64>() as f64)
            ),
        );
    }
}

/// `Health`: the damaged and unreadable files `verify` found (nothing when
/// none were, or no file was checked).
fn health_line(out: &mut String, rows: &Rows) {
    if rows.rows.is_empty() {
        return;
    }
    let of = |h: &str| {
        (0..rows.rows.len())
            .filter(|&i| rows.get(i, "health") == h)
            .count() as i64
    };
    line(
        out,
        "Health",
        &format!(
            "{} damaged · {} unreadable: mediadex report health",
            count(of("damaged")),
            count(of("unreadable"))
        ),
    );
}

/// The `summary` report's rows added up: (files, hours, bytes) of every file
/// and of the missing ones, the count per status, and the problem files.
struct Totals {
    all: (i64, f64, f64),
    missing: (i64, f64, f64),
    statuses: Vec<(String, i64)>,
    problems: i64,
}

fn totals(summary: &Rows) -> Totals {
    let mut t = Totals {
        all: (0, 0.0, 0.0),
        missing: (0, 0.0, 0.0),
        statuses: Vec::new(),
        problems: 0,
    };
    for i in 0..summary.rows.len() {
        let status = summary.get(i, "status").as_str().unwrap_or("").to_string();
        let row = (
            int(summary.get(i, "files")),
            float(summary.get(i, "hours")),
            float(summary.get(i, "bytes")),
        );
        match status.as_str() {
            "all" => t.all = row,
            s => {
                if s == "missing" {
                    t.missing = row;
                }
                if PROBLEMS.contains(&s) {
                    t.problems += row.0;
                }
                t.statuses.push((status.clone(), row.0));
            }
        }
    }
    t
}

/// The summary text from the rows of its [`INPUTS`], as `get` provides them
/// (an export hands over the rows it has just written instead of running
/// the same reports twice).
pub fn summary_from(
    get: &mut dyn FnMut(&str) -> Result<Rows, ReportError>,
) -> Result<String, ReportError> {
    let mut out = String::new();
    let Totals {
        all,
        missing,
        mut statuses,
        problems,
    } = totals(&get("summary")?);
    if all.0 == 0 {
        line(
            &mut out,
            "Library",
            "empty: run `mediadex scan DIR` to fill the catalog",
        );
        return Ok(out);
    }
    let hosts = get("hosts")?.rows.len();
    let on_disk = all.0 - missing.0;
    line(
        &mut out,
        "Library",
        &format!(
            "{} on disk · {} · {}{}",
            files(on_disk),
            human_bytes(all.2 - missing.2),
            crate::output::human::human_duration((all.1 - missing.1) * 3600.0),
            if hosts > 1 {
                format!(" · {hosts} hosts")
            } else {
                String::new()
            }
        ),
    );
    // `ok` first, then the others as the report orders them.
    statuses.sort_by_key(|(s, _)| s != "ok");
    line(
        &mut out,
        "Status",
        &statuses
            .iter()
            .map(|(s, n)| format!("{} {s}", count(*n)))
            .collect::<Vec<_>>()
            .join(" · "),
    );
    for (label, report, column) in [
        ("Containers", "containers", "container"),
        ("Video", "video-codecs", "video_codec"),
        ("Resolution", "resolutions", "resolution"),
        ("HDR", "hdr", "kind"),
        ("Audio", "audio-codecs", "audio_codec"),
    ] {
        let rows = get(report)?;
        if !rows.rows.is_empty() {
            line(&mut out, label, &distribution(&rows, column));
        }
    }
    line(
        &mut out,
        "Problems",
        &if problems == 0 {
            "none".to_string()
        } else {
            format!("{}: mediadex report problems", files(problems))
        },
    );
    similar_line(&mut out, &get("similar")?);
    health_line(&mut out, &get("health")?);
    recordings_line(&mut out, &get("recordings")?);
    last_scan_line(&mut out, &get("scans")?);
    Ok(out)
}

/// The recordings, their length and their clipped and silent counts.
fn recordings_line(out: &mut String, rec: &Rows) {
    if rec.rows.is_empty() {
        return;
    }
    let mut n = 0;
    let mut secs = 0.0;
    let mut clipped = 0;
    let mut silent = 0;
    for i in 0..rec.rows.len() {
        n += int(rec.get(i, "recordings"));
        secs += float(rec.get(i, "seconds"));
        clipped += int(rec.get(i, "clipped"));
        silent += int(rec.get(i, "silent"));
    }
    line(
        out,
        "Recordings",
        &format!(
            "{} · {} · {} clipped · {} silent",
            count(n),
            hms(secs),
            count(clipped),
            count(silent)
        ),
    );
}

/// The last scan (the report lists the newest first).
fn last_scan_line(out: &mut String, scans: &Rows) {
    if scans.rows.is_empty() {
        return;
    }
    let started = crate::output::human::human_cell("started_at", scans.get(0, "started_at"));
    line(
        out,
        "Last scan",
        &format!(
            "{started} on {}: {}, {} seen, {} new, {} changed, {} failed, {}",
            scans.get(0, "host").as_str().unwrap_or("?"),
            scans.get(0, "status").as_str().unwrap_or("?"),
            files(int(scans.get(0, "seen"))),
            count(int(scans.get(0, "new"))),
            count(int(scans.get(0, "changed"))),
            count(int(scans.get(0, "failed"))),
            run_time(float(scans.get(0, "elapsed_s"))),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_biggest_classes_are_shown_and_the_small_tail_folded() {
        let shares = [
            ("8K", 0.01),
            ("4K", 0.04),
            ("1080p", 0.14),
            ("720p", 0.25),
            ("SD", 0.55),
            ("1440p", 0.01),
        ];
        let rows = Rows {
            columns: vec!["resolution".into(), "share".into()],
            rows: shares
                .iter()
                .map(|(r, s)| vec![Value::from(*r), Value::from(*s)])
                .collect(),
        };
        let text = distribution(&rows, "resolution");
        assert_eq!(text, "SD 55% · 720p 25% · 1080p 14% · 4K 4% · 2 more 2%");
    }
}
