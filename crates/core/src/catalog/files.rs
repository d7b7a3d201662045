//! Rows of scanned files: the typed records the scanner hands over, the
//! incremental-scan index read back, and the statements that write them.
//!
//! A file's identity is (host, path bytes); its document lives in `docs` and is
//! written in the same transaction as its `files` row, so the `media` view never
//! shows one without the other.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;
use crate::util;

/// What became of a file the last time it was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Error,
    Timeout,
    Crashed,
    Unsupported,
    Unstable,
    Missing,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Ok,
        Status::Error,
        Status::Timeout,
        Status::Crashed,
        Status::Unsupported,
        Status::Unstable,
        Status::Missing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::Timeout => "timeout",
            Status::Crashed => "crashed",
            Status::Unsupported => "unsupported",
            Status::Unstable => "unstable",
            Status::Missing => "missing",
        }
    }

    /// A failure of the probe itself (remembered, and not retried until the file changes).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Status::Error | Status::Timeout | Status::Crashed | Status::Unsupported
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown status {s:?}"))
    }
}

/// The parts of `stat` that tell whether a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStat {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i64,
}

impl FileStat {
    /// The stat in columns `at..at + 4` (dev, ino, size, mtime_ns) of a
    /// row; NULL reads as 0.
    pub fn from_row(r: &rusqlite::Row, at: usize) -> rusqlite::Result<FileStat> {
        let n = |i: usize| r.get::<_, Option<i64>>(at + i).map(|v| v.unwrap_or(0));
        Ok(FileStat {
            dev: n(0)? as u64,
            ino: n(1)? as u64,
            size: n(2)? as u64,
            mtime_ns: n(3)?,
        })
    }

    pub fn from_metadata(md: &std::fs::Metadata) -> FileStat {
        use std::os::unix::fs::MetadataExt;
        FileStat {
            dev: md.dev(),
            ino: md.ino(),
            size: md.size(),
            mtime_ns: md.mtime() * 1_000_000_000 + md.mtime_nsec(),
        }
    }
}

/// What the catalog already knows of a path, for the incremental diff.
#[derive(Debug, Clone, Copy)]
pub struct PriorRow {
    pub id: i64,
    pub stat: Option<FileStat>,
    pub status: Status,
    /// Scans in a row that found this file, unchanged, crashing a probe alone.
    pub crashes: u32,
    /// Set by the scan when the walk finds the path again.
    pub seen: bool,
}

impl PriorRow {
    /// A crashed file is probed once more on a later scan (a plugin upgrade
    /// often fixes it), then remembered until it changes.
    pub fn crash_retry_due(&self) -> bool {
        self.status == Status::Crashed && self.crashes < 2
    }
}

/// Path bytes → what the catalog knows. xxh3 rather than SipHash: a rescan of a
/// large library hashes every path twice, and the keys come from our own disk.
pub type KnownMap = HashMap<Vec<u8>, PriorRow, xxhash_rust::xxh3::Xxh3Builder>;

/// One file's outcome, ready to be stored.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub path_bytes: Vec<u8>,
    pub root: String,
    pub stat: Option<FileStat>,
    pub status: Status,
    pub error: Option<String>,
    /// The JSON document as text (`{}` when the probe found nothing).
    pub doc: String,
    pub probe_ms: Option<f64>,
    /// See [`PriorRow::crashes`]: 0 unless the file is `crashed` on evidence.
    pub crashes: u32,
    /// The file's sampled hash (see `sampled`), when the probe took one.
    pub sampled: Option<String>,
}

/// Everything the catalog knows under `root` for `host`: path bytes → state.
/// Reads the narrow `files` table only, through the (host, path_bytes) index.
pub fn known_under(conn: &Connection, host: &str, root: &[u8]) -> Result<KnownMap> {
    let (lo, hi) = prefix_range(root);
    let mut stmt = conn.prepare_cached(
        "SELECT path_bytes, id, dev, ino, size, mtime_ns, status, crashes FROM files
         WHERE host = ?1 AND ((path_bytes >= ?2 AND path_bytes < ?3) OR path_bytes = ?4)",
    )?;
    // The root itself too: a file given as a root is known like any other.
    let exact = &lo[..lo.len() - 1];
    let mut rows = stmt.query(params![host, lo, hi, exact])?;
    let expected: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM files
             WHERE host = ?1 AND ((path_bytes >= ?2 AND path_bytes < ?3) OR path_bytes = ?4)",
        )?
        .query_row(params![host, lo, hi, exact], |r| r.get(0))?;
    let mut out = KnownMap::with_capacity_and_hasher(expected as usize, Default::default());
    while let Some(r) = rows.next()? {
        let path: Vec<u8> = r.get(0)?;
        let dev: Option<i64> = r.get(2)?;
        let stat = match (
            dev,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, Option<i64>>(5)?,
        ) {
            (Some(dev), Some(ino), Some(size), Some(mtime_ns)) => Some(FileStat {
                dev: dev as u64,
                ino: ino as u64,
                size: size as u64,
                mtime_ns,
            }),
            _ => None,
        };
        let status: String = r.get(6)?;
        out.insert(
            path,
            PriorRow {
                id: r.get(1)?,
                stat,
                status: status.parse().unwrap_or(Status::Error),
                crashes: r.get(7)?,
                seen: false,
            },
        );
    }
    Ok(out)
}

/// The half-open byte range of every path strictly below directory `root`
/// (`root/` up to `root0`, since `'0'` follows `'/'`).
fn prefix_range(root: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut base = root.to_vec();
    while base.len() > 1 && base.ends_with(b"/") {
        base.pop();
    }
    if base == b"/" {
        base.clear();
    }
    let mut lo = base.clone();
    lo.push(b'/');
    let mut hi = base;
    hi.push(b'/' + 1);
    (lo, hi)
}

/// Insert or update one file and its document. Returns the row id.
pub fn upsert(
    tx: &Transaction,
    host: &str,
    scan_id: Option<i64>,
    now: &str,
    rec: &FileRecord,
) -> Result<i64> {
    let display = util::display_bytes(&rec.path_bytes);
    let (dev, ino, size, mtime) = match rec.stat {
        Some(s) => (
            Some(s.dev as i64),
            Some(s.ino as i64),
            Some(s.size as i64),
            Some(s.mtime_ns),
        ),
        None => (None, None, None, None),
    };
    let probed_at = rec.probe_ms.map(|_| now);
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO files (host, path, path_bytes, root, dev, ino, size, mtime_ns, status, error,
                                first_seen, probed_at, probe_ms, scan_id, crashes, sampled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (host, path_bytes) DO UPDATE SET
                -- A file named on the command line keeps the root it was found under.
                root = CASE WHEN excluded.root = files.path THEN files.root ELSE excluded.root END,
                dev = coalesce(excluded.dev, files.dev),
                ino = coalesce(excluded.ino, files.ino),
                size = coalesce(excluded.size, files.size),
                mtime_ns = coalesce(excluded.mtime_ns, files.mtime_ns),
                status = excluded.status,
                error = excluded.error,
                probed_at = coalesce(excluded.probed_at, files.probed_at),
                probe_ms = coalesce(excluded.probe_ms, files.probe_ms),
                scan_id = excluded.scan_id,
                crashes = excluded.crashes,
                -- The hash of the old bytes stays only while the file is unchanged.
                sampled = coalesce(excluded.sampled, CASE WHEN excluded.size IS files.size
                    AND excluded.mtime_ns IS files.mtime_ns THEN files.sampled END)
             RETURNING id",
        )?
        .query_row(
            params![
                host, display, rec.path_bytes, rec.root, dev, ino, size, mtime,
                rec.status.as_str(), rec.error, now, probed_at, rec.probe_ms, scan_id,
                rec.crashes, rec.sampled
            ],
            |r| r.get(0),
        )?;
    // A missing file keeps the time it was last seen.
    if rec.status == Status::Missing {
        tx.prepare_cached("INSERT INTO file_seen (file_id, last_seen) VALUES (?1, ?2) ON CONFLICT (file_id) DO NOTHING")?
            .execute(params![id, now])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO file_seen (file_id, last_seen) VALUES (?1, ?2)
             ON CONFLICT (file_id) DO UPDATE SET last_seen = excluded.last_seen",
        )?
        .execute(params![id, now])?;
    }
    // A missing or unstable file keeps the document it had: the catalog loses nothing.
    let keep_old_doc = matches!(rec.status, Status::Missing | Status::Unstable);
    if keep_old_doc {
        tx.prepare_cached(
            "INSERT INTO docs (file_id, doc) VALUES (?1, ?2) ON CONFLICT (file_id) DO NOTHING",
        )?
        .execute(params![id, rec.doc])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO docs (file_id, doc) VALUES (?1, ?2)
             ON CONFLICT (file_id) DO UPDATE SET doc = excluded.doc",
        )?
        .execute(params![id, rec.doc])?;
    }
    Ok(id)
}

/// Mark rows as vanished from disk. Their documents are kept.
pub fn mark_missing(tx: &Transaction, ids: &[i64], scan_id: Option<i64>) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let json = serde_json::to_string(ids).expect("ids serialize");
    Ok(tx
        .prepare_cached(
            "UPDATE files SET status = 'missing', scan_id = ?2
             WHERE id IN (SELECT value FROM json_each(?1)) AND status <> 'missing'",
        )?
        .execute(params![json, scan_id])?)
}

/// A file found at a new path: the row that held it at the old one.
#[derive(Debug, Clone)]
pub struct Moved {
    pub id: i64,
    pub path_bytes: Vec<u8>,
    pub root: String,
    /// The file's stat at the new path: another device and inode after a
    /// move across file systems.
    pub stat: FileStat,
    /// Its sampled hash, when the move was recognised by it.
    pub sampled: Option<String>,
}

/// Move rows to the paths their files were found at (and mark them seen):
/// the id, first sighting, document and everything keyed to the id stay.
pub fn move_rows(
    tx: &Transaction,
    moves: &[Moved],
    scan_id: Option<i64>,
    now: &str,
) -> Result<usize> {
    let mut n = 0;
    let mut stmt = tx.prepare_cached(
        "UPDATE files SET path = ?2, path_bytes = ?3, root = ?4, status = CASE status
             WHEN 'missing' THEN 'ok' ELSE status END, scan_id = ?5, dev = ?6, ino = ?7,
             size = ?8, mtime_ns = ?9, sampled = coalesce(?10, sampled) WHERE id = ?1",
    )?;
    for m in moves {
        n += stmt.execute(params![
            m.id,
            util::display_bytes(&m.path_bytes),
            m.path_bytes,
            m.root,
            scan_id,
            m.stat.dev as i64,
            m.stat.ino as i64,
            m.stat.size as i64,
            m.stat.mtime_ns,
            m.sampled
        ])?;
    }
    let ids: Vec<i64> = moves.iter().map(|m| m.id).collect();
    touch_seen(tx, &ids, now)?;
    Ok(n)
}

/// The stored sampled hashes of rows `ids` (those that have one).
pub fn sampled_of(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let json = serde_json::to_string(ids).expect("ids serialize");
    let mut stmt = conn.prepare_cached(
        "SELECT id, sampled FROM files
         WHERE id IN (SELECT value FROM json_each(?1)) AND sampled IS NOT NULL",
    )?;
    let rows = stmt.query_map([json], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Record that unchanged files were seen by this scan (one statement for all of them).
/// `scan_id` is left alone: it names the scan that last stored the row's state,
/// and rewriting it (and its index) for every unchanged file would make a
/// no-change rescan of a large library pay for an index rebuild.
pub fn touch_seen(tx: &Transaction, ids: &[i64], now: &str) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let json = serde_json::to_string(ids).expect("ids serialize");
    Ok(tx
        .prepare_cached(
            "UPDATE file_seen SET last_seen = ?2 WHERE file_id IN (SELECT value FROM json_each(?1))",
        )?
        .execute(params![json, now])?)
}

/// Counters of one scan run, stored in `scans`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ScanCounts {
    pub seen: u64,
    pub new: u64,
    pub changed: u64,
    /// Unchanged files probed again because of `--force`.
    pub reprobed: u64,
    pub unchanged: u64,
    pub missing: u64,
    pub failed: u64,
    pub probed: u64,
    /// Files found at a new path whose rows moved with them (not probed).
    #[serde(default)]
    pub moved: u64,
}

/// Start a scan row. The caller holds the scan lock, so any row still `running`
/// belongs to a process that died: it is marked `interrupted`.
pub fn scan_start(conn: &mut Connection, host: &str, roots_json: &str) -> Result<i64> {
    let now = util::now_utc();
    Ok(super::write_transaction(conn, |tx| {
        tx.execute(
            "UPDATE scans SET status = 'interrupted' WHERE status = 'running'",
            [],
        )?;
        tx.execute(
            "INSERT INTO scans (host, started_at, roots) VALUES (?1, ?2, ?3)",
            params![host, now, roots_json],
        )?;
        Ok(tx.last_insert_rowid())
    })?)
}

pub fn scan_finish(
    tx: &Transaction,
    id: i64,
    status: &str,
    counts: &ScanCounts,
    elapsed_s: f64,
    (offline, unreadable): (&str, &str),
    error: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE scans SET finished_at = ?2, status = ?3, seen = ?4, new = ?5, changed = ?6,
                unchanged = ?7, missing = ?8, failed = ?9, probed = ?10, elapsed_s = ?11,
                offline = ?12, unreadable = ?13, error = ?14, reprobed = ?15, moved = ?16
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        util::now_utc(),
        status,
        counts.seen as i64,
        counts.new as i64,
        counts.changed as i64,
        counts.unchanged as i64,
        counts.missing as i64,
        counts.failed as i64,
        counts.probed as i64,
        elapsed_s,
        offline,
        unreadable,
        error,
        counts.reprobed as i64,
        counts.moved as i64
    ])?;
    Ok(())
}

/// Mark a scan `failed` with its reason, touching nothing else: the smallest
/// write there is, for when the scan's own batches no longer fit.
pub fn scan_failed(tx: &Transaction, id: i64, reason: &str) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE scans SET status = 'failed', finished_at = ?2, error = ?3 WHERE id = ?1",
        params![id, util::now_utc(), reason],
    )?;
    Ok(())
}

/// A stored file's row and document, for `show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shown {
    pub host: String,
    pub path: String,
    pub status: String,
    pub error: Option<String>,
    pub size: Option<i64>,
    pub mtime_ns: Option<i64>,
    pub first_seen: String,
    pub last_seen: String,
    pub probed_at: Option<String>,
    pub doc: serde_json::Value,
}

pub fn show(conn: &Connection, host: &str, path_bytes: &[u8]) -> Result<Option<Shown>> {
    Ok(conn
        .query_row(
            "SELECT host, path, status, error, size, mtime_ns, first_seen, last_seen, probed_at, doc
             FROM media WHERE host = ?1 AND path_bytes = ?2",
            params![host, path_bytes],
            |r| {
                let doc: String = r.get(9)?;
                Ok(Shown {
                    host: r.get(0)?,
                    path: r.get(1)?,
                    status: r.get(2)?,
                    error: r.get(3)?,
                    size: r.get(4)?,
                    mtime_ns: r.get(5)?,
                    first_seen: r.get(6)?,
                    last_seen: r.get(7)?,
                    probed_at: r.get(8)?,
                    doc: serde_json::from_str(&doc).unwrap_or(serde_json::Value::Null),
                })
            },
        )
        .optional()?)
}

/// Row counts per status for one host (or all hosts).
pub fn status_counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt =
        conn.prepare("SELECT status, count(*) FROM files GROUP BY status ORDER BY status")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_range_covers_children_only() {
        let (lo, hi) = prefix_range(b"/lib/videos/");
        assert_eq!(lo, b"/lib/videos/");
        assert_eq!(hi, b"/lib/videos0");
        let inside: &[u8] = b"/lib/videos/a.mp4";
        let sibling: &[u8] = b"/lib/videos2/a.mp4";
        assert!(inside >= lo.as_slice() && inside < hi.as_slice());
        assert!(!(sibling >= lo.as_slice() && sibling < hi.as_slice()));
        assert_eq!(prefix_range(b"/").0, b"/");
    }
}
