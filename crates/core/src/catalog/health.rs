//! Health rows (migration 14): which files are due an integrity check, and
//! storing a worker's verdict.
//!
//! Invariants: one row per file, replaced whole by each check, so a killed
//! run keeps every verdict stored before the kill and the next run resumes
//! with the rest.

use rusqlite::{Connection, params};

use super::Result;
use super::files::{FileStat, Status};
use crate::verify::{HealthDoc, Level};

/// A catalogued file that may need a check.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub path_bytes: Vec<u8>,
    pub stat: FileStat,
    /// What the stored check was made at: (level, size, mtime, status).
    pub prior: Option<(Level, Option<u64>, Option<i64>, String)>,
    /// The stored verdict (`clean`, `damaged`, `unreadable`).
    pub health: Option<String>,
    /// What the scan found ([`crate::verify::Known`] as JSON), for a file
    /// it read.
    pub known: Option<String>,
}

impl Candidate {
    /// Needs a check at `level`: none yet, a shallower one, the file changed
    /// since, or the last check could not finish (`unstable`, `missing`,
    /// `timeout`). A crash is remembered: not retried until the file changes.
    pub fn is_due(&self, level: Level) -> bool {
        match &self.prior {
            None => true,
            Some((done, size, mtime, status)) => {
                *done < level
                    || *size != Some(self.stat.size)
                    || *mtime != Some(self.stat.mtime_ns)
                    || matches!(status.as_str(), "unstable" | "missing" | "timeout")
            }
        }
    }
}

/// Every file of `host` the scan found (not `missing`), with its health row.
pub fn candidates(conn: &Connection, host: &str) -> Result<Vec<Candidate>> {
    let mut stmt = conn.prepare(
        "SELECT m.id, m.path_bytes, m.dev, m.ino, m.size, m.mtime_ns,
                h.level, h.size, h.mtime_ns, h.status, h.health,
                CASE WHEN m.status = 'ok' THEN json_object('error', m.error,
                    'doc', json_remove(m.doc, '$.tags', '$.chapters', '$.attachments')) END
         FROM media m LEFT JOIN health h ON h.file_id = m.id
         WHERE m.host = ?1 AND m.status NOT IN ('missing', 'unstable')
         ORDER BY m.path_bytes",
    )?;
    let rows = stmt.query_map([host], |r| {
        let level: Option<String> = r.get(6)?;
        Ok(Candidate {
            id: r.get(0)?,
            path_bytes: r.get(1)?,
            stat: FileStat::from_row(r, 2)?,
            prior: match level.as_deref().and_then(Level::parse) {
                Some(l) => Some((
                    l,
                    r.get::<_, Option<i64>>(7)?.map(|s| s as u64),
                    r.get(8)?,
                    r.get(9)?,
                )),
                None => None,
            },
            health: r.get(10)?,
            known: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What one check found.
pub struct Outcome<'a> {
    pub level: Level,
    pub status: Status,
    /// Why the check itself failed (a crash, a timeout), when it did.
    pub error: Option<&'a str>,
    pub stat: FileStat,
    pub doc: &'a HealthDoc,
    pub ms: Option<f64>,
}

/// Store one file's verdict, replacing any earlier one.
pub fn store(conn: &mut Connection, file_id: i64, o: &Outcome) -> Result<()> {
    let d = o.doc;
    conn.execute(
        "INSERT OR REPLACE INTO health (file_id, size, mtime_ns, level, status, health, class,
             first_error_s, errors, affected_share, detail, checked_at, ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            file_id,
            o.stat.size as i64,
            o.stat.mtime_ns,
            o.level.as_str(),
            o.status.as_str(),
            d.health.map(|h| h.as_str()),
            d.class,
            d.first_error_s,
            d.errors as i64,
            d.affected_share,
            o.error.or(d.detail.as_deref()),
            crate::util::now_utc(),
            o.ms,
        ],
    )?;
    Ok(())
}
