//! The media executable on its own: it links the media libraries, and its probe
//! worker answers the line protocol. The integration suite (tests/ at the top
//! of the repository) drives it through `mediadex`.

#[path = "../../../tests/needed.rs"]
#[allow(dead_code)]
mod needed;

use std::io::Write;
use std::process::{Command, Stdio};

use mediadex_core::catalog::files::FileStat;
use mediadex_core::pool::protocol::request_line;

const EXE: &str = env!("CARGO_BIN_EXE_mediadex-media");

#[test]
fn mediadex_media_loads_gstreamer_and_alsa() {
    let libs = needed::needed_libs(EXE.as_ref());
    for lib in ["libgstreamer-1.0", "libasound"] {
        assert!(libs.iter().any(|l| l.starts_with(lib)), "{lib}: {libs:?}");
    }
}

#[test]
fn the_probe_worker_answers_each_request_with_a_status() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mkv");
    std::fs::write(&text, "not a video, a note about one\n".repeat(200)).unwrap();
    let mut child = Command::new(EXE)
        .args(["__probe-worker", "--jobs", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let missing = dir.path().join("gone.mp4");
    {
        let mut stdin = child.stdin.take().unwrap();
        let meta = std::fs::metadata(&text).unwrap();
        let stat = FileStat::from_metadata(&meta);
        let none = FileStat {
            size: 0,
            mtime_ns: 0,
            ..stat
        };
        stdin
            .write_all(request_line(1, &stat, &text, None).as_bytes())
            .unwrap();
        stdin
            .write_all(request_line(2, &none, &missing, None).as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let answers: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("D "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "{answers:?}");
    let by_id = |id: u64| answers.iter().find(|a| a["id"] == id).unwrap();
    let text = by_id(1);
    assert_eq!(text["status"], "error", "{text}");
    assert!(
        text["error"].as_str().unwrap().contains("not a media file"),
        "{text}"
    );
    let gone = by_id(2);
    assert_eq!(gone["status"], "missing", "{gone}");
}
