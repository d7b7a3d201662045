//! Scans that survive hostile files, crashing and hanging probes, kills, Ctrl-C,
//! concurrent readers and a full disk — with every path ending as exactly one row.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::testenv::fixtures::{cache_dir, copy_into, make};
use crate::testenv::{TestEnv, stderr};

mod bad_rows;
mod damaged_catalog;
mod disk_full;
mod escapes;

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn wait_json(child: Child) -> (Option<i32>, Value, String) {
    let out = child.wait_with_output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `scan --json -j 2 EXTRA... LIB` in the background, its worker told to sleep
/// before each path that matches `delay` (`MEDIADEX_TEST_DELAY_ON`).
fn spawn_scan(env: &TestEnv, extra: &[&str], lib: &Path, delay: &str) -> Child {
    env.std_cmd()
        .args(["scan", "--json", "-j", "2"])
        .args(extra)
        .arg(lib)
        .env("MEDIADEX_TEST_DELAY_ON", delay)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn status_of(env: &TestEnv, path: &Path) -> (String, String) {
    let hexpath = hex::encode(path.as_os_str().as_bytes());
    let rows = env.query(&format!(
        "SELECT status, coalesce(error, '') AS error FROM media WHERE path_bytes = x'{hexpath}'"
    ));
    assert_eq!(rows.len(), 1, "exactly one row for {}", path.display());
    (
        rows[0]["status"].as_str().unwrap().into(),
        rows[0]["error"].as_str().unwrap().into(),
    )
}

/// Byte offset of a top-level MP4 atom.
fn atom_offset(data: &[u8], name: &[u8; 4]) -> usize {
    data.windows(4)
        .position(|w| w == name)
        .expect("atom present")
        - 4
}

/// Many small real files in a few directories.
pub(crate) fn many_files(dir: &Path, n: usize) -> Vec<PathBuf> {
    let small = ["vp8.webm", "mjpeg.mov", "h264-aac.mp4", "vp9-opus.webm"];
    let src = cache_dir();
    (0..n)
        .map(|i| {
            let sub = dir.join(format!("d{}", i % 5));
            std::fs::create_dir_all(&sub).unwrap();
            let name = small[i % small.len()];
            let to = sub.join(format!("{i:04}-{name}"));
            std::fs::copy(src.join(name), &to).unwrap();
            to
        })
        .collect()
}

#[test]
fn bad_file_corpus_each_one_row_with_the_right_status() {
    let env = TestEnv::new();
    let lib = &env.lib;
    copy_into(lib, &["h264-aac.mp4", "vp8.webm"]);
    let mp4 = std::fs::read(cache_dir().join("h264-aac.mp4")).unwrap();
    std::fs::write(lib.join("zero.mp4"), b"").unwrap();
    std::fs::write(lib.join("one.mkv"), b"\x1a").unwrap();
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
        .collect();
    std::fs::write(lib.join("random.mkv"), noise).unwrap();
    // mp4mux writes the moov atom last: cut just before it, and in the middle of mdat.
    let moov = atom_offset(&mp4, b"moov");
    let mdat = atom_offset(&mp4, b"mdat");
    std::fs::write(lib.join("cut-before-moov.mp4"), &mp4[..moov]).unwrap();
    std::fs::write(lib.join("cut-in-mdat.mp4"), &mp4[..(mdat + moov) / 2]).unwrap();
    make(
        "audiotestsrc num-buffers=40 ! audioconvert ! lamemp3enc ! mpegaudioparse ! filesink location={out}",
        &lib.join("really-mp3.mp4"),
    );
    std::fs::write(lib.join("notes.avi"), "this is a text file, not a video\n").unwrap();
    std::fs::create_dir(lib.join("folder.mkv")).unwrap();
    nix::unistd::mkfifo(
        &lib.join("pipe.mp4"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    std::os::unix::fs::symlink("/dev/zero", lib.join("zeros.ts")).unwrap();
    std::os::unix::fs::symlink("loop-b.mkv", lib.join("loop-a.mkv")).unwrap();
    std::os::unix::fs::symlink("loop-a.mkv", lib.join("loop-b.mkv")).unwrap();
    let ff = lib.join(OsStr::from_bytes(b"name-\xFF.webm"));
    std::fs::copy(cache_dir().join("vp8.webm"), &ff).unwrap();
    let odd = lib.join("a #b %20c ü.webm");
    std::fs::copy(cache_dir().join("vp8.webm"), &odd).unwrap();
    let locked = lib.join("locked.mkv");
    std::fs::copy(cache_dir().join("hevc-flac.mkv"), &locked).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let deleted = lib.join("slow-deleted.mkv");
    std::fs::copy(cache_dir().join("hevc-flac.mkv"), &deleted).unwrap();
    let growing = lib.join("slow-growing.mp4");
    std::fs::write(&growing, &mp4).unwrap();

    // The two slow-* files are held back 2.5 s in the worker: time to delete one
    // and append to the other after the walk has seen them.
    let child = spawn_scan(
        &env,
        &["--follow-links", "--timeout", "3"],
        lib,
        "slow-:2500",
    );
    std::thread::sleep(Duration::from_millis(1200));
    std::fs::remove_file(&deleted).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&growing)
        .unwrap()
        .write_all(&[0u8; 4096])
        .unwrap();
    let started = Instant::now();
    let (code, summary, err) = wait_json(child);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the FIFO must not hang the scan"
    );

    let expect: &[(&str, &str, &str)] = &[
        ("h264-aac.mp4", "ok", ""),
        ("vp8.webm", "ok", ""),
        ("zero.mp4", "error", "no data"),
        ("one.mkv", "error", ""),
        ("random.mkv", "error", "type"),
        ("cut-before-moov.mp4", "error", ""),
        ("cut-in-mdat.mp4", "error", ""),
        ("really-mp3.mp4", "ok", ""),
        ("notes.avi", "error", "type"),
        ("folder.mkv", "error", "directory"),
        ("pipe.mp4", "error", "not a regular file"),
        ("zeros.ts", "error", ""),
        ("loop-a.mkv", "error", "symbolic links"),
        ("loop-b.mkv", "error", "symbolic links"),
        ("a #b %20c ü.webm", "ok", ""),
        ("slow-deleted.mkv", "missing", "vanished"),
        ("slow-growing.mp4", "unstable", "changed"),
    ];
    for (name, status, msg) in expect {
        let (st, e) = status_of(&env, &lib.join(name));
        assert_eq!(&st, status, "{name}: {e}");
        assert!(
            e.contains(msg),
            "{name}: error {e:?} should mention {msg:?}"
        );
    }
    assert_eq!(status_of(&env, &ff).0, "ok");
    let (st, e) = status_of(&env, &locked);
    if is_root() {
        eprintln!("note: running as root, so a mode-000 file is readable: checked as ok");
        assert_eq!(st, "ok", "{e}");
    } else {
        assert_eq!(st, "error", "{e}");
    }
    let mp3 = env.row(&lib.join("really-mp3.mp4"));
    assert_eq!(mp3["doc"]["container"], "mp3");
    // One row per item, nothing else.
    let total = env.query("SELECT count(*) AS n FROM media")[0]["n"]
        .as_u64()
        .unwrap();
    assert_eq!(total as usize, expect.len() + 2);
    assert_eq!(summary["seen"].as_u64().unwrap(), total);

    // Non-UTF-8 names round-trip: display text escapes the byte, the bytes are exact, `show` finds it.
    let row =
        &env.query("SELECT path, hex(path_bytes) AS h FROM media WHERE path LIKE '%name-%'")[0];
    assert!(row["path"].as_str().unwrap().ends_with("name-\\xFF.webm"));
    assert!(row["h"].as_str().unwrap().ends_with("FF2E7765626D"));
    let out = env.cmd().arg("show").arg(&ff).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["doc"]["container"], "webm");
    // ...and `dump` carries the exact bytes, which `load` puts back.
    let dump = env.run(&["dump"]);
    assert!(dump.status.success(), "{}", stderr(&dump));
    let line = String::from_utf8(dump.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["path"].as_str().is_some_and(|p| p.contains("name-")))
        .expect("the 0xFF name is dumped");
    let bytes = hex::decode(
        line["path_hex"]
            .as_str()
            .expect("path_hex for a non-UTF-8 name"),
    )
    .unwrap();
    assert_eq!(bytes, ff.as_os_str().as_bytes());

    // The unstable file is picked up by the next scan, with its final size; failures are not retried.
    let s = env.scan(&["--follow-links", "--timeout", "3"], 0);
    assert_eq!(s["probed"], 1, "{s}");
    let g = env.row(&growing);
    assert_eq!(g["status"], "ok");
    assert_eq!(
        g["size"].as_u64().unwrap(),
        std::fs::metadata(&growing).unwrap().len()
    );
}

#[test]
fn worker_crash_blames_only_the_culprit() {
    let env = TestEnv::new();
    many_files(&env.lib, 8);
    std::fs::copy(cache_dir().join("vp8.webm"), env.lib.join("boom.webm")).unwrap();
    let out = env
        .cmd()
        .args(["scan", "--json", "-j", "2"])
        .arg(&env.lib)
        .env("MEDIADEX_TEST_CRASH_ON", "boom")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let (st, e) = status_of(&env, &env.lib.join("boom.webm"));
    assert_eq!(st, "crashed");
    assert!(e.contains("SIGABRT"), "{e}");
    let ok = env.query("SELECT count(*) AS n FROM media WHERE status = 'ok'")[0]["n"]
        .as_u64()
        .unwrap();
    assert_eq!(ok, 8);
    // A crashed file is probed once more on a later scan (see
    // `outside::a_crashed_file_is_retried_once_then_remembered`), then
    // remembered and not probed again until it changes.
    let out = env
        .cmd()
        .args(["scan", "--json"])
        .arg(&env.lib)
        .env("MEDIADEX_TEST_CRASH_ON", "boom")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let s = env.scan(&[], 0);
    assert_eq!(s["probed"], 0);
}

/// A panic while a file is read (a bug of mediadex's) is that file's error
/// at once, naming it as a bug, not a timeout half a minute later; the
/// worker goes on with the other files.
#[test]
fn a_panic_on_one_file_is_its_error_not_a_timeout() {
    let env = TestEnv::new();
    many_files(&env.lib, 4);
    std::fs::copy(cache_dir().join("vp8.webm"), env.lib.join("panics.webm")).unwrap();
    let started = Instant::now();
    let out = env
        .cmd()
        .args(["scan", "--json", "-j", "2", "--timeout", "60"])
        .arg(&env.lib)
        .env("MEDIADEX_TEST_PANIC_ON", "panics")
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let (st, e) = status_of(&env, &env.lib.join("panics.webm"));
    assert_eq!(st, "error");
    assert!(e.contains("a bug in mediadex"), "{e}");
    let ok = env.query("SELECT count(*) AS n FROM media WHERE status = 'ok'")[0]["n"]
        .as_u64()
        .unwrap();
    assert_eq!(ok, 4);
}

pub(crate) fn worker_pids(parent: u32) -> Vec<i32> {
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let ppid = status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .map(|v| v.trim().to_string());
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if ppid.as_deref() == Some(&parent.to_string())
            && cmd.windows(14).any(|w| w == b"__probe-worker")
        {
            pids.push(pid);
        }
    }
    pids
}

#[test]
fn worker_killed_mid_scan_loses_nothing() {
    let env = TestEnv::new();
    let files = many_files(&env.lib, 12);
    let child = spawn_scan(&env, &[], &env.lib, "webm:300");
    let parent = child.id();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut killed = 0;
    while killed == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(400));
        for pid in worker_pids(parent) {
            kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
            killed += 1;
        }
    }
    assert!(killed > 0, "found a worker to kill");
    let (code, s, err) = wait_json(child);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(s["probed"].as_u64().unwrap() as usize, files.len());
    let rows = env.query("SELECT status, count(*) AS n FROM media GROUP BY status");
    assert_eq!(
        rows,
        vec![serde_json::json!({"status": "ok", "n": files.len()})]
    );
}

#[test]
fn hanging_probe_times_out_and_the_rest_finish() {
    let env = TestEnv::new();
    many_files(&env.lib, 6);
    std::fs::copy(cache_dir().join("vp8.webm"), env.lib.join("hang.webm")).unwrap();
    let started = Instant::now();
    let out = env
        .cmd()
        .args(["scan", "--json", "--timeout", "1", "-j", "2"])
        .arg(&env.lib)
        .env("MEDIADEX_TEST_HANG_ON", "hang.webm")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(status_of(&env, &env.lib.join("hang.webm")).0, "timeout");
    let ok = env.query("SELECT count(*) AS n FROM media WHERE status = 'ok'")[0]["n"]
        .as_u64()
        .unwrap();
    assert_eq!(ok, 6);
}

fn integrity(env: &TestEnv) -> String {
    env.query("PRAGMA integrity_check")[0]["integrity_check"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn parent_killed_at_random_moments_then_rescan_is_whole() {
    let env = TestEnv::new();
    let files = many_files(&env.lib, 90);
    // A fixed pseudo-random sequence of kill moments, early and late.
    for delay_ms in [40u64, 260, 520, 130, 700] {
        let mut child = env
            .std_cmd()
            .args(["scan", "-q", "-j", "2"])
            .arg(&env.lib)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
        let _ = child.wait();
        if env.db.exists() {
            assert_eq!(integrity(&env), "ok");
        }
    }
    let s = env.scan(&[], 0);
    assert_eq!(s["seen"].as_u64().unwrap() as usize, files.len());
    assert_eq!(integrity(&env), "ok");
    let r = &env.query(
        "SELECT count(*) AS n, count(DISTINCT path) AS d, sum(status = 'ok') AS ok FROM media",
    )[0];
    assert_eq!(r["n"].as_u64().unwrap() as usize, files.len());
    assert_eq!(r["d"], r["n"]);
    assert_eq!(r["ok"], r["n"]);
    let running = env.query("SELECT count(*) AS n FROM scans WHERE status = 'running'")[0]["n"]
        .as_u64()
        .unwrap();
    assert_eq!(running, 0, "killed scans are marked interrupted");
}

#[test]
fn ctrl_c_stops_quickly_and_the_next_scan_resumes() {
    let env = TestEnv::new();
    let files = many_files(&env.lib, 24);
    let child = spawn_scan(&env, &[], &env.lib, "-:250");
    std::thread::sleep(Duration::from_millis(1200));
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let signalled = Instant::now();
    let (code, s, err) = wait_json(child);
    let took = signalled.elapsed();
    assert!(took < Duration::from_secs(2), "stopped in {took:?}");
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(s["interrupted"], true);
    let done = s["probed"].as_u64().unwrap();
    assert!(done > 0 && (done as usize) < files.len(), "{s}");
    // The counts are what was stored, not what the walk planned.
    assert_eq!(s["new"].as_u64(), Some(done), "{s}");
    let stored = env.query("SELECT count(*) AS n FROM media")[0]["n"].as_u64();
    assert_eq!(stored, Some(done), "{s}");
    assert_eq!(integrity(&env), "ok");
    let s2 = env.scan(&[], 0);
    assert_eq!(
        s2["probed"].as_u64().unwrap() + done,
        files.len() as u64,
        "{s2}"
    );
    assert_eq!(
        env.query("SELECT count(*) AS n FROM media")[0]["n"]
            .as_u64()
            .unwrap() as usize,
        files.len()
    );
}

#[test]
fn a_second_scan_is_refused_with_75_and_readers_never_see_locks() {
    let env = TestEnv::new();
    many_files(&env.lib, 60);
    copy_into(&env.lib, &[]);
    let child = spawn_scan(&env, &[], &env.lib, "-:40");
    std::thread::sleep(Duration::from_millis(500));
    let second = env.run(&["scan", env.lib.to_str().unwrap()]);
    assert_eq!(second.status.code(), Some(75));
    assert!(
        stderr(&second).contains("another scan"),
        "{}",
        stderr(&second)
    );

    let stop = std::sync::atomic::AtomicBool::new(false);
    let (runs, failures) = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..4)
            .map(|i| {
                let (env, stop) = (&env, &stop);
                scope.spawn(move || {
                    let mut runs = 0;
                    let mut failures = Vec::new();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let out = match i {
                            0 => {
                                env.run(&["query", "SELECT count(*) AS n FROM media", "-f", "json"])
                            }
                            1 => env.run(&[
                                "query",
                                "SELECT status, count(*) FROM media GROUP BY 1",
                                "-f",
                                "csv",
                            ]),
                            2 => env.run(&["report", "containers", "-f", "json"]),
                            _ => env.run(&["report"]),
                        };
                        runs += 1;
                        if !out.status.success() {
                            failures.push(stderr(&out));
                        }
                    }
                    (runs, failures)
                })
            })
            .collect();
        let (code, _, err) = wait_json(child);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(code, Some(0), "{err}");
        readers.into_iter().map(|h| h.join().unwrap()).fold(
            (0, Vec::new()),
            |(r, mut f), (r2, f2)| {
                f.extend(f2);
                (r + r2, f)
            },
        )
    });
    assert!(failures.is_empty(), "readers saw errors: {failures:?}");
    assert!(runs >= 8, "readers ran {runs} queries during the scan");
}

#[test]
fn symlinks_followed_only_when_asked_and_stored_once() {
    let env = TestEnv::new();
    let sub = env.lib.join("real");
    std::fs::create_dir(&sub).unwrap();
    copy_into(&sub, &["vp8.webm", "mjpeg.mov"]);
    std::os::unix::fs::symlink(sub.join("vp8.webm"), env.lib.join("alias.webm")).unwrap();
    std::os::unix::fs::symlink(&sub, env.lib.join("dirlink")).unwrap();
    std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
    let s = env.scan(&[], 0);
    assert_eq!(s["new"], 2);
    assert_eq!(s["skipped_links"], 1);
    // Following: the same files reached again are stored once, under their real paths;
    // the loop through real/up is one error row.
    let s = env.scan(&["--follow-links"], 3);
    assert_eq!(s["new"], 1, "{s}");
    assert!(s["duplicate_links"].as_u64().unwrap() >= 3, "{s}");
    let rows = env.query("SELECT path, status FROM media ORDER BY path");
    let paths: Vec<&str> = rows.iter().map(|r| r["path"].as_str().unwrap()).collect();
    let lib = env.lib.to_str().unwrap();
    assert_eq!(
        paths,
        vec![
            format!("{lib}/real/mjpeg.mov"),
            format!("{lib}/real/up"),
            format!("{lib}/real/vp8.webm")
        ]
    );
    assert_eq!(rows[1]["status"], "error");
}
