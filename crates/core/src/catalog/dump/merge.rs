//! Merging one line into the catalog, newer wins, row by row: scans by
//! (host, started_at), media, recordings and fingerprints by (host, path
//! bytes), roots by (host, path). History rows are facts of the day they were
//! taken: a day the catalog has already is kept.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::lines::*;
use super::*;
use crate::util;

pub(super) fn scan_id_of(
    conn: &Connection,
    host: &str,
    started_at: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT id FROM scans WHERE host = ?1 AND started_at = ?2 ORDER BY id LIMIT 1",
    )?
    .query_row(params![host, started_at], |r| r.get(0))
    .optional()
}

pub(super) fn merge_scan(tx: &Transaction, s: &ScanLine, roots: &str) -> rusqlite::Result<Merged> {
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
            Ok(Merged::Inserted)
        }
        // A finished scan is newer than the same scan seen while it ran.
        Some((id, finished))
            if s.finished_at.as_deref().unwrap_or("") > finished.as_deref().unwrap_or("") =>
        {
            tx.prepare_cached(
                "UPDATE scans SET finished_at = ?3, status = ?4, roots = ?5, seen = ?6, new = ?7,
                        changed = ?8, unchanged = ?9, missing = ?10, failed = ?11, probed = ?12,
                        elapsed_s = ?13, offline = ?14, unreadable = ?15
                 WHERE id = ?16 AND host = ?1 AND started_at = ?2",
            )?
            .execute(rusqlite::params_from_iter(
                values.iter().copied().chain([&id as &dyn rusqlite::ToSql]),
            ))?;
            Ok(Merged::Updated)
        }
        Some(_) => Ok(Merged::Unchanged),
    }
}

pub(super) fn merge_media(
    tx: &Transaction,
    m: &MediaLine,
    bytes: &[u8],
    scan_id: Option<i64>,
    doc: &str,
) -> rusqlite::Result<Merged> {
    match media_freshness(tx, &m.host, bytes)? {
        None => {
            insert_media(tx, m, bytes, scan_id, doc)?;
            Ok(Merged::Inserted)
        }
        Some((id, theirs)) => {
            let ours = freshness([
                Some(m.last_seen.as_str()),
                m.probed_at.as_deref(),
                m.scan.as_deref(),
            ]);
            if ours <= theirs {
                return Ok(Merged::Unchanged);
            }
            update_media(tx, id, m, scan_id, doc)?;
            Ok(Merged::Updated)
        }
    }
}

/// The catalog's row of (host, path bytes), if any: its id and how fresh it is.
fn media_freshness(
    tx: &Transaction,
    host: &str,
    bytes: &[u8],
) -> rusqlite::Result<Option<(i64, String)>> {
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
        .query_row(params![host, bytes], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((id, last_seen, probed_at, scan)) = existing else {
        return Ok(None);
    };
    let scanned: Option<String> = match scan {
        Some(sid) => tx
            .prepare_cached("SELECT started_at FROM scans WHERE id = ?1 AND host = ?2")?
            .query_row(params![sid, host], |r| r.get(0))
            .optional()?,
        None => None,
    };
    Ok(Some((
        id,
        freshness([
            Some(last_seen.as_str()),
            probed_at.as_deref(),
            scanned.as_deref(),
        ]),
    )))
}

fn insert_media(
    tx: &Transaction,
    m: &MediaLine,
    bytes: &[u8],
    scan_id: Option<i64>,
    doc: &str,
) -> rusqlite::Result<()> {
    let display = util::display_bytes(bytes);
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO files (host, path, path_bytes, root, dev, ino, size, mtime_ns, status,
                                error, first_seen, probed_at, probe_ms, scan_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             RETURNING id",
        )?
        .query_row(
            params![
                m.host,
                display,
                bytes,
                m.root,
                m.dev,
                m.ino,
                m.size,
                m.mtime_ns,
                m.status,
                m.error,
                m.first_seen,
                m.probed_at,
                m.probe_ms,
                scan_id
            ],
            |r| r.get(0),
        )?;
    tx.prepare_cached("INSERT INTO file_seen (file_id, last_seen) VALUES (?1, ?2)")?
        .execute(params![id, m.last_seen])?;
    tx.prepare_cached("INSERT INTO docs (file_id, doc) VALUES (?1, ?2)")?
        .execute(params![id, doc])?;
    Ok(())
}

/// The newer row wins whole, except that the file was first seen at the
/// earlier of the two sightings.
fn update_media(
    tx: &Transaction,
    id: i64,
    m: &MediaLine,
    scan_id: Option<i64>,
    doc: &str,
) -> rusqlite::Result<()> {
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
    Ok(())
}

pub(super) fn merge_recording(
    tx: &Transaction,
    r: &RecordingLine,
    bytes: &[u8],
    doc: &str,
) -> rusqlite::Result<Merged> {
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
            Ok(Merged::Inserted)
        }
        Some((_, their_time, their_frames)) => {
            let our_time = r.ended_at.as_deref().unwrap_or(&r.started_at);
            if (our_time, r.frames) <= (their_time.as_str(), their_frames) {
                return Ok(Merged::Unchanged);
            }
            tx.prepare_cached(
                "UPDATE recordings SET path = ?2, status = ?4, device = ?5, started_at = ?6,
                        ended_at = ?7, frames = ?8, seconds = ?9, rate = ?10, channels = ?11,
                        format = ?12, label = ?13, doc = ?14
                 WHERE host = ?1 AND path_bytes = ?3",
            )?
            .execute(values)?;
            Ok(Merged::Updated)
        }
    }
}

/// The latest moment a row is known to describe: the newer of its last sighting,
/// its last probe and the scan that last touched it (a scan that marks a file
/// missing changes neither of the first two).
pub(super) fn freshness<'a>(times: impl IntoIterator<Item = Option<&'a str>>) -> String {
    times
        .into_iter()
        .flatten()
        .max()
        .unwrap_or_default()
        .to_string()
}

pub(super) fn merge_root(tx: &Transaction, r: &RootLine) -> rusqlite::Result<Merged> {
    let existing: Option<(i64, String)> = tx
        .prepare_cached("SELECT dev, walked_at FROM roots WHERE host = ?1 AND path = ?2")?
        .query_row(params![r.host, r.path], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let merged = match &existing {
        None => Merged::Inserted,
        Some((dev, at)) if (at.as_str(), *dev) >= (r.walked_at.as_str(), r.dev) => {
            return Ok(Merged::Unchanged);
        }
        Some(_) => Merged::Updated,
    };
    tx.prepare_cached(
        "INSERT INTO roots (host, path, dev, walked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (host, path) DO UPDATE SET dev = excluded.dev, walked_at = excluded.walked_at",
    )?
    .execute(params![r.host, r.path, r.dev, r.walked_at])?;
    Ok(merged)
}

pub(super) fn merge_history(
    tx: &Transaction,
    h: &HistoryLine,
    [by_status, by_codec, by_resolution]: [&str; 3],
) -> rusqlite::Result<Merged> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO history (day, files, bytes, seconds, by_status, by_codec, by_resolution)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            h.day,
            h.files,
            h.bytes,
            h.seconds,
            by_status,
            by_codec,
            by_resolution
        ])?;
    Ok(if n == 0 {
        Merged::Unchanged
    } else {
        Merged::Inserted
    })
}

/// `None` when the catalog has no file row for the fingerprint's path.
pub(super) fn merge_fingerprint(
    tx: &Transaction,
    f: &FingerprintLine,
    bytes: &[u8],
    hashes: &[(i64, i64, f64)],
) -> rusqlite::Result<Option<Merged>> {
    let file: Option<(i64, Option<String>)> = tx
        .prepare_cached(
            "SELECT f.id, fp.fingerprinted_at FROM files f
             LEFT JOIN fingerprints fp ON fp.file_id = f.id
             WHERE f.host = ?1 AND f.path_bytes = ?2",
        )?
        .query_row(params![f.host, bytes], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((file_id, theirs)) = file else {
        return Ok(None);
    };
    let merged = match theirs {
        None => Merged::Inserted,
        Some(at) if at.as_str() >= f.fingerprinted_at.as_str() => {
            return Ok(Some(Merged::Unchanged));
        }
        Some(_) => Merged::Updated,
    };
    tx.prepare_cached("DELETE FROM fingerprint_frames WHERE file_id = ?1")?
        .execute([file_id])?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO fingerprints (file_id, version, size, mtime_ns, status, error,
                                              duration_s, frames, fingerprinted_at, ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        file_id,
        f.version,
        f.size,
        f.mtime_ns,
        f.status,
        f.error,
        f.duration_s,
        hashes.len() as i64,
        f.fingerprinted_at,
        f.ms
    ])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO fingerprint_frames (file_id, t_ms, hash, quality) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (t_ms, hash, quality) in hashes {
        insert.execute(params![file_id, t_ms, hash, quality])?;
    }
    crate::catalog::thumbnails::replace(tx, file_id, f.thumbnail.as_ref())?;
    Ok(Some(merged))
}

/// A file's health row from a dump: kept when the catalog has none for the
/// file or an older one (by `checked_at`).
pub(super) fn merge_health(
    tx: &Transaction,
    host: &str,
    bytes: &[u8],
    h: &HealthLine,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO health (file_id, size, mtime_ns, level, status, health, class,
             first_error_s, errors, affected_share, detail, checked_at, ms)
         SELECT f.id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14
         FROM files f LEFT JOIN health h ON h.file_id = f.id
         WHERE f.host = ?1 AND f.path_bytes = ?2
           AND (h.checked_at IS NULL OR h.checked_at < ?13)",
    )?
    .execute(params![
        host,
        bytes,
        h.size,
        h.mtime_ns,
        h.level,
        h.status,
        h.health,
        h.class,
        h.first_error_s,
        h.errors,
        h.affected_share,
        h.detail,
        h.checked_at,
        h.ms
    ])?;
    Ok(())
}

/// A decision is never changed, only added: one already known is left.
pub(super) fn merge_not_duplicate(
    tx: &Transaction,
    n: &NotDuplicateLine,
) -> rusqlite::Result<Merged> {
    let added = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO not_duplicates (a, b, a_path, b_path, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![n.a, n.b, n.a_path, n.b_path, n.decided_at])?;
    Ok(if added > 0 {
        Merged::Inserted
    } else {
        Merged::Unchanged
    })
}
