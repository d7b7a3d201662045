//! `fingerprint` on real clips made elsewhere (tests/media) and on one clip
//! in every container: frames on the time grid whatever the GOP, the same
//! frames every run, look-alike clips kept apart, byte-identical copies
//! grouped, and the copy `report similar` keeps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{ffmpeg, fingerprint, testsrc_x264};
use crate::testenv::{TestEnv, base_name, stderr};

/// A real clip of the suite's fixtures (tests/media, CC BY 4.0).
fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/media")
        .join(name)
}

/// A clip with a single keyframe (x264's default interval is longer than the
/// clip) still gets four frames a second, each the first decoded at or after
/// its moment of the grid.
#[test]
fn a_short_clip_with_one_keyframe_gets_a_frame_every_quarter_second() {
    let env = TestEnv::new();
    testsrc_x264(env.lib.join("one-gop.mp4").to_str().unwrap(), "8", "250");
    env.scan(&[], 0);
    let s = fingerprint(&env, &[], 0);
    assert_eq!(s["fingerprinted"], 1);
    let times: Vec<i64> = env
        .query("SELECT t_ms FROM fingerprint_frames ORDER BY t_ms")
        .iter()
        .map(|r| r["t_ms"].as_i64().unwrap())
        .collect();
    assert_eq!(times.len(), 32, "{times:?}");
    for (k, t) in times.iter().enumerate() {
        // 25 fps: the frame at or after k/4 s is at most 40 ms later.
        let at = k as i64 * 250;
        assert!(
            *t >= at - 2 && *t < at + 40,
            "frame {k} at {t} ms: {times:?}"
        );
    }
}

/// One real clip in every container people keep, with the codecs those
/// containers usually carry: every copy decodes (AVI with H.264 or MPEG-4,
/// MPEG-PS with AC-3 audio among them), gets the same frames (times and
/// hashes) in three runs, one of them with both CPUs busy, and all of them
/// are found to be one video.
#[test]
fn every_container_gives_the_same_frames_every_run_and_one_group() {
    let env = TestEnv::new();
    let src = real("car-detection.mp4");
    let src = src.to_str().unwrap();
    let x264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "26"];
    let copies: &[(&str, &[&str])] = &[
        ("c.mp4", &["-c", "copy"]),
        ("c.mov", &["-c", "copy"]),
        ("c.mkv", &["-c", "copy"]),
        (
            "c.webm",
            &[
                "-c:v",
                "libvpx-vp9",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-b:v",
                "400k",
                "-c:a",
                "libopus",
            ],
        ),
        ("c-h264.avi", &["-c:v", "copy", "-c:a", "mp3"]),
        ("c-mpeg4.avi", &["-c:v", "mpeg4", "-q:v", "5", "-an"]),
        (
            "c.mpg",
            &[
                "-c:v",
                "mpeg2video",
                "-q:v",
                "5",
                "-c:a",
                "ac3",
                "-f",
                "vob",
            ],
        ),
        ("c.ts", &x264),
        (
            "c.m2ts",
            &["-c:v", "copy", "-c:a", "ac3", "-mpegts_m2ts_mode", "1"],
        ),
        ("c.flv", &["-c:v", "flv1", "-q:v", "5", "-ar", "44100"]),
        ("c.wmv", &["-c:v", "wmv2", "-q:v", "5", "-c:a", "wmav2"]),
        (
            "c.ogv",
            &["-c:v", "libtheora", "-q:v", "6", "-c:a", "libvorbis"],
        ),
        (
            "c.3gp",
            &[
                "-c:v",
                "h263",
                "-s",
                "704x576",
                "-q:v",
                "5",
                "-ar",
                "8000",
                "-ac",
                "1",
                "-c:a",
                "libopencore_amrnb",
            ],
        ),
    ];
    let mut made = Vec::new();
    for (name, args) in copies {
        let out = env.lib.join(name);
        let mut a = vec!["-i", src, "-t", "12"];
        a.extend_from_slice(args);
        a.push(out.to_str().unwrap());
        let ok = Command::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
            .args(&a)
            .status()
            .expect("run ffmpeg")
            .success();
        // An ffmpeg built without one of these encoders (AMR) leaves that
        // container out; the others must all be there.
        if ok {
            made.push(*name);
        } else {
            let _ = std::fs::remove_file(&out);
            assert_eq!(*name, "c.3gp", "ffmpeg could not write {name}");
        }
    }
    env.scan(&[], 0);
    let frames = |env: &TestEnv| {
        let s = fingerprint(env, &["--force"], 0);
        assert_eq!(s["fingerprinted"], made.len() as u64, "{s}");
        let rows = env.query(
            "SELECT m.path, count(*) AS n, group_concat(fr.t_ms || ':' || fr.hash, ' ') AS frames
             FROM fingerprint_frames fr JOIN media m ON m.id = fr.file_id
             GROUP BY m.path ORDER BY m.path",
        );
        rows.iter()
            .map(|r| {
                let name = base_name(&r["path"]);
                (
                    name,
                    (
                        r["n"].as_i64().unwrap(),
                        r["frames"].as_str().unwrap().to_string(),
                    ),
                )
            })
            .collect::<BTreeMap<String, (i64, String)>>()
    };
    let first = frames(&env);
    assert_eq!(first.len(), made.len(), "{first:?}");
    for (name, (n, _)) in &first {
        // 12 s at four a second.
        assert!((46..=49).contains(n), "{name}: {n} frames");
    }
    assert_eq!(frames(&env), first, "a second run");
    let busy: Vec<std::process::Child> = (0..2)
        .map(|_| {
            Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
                .unwrap()
        })
        .collect();
    let loaded = frames(&env);
    for mut b in busy {
        let _ = b.kill();
        let _ = b.wait();
    }
    assert_eq!(loaded, first, "a run with both CPUs busy");
    let groups = env.query(
        "SELECT count(DISTINCT similar_group) AS g, count(similar_group) AS n FROM fingerprints",
    );
    assert_eq!(groups[0]["g"], 1, "{groups:?}");
    assert_eq!(groups[0]["n"], made.len() as i64, "every copy in the group");
}

/// Real short clips of one person signing in one room are different videos
/// however alike they look; a re-encode and a trimmed copy of a real clip
/// from a fixed camera are the same video; a byte-identical copy of a clip
/// too short to match is grouped all the same, and the summary says how
/// many files could not be matched.
#[test]
fn real_clips_look_alike_without_being_grouped_and_copies_are() {
    let env = TestEnv::new();
    for n in [
        "asl-again.mkv",
        "asl-book.mkv",
        "asl-sister.mkv",
        "asl-walk.mkv",
        "bottle-detection.mp4",
    ] {
        std::fs::copy(real(n), env.lib.join(n)).unwrap();
    }
    let lib = |n: &str| env.lib.join(n).to_str().unwrap().to_string();
    ffmpeg(&[
        "-i",
        &lib("bottle-detection.mp4"),
        "-vf",
        "scale=320:180",
        "-c:v",
        "libx264",
        "-crf",
        "30",
        &lib("bottle-small.mkv"),
    ]);
    ffmpeg(&[
        "-ss",
        "5",
        "-i",
        &lib("bottle-detection.mp4"),
        "-c:v",
        "libx264",
        "-crf",
        "24",
        &lib("bottle-trim.mp4"),
    ]);
    // A clip of a second, black: nothing in it can be matched.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=160x120:r=25",
        "-t",
        "1",
        "-c:v",
        "libx264",
        &lib("black.mp4"),
    ]);
    std::fs::copy(env.lib.join("black.mp4"), env.lib.join("black-copy.mp4")).unwrap();
    env.scan(&[], 0);
    let s = fingerprint(&env, &[], 0);
    assert_eq!(s["unmatched"]["too short"], 2, "{s}");
    let group = |n: &str| {
        env.query(&format!(
            "SELECT fp.similar_group AS g FROM fingerprints fp JOIN media m ON m.id = fp.file_id WHERE m.path LIKE '%/{n}'"
        ))[0]["g"]
            .as_i64()
    };
    let bottle = group("bottle-detection.mp4");
    assert!(bottle.is_some());
    assert_eq!(group("bottle-small.mkv"), bottle);
    assert_eq!(group("bottle-trim.mp4"), bottle);
    for n in [
        "asl-again.mkv",
        "asl-book.mkv",
        "asl-sister.mkv",
        "asl-walk.mkv",
    ] {
        assert_eq!(group(n), None, "{n} grouped");
    }
    let black = group("black.mp4");
    assert!(black.is_some() && black == group("black-copy.mp4"));
    assert_ne!(black, bottle);
    let why = env.query("SELECT unmatched FROM fingerprints fp JOIN media m ON m.id = fp.file_id WHERE m.path LIKE '%/black.mp4'");
    assert_eq!(why[0]["unmatched"], "too short");
}

/// The copy to keep: a low-bitrate re-encode in a newer codec never beats its
/// original; of two identical copies the one under a `--prefer` directory
/// wins, else the older; `why` says which rule decided.
#[test]
fn the_copy_kept_is_the_original_and_the_preferred_place() {
    let env = TestEnv::new();
    let (library, downloads) = (env.lib.join("library"), env.lib.join("Downloads"));
    std::fs::create_dir_all(&library).unwrap();
    std::fs::create_dir_all(&downloads).unwrap();
    let car = library.join("car.mp4");
    std::fs::copy(real("car-detection.mp4"), &car).unwrap();
    let vp9 = library.join("car-vp9.webm");
    ffmpeg(&[
        "-i",
        car.to_str().unwrap(),
        "-t",
        "20",
        "-c:v",
        "libvpx-vp9",
        "-b:v",
        "250k",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-an",
        vp9.to_str().unwrap(),
    ]);
    let copy = downloads.join("car.mp4");
    std::fs::copy(&car, &copy).unwrap();
    // The download is the older file.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(&copy)
        .unwrap()
        .set_modified(old)
        .unwrap();
    env.scan(&[], 0);
    fingerprint(&env, &[], 0);
    let similar = |extra: &[&str]| {
        let mut args = vec!["report", "similar", "-f", "json"];
        args.extend_from_slice(extra);
        let out = env.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(rows.len(), 3, "{rows:#?}");
        rows.into_iter()
            .map(|r| {
                let p = r["path"].as_str().unwrap();
                let key = p[env.lib.to_str().unwrap().len() + 1..].to_string();
                (
                    key,
                    (
                        r["keep"].as_str().unwrap().to_string(),
                        r["why"].as_str().unwrap().to_string(),
                    ),
                )
            })
            .collect::<BTreeMap<String, (String, String)>>()
    };
    let rows = similar(&[]);
    assert_eq!(
        rows["Downloads/car.mp4"],
        ("yes".into(), "older".into()),
        "{rows:?}"
    );
    assert_eq!(
        rows["library/car-vp9.webm"].1, "less picture for its codec",
        "{rows:?}"
    );
    assert_eq!(
        rows["library/car.mp4"],
        ("no".into(), "newer".into()),
        "{rows:?}"
    );
    let rows = similar(&["--prefer", library.to_str().unwrap()]);
    assert_eq!(
        rows["library/car.mp4"],
        ("yes".into(), "in a preferred directory".into()),
        "{rows:?}"
    );
    assert_eq!(
        rows["Downloads/car.mp4"].1, "not in the preferred directory",
        "{rows:?}"
    );
    let out = env.run(&["report", "largest", "--prefer", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// A file over a minute long in a container with an index is sampled at the
/// keyframe at or after each moment, each decoded alone: a keyframe every
/// 10 s gives 8 frames for 80 s (not 80 decoded seconds), the same every run,
/// and its remux into MKV is the same video.
#[test]
fn a_long_file_is_sampled_at_its_keyframes_the_same_every_run() {
    let env = TestEnv::new();
    let mp4 = env.lib.join("long.mp4");
    testsrc_x264(mp4.to_str().unwrap(), "80", "250");
    ffmpeg(&[
        "-i",
        mp4.to_str().unwrap(),
        "-c",
        "copy",
        env.lib.join("long.mkv").to_str().unwrap(),
    ]);
    env.scan(&[], 0);
    let frames = || {
        fingerprint(&env, &["--force"], 0);
        env.query(
            "SELECT m.path, group_concat(fr.t_ms || ':' || fr.hash, ' ') AS frames, count(*) AS n
             FROM fingerprint_frames fr JOIN media m ON m.id = fr.file_id GROUP BY m.path ORDER BY m.path",
        )
    };
    let first = frames();
    assert_eq!(first.len(), 2);
    for r in &first {
        assert_eq!(r["n"], 8, "{first:?}");
    }
    assert_eq!(first[0]["frames"], first[1]["frames"], "MKV and MP4 alike");
    assert_eq!(frames(), first);
    let groups = env.query("SELECT count(DISTINCT similar_group) AS g FROM fingerprints WHERE similar_group IS NOT NULL");
    assert_eq!(groups[0]["g"], 1);
}
