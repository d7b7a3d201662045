//! Fingerprint rows (migrations 8, 13 and 16): which files need fingerprinting,
//! storing a worker's result, reading every current fingerprint for the
//! matcher, the content hashes of same-size files, why a file cannot be
//! matched, and replacing the similar pairs.
//!
//! Invariants: a file's fingerprint row, its frames and its thumbnail are
//! written in one transaction, so a killed run never leaves frames without
//! their row or a row with half its frames; the pairs and groups are replaced in one transaction,
//! so `report similar` reads one matcher run, never a mix.

use rusqlite::{Connection, params};

use super::Result;
use super::files::{FileStat, Status};
use crate::fingerprint::matcher::{FrameStore, Pair, Relation};
use crate::fingerprint::{Frame, VERSION};

/// A catalogued file that may need a fingerprint.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub path_bytes: Vec<u8>,
    pub root: String,
    pub stat: FileStat,
    /// The catalog says it has no video stream.
    pub no_video: bool,
    /// What the stored fingerprint was taken at: (version, size, mtime, status).
    pub prior: Option<(i64, Option<u64>, Option<i64>, String)>,
}

impl Candidate {
    /// Needs (re)fingerprinting: none yet, another recipe, the file changed, or
    /// the last attempt was cut short (`unstable`, `missing`). Failures are
    /// remembered like the scan's: not retried until the file changes.
    pub fn is_due(&self) -> bool {
        match &self.prior {
            None => true,
            Some((version, size, mtime, status)) => {
                *version != VERSION
                    || *size != Some(self.stat.size)
                    || *mtime != Some(self.stat.mtime_ns)
                    || status == "unstable"
                    || status == "missing"
            }
        }
    }
}

/// Every `ok` file of `host`, with what its fingerprint row says.
pub fn candidates(conn: &Connection, host: &str) -> Result<Vec<Candidate>> {
    let mut stmt = conn.prepare(
        "SELECT m.id, m.path_bytes, m.root, m.dev, m.ino, m.size, m.mtime_ns,
                coalesce(m.video_streams, m.video_codec IS NOT NULL) = 0,
                fp.version, fp.size, fp.mtime_ns, fp.status
         FROM media m LEFT JOIN fingerprints fp ON fp.file_id = m.id
         WHERE m.host = ?1 AND m.status = 'ok'
         ORDER BY m.path_bytes",
    )?;
    let rows = stmt.query_map([host], |r| {
        let version: Option<i64> = r.get(8)?;
        Ok(Candidate {
            id: r.get(0)?,
            path_bytes: r.get(1)?,
            root: r.get(2)?,
            stat: FileStat::from_row(r, 3)?,
            no_video: r.get(7)?,
            prior: match version {
                Some(v) => Some((
                    v,
                    r.get::<_, Option<i64>>(9)?.map(|s| s as u64),
                    r.get(10)?,
                    r.get(11)?,
                )),
                None => None,
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What one fingerprint attempt found.
pub struct Outcome<'a> {
    /// `None` for `skipped`.
    pub status: Option<Status>,
    pub error: Option<&'a str>,
    pub stat: FileStat,
    pub duration_s: Option<f64>,
    pub frames: &'a [Frame],
    pub ms: Option<f64>,
    /// The picture taken in the same run, if any.
    pub thumbnail: Option<&'a super::thumbnails::Thumbnail>,
}

/// Store one file's fingerprint (replacing any earlier one) in one transaction.
pub fn store(conn: &mut Connection, file_id: i64, o: &Outcome) -> Result<()> {
    super::write_transaction(conn, |tx| {
        tx.execute(
            "INSERT INTO fingerprints (file_id, version, size, mtime_ns, status, error, duration_s, frames, fingerprinted_at, ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (file_id) DO UPDATE SET version = excluded.version, size = excluded.size,
                 mtime_ns = excluded.mtime_ns, status = excluded.status, error = excluded.error,
                 duration_s = excluded.duration_s, frames = excluded.frames,
                 fingerprinted_at = excluded.fingerprinted_at, ms = excluded.ms,
                 content_hash = NULL",
            params![
                file_id,
                VERSION,
                o.stat.size as i64,
                o.stat.mtime_ns,
                o.status.map_or("skipped", Status::as_str),
                o.error,
                o.duration_s,
                o.frames.len() as i64,
                crate::util::now_utc(),
                o.ms,
            ],
        )?;
        tx.execute(
            "DELETE FROM fingerprint_frames WHERE file_id = ?1",
            [file_id],
        )?;
        let mut ins = tx.prepare_cached(
            "INSERT OR REPLACE INTO fingerprint_frames (file_id, t_ms, hash, quality) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for f in o.frames {
            ins.execute(params![file_id, f.t_ms, f.hash as i64, f.quality as f64])?;
        }
        super::thumbnails::replace(tx, file_id, o.thumbnail)
    })?;
    Ok(())
}

/// Every current `ok` fingerprint (this recipe, file unchanged and not
/// missing), of every host, as the matcher reads it: frames under
/// `min_quality` are left in the catalog.
pub fn load_current(conn: &Connection, min_quality: f32) -> Result<FrameStore> {
    let mut stmt = conn.prepare(
        "SELECT fp.file_id, coalesce(fp.duration_s, 0), fr.t_ms, fr.hash, fr.quality
         FROM fingerprints fp JOIN files f ON f.id = fp.file_id
              JOIN fingerprint_frames fr ON fr.file_id = fp.file_id
         WHERE fp.status = 'ok' AND fp.version = ?1 AND f.status = 'ok'
           AND fp.size IS f.size AND fp.mtime_ns IS f.mtime_ns
         ORDER BY fp.file_id, fr.t_ms",
    )?;
    let mut rows = stmt.query([VERSION])?;
    let mut lib = FrameStore::new(min_quality);
    let mut last = None;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if last != Some(id) {
            lib.add_file(id, r.get(1)?);
            last = Some(id);
        }
        lib.add_frame(&Frame {
            t_ms: r.get(2)?,
            hash: r.get::<_, i64>(3)? as u64,
            quality: r.get::<_, f64>(4)? as f32,
        });
    }
    Ok(lib)
}

/// Every stored similar pair, by (a, b).
pub fn pairs(conn: &Connection) -> Result<Vec<Pair>> {
    let mut stmt = conn.prepare(
        "SELECT a, b, relation, offset_s, speed, coverage_a, coverage_b, score, votes
         FROM similar_pairs ORDER BY a, b",
    )?;
    let rows = stmt.query_map([], |r| {
        let relation: String = r.get(2)?;
        Ok(Pair {
            a: r.get(0)?,
            b: r.get(1)?,
            relation: Relation::parse(&relation).unwrap_or(Relation::Overlap),
            offset_s: r.get(3)?,
            speed: r.get(4)?,
            coverage_a: r.get(5)?,
            coverage_b: r.get(6)?,
            score: r.get(7)?,
            votes: r.get::<_, i64>(8)? as usize,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Replace every pair and group with one matcher run's.
pub fn replace_pairs(conn: &mut Connection, pairs: &[Pair], groups: &[(i64, i64)]) -> Result<()> {
    super::write_transaction(conn, |tx| {
        tx.execute("DELETE FROM similar_pairs", [])?;
        tx.execute(
            "UPDATE fingerprints SET similar_group = NULL WHERE similar_group IS NOT NULL",
            [],
        )?;
        let mut ins = tx.prepare_cached(
            "INSERT INTO similar_pairs (a, b, relation, offset_s, speed, coverage_a, coverage_b, score, votes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for p in pairs {
            ins.execute(params![
                p.a,
                p.b,
                p.relation.as_str(),
                p.offset_s,
                p.speed,
                p.coverage_a,
                p.coverage_b,
                p.score,
                p.votes as i64
            ])?;
        }
        let mut grp =
            tx.prepare_cached("UPDATE fingerprints SET similar_group = ?2 WHERE file_id = ?1")?;
        for (file, group) in groups {
            grp.execute([file, group])?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A current fingerprint of this host's whose file shares its size with
/// another's: a candidate byte-identical copy.
#[derive(Debug, Clone)]
pub struct SameSize {
    pub id: i64,
    pub path_bytes: Vec<u8>,
    pub size: u64,
    /// Stored at the row's (size, mtime), if taken before.
    pub content_hash: Option<String>,
}

/// The current fingerprint rows (any status) of `host`'s `ok` files whose
/// size another such file has too, by size then id.
pub fn same_size(conn: &Connection, host: &str) -> Result<Vec<SameSize>> {
    let mut stmt = conn.prepare(
        "WITH cur AS (
             SELECT f.id, f.path_bytes, f.size, fp.content_hash
             FROM fingerprints fp JOIN files f ON f.id = fp.file_id
             WHERE f.host = ?1 AND f.status = 'ok' AND f.size > 0
               AND fp.size IS f.size AND fp.mtime_ns IS f.mtime_ns
         )
         SELECT id, path_bytes, size, content_hash FROM cur
         WHERE size IN (SELECT size FROM cur GROUP BY size HAVING count(*) > 1)
         ORDER BY size, id",
    )?;
    let rows = stmt.query_map([host], |r| {
        Ok(SameSize {
            id: r.get(0)?,
            path_bytes: r.get(1)?,
            size: r.get::<_, i64>(2)? as u64,
            content_hash: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Remember a file's content hash (for its row's size and mtime).
pub fn set_content_hash(conn: &Connection, file_id: i64, hash: &str) -> Result<()> {
    conn.execute(
        "UPDATE fingerprints SET content_hash = ?2 WHERE file_id = ?1",
        params![file_id, hash],
    )?;
    Ok(())
}

/// Groups of current fingerprints (any host) with one content hash, each
/// group's file ids in order.
pub fn identical(conn: &Connection) -> Result<Vec<Vec<i64>>> {
    let mut stmt = conn.prepare(
        "SELECT fp.content_hash, fp.file_id
         FROM fingerprints fp JOIN files f ON f.id = fp.file_id
         WHERE fp.content_hash IS NOT NULL AND f.status = 'ok'
           AND fp.size IS f.size AND fp.mtime_ns IS f.mtime_ns
         ORDER BY fp.content_hash, fp.file_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|g| g.len() > 1)
        .map(|g| g.iter().map(|r| r.1).collect())
        .collect())
}

/// Replace every row's `unmatched` reason with those given (others NULL).
pub fn set_unmatched(conn: &mut Connection, reasons: &[(i64, &str)]) -> Result<()> {
    super::write_transaction(conn, |tx| {
        tx.execute(
            "UPDATE fingerprints SET unmatched = NULL WHERE unmatched IS NOT NULL",
            [],
        )?;
        let mut up =
            tx.prepare_cached("UPDATE fingerprints SET unmatched = ?2 WHERE file_id = ?1")?;
        for (id, why) in reasons {
            up.execute(params![id, why])?;
        }
        Ok(())
    })?;
    Ok(())
}
