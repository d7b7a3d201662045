//! Real transport streams (tests/media/ts: DVB multiplexes of several
//! programs, SCTE-35 cues, DTS outside Blu-ray and on it, private data
//! nothing names, event tables alone, ARIB captions, LATM, no program map
//! at all, audio muxed far behind its video, subtitles on another clock,
//! an audio description's supplementary language, HEVC GStreamer gives no
//! stream for), scanned and compared
//! with ffprobe on the same files: every one `ok`, and its duration,
//! streams, codecs, channels, rates, bit depths and languages ffprobe's. ffprobe's placeholders for a stream it read no
//! frame of (0 channels, 0 Hz) are not facts, nor are its guesses for a
//! file without a program map (its own test says what is).

use std::path::Path;

use serde_json::json;

use crate::testenv::TestEnv;
use crate::testenv::truth;

/// The fact classes these files check.
const CHECKED: [&str; 8] = [
    "duration",
    "status",
    "streams",
    "codec",
    "channels",
    "sample_rate",
    "bit_depth",
    "language",
];

#[test]
fn transport_streams_read_as_ffprobe_reads_them() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("ts");
    // Every file is judged below, failed or not: the status is a fact.
    assert_eq!(names.len(), 17);
    env.run(&["scan", env.lib.to_str().unwrap()]);
    let rows = env.query("SELECT path, status, error, doc FROM media ORDER BY path");
    assert_eq!(rows.len(), 17);
    let mut wrong = Vec::new();
    for r in &rows {
        let path = Path::new(r["path"].as_str().unwrap());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // ffprobe's guesses for a stream without a program map are not
        // facts: that file has a test of its own, below.
        if name == NO_PAT {
            continue;
        }
        let reference = truth::ffprobe_json(&dir.join(&name)).map(|v| truth::from_ffprobe(&v));
        let ours = truth::from_mediadex(
            r["status"].as_str().unwrap_or_default(),
            r["error"].as_str(),
            &r["doc"],
        );
        for fact in truth::compare(&name, reference.as_ref().ok(), &ours) {
            let placeholder = matches!(fact.class, "channels" | "sample_rate")
                && fact.reference == "0"
                && fact.candidate == "(absent)";
            if CHECKED.contains(&fact.class) && !fact.agree && !placeholder {
                wrong.push(format!(
                    "{name}: {} {} (ffprobe {})",
                    fact.field, fact.candidate, fact.reference
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // HEVC no GStreamer stream stands for: its sequence parameter set's
    // picture and rate, as ffprobe gives them.
    let hevc = &env.row(&env.lib.join("hevc_uhd_one_frame.ts"))["doc"]["streams"][0];
    assert_eq!(
        (&hevc["codec"], &hevc["width"], &hevc["height"]),
        (&json!("hevc"), &json!(3840), &json!(2160)),
        "{hevc}"
    );
    assert_eq!(hevc["pix_fmt"], "yuv420p10le", "{hevc}");
    assert_eq!(hevc["frame_rate_fraction"], "60000/1001", "{hevc}");
}

/// The transport stream without a PAT or PMT.
const NO_PAT: &str = "no_pat.ts";

/// A transport stream with no program map: its streams are the PIDs whose
/// packets start PES packets, in the order ffprobe makes them. The two
/// AC-3 streams are what ffprobe says (codec, channels, rate); the three
/// PIDs of MPEG-2 video (picture start codes and coding extensions, no
/// sequence header in the file) are MPEG-2 video of no known size, where
/// ffprobe guesses MP3 at 0 Hz (or nothing) from a byte pair in their data.
/// Their clocks lie a day apart: the duration is the longest span of one
/// stream's own timestamps, not ffprobe's 85499 s across two clocks.
#[test]
fn a_transport_stream_without_a_program_map_lists_its_pes_streams() {
    let env = TestEnv::new();
    let (_, dir) = env.copy_media("ts");
    env.run(&["scan", env.lib.to_str().unwrap()]);
    let row = env.row(&env.lib.join(NO_PAT));
    assert_eq!(row["status"], "ok", "{row}");
    let doc = &row["doc"];
    let streams = doc["streams"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = streams
        .iter()
        .map(|s| {
            (
                s["stream_id"].as_str().unwrap(),
                s["codec"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("0x54", "ac3"),
            ("0x44", "ac3"),
            ("0x61", "mpeg2video"),
            ("0x31", "mpeg2video"),
            ("0x51", "mpeg2video"),
        ]
    );
    let probe = truth::ffprobe_json(&dir.join(NO_PAT)).unwrap();
    for theirs in probe["streams"].as_array().unwrap() {
        if theirs["codec_name"] != "ac3" {
            continue;
        }
        let ours = streams
            .iter()
            .find(|s| s["stream_id"] == theirs["id"])
            .unwrap_or_else(|| panic!("no stream {}: {doc}", theirs["id"]));
        assert_eq!(ours["channels"], theirs["channels"], "{ours}");
        assert_eq!(
            ours["sample_rate"].to_string(),
            theirs["sample_rate"].as_str().unwrap(),
            "{ours}"
        );
    }
    for video in &streams[2..] {
        assert_eq!(video["kind"], "video");
        assert!(video.get("width").is_none() && video.get("frame_rate").is_none());
    }
    let duration = doc["duration_s"].as_f64().unwrap();
    assert!((duration - 0.1335).abs() < 0.001, "{duration}");
}
