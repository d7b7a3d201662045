//! Loading a dump: check it whole (or take its whole lines with `--partial`),
//! then merge it in one transaction.

use std::collections::HashMap;
use std::io::BufRead;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde_json::value::RawValue;

use super::lines::*;
use super::merge::*;
use super::*;
use crate::catalog::Catalog;
use crate::catalog::trailer::{Tally, Trailer};

/// Merge one dump into the catalog, in one transaction. Without `partial`, a
/// dump whose trailer is missing or does not match what was read loads
/// nothing; with it, the whole lines are loaded and what was wrong is noted in
/// [`LoadCounts::incomplete`].
pub fn load(
    cat: &mut Catalog,
    input: &mut dyn BufRead,
    partial: bool,
) -> Result<LoadCounts, DumpError> {
    // A big merge touches every index page: keep them in memory rather than
    // spilling to the WAL and reading them back mid-transaction.
    let cache: i64 = cat
        .conn
        .pragma_query_value(None, "cache_size", |r| r.get(0))?;
    cat.conn.pragma_update(None, "cache_size", LOAD_CACHE_KIB)?;
    // Into a catalog without rows, write the pages once: in WAL mode every page
    // goes to the WAL and then again into the file at the checkpoint. A rollback
    // journal only has to remember the few pages that existed before, and a
    // killed load still rolls back to the empty catalog. Only when no other
    // connection has the catalog open (else SQLite keeps WAL, and so do we).
    let direct = is_empty(&cat.conn)? && set_journal_mode(&cat.conn, "delete")?;
    let out = load_in_transaction(cat, input, partial);
    if direct {
        set_journal_mode(&cat.conn, "wal")?;
    }
    cat.conn.pragma_update(None, "cache_size", cache)?;
    out
}

pub(super) fn is_empty(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM files) AND NOT EXISTS (SELECT 1 FROM recordings)",
        [],
        |r| r.get(0),
    )
}

/// Switch the journal mode; false when SQLite kept the old one (another
/// connection has the catalog open).
pub(super) fn set_journal_mode(conn: &Connection, mode: &str) -> rusqlite::Result<bool> {
    match conn.pragma_update_and_check(None, "journal_mode", mode, |r| r.get::<_, String>(0)) {
        Ok(now) => Ok(now.eq_ignore_ascii_case(mode)),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Page cache for `load`, in KiB (as a negative `cache_size`).
pub(super) const LOAD_CACHE_KIB: i64 = -262_144;

pub(super) fn load_in_transaction(
    cat: &mut Catalog,
    input: &mut dyn BufRead,
    partial: bool,
) -> Result<LoadCounts, DumpError> {
    let tx = Transaction::new(&mut cat.conn, TransactionBehavior::Immediate)?;
    let mut counts = LoadCounts::default();
    let mut scan_ids: HashMap<(String, String), Option<i64>> = HashMap::new();
    let mut text = String::new();
    let mut line_no = 0u64;
    let mut seen_header = false;
    let mut tally = Tally::default();
    let mut trailer: Option<(u64, Trailer)> = None;
    // Without --partial, what makes the dump not whole is an error; with it, a
    // note, and the loading stops there.
    let mut not_whole = |message: String| -> Result<(), DumpError> {
        if partial {
            counts_note(&mut counts.incomplete, message);
            Ok(())
        } else {
            Err(DumpError::Incomplete(format!(
                "{message}; nothing was loaded (`load --partial` loads the whole rows)"
            )))
        }
    };
    loop {
        text.clear();
        if input.read_line(&mut text)? == 0 {
            break;
        }
        line_no += 1;
        if !text.ends_with('\n') {
            not_whole(format!(
                "line {line_no} is cut short (no end of line): the dump is incomplete"
            ))?;
            break;
        }
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        if let Some((at, _)) = &trailer {
            return Err(DumpError::Parse {
                line: line_no,
                message: format!("data after the trailer on line {at}"),
            });
        }
        let parse_err = |e: serde_json::Error| DumpError::Parse {
            line: line_no,
            message: e.to_string(),
        };
        let parts: RawParts = serde_json::from_str(line).map_err(parse_err)?;
        if seen_header && parts.kind != "trailer" {
            tally.line(text.as_bytes());
        }
        let row_err = |source| DumpError::Row {
            line: line_no,
            source,
        };
        match parts.kind.as_str() {
            "header" => {
                let h: Header = serde_json::from_str(line).map_err(parse_err)?;
                if h.format != DUMP_FORMAT {
                    return Err(DumpError::Parse {
                        line: line_no,
                        message: format!("not a mediadex dump (format {:?})", h.format),
                    });
                }
                if h.dump_version > DUMP_VERSION {
                    return Err(DumpError::TooNew {
                        line: line_no,
                        found: h.dump_version,
                    });
                }
                if h.dump_version < 2 {
                    not_whole(format!(
                        "dump format {} was written by a mediadex from before dumps had a trailer, \
                         so it cannot be checked for completeness",
                        h.dump_version
                    ))?;
                }
                seen_header = true;
            }
            "trailer" if seen_header => {
                let t: Trailer = serde_json::from_str(line).map_err(parse_err)?;
                trailer = Some((line_no, t));
            }
            _ if !seen_header => {
                return Err(DumpError::Parse {
                    line: line_no,
                    message: "no header line before the first row; is this a mediadex dump?".into(),
                });
            }
            "scan" => {
                let s: ScanLine = serde_json::from_str(line).map_err(parse_err)?;
                let roots = parts.roots.map(RawValue::get).unwrap_or("[]");
                let outcome = merge_scan(&tx, &s, roots).map_err(row_err)?;
                scan_ids.remove(&(s.host.clone(), s.started_at.clone()));
                counts.scans.count(outcome);
                tally.counts.scans += 1;
            }
            "media" => {
                let m: MediaLine = serde_json::from_str(line).map_err(parse_err)?;
                let bytes = line_path_bytes(&m.path, m.path_hex.as_deref(), line_no)?;
                let scan_id = match &m.scan {
                    Some(started) => {
                        let key = (m.host.clone(), started.clone());
                        match scan_ids.get(&key) {
                            Some(id) => *id,
                            None => {
                                let id = scan_id_of(&tx, &m.host, started).map_err(row_err)?;
                                scan_ids.insert(key, id);
                                id
                            }
                        }
                    }
                    None => None,
                };
                let doc = parts.doc.map(RawValue::get).unwrap_or("{}");
                let outcome = merge_media(&tx, &m, &bytes, scan_id, doc).map_err(row_err)?;
                counts.media.count(outcome);
                tally.counts.media += 1;
            }
            "recording" => {
                let r: RecordingLine = serde_json::from_str(line).map_err(parse_err)?;
                let bytes = line_path_bytes(&r.path, r.path_hex.as_deref(), line_no)?;
                let doc = parts.doc.map(RawValue::get).unwrap_or("{}");
                let outcome = merge_recording(&tx, &r, &bytes, doc).map_err(row_err)?;
                counts.recordings.count(outcome);
                tally.counts.recordings += 1;
            }
            "root" => {
                let r: RootLine = serde_json::from_str(line).map_err(parse_err)?;
                counts.roots.count(merge_root(&tx, &r).map_err(row_err)?);
                tally.counts.roots += 1;
            }
            "history" => {
                let h: HistoryLine = serde_json::from_str(line).map_err(parse_err)?;
                let breakdowns = [parts.by_status, parts.by_codec, parts.by_resolution]
                    .map(|v| v.map_or("{}", RawValue::get));
                counts
                    .history
                    .count(merge_history(&tx, &h, breakdowns).map_err(row_err)?);
                tally.counts.history += 1;
            }
            "fingerprint" => {
                let f: FingerprintLine = serde_json::from_str(line).map_err(parse_err)?;
                let bytes = line_path_bytes(&f.path, f.path_hex.as_deref(), line_no)?;
                let hashes: Vec<(i64, i64, f64)> =
                    serde_json::from_str(parts.hashes.map(RawValue::get).unwrap_or("[]"))
                        .map_err(parse_err)?;
                let merged = merge_fingerprint(&tx, &f, &bytes, &hashes).map_err(row_err)?;
                let Some(merged) = merged else {
                    return Err(DumpError::Parse {
                        line: line_no,
                        message: format!(
                            "fingerprint of {} on {}, which has no media row before it",
                            f.path, f.host
                        ),
                    });
                };
                counts.fingerprints.count(merged);
                tally.counts.fingerprints += 1;
            }
            other => {
                return Err(DumpError::Parse {
                    line: line_no,
                    message: format!(
                        "unknown row type {other:?}; the dump may come from a newer mediadex"
                    ),
                });
            }
        }
    }
    match &trailer {
        _ if line_no == 0 => not_whole("it is empty: the dump was cut off before it began".into())?,
        None if seen_header => not_whole(format!(
            "it ends after line {line_no} without its trailer: the dump was cut short"
        ))?,
        None => not_whole("it holds no header line: is this a mediadex dump?".into())?,
        Some((at, t)) => {
            if let Some(diff) = t.mismatch(&tally.read()) {
                not_whole(format!(
                    "line {at}: {diff}: the dump is incomplete or was altered"
                ))?;
            }
        }
    }
    tx.commit()?;
    Ok(counts)
}

/// Keep the first reason a partial dump was not whole.
pub(super) fn counts_note(slot: &mut Option<String>, message: String) {
    slot.get_or_insert(message);
}
