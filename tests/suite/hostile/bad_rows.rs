//! A loaded row whose path no file can have costs that row, never the verb:
//! `fingerprint` answers it as an error without sending it to a worker, and
//! fingerprints the rest.

use serde_json::Value;

use crate::testenv::{TestEnv, stderr};

#[test]
fn a_loaded_row_with_an_empty_path_costs_that_row_only() {
    let env = TestEnv::new();
    let media = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/media");
    for n in ["asl-again.mkv", "asl-book.mkv"] {
        std::fs::copy(media.join(n), env.lib.join(n)).unwrap();
    }
    env.scan(&[], 0);
    let dump = env.path().join("catalog.jsonl");
    let out = env.run(&["dump", "--out", dump.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The first media row's path emptied; the trailer (whose checksum no
    // longer holds) dropped, so the rows load with --partial.
    let mut emptied = false;
    let lines: Vec<String> = std::fs::read_to_string(&dump)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            match v["type"].as_str() {
                Some("trailer") => None,
                Some("media") if !emptied => {
                    emptied = true;
                    v["path"] = Value::String(String::new());
                    if v.get("path_hex").is_some() {
                        v["path_hex"] = Value::String(String::new());
                    }
                    Some(v.to_string())
                }
                _ => Some(l.to_string()),
            }
        })
        .collect();
    assert!(emptied);
    let bad = env.path().join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let other = env.path().join("other.db");
    let load = env
        .std_cmd_db(&other)
        .args(["load", "--partial"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(load.status.code(), Some(3), "{}", stderr(&load));
    for _ in 0..2 {
        let fp = env
            .std_cmd_db(&other)
            .args(["fingerprint", "--force"])
            .output()
            .unwrap();
        assert_eq!(fp.status.code(), Some(3), "{}", stderr(&fp));
        assert!(stderr(&fp).contains("1 failed"), "{}", stderr(&fp));
    }
    let q = env
        .std_cmd_db(&other)
        .args(["query", "-f", "json"])
        .arg("SELECT m.path, f.status, f.error FROM fingerprints f JOIN media m ON m.id = f.file_id ORDER BY m.path")
        .output()
        .unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&q.stdout).unwrap();
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
