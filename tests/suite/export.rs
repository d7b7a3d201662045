//! `export`: one file per report plus summary.txt and a manifest whose sha256s
//! match; byte-identical repeats; the lock (exit 75, never blocked by a dead
//! holder); atomic files when a report fails or the export is killed; and one
//! snapshot for all reports while another process writes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::testenv::catalogs::{crafted_dump, doc, header, load_text, media_line, populated};
use crate::testenv::fixtures::copy_into;
use crate::testenv::{HOST, TestEnv, stderr, stdout};

fn export(env: &TestEnv, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["export", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    env.run(&args)
}

fn manifest(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

fn files_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

fn lock_path(env: &TestEnv) -> PathBuf {
    env.db_file(".export.lock")
}

/// Start `export --out OUT` in the background, told to stop after writing
/// the first report's new file (before putting it in place) until `gate` is
/// deleted. Returns once it has stopped there.
fn paused_export(env: &TestEnv, out: &Path, gate: &Path) -> Child {
    std::fs::write(gate, b"").unwrap();
    let mut ready = gate.as_os_str().to_owned();
    ready.push(".ready");
    let ready = PathBuf::from(ready);
    let _ = std::fs::remove_file(&ready);
    let child = std::process::Command::new(crate::testenv::exe("mediadex"))
        .arg("--db")
        .arg(&env.db)
        .args(["export", "--out", out.to_str().unwrap()])
        .env("HOME", env.path())
        .env("XDG_DATA_HOME", env.path().join("xdg"))
        .env("MEDIADEX_HOST", HOST)
        .env_remove("MEDIADEX_DB")
        .env("MEDIADEX_TEST_EXPORT_PAUSE", gate)
        .spawn()
        .expect("spawn export");
    let started = Instant::now();
    while !ready.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "export never paused"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn export_writes_every_report_a_summary_and_a_manifest() {
    let env = populated();
    let out = env.path().join("reports");
    let o = export(&env, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "quiet on success: {}",
        stderr(&o)
    );

    let m = manifest(&out);
    assert_eq!(m["tool"], "mediadex");
    assert_eq!(m["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["schema_version"], mediadex_core::catalog::SCHEMA_VERSION);
    let generated = m["generated_at"].as_str().unwrap();
    assert!(
        generated.parse::<jiff::Timestamp>().is_ok() && generated.ends_with('Z'),
        "{generated}"
    );
    assert_eq!(m["catalog"], env.db.to_str().unwrap());
    assert_eq!(m["format"], "json");
    assert_eq!(m["failed"], 0);
    let reports = m["reports"].as_array().unwrap();
    assert_eq!(reports.len(), mediadex_core::report::BUNDLED.len());
    let mut expected_files: BTreeSet<String> = ["manifest.json", "summary.txt", "index.html"]
        .map(String::from)
        .into();
    for r in reports {
        let file = out.join(r["file"].as_str().unwrap());
        expected_files.insert(r["file"].as_str().unwrap().to_string());
        assert_eq!(r["file"], format!("{}.json", r["name"].as_str().unwrap()));
        assert_eq!(r["sha256"], sha256(&file), "{file:?}");
        let rows: Vec<Value> = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(r["rows"], rows.len(), "{file:?}");
        assert_eq!(r["source"], "bundled");
        assert!(r.get("error").is_none());
    }
    assert_eq!(m["summary"]["file"], "summary.txt");
    assert_eq!(m["summary"]["sha256"], sha256(&out.join("summary.txt")));
    assert_eq!(
        files_in(&out),
        expected_files,
        "nothing else in the directory"
    );
    // summary.txt is the text summary, and the report files are the reports.
    assert_eq!(
        std::fs::read_to_string(out.join("summary.txt")).unwrap(),
        stdout(&env.run(&["report"]))
    );
    let problems: Vec<Value> =
        serde_json::from_slice(&std::fs::read(out.join("problems.json")).unwrap()).unwrap();
    assert_eq!(
        problems,
        crate::testenv::catalogs::report_json(&env, "problems", &[])
    );
    let largest = reports.iter().find(|r| r["name"] == "largest").unwrap();
    assert_eq!(largest["params"], json!({"limit": "20"}));

    // A chosen subset, as JSON Lines, with a parameter.
    let sub = env.path().join("sub");
    let o = export(
        &env,
        &sub,
        &[
            "-f", "ndjson", "--report", "recent", "--report", "problems", "-p", "days=1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        files_in(&sub),
        [
            "index.html",
            "manifest.json",
            "problems.ndjson",
            "recent.ndjson",
            "summary.txt"
        ]
        .map(String::from)
        .into()
    );
    let lines: Vec<Value> = std::fs::read_to_string(sub.join("problems.ndjson"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, problems);
    // TSV, the fourth machine format; the table is refused.
    let tsv = env.path().join("tsv");
    let o = export(&env, &tsv, &["-f", "tsv", "--report", "problems"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(tsv.join("problems.tsv")).unwrap();
    assert_eq!(text.lines().count(), problems.len() + 1, "{text}");
    assert!(text.lines().next().unwrap().contains('\t'), "{text}");
    let o = export(&env, &env.path().join("table"), &["-f", "table"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not an export format"),
        "{}",
        stderr(&o)
    );

    let m = manifest(&sub);
    assert_eq!(m["reports"][1]["name"], "recent");
    assert_eq!(
        m["reports"][1]["params"],
        json!({"days": "1", "limit": "1000"})
    );

    // Mistakes are usage errors, before anything is written.
    let none = env.path().join("none");
    assert_eq!(
        export(&env, &none, &["--report", "nope"]).status.code(),
        Some(2)
    );
    assert_eq!(
        export(&env, &none, &["-p", "nope=1"]).status.code(),
        Some(2)
    );
    assert!(!none.exists());
}

#[test]
fn repeated_exports_are_byte_identical() {
    let env = populated();
    let (a, b) = (env.path().join("a"), env.path().join("b"));
    assert!(export(&env, &a, &[]).status.success());
    std::thread::sleep(Duration::from_millis(20));
    assert!(export(&env, &b, &[]).status.success());
    assert_eq!(files_in(&a), files_in(&b));
    for f in files_in(&a) {
        if f != "manifest.json" {
            assert_eq!(
                std::fs::read(a.join(&f)).unwrap(),
                std::fs::read(b.join(&f)).unwrap(),
                "{f}"
            );
        }
    }
    let (mut ma, mut mb) = (manifest(&a), manifest(&b));
    assert_ne!(ma["generated_at"], mb["generated_at"]);
    for m in [&mut ma, &mut mb] {
        m.as_object_mut().unwrap().remove("generated_at");
        m.as_object_mut().unwrap().remove("argv");
        for r in m["reports"].as_array_mut().unwrap() {
            let seconds = r.as_object_mut().unwrap().remove("seconds").unwrap();
            assert!(seconds.as_f64().unwrap() >= 0.0, "{r}");
        }
    }
    assert_eq!(
        ma, mb,
        "manifests differ only in time, command line and run times"
    );
    // Exporting again over the same directory gives the same bytes too.
    let before: Vec<Vec<u8>> = files_in(&a)
        .iter()
        .filter(|f| *f != "manifest.json")
        .map(|f| std::fs::read(a.join(f)).unwrap())
        .collect();
    assert!(export(&env, &a, &[]).status.success());
    let after: Vec<Vec<u8>> = files_in(&a)
        .iter()
        .filter(|f| *f != "manifest.json")
        .map(|f| std::fs::read(a.join(f)).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn a_second_export_exits_75_and_a_dead_holder_never_blocks() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4"]);
    env.scan(&[], 0);
    let out = env.path().join("out");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(&env))
        .unwrap();
    lock.try_lock().unwrap();
    let o = export(&env, &out, &[]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("another export of catalog"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains(".export.lock"), "{}", stderr(&o));
    assert!(!out.join("manifest.json").exists());
    drop(lock);
    // The lock file is still there, held by nobody: it does not block.
    assert!(lock_path(&env).exists());
    let o = export(&env, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("manifest.json").exists());
}

#[test]
fn a_killed_export_leaves_complete_files_and_the_next_run_cleans_up() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4", "vp8.webm"]);
    env.scan(&[], 0);
    let out = env.path().join("out");
    assert!(export(&env, &out, &[]).status.success());
    let previous: Vec<(String, Vec<u8>)> = files_in(&out)
        .into_iter()
        .map(|f| {
            let b = std::fs::read(out.join(&f)).unwrap();
            (f, b)
        })
        .collect();
    // New rows, so that the next export would write different files.
    load_text(&env, "crafted.jsonl", &crafted_dump(HOST));

    let gate = env.path().join("gate");
    let mut child = paused_export(&env, &out, &gate);
    // Stopped with a worker's first report (the longest of the previous run)
    // written under its temporary name.
    let temps: Vec<String> = files_in(&out)
        .into_iter()
        .filter(|f| f.ends_with(".mediadex-tmp"))
        .collect();
    assert!(!temps.is_empty(), "{:?}", files_in(&out));
    let paused: Vec<String> = temps
        .iter()
        .map(|t| {
            t.trim_start_matches('.')
                .trim_end_matches(".mediadex-tmp")
                .to_string()
        })
        .collect();
    // Let the other worker run on before the kill, as it would in real life.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    // Every file is complete: its previous version, or (for a report another
    // worker finished before the kill) exactly its new version. The paused
    // report, the summary and the manifest (written last) were not replaced.
    let mut replaced = 0;
    for (f, bytes) in &previous {
        let now = std::fs::read(out.join(f)).unwrap();
        if paused.contains(f) || ["summary.txt", "manifest.json"].contains(&f.as_str()) {
            assert_eq!(&now, bytes, "{f} is still its previous version");
        } else if &now != bytes {
            let name = f.trim_end_matches(".json");
            assert_eq!(
                now,
                env.run(&["report", name, "-f", "json"]).stdout,
                "{f} is complete"
            );
            replaced += 1;
        }
    }
    eprintln!("{replaced} report files were replaced before the kill");
    for t in &temps {
        assert!(
            out.join(t).exists(),
            "a killed export leaves its temporary file"
        );
    }

    // The dead export's lock does not block, and its temporary file is cleaned up.
    let o = export(&env, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(files_in(&out).iter().all(|f| !f.ends_with(".mediadex-tmp")));
    let summary: Vec<Value> =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary[0]["files"], 22, "the new export has the new rows");
}

#[test]
fn a_failing_report_keeps_its_previous_file() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4"]);
    env.scan(&[], 0);
    let sql = env.path().join("sql");
    std::fs::create_dir_all(&sql).unwrap();
    let boom = |fail: bool| {
        format!(
            "-- name: boom\n-- description: ten rows, or five and then an error\n\
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10)\n\
             SELECT x, {} AS y FROM c ORDER BY x;\n",
            if fail {
                "CASE WHEN x > 5 THEN json('not json') END"
            } else {
                "NULL"
            }
        )
    };
    std::fs::write(sql.join("boom.sql"), boom(false)).unwrap();
    let out = env.path().join("out");
    let sql_dir = ["--sql-dir", sql.to_str().unwrap()];
    assert!(export(&env, &out, &sql_dir).status.success());
    let good = std::fs::read(out.join("boom.json")).unwrap();
    assert_eq!(
        serde_json::from_slice::<Vec<Value>>(&good).unwrap().len(),
        10
    );

    std::fs::write(sql.join("boom.sql"), boom(true)).unwrap();
    let o = export(&env, &out, &sql_dir);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line per failure: {err}");
    assert!(
        err.contains("boom.json")
            && err.contains("malformed JSON")
            && err.contains("left in place"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out.join("boom.json")).unwrap(),
        good,
        "previous version kept"
    );
    assert!(
        files_in(&out).iter().all(|f| !f.ends_with(".mediadex-tmp")),
        "{:?}",
        files_in(&out)
    );
    let m = manifest(&out);
    assert_eq!(m["failed"], 1);
    let entry = m["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "boom")
        .unwrap();
    assert!(entry["error"].as_str().unwrap().contains("malformed JSON"));
    assert!(entry.get("sha256").is_none() && entry.get("rows").is_none());
    assert!(
        m["reports"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["name"] != "boom")
            .all(|r| r["sha256"].is_string())
    );
}

#[test]
fn every_report_of_an_export_reads_one_snapshot() {
    let env = populated();
    let out = env.path().join("out");
    let gate = env.path().join("gate");
    let child = paused_export(&env, &out, &gate);

    // While the export holds its snapshot, another process adds 40 files.
    let mut more = vec![header()];
    for i in 0..40 {
        more.push(media_line(
            "otherhost",
            &format!("/late/file{i}.mkv"),
            "ok",
            None,
            doc(
                "webm",
                Some(("av1", 1920, 1080, 24.0, None)),
                &["en"],
                10.0,
                1_000_000,
            ),
            "2026-02-01T00:00:00.000Z",
        ));
    }
    let text: String = more.iter().map(|l| format!("{l}\n")).collect();
    load_text(&env, "late.jsonl", &text);
    assert_eq!(env.query("SELECT count(*) AS n FROM media")[0]["n"], 70);

    std::fs::remove_file(&gate).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));

    let read = |f: &str| -> Vec<Value> {
        serde_json::from_slice(&std::fs::read(out.join(f)).unwrap()).unwrap()
    };
    assert_eq!(read("summary.json")[0]["files"], 30, "as of the snapshot");
    let containers: i64 = read("containers.json")
        .iter()
        .map(|r| r["files"].as_i64().unwrap())
        .sum();
    assert_eq!(containers, 25);
    assert!(
        read("containers.json")
            .iter()
            .all(|r| r["container"] != "webm" || r["files"] == 2)
    );
    assert_eq!(read("hosts.json").len(), 1);
    assert!(
        read("video-codecs.json")
            .iter()
            .all(|r| r["video_codec"] != "av1")
    );
    assert!(
        std::fs::read_to_string(out.join("summary.txt"))
            .unwrap()
            .contains("29 files on disk")
    );

    // The next export sees the new files.
    assert!(export(&env, &out, &[]).status.success());
    let summary = read("summary.json");
    assert_eq!(summary[0]["files"], 70);
    assert_eq!(read("hosts.json").len(), 2);
}
