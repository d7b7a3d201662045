//! The whole catalog as JSON Lines, and back: `dump` writes it, `load` merges
//! one or more dumps into a catalog (this is also how catalogs scanned on
//! several hosts become one).
//!
//! Format: a header line (`"type":"header"`, format name and version, tool and
//! schema version), then one object per row with a `type` of `scan`, `media` or
//! `recording`, in that order, each sorted by its identity, then a trailer line
//! with the row counts and a checksum (see [`super::trailer`]). Documents are nested
//! JSON, copied byte for byte. A path is `path` (display text) plus `path_hex`
//! (its exact bytes) whenever the bytes are not exactly that text.
//!
//! Invariants: a dump reads one snapshot; the same catalog always dumps to the
//! same lines after the header; loading is idempotent (the same dump twice
//! changes nothing) and "newer wins" row by row, so merge order does not
//! matter; one input file loads in one transaction, all of it or none, and
//! only if its trailer matches what was read (`--partial` loads the whole
//! lines of a dump that is cut short, or written before trailers existed).
//! Row identities: media and recordings by (host, path bytes), scans by
//! (host, started_at).

use std::collections::HashMap;
use std::io::{BufRead, Write};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::Catalog;
use super::trailer::{Tally, Trailer};
use crate::util;

pub const DUMP_FORMAT: &str = "mediadex-dump";
/// 2: the dump ends with a trailer. Version 1 dumps have none.
pub const DUMP_VERSION: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("line {line}: {message}")]
    Parse { line: u64, message: String },
    #[error("line {line}: {source}")]
    Row {
        line: u64,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "line {line}: dump format version {found} is newer than this mediadex reads ({DUMP_VERSION}); upgrade mediadex"
    )]
    TooNew { line: u64, found: u32 },
    /// The dump is not whole: cut short, empty, or without a matching trailer.
    #[error("{0}")]
    Incomplete(String),
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    Catalog(#[from] super::CatalogError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The bytes of a TEXT or BLOB value (rows written by hand may hold either).
fn raw_bytes<'a>(v: rusqlite::types::ValueRef<'a>) -> &'a [u8] {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => b,
        _ => &[],
    }
}

/// Stored JSON text (TEXT, or a BLOB holding UTF-8 text), as one line.
fn json_text(v: rusqlite::types::ValueRef) -> String {
    let raw = raw_bytes(v);
    if raw.is_empty() {
        return "null".into();
    }
    one_line_json(&String::from_utf8_lossy(raw))
}

/// Rows written by [`dump`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DumpCounts {
    pub scans: u64,
    pub media: u64,
    pub recordings: u64,
}

/// What [`load`] did with the rows of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Merge {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Merge {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Inserted => self.inserted += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadCounts {
    pub scans: Merge,
    pub media: Merge,
    pub recordings: Merge,
    /// With `--partial`: why the dump was not whole (what was left out).
    pub incomplete: Option<String>,
}

#[derive(Clone, Copy)]
enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

#[derive(Serialize, Deserialize)]
struct Header {
    #[serde(rename = "type")]
    kind: String,
    format: String,
    dump_version: u32,
    #[serde(default)]
    tool: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    schema_version: i64,
    #[serde(default)]
    generated_at: String,
    #[serde(default)]
    catalog: String,
}

#[derive(Serialize, Deserialize)]
struct ScanLine {
    host: String,
    started_at: String,
    finished_at: Option<String>,
    status: String,
    #[serde(default)]
    seen: i64,
    #[serde(default)]
    new: i64,
    #[serde(default)]
    changed: i64,
    #[serde(default)]
    unchanged: i64,
    #[serde(default)]
    missing: i64,
    #[serde(default)]
    failed: i64,
    #[serde(default)]
    probed: i64,
    elapsed_s: Option<f64>,
    /// Roots the scan left offline, and directories it could not read.
    #[serde(default = "empty_list", skip_serializing_if = "is_empty_list")]
    offline: serde_json::Value,
    #[serde(default = "empty_list", skip_serializing_if = "is_empty_list")]
    unreadable: serde_json::Value,
}

fn empty_list() -> serde_json::Value {
    serde_json::Value::Array(Vec::new())
}

fn is_empty_list(v: &serde_json::Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// A stored JSON list (`[]` when it is not valid JSON: nothing is lost that was there).
fn json_list(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or_else(|_| empty_list())
}

#[derive(Serialize, Deserialize)]
struct MediaLine {
    host: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_hex: Option<String>,
    root: String,
    dev: Option<i64>,
    ino: Option<i64>,
    size: Option<i64>,
    mtime_ns: Option<i64>,
    status: String,
    error: Option<String>,
    first_seen: String,
    last_seen: String,
    probed_at: Option<String>,
    probe_ms: Option<f64>,
    /// `started_at` of the scan that last touched the row (scans are per host).
    scan: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct RecordingLine {
    host: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_hex: Option<String>,
    status: String,
    device: Option<String>,
    started_at: String,
    ended_at: Option<String>,
    #[serde(default)]
    frames: i64,
    #[serde(default)]
    seconds: f64,
    rate: i64,
    channels: i64,
    format: String,
    label: Option<String>,
}

/// The fields of a line that carry raw JSON, borrowed from the line as written.
#[derive(Deserialize)]
struct RawParts<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    doc: Option<&'a RawValue>,
    #[serde(borrow)]
    roots: Option<&'a RawValue>,
}

/// `path_hex` is needed when the bytes are not exactly the display text.
fn path_hex(path: &str, bytes: &[u8]) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) if s == path => None,
        _ => Some(hex::encode(bytes)),
    }
}

/// Stored JSON text as one line: copied as is unless it spans lines.
fn one_line_json(text: &str) -> String {
    if text.contains(['\n', '\r']) {
        serde_json::from_str::<serde_json::Value>(text)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| text.replace(['\n', '\r'], " "))
    } else {
        text.to_string()
    }
}

/// Serialize `line` with `type` first and the raw JSON fields `extra` last.
fn write_line<T: Serialize>(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    kind: &str,
    line: &T,
    extra: &[(&str, &str)],
) -> std::io::Result<()> {
    buf.clear();
    serde_json::to_writer(&mut *buf, line)?;
    // `buf` holds `{...}` with at least one field: put its inside after `type`.
    out.write_all(b"{\"type\":")?;
    serde_json::to_writer(&mut *out, kind)?;
    out.write_all(b",")?;
    out.write_all(&buf[1..buf.len() - 1])?;
    for (k, v) in extra {
        out.write_all(b",")?;
        serde_json::to_writer(&mut *out, k)?;
        out.write_all(b":")?;
        out.write_all(v.as_bytes())?;
    }
    out.write_all(b"}\n")
}

/// Write one `kind` line per row of `sql`; `line` maps a row to the line's
/// fields and the JSON text stored under `raw_key`. Returns the row count.
fn write_table<T: Serialize>(
    tx: &Transaction,
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    kind: &str,
    raw_key: &str,
    sql: &str,
    line: impl Fn(&rusqlite::Row) -> rusqlite::Result<(T, String)>,
) -> Result<u64, DumpError> {
    let mut stmt = tx.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let (fields, raw) = line(r)?;
        write_line(out, buf, kind, &fields, &[(raw_key, &raw)])?;
        n += 1;
    }
    Ok(n)
}

/// Write the whole catalog to `out` as JSON Lines, from one read snapshot.
pub fn dump(
    cat: &Catalog,
    out: &mut dyn Write,
    generated_at: &str,
) -> Result<DumpCounts, DumpError> {
    let header = Header {
        kind: "header".into(),
        format: DUMP_FORMAT.into(),
        dump_version: DUMP_VERSION,
        tool: "mediadex".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema_version: cat.schema_version()?,
        generated_at: generated_at.into(),
        catalog: cat.path.display().to_string(),
    };
    serde_json::to_writer(&mut *out, &header).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;

    let tx = cat.conn.unchecked_transaction()?;
    let mut buf = Vec::with_capacity(4096);
    let top = out;
    let mut hashing = util::Sha256Writer::new(&mut *top);
    let out = &mut hashing;
    let scans = write_table(
        &tx,
        out,
        &mut buf,
        "scan",
        "roots",
        "SELECT host, started_at, finished_at, status, roots, seen, new, changed, unchanged,
                missing, failed, probed, elapsed_s, offline, unreadable
         FROM scans ORDER BY host, started_at, id",
        |r| {
            let line = ScanLine {
                host: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                status: r.get(3)?,
                seen: r.get(5)?,
                new: r.get(6)?,
                changed: r.get(7)?,
                unchanged: r.get(8)?,
                missing: r.get(9)?,
                failed: r.get(10)?,
                probed: r.get(11)?,
                elapsed_s: r.get(12)?,
                offline: json_list(r.get(13)?),
                unreadable: json_list(r.get(14)?),
            };
            Ok((line, json_text(r.get_ref(4)?)))
        },
    )?;
    let media = write_table(
        &tx,
        out,
        &mut buf,
        "media",
        "doc",
        "SELECT f.host, f.path, f.path_bytes, f.root, f.dev, f.ino, f.size, f.mtime_ns, f.status,
                f.error, f.first_seen, coalesce(fs.last_seen, f.first_seen), f.probed_at,
                f.probe_ms, s.started_at, coalesce(d.doc, '{}')
         FROM files f
         LEFT JOIN file_seen fs ON fs.file_id = f.id
         LEFT JOIN docs d ON d.file_id = f.id
         LEFT JOIN scans s ON s.id = f.scan_id AND s.host = f.host
         ORDER BY f.host, f.path_bytes",
        |r| {
            let path: String = r.get(1)?;
            let bytes = raw_bytes(r.get_ref(2)?);
            let line = MediaLine {
                host: r.get(0)?,
                path_hex: path_hex(&path, bytes),
                path,
                root: r.get(3)?,
                dev: r.get(4)?,
                ino: r.get(5)?,
                size: r.get(6)?,
                mtime_ns: r.get(7)?,
                status: r.get(8)?,
                error: r.get(9)?,
                first_seen: r.get(10)?,
                last_seen: r.get(11)?,
                probed_at: r.get(12)?,
                probe_ms: r.get(13)?,
                scan: r.get(14)?,
            };
            Ok((line, json_text(r.get_ref(15)?)))
        },
    )?;
    let recordings = write_table(
        &tx,
        out,
        &mut buf,
        "recording",
        "doc",
        "SELECT host, path, path_bytes, status, device, started_at, ended_at, frames, seconds,
                rate, channels, format, label, doc
         FROM recordings ORDER BY host, path_bytes",
        |r| {
            let path: String = r.get(1)?;
            let bytes = raw_bytes(r.get_ref(2)?);
            let line = RecordingLine {
                host: r.get(0)?,
                path_hex: path_hex(&path, bytes),
                path,
                status: r.get(3)?,
                device: r.get(4)?,
                started_at: r.get(5)?,
                ended_at: r.get(6)?,
                frames: r.get(7)?,
                seconds: r.get(8)?,
                rate: r.get(9)?,
                channels: r.get(10)?,
                format: r.get(11)?,
                label: r.get(12)?,
            };
            Ok((line, json_text(r.get_ref(13)?)))
        },
    )?;
    let counts = DumpCounts {
        scans,
        media,
        recordings,
    };
    tx.commit()?;
    let trailer = super::trailer::Trailer::new(counts, hashing.finish());
    serde_json::to_writer(&mut *top, &trailer).map_err(std::io::Error::from)?;
    top.write_all(b"\n")?;
    top.flush()?;
    Ok(counts)
}

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

fn is_empty(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM files) AND NOT EXISTS (SELECT 1 FROM recordings)",
        [],
        |r| r.get(0),
    )
}

/// Switch the journal mode; false when SQLite kept the old one (another
/// connection has the catalog open).
fn set_journal_mode(conn: &Connection, mode: &str) -> rusqlite::Result<bool> {
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
const LOAD_CACHE_KIB: i64 = -262_144;

fn load_in_transaction(
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
fn counts_note(slot: &mut Option<String>, message: String) {
    slot.get_or_insert(message);
}

fn line_path_bytes(path: &str, hex_text: Option<&str>, line: u64) -> Result<Vec<u8>, DumpError> {
    match hex_text {
        Some(h) => hex::decode(h).map_err(|e| DumpError::Parse {
            line,
            message: format!("bad path_hex: {e}"),
        }),
        None => Ok(path.as_bytes().to_vec()),
    }
}

/// The latest moment a row is known to describe: the newer of its last sighting,
/// its last probe and the scan that last touched it (a scan that marks a file
/// missing changes neither of the first two).
fn freshness<'a>(times: impl IntoIterator<Item = Option<&'a str>>) -> String {
    times
        .into_iter()
        .flatten()
        .max()
        .unwrap_or_default()
        .to_string()
}

fn scan_id_of(conn: &Connection, host: &str, started_at: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT id FROM scans WHERE host = ?1 AND started_at = ?2 ORDER BY id LIMIT 1",
    )?
    .query_row(params![host, started_at], |r| r.get(0))
    .optional()
}

fn merge_scan(tx: &Transaction, s: &ScanLine, roots: &str) -> rusqlite::Result<Outcome> {
    let existing: Option<(i64, Option<String>)> = tx
        .prepare_cached(
            "SELECT id, finished_at FROM scans WHERE host = ?1 AND started_at = ?2 ORDER BY id LIMIT 1",
        )?
        .query_row(params![s.host, s.started_at], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let values = params![
        s.host,
        s.started_at,
        s.finished_at,
        s.status,
        roots,
        s.seen,
        s.new,
        s.changed,
        s.unchanged,
        s.missing,
        s.failed,
        s.probed,
        s.elapsed_s,
        s.offline.to_string(),
        s.unreadable.to_string()
    ];
    match existing {
        None => {
            tx.prepare_cached(
                "INSERT INTO scans (host, started_at, finished_at, status, roots, seen, new, changed,
                                    unchanged, missing, failed, probed, elapsed_s, offline, unreadable)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?
            .execute(values)?;
            Ok(Outcome::Inserted)
        }
        // A finished scan is newer than the same scan seen while it ran.
        Some((id, finished))
            if s.finished_at.as_deref().unwrap_or("") > finished.as_deref().unwrap_or("") =>
        {
            tx.prepare_cached(
                "UPDATE scans SET finished_at = ?3, status = ?4, roots = ?5, seen = ?6, new = ?7,
                        changed = ?8, unchanged = ?9, missing = ?10, failed = ?11, probed = ?12,
                        elapsed_s = ?13, offline = ?15, unreadable = ?16
                 WHERE id = ?14 AND host = ?1 AND started_at = ?2",
            )?
            .execute(params![
                s.host,
                s.started_at,
                s.finished_at,
                s.status,
                roots,
                s.seen,
                s.new,
                s.changed,
                s.unchanged,
                s.missing,
                s.failed,
                s.probed,
                s.elapsed_s,
                id,
                s.offline.to_string(),
                s.unreadable.to_string()
            ])?;
            Ok(Outcome::Updated)
        }
        Some(_) => Ok(Outcome::Unchanged),
    }
}

fn merge_media(
    tx: &Transaction,
    m: &MediaLine,
    bytes: &[u8],
    scan_id: Option<i64>,
    doc: &str,
) -> rusqlite::Result<Outcome> {
    // No joins in this per-row lookup: SQLite re-prepares a statement with a
    // LEFT JOIN here on every execution (with `scans` it tripled load times; with
    // `file_seen` it cost 15% of a load). A correlated subquery does not.
    let existing: Option<(i64, String, Option<String>, Option<i64>)> = tx
        .prepare_cached(
            "SELECT f.id,
                    coalesce((SELECT fs.last_seen FROM file_seen fs WHERE fs.file_id = f.id),
                             f.first_seen),
                    f.probed_at, f.scan_id
             FROM files f
             WHERE f.host = ?1 AND f.path_bytes = ?2",
        )?
        .query_row(params![m.host, bytes], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let existing = match existing {
        None => None,
        Some((id, last_seen, probed_at, scan)) => {
            let scanned: Option<String> = match scan {
                Some(sid) => tx
                    .prepare_cached("SELECT started_at FROM scans WHERE id = ?1 AND host = ?2")?
                    .query_row(params![sid, m.host], |r| r.get(0))
                    .optional()?,
                None => None,
            };
            Some((
                id,
                freshness([
                    Some(last_seen.as_str()),
                    probed_at.as_deref(),
                    scanned.as_deref(),
                ]),
            ))
        }
    };
    let display = util::display_bytes(bytes);
    match existing {
        None => {
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO files (host, path, path_bytes, root, dev, ino, size, mtime_ns, status,
                                        error, first_seen, probed_at, probe_ms, scan_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                     RETURNING id",
                )?
                .query_row(
                    params![
                        m.host, display, bytes, m.root, m.dev, m.ino, m.size, m.mtime_ns, m.status,
                        m.error, m.first_seen, m.probed_at, m.probe_ms, scan_id
                    ],
                    |r| r.get(0),
                )?;
            tx.prepare_cached("INSERT INTO file_seen (file_id, last_seen) VALUES (?1, ?2)")?
                .execute(params![id, m.last_seen])?;
            tx.prepare_cached("INSERT INTO docs (file_id, doc) VALUES (?1, ?2)")?
                .execute(params![id, doc])?;
            Ok(Outcome::Inserted)
        }
        Some((id, theirs)) => {
            let ours = freshness([
                Some(m.last_seen.as_str()),
                m.probed_at.as_deref(),
                m.scan.as_deref(),
            ]);
            if ours <= theirs {
                return Ok(Outcome::Unchanged);
            }
            // The newer row wins whole, except that the file was first seen at
            // the earlier of the two sightings.
            tx.prepare_cached(
                "UPDATE files SET root = ?2, dev = ?3, ino = ?4, size = ?5, mtime_ns = ?6,
                        status = ?7, error = ?8, first_seen = min(first_seen, ?9),
                        probed_at = ?11, probe_ms = ?12, scan_id = ?13
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                m.root,
                m.dev,
                m.ino,
                m.size,
                m.mtime_ns,
                m.status,
                m.error,
                m.first_seen,
                m.last_seen,
                m.probed_at,
                m.probe_ms,
                scan_id
            ])?;
            tx.prepare_cached(
                "INSERT INTO file_seen (file_id, last_seen) VALUES (?1, ?2)
                 ON CONFLICT (file_id) DO UPDATE SET last_seen = excluded.last_seen",
            )?
            .execute(params![id, m.last_seen])?;
            tx.prepare_cached(
                "INSERT INTO docs (file_id, doc) VALUES (?1, ?2)
                 ON CONFLICT (file_id) DO UPDATE SET doc = excluded.doc",
            )?
            .execute(params![id, doc])?;
            Ok(Outcome::Updated)
        }
    }
}

fn merge_recording(
    tx: &Transaction,
    r: &RecordingLine,
    bytes: &[u8],
    doc: &str,
) -> rusqlite::Result<Outcome> {
    // A recording grows until it ends: the later end (or start), then the
    // longer capture, is the newer row.
    let existing: Option<(i64, String, i64)> = tx
        .prepare_cached(
            "SELECT id, coalesce(ended_at, started_at), frames FROM recordings
             WHERE host = ?1 AND path_bytes = ?2",
        )?
        .query_row(params![r.host, bytes], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let display = util::display_bytes(bytes);
    let values = params![
        r.host,
        display,
        bytes,
        r.status,
        r.device,
        r.started_at,
        r.ended_at,
        r.frames,
        r.seconds,
        r.rate,
        r.channels,
        r.format,
        r.label,
        doc
    ];
    match existing {
        None => {
            tx.prepare_cached(
                "INSERT INTO recordings (host, path, path_bytes, status, device, started_at, ended_at,
                                         frames, seconds, rate, channels, format, label, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(values)?;
            Ok(Outcome::Inserted)
        }
        Some((_, their_time, their_frames)) => {
            let our_time = r.ended_at.as_deref().unwrap_or(&r.started_at);
            if (our_time, r.frames) <= (their_time.as_str(), their_frames) {
                return Ok(Outcome::Unchanged);
            }
            tx.prepare_cached(
                "UPDATE recordings SET path = ?2, status = ?4, device = ?5, started_at = ?6,
                        ended_at = ?7, frames = ?8, seconds = ?9, rate = ?10, channels = ?11,
                        format = ?12, label = ?13, doc = ?14
                 WHERE host = ?1 AND path_bytes = ?3",
            )?
            .execute(values)?;
            Ok(Outcome::Updated)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_put_type_first_and_raw_json_last() {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        let line = RecordingLine {
            host: "h".into(),
            path: "/a".into(),
            path_hex: path_hex("/a\\xFF", b"/a\xFF"),
            status: "complete".into(),
            device: None,
            started_at: "t".into(),
            ended_at: None,
            frames: 1,
            seconds: 0.5,
            rate: 48000,
            channels: 1,
            format: "s16".into(),
            label: None,
        };
        write_line(
            &mut out,
            &mut buf,
            "recording",
            &line,
            &[("doc", "{\"a\":[1,2.5]}")],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(
            "{\"type\":\"recording\",\"host\":\"h\",\"path\":\"/a\",\"path_hex\":\"2f61ff\""
        ));
        assert!(text.ends_with(",\"doc\":{\"a\":[1,2.5]}}\n"), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["doc"]["a"][1], 2.5);
        assert_eq!(path_hex("/ok", b"/ok"), None);
    }

    #[test]
    fn freshness_is_the_latest_time() {
        assert_eq!(
            freshness([Some("2026-01-02"), None, Some("2026-01-03")]),
            "2026-01-03"
        );
    }
}
