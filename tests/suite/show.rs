//! `show` on a terminal tells what the document holds beyond the streams'
//! basics: chapters, attachments, the size a player shows a picture at (pixels
//! that are not square, a turned picture), bit depth, HDR metadata and
//! colour, and when the file was first and last seen. The files are made by
//! mkvmerge and ffmpeg; the facts to find are ffprobe's.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::terminal::on_terminal;
use crate::testenv::truth::ffprobe_json;
use crate::testenv::{TestEnv, stderr};

fn run(c: &mut Command) {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{c:?}: {}", stderr(&out));
}

/// An MKV with two named chapters, a cover attachment and a 16:9 display
/// aspect on 4:3 pixels (mkvmerge), and a 10-bit HDR10 HEVC MP4 turned a
/// quarter (ffmpeg, libx265).
fn make(env: &TestEnv) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = env.path();
    let chapters = dir.join("chapters.txt");
    std::fs::write(
        &chapters,
        "CHAPTER01=00:00:00.000\nCHAPTER01NAME=Opening\nCHAPTER02=00:00:01.000\nCHAPTER02NAME=Second part\n",
    )
    .unwrap();
    let cover = dir.join("cover.jpg");
    run(Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=s=64x64:d=1",
            "-frames:v",
            "1",
        ])
        .arg(&cover));
    let mkv = env.lib.join("extras.mkv");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/media/asl-book.mkv");
    run(Command::new("mkvmerge")
        .args(["-q", "-o"])
        .arg(&mkv)
        .arg("--chapters")
        .arg(&chapters)
        .args(["--attachment-mime-type", "image/jpeg", "--attach-file"])
        .arg(&cover)
        .args(["--aspect-ratio", "0:16/9"])
        .arg(&src));
    let flat = dir.join("hdr.mp4");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=1"])
        .args(["-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1"])
        .args(["-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc"])
        .args(["-x265-params", "log-level=error:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50):max-cll=1000,400"])
        .arg(&flat));
    let mp4 = env.lib.join("hdr-turned.mp4");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&flat)
        .args(["-c", "copy", "-metadata:s:v:0", "rotate=90"])
        .arg(&mp4));
    (mkv, mp4)
}

fn video(probe: &Value) -> &Value {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap()
}

#[test]
fn show_tells_chapters_attachments_display_size_depth_hdr_and_dates() {
    let env = TestEnv::new();
    let (mkv, mp4) = make(&env);
    env.scan(&[], 0);

    let tty = on_terminal(&env, 200, &["show", mkv.to_str().unwrap()]);
    let probe = ffprobe_json(&mkv).unwrap();
    let chapters = probe["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 2);
    let titles: Vec<&str> = chapters
        .iter()
        .map(|c| c["tags"]["title"].as_str().unwrap())
        .collect();
    assert!(
        tty.contains(&format!(
            "chapters     2: 0:00 {} · 0:01 {}",
            titles[0], titles[1]
        )),
        "{tty}"
    );
    let attached = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["tags"]["filename"].is_string())
        .unwrap();
    let name = attached["tags"]["filename"].as_str().unwrap();
    assert!(
        tty.contains(&format!("attachments  1: {name} (image/jpeg, ")),
        "{tty}"
    );
    let v = video(&probe);
    let (w, h) = (v["width"].as_i64().unwrap(), v["height"].as_i64().unwrap());
    let dar = v["display_aspect_ratio"].as_str().unwrap();
    let (n, d) = dar.split_once(':').unwrap();
    let ratio = n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap();
    assert!((ratio - 16.0 / 9.0).abs() < 0.01, "{dar}");
    let shown = (h as f64 * ratio).round() as i64;
    assert!(
        tty.contains(&format!("{w}x{h}  (shown {shown}x{h})")),
        "{tty}"
    );
    assert!(
        tty.contains("first seen   20") && tty.contains("last seen    20"),
        "{tty}"
    );

    let tty = on_terminal(&env, 200, &["show", mp4.to_str().unwrap()]);
    let probe = ffprobe_json(&mp4).unwrap();
    let v = video(&probe);
    assert_eq!(v["pix_fmt"], "yuv420p10le");
    assert_eq!(v["color_transfer"], "smpte2084");
    let (w, h) = (v["width"].as_i64().unwrap(), v["height"].as_i64().unwrap());
    for want in [
        format!("{w}x{h}  (shown {h}x{w})"),
        "10-bit  HDR10".to_string(),
        "mastering display 0.005–1000 cd/m²".to_string(),
        "MaxCLL 1000, MaxFALL 400 cd/m²".to_string(),
        "transfer smpte2084".to_string(),
    ] {
        assert!(tty.contains(&want), "{want} in {tty}");
    }
}
