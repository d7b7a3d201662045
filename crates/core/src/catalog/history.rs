//! The per-day history (migration 7): `export` records the catalog's totals
//! once a day so that growth can be told after files are deleted.
//!
//! Invariants: one row per UTC day, the day's last export wins; a row equal
//! to the stored one is not written again, so exporting an unchanged catalog
//! twice leaves its bytes alone; totals count files on disk (not `missing`),
//! the breakdown by status counts every file, codecs and resolution classes
//! count `ok` files (the `resolution_class` column, as the `resolutions` report
//! draws it).

use super::{Catalog, Result, write_transaction};

// One pass over `media`: the counts by status, codec and resolution class
// (a few hundred rows), from which every total is added up. Six passes, one
// per total, cost four seconds on a million files before an export could start.
const TOTALS: &str = "
WITH g AS MATERIALIZED (
    SELECT status,
           CASE WHEN status = 'ok' THEN coalesce(video_codec, '(no video)') END AS codec,
           CASE WHEN status = 'ok' THEN coalesce(resolution_class, '(no video)') END
               AS resolution,
           count(*) AS n, coalesce(sum(size), 0) AS b, coalesce(sum(duration_s), 0) AS s
    FROM media
    GROUP BY 1, 2, 3
)
SELECT (SELECT coalesce(sum(n), 0) FROM g WHERE status <> 'missing'),
       (SELECT coalesce(sum(b), 0) FROM g WHERE status <> 'missing'),
       (SELECT coalesce(sum(s), 0) FROM g WHERE status <> 'missing'),
       (SELECT json_group_object(status, json_object('files', n, 'bytes', b))
        FROM (SELECT status, sum(n) AS n, sum(b) AS b FROM g GROUP BY status ORDER BY status)),
       (SELECT json_group_object(codec, json_object('files', n, 'bytes', b))
        FROM (SELECT codec, sum(n) AS n, sum(b) AS b FROM g WHERE status = 'ok'
              GROUP BY codec ORDER BY codec)),
       (SELECT json_group_object(resolution, json_object('files', n, 'bytes', b))
        FROM (SELECT resolution, sum(n) AS n, sum(b) AS b FROM g WHERE status = 'ok'
              GROUP BY resolution ORDER BY resolution))";

const RECORD: &str = "
INSERT INTO history (day, files, bytes, seconds, by_status, by_codec, by_resolution)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (day) DO UPDATE SET
    files = excluded.files, bytes = excluded.bytes, seconds = excluded.seconds,
    by_status = excluded.by_status, by_codec = excluded.by_codec,
    by_resolution = excluded.by_resolution
WHERE (files, bytes, seconds, by_status, by_codec, by_resolution)
      IS NOT (excluded.files, excluded.bytes, excluded.seconds, excluded.by_status,
              excluded.by_codec, excluded.by_resolution)";

impl Catalog {
    /// Record today's totals as the history row of `day` (`YYYY-MM-DD`).
    /// Returns whether the row was written (false: it was already the same).
    ///
    /// It waits at most two seconds for a writer (a scan committing its
    /// batches): an export reads without waiting for one, and today's row can
    /// as well be written by the next export.
    pub fn record_history(&mut self, day: &str) -> Result<bool> {
        // Added up on a reading connection: this one's in-memory temporary
        // storage (right for a scan's small sorts) made the sort of a million
        // rows twice as slow.
        let totals = Catalog::open_readonly(&self.path)?
            .conn
            .query_row(TOTALS, [], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, f64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
        self.conn.busy_timeout(std::time::Duration::from_secs(2))?;
        let n = write_transaction(&mut self.conn, |tx| {
            let (files, bytes, seconds, status, codec, resolution) = &totals;
            tx.execute(
                RECORD,
                rusqlite::params![day, files, bytes, seconds, status, codec, resolution],
            )
        })?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_written_once_and_replaced_when_the_totals_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut cat = Catalog::open(&dir.path().join("c.db")).unwrap();
        assert!(cat.record_history("2026-01-01").unwrap());
        assert!(!cat.record_history("2026-01-01").unwrap(), "same totals");
        let row: (i64, String) = cat
            .conn
            .query_row("SELECT files, by_status FROM history", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(row, (0, "{}".to_string()));
        cat.conn
            .execute_batch(
                "INSERT INTO files (host, path, path_bytes, root, size, status, first_seen)
                 VALUES ('h', '/a', x'2f61', '/', 10, 'ok', '2026-01-01T00:00:00.000Z');
                 INSERT INTO file_seen VALUES (1, '2026-01-01T00:00:00.000Z');
                 INSERT INTO docs (file_id, doc) VALUES (1, '{\"video\":{\"codec\":\"h264\",\"width\":1920,\"height\":1080}}');",
            )
            .unwrap();
        assert!(cat.record_history("2026-01-01").unwrap());
        assert!(cat.record_history("2026-01-02").unwrap());
        let rows: Vec<(String, i64, String, String)> = cat
            .conn
            .prepare("SELECT day, bytes, by_codec, by_resolution FROM history ORDER BY day")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1, 10);
        assert_eq!(rows[0].2, r#"{"h264":{"files":1,"bytes":10}}"#);
        assert_eq!(rows[0].3, r#"{"1080p":{"files":1,"bytes":10}}"#);
    }
}
