//! Roots that go offline: an unmounted share, an absent root, an unreadable
//! directory, another file system mounted in the root's place. Nothing under
//! them is marked missing, the scan says so and exits 3; `--prune` marks the
//! files missing when the library is really gone.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::unprivileged::{chown_nobody, open_env_dir, run_as_nobody, set_mode};
use crate::testenv::fixtures::copy_into;
use crate::testenv::{TestEnv, stderr};

const FILES: &[&str] = &["vp8.webm", "h264-aac.mp4", "hevc-flac.mkv"];

fn statuses(env: &TestEnv) -> Vec<(String, String)> {
    env.query("SELECT path, status FROM media ORDER BY path")
        .into_iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn all_ok(env: &TestEnv, n: usize) {
    let st = statuses(env);
    assert_eq!(st.len(), n, "{st:?}");
    assert!(st.iter().all(|(_, s)| s == "ok"), "{st:?}");
}

/// `scan --json ARGS...`: (exit code, summary, stderr).
fn scan(env: &TestEnv, args: &[&str]) -> (Option<i32>, Value, String) {
    let mut a = vec!["scan", "--json"];
    a.extend_from_slice(args);
    let out = env.run(&a);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), v, stderr(&out))
}

fn warnings(err: &str) -> Vec<&str> {
    err.lines().filter(|l| l.contains("warning")).collect()
}

fn last_scan_row(env: &TestEnv) -> Value {
    env.query("SELECT status, missing, offline, unreadable FROM scans ORDER BY id DESC LIMIT 1")
        .remove(0)
}

/// The scan left one root offline, for a reason that says `why`.
fn offline_because(s: &Value, why: &str) {
    let reason = s["offline"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(why), "{s}");
}

fn mount(args: &[&str]) -> bool {
    Command::new("mount")
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

fn umount(p: &Path) {
    let ok = Command::new("umount")
        .arg(p)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "umount {}", p.display());
}

/// Unmounts on drop, so a failed assertion leaves no mount behind.
struct Mounted(PathBuf);
impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn an_unmounted_share_marks_nothing_missing_and_comes_back_ok() {
    let env = TestEnv::new();
    let lib = env.lib.to_str().unwrap().to_string();
    // The share: a tmpfs of its own, bind-mounted on the library directory,
    // so that the remount brings back the same device and inodes.
    let share = env.path().join("share");
    std::fs::create_dir(&share).unwrap();
    let mounted = mount(&["-t", "tmpfs", "tmpfs", share.to_str().unwrap()]);
    let _share_guard = mounted.then(|| Mounted(share.clone()));
    let bound = mounted && mount(&["--bind", share.to_str().unwrap(), &lib]);
    let _lib_guard = bound.then(|| Mounted(env.lib.clone()));
    let stash = env.path().join("stash");
    copy_into(if bound { &share } else { &env.lib }, FILES);
    let (code, s, err) = scan(&env, &[&lib]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(s["new"], FILES.len());

    // Unmount (or, where mounting is not allowed, empty the mount point).
    if bound {
        umount(&env.lib);
    } else {
        std::fs::rename(&env.lib, &stash).unwrap();
        std::fs::create_dir(&env.lib).unwrap();
    }
    let (code, s, err) = scan(&env, &[&lib]);
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(s["missing"], 0);
    assert_eq!(warnings(&err).len(), 1, "one warning: {err}");
    assert!(err.contains(&lib) && err.contains("offline"), "{err}");
    assert!(err.contains("--prune"), "{err}");
    assert_eq!(s["offline"][0]["root"], lib.as_str());
    assert_eq!(s["offline"][0]["catalogued"], FILES.len());
    all_ok(&env, FILES.len());
    let row = last_scan_row(&env);
    assert_eq!(row["missing"], 0);
    assert_eq!(row["offline"][0]["root"], lib.as_str(), "{row}");

    // Remount: everything is there again, unchanged and ok.
    if bound {
        assert!(mount(&["--bind", share.to_str().unwrap(), &lib]));
    } else {
        std::fs::remove_dir(&env.lib).unwrap();
        std::fs::rename(&stash, &env.lib).unwrap();
    }
    let (code, s, err) = scan(&env, &[&lib]);
    assert_eq!(code, Some(0), "{err}");
    assert!(warnings(&err).is_empty(), "{err}");
    assert_eq!(s["unchanged"], FILES.len(), "{s}");
    assert_eq!(s["offline"], Value::Array(vec![]));
    all_ok(&env, FILES.len());
}

#[test]
fn an_absent_root_is_reported_and_the_others_are_scanned() {
    let env = TestEnv::new();
    copy_into(&env.lib, FILES);
    let gone = env.path().join("nas");
    std::fs::create_dir(&gone).unwrap();
    copy_into(&gone, &["vp8.webm"]);
    let (lib, nas) = (env.lib.to_str().unwrap(), gone.to_str().unwrap());
    let (code, _, err) = scan(&env, &[lib, nas]);
    assert_eq!(code, Some(0), "{err}");
    std::fs::remove_dir_all(&gone).unwrap();
    // A new file in the root that exists is found; the absent root is named.
    copy_into(&env.lib, &["theora-vorbis.ogv"]);
    let (code, s, err) = scan(&env, &[lib, nas, "/nonexistent"]);
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(s["new"], 1);
    assert_eq!(s["missing"], 0);
    let offline: Vec<&str> = s["offline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["root"].as_str().unwrap())
        .collect();
    assert_eq!(offline, [nas, "/nonexistent"]);
    assert!(err.contains(nas) && err.contains("/nonexistent"), "{err}");
    all_ok(&env, FILES.len() + 2);
    let row = last_scan_row(&env);
    assert_eq!(row["status"], "complete");
    assert_eq!(row["offline"].as_array().unwrap().len(), 2, "{row}");

    // --prune: the user says the share is really gone.
    let (code, s, err) = scan(&env, &["--prune", lib, nas]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(s["missing"], 1);
    assert_eq!(s["offline"][0]["pruned"], true);
    let st = statuses(&env);
    assert!(
        st.contains(&(format!("{nas}/vp8.webm"), "missing".into())),
        "{st:?}"
    );
}

#[test]
fn an_empty_root_is_pruned_only_when_asked() {
    let env = TestEnv::new();
    copy_into(&env.lib, FILES);
    env.scan(&[], 0);
    for f in FILES {
        std::fs::remove_file(env.lib.join(f)).unwrap();
    }
    let s = env.scan(&[], 3);
    assert_eq!(s["missing"], 0);
    offline_because(&s, "empty");
    all_ok(&env, FILES.len());
    let s = env.scan(&["--prune"], 0);
    assert_eq!(s["missing"], FILES.len());
    // Nothing is left to lose: the next scan of the empty root is quiet.
    let s = env.scan(&[], 0);
    assert_eq!(s["offline"], Value::Array(vec![]));
}

#[test]
fn another_file_system_mounted_on_the_root_is_offline() {
    let env = TestEnv::new();
    copy_into(&env.lib, FILES);
    env.scan(&[], 0);
    // Something else is mounted there now, holding a file of its own.
    if !mount(&["-t", "tmpfs", "tmpfs", env.lib.to_str().unwrap()]) {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    }
    let _guard = Mounted(env.lib.clone());
    copy_into(&env.lib, &["theora-vorbis.ogv"]);
    let s = env.scan(&[], 3);
    assert_eq!(s["missing"], 0);
    assert_eq!(
        s["new"], 0,
        "nothing on the other file system is stored: {s}"
    );
    offline_because(&s, "another device");
    all_ok(&env, FILES.len());
    // --prune takes the new file system as the library.
    let s = env.scan(&["--prune"], 0);
    assert_eq!(
        (s["new"].as_u64(), s["missing"].as_u64()),
        (Some(1), Some(3))
    );
    let s = env.scan(&[], 0);
    assert_eq!(s["unchanged"], 1, "the new device is recorded: {s}");
}

#[test]
fn an_unreadable_directory_keeps_its_files() {
    let env = TestEnv::new();
    open_env_dir(&env);
    let sub = env.lib.join("private");
    std::fs::create_dir(&sub).unwrap();
    copy_into(&env.lib, &["vp8.webm"]);
    copy_into(&sub, &["h264-aac.mp4", "hevc-flac.mkv"]);
    // The scans run as user 65534, who owns the catalog and the library.
    for p in [env.path(), env.lib.as_path(), sub.as_path()] {
        chown_nobody(p);
    }
    chown_nobody(&env.lib.join("vp8.webm"));
    let lib = env.lib.to_str().unwrap();
    let out = run_as_nobody(&env, &env.db, &["scan", "--json", lib]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    all_ok(&env, 3);

    // The directory is the user's no longer (root's, mode 0700): unreadable.
    std::os::unix::fs::chown(&sub, Some(0), Some(0)).unwrap();
    set_mode(&sub, 0o700);
    let out = run_as_nobody(&env, &env.db, &["scan", "--json", lib]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["missing"], 0, "{s}");
    assert_eq!(s["unreadable"][0]["path"], sub.to_str().unwrap(), "{s}");
    assert!(err.contains(sub.to_str().unwrap()), "{err}");
    assert_eq!(warnings(&err).len(), 1, "{err}");
    all_ok(&env, 3);
    let row = last_scan_row(&env);
    assert_eq!(row["unreadable"][0]["path"], sub.to_str().unwrap(), "{row}");
}

/// `-q` drops the summary line, never a warning that needs action.
#[test]
fn quiet_still_warns_of_an_offline_root() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["vp8.webm"]);
    env.scan(&[], 0);
    std::fs::remove_file(env.lib.join("vp8.webm")).unwrap();
    let out = env.run(&["-q", "scan", env.lib.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "mediadex: warning: {} is offline: it is empty",
            env.lib.display()
        )),
        "{err}"
    );
}

/// `examples/nightly-export.sh` against the suite's catalog: (exit code, stderr).
fn nightly(env: &TestEnv) -> (Option<i32>, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nightly-export.sh");
    let c = env.std_cmd();
    let out = Command::new("bash")
        .arg(script)
        .arg(&env.lib)
        .arg("--")
        .arg(env.path().join("out"))
        .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("MEDIADEX", crate::testenv::exe("mediadex"))
        .env("MEDIADEX_DB", &env.db)
        .output()
        .unwrap();
    (out.status.code(), stderr(&out))
}

/// The nightly job tolerates files that fail to probe, and fails, naming the
/// root, when the library is offline.
#[test]
fn the_nightly_job_fails_on_an_offline_root_only() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["vp8.webm"]);
    std::fs::write(env.lib.join("broken.mkv"), b"not a matroska file").unwrap();
    let (code, err) = nightly(&env);
    assert_eq!(code, Some(0), "{err}");
    assert!(env.path().join("out/manifest.json").is_file());
    for f in ["vp8.webm", "broken.mkv"] {
        std::fs::remove_file(env.lib.join(f)).unwrap();
    }
    let (code, err) = nightly(&env);
    assert_eq!(code, Some(1), "{err}");
    let lib = env.lib.display().to_string();
    assert!(
        err.contains(&format!("nightly-export: library root(s) offline: {lib}")),
        "{err}"
    );
}
