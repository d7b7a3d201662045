//! `--sql-dir` adds and overrides reports; `--show-sql` prints SQL that
//! `query` runs to the same rows. One bad file in `--sql-dir` fails alone: a
//! bad name, a bad header or bad SQL is named with its line, and every other
//! report (bundled ones too) still lists, runs and exports.

use std::path::PathBuf;

use super::*;

#[test]
fn sql_dir_adds_and_overrides_reports() {
    let env = populated();
    let dir = env.path().join("sql");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("containers.sql"),
        "-- name: containers\n-- description: my own containers\nSELECT 'mine' AS container ORDER BY 1;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("by-codec.sql"),
        "-- name: by-codec\n-- description: files of one codec, with their documents\n-- param: codec = h264 -- the codec\n\
         SELECT path, doc FROM media WHERE video_codec = :codec ORDER BY path;\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let list = stdout(&env.run(&["report", "--list", "--sql-dir", d]));
    assert!(list.lines().any(|l| l.starts_with("by-codec")), "{list}");
    assert!(
        list.lines()
            .any(|l| l.trim_start() == "codec: text = h264 — the codec"),
        "{list}"
    );
    assert!(list.contains("my own containers"));
    assert!(
        list.lines().any(|l| l.starts_with("duplicates")),
        "bundled reports stay listed"
    );

    let mine = report_json(&env, "containers", &["--sql-dir", d]);
    assert_eq!(mine, vec![json!({"container": "mine"})]);
    let hevc = report_json(&env, "by-codec", &["--sql-dir", d, "-p", "codec=hevc"]);
    assert_eq!(hevc.len(), 2);
    assert_eq!(
        hevc[0]["doc"]["video"]["codec"], "hevc",
        "documents come out nested"
    );
    // MEDIADEX_SQL_DIR works like --sql-dir.
    let out = env
        .cmd()
        .env("MEDIADEX_SQL_DIR", d)
        .args(["report", "by-codec", "-f", "json"])
        .output()
        .unwrap();
    // 4 fixtures, 2 copies, 11 clips and the missing file.
    assert_eq!(
        serde_json::from_slice::<Vec<Value>>(&out.stdout)
            .unwrap()
            .len(),
        18
    );

    // Unknown reports and parameters are usage errors that say what to do.
    let out = env.run(&["report", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("mediadex report --list"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["report", "largest", "-p", "lmit=3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("its parameters: limit"),
        "{}",
        stderr(&out)
    );

    // A broken header names the file and the line (the other reports are listed).
    std::fs::write(
        dir.join("bad.sql"),
        "-- name: bad\n-- description: x\n-- param: nodefault\nSELECT 1 ORDER BY 1;\n",
    )
    .unwrap();
    let out = env.run(&["report", "--list", "--sql-dir", d]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("bad.sql: line 3"), "{}", stderr(&out));
}

#[test]
fn show_sql_runs_the_same_in_query() {
    let env = populated();
    for (name, params) in [
        ("directories", vec!["-p", "depth=2"]),
        ("recent", vec![]),
        ("duplicates", vec!["-p", "tolerance=0.5"]),
    ] {
        let mut args = vec!["report", name, "--show-sql"];
        args.extend(&params);
        let sql = stdout(&env.run(&args));
        assert!(
            !sql.contains(":depth") && !sql.contains(":limit") && !sql.contains(":tolerance"),
            "{sql}"
        );
        // The SQL starts with its header comment, `--`: pass it after `--`.
        let out = env.run(&["query", "-f", "json", "--", &sql]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let direct: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(direct, report_json(&env, name, &params), "{name}");
    }
}

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

/// A parameter with a fixed set of values refuses any other (a usage error
/// that names the set), and `--list` shows the set.
#[test]
fn a_value_outside_a_parameters_set_is_a_usage_error() {
    let env = TestEnv::new();
    env.scan(&[], 0);
    let out = env.run(&["report", "savings", "-p", "target=h266"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mediadex: error: report savings: parameter target is one of hevc, av1, got \"h266\"; pass e.g. -p target=hevc\n"
    );
    let out = env.run(&["report", "savings", "-p", "target=av1", "-f", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = stdout(&env.run(&["report", "--list"]));
    assert!(
        list.contains("target: text in (hevc, av1) = hevc"),
        "{list}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&env.run(&["report", "--list", "-f", "json"]).stdout).unwrap();
    let savings = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "savings")
        .unwrap();
    assert_eq!(
        savings["params"]["target"]["allowed"],
        serde_json::json!(["hevc", "av1"])
    );
}
