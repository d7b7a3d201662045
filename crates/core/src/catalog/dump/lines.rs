//! The line types of a dump and the text forms of their fields (paths as
//! display text plus `path_hex`, stored JSON kept as one line).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::*;

/// The bytes of a TEXT or BLOB value (rows written by hand may hold either).
pub(super) fn raw_bytes<'a>(v: rusqlite::types::ValueRef<'a>) -> &'a [u8] {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => b,
        _ => &[],
    }
}

/// Stored JSON text (TEXT, or a BLOB holding UTF-8 text), as one line.
pub(super) fn json_text(v: rusqlite::types::ValueRef) -> String {
    let raw = raw_bytes(v);
    if raw.is_empty() {
        return "null".into();
    }
    one_line_json(&String::from_utf8_lossy(raw))
}

#[derive(Serialize, Deserialize)]
pub(super) struct Header {
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) format: String,
    pub(super) dump_version: u32,
    #[serde(default)]
    pub(super) tool: String,
    #[serde(default)]
    pub(super) version: String,
    #[serde(default)]
    pub(super) schema_version: i64,
    #[serde(default)]
    pub(super) generated_at: String,
    #[serde(default)]
    pub(super) catalog: String,
}

#[derive(Serialize, Deserialize)]
pub(super) struct ScanLine {
    pub(super) host: String,
    pub(super) started_at: String,
    pub(super) finished_at: Option<String>,
    pub(super) status: String,
    #[serde(default)]
    pub(super) seen: i64,
    #[serde(default)]
    pub(super) new: i64,
    #[serde(default)]
    pub(super) changed: i64,
    #[serde(default)]
    pub(super) unchanged: i64,
    #[serde(default)]
    pub(super) missing: i64,
    #[serde(default)]
    pub(super) failed: i64,
    #[serde(default)]
    pub(super) probed: i64,
    pub(super) elapsed_s: Option<f64>,
    /// Roots the scan left offline, and directories it could not read.
    #[serde(default = "empty_list", skip_serializing_if = "is_empty_list")]
    pub(super) offline: serde_json::Value,
    #[serde(default = "empty_list", skip_serializing_if = "is_empty_list")]
    pub(super) unreadable: serde_json::Value,
}

pub(super) fn empty_list() -> serde_json::Value {
    serde_json::Value::Array(Vec::new())
}

pub(super) fn is_empty_list(v: &serde_json::Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// A stored JSON list (`[]` when it is not valid JSON: nothing is lost that was there).
pub(super) fn json_list(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or_else(|_| empty_list())
}

#[derive(Serialize, Deserialize)]
pub(super) struct MediaLine {
    pub(super) host: String,
    pub(super) path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) path_hex: Option<String>,
    pub(super) root: String,
    pub(super) dev: Option<i64>,
    pub(super) ino: Option<i64>,
    pub(super) size: Option<i64>,
    pub(super) mtime_ns: Option<i64>,
    pub(super) status: String,
    pub(super) error: Option<String>,
    pub(super) first_seen: String,
    pub(super) last_seen: String,
    pub(super) probed_at: Option<String>,
    pub(super) probe_ms: Option<f64>,
    /// `started_at` of the scan that last touched the row (scans are per host).
    pub(super) scan: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct RecordingLine {
    pub(super) host: String,
    pub(super) path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) path_hex: Option<String>,
    pub(super) status: String,
    pub(super) device: Option<String>,
    pub(super) started_at: String,
    pub(super) ended_at: Option<String>,
    #[serde(default)]
    pub(super) frames: i64,
    #[serde(default)]
    pub(super) seconds: f64,
    pub(super) rate: i64,
    pub(super) channels: i64,
    pub(super) format: String,
    pub(super) label: Option<String>,
}

/// The fields of a line that carry raw JSON, borrowed from the line as written.
#[derive(Deserialize)]
pub(super) struct RawParts<'a> {
    #[serde(rename = "type")]
    pub(super) kind: String,
    #[serde(borrow)]
    pub(super) doc: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) roots: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) by_status: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) by_codec: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) by_resolution: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) hashes: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) health: Option<&'a RawValue>,
}

/// A media line's `health`: the file's last integrity check (table
/// `health`), absent or null when it was never checked.
#[derive(Serialize, Deserialize)]
pub(super) struct HealthLine {
    pub(super) size: Option<i64>,
    pub(super) mtime_ns: Option<i64>,
    pub(super) level: String,
    pub(super) status: String,
    pub(super) health: Option<String>,
    pub(super) class: Option<String>,
    pub(super) first_error_s: Option<f64>,
    pub(super) errors: i64,
    pub(super) affected_share: Option<f64>,
    pub(super) detail: Option<String>,
    pub(super) checked_at: String,
    pub(super) ms: Option<f64>,
}

/// A root a scan walked completely, and the device it was on (how the next
/// scan tells an unmounted share from an empty one).
#[derive(Serialize, Deserialize)]
pub(super) struct RootLine {
    pub(super) host: String,
    pub(super) path: String,
    pub(super) dev: i64,
    pub(super) walked_at: String,
}

/// One day of the export history; its three breakdowns are raw JSON fields.
#[derive(Serialize, Deserialize)]
pub(super) struct HistoryLine {
    pub(super) day: String,
    pub(super) files: i64,
    pub(super) bytes: i64,
    pub(super) seconds: f64,
}

/// One file's fingerprint, identified like its media row, with its
/// thumbnail; its frame hashes are the raw JSON field `hashes`:
/// `[[t_ms, hash, quality], …]` in time order.
#[derive(Serialize, Deserialize)]
pub(super) struct FingerprintLine {
    pub(super) host: String,
    pub(super) path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) path_hex: Option<String>,
    pub(super) version: i64,
    pub(super) size: Option<i64>,
    pub(super) mtime_ns: Option<i64>,
    pub(super) status: String,
    pub(super) error: Option<String>,
    pub(super) duration_s: Option<f64>,
    pub(super) fingerprinted_at: String,
    pub(super) ms: Option<f64>,
    /// The picture taken with it (`jpeg` as hex digits); absent in dumps
    /// written before thumbnails existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) thumbnail: Option<crate::catalog::thumbnails::Thumbnail>,
}

/// `path_hex` is needed when the bytes are not exactly the display text.
pub(super) fn path_hex(path: &str, bytes: &[u8]) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) if s == path => None,
        _ => Some(hex::encode(bytes)),
    }
}

/// Stored JSON text as one line: copied as is unless it spans lines.
pub(super) fn one_line_json(text: &str) -> String {
    if text.contains(['\n', '\r']) {
        serde_json::from_str::<serde_json::Value>(text)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| text.replace(['\n', '\r'], " "))
    } else {
        text.to_string()
    }
}

pub(super) fn line_path_bytes(
    path: &str,
    hex_text: Option<&str>,
    line: u64,
) -> Result<Vec<u8>, DumpError> {
    let bytes = match hex_text {
        Some(h) => hex::decode(h).map_err(|e| DumpError::Parse {
            line,
            message: format!("bad path_hex: {e}"),
        })?,
        None => path.as_bytes().to_vec(),
    };
    let implausible = |message: String| Err(DumpError::Implausible { line, message });
    use crate::util::PathFlaw;
    match crate::util::path_flaw(&bytes) {
        Some(PathFlaw::Empty) => return implausible("the path is empty".into()),
        Some(PathFlaw::Nul) => return implausible("the path holds a NUL byte".into()),
        Some(PathFlaw::Relative) => {
            return implausible(format!(
                "the path {} is not absolute",
                crate::util::display_bytes(&bytes)
            ));
        }
        None => {}
    }
    if let Ok(text) = std::str::from_utf8(&bytes)
        && hex_text.is_some()
        && text != path
    {
        return implausible(format!("path_hex says {text:?} where path says {path:?}"));
    }
    Ok(bytes)
}

/// Numbers of a row that cannot be negative (sizes, devices, inodes).
pub(super) fn non_negative(fields: &[(&str, Option<i64>)], line: u64) -> Result<(), DumpError> {
    match fields.iter().find(|(_, v)| v.is_some_and(|v| v < 0)) {
        Some((name, v)) => Err(DumpError::Implausible {
            line,
            message: format!("{name} is negative ({})", v.unwrap_or(0)),
        }),
        None => Ok(()),
    }
}

/// A row's document must be a JSON object (or absent).
pub(super) fn object_doc(doc: Option<&str>, line: u64) -> Result<(), DumpError> {
    match doc.map(str::trim_start) {
        Some(d) if !d.starts_with('{') => Err(DumpError::Implausible {
            line,
            message: "its doc is not a JSON object".into(),
        }),
        _ => Ok(()),
    }
}

/// "Not the same video" (`dedupe ignore`): the two sampled hashes, `a` < `b`.
#[derive(Serialize, Deserialize)]
pub(super) struct NotDuplicateLine {
    pub(super) a: String,
    pub(super) b: String,
    pub(super) a_path: String,
    pub(super) b_path: String,
    pub(super) decided_at: String,
}
