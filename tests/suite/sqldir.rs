//! One bad file in `--sql-dir` fails alone: a bad name, a bad header or bad
//! SQL is named with its line, and every other report (bundled ones too)
//! still lists, runs and exports.

use std::path::PathBuf;

use serde_json::Value;

use crate::testenv::fixtures::copy_into;
use crate::testenv::{TestEnv, stderr, stdout};

const GOOD: &str =
    "-- name: good\n-- description: paths and sizes\nSELECT path, size FROM media ORDER BY path\n";
const BAD_HEADER: &str = "-- name: bad-header\n-- description: a parameter without a default\n-- param: days\nSELECT 1\n";
const BAD_SQL: &str =
    "-- name: bad-sql\n-- description: a typo\nSELECT path\nFROM media\nWHER size > 0\n";

/// A scanned library and a report directory with one good and three bad files.
fn setup() -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    copy_into(&env.lib, &["vp8.webm"]);
    env.scan(&[], 0);
    let dir = env.path().join("sql");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("good.sql"), GOOD).unwrap();
    // No `-- name:` line, and a file name that is not a report name.
    std::fs::write(dir.join("Bad Name.sql"), "-- description: x\nSELECT 1\n").unwrap();
    std::fs::write(dir.join("bad-header.sql"), BAD_HEADER).unwrap();
    std::fs::write(dir.join("bad-sql.sql"), BAD_SQL).unwrap();
    (env, dir)
}

fn names_bad_files(err: &str, dir: &std::path::Path) {
    assert!(
        err.contains(dir.join("Bad Name.sql").to_str().unwrap())
            && err.contains("not a valid report name"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}: line 3", dir.join("bad-header.sql").display())),
        "{err}"
    );
}

fn names_bad_sql(err: &str, dir: &std::path::Path) {
    assert!(
        err.contains(&format!("{}: line 5", dir.join("bad-sql.sql").display()))
            && err.contains("syntax error"),
        "{err}"
    );
}

#[test]
fn list_shows_the_good_reports_and_names_the_bad_files() {
    let (env, dir) = setup();
    let d = dir.to_str().unwrap();
    let o = env.run(&["report", "--list", "--sql-dir", d, "-f", "json"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let listed: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = listed.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"good") && names.contains(&"largest"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"bad-header") && !names.contains(&"bad-sql"),
        "{names:?}"
    );
    let err = stderr(&o);
    names_bad_files(&err, &dir);
    names_bad_sql(&err, &dir);
}

#[test]
fn the_other_reports_run_and_the_bad_one_names_its_line() {
    let (env, dir) = setup();
    let d = dir.to_str().unwrap();
    for name in ["good", "largest"] {
        let o = env.run(&["report", name, "--sql-dir", d, "-f", "csv"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("vp8.webm"), "{name}: {}", stdout(&o));
        names_bad_files(&stderr(&o), &dir);
    }
    let o = env.run(&["report", "bad-sql", "--sql-dir", d]);
    assert_eq!(o.status.code(), Some(1));
    names_bad_sql(&stderr(&o), &dir);
}

#[test]
fn export_writes_the_other_reports_and_exits_3() {
    let (env, dir) = setup();
    let out = env.path().join("out");
    let o = env.run(&[
        "export",
        "--out",
        out.to_str().unwrap(),
        "--sql-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    names_bad_files(&err, &dir);
    names_bad_sql(&err, &dir);
    for f in ["good.json", "largest.json", "summary.txt", "manifest.json"] {
        assert!(out.join(f).exists(), "{f} written");
    }
    assert!(!out.join("bad-sql.json").exists());
    let good: Vec<Value> =
        serde_json::from_slice(&std::fs::read(out.join("good.json")).unwrap()).unwrap();
    assert_eq!(good.len(), 1);
    let m: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["failed"], 3, "{m}");
    assert_eq!(m["broken_files"].as_array().unwrap().len(), 2, "{m}");
}
