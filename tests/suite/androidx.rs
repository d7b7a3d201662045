//! MP4 files from androidx/media's test data that GStreamer refuses or
//! misreads and ffprobe reads (tests/media/androidx): a sound track
//! without a sample description, which makes qtdemux refuse the whole
//! file, and a DASH initialization segment of a WebVTT track, in which
//! GStreamer finds no stream. Both are described from their headers. And
//! an edit-listed H.264 file whose rate is the one FFmpeg fits to its
//! index, and an HEVC initialization segment whose `fiel` box says it is
//! progressive. All are compared with ffprobe on the same files: every fact
//! ffprobe reports agrees but those it makes up.

use crate::testenv::TestEnv;

#[test]
fn mp4_files_gstreamer_refuses_are_described_from_their_headers() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("androidx");
    assert_eq!(
        names,
        [
            "hevc_fiel_init.mp4",
            "missing_stsd.mp4",
            "trim_optimization.mp4",
            "webvtt_init.mp4"
        ]
    );
    env.scan(&[], 0);
    let placeholders = [
        // A track without a sample description has no rate or channels:
        // ffprobe prints its unset fields as 0.
        ("missing_stsd.mp4", "audio[0].channels"),
        ("missing_stsd.mp4", "audio[0].sample_rate"),
        // ffprobe 5.1's MP4 demuxer has no codec for `wvtt` (its subtitle
        // table names `text`, `tx3g` and `c608` only), so it lists the
        // WebVTT track as data with no codec; it is a subtitle track.
        ("webvtt_init.mp4", "subtitle_streams"),
    ];
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &placeholders);
    assert!(compared > 30, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let row = env.row(&env.lib.join("missing_stsd.mp4"));
    assert_eq!(row["status"], "ok", "{row}");
    let doc = &row["doc"];
    let audio = &doc["streams"][1];
    assert_eq!(audio["codec"], "unknown", "{doc}");
    assert!(audio["codec_tag"].is_null(), "{doc}");
    assert!(doc["streams"].as_array().unwrap().iter().all(|s| {
        s["unread"] == "listed from the track header; GStreamer could not read the file"
    }));
    // The rate FFmpeg fits to the index's first samples.
    let doc = &env.row(&env.lib.join("trim_optimization.mp4"))["doc"];
    assert_eq!(doc["video"]["frame_rate"], 29.916666666666668, "{doc}");
    let row = env.row(&env.lib.join("webvtt_init.mp4"));
    assert_eq!(row["status"], "ok", "{row}");
    let text = &row["doc"]["streams"][0];
    assert_eq!(
        (&text["kind"], &text["codec"]),
        (&"subtitle".into(), &"webvtt".into())
    );
    // No sample to read a field from: the sample entry's `fiel` says it.
    let video = &env.row(&env.lib.join("hevc_fiel_init.mp4"))["doc"]["streams"][0];
    assert_eq!(video["field_order"], "progressive", "{video}");
}
