//! Forgetting rows (`mediadex forget`): the only place rows of files are
//! deleted. A file's row goes with everything keyed to it (document, its
//! streams, last sighting, fingerprint and frames, similar pairs, health:
//! `ON DELETE CASCADE`).
//!
//! Invariants: the rows chosen are deleted in one transaction, all or none;
//! a dry run reads the same selection and changes nothing.

use rusqlite::{Connection, params};

use super::Result;
use crate::util;

/// What was (or, in a dry run, would be) forgotten.
#[derive(Debug, Default, serde::Serialize)]
pub struct Forgotten {
    pub files: u64,
    pub fingerprints: u64,
    pub health: u64,
    /// The files, as the catalog displays their paths (host first).
    pub paths: Vec<String>,
}

/// The rows of files scans found gone, on every host; with `before` (an
/// ISO time), only those last seen before it.
pub fn missing(conn: &mut Connection, before: Option<&str>, dry_run: bool) -> Result<Forgotten> {
    let chosen = {
        let mut stmt = conn.prepare(
            "SELECT f.id, f.host, f.path FROM files f LEFT JOIN file_seen s ON s.file_id = f.id
             WHERE f.status = 'missing'
               AND (?1 IS NULL OR coalesce(s.last_seen, f.first_seen) < ?1)
             ORDER BY f.host, f.path_bytes",
        )?;
        let rows = stmt.query_map(params![before], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    drop_rows(conn, chosen, dry_run)
}

/// This host's rows of the files `under` holds (by path bytes), whatever
/// their status.
pub fn paths(
    conn: &mut Connection,
    host: &str,
    under: &util::Under,
    dry_run: bool,
) -> Result<Forgotten> {
    let chosen = {
        let mut stmt = conn.prepare(
            "SELECT id, host, path, path_bytes FROM files WHERE host = ?1 ORDER BY path_bytes",
        )?;
        let rows = stmt.query_map([host], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, host, path, bytes) = row?;
            if under.holds(&bytes) {
                out.push((id, host, path));
            }
        }
        out
    };
    drop_rows(conn, chosen, dry_run)
}

/// Count what goes with `chosen` (id, host, path), and unless `dry_run`,
/// delete their rows in one transaction.
fn drop_rows(
    conn: &mut Connection,
    chosen: Vec<(i64, String, String)>,
    dry_run: bool,
) -> Result<Forgotten> {
    let mut f = Forgotten::default();
    let tx = rusqlite::Transaction::new(conn, rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut fp = tx.prepare_cached("SELECT count(*) FROM fingerprints WHERE file_id = ?1")?;
        let mut health = tx.prepare_cached("SELECT count(*) FROM health WHERE file_id = ?1")?;
        let mut del = tx.prepare_cached("DELETE FROM files WHERE id = ?1")?;
        for (id, host, path) in chosen {
            f.files += 1;
            f.fingerprints += fp.query_row([id], |r| r.get::<_, i64>(0))? as u64;
            f.health += health.query_row([id], |r| r.get::<_, i64>(0))? as u64;
            f.paths.push(format!("{host}:{path}"));
            if !dry_run {
                del.execute([id])?;
            }
        }
    }
    if dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(f)
}
