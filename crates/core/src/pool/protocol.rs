//! The line protocol between the scanning process and its probe workers, and the
//! outcome of one probe. No GStreamer here: the `mediadex` executable, which runs
//! the supervisor, never loads it.
//!
//! One line each way per event:
//! - parent → worker: `ID SIZE MTIME_NS HEXPATH`
//! - worker → parent: `S ID` when it starts a path, `D {json}` when it is done.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::catalog::files::{FileStat, Status};
use crate::util;

/// A worker's answer for one request (its `D` line): the outcome of one probe
/// or fingerprint.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    pub id: u64,
    pub status: Status,
    pub error: Option<String>,
    /// The document as JSON text: passed through to the catalog without being
    /// parsed and serialized again by the parent.
    pub doc: Box<serde_json::value::RawValue>,
    pub ms: f64,
    pub stat: Option<FileStat>,
    /// Set by the supervisor on a path given up because its worker kept being
    /// killed from outside: a failure of this run, not evidence against the file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_outside: bool,
}

pub fn empty_doc() -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string("{}".into()).expect("valid JSON")
}

/// Encode a request line.
pub fn request_line(id: u64, size: u64, mtime_ns: i64, path: &Path) -> String {
    format!(
        "{id} {size} {mtime_ns} {}\n",
        hex::encode(util::path_bytes(path))
    )
}

pub fn parse_request(line: &str) -> Option<(u64, u64, i64, std::path::PathBuf)> {
    let mut it = line.split_ascii_whitespace();
    let id = it.next()?.parse().ok()?;
    let size = it.next()?.parse().ok()?;
    let mtime = it.next()?.parse().ok()?;
    let bytes = hex::decode(it.next()?).ok()?;
    Some((id, size, mtime, util::path_from_bytes(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip_keeps_bytes() {
        let path = util::path_from_bytes(b"/x/\xFF #%.mkv");
        let line = request_line(7, 10, -5, &path);
        let (id, size, mtime, back) = parse_request(line.trim_end()).unwrap();
        assert_eq!((id, size, mtime), (7, 10, -5));
        assert_eq!(back, path);
    }
}
