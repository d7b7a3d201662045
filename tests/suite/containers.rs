//! Container names: one per container whatever its streams, and none for
//! content that is not a container at all.

use std::path::Path;

use serde_json::Value;

use crate::testenv::TestEnv;
use crate::testenv::fixtures::copy_into;

/// One name per container: an audio-only Matroska file (made by mkvmerge and
/// by ffmpeg from a fixture) is `mkv` like the file it came from, as ffprobe
/// sees one format for all three; a text file has no container at all.
#[test]
fn one_container_name_per_container_and_none_for_text() {
    let env = TestEnv::new();
    let src = copy_into(&env.lib, &["hevc-flac.mkv"]).remove(0);
    let by_mkvmerge = env.lib.join("mkvmerge-audio.mka");
    let by_ffmpeg = env.lib.join("ffmpeg-audio.mkv");
    let tools = [
        std::process::Command::new("mkvmerge")
            .args(["-q", "--no-video", "-o"])
            .arg(&by_mkvmerge)
            .arg(&src)
            .status(),
        std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(&src)
            .args(["-vn", "-c", "copy"])
            .arg(&by_ffmpeg)
            .status(),
    ];
    for t in tools {
        assert!(t.unwrap().success());
    }
    let text = env.lib.join("notes.mkv");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
        &text,
    )
    .unwrap();
    env.scan(&["--ext", "mka"], 3);
    let format = |p: &Path| {
        let v = crate::testenv::truth::ffprobe_json(p).unwrap();
        v["format"]["format_name"].as_str().unwrap().to_string()
    };
    for p in [&src, &by_mkvmerge, &by_ffmpeg] {
        assert_eq!(format(p), format(&src), "ffprobe: one format");
        let row = env.row(p);
        assert_eq!(row["status"], "ok", "{row}");
        assert_eq!(row["doc"]["container"], "mkv", "{}", p.display());
    }
    let audio = env.row(&by_ffmpeg);
    assert_eq!(audio["doc"]["video_streams"], 0, "{audio}");
    let row = env.row(&text);
    assert_eq!(row["status"], "error");
    assert_eq!(row["doc"]["container"], Value::Null, "{row}");
    assert_eq!(row["doc"]["mime_type"], "text/plain", "{row}");
    assert!(
        row["error"].as_str().unwrap().contains("not a media file"),
        "{row}"
    );
}

/// A Matroska track of a codec no GStreamer element knows (its codec ID
/// rewritten) is listed with its codec unknown and the picture size its
/// track header states, as ffprobe lists it. (Its frame rate and field
/// order, which ffprobe takes from the track's default duration and
/// interlacing flag, are not told: only the size is checked here.)
#[test]
fn an_unknown_matroska_codec_keeps_its_track_size() {
    let env = TestEnv::new();
    let made = env.lib.parent().unwrap().join("h264.mkv");
    crate::testenv::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=160x120:r=25",
        "-t",
        "1",
        "-c:v",
        "libx264",
        made.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&made).unwrap();
    let id = b"V_MPEG4/ISO/AVC";
    let at = bytes.windows(id.len()).position(|w| w == id).unwrap();
    let mut unknown = bytes.clone();
    unknown[at..at + id.len()].copy_from_slice(b"V_UNKNOWN/CODEC");
    std::fs::write(env.lib.join("unknown_codec.mkv"), &unknown).unwrap();
    env.scan(&[], 0);
    let names = ["unknown_codec.mkv".to_string()];
    let (wrong, compared) = env.ffprobe_disagreements(&names, &env.lib, &[]);
    assert!(compared > 3, "only {compared} facts compared");
    let sized = |w: &&String| {
        [".width", ".height", ".codec "]
            .iter()
            .any(|f| w.contains(f))
    };
    let wrong: Vec<&String> = wrong.iter().filter(sized).collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    let video = &env.row(&env.lib.join("unknown_codec.mkv"))["doc"]["streams"][0];
    assert_eq!(
        (&video["width"], &video["height"]),
        (&160.into(), &120.into()),
        "{video}"
    );
}

/// An MP4 and a Matroska file of twelve tracks (eleven AAC, one H.264):
/// stream ids end in the track number in decimal, so tracks 10 to 12 are
/// the ones GStreamer read, not tracks it skipped to be listed again from
/// their headers. Twelve streams each, every fact as ffprobe says.
#[test]
fn tracks_numbered_past_nine_are_listed_once() {
    let env = TestEnv::new();
    let mkv = env.lib.join("twelve.mkv");
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=160x120:r=25:d=1",
        "-f",
        "lavfi",
        "-i",
        "sine=d=1",
    ];
    for _ in 0..11 {
        args.extend(["-map", "1:a"]);
    }
    args.extend(["-map", "0:v", "-c:v", "libx264", "-c:a", "aac"]);
    args.push(mkv.to_str().unwrap());
    crate::testenv::ffmpeg(&args);
    let mp4 = env.lib.join("twelve.mp4");
    let (from, to) = (mkv.to_str().unwrap(), mp4.to_str().unwrap());
    crate::testenv::ffmpeg(&["-i", from, "-map", "0", "-c", "copy", to]);
    env.scan(&[], 0);
    let names = ["twelve.mkv".to_string(), "twelve.mp4".to_string()];
    for name in &names {
        let doc = &env.row(&env.lib.join(name))["doc"];
        let streams = doc["streams"].as_array().unwrap();
        assert_eq!(streams.len(), 12, "{name}: {doc}");
        assert!(
            streams.iter().all(|s| s["unread"].is_null()),
            "{name}: {doc}"
        );
    }
    let (wrong, compared) = env.ffprobe_disagreements(&names, &env.lib, &[]);
    assert!(compared > 50, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// One second of 160x120 test picture at 25 fps, encoded with `codec_args`,
/// written to `out`.
fn one_second_of(out: &std::path::Path, codec_args: &[&str]) {
    let mut args = vec!["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=1"];
    args.extend(codec_args);
    args.push(out.to_str().unwrap());
    crate::testenv::ffmpeg(&args);
}

/// JPEG 2000 in QuickTime, as ffmpeg writes it (each frame a JP2 file whose
/// header names its colour space) in four pixel formats: codec, pixel
/// format and depth as ffprobe gives them, the colour space deciding
/// between 4:4:4 YUV and RGB.
#[test]
fn jpeg2000_frames_tell_their_pixel_format() {
    let env = TestEnv::new();
    let mut names = Vec::new();
    for format in ["yuv420p", "yuv444p", "rgb24", "gray"] {
        let name = format!("{format}.mov");
        one_second_of(
            &env.lib.join(&name),
            &["-c:v", "jpeg2000", "-pix_fmt", format],
        );
        names.push(name);
    }
    env.scan(&[], 0);
    for (name, format) in names.iter().zip(["yuv420p", "yuv444p", "rgb24", "gray"]) {
        let video = &env.row(&env.lib.join(name))["doc"]["streams"][0];
        assert_eq!(video["codec"], "jpeg2000", "{name}: {video}");
        assert_eq!(video["pix_fmt"], format, "{name}: {video}");
        assert_eq!(video["bit_depth"], 8, "{name}: {video}");
    }
    let (wrong, compared) = env.ffprobe_disagreements(&names, &env.lib, &[]);
    assert!(compared > 30, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Pictures as ffmpeg's decoders give them: VP9 in WebM in every format
/// its key frame's header can state (the caps say none), RGB coded as
/// H.264, HEVC and VP9 (`gbrp`: a 4:4:4 picture whose matrix is the
/// identity), ProRes 4444, which FFmpeg decodes to 12 bits where the
/// other profiles get 10, and DNxHR in MXF (progressive, as its frame
/// header says).
#[test]
fn pictures_are_named_as_ffmpegs_decoders_give_them() {
    let env = TestEnv::new();
    let mut expected = Vec::new();
    for format in [
        "yuv420p",
        "yuv422p",
        "yuv440p",
        "yuv444p",
        "gbrp",
        "yuv420p10le",
        "yuv444p12le",
    ] {
        let name = format!("vp9-{format}.webm");
        one_second_of(
            &env.lib.join(&name),
            &["-c:v", "libvpx-vp9", "-pix_fmt", format],
        );
        expected.push((name, format));
    }
    let x265 = [
        "-c:v",
        "libx265",
        "-pix_fmt",
        "gbrp",
        "-x265-params",
        "log-level=error",
    ];
    let made: [(&str, &[&str], &str); 5] = [
        ("rgb.mkv", &["-c:v", "libx264rgb"], "gbrp"),
        (
            "dnxhr.mxf",
            &[
                "-s",
                "256x144",
                "-c:v",
                "dnxhd",
                "-profile:v",
                "dnxhr_hq",
                "-pix_fmt",
                "yuv422p",
            ],
            "yuv422p",
        ),
        ("rgb-hevc.mp4", &x265, "gbrp"),
        (
            "4444.mov",
            &[
                "-c:v",
                "prores_ks",
                "-profile:v",
                "4444",
                "-pix_fmt",
                "yuv444p10le",
            ],
            "yuv444p12le",
        ),
        (
            "hq.mov",
            &["-c:v", "prores_ks", "-profile:v", "3"],
            "yuv422p10le",
        ),
    ];
    for (name, args, format) in made {
        one_second_of(&env.lib.join(name), args);
        expected.push((name.to_string(), format));
    }
    env.scan(&[], 0);
    for (name, format) in &expected {
        let video = &env.row(&env.lib.join(name))["doc"]["streams"][0];
        assert_eq!(video["pix_fmt"], *format, "{name}: {video}");
    }
    let names: Vec<String> = expected.into_iter().map(|(n, _)| n).collect();
    let (wrong, compared) = env.ffprobe_disagreements(&names, &env.lib, &[]);
    assert!(compared > 80, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Codecs of older libraries named as ffprobe names them: RealVideo 1 and
/// 2 in RealMedia (`rv10`, `rv20` and their fourccs, where rmdemux says
/// `pn-realvideo`), QuickTime Animation (`qtrle`, not Microsoft's RLE),
/// 10-bit 4:2:2 `v210` (planar, as FFmpeg's decoder gives it), Cinepak
/// (RGB), and Ut Video and MagicYUV in AVI (which avidemux passes on
/// unnamed; their fourcc fixes the pixel format).
#[test]
fn older_codecs_are_named_as_ffprobe_names_them() {
    let env = TestEnv::new();
    let made: [(&str, &[&str], &str, Option<&str>); 7] = [
        (
            "rv10.rm",
            &["-s", "320x240", "-c:v", "rv10"],
            "rv10",
            Some("RV10"),
        ),
        (
            "rv20.rm",
            &["-s", "320x240", "-c:v", "rv20"],
            "rv20",
            Some("RV20"),
        ),
        ("anim.mov", &["-c:v", "qtrle"], "qtrle", None),
        ("v210.mov", &["-c:v", "v210"], "v210", None),
        ("cinepak.avi", &["-c:v", "cinepak"], "cinepak", None),
        ("utvideo.avi", &["-c:v", "utvideo"], "utvideo", Some("ULY0")),
        (
            "magicyuv.avi",
            &["-c:v", "magicyuv"],
            "magicyuv",
            Some("M8Y0"),
        ),
    ];
    for (name, args, ..) in made {
        one_second_of(&env.lib.join(name), args);
    }
    env.scan(&["--ext", "rm"], 0);
    for (name, _, codec, tag) in made {
        let video = &env.row(&env.lib.join(name))["doc"]["streams"][0];
        assert_eq!(video["codec"], codec, "{name}: {video}");
        if let Some(tag) = tag {
            assert_eq!(video["codec_tag"], tag, "{name}: {video}");
        }
    }
    let names: Vec<String> = made.iter().map(|m| m.0.to_string()).collect();
    let (wrong, compared) = env.ffprobe_disagreements(&names, &env.lib, &[]);
    assert!(compared > 50, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A video track delayed by an empty edit (ffmpeg's `-itsoffset`), whose
/// edit after it spans all its samples, a little less (as a phone's file
/// trims the decoding delay of B-frames from it) or much less: FFmpeg's
/// length is what the edits span, delay and all, unless the samples last
/// less (3.0 s, 3.0 s and 2.5 s; the edits alone said 3.0, 2.92 and 2.0).
#[test]
fn delayed_tracks_last_what_their_edits_span_unless_their_samples_are_shorter() {
    let env = TestEnv::new();
    let work = env.lib.parent().unwrap().join("source.mp4");
    crate::testenv::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=160x120:r=25:d=3",
        "-f",
        "lavfi",
        "-i",
        "sine=d=3",
        "-c:v",
        "libx264",
        "-bf",
        "3",
        "-c:a",
        "aac",
        work.to_str().unwrap(),
    ]);
    let delayed = env.lib.join("delayed.mp4");
    let source = work.to_str().unwrap();
    crate::testenv::ffmpeg(&[
        "-i",
        source,
        "-itsoffset",
        "0.5",
        "-i",
        source,
        "-map",
        "0:a",
        "-map",
        "1:v",
        "-c",
        "copy",
        delayed.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&delayed).unwrap();
    // The video's edit list: an empty edit of 500 ms, then 3,000 ms of media.
    let elst = (0..bytes.len() - 4)
        .find(|&i| &bytes[i..i + 4] == b"elst" && bytes[i + 8..i + 12] == [0, 0, 0, 2])
        .expect("a two-entry edit list");
    let second = elst + 8 + 4 + 12;
    assert_eq!(bytes[second..second + 4], 3000u32.to_be_bytes());
    for (name, ms) in [("trimmed.mp4", 2920u32), ("short.mp4", 2000)] {
        let mut b = bytes.clone();
        b[second..second + 4].copy_from_slice(&ms.to_be_bytes());
        std::fs::write(env.lib.join(name), b).unwrap();
    }
    env.scan(&[], 0);
    let names: Vec<String> = ["delayed.mp4", "short.mp4", "trimmed.mp4"]
        .map(String::from)
        .to_vec();
    for (name, length) in names.iter().zip([3.0, 2.5, 3.0]) {
        let video = &env.row(&env.lib.join(name))["doc"]["streams"][1];
        assert_eq!(video["kind"], "video", "{name}");
        let d = video["duration_s"].as_f64().unwrap_or(0.0);
        assert!((d - length).abs() < 0.01, "{name}: {d} s, not {length}");
    }
    let (wrong, compared) = env.ffprobe_disagreements(&names, &env.lib, &[]);
    assert!(compared > 40, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// ASF with MPEG-4 v3 and WMV2 video: the codec tag is the fourcc of the
/// stream's bitmap header, which asfdemux's caps leave out for MPEG-4 v3
/// (`MP43`), as ffprobe gives it.
#[test]
fn asf_video_keeps_its_fourcc() {
    let env = TestEnv::new();
    let mut names = Vec::new();
    for (name, codec) in [("mp43.asf", "msmpeg4"), ("wmv2.wmv", "wmv2")] {
        one_second_of(&env.lib.join(name), &["-c:v", codec]);
        names.push(name.to_string());
    }
    env.scan(&[], 0);
    let tag = |name: &str| env.row(&env.lib.join(name))["doc"]["streams"][0]["codec_tag"].clone();
    assert_eq!(tag("mp43.asf"), "MP43");
    assert_eq!(tag("wmv2.wmv"), "WMV2");
    let (wrong, compared) = env.ffprobe_disagreements(&names, &env.lib, &[]);
    assert!(compared > 15, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// An MP4 whose movie box is gone (overwritten as free space): no stream
/// can be read, and the row says so, but what the file's type box says
/// (its brands) stays in the document beside the error, as ffprobe keeps
/// what it could read.
#[test]
fn an_unreadable_mp4_keeps_its_brands_beside_the_error() {
    let env = TestEnv::new();
    let made = env.lib.parent().unwrap().join("aac.mp4");
    let mut args: Vec<&str> = "-f lavfi -i sine=duration=1 -c:a aac".split(' ').collect();
    args.push(made.to_str().unwrap());
    crate::testenv::ffmpeg(&args);
    let mut bytes = std::fs::read(&made).unwrap();
    let at = bytes.windows(4).position(|w| w == b"moov").unwrap();
    bytes[at..at + 4].copy_from_slice(b"free");
    let path = env.lib.join("no_movie.mp4");
    std::fs::write(&path, &bytes).unwrap();
    env.scan(&[], 3);
    let row = env.row(&path);
    assert_eq!(row["status"], "error", "{row}");
    assert!(
        row["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{row}"
    );
    let doc = &row["doc"];
    assert_eq!(doc["major_brand"], "isom", "{doc}");
    let brands = doc["compatible_brands"].as_array().expect("brands");
    assert!(brands.iter().any(|b| b == "mp41"), "{doc}");
    assert_eq!(doc["streams"].as_array().map(Vec::len), Some(0), "{doc}");
}

/// A Matroska file GStreamer refuses (its header asks for a reader of
/// version 3) is listed from its track headers, its Video for Windows
/// track too: FFV1 by its fourcc, with the pixel format its first key
/// frame states (ffmpeg's FFV1 has no configuration record), every fact as
/// ffprobe gives it.
#[test]
fn an_unreadable_matroska_file_lists_its_video_for_windows_track() {
    let env = TestEnv::new();
    let made = env.lib.parent().unwrap().join("vfw.mkv");
    let mut args: Vec<&str> =
        "-f lavfi -i testsrc2=s=120x90:r=25:d=0.4 -f lavfi -i sine=d=0.4 -c:v ffv1 -c:a flac"
            .split(' ')
            .collect();
    args.push(made.to_str().unwrap());
    crate::testenv::ffmpeg(&args);
    let mut bytes = std::fs::read(&made).unwrap();
    // DocTypeReadVersion 2 → 3.
    let at = bytes
        .windows(3)
        .position(|w| w == [0x42, 0x85, 0x81])
        .unwrap();
    bytes[at + 3] = 3;
    let name = "read_version_3.mkv";
    std::fs::write(env.lib.join(name), &bytes).unwrap();
    env.scan(&[], 0);
    let (wrong, compared) = env.ffprobe_disagreements(&[name.to_string()], &env.lib, &[]);
    assert!(compared > 8, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let video = &env.row(&env.lib.join(name))["doc"]["streams"][0];
    assert_eq!(video["codec"], "ffv1", "{video}");
    assert_eq!(video["pix_fmt"], "yuv420p", "{video}");
    assert!(video["unread"].as_str().is_some(), "{video}");
}
