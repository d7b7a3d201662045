//! `--sql-dir` adds and overrides reports; `--show-sql` prints SQL that
//! `query` runs to the same rows.

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
