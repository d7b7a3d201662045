//! Real files written by other tools than ffmpeg and GStreamer
//! (tests/media/real: a phone's slow-motion recording, DTS-HD Master Audio
//! from mkvmerge, DTS Express in MP4, full range H.264 stated only by its
//! `colr` box, a video track GStreamer skips as a preview, tracks delayed
//! by an empty edit, ALAC and DTS Express in Matroska that GStreamer does
//! not parse, QuickTime chapters), scanned and compared with ffprobe on the same files: every
//! fact ffprobe reports agrees, class by class.

use std::path::Path;

use crate::testenv::TestEnv;
use crate::testenv::truth;

#[test]
fn real_files_from_other_tools_agree_with_ffprobe_fact_by_fact() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("real");
    assert_eq!(names.len(), 10);
    env.scan(&["--ext", "mka"], 0);
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
