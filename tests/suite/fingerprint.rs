//! `mediadex fingerprint` and `report similar` on real files made with ffmpeg:
//! the small evaluation (variants found, hard negatives not), the incremental
//! rule, and the failure modes (each file ends with a status, nothing lost).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::testenv::{TestEnv, ffmpeg, stderr};

mod real;

/// The small evaluation set of `scripts/fingerprint-corpus.sh`, made once per
/// version of the script (it takes a minute of ffmpeg).
fn corpus() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        crate::testenv::script_corpus("fingerprint-corpus", "fingerprint-corpus.sh", &["small"])
    })
}

/// A 160×120 test picture of `seconds`, H.264 with a keyframe every `gop`
/// frames exactly (no scene-cut keyframes).
fn testsrc_x264(path: &str, seconds: &str, gop: &str) {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=160x120:r=25",
        "-t",
        seconds,
        "-c:v",
        "libx264",
        "-g",
        gop,
        "-sc_threshold",
        "0",
        "-pix_fmt",
        "yuv420p",
        path,
    ]);
}

fn fingerprint(env: &TestEnv, extra: &[&str], code: i32) -> Value {
    let mut args = vec!["fingerprint", "--json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "fingerprint exit code; stderr:\n{}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("fingerprint --json")
}

fn copy_corpus(env: &TestEnv, names: &[&str]) {
    for n in names {
        std::fs::copy(corpus().join(n), env.lib.join(n)).unwrap();
    }
}

#[test]
fn evaluation_finds_variants_and_rejects_hard_negatives() {
    let env = TestEnv::new();
    let truth: Vec<(String, String, String)> = std::fs::read_to_string(corpus().join("truth.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect();
    let names: Vec<&str> = truth.iter().map(|t| t.0.as_str()).collect();
    copy_corpus(&env, &names);
    env.scan(&[], 0);
    let s = fingerprint(&env, &[], 0);
    assert_eq!(s["fingerprinted"], truth.len() as u64);
    let rows = env.query(
        "SELECT m.path, fp.similar_group AS g FROM fingerprints fp JOIN media m ON m.id = fp.file_id",
    );
    let group: HashMap<String, Option<i64>> = rows
        .iter()
        .map(|r| {
            let p = r["path"].as_str().unwrap();
            (p.rsplit('/').next().unwrap().to_string(), r["g"].as_i64())
        })
        .collect();
    let same = |a: &str, b: &str| group[a].is_some() && group[a] == group[b];
    // Pairwise, at the level of `report similar`: an original and its variant
    // in one group.
    let mut per: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for (orig, src, _) in truth.iter().filter(|t| t.2 == "original") {
        for (file, _, tr) in truth.iter().filter(|t| &t.1 == src && t.2 != "original") {
            let e = per.entry(tr.as_str()).or_default();
            e.0 += 1;
            e.1 += same(orig, file) as u32;
        }
    }
    let mut negatives = (0, 0);
    let mut grouped = Vec::new();
    for (i, a) in truth.iter().enumerate() {
        for b in &truth[i + 1..] {
            if a.1 != b.1 {
                negatives.0 += 1;
                if same(&a.0, &b.0) {
                    negatives.1 += 1;
                    grouped.push(format!("{} ~ {}", a.0, b.0));
                }
            }
        }
    }
    for (tr, (n, found)) in &per {
        eprintln!("recall {tr:<12} {found}/{n}");
    }
    eprintln!(
        "false groupings {}/{} negative pairs",
        negatives.1, negatives.0
    );
    let (n, found) = per
        .values()
        .fold((0, 0), |acc, v| (acc.0 + v.0, acc.1 + v.1));
    assert!(
        found as f64 / n as f64 >= 0.95,
        "recall {found}/{n}: {per:?}"
    );
    let pairs = env.query(
        "SELECT ma.path AS a, mb.path AS b, p.relation, p.offset_s, p.speed, p.score, p.votes
         FROM similar_pairs p JOIN media ma ON ma.id = p.a JOIN media mb ON mb.id = p.b",
    );
    assert_eq!(
        negatives.1, 0,
        "hard negatives grouped with each other: {grouped:?}; pairs: {pairs:#?}"
    );
    // The relation of a sub-clip to its original, seen from the clip (the
    // pair is stored once, a < b by file id, whichever that is).
    let clip = env.query(
        "SELECT p.relation, p.offset_s, p.speed FROM similar_pairs p JOIN media a ON a.id = p.a JOIN media b ON b.id = p.b
         WHERE a.path LIKE '%/mandel-clip40.mkv' AND b.path LIKE '%/mandel-original.mkv'
         UNION ALL
         SELECT CASE p.relation WHEN 'contains' THEN 'contained-in' WHEN 'contained-in' THEN 'contains' ELSE p.relation END,
                -p.offset_s / p.speed, 1 / p.speed
         FROM similar_pairs p JOIN media a ON a.id = p.a JOIN media b ON b.id = p.b
         WHERE a.path LIKE '%/mandel-original.mkv' AND b.path LIKE '%/mandel-clip40.mkv'",
    );
    assert_eq!(clip.len(), 1, "original/clip pair");
    assert_eq!(clip[0]["relation"], "contained-in");
    assert!(
        (clip[0]["offset_s"].as_f64().unwrap() - 6.0).abs() <= 1.0,
        "{clip:?}"
    );
    assert_eq!(clip[0]["speed"].as_f64(), Some(1.0));
}

#[test]
fn fingerprints_are_incremental_and_report_similar_suggests_a_copy() {
    let env = TestEnv::new();
    copy_corpus(
        &env,
        &[
            "mandel-original.mkv",
            "mandel-small.mp4",
            "mandel-clip40.mkv",
            "cells-original.mkv",
        ],
    );
    env.scan(&[], 0);
    let s = fingerprint(&env, &[], 0);
    assert_eq!(
        (s["fingerprinted"].as_u64(), s["groups"].as_u64()),
        (Some(4), Some(1))
    );
    let out = env.run(&["report", "similar", "-f", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let by = |suffix: &str| {
        rows.iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(suffix))
            .unwrap()
    };
    assert_eq!(
        by("mandel-original.mkv")["keep"],
        "yes",
        "highest resolution and bitrate"
    );
    assert_eq!(by("mandel-small.mp4")["relation"], "duplicate");
    assert_eq!(by("mandel-clip40.mkv")["relation"], "contained-in");
    assert!((by("mandel-clip40.mkv")["offset_s"].as_f64().unwrap() - 6.0).abs() <= 1.0);
    let sizes: i64 = rows.iter().map(|r| r["size"].as_i64().unwrap()).sum();
    let keep = by("mandel-original.mkv")["size"].as_i64().unwrap();
    assert_eq!(rows[0]["reclaimable_bytes"].as_i64(), Some(sizes - keep));
    assert!(rows.iter().all(|r| r["group"] == rows[0]["group"]));
    let text = env.run(&["report", "similar"]);
    assert!(text.status.success() && crate::testenv::stdout(&text).contains("contained-in"));

    // Nothing changed: nothing decoded again, the same groups.
    let s = fingerprint(&env, &[], 0);
    assert_eq!(
        (
            s["fingerprinted"].as_u64(),
            s["unchanged"].as_u64(),
            s["groups"].as_u64()
        ),
        (Some(0), Some(4), Some(1))
    );
    // A changed file (rewritten, so its size and mtime differ) is done again
    // after the scan has seen it; --force does them all.
    let small = env.lib.join("mandel-small.mp4");
    std::fs::write(
        &small,
        [std::fs::read(&small).unwrap(), vec![0; 16]].concat(),
    )
    .unwrap();
    env.scan(&[], 0);
    let s = fingerprint(&env, &[env.lib.to_str().unwrap()], 0);
    assert_eq!(
        (s["fingerprinted"].as_u64(), s["unchanged"].as_u64()),
        (Some(1), Some(3))
    );
    let s = fingerprint(
        &env,
        &[
            "--force",
            env.lib.join("cells-original.mkv").to_str().unwrap(),
        ],
        0,
    );
    assert_eq!(
        (s["selected"].as_u64(), s["fingerprinted"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn failures_end_with_a_status_and_nothing_is_lost() {
    let env = TestEnv::new();
    let lib = |n: &str| env.lib.join(n).to_str().unwrap().to_string();
    copy_corpus(&env, &["mandel-original.mkv"]);
    std::fs::copy(
        corpus().join("cells-original.mkv"),
        env.lib.join("crashme.mkv"),
    )
    .unwrap();
    std::fs::copy(corpus().join("cells-x264.mp4"), env.lib.join("hangme.mp4")).unwrap();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=3",
        "-c:a",
        "flac",
        &lib("audio-only.mkv"),
    ]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=160x120:r=25",
        "-frames:v",
        "1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        &lib("one-frame.mp4"),
    ]);
    testsrc_x264(&lib("one-keyframe.mp4"), "6", "1000");
    env.scan(&[], 0);
    let out = env
        .cmd()
        .args(["fingerprint", "--json", "--timeout", "3"])
        .env("MEDIADEX_TEST_CRASH_ON", "crashme")
        .env("MEDIADEX_TEST_HANG_ON", "hangme")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 file(s) failed"),
        "{}",
        stderr(&out)
    );
    let rows = env.query(
        "SELECT m.path, fp.status, fp.error, fp.frames FROM fingerprints fp JOIN media m ON m.id = fp.file_id ORDER BY m.path",
    );
    let st: HashMap<String, (String, i64, String)> = rows
        .iter()
        .map(|r| {
            (
                r["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                (
                    r["status"].as_str().unwrap().to_string(),
                    r["frames"].as_i64().unwrap(),
                    r["error"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect();
    assert_eq!(st.len(), 6, "every file has a row: {st:?}");
    assert_eq!(st["crashme.mkv"].0, "crashed");
    assert_eq!(st["hangme.mp4"].0, "timeout");
    assert_eq!(
        (
            st["audio-only.mkv"].0.as_str(),
            st["audio-only.mkv"].2.as_str()
        ),
        ("skipped", "no video stream")
    );
    assert_eq!(
        (st["one-frame.mp4"].0.as_str(), st["one-frame.mp4"].1),
        ("ok", 1)
    );
    // 6 s with a single keyframe: four frames a second all the same.
    assert_eq!(
        (st["one-keyframe.mp4"].0.as_str(), st["one-keyframe.mp4"].1),
        ("ok", 24)
    );
    assert!(
        st["mandel-original.mkv"].0 == "ok" && st["mandel-original.mkv"].1 >= 10,
        "{st:?}"
    );
    // Failures are remembered until the file changes.
    let s = fingerprint(&env, &[], 0);
    assert_eq!(
        (s["fingerprinted"].as_u64(), s["unchanged"].as_u64()),
        (Some(0), Some(6))
    );
}

#[test]
fn a_file_that_cannot_be_decoded_is_an_error() {
    let env = TestEnv::new();
    std::fs::copy(corpus().join("cells-x264.mp4"), env.lib.join("broken.mp4")).unwrap();
    env.scan(&[], 0);
    // Scanned as `ok` (the probe parses, never decodes); then every byte of
    // the picture data is overwritten with noise of the same length.
    let path = env.lib.join("broken.mp4");
    let mut bytes = std::fs::read(&path).unwrap();
    let mdat = bytes
        .windows(4)
        .position(|w| w == b"mdat")
        .expect("mdat box")
        + 4;
    // The whole media data box: its size is in the 4 bytes before its type
    // (90% of the file's tail left the last frames whole, and whether they
    // decoded depended on the encode).
    let size = u32::from_be_bytes(bytes[mdat - 8..mdat - 4].try_into().unwrap()) as usize;
    let end = bytes.len().min(mdat - 8 + size);
    for (i, b) in bytes[mdat + 64..end].iter_mut().enumerate() {
        *b = (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8;
    }
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::write(&path, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let out = env.run(&["fingerprint", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rows = env.query("SELECT status, error, frames FROM fingerprints");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["status"].as_str(), rows[0]["frames"].as_i64()),
        (Some("error"), Some(0)),
        "{rows:?}"
    );
    assert!(
        rows[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("could not decode: "),
        "{rows:?}"
    );
}

/// A worker dies with its parent: `kill -9` of `fingerprint` while the
/// worker waits on a file that hangs, with more files queued behind it,
/// leaves no worker running a second later (it used to go on opening the
/// queued files until each timed out).
#[test]
fn a_worker_dies_with_its_parent() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::time::{Duration, Instant};

    let env = TestEnv::new();
    for i in 0..4 {
        std::fs::copy(
            corpus().join("cells-x264.mp4"),
            env.lib.join(format!("hang-{i}.mp4")),
        )
        .unwrap();
    }
    env.scan(&[], 0);
    let mut child = env
        .std_cmd()
        .args(["fingerprint", "-j", "1", "--timeout", "20"])
        .env("MEDIADEX_TEST_HANG_ON", "hang-")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let workers = loop {
        let w = fingerprint_workers(child.id());
        if !w.is_empty() {
            break w;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "no worker started");
        std::thread::sleep(Duration::from_millis(10));
    };
    // Let it take the first file and hang there.
    std::thread::sleep(Duration::from_millis(500));
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).unwrap();
    let _ = child.wait();
    std::thread::sleep(Duration::from_secs(1));
    let alive: Vec<i32> = workers
        .into_iter()
        .filter(|&w| {
            std::fs::read_to_string(format!("/proc/{w}/stat")).is_ok_and(|st| {
                !st.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        })
        .collect();
    for &w in &alive {
        let _ = kill(Pid::from_raw(w), Signal::SIGKILL);
    }
    assert!(alive.is_empty(), "workers still running: {alive:?}");
}

/// The `__fingerprint-worker` children of `parent`, by pid.
fn fingerprint_workers(parent: u32) -> Vec<i32> {
    let out = Command::new("pgrep")
        .args(["-P", &parent.to_string(), "-f", "__fingerprint-worker"])
        .output()
        .expect("run pgrep");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Every file's fingerprint row: (name, status, error, frames, frame rows).
fn fingerprint_rows(env: &TestEnv) -> Vec<(String, String, String, i64, i64)> {
    env.query(
        "SELECT m.path, fp.status, coalesce(fp.error, '') AS error, fp.frames,
           (SELECT count(*) FROM fingerprint_frames ff WHERE ff.file_id = fp.file_id) AS stored
         FROM media m LEFT JOIN fingerprints fp ON fp.file_id = m.id ORDER BY m.path",
    )
    .iter()
    .map(|r| {
        let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
        let name = s("path").rsplit('/').next().unwrap().to_string();
        let n = |k: &str| r[k].as_i64().unwrap_or(-1);
        (name, s("status"), s("error"), n("frames"), n("stored"))
    })
    .collect()
}

#[test]
fn a_kill_from_outside_mid_fingerprint_loses_nothing_and_a_rerun_completes() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::time::{Duration, Instant};

    let env = TestEnv::new();
    let names = [
        "mandel-original.mkv",
        "mandel-x264.mp4",
        "cells-original.mkv",
        "cells-x264.mp4",
        "spiral-original.mkv",
        "spiral-small.mp4",
    ];
    copy_corpus(&env, &names);
    env.scan(&[], 0);
    // Each file takes a while in the worker, so kills find files in flight.
    let start = |extra: &[&str]| {
        env.std_cmd()
            .args(["fingerprint", "--json", "-j", "2"])
            .args(extra)
            .env("MEDIADEX_TEST_DELAY_ON", "-:400")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first_worker = |child: &std::process::Child| {
        let t = Instant::now();
        loop {
            if let Some(&pid) = fingerprint_workers(child.id()).first() {
                return pid;
            }
            assert!(t.elapsed() < Duration::from_secs(20), "no worker started");
            std::thread::sleep(Duration::from_millis(10));
        }
    };

    // 1. The whole run killed (parent and workers, SIGKILL) once a file is
    //    stored: what was stored stays, and a plain re-run does the rest,
    //    each file once.
    let mut child = start(&[]);
    let pid = first_worker(&child);
    let ok_rows = || {
        env.query("SELECT count(*) AS n FROM fingerprints WHERE status = 'ok'")[0]["n"]
            .as_u64()
            .unwrap()
    };
    let t = Instant::now();
    let mut stored = ok_rows();
    while stored == 0 {
        assert!(t.elapsed() < Duration::from_secs(30), "nothing stored");
        std::thread::sleep(Duration::from_millis(20));
        stored = ok_rows();
    }
    let workers = fingerprint_workers(child.id());
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).unwrap();
    for w in workers.into_iter().chain([pid]) {
        let _ = kill(Pid::from_raw(w), Signal::SIGKILL);
    }
    child.wait().unwrap();
    assert!(stored < names.len() as u64, "killed before the end");
    let s = fingerprint(&env, &[], 0);
    assert_eq!(s["failed"].as_u64(), Some(0), "{s}");
    assert!(s["unchanged"].as_u64().unwrap() >= stored, "kept: {s}");
    assert_eq!(
        s["unchanged"].as_u64().unwrap() + s["fingerprinted"].as_u64().unwrap(),
        names.len() as u64,
        "{s}"
    );
    let rows = fingerprint_rows(&env);
    assert_eq!(rows.len(), names.len());
    for (name, status, error, frames, stored) in &rows {
        assert_eq!(status, "ok", "{name}: {error}");
        assert!(
            *frames > 0 && frames == stored,
            "{name}: {frames} frames, {stored} stored"
        );
    }
    // Nothing is left to do.
    let s = fingerprint(&env, &[], 0);
    assert_eq!(s["fingerprinted"].as_u64(), Some(0), "{s}");

    // 2. One worker killed mid-run: the run goes on and every file ends with a
    //    status; none is blamed for the kill.
    let child = start(&["--force"]);
    let pid = first_worker(&child);
    std::thread::sleep(Duration::from_millis(250));
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 3)), "{err}");
    let rows = fingerprint_rows(&env);
    assert_eq!(rows.len(), names.len());
    for (name, status, error, frames, stored) in &rows {
        assert!(
            status == "ok" || error.starts_with("killed from outside"),
            "{name}: {status} {error}\n{err}"
        );
        assert!(
            status != "ok" || (*frames > 0 && frames == stored),
            "{rows:?}"
        );
    }
}
