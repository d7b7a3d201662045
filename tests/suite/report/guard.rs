//! The guarded connection refuses every listed attack, and the catalog's
//! bytes stay unchanged.

use super::*;

#[test]
fn attacks_are_refused_with_the_catalog_unchanged() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4", "vp8.webm"]);
    env.scan(&[], 0);
    let before = env.catalog_bytes();
    let x = env.path().join("x.db");
    let vac = env.path().join("copy.db");
    let attacks = [
        ("DELETE FROM files", "read-only"),
        (
            "PRAGMA query_only=0; DELETE FROM files",
            "PRAGMA query_only",
        ),
        (
            &format!("ATTACH 'file:{}?mode=rwc' AS x", x.display()) as &str,
            "ATTACH",
        ),
        (&format!("VACUUM INTO '{}'", vac.display()), "read-only"),
        ("SELECT load_extension('/tmp/evil.so')", "load_extension"),
        ("PRAGMA writable_schema=1", "PRAGMA writable_schema"),
        ("PRAGMA journal_mode=DELETE", "PRAGMA journal_mode"),
        ("BEGIN IMMEDIATE", "read-only"),
    ];
    let sql_dir = env.path().join("evil");
    std::fs::create_dir_all(&sql_dir).unwrap();
    for (i, (sql, why)) in attacks.iter().enumerate() {
        let out = env
            .cmd()
            .current_dir(env.path())
            .args(["query", sql])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{sql} must fail");
        assert!(stderr(&out).contains(why), "{sql}: {}", stderr(&out));
        // The same SQL as a report file is refused the same way.
        std::fs::write(
            sql_dir.join(format!("evil{i}.sql")),
            format!("-- description: evil\n{sql}\n"),
        )
        .unwrap();
        let out = env
            .cmd()
            .current_dir(env.path())
            .args([
                "report",
                &format!("evil{i}"),
                "--sql-dir",
                sql_dir.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "report file {sql} must fail");
        assert!(stderr(&out).contains(why), "report {sql}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("evil{i}.sql")),
            "names the file: {}",
            stderr(&out)
        );
    }
    // An endless recursive CTE is interrupted by the time limit.
    let endless =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c";
    let started = std::time::Instant::now();
    let out = env.run(&["query", endless, "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("interrupted after 1 s"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    std::fs::write(
        sql_dir.join("endless.sql"),
        format!("-- description: endless\n{endless}\n"),
    )
    .unwrap();
    let out = env.run(&[
        "report",
        "endless",
        "--timeout",
        "0.5",
        "--sql-dir",
        sql_dir.to_str().unwrap(),
    ]);
    assert!(
        stderr(&out).contains("interrupted after 0.5 s"),
        "{}",
        stderr(&out)
    );

    assert_eq!(env.catalog_bytes(), before, "catalog bytes unchanged");
    assert!(!x.exists() && !vac.exists(), "no file was created");
    assert!(!Path::new(env.path()).join("file:x").exists());
    assert_eq!(env.query("SELECT count(*) AS n FROM files")[0]["n"], 2);
}
