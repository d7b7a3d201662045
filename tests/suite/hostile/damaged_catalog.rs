//! A damaged catalog — pages overwritten in the middle of the file, a schema
//! SQLite cannot read, a header that is not SQLite's, text that is not UTF-8 —
//! is told as such by every verb: one line that names the catalog, says it is
//! damaged, quotes SQLite's check and says what to do, and exit 1. A dump's
//! own faults still blame the dump, and an export leaves no partial set.

use std::collections::BTreeMap;
use std::process::Output;

use super::*;

/// A scanned catalog of a few real files, a sound dump of it, and a sound
/// export of it (made before any damage), checkpointed so that every row is
/// in the main file.
fn scanned() -> (TestEnv, PathBuf, PathBuf) {
    let env = TestEnv::new();
    copy_into(
        &env.lib,
        &["h264-aac.mp4", "vp8.webm", "mjpeg.mov", "vp9-opus.webm"],
    );
    env.scan(&[], 0);
    let dump = env.path().join("good.jsonl");
    let o = env.run(&["dump", "--out", dump.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let export = env.path().join("previous");
    let o = env.run(&["export", "--out", export.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    (env, dump, export)
}

/// The pages of table or index `name`.
fn pages_of(env: &TestEnv, name: &str) -> Vec<u32> {
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let mut stmt = conn
        .prepare("SELECT pageno FROM dbstat WHERE name = ?1 ORDER BY pageno")
        .unwrap();
    let pages: Vec<u32> = stmt
        .query_map([name], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!pages.is_empty(), "{name} has pages");
    pages
}

/// Overwrite `pages` of the catalog with `fill` (page 1 is left alone).
fn overwrite_pages(env: &TestEnv, pages: &[u32], fill: impl Fn(usize) -> u8) {
    let mut data = std::fs::read(&env.db).unwrap();
    let size = u16::from_be_bytes([data[16], data[17]]) as usize;
    for &p in pages.iter().filter(|&&p| p > 1) {
        let start = (p as usize - 1) * size;
        for (i, b) in data[start..start + size].iter_mut().enumerate() {
            *b = fill(i);
        }
    }
    std::fs::write(&env.db, data).unwrap();
}

/// The one line of a verb that met the damaged catalog, checked: exit 1,
/// one line on stderr naming the catalog, SQLite's check and what to do.
fn assert_blames_catalog(env: &TestEnv, verb: &str, o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{verb}: {err}");
    assert_eq!(err.lines().count(), 1, "{verb}: one line: {err}");
    let want = format!("mediadex: error: catalog {} is damaged (", env.db.display());
    assert!(err.starts_with(&want), "{verb}: {err}");
    assert!(
        err.contains("PRAGMA integrity_check") || err.contains("PRAGMA quick_check"),
        "{verb}: {err}"
    );
    assert!(
        err.contains("restore it from a backup") && err.contains("dump > saved.jsonl"),
        "{verb}: {err}"
    );
    err
}

/// Every file of `dir` and its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Every verb that reads or writes the catalog, on `env` as it is now: each
/// must blame the catalog. Exports go into a new directory (none may be left)
/// and over `previous` (left exactly as it was).
fn every_verb_blames_the_catalog(env: &TestEnv, dump: &Path, previous: &Path) {
    let file = env.lib.join("vp8.webm");
    let lib = env.lib.to_str().unwrap();
    let verbs: Vec<Vec<&str>> = vec![
        vec!["dump"],
        vec!["query", "SELECT path, doc FROM media"],
        vec!["report"],
        vec!["report", "containers"],
        vec!["show", file.to_str().unwrap()],
        vec!["fingerprint"],
        vec!["load", dump.to_str().unwrap()],
        vec!["scan", lib],
    ];
    for args in &verbs {
        let o = env.run(args);
        let err = assert_blames_catalog(env, args[0], &o);
        assert!(
            !err.contains("good.jsonl"),
            "the dump is not to blame: {err}"
        );
    }
    let before = contents(previous);
    let fresh = env.path().join("fresh-export");
    let o = env.run(&["export", "--out", fresh.to_str().unwrap()]);
    assert_blames_catalog(env, "export", &o);
    assert!(!fresh.exists(), "no partial set: {:?}", contents(&fresh));
    let o = env.run(&["export", "--out", previous.to_str().unwrap()]);
    assert_blames_catalog(env, "export over a previous one", &o);
    assert_eq!(contents(previous), before, "the previous set is left whole");
}

#[test]
fn overwritten_pages_are_named_damage_by_every_verb() {
    let (env, dump, previous) = scanned();
    let mut pages = pages_of(&env, "files");
    pages.extend(pages_of(&env, "docs"));
    overwrite_pages(&env, &pages, |_| 0);
    every_verb_blames_the_catalog(&env, &dump, &previous);
    let o = env.run(&["query", "SELECT count(*) FROM media"]);
    let err = assert_blames_catalog(&env, "query", &o);
    assert!(
        err.contains("database disk image is malformed; PRAGMA integrity_check: "),
        "{err}"
    );
}

#[test]
fn an_unreadable_schema_or_header_is_named_damage() {
    let (env, dump, previous) = scanned();
    // Garbage over the pages of the schema after the first.
    let schema: Vec<u32> = pages_of(&env, "sqlite_schema");
    assert!(schema.len() > 1, "{schema:?}");
    overwrite_pages(&env, &schema, |i| {
        (i.wrapping_mul(2_654_435_761) >> 7) as u8
    });
    every_verb_blames_the_catalog(&env, &dump, &previous);

    let (env, dump, previous) = scanned();
    // The header past SQLite's magic string: still a catalog, damaged. (A
    // file that is not SQLite's at all is the wrong file, see
    // `terminal::errors_are_one_line_naming_the_file`.)
    let mut data = std::fs::read(&env.db).unwrap();
    data[16..100].fill(0x5a);
    std::fs::write(&env.db, data).unwrap();
    every_verb_blames_the_catalog(&env, &dump, &previous);
    let o = env.run(&["report"]);
    let err = assert_blames_catalog(&env, "report", &o);
    assert!(err.contains("file is not a database"), "{err}");
}

#[test]
fn text_that_is_not_utf8_is_the_catalogs_fault_not_the_dumps() {
    let (env, dump, _) = scanned();
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.execute_batch(
        "UPDATE files SET path = CAST(path_bytes || x'ff' AS TEXT), first_seen = CAST(x'32303236ff' AS TEXT);
         UPDATE file_seen SET last_seen = CAST(x'32303236ff' AS TEXT);",
    )
    .unwrap();
    drop(conn);
    let file = env.lib.join("vp8.webm");
    for args in [
        vec!["load", dump.to_str().unwrap()],
        vec!["dump"],
        vec!["show", file.to_str().unwrap()],
    ] {
        let o = env.run(&args);
        let err = assert_blames_catalog(&env, args[0], &o);
        assert!(err.contains("is not UTF-8"), "{err}");
        assert!(!err.contains("good.jsonl"), "{err}");
    }

    // A dump that is not UTF-8 is the dump's fault, in a sound catalog.
    let env = TestEnv::new();
    let bad = env.path().join("bad.jsonl");
    let mut text = std::fs::read(&dump).unwrap();
    let at = text.iter().position(|&b| b == b'/').unwrap();
    text[at + 1] = 0xff;
    std::fs::write(&bad, text).unwrap();
    let o = env.run(&["load", bad.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("could not load ") && err.contains("bad.jsonl"),
        "{err}"
    );
    assert!(!err.contains("damaged"), "{err}");
}

#[test]
fn a_scan_whose_write_meets_a_damaged_page_says_so() {
    let (env, _, _) = scanned();
    // The walk and the diff read `files`; only a write reaches `file_seen`.
    overwrite_pages(&env, &pages_of(&env, "file_seen"), |_| 0);
    copy_into(&env.lib, &["hevc-flac.mkv"]);
    let o = env.run(&["scan", env.lib.to_str().unwrap()]);
    let err = assert_blames_catalog(&env, "scan", &o);
    assert!(err.contains("a write failed: "), "{err}");
    assert!(err.contains("PRAGMA quick_check: "), "{err}");
}
