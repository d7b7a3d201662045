//! A file renamed or moved under the scanned roots keeps its row: the same
//! id, first sighting, document and health at the new path, not probed
//! again; a copy is a new file.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::testenv::{TestEnv, stderr};

fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/media")
        .join(name)
}

fn rows(env: &TestEnv) -> Vec<Value> {
    env.query(
        "SELECT m.id, m.path, m.status, m.first_seen, h.health FROM media m
         LEFT JOIN health h ON h.file_id = m.id ORDER BY m.id",
    )
}

#[test]
fn a_renamed_or_moved_file_keeps_its_row_and_is_not_probed_again() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.lib.join("sub")).unwrap();
    std::fs::copy(real("car-detection.mp4"), env.lib.join("a.mp4")).unwrap();
    std::fs::copy(real("asl-book.mkv"), env.lib.join("sub/b.mkv")).unwrap();
    env.scan(&[], 0);
    let out = env.run(&["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = rows(&env);

    std::fs::rename(env.lib.join("a.mp4"), env.lib.join("renamed.mp4")).unwrap();
    std::fs::create_dir_all(env.lib.join("other")).unwrap();
    std::fs::rename(env.lib.join("sub/b.mkv"), env.lib.join("other/b.mkv")).unwrap();
    std::fs::copy(real("bottle-detection.mp4"), env.lib.join("new.mp4")).unwrap();
    let s = env.scan(&[], 0);
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(
        (n("moved"), n("new"), n("missing"), n("probed")),
        (2, 1, 0, 1),
        "{s}"
    );

    let after = rows(&env);
    assert_eq!(after.len(), 3, "{after:?}");
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old["id"], new["id"]);
        assert_eq!(old["first_seen"], new["first_seen"]);
        assert_eq!(new["status"], "ok");
        assert_eq!(
            new["health"], "clean",
            "the health check stays with the file"
        );
    }
    for (old, new) in before.iter().zip(&after) {
        let (old, new) = (old["path"].as_str().unwrap(), new["path"].as_str().unwrap());
        let want = if old.ends_with("/a.mp4") {
            "/lib/renamed.mp4"
        } else {
            "/lib/other/b.mkv"
        };
        assert!(new.ends_with(want), "{old} moved to {new}");
    }
    let moved = env.query("SELECT moved FROM scans ORDER BY id DESC LIMIT 1");
    assert_eq!(moved[0]["moved"], 2);

    // A copy is another file (another inode): new, probed.
    std::fs::copy(env.lib.join("renamed.mp4"), env.lib.join("copy.mp4")).unwrap();
    let s = env.scan(&[], 0);
    assert_eq!(
        (s["moved"].as_u64(), s["new"].as_u64()),
        (Some(0), Some(1)),
        "{s}"
    );
}

/// A directory on another file system than the test's temp dir, or why
/// there is none: `/dev/shm` is a tmpfs on Linux.
fn other_file_system(env: &TestEnv) -> Result<tempfile::TempDir, String> {
    use std::os::unix::fs::MetadataExt;
    let shm = Path::new("/dev/shm");
    let dir = tempfile::Builder::new()
        .prefix("mediadex-test")
        .tempdir_in(shm)
        .map_err(|e| format!("no directory in {}: {e}", shm.display()))?;
    let dev = |p: &Path| std::fs::metadata(p).unwrap().dev();
    if dev(dir.path()) == dev(env.path()) {
        return Err(format!(
            "{} is on the temp dir's file system",
            shm.display()
        ));
    }
    Ok(dir)
}

#[test]
fn a_file_moved_to_another_file_system_keeps_its_row_and_is_not_probed_again() {
    let env = TestEnv::new();
    let other = match other_file_system(&env) {
        Ok(d) => d,
        Err(why) => {
            eprintln!("skipped: no second file system ({why})");
            return;
        }
    };
    std::fs::copy(real("car-detection.mp4"), env.lib.join("a.mp4")).unwrap();
    std::fs::copy(real("asl-book.mkv"), env.lib.join("b.mkv")).unwrap();
    let roots = [env.lib.to_str().unwrap(), other.path().to_str().unwrap()];
    let scan = || {
        let out = env.run(&["scan", "--json", roots[0], roots[1]]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    scan();
    for verb in ["verify", "fingerprint"] {
        let out = env.run(&[verb]);
        assert!(out.status.success(), "{verb}: {}", stderr(&out));
    }
    let facts = "SELECT m.id, m.path, m.first_seen, f.probed_at, h.health, p.frames,
                 (SELECT group_concat(hash) FROM fingerprint_frames WHERE file_id = m.id) AS hashes
                 FROM media m JOIN files f ON f.id = m.id LEFT JOIN health h ON h.file_id = m.id
                 LEFT JOIN fingerprints p ON p.file_id = m.id WHERE m.path LIKE '%.mp4'";
    let before = env.query(facts);
    assert_eq!(before.len(), 1, "{before:?}");
    assert!(before[0]["frames"].as_u64() > Some(0), "{before:?}");

    // `mv` across file systems copies the bytes and keeps the mtime; the
    // new name differs too, so only the size and the sampled hash tell.
    let moved_to = other.path().join("renamed.mp4");
    let mv = std::process::Command::new("mv")
        .arg(env.lib.join("a.mp4"))
        .arg(&moved_to)
        .status()
        .unwrap();
    assert!(mv.success());
    let s = scan();
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(
        (n("moved"), n("new"), n("missing"), n("probed")),
        (1, 0, 0, 0),
        "{s}"
    );
    let after = env.query(facts);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["path"], moved_to.to_str().unwrap());
    for k in [
        "id",
        "first_seen",
        "probed_at",
        "health",
        "frames",
        "hashes",
    ] {
        assert_eq!(before[0][k], after[0][k], "{k} stays with the file");
    }
    assert_eq!(after[0]["health"], "clean");

    // The row now has the file's new device and inode: unchanged next time.
    let s = scan();
    assert_eq!(
        (s["unchanged"].as_u64(), s["probed"].as_u64()),
        (Some(2), Some(0)),
        "{s}"
    );
}
