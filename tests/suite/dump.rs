//! `dump` and `load`: lossless round trips (non-UTF-8 names, nested
//! documents, recordings, scans), idempotent loads where the newer row wins,
//! catalogs of two hosts merged into one, and a bad dump that loads nothing.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::testenv::catalogs::{
    crafted_dump, doc, header, hex_of, load_text, media_line, populated, report_json,
};
use crate::testenv::fixtures::copy_into;
use crate::testenv::{HOST, TestEnv, stderr, stdout};

fn dump_to(env: &TestEnv, name: &str) -> PathBuf {
    let file = env.path().join(name);
    let o = env.run(&["dump", "--out", file.to_str().unwrap()]);
    assert!(o.status.success(), "dump: {}", stderr(&o));
    file
}

fn lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn dump_load_dump_gives_identical_lines() {
    let env = populated();
    let d1 = dump_to(&env, "d1.jsonl");
    let l1 = lines(&d1);
    let head: Value = serde_json::from_str(&l1[0]).unwrap();
    assert_eq!(head["type"], "header");
    assert_eq!(head["format"], "mediadex-dump");
    assert_eq!(head["dump_version"], 4);
    assert_eq!(
        head["schema_version"],
        mediadex_core::catalog::SCHEMA_VERSION
    );
    assert!(head["generated_at"].as_str().unwrap().ends_with('Z'));
    let rows: Vec<Value> = l1[1..]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = rows.iter().map(|r| r["type"].as_str().unwrap()).collect();
    let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
    assert_eq!(
        (count("scan"), count("media"), count("recording")),
        (2, 30, 4)
    );
    let mut sorted = kinds.clone();
    sorted.sort_by_key(|k| {
        [
            "scan",
            "media",
            "recording",
            "root",
            "history",
            "fingerprint",
            "trailer",
        ]
        .iter()
        .position(|x| x == k)
    });
    assert_eq!(
        kinds, sorted,
        "scans, media, recordings, roots, history, fingerprints, then the trailer"
    );
    assert_eq!(count("root"), 1, "the root the scan walked");
    // Documents are nested, and a name that is not UTF-8 carries its bytes.
    let fixture = rows
        .iter()
        .find(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("h264-aac.mp4"))
        })
        .unwrap();
    assert_eq!(fixture["doc"]["video"]["codec"], "h264");
    assert!(
        fixture["scan"].is_string(),
        "rows name the scan that last saw them"
    );
    let odd = rows
        .iter()
        .find(|r| r["path"] == "/crafted/bad\\xFFname.mkv")
        .unwrap();
    assert_eq!(odd["path_hex"], hex_of(b"/crafted/bad\xFFname.mkv"));
    assert!(fixture.get("path_hex").is_none());

    // Standard output and --out agree.
    let piped = stdout(&env.run(&["-q", "dump"]));
    assert_eq!(
        piped.lines().skip(1).collect::<Vec<_>>(),
        l1[1..].iter().map(String::as_str).collect::<Vec<_>>()
    );

    let copy = TestEnv::new();
    let err = load_text(&copy, "in.jsonl", &std::fs::read_to_string(&d1).unwrap());
    assert!(
        err.contains("media 30 new, 0 updated, 0 unchanged"),
        "{err}"
    );
    assert!(
        err.contains("recordings 4 new") && err.contains("scans 2 new"),
        "{err}"
    );
    let d2 = dump_to(&copy, "d2.jsonl");
    assert_eq!(lines(&d2)[1..], l1[1..], "identical after the header");
    let bytes = copy.query("SELECT hex(path_bytes) AS h, path FROM media WHERE path LIKE '%bad%'");
    assert_eq!(
        bytes[0]["h"],
        hex_of(b"/crafted/bad\xFFname.mkv").to_uppercase()
    );
    for r in ["summary", "duplicates", "recordings", "bitrate-outliers"] {
        assert_eq!(report_json(&copy, r, &[]), report_json(&env, r, &[]), "{r}");
    }
    // The scan a row belongs to survives the trip.
    let linked = copy.query("SELECT count(*) AS n FROM files f JOIN scans s ON s.id = f.scan_id");
    assert_eq!(linked[0]["n"], 30);
}

/// Roots, the export history and fingerprints (with every frame hash) make the
/// trip too, and the copy finds the same similar files.
#[test]
fn roots_history_and_fingerprints_survive_the_trip() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4", "vp8.webm", "hevc-flac.mkv"]);
    env.scan(&[], 0);
    let o = env.run(&["-q", "fingerprint"]);
    assert!(o.status.success(), "fingerprint: {}", stderr(&o));
    let o = env.run(&[
        "-q",
        "export",
        "--out",
        env.path().join("out").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "export: {}", stderr(&o));
    let tables = |e: &TestEnv| {
        e.query(
            "SELECT (SELECT count(*) FROM roots) AS roots,
                    (SELECT group_concat(path || ':' || dev) FROM roots) AS root_devs,
                    (SELECT count(*) FROM history) AS days,
                    (SELECT group_concat(day || files || bytes || by_codec) FROM history) AS history,
                    (SELECT count(*) FROM fingerprints WHERE status = 'ok') AS fingerprinted,
                    (SELECT count(*) FROM fingerprint_frames) AS frames,
                    (SELECT sum(hash % 1000003) FROM fingerprint_frames) AS hash_sum",
        )
    };
    let before = tables(&env);
    assert_eq!(before[0]["roots"], 1);
    assert_eq!(before[0]["days"], 1);
    // The fixtures are short clips: a frame or more each.
    assert!(before[0]["frames"].as_i64().unwrap() >= 3, "{before:?}");
    let d1 = dump_to(&env, "d1.jsonl");
    let rows: Vec<Value> = lines(&d1)[1..]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fp = rows.iter().find(|r| r["type"] == "fingerprint").unwrap();
    let hashes = fp["hashes"].as_array().unwrap();
    assert!(!hashes.is_empty(), "{fp}");
    assert_eq!(
        hashes[0].as_array().unwrap().len(),
        3,
        "[t_ms, hash, quality]"
    );
    let trailer = rows.last().unwrap();
    assert_eq!(
        (
            &trailer["roots"],
            &trailer["history"],
            &trailer["fingerprints"]
        ),
        (&json!(1), &json!(1), &json!(3))
    );

    let copy = TestEnv::new();
    let err = load_text(&copy, "in.jsonl", &std::fs::read_to_string(&d1).unwrap());
    assert!(err.contains("fingerprints 3 new"), "{err}");
    assert!(
        err.contains("roots 1 new") && err.contains("history days 1 new"),
        "{err}"
    );
    assert_eq!(tables(&copy), before);
    let d2 = dump_to(&copy, "d2.jsonl");
    assert_eq!(
        lines(&d2)[1..],
        lines(&d1)[1..],
        "identical after the header"
    );
    // Loading again changes nothing.
    let err = load_text(&copy, "again.jsonl", &std::fs::read_to_string(&d1).unwrap());
    assert!(
        err.contains("fingerprints 0 new, 0 updated, 3 unchanged"),
        "{err}"
    );
    assert!(
        err.contains("history days 0 new, 0 updated, 1 unchanged"),
        "{err}"
    );
}

/// A scan dumped while it ran, then again once finished: the finished line
/// updates the row, every column in its place.
#[test]
fn a_finished_scan_updates_the_row_of_the_running_one() {
    let env = TestEnv::new();
    let scan = |finished: Option<&str>, status: &str, seen: u64| {
        json!({"type": "scan", "host": HOST, "started_at": "2026-03-01T00:00:00.000Z",
            "finished_at": finished, "status": status, "roots": ["/nas"], "seen": seen,
            "new": seen, "changed": 0, "unchanged": 0, "missing": 0, "failed": 1, "probed": seen,
            "elapsed_s": 4.5, "offline": ["/nas/b"], "unreadable": ["/nas/c"]})
    };
    let text = |line: Value| format!("{}\n{line}\n", header());
    let err = load_text(&env, "running.jsonl", &text(scan(None, "running", 3)));
    assert!(err.contains("scans 1 new"), "{err}");
    let finished = scan(Some("2026-03-01T00:00:09.000Z"), "complete", 7);
    let err = load_text(&env, "finished.jsonl", &text(finished));
    assert!(err.contains("scans 0 new, 1 updated, 0 unchanged"), "{err}");
    let rows = env.query(
        "SELECT finished_at, status, roots, seen, new, failed, probed, elapsed_s, offline, unreadable FROM scans",
    );
    assert_eq!(
        rows,
        [
            json!({"finished_at": "2026-03-01T00:00:09.000Z", "status": "complete",
            "roots": ["/nas"], "seen": 7, "new": 7, "failed": 1, "probed": 7,
            "elapsed_s": 4.5, "offline": ["/nas/b"], "unreadable": ["/nas/c"]})
        ]
    );
}

#[test]
fn loading_twice_changes_nothing_and_the_newer_row_wins() {
    let env = TestEnv::new();
    let crafted = crafted_dump(HOST);
    load_text(&env, "a.jsonl", &crafted);
    let d1 = dump_to(&env, "d1.jsonl");
    let before = env.catalog_bytes();
    let err = load_text(&env, "a.jsonl", &crafted);
    assert!(
        err.contains("media 0 new, 0 updated, 20 unchanged"),
        "{err}"
    );
    assert!(
        err.contains("recordings 0 new, 0 updated, 4 unchanged")
            && err.contains("scans 0 new, 0 updated, 1 unchanged"),
        "{err}"
    );
    assert_eq!(env.catalog_bytes(), before, "a second load writes nothing");
    assert_eq!(lines(&dump_to(&env, "d2.jsonl"))[1..], lines(&d1)[1..]);

    // A newer sighting of a file replaces the row, except its first sighting.
    let newer = {
        let mut l = media_line(
            HOST,
            "/crafted/hdr.mkv",
            "ok",
            None,
            doc(
                "mkv",
                Some(("hevc", 3840, 2160, 23.976, Some("HLG"))),
                &["ja"],
                120.0,
                123_456,
            ),
            "2026-02-01T00:00:00.000Z",
        );
        l["first_seen"] = json!("2026-01-15T00:00:00.000Z");
        l
    };
    // A scan that marked a file missing later than its last sighting is newer too.
    let gone_later = json!({"type": "scan", "host": HOST, "started_at": "2026-03-01T00:00:00.000Z",
        "finished_at": "2026-03-01T00:00:05.000Z", "status": "complete", "roots": ["/crafted"]});
    let mut missing = media_line(
        HOST,
        "/crafted/Shows/A/copy1.mkv",
        "missing",
        None,
        json!({}),
        "2026-01-01T00:00:10.000Z",
    );
    missing["scan"] = json!("2026-03-01T00:00:00.000Z");
    // A recording that went on longer than the stored one.
    let longer = json!({"type": "recording", "host": HOST, "path": "/crafted/rec0.wav", "status": "complete",
        "device": "fakemic", "started_at": "2026-01-02T10:00:00.000Z", "ended_at": "2026-01-02T10:05:00.000Z",
        "frames": 48000 * 300, "seconds": 300.0, "rate": 48000, "channels": 1, "format": "s16", "label": "take 0",
        "doc": {"levels": {"clipped": 0}}});
    let text: String = [header(), gone_later, newer, missing, longer]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    let err = load_text(&env, "newer.jsonl", &text);
    assert!(err.contains("media 0 new, 2 updated, 0 unchanged"), "{err}");
    assert!(err.contains("recordings 0 new, 1 updated"), "{err}");
    let row = &env.query(
        "SELECT size, hdr, first_seen, last_seen FROM media WHERE path = '/crafted/hdr.mkv'",
    )[0];
    assert_eq!(row["size"], 123_456);
    assert_eq!(row["hdr"], "HLG");
    assert_eq!(
        row["first_seen"], "2026-01-01T00:00:00.000Z",
        "first seen is the earlier sighting"
    );
    assert_eq!(row["last_seen"], "2026-02-01T00:00:00.000Z");
    let copy1 = &env.query("SELECT m.status, s.started_at FROM media m JOIN scans s ON s.id = m.scan_id WHERE path = '/crafted/Shows/A/copy1.mkv'")[0];
    assert_eq!(copy1["status"], "missing");
    assert_eq!(copy1["started_at"], "2026-03-01T00:00:00.000Z");
    assert_eq!(
        env.query("SELECT seconds FROM recordings WHERE path = '/crafted/rec0.wav'")[0]["seconds"],
        300.0
    );

    // The older dump again: nothing goes back.
    let err = load_text(&env, "a.jsonl", &crafted);
    assert!(
        err.contains("media 0 new, 0 updated, 20 unchanged"),
        "{err}"
    );
    assert_eq!(
        env.query("SELECT size FROM media WHERE path = '/crafted/hdr.mkv'")[0]["size"],
        123_456
    );
}

#[test]
fn catalogs_from_two_hosts_merge_into_one() {
    let scan_as = |host: &str, files: &[&str]| {
        let env = TestEnv::new();
        copy_into(&env.lib, files);
        let o = env
            .cmd()
            .env("MEDIADEX_HOST", host)
            .args(["scan", env.lib.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        env
    };
    let nas = scan_as("nas", &["h264-aac.mp4", "vp8.webm", "hevc-flac.mkv"]);
    let laptop = scan_as("laptop", &["h264-aac.mp4", "mjpeg.mov"]);
    let (dn, dl) = (dump_to(&nas, "nas.jsonl"), dump_to(&laptop, "laptop.jsonl"));

    let merged = TestEnv::new();
    let o = merged.run(&["load", dn.to_str().unwrap(), dl.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let hosts = report_json(&merged, "hosts", &[]);
    assert_eq!(
        hosts
            .iter()
            .map(|h| (h["host"].as_str().unwrap(), h["files"].as_i64().unwrap()))
            .collect::<Vec<_>>(),
        [("laptop", 2), ("nas", 3)]
    );
    assert_eq!(merged.query("SELECT count(*) AS n FROM scans")[0]["n"], 2);
    let text = stdout(&merged.run(&["report"]));
    assert!(
        text.contains("5 files on disk") && text.contains("2 hosts"),
        "{text}"
    );

    // Merge order does not matter, and merging again changes nothing.
    let other = TestEnv::new();
    assert!(
        other
            .run(&["load", dl.to_str().unwrap(), dn.to_str().unwrap()])
            .status
            .success()
    );
    let a = lines(&dump_to(&merged, "a.jsonl"));
    let b = lines(&dump_to(&other, "b.jsonl"));
    assert_eq!(a[1..], b[1..]);
    let o = merged.run(&["load", dn.to_str().unwrap(), dl.to_str().unwrap()]);
    assert!(
        stderr(&o).lines().all(|l| l.contains(" 0 new, 0 updated")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_bad_dump_loads_nothing_and_names_the_line() {
    let env = TestEnv::new();
    let good = |p: &str| {
        media_line(
            HOST,
            p,
            "ok",
            None,
            doc("mkv", None, &[], 1.0, 10),
            "2026-01-01T00:00:00.000Z",
        )
    };
    let mut bad_status = good("/x/3.mkv");
    bad_status["status"] = json!("bogus");
    let bad: String = [header(), good("/x/1.mkv"), good("/x/2.mkv"), bad_status]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    let bad_file = env.path().join("bad.jsonl");
    std::fs::write(&bad_file, bad).unwrap();
    let headless = env.path().join("headless.jsonl");
    std::fs::write(&headless, format!("{}\n", good("/x/4.mkv"))).unwrap();
    let fine = env.path().join("fine.jsonl");
    let fine_text = format!("{}\n{}\n", header(), good("/x/5.mkv"));
    std::fs::write(&fine, crate::testenv::catalogs::seal(&fine_text)).unwrap();

    let o = env.run(&[
        "load",
        bad_file.to_str().unwrap(),
        headless.to_str().unwrap(),
        fine.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("could not load")
            && err.contains("bad.jsonl: line 4")
            && err.contains("CHECK constraint"),
        "{err}"
    );
    assert!(
        err.contains("headless.jsonl: line 1: no header line"),
        "{err}"
    );
    assert!(err.contains("nothing from it was loaded"), "{err}");
    let paths: Vec<Value> = env
        .query("SELECT path FROM media ORDER BY path")
        .into_iter()
        .map(|r| r["path"].clone())
        .collect();
    assert_eq!(paths, vec![json!("/x/5.mkv")], "only the good file loaded");
}

fn journal_mode(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

/// A load into an empty catalog writes its pages once (rollback journal instead
/// of WAL) and switches back to WAL; killed halfway, it leaves the empty catalog.
#[test]
fn a_killed_load_into_an_empty_catalog_leaves_it_empty() {
    let env = TestEnv::new();
    let file = env.path().join("big.jsonl");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        writeln!(w, "{}", header()).unwrap();
        for i in 0..100_000 {
            let d = doc(
                "mp4",
                Some(("h264", 1280, 720, 25.0, None)),
                &["eng"],
                60.0 + i as f64,
                1_000_000 + i,
            );
            let line = media_line(
                HOST,
                &format!("/big/{i:06}.mp4"),
                "ok",
                None,
                d,
                "2026-01-02T00:00:00.000Z",
            );
            writeln!(w, "{line}").unwrap();
        }
    }
    crate::testenv::catalogs::seal_file(&file);
    // Create the empty catalog, then start the load and kill it midway.
    load_text(&env, "empty.jsonl", &format!("{}\n", header()));
    let mut child = env
        .std_cmd()
        .args(["load", file.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let journal = env.db_file("-journal");
    // Wait until the load is writing (its rollback journal exists), then kill it.
    let started = std::time::Instant::now();
    while !journal.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the load finished before it could be killed"
        );
        assert!(
            started.elapsed().as_secs() < 60,
            "no rollback journal appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(journal.exists(), "the killed load leaves its journal");
    // The next opener rolls the hot journal back: still empty, and sound.
    let n = env.query("SELECT count(*) AS n FROM media");
    assert_eq!(n[0]["n"], 0);
    // A complete load then works, and leaves the catalog in WAL mode.
    let out = env.run(&["load", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("media 100000 new"),
        "{}",
        stderr(&out)
    );
    assert_eq!(journal_mode(&env.db), "wal");
    let n = env.query("SELECT count(*) AS n FROM media");
    assert_eq!(n[0]["n"], 100_000);
    let check = stdout(&env.run(&["query", "PRAGMA quick_check", "-f", "csv"]));
    assert!(check.contains("ok"), "{check}");
}

/// A writer killed mid-transaction in rollback-journal mode leaves a hot
/// journal; read-only verbs roll it back instead of failing.
#[test]
fn a_hot_journal_does_not_stop_readers() {
    let env = TestEnv::new();
    load_text(&env, "empty.jsonl", &format!("{}\n", header()));
    // The sqlite3 shell spills a big insert into the file, then is killed.
    let script = "PRAGMA journal_mode=delete;\nPRAGMA cache_size=10;\nBEGIN;\n\
        INSERT INTO scans (host, started_at, status) VALUES ('h', '2026-01-01', 'complete');\n\
        CREATE TABLE filler (x);\n\
        WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50000)\n\
        INSERT INTO filler SELECT randomblob(100) FROM c;\n\
        .system kill -9 $PPID\n";
    let mut sh = std::process::Command::new("sqlite3")
        .arg(&env.db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run sqlite3");
    {
        use std::io::Write;
        sh.stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
    }
    let status = sh.wait().unwrap();
    assert!(!status.success(), "sqlite3 was killed");
    let journal = env.db_file("-journal");
    assert!(journal.exists(), "a hot journal is left");
    for sql in [
        "SELECT count(*) AS n FROM scans",
        "SELECT count(*) AS n FROM sqlite_schema WHERE name = 'filler'",
    ] {
        let out = env.run(&["query", sql, "-f", "csv"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), "n\n0\n", "{sql}");
    }
    assert!(!journal.exists(), "rolled back");
    let check = stdout(&env.run(&["query", "PRAGMA quick_check", "-f", "csv"]));
    assert!(check.contains("ok"), "{check}");
}
