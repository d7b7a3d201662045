//! Real files from a packager (tests/media/mp4ff: fragmented, encrypted,
//! PIFF, VVC, IAMF, bare initialization segments, a subtitle-only track),
//! scanned and compared with ffprobe on the same files: every one `ok`, its
//! duration ffprobe's (fragments ending late in a stream count from 0, as
//! ffprobe counts them; captions ending long after the picture do not
//! count; none where ffprobe has none), its streams, codecs,
//! pixel formats and rates ffprobe's, and the encrypted ones saying so.

use std::path::Path;
use std::process::Command;

use crate::testenv::TestEnv;
use crate::testenv::truth::{self, compare::duration_tolerance};

fn ffprobe_duration(path: &Path) -> Option<f64> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "quiet",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    // "N/A" for an initialization segment that states none.
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[test]
fn packaged_mp4s_read_as_ffprobe_reads_them() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("mp4ff");
    assert_eq!(names.len(), 14);
    env.scan(&[], 0);
    let rows = env.query(
        "SELECT path, status, error, duration_s, json_extract(doc, '$.encryption') AS scheme, doc FROM media ORDER BY path",
    );
    assert_eq!(rows.len(), names.len());
    let mut wrong = Vec::new();
    for r in &rows {
        let path = Path::new(r["path"].as_str().unwrap());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if r["status"] != "ok" {
            wrong.push(format!("{name}: {} {}", r["status"], r["error"]));
            continue;
        }
        let theirs = ffprobe_duration(&dir.join(&name));
        let ours = r["duration_s"].as_f64();
        let close = match (ours, theirs) {
            (Some(o), Some(t)) => (o - t).abs() <= duration_tolerance(t),
            (o, t) => o.is_none() && t.is_none(),
        };
        if !close {
            wrong.push(format!("{name}: duration {ours:?} s, ffprobe {theirs:?} s"));
        }
        let expected = match name.as_str() {
            "cbcs_audio.mp4" | "cbcs.mp4" => Some("cbcs"),
            "piff_complseg-1.0001.mp4" | "prog_8s_enc_dashinit.mp4" => Some("cenc"),
            _ => None,
        };
        // The codec tags are ffprobe's: an encrypted track's original
        // format (`frma`), not `encv` or `enca`; and so are its pixel
        // format and depth, from the decoder configuration record, and an
        // IAMF track's rate, the media timescale where its entry says 0;
        // an initialization segment's tracks, holding no sample, last 0 s.
        let reference = truth::ffprobe_json(&dir.join(&name)).map(|v| truth::from_ffprobe(&v));
        let ours = truth::from_mediadex("ok", None, &r["doc"]);
        for fact in truth::compare(&name, reference.as_ref().ok(), &ours) {
            let checked = [
                "streams",
                "codec",
                "codec_tag",
                "pix_fmt",
                "bit_depth",
                "sample_rate",
                "stream_duration",
                "brands",
            ]
            .contains(&fact.class);
            if checked && !fact.agree {
                wrong.push(format!(
                    "{name}: {} {} (ffprobe {})",
                    fact.field, fact.candidate, fact.reference
                ));
            }
        }
        if r["scheme"].as_str() != expected {
            wrong.push(format!(
                "{name}: encryption {} (expected {expected:?})",
                r["scheme"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // An HEVC initialization segment has no samples to time: its rate is
    // what its parameter sets' VUI states, as FFmpeg's decoder reads it
    // from the record (ffprobe: 24/1).
    let init = env.row(&env.lib.join("hvc1_init.mp4"));
    assert_eq!(
        init["doc"]["streams"][0]["frame_rate_fraction"], "24/1",
        "{init}"
    );
}
