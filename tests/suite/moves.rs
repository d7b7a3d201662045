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
