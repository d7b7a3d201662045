//! The dump's trailer: row counts and the sha256 of the row lines. `load`
//! refuses a dump that is empty, cut at a line boundary or in the middle of a
//! line, or whose trailer does not match, in one transaction with nothing
//! changed; `--partial` loads the whole rows; old dumps without a trailer
//! load only with `--partial`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::testenv::catalogs::*;
use crate::testenv::fixtures::copy_into;
use crate::testenv::{TestEnv, stderr};

/// The index of the last media line of a dump.
fn last_media(lines: &[&str]) -> usize {
    lines
        .iter()
        .rposition(|l| l.contains("\"type\":\"media\""))
        .expect("a media row")
}

fn scanned() -> TestEnv {
    let env = TestEnv::new();
    copy_into(&env.lib, &["vp8.webm", "h264-aac.mp4", "hevc-flac.mkv"]);
    env.scan(&[], 0);
    env
}

fn dump(env: &TestEnv, name: &str) -> PathBuf {
    let file = env.path().join(name);
    let o = env.run(&["dump", "--out", file.to_str().unwrap()]);
    assert!(o.status.success(), "dump: {}", stderr(&o));
    file
}

/// A second catalog to load into, with one row of its own.
fn target(env: &TestEnv) -> PathBuf {
    let db = env.path().join("other.db");
    let lib2 = env.path().join("lib2");
    std::fs::create_dir(&lib2).unwrap();
    copy_into(&lib2, &["theora-vorbis.ogv"]);
    let o = env
        .std_cmd_db(&db)
        .args(["scan", lib2.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    db
}

fn load(env: &TestEnv, db: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o = env.std_cmd_db(db).arg("load").args(args).output().unwrap();
    (o.status.code(), stderr(&o))
}

fn catalog_files(db: &Path) -> Vec<u8> {
    // The WAL is checkpointed away by each command's last connection; compare
    // what a reader sees: every row of every table.
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut out = Vec::new();
    for t in ["files", "docs", "file_seen", "scans", "recordings"] {
        let mut st = conn
            .prepare(&format!("SELECT * FROM {t} ORDER BY rowid"))
            .unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                out.extend(format!("{:?}|", r.get_ref(i).unwrap()).bytes());
            }
            out.push(b'\n');
        }
    }
    out
}

#[test]
fn a_dump_ends_with_a_trailer_that_matches_its_rows() {
    let env = scanned();
    let file = dump(&env, "d.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let (body, last) = text.trim_end().rsplit_once('\n').unwrap();
    let trailer: Value = serde_json::from_str(last).unwrap();
    assert_eq!(trailer["type"], "trailer");
    assert_eq!(trailer["media"], 3);
    assert_eq!(trailer["scans"], 1);
    assert_eq!(trailer["recordings"], 0);
    let expected: Value = serde_json::from_str(&trailer_of(&format!("{body}\n"))).unwrap();
    assert_eq!(trailer, expected);
    // The same catalog dumps to the same trailer, and so does a copy of it
    // made by load: dump → load → dump is identical after the header.
    let again = std::fs::read_to_string(dump(&env, "d2.jsonl")).unwrap();
    assert_eq!(again.lines().last(), Some(last));
    let copy = env.path().join("copy.db");
    assert_eq!(load(&env, &copy, &[file.to_str().unwrap()]).0, Some(0));
    let o = env.std_cmd_db(&copy).arg("dump").output().unwrap();
    let copied = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        copied.lines().skip(1).collect::<Vec<_>>(),
        text.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn an_incomplete_dump_changes_nothing_and_says_what_is_wrong() {
    let env = scanned();
    let file = dump(&env, "d.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let n = lines.len();
    // The last media row (roots follow it, then the trailer).
    let m = last_media(&lines);
    let mut tampered = lines.clone();
    let altered = lines[m].replace("\"ok\"", "\"missing\"");
    tampered[m] = &altered;
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty.jsonl", String::new(), "is empty"),
        (
            "cut-at-line.jsonl",
            lines[..m].concat(),
            "without its trailer",
        ),
        (
            "cut-mid-line.jsonl",
            format!("{}{}", lines[..m].concat(), &lines[m][..40]),
            "cut short (no end of line)",
        ),
        ("tampered.jsonl", tampered.concat(), "sha256"),
        (
            "miscounted.jsonl",
            format!(
                "{}{}",
                lines[..n - 1].concat(),
                lines[n - 1].replace("\"media\":3", "\"media\":2")
            ),
            "the trailer says 2 media rows, found 3",
        ),
    ];
    let db = target(&env);
    let before = catalog_files(&db);
    for (name, content, why) in &cases {
        let path = env.path().join(name);
        std::fs::write(&path, content).unwrap();
        let (code, err) = load(&env, &db, &[path.to_str().unwrap()]);
        assert_eq!(code, Some(3), "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains("nothing from it was loaded"), "{name}: {err}");
        assert!(err.contains(why), "{name}: {err}");
        assert_eq!(catalog_files(&db), before, "{name} changed the catalog");
    }
    // From standard input, too: a failed `ssh nas mediadex dump | load -`.
    let o = assert_cmd::Command::from_std(env.std_cmd_db(&db))
        .args(["load", "-"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("could not load -: it is empty"),
        "{}",
        stderr(&o)
    );
    assert_eq!(catalog_files(&db), before);
}

#[test]
fn partial_loads_the_whole_rows_of_a_cut_dump() {
    let env = scanned();
    let text = std::fs::read_to_string(dump(&env, "d.jsonl")).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let m = last_media(&lines);
    // Header, one scan, two whole media rows and the third cut mid-line.
    let cut = env.path().join("cut.jsonl");
    std::fs::write(&cut, format!("{}{}", lines[..m].concat(), &lines[m][..30])).unwrap();
    let db = env.path().join("new.db");
    let (code, err) = load(&env, &db, &["--partial", cut.to_str().unwrap()]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("cut.jsonl is not a whole dump"), "{err}");
    assert!(err.contains("media 2 new"), "{err}");
}

#[test]
fn a_dump_from_before_the_trailer_loads_only_with_partial() {
    let env = scanned();
    let text = std::fs::read_to_string(dump(&env, "d.jsonl")).unwrap();
    // A format-1 dump: the old header, no trailer.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.pop();
    let mut head: Value = serde_json::from_str(&lines[0]).unwrap();
    head["dump_version"] = json!(1);
    lines[0] = head.to_string();
    let old = env.path().join("old.jsonl");
    std::fs::write(&old, lines.join("\n") + "\n").unwrap();
    let db = env.path().join("new.db");
    let (code, err) = load(&env, &db, &[old.to_str().unwrap()]);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("old.jsonl")
            && err.contains("before dumps had a trailer")
            && err.contains("--partial"),
        "{err}"
    );
    let (code, err) = load(&env, &db, &["--partial", old.to_str().unwrap()]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("media 3 new"), "{err}");
}
