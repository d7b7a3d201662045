//! Schema and migrations: every migration applies to an empty file and to a
//! catalog left at each earlier version, keeping its rows.

use mediadex::catalog::{Catalog, MIGRATIONS, SCHEMA_VERSION, migrate};
use rusqlite::Connection;

#[test]
fn migrations_apply_from_every_version() {
    for start in 0..=SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate::migrate_to(&mut conn, &path, start).unwrap();
            if start >= 1 {
                conn.execute_batch(
                    "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
                     VALUES ('h', '/a.mkv', CAST('/a.mkv' AS BLOB), '/', 'ok', 't');
                     INSERT INTO file_seen (file_id, last_seen) VALUES (1, 't');
                     INSERT INTO docs (file_id, doc) VALUES (1, '{\"container\":\"mkv\"}');",
                )
                .unwrap();
            }
        }
        let cat = Catalog::open(&path).unwrap();
        assert_eq!(cat.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(cat.integrity_check().unwrap(), vec!["ok".to_string()]);
        let n: i64 = cat
            .conn
            .query_row("SELECT count(*) FROM media", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, if start >= 1 { 1 } else { 0 });
        for name in ["media", "streams", "recordings", "scans"] {
            cat.conn
                .prepare(&format!("SELECT * FROM {name} LIMIT 0"))
                .unwrap();
        }
        // Opening again is a no-op.
        drop(cat);
        assert_eq!(
            Catalog::open(&path).unwrap().schema_version().unwrap(),
            SCHEMA_VERSION
        );
    }
    assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION);
}

#[test]
fn documents_must_be_json() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("c.db")).unwrap();
    cat.conn
        .execute_batch(
            "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
             VALUES ('h', '/a.mkv', x'2f', '/', 'ok', 't');",
        )
        .unwrap();
    assert!(
        cat.conn
            .execute("INSERT INTO docs (file_id, doc) VALUES (1, 'not json')", [])
            .is_err()
    );
    assert!(
        cat.conn
            .execute("UPDATE files SET status = 'bogus'", [])
            .is_err()
    );
    let mode: String = cat
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}
