//! Thumbnails (migration 16): the small JPEG a fingerprint run keeps of each
//! video, stored with the fingerprint and read back for the pages that show
//! files to people (the export's page, a dedupe review).
//!
//! Invariants: a thumbnail is written in the same transaction as its
//! fingerprint row, replacing the one before (a file fingerprinted again
//! without a picture has none); it is read only while its fingerprint is
//! current (taken at the file's size and mtime), so a changed file never
//! shows the picture of what it was; readers ask for the files they show
//! and get only those.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::Result;

/// Most bytes a thumbnail may have (the schema checks it too).
pub const MAX_BYTES: usize = 10_000;

/// One stored thumbnail (also what a fingerprint worker sends, the JPEG as
/// hex digits).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Thumbnail {
    /// A baseline JPEG, starting FF D8.
    #[serde(with = "hex_text")]
    pub jpeg: Vec<u8>,
    pub width: i64,
    pub height: i64,
    /// Stream time of the frame, milliseconds.
    pub t_ms: i64,
}

/// Bytes as hex digits in JSON.
mod hex_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        hex::decode(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

/// Replace `file_id`'s thumbnail with `thumb` (none: drop it), inside the
/// caller's transaction. The fingerprint row must exist.
pub(crate) fn replace(
    tx: &rusqlite::Transaction,
    file_id: i64,
    thumb: Option<&Thumbnail>,
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM thumbnails WHERE file_id = ?1")?
        .execute([file_id])?;
    if let Some(t) = thumb.filter(|t| !t.jpeg.is_empty() && t.jpeg.len() <= MAX_BYTES) {
        tx.prepare_cached(
            "INSERT INTO thumbnails (file_id, jpeg, width, height, t_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![file_id, t.jpeg, t.width, t.height, t.t_ms])?;
    }
    Ok(())
}

/// The current thumbnails of the files `ids` (JPEG bytes by file id); files
/// without one are absent.
pub fn thumbnails(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, Vec<u8>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = serde_json::to_string(ids).expect("ids serialize");
    let mut stmt = conn.prepare(
        "SELECT t.file_id, t.jpeg
         FROM json_each(?1) j
         JOIN thumbnails t ON t.file_id = j.value
         JOIN fingerprints fp ON fp.file_id = t.file_id
         JOIN files f ON f.id = t.file_id
         WHERE fp.size IS f.size AND fp.mtime_ns IS f.mtime_ns",
    )?;
    let rows = stmt.query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The current thumbnails of the files named by (host, path as the `media`
/// view shows it), as reports name them; files without one are absent.
pub fn thumbnails_by_path(
    conn: &Connection,
    files: &[(String, String)],
) -> Result<HashMap<(String, String), Vec<u8>>> {
    if files.is_empty() {
        return Ok(HashMap::new());
    }
    let list = serde_json::to_string(files).expect("paths serialize");
    let mut stmt = conn.prepare(
        "SELECT f.host, f.path, t.jpeg
         FROM json_each(?1) j
         JOIN files f ON f.path = j.value ->> 1 AND f.host = j.value ->> 0
         JOIN thumbnails t ON t.file_id = f.id
         JOIN fingerprints fp ON fp.file_id = f.id
         WHERE fp.size IS f.size AND fp.mtime_ns IS f.mtime_ns",
    )?;
    let rows = stmt.query_map([list], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A file's whole thumbnail row, current or not (dumps carry it as stored).
pub fn get(conn: &Connection, file_id: i64) -> Result<Option<Thumbnail>> {
    let mut stmt =
        conn.prepare_cached("SELECT jpeg, width, height, t_ms FROM thumbnails WHERE file_id = ?1")?;
    let mut rows = stmt.query([file_id])?;
    Ok(match rows.next()? {
        Some(r) => Some(Thumbnail {
            jpeg: r.get(0)?,
            width: r.get(1)?,
            height: r.get(2)?,
            t_ms: r.get(3)?,
        }),
        None => None,
    })
}
