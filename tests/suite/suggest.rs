//! Messages that suggest a command: the command can be pasted into a shell as
//! it is (paths quoted), and an argument that cannot work says why and how.

use crate::testenv::{TestEnv, stderr};

#[test]
fn show_quotes_the_path_it_suggests_to_scan() {
    let env = TestEnv::new();
    env.scan(&[], 0);
    let dir = env.lib.join("Big Buck Test (2008)");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("it's.mkv");
    std::fs::write(&file, b"x").unwrap();
    let out = env.run(&["show", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let quoted = format!("'{}/it'\\''s.mkv'", dir.display());
    assert!(
        err.trim_end()
            .ends_with(&format!("scan it first: mediadex scan {quoted}")),
        "{err}"
    );
}

#[test]
fn scanning_a_file_whose_extension_is_not_scanned_says_how_to_add_it() {
    let env = TestEnv::new();
    let file = env.lib.join("talk one.mp3");
    std::fs::write(&file, b"x").unwrap();
    let f = file.to_str().unwrap();
    let out = env.run(&["scan", f]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err,
        format!(
            "mediadex: error: {f}: files ending in .mp3 are not scanned; add the extension: mediadex scan --ext mp3 '{f}'\n"
        )
    );
    assert!(!env.db.exists(), "nothing written");
    let out = env.run(&["scan", "--ext", "mp3", f]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    let bare = env.lib.join("README");
    std::fs::write(&bare, b"x").unwrap();
    let out = env.run(&["scan", bare.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("without an extension"),
        "{}",
        stderr(&out)
    );
}
