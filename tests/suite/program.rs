//! Real MPEG program streams (tests/media/ps), scanned and compared with
//! ffprobe on the same files: every fact ffprobe reports agrees. Their
//! duration is ffprobe's estimate from the timestamps: each stream ends
//! one frame of its own after its last timestamp, the video's a picture,
//! the audio's a frame of its codec; a file short enough to be read whole
//! needs no check against GStreamer's estimate from the mux rate.

use crate::testenv::TestEnv;

#[test]
fn program_streams_last_to_each_streams_last_frame() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("ps");
    assert_eq!(names, ["sample_ac3.ps", "sample_h262_mpeg_audio.ps"]);
    env.scan(&["--ext", "ps"], 0);
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &[]);
    assert!(compared > 15, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Closer than the comparison's tolerance: one AC-3 frame at 44.1 kHz,
    // and the MPEG-2 video's last picture (1.08 s + 0.04 s) from the
    // audio's first timestamp (0.989 s).
    let rows = env.query("SELECT duration_s FROM media ORDER BY path");
    let d = |i: usize| rows[i]["duration_s"].as_f64().unwrap();
    assert!((d(0) - 1536.0 / 44100.0).abs() < 0.001, "{}", d(0));
    assert!((d(1) - 0.130_911).abs() < 0.001, "{}", d(1));
}
