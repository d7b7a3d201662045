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
    let mut l = Loader {
        tx: &tx,
        partial,
        counts: LoadCounts::default(),
        scan_ids: HashMap::new(),
        line_no: 0,
        seen_header: false,
        tally: Tally::default(),
        trailer: None,
    };
    let mut text = String::new();
    loop {
        text.clear();
        let long = match read_bounded_line(input, &mut text)? {
            Line::End => break,
            Line::Whole => false,
            Line::TooLong => true,
        };
        l.line_no += 1;
        if long {
            let message = format!("longer than {} MiB", MAX_LINE >> 20);
            if l.partial {
                l.counts.skipped += 1;
                l.counts
                    .first_skipped
                    .get_or_insert_with(|| format!("line {}: {message}", l.line_no));
                continue;
            }
            return Err(DumpError::Implausible {
                line: l.line_no,
                message,
            });
        }
        if !text.ends_with('\n') {
            l.not_whole(format!(
                "line {} is cut short (no end of line): the dump is incomplete",
                l.line_no
            ))?;
            break;
        }
        l.line(&text)?;
    }
    l.end()?;
    let counts = l.counts;
    tx.commit()?;
    Ok(counts)
}

/// The longest line a load reads: a document of 16 MiB is far beyond any
/// probe's, and a longer line is not held in memory.
const MAX_LINE: usize = 16 << 20;

enum Line {
    End,
    Whole,
    TooLong,
}

/// One line into `text` (with its end of line), unless it is longer than
/// [`MAX_LINE`]: then the rest of it is read past and dropped.
fn read_bounded_line(input: &mut dyn BufRead, text: &mut String) -> Result<Line, DumpError> {
    let mut bytes = Vec::new();
    let mut too_long = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        let n = chunk.len();
        if !too_long {
            if bytes.len() + n > MAX_LINE {
                too_long = true;
                bytes = Vec::new();
            } else {
                bytes.extend_from_slice(chunk);
            }
        }
        input.consume(n);
        if done {
            break;
        }
    }
    if too_long {
        return Ok(Line::TooLong);
    }
    if bytes.is_empty() {
        return Ok(Line::End);
    }
    *text = String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))?;
    Ok(Line::Whole)
}

/// A load in progress: the counts, what the trailer will be checked against,
/// and the scans already looked up.
struct Loader<'t> {
    tx: &'t Transaction<'t>,
    partial: bool,
    counts: LoadCounts,
    scan_ids: HashMap<(String, String), Option<i64>>,
    line_no: u64,
    seen_header: bool,
    tally: Tally,
    trailer: Option<(u64, Trailer)>,
}

impl Loader<'_> {
    /// Without --partial, what makes the dump not whole is an error; with it,
    /// a note, and the loading stops there.
    fn not_whole(&mut self, message: String) -> Result<(), DumpError> {
        if self.partial {
            counts_note(&mut self.counts.incomplete, message);
            Ok(())
        } else {
            Err(DumpError::Incomplete(format!(
                "{message}; nothing was loaded (`load --partial` loads the whole rows)"
            )))
        }
    }

    fn parse_err(&self, e: serde_json::Error) -> DumpError {
        DumpError::Parse {
            line: self.line_no,
            message: e.to_string(),
        }
    }

    fn parse<'a, T: serde::Deserialize<'a>>(&self, line: &'a str) -> Result<T, DumpError> {
        serde_json::from_str(line).map_err(|e| self.parse_err(e))
    }

    fn row_err(&self) -> impl Fn(rusqlite::Error) -> DumpError + use<> {
        let line = self.line_no;
        move |source| DumpError::Row { line, source }
    }

    /// One whole line of the dump (with its end of line).
    fn line(&mut self, text: &str) -> Result<(), DumpError> {
        let line = text.trim();
        if line.is_empty() {
            return Ok(());
        }
        if let Some((at, _)) = &self.trailer {
            return Err(DumpError::Parse {
                line: self.line_no,
                message: format!("data after the trailer on line {at}"),
            });
        }
        let parts: RawParts = self.parse(line)?;
        if self.seen_header && parts.kind != "trailer" {
            self.tally.line(text.as_bytes());
        }
        match parts.kind.as_str() {
            "header" => self.header(line),
            "trailer" if self.seen_header => {
                self.trailer = Some((self.line_no, self.parse(line)?));
                Ok(())
            }
            _ if !self.seen_header => Err(DumpError::Parse {
                line: self.line_no,
                message: "no header line before the first row; is this a mediadex dump?".into(),
            }),
            _ => match self.row(line, &parts) {
                Err(DumpError::Implausible { line, message }) if self.partial => {
                    // Counted as the trailer counts it: a row of the dump.
                    match parts.kind.as_str() {
                        "media" => self.tally.counts.media += 1,
                        "recording" => self.tally.counts.recordings += 1,
                        "fingerprint" => self.tally.counts.fingerprints += 1,
                        _ => {}
                    }
                    self.counts.skipped += 1;
                    self.counts
                        .first_skipped
                        .get_or_insert_with(|| format!("line {line}: {message}"));
                    Ok(())
                }
                other => other,
            },
        }
    }

    fn header(&mut self, line: &str) -> Result<(), DumpError> {
        let h: Header = self.parse(line)?;
        if h.format != DUMP_FORMAT {
            return Err(DumpError::Parse {
                line: self.line_no,
                message: format!("not a mediadex dump (format {:?})", h.format),
            });
        }
        if h.dump_version > DUMP_VERSION {
            return Err(DumpError::TooNew {
                line: self.line_no,
                found: h.dump_version,
            });
        }
        if h.dump_version < 2 {
            self.not_whole(format!(
                "dump format {} was written by a mediadex from before dumps had a trailer, \
                 so it cannot be checked for completeness",
                h.dump_version
            ))?;
        }
        self.seen_header = true;
        Ok(())
    }

    /// A data line after the header.
    fn row(&mut self, line: &str, parts: &RawParts) -> Result<(), DumpError> {
        let tx = self.tx;
        let row_err = self.row_err();
        match parts.kind.as_str() {
            "scan" => {
                let s: ScanLine = self.parse(line)?;
                let roots = parts.roots.map(RawValue::get).unwrap_or("[]");
                let outcome = merge_scan(tx, &s, roots).map_err(row_err)?;
                self.scan_ids
                    .remove(&(s.host.clone(), s.started_at.clone()));
                self.counts.scans.count(outcome);
                self.tally.counts.scans += 1;
            }
            "media" => self.media(line, parts)?,
            "recording" => {
                let r: RecordingLine = self.parse(line)?;
                let bytes = line_path_bytes(&r.path, r.path_hex.as_deref(), self.line_no)?;
                object_doc(parts.doc.map(RawValue::get), self.line_no)?;
                let doc = parts.doc.map(RawValue::get).unwrap_or("{}");
                let outcome = merge_recording(tx, &r, &bytes, doc).map_err(row_err)?;
                self.counts.recordings.count(outcome);
                self.tally.counts.recordings += 1;
            }
            "root" => {
                let r: RootLine = self.parse(line)?;
                self.counts
                    .roots
                    .count(merge_root(tx, &r).map_err(row_err)?);
                self.tally.counts.roots += 1;
            }
            "history" => {
                let h: HistoryLine = self.parse(line)?;
                let breakdowns = [parts.by_status, parts.by_codec, parts.by_resolution]
                    .map(|v| v.map_or("{}", RawValue::get));
                self.counts
                    .history
                    .count(merge_history(tx, &h, breakdowns).map_err(row_err)?);
                self.tally.counts.history += 1;
            }
            "fingerprint" => self.fingerprint(line, parts)?,
            "not-duplicate" => {
                let n: NotDuplicateLine = self.parse(line)?;
                if n.a >= n.b {
                    return Err(DumpError::Implausible {
                        line: self.line_no,
                        message: "a not-duplicate decision whose hashes are not in order".into(),
                    });
                }
                let merged = merge_not_duplicate(tx, &n).map_err(row_err)?;
                self.counts.not_duplicates.count(merged);
                self.tally.counts.not_duplicates += 1;
            }
            other => {
                return Err(DumpError::Parse {
                    line: self.line_no,
                    message: format!(
                        "unknown row type {other:?}; the dump may come from a newer mediadex"
                    ),
                });
            }
        }
        Ok(())
    }

    fn media(&mut self, line: &str, parts: &RawParts) -> Result<(), DumpError> {
        let tx = self.tx;
        let row_err = self.row_err();
        let m: MediaLine = self.parse(line)?;
        let bytes = line_path_bytes(&m.path, m.path_hex.as_deref(), self.line_no)?;
        non_negative(
            &[("size", m.size), ("dev", m.dev), ("ino", m.ino)],
            self.line_no,
        )?;
        object_doc(parts.doc.map(RawValue::get), self.line_no)?;
        let scan_id = match &m.scan {
            Some(started) => {
                let key = (m.host.clone(), started.clone());
                match self.scan_ids.get(&key) {
                    Some(id) => *id,
                    None => {
                        let id = scan_id_of(tx, &m.host, started).map_err(&row_err)?;
                        self.scan_ids.insert(key, id);
                        id
                    }
                }
            }
            None => None,
        };
        let doc = parts.doc.map(RawValue::get).unwrap_or("{}");
        let outcome = merge_media(tx, &m, &bytes, scan_id, doc).map_err(&row_err)?;
        if let Some(h) = parts.health {
            let h: HealthLine = self.parse(h.get())?;
            merge_health(tx, &m.host, &bytes, &h).map_err(&row_err)?;
        }
        self.counts.media.count(outcome);
        self.tally.counts.media += 1;
        Ok(())
    }

    fn fingerprint(&mut self, line: &str, parts: &RawParts) -> Result<(), DumpError> {
        let f: FingerprintLine = self.parse(line)?;
        let bytes = line_path_bytes(&f.path, f.path_hex.as_deref(), self.line_no)?;
        let hashes: Vec<(i64, i64, f64)> =
            self.parse(parts.hashes.map(RawValue::get).unwrap_or("[]"))?;
        let merged = merge_fingerprint(self.tx, &f, &bytes, &hashes).map_err(self.row_err())?;
        let Some(merged) = merged else {
            return Err(DumpError::Parse {
                line: self.line_no,
                message: format!(
                    "fingerprint of {} on {}, which has no media row before it",
                    f.path, f.host
                ),
            });
        };
        self.counts.fingerprints.count(merged);
        self.tally.counts.fingerprints += 1;
        Ok(())
    }

    /// After the last line: the dump is whole only with a trailer that
    /// matches what was read.
    fn end(&mut self) -> Result<(), DumpError> {
        let line_no = self.line_no;
        match self.trailer.take() {
            _ if line_no == 0 => {
                self.not_whole("it is empty: the dump was cut off before it began".into())
            }
            None if self.seen_header => self.not_whole(format!(
                "it ends after line {line_no} without its trailer: the dump was cut short"
            )),
            None => self.not_whole("it holds no header line: is this a mediadex dump?".into()),
            Some((at, t)) => match t.mismatch(&self.tally.read()) {
                Some(diff) => self.not_whole(format!(
                    "line {at}: {diff}: the dump is incomplete or was altered"
                )),
                None => Ok(()),
            },
        }
    }
}

/// Keep the first reason a partial dump was not whole.
pub(super) fn counts_note(slot: &mut Option<String>, message: String) {
    slot.get_or_insert(message);
}
