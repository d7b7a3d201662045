//! Real files written by other tools than ffmpeg and GStreamer
//! (tests/media/real: a phone's slow-motion recording, DTS-HD Master Audio
//! from mkvmerge, DTS Express in MP4, full range H.264 stated only by its
//! `colr` box, a video track GStreamer skips as a preview, tracks delayed
//! by an empty edit, ALAC and DTS Express in Matroska that GStreamer does
//! not parse, QuickTime chapters (HandBrake's), two Matroska chapter
//! editions (mkvmerge's), Matroska and FLV frame rates from
//! millisecond stamps, MPEG-4 ALS, encrypted AV1), scanned and compared with ffprobe on the same files: every
//! fact ffprobe reports agrees, class by class.

use std::path::Path;

use crate::testenv::TestEnv;
use crate::testenv::truth;

#[test]
fn real_files_from_other_tools_agree_with_ffprobe_fact_by_fact() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("real");
    assert_eq!(names.len(), 18);
    env.scan(&["--ext", "mka,flv,mxf"], 0);
    let rows = env.query("SELECT path, status, error, doc FROM media ORDER BY path");
    assert_eq!(rows.len(), names.len());
    let mut wrong = Vec::new();
    let mut compared = 0;
    for r in &rows {
        let path = Path::new(r["path"].as_str().unwrap());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let reference = truth::ffprobe_json(&dir.join(&name))
            .map(|v| truth::from_ffprobe(&v))
            .unwrap_or_else(|e| panic!("ffprobe {name}: {e}"));
        let ours = truth::from_mediadex(
            r["status"].as_str().unwrap(),
            r["error"].as_str(),
            &r["doc"],
        );
        for fact in truth::compare(&name, Some(&reference), &ours) {
            compared += 1;
            if !fact.agree {
                wrong.push(format!(
                    "{name}: {} {} (ffprobe {})",
                    fact.field, fact.candidate, fact.reference
                ));
            }
        }
    }
    assert!(compared > 60, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// MPEG-H's channels are those of the reference layout its `mhaC` record
/// states (ffmpeg 5.1 cannot decode it and says 0; MediaInfo says 1 and 12).
#[test]
fn mpeg_h_channels_are_its_reference_layout() {
    let env = TestEnv::new();
    let (names, _) = env.copy_media("mpegh");
    assert_eq!(names, ["mha1_7.1.4.mp4", "mhm1_cicp1.mp4"]);
    env.scan(&[], 0);
    for (name, channels) in [("mha1_7.1.4.mp4", 12), ("mhm1_cicp1.mp4", 1)] {
        let doc = &env.row(&env.lib.join(name))["doc"];
        assert_eq!(doc["streams"][0]["codec"], "mpegh_3d_audio", "{doc}");
        assert_eq!(doc["streams"][0]["channels"], channels, "{name}: {doc}");
        assert_eq!(doc["streams"][0]["sample_rate"], 48000, "{name}: {doc}");
    }
}
