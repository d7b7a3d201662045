//! The text renderer of reports: a title line, then aligned columns in units a
//! person reads at a glance. The machine formats (JSON, JSON Lines, CSV) keep
//! raw values and live in `output`.
//!
//! Units follow the column name, so user report files get them too:
//! `bytes`, `size`, `*_bytes` → `1.4 GiB`; `seconds`, `duration_s`, `*_s` →
//! `h:mm:ss`; `hours` → `1,234.5`; `bitrate`, `*_bitrate` → `8.1 Mb/s`;
//! `share`, `*_share` → `12.5%`; ISO timestamps → `2026-11-24 05:11 UTC`;
//! other integers of four digits or more get thousands separators.
//!
//! Invariant: rendering never changes which rows or columns are shown, only
//! how a value is written; numbers are right-aligned.

use std::io::Write;

use serde_json::Value;

use super::table::TableOptions;
use super::table_sink::TableSink;
use crate::util::{hms, human_bytes};

/// Integer columns that are identifiers or physical quantities, not counts:
/// never grouped with separators.
const PLAIN_INTEGERS: &[&str] = &[
    "id",
    "dev",
    "ino",
    "width",
    "height",
    "rate",
    "sample_rate",
    "audio_sample_rate",
    "channels",
    "audio_channels",
    "mtime_ns",
    "year",
];

/// `1234567` → `1,234,567`.
pub fn group_digits(s: &str) -> String {
    let (sign, digits) = match s.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", s),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Bits per second in decimal units, as players show them: `8.1 Mb/s`.
pub fn human_bitrate(bps: f64) -> String {
    if bps >= 1e9 {
        format!("{:.2} Gb/s", bps / 1e9)
    } else if bps >= 1e6 {
        format!("{:.1} Mb/s", bps / 1e6)
    } else if bps >= 1e3 {
        format!("{:.0} kb/s", bps / 1e3)
    } else {
        format!("{bps:.0} b/s")
    }
}

/// A share in 0..=1 as a percentage, never rounding a non-zero share to 0%.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 0.1 {
        "<0.1%".into()
    } else {
        format!("{p:.1}%")
    }
}

/// Hours with one decimal; a non-zero amount under 0.05 h is `<0.1`, not `0.0`.
pub fn hours(h: f64) -> String {
    if h > 0.0 && h < 0.05 {
        "<0.1".into()
    } else {
        group_digits(&format!("{h:.1}"))
    }
}

/// A duration for a sentence: `12.5 hours`, `42 minutes`, `7 seconds`.
pub fn human_duration(seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!(
            "{} hours",
            group_digits(&format!("{:.1}", seconds / 3600.0))
        )
    } else if seconds >= 60.0 {
        format!("{:.0} minutes", seconds / 60.0)
    } else {
        format!("{seconds:.0} seconds")
    }
}

/// A float with at most three decimals, trailing zeros dropped.
fn short_float(f: f64) -> String {
    let s = format!("{f:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// `2026-11-24T05:11:00.123Z` → `2026-11-24 05:11 UTC`; anything else as is.
fn human_time(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let looks = b.len() >= 17
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && s.ends_with('Z')
        && b[..4].iter().all(u8::is_ascii_digit);
    looks.then(|| format!("{} {} UTC", &s[..10], &s[11..16]))
}

/// One value as a person should read it in column `column`.
pub fn human_cell(column: &str, v: &Value) -> String {
    let c = column.to_ascii_lowercase();
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::String(s) => human_time(s).unwrap_or_else(|| s.clone()),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if c == "bytes" || c == "size" || c.ends_with("_bytes") {
                human_bytes(f)
            } else if c == "seconds" || c == "duration" || c.ends_with("_s") {
                hms(f)
            } else if c == "hours" || c.ends_with("_hours") {
                hours(f)
            } else if c == "bitrate" || c.ends_with("_bitrate") || c.ends_with("_bps") {
                human_bitrate(f)
            } else if c == "share" || c.ends_with("_share") {
                percent(f)
            } else if n.is_f64() {
                short_float(f)
            } else if PLAIN_INTEGERS.contains(&c.as_str())
                || c.ends_with("_id")
                || n.as_i64().is_some_and(|i| i.abs() < 1_000)
            {
                n.to_string()
            } else {
                group_digits(&n.to_string())
            }
        }
        other => other.to_string(),
    }
}

/// A column name as a header for people: the unit suffix the cells now show
/// is dropped and underscores become spaces (`duration_s` → `duration`,
/// `video_codec` → `video codec`).
pub fn human_header(column: &str) -> String {
    let c = column.to_ascii_lowercase();
    let base = ["_s", "_bytes", "_bps"]
        .iter()
        .find_map(|suffix| c.strip_suffix(suffix).filter(|b| !b.is_empty()))
        .map(|b| &column[..b.len()])
        .unwrap_or(column);
    base.replace('_', " ")
}

/// The text renderer of a report: a title line, then the shared table layout
/// with human units and headers.
pub fn text_sink<'w>(out: Box<dyn Write + 'w>, opts: TableOptions, title: String) -> TableSink<'w> {
    TableSink::new(out, opts, human_cell, human_header).titled(title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sink::RowSink;
    use serde_json::json;

    #[test]
    fn units_follow_column_names() {
        assert_eq!(human_cell("bytes", &json!(1_610_612_736u64)), "1.5 GiB");
        assert_eq!(human_cell("duration_s", &json!(3725.4)), "1:02:05");
        assert_eq!(human_cell("hours", &json!(12345.67)), "12,345.7");
        assert_eq!(human_cell("mean_bitrate", &json!(8_123_456)), "8.1 Mb/s");
        assert_eq!(human_cell("share", &json!(0.125)), "12.5%");
        assert_eq!(human_cell("share", &json!(0.0001)), "<0.1%");
        assert_eq!(human_cell("files", &json!(1_234_567)), "1,234,567");
        assert_eq!(human_cell("files", &json!(42)), "42");
        assert_eq!(human_cell("width", &json!(15360)), "15360");
        assert_eq!(human_cell("frame_rate", &json!(23.976)), "23.976");
        assert_eq!(human_cell("frame_rate", &json!(25.0)), "25");
        assert_eq!(
            human_cell("first_seen", &json!("2026-11-24T05:11:00.123Z")),
            "2026-11-24 05:11 UTC"
        );
        assert_eq!(human_cell("resolution", &json!("1080p")), "1080p");
        assert_eq!(human_cell("error", &Value::Null), "");
        assert_eq!(group_digits("-1234.5"), "-1,234.5");
        assert_eq!(human_header("duration_s"), "duration");
        assert_eq!(human_cell("hours", &json!(0.0006)), "<0.1");
        assert_eq!(human_duration(2.2), "2 seconds");
        assert_eq!(human_duration(0.0006 * 3600.0), "2 seconds");
        assert_eq!(human_duration(600.0), "10 minutes");
        assert_eq!(human_duration(45_000.0), "12.5 hours");
        assert_eq!(human_header("total_bytes"), "total");
        assert_eq!(human_header("video_codec"), "video codec");
        assert_eq!(human_header("s"), "s");
    }

    #[test]
    fn text_table_has_title_and_aligned_units() {
        let mut buf = Vec::new();
        {
            let mut s = text_sink(
                Box::new(&mut buf),
                TableOptions::default(),
                "containers: by format".into(),
            );
            s.begin(&["container".into(), "files".into(), "bytes".into()])
                .unwrap();
            s.row(&[json!("mkv"), json!(12), json!(2048)]).unwrap();
            s.row(&[json!("mp4"), json!(3), json!(1_073_741_824u64)])
                .unwrap();
            s.end().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "containers: by format");
        assert_eq!(lines[1], "");
        assert_eq!(lines[2], "container  files  bytes");
        assert_eq!(lines[4], "mkv           12  2.0 KiB");
        assert_eq!(lines[5], "mp4            3  1.0 GiB");
    }
}
