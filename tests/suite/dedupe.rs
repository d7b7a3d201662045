//! `dedupe plan|apply|undo|ignore` on real videos: a real clip, its
//! byte-identical copy, a smaller re-encode and a trimmed clip of it. What
//! is removed is only ever a duplicate; a changed or vanished file is
//! refused; a kill at any moment of an apply is finished by a rerun or
//! undone by undo, byte for byte; quarantines that cannot take a file leave
//! it in place; "not the same video" survives moves and dump/load.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;

use crate::testenv::{TestEnv, fixtures, stderr, stdout};

fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/media")
        .join(name)
}

/// A 480p re-encode and a 10 s trim (re-encoded) of the car clip, made
/// once per run.
fn variants() -> &'static (PathBuf, PathBuf) {
    static V: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    V.get_or_init(|| {
        let dir = fixtures::cache_dir().join("dedupe-v1");
        std::fs::create_dir_all(&dir).unwrap();
        let make = |name: &str, args: &[&str]| {
            let out = dir.join(name);
            if !out.exists() {
                let tmp = dir.join(format!("part-{name}"));
                let st = std::process::Command::new("ffmpeg")
                    .args(["-v", "error", "-y", "-i"])
                    .arg(real("car-detection.mp4"))
                    .args(args)
                    .args(["-c:v", "libx264", "-preset", "veryfast", "-an"])
                    .arg(&tmp)
                    .status()
                    .expect("ffmpeg");
                assert!(st.success(), "ffmpeg made {name}");
                std::fs::rename(&tmp, &out).unwrap();
            }
            out
        };
        (
            make("small.mp4", &["-vf", "scale=480:-2", "-crf", "30"]),
            make("clip.mp4", &["-ss", "8", "-t", "10", "-crf", "23"]),
        )
    })
}

/// The library: a/car.mp4 (the one to keep), b/copy.mp4 (its bytes),
/// b/small.mp4 (a re-encode), b/clip.mp4 (a trim), a/bottle.mp4
/// (unrelated); scanned and fingerprinted.
fn library(env: &TestEnv) -> [PathBuf; 4] {
    let (a, b) = (env.lib.join("a"), env.lib.join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let (small, clip) = variants();
    let files = [
        a.join("car.mp4"),
        b.join("copy.mp4"),
        b.join("small.mp4"),
        b.join("clip.mp4"),
    ];
    std::fs::copy(real("car-detection.mp4"), &files[0]).unwrap();
    std::fs::copy(small, &files[2]).unwrap();
    std::fs::copy(clip, &files[3]).unwrap();
    std::fs::copy(real("bottle-detection.mp4"), a.join("bottle.mp4")).unwrap();
    // The copy is younger: the original is kept.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::copy(&files[0], &files[1]).unwrap();
    env.scan(&[], 0);
    ok(env, &["fingerprint"]);
    files
}

fn ok(env: &TestEnv, args: &[&str]) -> Output {
    let out = env.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out
}

/// `dedupe apply PLAN --move-to DIR`.
fn move_args<'a>(plan: &'a Path, to: &'a Path) -> [&'a str; 5] {
    [
        "dedupe",
        "apply",
        plan.to_str().unwrap(),
        "--move-to",
        to.to_str().unwrap(),
    ]
}

fn plan(env: &TestEnv, extra: &[&str]) -> (PathBuf, Value) {
    let file = env.path().join("plan.json");
    let mut args = vec!["dedupe", "plan", "--out", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = ok(env, &args);
    let on_stdout: Value = serde_json::from_slice(&out.stdout).expect("JSON off a terminal");
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(on_stdout["id"], saved["id"]);
    (file, saved)
}

fn removed(plan: &Value) -> Vec<String> {
    let mut v: Vec<String> = plan["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["remove"].as_array().unwrap().iter())
        .map(|e| {
            e["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    v.sort();
    v
}

fn bytes_of(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn a_plan_removes_only_duplicates_and_apply_then_undo_gives_every_byte_back() {
    let env = TestEnv::new();
    let files = library(&env);
    let before = bytes_of(&files);
    let (_, p) = plan(&env, &[]);
    // The trim only overlaps the kept copy's time: never removed by default.
    assert_eq!(removed(&p), ["copy.mp4", "small.mp4"], "{p:#}");
    let g = &p["groups"][0];
    assert!(g["keep"]["path"].as_str().unwrap().ends_with("/a/car.mp4"));
    for e in g["remove"].as_array().unwrap() {
        for k in ["size", "mtime_ns", "inode", "dev", "sampled", "why"] {
            assert!(!e[k].is_null(), "{k} in {e}");
        }
        assert_eq!(e["relation"], "duplicate");
    }
    let copy = g["remove"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("copy.mp4"))
        .unwrap();
    assert_eq!(copy["identical"], true);
    // On a terminal: a table, kept copy first, with why each other goes.
    let shown = crate::suite::terminal::on_terminal(&env, 160, &["dedupe", "plan"]);
    let lines: Vec<&str> = shown.lines().collect();
    assert!(
        lines[0].starts_with("group ") && lines[0].contains("frees"),
        "{shown}"
    );
    assert!(
        lines[1].trim_start().starts_with("keep") && lines[1].ends_with("/a/car.mp4"),
        "{shown}"
    );
    assert!(
        lines.iter().any(|l| l.trim_start().starts_with("remove")
            && l.contains("duplicate, lower resolution")
            && l.ends_with("/b/small.mp4")),
        "{shown}"
    );
    assert!(
        !shown.contains("\"mediadex-dedupe-plan\""),
        "no JSON on a terminal: {shown}"
    );
    // The same plan as a page to review, offline.
    let html = env.path().join("review.html");
    ok(&env, &["dedupe", "plan", "--html", html.to_str().unwrap()]);
    let page = std::fs::read_to_string(&html).unwrap();
    for f in &files[..3] {
        assert!(
            page.contains(f.to_str().unwrap()),
            "{} in the review",
            f.display()
        );
    }
    assert!(!page.contains("clip.mp4"), "only the plan's files");
    assert_eq!(
        page.matches("data:image/jpeg;base64,").count(),
        3,
        "a thumbnail of each copy"
    );
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "offline"
    );
    let (_, with_clips) = plan(&env, &["--include-contained"]);
    assert_eq!(removed(&with_clips), ["clip.mp4", "copy.mp4", "small.mp4"]);
    // The plan to apply: without the clips again.
    let (file, _) = plan(&env, &[]);

    let q = env.path().join("quarantine");
    std::fs::create_dir(&q).unwrap();
    let out = ok(&env, &move_args(&file, &q));
    assert!(stderr(&out).contains("2 files moved"), "{}", stderr(&out));
    assert!(
        files[0].exists() && files[3].exists(),
        "the kept copy and the trim stay"
    );
    assert!(!files[1].exists() && !files[2].exists());
    let in_q = |p: &Path| q.join(p.strip_prefix("/").unwrap());
    assert_eq!(
        std::fs::read(in_q(&files[1])).unwrap(),
        before[1],
        "relative paths kept"
    );
    let status = env.query("SELECT path, status FROM media WHERE status = 'missing' ORDER BY path");
    assert_eq!(status.len(), 2, "the rows are marked: {status:?}");
    // A rerun has nothing left to do.
    let out = ok(&env, &move_args(&file, &q));
    assert!(stderr(&out).contains("2 done before"), "{}", stderr(&out));

    let out = ok(&env, &["dedupe", "undo", file.to_str().unwrap()]);
    assert!(
        stderr(&out).contains("2 files put back"),
        "{}",
        stderr(&out)
    );
    assert_eq!(bytes_of(&files), before, "byte for byte");
    assert!(!in_q(&files[1]).exists());
    assert!(
        env.query("SELECT path FROM media WHERE status = 'missing'")
            .is_empty()
    );

    // Links: the identical copy comes back from the kept one; the re-encode
    // cannot, and is named.
    ok(
        &env,
        &["dedupe", "apply", file.to_str().unwrap(), "--hardlink"],
    );
    use std::os::unix::fs::MetadataExt;
    let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
    assert_eq!(ino(&files[1]), ino(&files[0]));
    assert_eq!(ino(&files[2]), ino(&files[0]));
    let out = env.run(&["dedupe", "undo", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("small.mp4") && stderr(&out).contains("cannot"),
        "{}",
        stderr(&out)
    );
    assert_ne!(ino(&files[1]), ino(&files[0]));
    assert_eq!(std::fs::read(&files[1]).unwrap(), before[1]);
    assert_eq!(
        std::fs::read(&files[0]).unwrap(),
        before[0],
        "the kept copy untouched"
    );
}

#[test]
fn changed_and_vanished_files_are_refused_and_named() {
    let env = TestEnv::new();
    let files = library(&env);
    let (file, _) = plan(&env, &[]);
    // The copy gains a byte; the re-encode goes.
    let mut bytes = std::fs::read(&files[1]).unwrap();
    bytes.push(0);
    std::fs::write(&files[1], &bytes).unwrap();
    std::fs::remove_file(&files[2]).unwrap();
    let out = env.run(&["dedupe", "apply", file.to_str().unwrap(), "--delete"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("copy.mp4") && err.contains("changed size"),
        "{err}"
    );
    assert!(
        err.contains("small.mp4") && err.contains("vanished"),
        "{err}"
    );
    assert_eq!(std::fs::read(&files[1]).unwrap(), bytes, "left as it is");
    assert!(files[0].exists());

    // A kept copy that changed leaves its whole group alone.
    let (file, _) = plan(&env, &[]);
    std::fs::write(&files[0], b"not a video any more").unwrap();
    let out = env.run(&["dedupe", "apply", file.to_str().unwrap(), "--delete"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("kept copy"), "{}", stderr(&out));
    assert!(files[1].exists());
    // A plan from another host is refused before anything.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"testhost\"", "\"elsewhere\"");
    std::fs::write(&file, text).unwrap();
    let out = env.run(&["dedupe", "apply", file.to_str().unwrap(), "--delete"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("host elsewhere"), "{}", stderr(&out));
}

/// A directory on another file system than the library, removed at drop:
/// a tmpfs of `size` mounted (as root), else None.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

fn tmpfs(env: &TestEnv, name: &str, options: &str) -> Option<Mounted> {
    if !nix::unistd::geteuid().is_root() {
        return None;
    }
    let dir = env.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", options, "tmpfs"])
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(Mounted(dir))
}

/// An apply cut short after it logged a file an undo had put back (under
/// a new inode, across file systems) but before it moved it: the rerun
/// still knows the file was put back, and moves it.
#[test]
fn an_apply_cut_short_after_an_undo_is_finished_by_a_rerun() {
    let env = TestEnv::new();
    let Some(other) = tmpfs(&env, "other", "size=64m") else {
        eprintln!("skipping an_apply_cut_short_after_an_undo…: a tmpfs needs root");
        return;
    };
    let files = library(&env);
    let (file, _) = plan(&env, &[]);
    let q = other.0.join("q");
    std::fs::create_dir(&q).unwrap();
    ok(&env, &move_args(&file, &q));
    ok(&env, &["dedupe", "undo", file.to_str().unwrap()]);
    assert!(files[1].exists() && files[2].exists());
    // What a kill leaves between the log and the move.
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let logged = conn
        .execute("UPDATE dedupe_actions SET state = 'acting'", [])
        .unwrap();
    assert_eq!(logged, 2);
    drop(conn);
    let out = env.run(&move_args(&file, &q));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!files[1].exists() && !files[2].exists(), "{}", stderr(&out));
}

#[test]
fn kills_during_apply_are_finished_by_a_rerun_or_undone_by_undo() {
    let env = TestEnv::new();
    let Some(other) = tmpfs(&env, "other", "size=256m") else {
        eprintln!("skipping kills_during_apply…: mounting a tmpfs needs root");
        return;
    };
    // One original, twelve copies: a move of each across file systems is a
    // copy, a sync, a rename and a removal, each a place a kill can land.
    let src = env.lib.join("car.mp4");
    std::fs::copy(real("car-detection.mp4"), &src).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let copies: Vec<PathBuf> = (0..12)
        .map(|i| {
            let p = env.lib.join(format!("copy-{i:02}.mp4"));
            std::fs::copy(&src, &p).unwrap();
            p
        })
        .collect();
    let original = std::fs::read(&src).unwrap();
    env.scan(&[], 0);
    ok(&env, &["fingerprint"]);
    let (file, p) = plan(&env, &[]);
    assert_eq!(removed(&p).len(), 12, "{p:#}");
    let q = other.0.join("q");
    std::fs::create_dir(&q).unwrap();
    let apply = || {
        let mut c = env.std_cmd();
        c.args(move_args(&file, &q));
        c
    };
    let in_q = |p: &Path| q.join(p.strip_prefix("/").unwrap());
    let whole = |p: &Path| std::fs::read(p).is_ok_and(|b| b == original);
    // Nothing lost at any kill: each copy is whole in one place or the other.
    let check = || {
        for c in &copies {
            assert!(whole(c) || whole(&in_q(c)), "{} lost", c.display());
        }
        assert!(whole(&src), "the kept copy");
    };
    let mut kills = 0;
    for delay_ms in [5u64, 40, 80, 120, 160, 200, 260, 330] {
        let mut child = apply().stderr(std::process::Stdio::null()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        check();
        if delay_ms == 80 {
            // Undo after a partial apply: everything back in place.
            ok(&env, &["dedupe", "undo", file.to_str().unwrap()]);
            check();
            assert!(copies.iter().all(|c| whole(c)), "undo put every copy back");
        }
    }
    assert!(kills > 0, "no apply was killed while running");
    let out = apply().output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(copies.iter().all(|c| !c.exists() && whole(&in_q(c))));
    let leftovers: Vec<_> = walk(&other.0)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".mediadex-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let logged = env.query("SELECT count(*) AS n FROM dedupe_actions WHERE state = 'done'");
    assert_eq!(logged[0]["n"], 12);
    // Kills during the undo, too: each copy whole on one side, and the last
    // undo puts every one back.
    let mut undo_kills = 0;
    for delay_ms in [5u64, 40, 80, 120, 160, 220] {
        let mut child = env.std_cmd();
        child.args(["dedupe", "undo", file.to_str().unwrap()]);
        let mut child = child.stderr(std::process::Stdio::null()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            undo_kills += 1;
        }
        child.wait().unwrap();
        check();
    }
    assert!(undo_kills > 0, "no undo was killed while running");
    ok(&env, &["dedupe", "undo", file.to_str().unwrap()]);
    assert!(copies.iter().all(|c| whole(c) && !in_q(c).exists()));
    assert!(
        walk(&env.lib)
            .iter()
            .all(|p| !p.to_string_lossy().contains(".mediadex-"))
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn quarantines_that_cannot_take_a_file_and_links_across_file_systems_leave_it_in_place() {
    let env = TestEnv::new();
    let files = library(&env);
    let (file, _) = plan(&env, &[]);
    let before = bytes_of(&files);
    let Some(full) = tmpfs(&env, "full", "size=1m") else {
        eprintln!("skipping quarantines…: mounting a tmpfs needs root");
        return;
    };
    // Into a full quarantine, then a read-only one: the file stays, named.
    let ro = tmpfs(&env, "ro", "size=64m,ro").expect("a second tmpfs");
    for (dir, said) in [
        (&full.0, "copy.mp4 was left in place"),
        (&ro.0, "Read-only file system"),
    ] {
        let out = env.run(&move_args(&file, dir));
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).contains(said), "{}", stderr(&out));
    }
    let missing = env.path().join("no-such-dir");
    let out = env.run(&move_args(&file, &missing));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    // The small re-encode fitted the 1 MB quarantine: put it back.
    ok(&env, &["dedupe", "undo", file.to_str().unwrap()]);
    assert_eq!(bytes_of(&files), before);
    assert!(
        env.query("SELECT 1 FROM dedupe_actions WHERE state = 'acting'")
            .is_empty()
    );

    // A copy on another file system cannot become a hard link of the kept one.
    let far = tmpfs(&env, "far", "size=64m").expect("a third tmpfs");
    let there = far.0.join("copy-there.mp4");
    std::fs::copy(&files[0], &there).unwrap();
    ok(&env, &["scan", far.0.to_str().unwrap()]);
    ok(&env, &["fingerprint"]);
    let (file, p) = plan(&env, &[]);
    assert!(removed(&p).contains(&"copy-there.mp4".to_string()), "{p:#}");
    let out = env.run(&["dedupe", "apply", file.to_str().unwrap(), "--hardlink"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot cross file systems"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&there).unwrap(), before[0]);
}

#[test]
fn not_the_same_video_holds_after_a_move_and_a_dump_load() {
    let env = TestEnv::new();
    let files = library(&env);
    let out = ok(
        &env,
        &[
            "dedupe",
            "ignore",
            files[0].to_str().unwrap(),
            files[2].to_str().unwrap(),
        ],
    );
    assert!(
        stderr(&out).contains("not the same video"),
        "{}",
        stderr(&out)
    );
    let (_, p) = plan(&env, &[]);
    assert_eq!(removed(&p), ["copy.mp4"], "{p:#}");
    // Renamed, rescanned and matched again: still apart.
    let renamed = env.lib.join("a/renamed.mp4");
    std::fs::rename(&files[2], &renamed).unwrap();
    env.scan(&[], 0);
    ok(&env, &["fingerprint"]);
    let (_, p) = plan(&env, &[]);
    assert_eq!(removed(&p), ["copy.mp4"], "{p:#}");
    // Through a dump into another catalog.
    let dump = env.path().join("d.jsonl");
    let out = ok(&env, &["dump"]);
    std::fs::write(&dump, &out.stdout).unwrap();
    assert!(stdout(&out).contains("\"not-duplicate\""));
    let other = env.path().join("other.db");
    let run_other = |args: &[&str]| {
        let out = env.std_cmd_db(&other).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    run_other(&["load", dump.to_str().unwrap()]);
    run_other(&["fingerprint"]);
    let out = run_other(&["dedupe", "plan"]);
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(removed(&p), ["copy.mp4"], "{p:#}");
    // Byte-identical files are the same video: refused.
    let out = env.run(&[
        "dedupe",
        "ignore",
        files[0].to_str().unwrap(),
        files[1].to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("same bytes"), "{}", stderr(&out));
}

#[test]
fn a_quarantine_inside_the_library_is_warned_of() {
    let env = TestEnv::new();
    let files = library(&env);
    let (file, _) = plan(&env, &[]);
    let inside = env.lib.join("quarantine");
    std::fs::create_dir(&inside).unwrap();
    let out = ok(&env, &move_args(&file, &inside));
    let err = stderr(&out);
    assert!(
        err.contains("is under the scanned directory") && err.contains("outside the library"),
        "{err}"
    );
    assert!(!files[1].exists(), "warned, and done");
}
