//! Schema and migrations: every migration applies to an empty file and to a
//! catalog left at each earlier version, keeping its rows.

use mediadex_core::catalog::{Catalog, MIGRATIONS, SCHEMA_VERSION, migrate};
use rusqlite::Connection;

#[test]
fn migrations_apply_from_every_version() {
    for start in 0..=SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        older_catalog(&path, start);
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

/// Every JSON path the schema's generated columns and views and the bundled
/// reports read is a field of the document type (a path inside `streams` is
/// one of a stream's fields). A renamed field would otherwise leave a column
/// silently NULL.
#[test]
fn every_json_path_the_sql_reads_is_a_document_field() {
    use mediadex_core::scan::document::Document;
    let known = Document::known_paths();
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut files = vec![root.join("schema.sql")];
    for dir in ["migrations", "sql"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    let mut checked = 0;
    let mut unknown = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (i, _) in text.match_indices("'$") {
            let rest = &text[i + 1..];
            let path = &rest[..rest.find('\'').unwrap()];
            // The recordings report reads the recording document's levels.
            if path.starts_with("$.levels") {
                continue;
            }
            let as_stream = format!("$.streams[*]{}", &path[1..]);
            checked += 1;
            if !known.iter().any(|k| k == path || *k == as_stream) {
                unknown.push(format!("{}: {path}", file.display()));
            }
        }
    }
    assert!(checked > 30, "only {checked} paths found");
    assert!(
        unknown.is_empty(),
        "paths the document type does not have:\n{}",
        unknown.join("\n")
    );
}

/// The schema after every migration, as SQLite keeps it: a change to a table,
/// view, index or trigger shows up as a diff of this snapshot.
#[test]
fn schema_after_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::open(&dir.path().join("c.db")).unwrap();
    let mut st = cat
        .conn
        .prepare(
            "SELECT type, name, sql FROM sqlite_schema
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .unwrap();
    let text: Vec<String> = st
        .query_map([], |r| {
            let (kind, name, sql): (String, String, Option<String>) =
                (r.get(0)?, r.get(1)?, r.get(2)?);
            Ok(format!("-- {kind} {name}\n{};\n", sql.unwrap_or_default()))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        cat.schema_version().unwrap(),
        SCHEMA_VERSION,
        "a fresh catalog is at the latest version"
    );
    insta::assert_snapshot!(text.join("\n"));
}

/// A catalog of an older version, at that version's schema with one file
/// (none at version 0, an empty file).
pub fn older_catalog(path: &std::path::Path, version: i64) {
    let mut conn = Connection::open(path).unwrap();
    migrate::migrate_to(&mut conn, path, version).unwrap();
    if version == 0 {
        return;
    }
    conn.execute_batch(
        "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
         VALUES ('h', '/a.mkv', CAST('/a.mkv' AS BLOB), '/', 'ok', 't');
         INSERT INTO file_seen (file_id, last_seen) VALUES (1, 't');
         INSERT INTO docs (file_id, doc) VALUES (1, '{\"container\":\"mkv\"}');",
    )
    .unwrap();
}

/// A reading command on a catalog an older mediadex wrote brings it up to
/// date first when it may write the file, so that the reports find the
/// names they read; the connection it gets is still read-only.
#[test]
fn a_read_brings_an_older_catalog_up_to_date() {
    for version in [8, SCHEMA_VERSION - 1] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        older_catalog(&path, version);
        let cat = Catalog::open_readonly(&path).unwrap();
        assert_eq!(cat.schema_version().unwrap(), SCHEMA_VERSION);
        let n: i64 = cat
            .conn
            .query_row("SELECT count(*) FROM media_ok", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert!(cat.conn.execute("DELETE FROM files", []).is_err());
    }
}

/// `mediadex` with the suite's environment but no `--db`.
fn without_db(env: &crate::testenv::TestEnv) -> std::process::Command {
    let mut c = std::process::Command::new(crate::testenv::exe("mediadex"));
    c.env("HOME", env.path())
        .env("XDG_DATA_HOME", env.path().join("xdg"))
        .env("MEDIADEX_HOST", crate::testenv::HOST)
        .env("GST_REGISTRY", crate::testenv::gst_registry())
        .env_remove("MEDIADEX_DB");
    c
}

#[test]
fn a_given_catalog_path_must_be_a_file_in_a_directory_that_exists() {
    use crate::testenv::{TestEnv, stderr};
    let env = TestEnv::new();
    let lib = env.lib.to_str().unwrap();
    let dir = env.path().join("no such dir");
    let db = dir.join("c.db");
    let run = |args: &[&str]| without_db(&env).args(args).output().unwrap();
    let out = run(&["--db", db.to_str().unwrap(), "scan", lib]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("the directory {} of catalog", dir.display())));
    assert!(
        err.contains(&format!("mkdir -p '{}'", dir.display())),
        "{err}"
    );
    assert!(!dir.exists(), "a given --db's directory is never created");

    let out = without_db(&env)
        .env("MEDIADEX_DB", &db)
        .args(["scan", lib])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not exist; create it"));
    assert!(!dir.exists());

    let out = run(&["--db", lib, "scan", lib]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("catalog {lib} is a directory")),
        "{err}"
    );
    assert!(!err.contains("disk I/O"), "{err}");

    // The default location is still made on first use.
    let out = run(&["scan", lib]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(env.path().join("xdg/mediadex/catalog.db").is_file());
}
