//! Faults from outside the file: probe workers killed by someone else blame no
//! file, crashed files get one retry on a later scan, and exports do not wait
//! for a scan's write transaction.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::hostile::{many_files, worker_pids};
use crate::testenv::fixtures::cache_dir;
use crate::testenv::{TestEnv, stderr};

/// SIGKILL every probe worker of `child` once it has lived `age`, by pid, until
/// `child` exits. Returns how many were killed.
fn kill_workers_until_done(child: &mut Child, age: Duration) -> usize {
    let parent = child.id();
    let mut first_seen: std::collections::HashMap<i32, Instant> = Default::default();
    let mut killed = 0;
    while child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(20));
        for pid in worker_pids(parent) {
            let seen = *first_seen.entry(pid).or_insert_with(Instant::now);
            if seen.elapsed() >= age && kill(Pid::from_raw(pid), Signal::SIGKILL).is_ok() {
                killed += 1;
            }
        }
    }
    killed
}

fn rows_by_status(env: &TestEnv) -> Vec<(String, String, String)> {
    env.query("SELECT path, status, coalesce(error, '') AS error FROM media ORDER BY path")
        .into_iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_string();
            (s("path"), s("status"), s("error"))
        })
        .collect()
}

#[test]
fn workers_killed_from_outside_blame_no_file_and_a_rescan_leaves_all_ok() {
    let env = TestEnv::new();
    let files = many_files(&env.lib, 24);
    std::fs::copy(cache_dir().join("vp8.webm"), env.lib.join("boom.webm")).unwrap();
    // Every healthy file takes a while, so the kills find files in flight.
    let mut child = env
        .std_cmd()
        .args(["scan", "--json", "-j", "2"])
        .arg(&env.lib)
        .env("MEDIADEX_TEST_DELAY_ON", "-:100")
        .env("MEDIADEX_TEST_CRASH_ON", "boom")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let killed = kill_workers_until_done(&mut child, Duration::from_millis(350));
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(killed > 0, "found workers to kill");
    assert_eq!(out.status.code(), Some(3), "boom crashed: {err}");
    assert!(err.contains("killed from outside"), "{err}");
    for (path, status, error) in rows_by_status(&env) {
        if path.ends_with("boom.webm") {
            assert_eq!(status, "crashed", "the culprit");
            assert!(error.contains("SIGABRT"), "{error}");
        } else {
            // Given up after kills from outside, at worst, and then said so.
            assert!(
                status == "ok" || error.starts_with("killed from outside"),
                "{path}: {status} {error} ({killed} kills)"
            );
        }
    }

    // A plain rescan leaves every file ok: the healthy ones, and the culprit,
    // which gets its one retry and no longer crashes without the hook.
    env.scan(&[], 0);
    let rows = rows_by_status(&env);
    assert_eq!(rows.len(), files.len() + 1);
    for (path, status, error) in &rows {
        assert_eq!(status, "ok", "{path}: {error}");
    }
}

#[test]
fn a_file_whose_worker_is_always_killed_from_outside_is_given_up_then_probed_next_scan() {
    let env = TestEnv::new();
    many_files(&env.lib, 3);
    let victim = env.lib.join("victim.webm");
    std::fs::copy(cache_dir().join("vp8.webm"), &victim).unwrap();
    let out = env
        .cmd()
        .args(["scan", "--json", "-j", "2"])
        .arg(&env.lib)
        .env("MEDIADEX_TEST_KILL_ON", "victim")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("killed from outside") && err.contains("probed again on the next scan"),
        "{err}"
    );
    let rows = rows_by_status(&env);
    for (path, status, error) in &rows {
        if path.ends_with("victim.webm") {
            assert_eq!(status, "crashed");
            assert!(
                error.starts_with("killed from outside") && error.contains("SIGKILL 3 times"),
                "{error}"
            );
            assert!(error.contains("not blamed on the file"), "{error}");
        } else {
            assert_eq!(status, "ok", "{path}: {error}");
        }
    }
    // Not the file's fault: the next scan probes it again.
    let s = env.scan(&[], 0);
    assert_eq!(s["probed"], 1);
    assert!(rows_by_status(&env).iter().all(|(_, st, _)| st == "ok"));
}

#[test]
fn a_crashed_file_is_retried_once_then_remembered() {
    let env = TestEnv::new();
    many_files(&env.lib, 3);
    std::fs::copy(cache_dir().join("vp8.webm"), env.lib.join("boom.webm")).unwrap();
    let scan = |crash: bool| {
        let mut c = env.cmd();
        c.args(["scan", "--json", "-j", "2"]).arg(&env.lib);
        if crash {
            c.env("MEDIADEX_TEST_CRASH_ON", "boom");
        }
        let out = c.output().unwrap();
        let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            out.status.code(),
            s["probed"].as_u64().unwrap(),
            stderr(&out),
        )
    };
    let (code, probed, err) = scan(true);
    assert_eq!((code, probed), (Some(3), 4), "{err}");
    // The next scan probes it once more: it still crashes.
    let (code, probed, err) = scan(true);
    assert_eq!((code, probed), (Some(3), 1), "{err}");
    // Now it is remembered until it changes, even if it would not crash.
    let (code, probed, err) = scan(false);
    assert_eq!((code, probed), (Some(0), 0), "{err}");
    let st = env.query("SELECT status FROM media WHERE path LIKE '%boom.webm'");
    assert_eq!(st[0]["status"], "crashed");

    // A fresh crash, then a retry that no longer crashes (a fixed plugin): ok.
    std::fs::write(
        env.lib.join("boom.webm"),
        std::fs::read(cache_dir().join("vp8.webm")).unwrap(),
    )
    .unwrap();
    let now = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(env.lib.join("boom.webm"))
        .unwrap()
        .set_modified(now)
        .unwrap();
    assert_eq!(scan(true).1, 1, "changed: probed again");
    assert_eq!(scan(false).1, 1, "the one retry");
    let st = env.query("SELECT status FROM media WHERE path LIKE '%boom.webm'");
    assert_eq!(st[0]["status"], "ok");
    assert_eq!(scan(false).1, 0);
}

#[test]
fn export_during_an_open_write_transaction_does_not_wait_for_it() {
    let env = TestEnv::new();
    many_files(&env.lib, 6);
    env.scan(&[], 0);
    // Another process holds the write lock with uncommitted writes, as a scan
    // does between its commits.
    let mut shell = std::process::Command::new("sqlite3")
        .arg(&env.db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sqlite3 shell");
    let mut input = shell.stdin.take().unwrap();
    writeln!(input, ".timeout 5000").unwrap();
    writeln!(
        input,
        "BEGIN IMMEDIATE; DELETE FROM file_seen; DELETE FROM docs; DELETE FROM files; SELECT 'locked';"
    )
    .unwrap();
    input.flush().unwrap();
    let mut line = String::new();
    BufReader::new(shell.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");

    let out_dir = env.path().join("out");
    let t = Instant::now();
    let out = env
        .cmd()
        .args(["export", "--jobs", "3", "--out"])
        .arg(&out_dir)
        .timeout(Duration::from_secs(50))
        .output()
        .unwrap();
    let took = t.elapsed();
    writeln!(input, "ROLLBACK;").unwrap();
    drop(input);
    let _ = shell.wait();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Waiting for the lock would take the whole busy timeout (60 s).
    assert!(took < Duration::from_secs(20), "export took {took:?}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary[0]["files"], 6, "the committed catalog");
}
