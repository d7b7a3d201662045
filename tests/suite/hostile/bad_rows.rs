//! Rows whose path no file can have: `load` refuses them (or skips them with
//! `--partial`), and one already in a catalog costs that row, never the
//! verb (`fingerprint` answers it as an error without sending it to a
//! worker, and fingerprints the rest).

use serde_json::Value;

use crate::testenv::{TestEnv, stderr};

#[test]
fn a_row_with_an_empty_path_costs_that_row_only() {
    let env = TestEnv::new();
    let media = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/media");
    for n in ["asl-again.mkv", "asl-book.mkv"] {
        std::fs::copy(media.join(n), env.lib.join(n)).unwrap();
    }
    env.scan(&[], 0);
    // As a dump loaded before `load` refused such rows left it.
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let n = conn
        .execute(
            "UPDATE files SET path = '', path_bytes = X'' WHERE path LIKE '%/asl-again.mkv'",
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(conn);
    for _ in 0..2 {
        let fp = env.run(&["fingerprint", "--force"]);
        assert_eq!(fp.status.code(), Some(3), "{}", stderr(&fp));
        assert!(stderr(&fp).contains("1 failed"), "{}", stderr(&fp));
    }
    let rows = env.query(
        "SELECT m.path, f.status, f.error FROM fingerprints f JOIN media m ON m.id = f.file_id ORDER BY m.path",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0]["path"].as_str(), rows[0]["status"].as_str()),
        (Some(""), Some("error"))
    );
    assert!(
        rows[0]["error"].as_str().unwrap().contains("empty path"),
        "{rows:?}"
    );
    assert_eq!(rows[1]["status"], "ok", "{rows:?}");
}

/// Rows no catalog could hold are refused with their line and why (nothing
/// of the dump loaded), or with `--partial` skipped and counted: an empty,
/// relative or NUL-holding path, a negative size, dev or inode, a document
/// that is a string or an array, a `path_hex` that says another path than
/// `path`, a line of 20 MB (read past, never held).
#[test]
fn implausible_rows_are_refused_or_skipped_and_counted() {
    let env = TestEnv::new();
    let media = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/media");
    std::fs::copy(media.join("asl-again.mkv"), env.lib.join("a.mkv")).unwrap();
    env.scan(&[], 0);
    let dump = env.path().join("catalog.jsonl");
    assert!(
        env.run(&["dump", "--out", dump.to_str().unwrap()])
            .status
            .success()
    );
    let text = std::fs::read_to_string(&dump).unwrap();
    let spoil = |f: &dyn Fn(&mut Value)| -> String {
        text.lines()
            .filter(|l| !l.contains("\"type\":\"trailer\""))
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).unwrap();
                if v["type"] == "media" {
                    f(&mut v);
                }
                v.to_string() + "\n"
            })
            .collect()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "empty",
            spoil(&|v| v["path"] = "".into()),
            "the path is empty",
        ),
        (
            "relative",
            spoil(&|v| v["path"] = "lib/a.mkv".into()),
            "is not absolute",
        ),
        ("nul", spoil(&|v| v["path"] = "/a\u{0}b".into()), "NUL byte"),
        (
            "size",
            spoil(&|v| v["size"] = (-5).into()),
            "size is negative",
        ),
        ("dev", spoil(&|v| v["dev"] = (-1).into()), "dev is negative"),
        ("ino", spoil(&|v| v["ino"] = (-1).into()), "ino is negative"),
        (
            "string",
            spoil(&|v| v["doc"] = "a doc".into()),
            "not a JSON object",
        ),
        (
            "array",
            spoil(&|v| v["doc"] = serde_json::json!([1, 2])),
            "not a JSON object",
        ),
        (
            "hex",
            spoil(&|v| v["path_hex"] = hex::encode("/etc/passwd").into()),
            "path_hex says \"/etc/passwd\"",
        ),
        (
            "huge",
            spoil(&|v| v["doc"] = serde_json::json!({ "x": "a".repeat(20 << 20) })),
            "longer than 16 MiB",
        ),
    ];
    for (name, dump, why) in cases {
        let file = env.path().join(format!("{name}.jsonl"));
        std::fs::write(&file, dump).unwrap();
        let db = env.path().join(format!("{name}.db"));
        let out = env.std_cmd_db(&db).arg("load").arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("line 3: ") && err.contains(why),
            "{name}: {err}"
        );
        let n = |db: &std::path::Path| {
            let q = env
                .std_cmd_db(db)
                .args(["query", "-f", "json", "SELECT count(*) AS n FROM media"])
                .output()
                .unwrap();
            let rows: Vec<Value> = serde_json::from_slice(&q.stdout).unwrap();
            rows[0]["n"].as_i64().unwrap()
        };
        assert_eq!(n(&db), 0, "{name}: nothing loaded");
        let out = env
            .std_cmd_db(&db)
            .args(["load", "--partial"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("1 implausible row(s) skipped"),
            "{name}: {}",
            stderr(&out)
        );
        assert_eq!(n(&db), 0, "{name}: the row skipped");
    }
}
