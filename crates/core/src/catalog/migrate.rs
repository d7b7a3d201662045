//! Schema migrations: `schema.sql` is migration 1, later files in `migrations/`
//! are 2, 3, …. `PRAGMA user_version` holds the number applied; each migration
//! runs in its own `BEGIN IMMEDIATE` transaction together with the version bump,
//! so a crash leaves the catalog at one version or the next, never between.

use std::path::Path;

use rusqlite::Connection;

use super::{CatalogError, Result};

/// Every migration in order; index 0 is version 1.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../../../schema.sql"),
    include_str!("../../../../migrations/002_docs_typed_index.sql"),
    include_str!("../../../../migrations/003_document_columns.sql"),
    include_str!("../../../../migrations/004_scan_roots.sql"),
    include_str!("../../../../migrations/005_crash_retries_scan_errors.sql"),
    include_str!("../../../../migrations/006_scan_reprobed.sql"),
    include_str!("../../../../migrations/007_history.sql"),
    include_str!("../../../../migrations/008_fingerprints.sql"),
    include_str!("../../../../migrations/009_doc_streams.sql"),
    include_str!("../../../../migrations/010_status_index.sql"),
    include_str!("../../../../migrations/011_media_ok.sql"),
    include_str!("../../../../migrations/012_resolution_class.sql"),
    include_str!("../../../../migrations/013_fingerprint_identity.sql"),
    include_str!("../../../../migrations/014_health.sql"),
    include_str!("../../../../migrations/015_scan_moved.sql"),
    include_str!("../../../../migrations/016_thumbnails.sql"),
    include_str!("../../../../migrations/017_dedupe.sql"),
    include_str!("../../../../migrations/018_files_sampled.sql"),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Bring `conn` from its current version up to [`SCHEMA_VERSION`].
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, SCHEMA_VERSION)
}

/// Apply migrations up to and including `target` (used by tests to build old catalogs).
pub fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(CatalogError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for version in (current + 1)..=target {
        let sql = MIGRATIONS[(version - 1) as usize];
        super::write_transaction(conn, |tx| {
            // Re-check inside the write lock: another process may have migrated meanwhile.
            let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if now >= version {
                return Ok(());
            }
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            Ok(())
        })
        .map_err(|source| CatalogError::Migration {
            path: path.to_path_buf(),
            version,
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Catalog;

    /// file_id, idx, kind, language, bitrate.
    type Row = (i64, i64, String, Option<String>, Option<i64>);

    fn streams(cat: &Catalog) -> Vec<Row> {
        cat.conn
            .prepare("SELECT file_id, idx, kind, language, bitrate FROM doc_streams ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// `doc_streams` follows the documents however they are written: a new
    /// document adds its streams, a changed one (also through an upsert or a
    /// replace) replaces them, and a file's deletion takes them along.
    #[test]
    fn doc_streams_follow_the_documents() {
        let dir = tempfile::tempdir().unwrap();
        let cat = Catalog::open(&dir.path().join("c.db")).unwrap();
        let two = r#"{"streams":[{"kind":"video","codec":"h264","bitrate":900},{"kind":"audio","codec":"aac","language":"eng"}]}"#;
        let one = r#"{"streams":[{"kind":"subtitle","codec":"subrip","language":"fre"}]}"#;
        cat.conn
            .execute_batch(
                "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
                 VALUES ('h', '/a', x'2f61', '/', 'ok', 't'), ('h', '/b', x'2f62', '/', 'ok', 't');",
            )
            .unwrap();
        let put = "INSERT INTO docs (file_id, doc) VALUES (?1, ?2)
                   ON CONFLICT (file_id) DO UPDATE SET doc = excluded.doc";
        cat.conn.execute(put, rusqlite::params![1, two]).unwrap();
        cat.conn.execute(put, rusqlite::params![2, two]).unwrap();
        let video = (1, 0, "video".to_string(), None, Some(900));
        let audio = (1, 1, "audio".to_string(), Some("eng".to_string()), None);
        assert_eq!(streams(&cat)[..2], [video.clone(), audio.clone()]);
        assert_eq!(streams(&cat).len(), 4);
        cat.conn.execute(put, rusqlite::params![2, one]).unwrap();
        let subtitle = (2, 0, "subtitle".to_string(), Some("fre".to_string()), None);
        assert_eq!(
            streams(&cat),
            [video.clone(), audio.clone(), subtitle.clone()]
        );
        cat.conn
            .execute(
                "INSERT OR REPLACE INTO docs (file_id, doc) VALUES (2, ?1)",
                [one],
            )
            .unwrap();
        assert_eq!(streams(&cat), [video, audio, subtitle.clone()]);
        cat.conn
            .execute("DELETE FROM files WHERE id = 1", [])
            .unwrap();
        assert_eq!(streams(&cat), [subtitle]);
        cat.conn.execute("DELETE FROM docs", []).unwrap();
        assert!(streams(&cat).is_empty());
    }

    /// Migrations 10 and 11: the `ok` files are read through `docs_typed` in
    /// order, each file's row found by its id (no walk of a status index, no
    /// search of `docs_typed` per file); the problem statuses have their index;
    /// a lookup by path still starts from the path.
    #[test]
    fn media_reads_ok_files_without_an_index_walk() {
        let dir = tempfile::tempdir().unwrap();
        let cat = Catalog::open(&dir.path().join("c.db")).unwrap();
        let plan = |sql: &str| -> String {
            cat.conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap()
                .join("\n")
        };
        let ok = plan("SELECT count(*), sum(size), sum(duration_s) FROM media_ok");
        assert!(ok.starts_with("SCAN d USING "), "{ok}");
        assert!(ok.contains("docs_typed"), "{ok}");
        assert!(!ok.contains("docs_typed (file_id=?)"), "{ok}");
        assert!(ok.contains("SEARCH f USING INTEGER PRIMARY KEY"), "{ok}");
        let trouble = plan("SELECT path FROM media WHERE status <> 'ok'");
        assert!(trouble.contains("files_trouble"), "{trouble}");
        let one = plan("SELECT width FROM media WHERE host = 'h' AND path_bytes = x'2f'");
        assert!(one.starts_with("SEARCH f USING "), "{one}");
        let joined = plan(
            "WITH few AS (SELECT id FROM files ORDER BY size DESC LIMIT 5)
             SELECT m.path FROM few JOIN media_ok m ON m.id = few.id",
        );
        assert!(joined.contains("docs_typed (file_id=?)"), "{joined}");
    }
}
