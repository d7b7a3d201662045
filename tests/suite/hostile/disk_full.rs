//! A full disk stops a scan cleanly, naming the cause once, and a rerun
//! resumes.

use super::*;

#[test]
fn full_disk_stops_cleanly_and_a_rerun_resumes() {
    if !is_root() {
        eprintln!(
            "skipping full_disk_stops_cleanly_and_a_rerun_resumes: mounting a small tmpfs needs root"
        );
        return;
    }
    let env = TestEnv::new();
    let mnt = env.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipping full_disk_stops_cleanly_and_a_rerun_resumes: cannot mount tmpfs here");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.0)
                .status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let db = mnt.join("catalog.db");
    let files = many_files(&env.lib, 150);
    // A fresh catalog, then only a little room left beside it.
    let empty = env.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(
        env.std_cmd_db(&db)
            .args(["scan", "-q"])
            .arg(&empty)
            .status()
            .unwrap()
            .success()
    );
    let scan = || {
        env.std_cmd_db(&db)
            .args(["scan", "--json"])
            .arg(&env.lib)
            .output()
            .unwrap()
    };
    let filler = mnt.join("filler");
    let free = nix::sys::statvfs::statvfs(&mnt).unwrap();
    let avail = free.blocks_available() as u64 * free.fragment_size() as u64;
    std::fs::write(
        &filler,
        vec![0u8; avail.saturating_sub(160 * 1024) as usize],
    )
    .unwrap();

    let out = scan();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("full") && err.contains("free some space"),
        "{err}"
    );
    // The cause once, on one line that says what became of the scan.
    assert_eq!(err.matches("full").count(), 1, "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("the scan is marked failed"), "{err}");

    let q = |sql: &str| -> Vec<Value> {
        let o = env
            .std_cmd_db(&db)
            .args(["query", sql, "-f", "json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    // Marked failed with its reason while the disk is still full.
    let last = q("SELECT status, error FROM scans ORDER BY id DESC LIMIT 1");
    assert_eq!(last[0]["status"], "failed", "{last:?}");
    assert!(
        last[0]["error"].as_str().unwrap_or("").contains("full"),
        "{last:?}"
    );
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(q("PRAGMA integrity_check")[0]["integrity_check"], "ok");
    let before = q("SELECT count(*) AS n FROM media")[0]["n"]
        .as_u64()
        .unwrap();
    assert!((before as usize) < files.len());
    let out = scan();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["new"].as_u64().unwrap() + before, files.len() as u64);
    assert_eq!(
        q("SELECT count(*) AS n FROM media")[0]["n"]
            .as_u64()
            .unwrap() as usize,
        files.len()
    );

    // A disk with no room at all: the scan cannot even start its row; the
    // cause is still said once, not once per error in SQLite's chain.
    let mut fill = std::fs::File::create(&filler).unwrap();
    while fill.write_all(&[0u8; 4096]).is_ok() {}
    drop(fill);
    let out = scan();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("free some space"), "{err}");
    for cause in ["full", "disk I/O error"] {
        assert!(
            err.matches(cause).count() <= 1,
            "{cause} more than once: {err}"
        );
    }
}
