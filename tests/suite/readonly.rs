//! A catalog its user may only read: every read-only verb works as user 65534
//! on a catalog owned by root, whether the file or its directory is the part
//! that cannot be written, and `export` takes its lock in the output directory
//! when the catalog's directory is read-only.

use std::path::Path;

use serde_json::Value;

use super::unprivileged::{chown_nobody, open_env_dir, run_as_nobody};
use crate::testenv::fixtures::copy_into;
use crate::testenv::{TestEnv, stderr, stdout};

/// Run every read-only verb as user 65534 against `db`; returns the stderr of
/// the export.
fn read_everything(env: &TestEnv, db: &Path) -> String {
    let file = env.lib.join("vp8.webm");
    let checks: &[(&[&str], &str)] = &[
        (
            &["query", "SELECT path FROM media", "-f", "csv"],
            "vp8.webm",
        ),
        (&["report"], "Library"),
        (&["report", "largest", "-f", "csv"], "vp8.webm"),
        (&["dump"], "\"type\":\"trailer\""),
        (&["show", file.to_str().unwrap()], "\"status\": \"ok\""),
    ];
    for (args, expect) in checks {
        let o = run_as_nobody(env, db, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains(expect), "{args:?}: {}", stdout(&o));
        assert!(
            !stderr(&o).contains("readonly database"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let out = env.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    chown_nobody(&out);
    let o = run_as_nobody(env, db, &["export", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "export: {}", stderr(&o));
    let m: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["failed"], 0);
    stderr(&o)
}

fn scanned() -> TestEnv {
    let env = TestEnv::new();
    copy_into(&env.lib, &["vp8.webm"]);
    env.scan(&[], 0);
    open_env_dir(&env);
    env
}

#[test]
fn a_catalog_in_a_read_only_directory_is_read_as_it_is_on_disk() {
    let env = scanned();
    // The catalog's directory is root's (0755): no -shm or lock file can be made.
    assert!(
        !env.db_file("-shm").exists(),
        "no reader files left by the scan"
    );
    let err = read_everything(&env, &env.db);
    let notes = err.matches("will not be seen").count();
    assert_eq!(notes, 1, "said once: {err}");
    assert!(env.path().join("out/.mediadex-export.lock").exists());
    assert!(!env.db_file(".export.lock").exists());
}

#[test]
fn a_catalog_file_the_user_cannot_write_is_read_normally() {
    let env = scanned();
    // The directory is the reader's, the catalog file root's (0644).
    let dir = env.path().join("shared");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("catalog.db");
    std::fs::copy(&env.db, &db).unwrap();
    chown_nobody(&dir);
    let err = read_everything(&env, &db);
    assert!(!err.contains("will not be seen"), "{err}");
    // The lock is taken beside the catalog, where the reader may create it.
    let mut lock = db.clone().into_os_string();
    lock.push(".export.lock");
    assert!(Path::new(&lock).exists());
}

/// An older catalog that its reader may not write stays at its version: what
/// needs no newer name still reads, a note says once why a newer report fails.
#[test]
fn an_older_catalog_the_user_cannot_write_is_read_as_it_is() {
    let env = TestEnv::new();
    open_env_dir(&env);
    let dir = env.path().join("shared");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("catalog.db");
    // The version before the migration that adds `resolution_class`.
    let old = mediadex_core::catalog::MIGRATIONS
        .iter()
        .position(|m| m.contains("resolution_class"))
        .expect("a migration adds resolution_class") as i64;
    super::catalog::older_catalog(&db, old);
    chown_nobody(&dir);
    let o = run_as_nobody(&env, &db, &["query", "SELECT path FROM media", "-f", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("/a.mkv"), "{}", stdout(&o));
    let err = stderr(&o);
    assert_eq!(
        err.matches(&format!("has schema version {old}")).count(),
        1,
        "{err}"
    );
    assert!(err.contains("run `mediadex scan` once"), "{err}");
    // `resolutions` reads `resolution_class`, which a newer migration adds.
    let o = run_as_nobody(&env, &db, &["report", "resolutions"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("resolution_class"), "{}", stderr(&o));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, old, "the catalog was not written");
}

/// The note that a catalog is read as it is on disk is a note: `-q` keeps it
/// off stderr, whatever verb reads the catalog.
#[test]
fn quiet_keeps_the_read_only_note_off_stderr() {
    let env = scanned();
    let out = env.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    chown_nobody(&out);
    let file = env.lib.join("vp8.webm");
    let runs: &[&[&str]] = &[
        &["-q", "query", "SELECT path FROM media", "-f", "csv"],
        &["-q", "report"],
        &["-q", "report", "largest", "-f", "csv"],
        &["-q", "dump"],
        &["-q", "show", file.to_str().unwrap()],
        &["-q", "export", "--out", out.to_str().unwrap()],
    ];
    for args in runs {
        let o = run_as_nobody(&env, &env.db, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}
