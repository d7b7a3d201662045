//! `forget`: rows of files that are gone (or of given paths) are dropped with
//! everything keyed to them, a dry run changes nothing, and rows last seen
//! recently stay under `--missing-for`.

use std::path::{Path, PathBuf};

use crate::testenv::{TestEnv, stderr, stdout};

fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/media")
        .join(name)
}

fn count(env: &TestEnv, sql: &str) -> i64 {
    env.query(sql)[0]["n"].as_i64().unwrap()
}

#[test]
fn gone_files_and_given_paths_are_forgotten_with_what_the_catalog_holds_of_them() {
    let env = TestEnv::new();
    let sub = env.lib.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(real("car-detection.mp4"), env.lib.join("car.mp4")).unwrap();
    std::fs::copy(real("asl-book.mkv"), sub.join("asl.mkv")).unwrap();
    std::fs::copy(real("bottle-detection.mp4"), sub.join("bottle.mp4")).unwrap();
    env.scan(&[], 0);
    let out = env.run(&["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_file(env.lib.join("car.mp4")).unwrap();
    env.scan(&[], 0);
    let files = |env: &TestEnv| count(env, "SELECT count(*) AS n FROM files");
    assert_eq!(files(&env), 3);

    // A dry run lists the row and changes nothing.
    let out = env.run(&["forget", "--missing", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).trim_end().ends_with("/car.mp4"),
        "{}",
        stdout(&out)
    );
    assert_eq!(files(&env), 3);
    // Seen missing a moment ago: not yet gone for a day.
    let out = env.run(&["forget", "--missing", "--missing-for", "1d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files(&env), 3);
    let out = env.run(&["forget", "--missing", "--json"]);
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (f["files"].as_u64(), f["health"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(files(&env), 2);
    assert_eq!(
        count(
            &env,
            "SELECT count(*) AS n FROM media WHERE status = 'missing'"
        ),
        0
    );
    assert_eq!(count(&env, "SELECT count(*) AS n FROM health"), 2);
    assert_eq!(count(&env, "SELECT count(*) AS n FROM docs"), 2);

    // A directory: every row under it, whatever its status.
    let out = env.run(&["forget", sub.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("dropped 2 files"), "{}", stderr(&out));
    assert_eq!(files(&env), 0);
    assert_eq!(count(&env, "SELECT count(*) AS n FROM doc_streams"), 0);
    // Nothing there: said, exit 3.
    let out = env.run(&["forget", sub.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no catalogued file"),
        "{}",
        stderr(&out)
    );
}
