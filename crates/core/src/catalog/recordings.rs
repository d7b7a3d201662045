//! Rows of the `recordings` table: one per WAV file a recording produced (a
//! recording that rolled over has one row per part). The only SQL about
//! recordings lives here.
//!
//! Invariants: a row's identity is (host, path bytes), like scanned files; a row
//! is inserted with status `recording` before the first sample is written and
//! updated at checkpoints and at the end, so a crash leaves a `recording` row for
//! `repair` to find; every write runs in `BEGIN IMMEDIATE`. Fields without a
//! column live in the `doc` JSON.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Result;
use crate::util;

/// A recording's status, as the `recordings.status` column stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingStatus {
    /// Being captured (or killed while it was: `repair` finds these).
    Recording,
    Complete,
    Failed,
    /// Repaired after the recorder died.
    Recovered,
}

impl RecordingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingStatus::Recording => "recording",
            RecordingStatus::Complete => "complete",
            RecordingStatus::Failed => "failed",
            RecordingStatus::Recovered => "recovered",
        }
    }
}

impl std::fmt::Display for RecordingStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl rusqlite::types::ToSql for RecordingStatus {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for RecordingStatus {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        match v.as_str()? {
            "recording" => Ok(RecordingStatus::Recording),
            "complete" => Ok(RecordingStatus::Complete),
            "failed" => Ok(RecordingStatus::Failed),
            "recovered" => Ok(RecordingStatus::Recovered),
            other => Err(rusqlite::types::FromSqlError::Other(
                format!("unknown recording status {other:?}").into(),
            )),
        }
    }
}

/// The columns of a new row.
#[derive(Debug, Clone)]
pub struct NewRecording<'a> {
    pub host: &'a str,
    pub path_bytes: &'a [u8],
    pub status: RecordingStatus,
    pub device: Option<&'a str>,
    pub started_at: &'a str,
    pub rate: u32,
    pub channels: u16,
    pub format: &'a str,
    pub label: Option<&'a str>,
    pub doc: &'a serde_json::Value,
}

/// The columns that change as a recording goes on.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    pub status: RecordingStatus,
    pub ended_at: Option<&'a str>,
    pub frames: u64,
    pub seconds: f64,
    pub doc: &'a serde_json::Value,
}

/// A stored row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recording {
    pub id: i64,
    pub host: String,
    pub path: String,
    #[serde(skip)]
    pub path_bytes: Vec<u8>,
    pub status: RecordingStatus,
    pub device: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub frames: i64,
    pub seconds: f64,
    pub rate: i64,
    pub channels: i64,
    pub format: String,
    pub label: Option<String>,
    pub doc: serde_json::Value,
}

const COLUMNS: &str = "id, host, path, path_bytes, status, device, started_at, ended_at, frames, \
                       seconds, rate, channels, format, label, doc";

fn from_row(r: &Row) -> rusqlite::Result<Recording> {
    let doc: String = r.get(14)?;
    Ok(Recording {
        id: r.get(0)?,
        host: r.get(1)?,
        path: r.get(2)?,
        path_bytes: r.get(3)?,
        status: r.get(4)?,
        device: r.get(5)?,
        started_at: r.get(6)?,
        ended_at: r.get(7)?,
        frames: r.get(8)?,
        seconds: r.get(9)?,
        rate: r.get(10)?,
        channels: r.get(11)?,
        format: r.get(12)?,
        label: r.get(13)?,
        doc: serde_json::from_str(&doc).unwrap_or(serde_json::Value::Null),
    })
}

/// Insert a row for a file that is about to be recorded. A row already there
/// for the same file (a take recorded over with `--force`) is replaced.
pub fn insert(conn: &mut Connection, rec: &NewRecording) -> Result<i64> {
    let display = util::display_bytes(rec.path_bytes);
    let doc = rec.doc.to_string();
    Ok(super::write_transaction(conn, |tx| {
        tx.query_row(
            "INSERT INTO recordings (host, path, path_bytes, status, device, started_at, ended_at,
                                     frames, seconds, rate, channels, format, label, doc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 0, 0, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (host, path_bytes) DO UPDATE SET
                path = excluded.path, status = excluded.status, device = excluded.device,
                started_at = excluded.started_at, ended_at = NULL, frames = 0, seconds = 0,
                rate = excluded.rate, channels = excluded.channels, format = excluded.format,
                label = excluded.label, doc = excluded.doc
             RETURNING id",
            params![
                rec.host,
                display,
                rec.path_bytes,
                rec.status,
                rec.device,
                rec.started_at,
                rec.rate,
                rec.channels,
                rec.format,
                rec.label,
                doc
            ],
            |r| r.get(0),
        )
    })?)
}

/// Store a checkpoint or the final state of a row.
pub fn update(conn: &mut Connection, id: i64, p: &Progress) -> Result<()> {
    let doc = p.doc.to_string();
    super::write_transaction(conn, |tx| {
        tx.execute(
            "UPDATE recordings SET status = ?2, ended_at = coalesce(?3, ended_at), frames = ?4,
                    seconds = ?5, doc = ?6
             WHERE id = ?1",
            params![id, p.status, p.ended_at, p.frames as i64, p.seconds, doc],
        )
    })?;
    Ok(())
}

/// Rows of `host` still in state `recording`: live recordings, or ones a crash
/// interrupted.
pub fn unfinished(conn: &Connection, host: &str) -> Result<Vec<Recording>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM recordings WHERE host = ?1 AND status = 'recording'
         ORDER BY started_at, path"
    ))?;
    let rows = stmt
        .query_map(params![host], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The row of one file.
pub fn by_path(conn: &Connection, host: &str, path_bytes: &[u8]) -> Result<Option<Recording>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM recordings WHERE host = ?1 AND path_bytes = ?2"),
            params![host, path_bytes],
            from_row,
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use serde_json::json;

    #[test]
    fn lifecycle() {
        let dir = tempfile::tempdir().unwrap();
        let mut cat = Catalog::open(&dir.path().join("c.db")).unwrap();
        let doc = json!({"label": "take 1"});
        let new = NewRecording {
            host: "h",
            path_bytes: b"/r/a.wav",
            status: RecordingStatus::Recording,
            device: Some("hw:0"),
            started_at: "2026-01-01T00:00:00.000Z",
            rate: 48000,
            channels: 2,
            format: "s16",
            label: Some("take 1"),
            doc: &doc,
        };
        let id = insert(&mut cat.conn, &new).unwrap();
        assert_eq!(unfinished(&cat.conn, "h").unwrap().len(), 1);
        assert!(unfinished(&cat.conn, "other").unwrap().is_empty());
        let done = json!({"levels": {"peak_dbfs": -6.0}});
        update(
            &mut cat.conn,
            id,
            &Progress {
                status: RecordingStatus::Complete,
                ended_at: Some("2026-01-01T00:00:02.000Z"),
                frames: 96000,
                seconds: 2.0,
                doc: &done,
            },
        )
        .unwrap();
        let r = by_path(&cat.conn, "h", b"/r/a.wav").unwrap().unwrap();
        assert_eq!((r.status, r.frames), (RecordingStatus::Complete, 96000));
        assert_eq!(r.doc["levels"]["peak_dbfs"], json!(-6.0));
        assert!(unfinished(&cat.conn, "h").unwrap().is_empty());
        // Recording over the same file replaces the row.
        let id2 = insert(&mut cat.conn, &new).unwrap();
        assert_eq!(id2, id);
        let r = by_path(&cat.conn, "h", b"/r/a.wav").unwrap().unwrap();
        assert_eq!((r.status, r.frames), (RecordingStatus::Recording, 0));
        // The schema's CHECK keeps statuses honest, whoever writes them.
        assert!(
            cat.conn
                .execute("UPDATE recordings SET status = 'bogus' WHERE id = ?1", [id])
                .is_err()
        );
    }
}
