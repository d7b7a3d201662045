//! The line protocol between a pool's parent and its worker processes, both
//! halves, and the answer for one request. No GStreamer here: the `mediadex`
//! executable, which runs the supervisor, never loads it.
//!
//! One line each way per event:
//! - parent → worker: `ID SIZE MTIME_NS HEXPATH [HEXNOTE]` ([`request_line`],
//!   [`parse_request`]); the note is what the caller knows of the file that
//!   spares the worker work (a check gets the catalog's document);
//! - worker → parent: `S ID` when it starts a path ([`started_line`]), `D {json}`
//!   when it is done ([`done_line`]); the parent reads both with [`parse_reply`].
//!
//! Invariant: a path and a note travel as hex of their bytes, so any Unix
//! path and any text survive.

use std::path::{Path, PathBuf};

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
    /// The file's [`crate::sampled`] hash, taken by a probe of a file that
    /// stayed put: what finds it again after a move across file systems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled: Option<String>,
    /// Set by the supervisor on a path given up because its worker kept being
    /// killed from outside: a failure of this run, not evidence against the file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_outside: bool,
}

impl Answer {
    /// An answer the parent makes up for a request the worker never answered
    /// (a timeout, a crash): no document, no time.
    pub fn failed(id: u64, status: Status, error: String) -> Answer {
        Answer {
            id,
            status,
            error: Some(error),
            doc: empty_doc(),
            ms: 0.0,
            stat: None,
            sampled: None,
            from_outside: false,
        }
    }
}

pub fn empty_doc() -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string("{}".into()).expect("valid JSON")
}

/// A request as the worker reads it: which path, and the size and mtime the
/// parent saw (the worker checks the file still has them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub id: u64,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    /// What the parent knows of the file besides (see [`request_line`]).
    pub note: Option<String>,
}

/// Encode a request line, with `note` when there is one.
pub fn request_line(id: u64, stat: &FileStat, path: &Path, note: Option<&str>) -> String {
    let note = note
        .map(|n| format!(" {}", hex::encode(n)))
        .unwrap_or_default();
    format!(
        "{id} {} {} {}{note}\n",
        stat.size,
        stat.mtime_ns,
        hex::encode(util::path_bytes(path))
    )
}

/// Decode a request line; `None` for a line that is not one.
pub fn parse_request(line: &str) -> Option<Asked> {
    let mut it = line.split_ascii_whitespace();
    let id = it.next()?.parse().ok()?;
    let size = it.next()?.parse().ok()?;
    let mtime_ns = it.next()?.parse().ok()?;
    let bytes = hex::decode(it.next()?).ok()?;
    let note = match it.next() {
        Some(n) => Some(String::from_utf8(hex::decode(n).ok()?).ok()?),
        None => None,
    };
    Some(Asked {
        id,
        path: util::path_from_bytes(&bytes),
        size,
        mtime_ns,
        note,
    })
}

/// What a worker says about one request.
#[derive(Debug)]
pub enum Reply {
    /// It starts the request: a death from now on may be this path's doing.
    Started(u64),
    Done(Box<Answer>),
}

/// The `S` line: written and flushed before the work on `id` begins.
pub fn started_line(id: u64) -> String {
    format!("S {id}\n")
}

/// The `D` line carrying `answer`.
pub fn done_line(answer: &Answer) -> String {
    let json = serde_json::to_string(answer).expect("an answer serializes");
    format!("D {json}\n")
}

/// Decode a worker's line; `None` for anything else (the parent ignores it).
pub fn parse_reply(line: &str) -> Option<Reply> {
    if let Some(id) = line.strip_prefix("S ") {
        id.trim().parse().ok().map(Reply::Started)
    } else if let Some(json) = line.strip_prefix("D ") {
        serde_json::from_str::<Answer>(json)
            .ok()
            .map(|a| Reply::Done(Box::new(a)))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip_keeps_bytes() {
        let path = util::path_from_bytes(b"/x/\xFF #%.mkv");
        let stat = FileStat {
            dev: 1,
            ino: 2,
            size: 10,
            mtime_ns: -5,
        };
        let line = request_line(7, &stat, &path, None);
        let asked = parse_request(line.trim_end()).unwrap();
        let mut want = Asked {
            id: 7,
            path: path.clone(),
            size: 10,
            mtime_ns: -5,
            note: None,
        };
        assert_eq!(asked, want);
        let line = request_line(7, &stat, &path, Some("{\"a\": \"b c\"}"));
        want.note = Some("{\"a\": \"b c\"}".into());
        assert_eq!(parse_request(line.trim_end()).unwrap(), want);
    }

    #[test]
    fn replies_round_trip() {
        assert!(matches!(
            parse_reply(started_line(3).trim_end()),
            Some(Reply::Started(3))
        ));
        let answer = Answer::failed(4, Status::Timeout, "slow".into());
        let Some(Reply::Done(back)) = parse_reply(done_line(&answer).trim_end()) else {
            panic!("not a D line");
        };
        assert_eq!((back.id, back.status), (4, Status::Timeout));
        assert!(parse_reply("noise").is_none());
    }
}
