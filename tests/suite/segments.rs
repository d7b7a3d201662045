//! Streaming segments (tests/media/shaka, from a player's test assets) and
//! segments made here, scanned and compared with ffprobe: fragments whose
//! headers say a day, an AV1 initialization segment, Opus that GStreamer
//! exposes no pad for in MPEG-TS, HLS packed audio named `.ts`, a
//! transport stream whose VUI states another rate than its timestamps, and
//! fragmented MP4 cut or not, judged by where its samples lie.

use crate::testenv::{TestEnv, ffmpeg};

/// Every fact ffprobe reports agrees, but an initialization segment's rate
/// (ffprobe's placeholder: the time base, 15,360 fps, for a track with no
/// frame). The cut fragment is cut (ffprobe reads its headers only).
#[test]
fn player_segments_read_as_ffprobe_reads_them() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("shaka");
    assert_eq!(
        names,
        [
            "av1_init.mp4",
            "cut_fragment.mp4",
            "day_long_headers.mp4",
            "opus_h264.ts",
            "packed_aac.ts"
        ]
    );
    env.scan(&[], 3);
    let placeholders = [
        ("av1_init.mp4", "video[0].frame_rate"),
        ("cut_fragment.mp4", "status"),
        ("cut_fragment.mp4", "truncated"),
    ];
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &placeholders);
    assert!(compared > 40, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let doc = |name: &str| env.row(&env.lib.join(name))["doc"].clone();
    let day = doc("day_long_headers.mp4");
    let seconds = day["duration_s"].as_f64().unwrap();
    assert!((seconds - 49.958).abs() < 0.01, "{day}");
    let av1 = &doc("av1_init.mp4")["streams"][0];
    assert_eq!(
        (&av1["codec"], &av1["field_order"]),
        (&"av1".into(), &"progressive".into()),
        "{av1}"
    );
    let opus = &doc("opus_h264.ts")["streams"][1];
    assert_eq!(
        (&opus["codec"], &opus["channels"], &opus["sample_rate"]),
        (&"opus".into(), &2.into(), &48000.into()),
        "{opus}"
    );
    let packed = doc("packed_aac.ts")["duration_s"].as_f64().unwrap();
    assert!((packed - 9.647).abs() < 0.01, "{packed}");
    let cut = env.row(&env.lib.join("cut_fragment.mp4"));
    assert_eq!(cut["status"], "error", "{cut}");
    let error = cut["error"].as_str().unwrap();
    assert!(error.contains("ends at 99% of its declared"), "{error}");
}

/// H.264 whose VUI says 67 fps muxed at 60 fps into MPEG-TS: FFmpeg
/// estimates the rate from the timestamps (60), h264parse passes on the
/// VUI's.
#[test]
fn a_transport_streams_rate_is_what_its_timestamps_say() {
    let env = TestEnv::new();
    let ts = env.lib.join("vui67.ts");
    let args = "-f lavfi -i testsrc2=size=160x120:rate=60 -t 6 -c:v libx264 -preset ultrafast \
                -bsf:v h264_metadata=tick_rate=134/1 -f mpegts";
    let mut args: Vec<&str> = args.split_whitespace().collect();
    args.push(ts.to_str().unwrap());
    ffmpeg(&args);
    env.scan(&[], 0);
    let names = ["vui67.ts".to_string()];
    let (wrong, compared) = env.ffprobe_disagreements(&names, &env.lib, &[]);
    assert!(compared > 5, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let video = &env.row(&ts)["doc"]["streams"][0];
    assert_eq!(video["frame_rate_fraction"], "60/1", "{video}");
}

/// Top-level boxes of an MP4: type, start, end.
fn top_boxes(b: &[u8]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= b.len() {
        let size = u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        let kind = String::from_utf8_lossy(&b[at + 4..at + 8]).into_owned();
        out.push((kind, at, at + size));
        at += size.max(8);
    }
    out
}

/// A fragmented MP4 whose last `mdat` says it holds 100 bytes more than
/// the file does, but whose fragments place every sample inside, is whole;
/// one cut within a fragment's data ends at the share of where that
/// fragment's samples end, also when its first samples are in its `moov`.
#[test]
fn a_fragment_is_cut_only_when_its_samples_are() {
    let env = TestEnv::new();
    let whole = env.lib.join("whole.mp4");
    let args = "-f lavfi -i testsrc2=size=160x120:rate=25 -t 4 -c:v libx264 -g 25 \
                -movflags frag_keyframe+empty_moov+default_base_moof";
    let mut args: Vec<&str> = args.split_whitespace().collect();
    args.push(whole.to_str().unwrap());
    ffmpeg(&args);
    // Without the fragment index ffmpeg ends the file with, the last
    // `mdat` ends the file.
    let mut bytes = std::fs::read(&whole).unwrap();
    let boxes = top_boxes(&bytes);
    let (_, last_mdat, end) = boxes.iter().rev().find(|b| b.0 == "mdat").unwrap();
    bytes.truncate(*end);
    std::fs::write(&whole, &bytes).unwrap();
    let mut long = bytes.clone();
    let size = u32::from_be_bytes(long[*last_mdat..last_mdat + 4].try_into().unwrap());
    long[*last_mdat..last_mdat + 4].copy_from_slice(&(size + 100).to_be_bytes());
    std::fs::write(env.lib.join("long_mdat.mp4"), &long).unwrap();
    // Cut half way into the second fragment's data.
    let (_, start, end) = boxes.iter().filter(|b| b.0 == "mdat").nth(1).unwrap();
    let cut_at = (start + end) / 2;
    std::fs::write(env.lib.join("cut.mp4"), &bytes[..cut_at]).unwrap();
    // The first fragment's samples in the `moov`, the rest in fragments:
    // cut half way into the last fragment's data.
    let mixed = env.lib.parent().unwrap().join("mixed.mp4");
    let args = "-f lavfi -i testsrc2=size=160x120:rate=25 -t 4 -c:v libx264 -g 25 \
                -movflags frag_keyframe";
    let mut args: Vec<&str> = args.split_whitespace().collect();
    args.push(mixed.to_str().unwrap());
    ffmpeg(&args);
    let mixed = std::fs::read(&mixed).unwrap();
    let mixed_boxes = top_boxes(&mixed);
    let (_, m_start, m_end) = mixed_boxes.iter().rev().find(|b| b.0 == "mdat").unwrap();
    let m_cut = (m_start + m_end) / 2;
    std::fs::write(env.lib.join("cut_after_moov.mp4"), &mixed[..m_cut]).unwrap();
    env.scan(&[], 3);
    for name in ["whole.mp4", "long_mdat.mp4"] {
        let row = env.row(&env.lib.join(name));
        assert_eq!(row["status"], "ok", "{name}: {row}");
    }
    for (name, cut_at, end) in [
        ("cut.mp4", cut_at, *end),
        ("cut_after_moov.mp4", m_cut, *m_end),
    ] {
        let cut = env.row(&env.lib.join(name));
        assert_eq!(cut["status"], "error", "{cut}");
        let share = (cut_at as f64 * 100.0 / end as f64).round();
        let said = format!("truncated: the file ends at {share}% of its declared length");
        let error = cut["error"].as_str().unwrap();
        assert!(
            error.starts_with(&said),
            "{name}: {error} (expected {said})"
        );
    }
}
