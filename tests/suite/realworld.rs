//! Real files written by other tools than ffmpeg and GStreamer
//! (tests/media/real: a phone's slow-motion recording, DTS-HD Master Audio
//! from mkvmerge, DTS Express in MP4, full range H.264 stated only by its
//! `colr` box, a video track GStreamer skips as a preview, tracks delayed
//! by an empty edit, ALAC and DTS Express in Matroska that GStreamer does
//! not parse, QuickTime chapters (HandBrake's), two Matroska chapter
//! editions (mkvmerge's), Matroska and FLV frame rates from
//! millisecond stamps, MPEG-4 ALS, encrypted AV1, a raw DV file cut within
//! its first frame and raw DTS-HD, which GStreamer cannot read, a rotated
//! phone recording whose video track GStreamer skips, Avid's legacy MXF,
//! MP3 in WAVE that GStreamer exposes no pad for, a Nero chapter of AAC
//! that its gapless information starts late, MP4 tracks qtdemux refuses:
//! one without a handler, one of compact sample sizes, a WebM WebVTT
//! metadata track),
//! scanned and compared with ffprobe on the same files: every fact ffprobe
//! reports agrees, class by class.

use std::path::Path;

use crate::testenv::TestEnv;

#[test]
fn real_files_from_other_tools_agree_with_ffprobe_fact_by_fact() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("real");
    assert_eq!(names.len(), 27);
    env.scan(&["--ext", "mka,flv,dv,dtshd,mxf,wav,m4a"], 0);
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &[]);
    assert!(compared > 60, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// QuickTime files cut to their headers (tests/media/quicktime): the PCM
/// track GStreamer gives no pad is listed from its sample entry (`raw `,
/// 8 bits: pcm_u8), and a brand of four zero bytes is padding, not a
/// brand, and the M4A's two cover entries (holding the text "<Dummy cover
/// art>", which GStreamer does not pass on) are its attached pictures.
/// An enhanced podcast's chapter tracks: two text tracks (data, the
/// later one's title), and a JPEG track that is an attached picture.
/// Every fact ffprobe reports agrees but the MOV's 90,000 fps, its time
/// base, not a rate.
#[test]
fn quicktime_headers_tell_what_gstreamer_does_not() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("quicktime");
    assert_eq!(
        names,
        [
            "enhanced_podcast.m4a",
            "raw_pcm_no_data.mov",
            "zero_brand.m4a"
        ]
    );
    env.scan(&["--ext", "m4a"], 0);
    let placeholders = [("raw_pcm_no_data.mov", "video[0].frame_rate")];
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &placeholders);
    assert!(compared > 30, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let doc = &env.row(&env.lib.join("raw_pcm_no_data.mov"))["doc"];
    let audio = &doc["streams"][1];
    assert_eq!(audio["codec"], "pcm_u8", "{doc}");
    assert_eq!(audio["bit_depth"], 8, "{doc}");
    assert!(audio["unread"].as_str().is_some(), "{doc}");
    let doc = &env.row(&env.lib.join("enhanced_podcast.m4a"))["doc"];
    assert_eq!(doc["video_streams"], 0, "{doc}");
    assert_eq!(doc["subtitle_streams"], 0, "{doc}");
    let picture = &doc["attachments"][0];
    assert_eq!(
        (&picture["mime_type"], &picture["size"]),
        (&"image/jpeg".into(), &50976.into()),
        "{doc}"
    );
    assert_eq!(
        doc["chapters"][0]["title"], "\n\t\t\t\texample.com",
        "{doc}"
    );
}

/// MPEG-H's channels are those of the reference layout its `mhaC` record
/// (MP4), else its MHAS configuration packet (the first sample's, or
/// MPEG-TS's) states (ffmpeg 5.1 cannot decode it and says 0; MediaInfo
/// says 12, 1, 1 and 1).
#[test]
fn mpeg_h_channels_are_its_reference_layout() {
    let env = TestEnv::new();
    let (names, _) = env.copy_media("mpegh");
    assert_eq!(
        names,
        [
            "lcbl_cicp1.ts",
            "mha1_7.1.4.mp4",
            "mhm1_cicp1.mp4",
            "mhm1_in_band.mp4"
        ]
    );
    env.scan(&[], 0);
    for (name, channels) in [
        ("mha1_7.1.4.mp4", 12),
        ("mhm1_cicp1.mp4", 1),
        ("mhm1_in_band.mp4", 1),
        ("lcbl_cicp1.ts", 1),
    ] {
        let row = env.row(&env.lib.join(name));
        let doc = &row["doc"];
        assert_eq!(row["status"], "ok", "{name}: {row}");
        assert_eq!(doc["streams"][0]["codec"], "mpegh_3d_audio", "{doc}");
        assert_eq!(doc["streams"][0]["channels"], channels, "{name}: {doc}");
        assert_eq!(doc["streams"][0]["sample_rate"], 48000, "{name}: {doc}");
    }
}

/// Raw ADTS (tests/media/adts) lasts what FFmpeg estimates from its size
/// and bit rate, whatever its first frame, and its leading ID3 tag's
/// picture (ten bytes counting 0 to 9, not an image, which GStreamer does
/// not pass on) is attached: every fact ffprobe reports agrees.
#[test]
fn raw_adts_lasts_what_its_bit_rate_says() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("adts");
    assert_eq!(names.len(), 4);
    env.scan(&["--ext", "adts,aac"], 0);
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &[]);
    assert!(compared > 30, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// HE-AAC v2 whose SBR and parametric stereo only its frames state
/// (tests/media/adts/he_v2.aac: the header says 22.05 kHz mono), as raw
/// ADTS and copied unchanged into MPEG-TS and M4A (whose configuration
/// ffmpeg copies from the header): 44.1 kHz stereo HE-AACv2, as FFmpeg's
/// decoder makes of the first frame, and every other fact as ffprobe says.
#[test]
fn he_aac_stated_only_in_its_frames_has_its_decoded_rate_and_channels() {
    let env = TestEnv::new();
    let (all, _) = env.copy_media("adts");
    for other in all.iter().filter(|n| *n != "he_v2.aac") {
        std::fs::remove_file(env.lib.join(other)).unwrap();
    }
    let mut names = vec!["he_v2.aac".to_string()];
    for name in ["he_v2.ts", "he_v2.m4a"] {
        let out = env.lib.join(name);
        let input = env.lib.join("he_v2.aac");
        crate::testenv::ffmpeg(&[
            "-i",
            input.to_str().unwrap(),
            "-c",
            "copy",
            out.to_str().unwrap(),
        ]);
        names.push(name.to_string());
    }
    env.scan(&["--ext", "aac,m4a"], 0);
    for name in &names {
        let doc = &env.row(&env.lib.join(name))["doc"];
        let audio = &doc["streams"][0];
        assert_eq!(audio["sample_rate"], 44100, "{name}: {doc}");
        assert_eq!(audio["channels"], 2, "{name}: {doc}");
        assert_eq!(audio["profile"], "HE-AACv2", "{name}: {doc}");
    }
    let lib = env.lib.clone();
    let (wrong, compared) = env.ffprobe_disagreements(&names, &lib, &[]);
    assert!(compared > 20, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Raw AC-3 and E-AC-3 (tests/media/every-scan), MP3 without a Xing
/// header (made here, one behind a 200 KB cover) and raw DTS (at three
/// bit rates) last what their bit rate says, from their first frame on; a Matroska file what
/// its segment declares, and WavPack what its first block states. Bare
/// video elementary streams (H.264, HEVC, MPEG-2, made here), WavPack
/// written to a pipe and WebM written live have no duration, as ffprobe
/// states none: the same on every scan, where the parsers' answers to a
/// duration query differed from scan to scan.
#[test]
fn durations_agree_with_ffprobe_on_every_scan() {
    let env = TestEnv::new();
    let (mut names, _) = env.copy_media("every-scan");
    assert_eq!(
        names,
        ["ass_subtitles.mkv", "id3_tagged.ac3", "sample.eac3"]
    );
    // The elementary streams are made in the library, beside the copies
    // ffprobe reads.
    let lib = env.lib.clone();
    for (name, codec, format) in [
        ("bare.h264", "libx264", "h264"),
        ("bare.hevc", "libx265", "hevc"),
        ("bare.m2v", "mpeg2video", "mpeg2video"),
    ] {
        crate::testenv::ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25:duration=3",
            "-c:v",
            codec,
            "-f",
            format,
            lib.join(name).to_str().unwrap(),
        ]);
        names.push(name.to_string());
    }
    // MP3: MPEG-2 after an ID3 tag and no Xing header (its size at its bit
    // rate), and one whose first kilobyte is junk (from the first frame on).
    let tagged = lib.join("tagged.mp3");
    let junk = lib.join("junk.mp3");
    for (out, extra) in [
        (&tagged, &["-ar", "22050", "-metadata", "title=t"][..]),
        (&junk, &["-id3v2_version", "0"][..]),
    ] {
        let mut args = vec!["-f", "lavfi", "-i", "sine=frequency=440:duration=5.1"];
        args.extend(extra);
        args.extend([
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "32k",
            "-write_xing",
            "0",
        ]);
        args.push(out.to_str().unwrap());
        crate::testenv::ffmpeg(&args);
    }
    let frames = std::fs::read(&junk).unwrap();
    std::fs::write(&junk, [vec![0xAB; 1000], frames].concat()).unwrap();
    // And one whose ID3 tag holds a picture of some 200 KB.
    let picture = env.path().join("cover.png");
    let cover = lib.join("cover.mp3");
    crate::testenv::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1600x1200",
        "-frames:v",
        "1",
        picture.to_str().unwrap(),
    ]);
    crate::testenv::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=3.3",
        "-i",
        picture.to_str().unwrap(),
        "-map",
        "0",
        "-map",
        "1",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "64k",
        "-write_xing",
        "0",
        "-c:v",
        "copy",
        "-disposition:v",
        "attached_pic",
        cover.to_str().unwrap(),
    ]);
    // Variable bit rate without a Xing header, after an ID3 tag and zeros
    // past its end (as taggers pad): the mean rate of the frames FFmpeg's
    // analysis parses, not the first frame's.
    let vbr = lib.join("vbr.mp3");
    crate::testenv::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=d=12:a=0.5:c=pink",
        "-af",
        "volume='0.1+0.9*t/12':eval=frame",
        "-c:a",
        "libmp3lame",
        "-q:a",
        "2",
        "-write_xing",
        "0",
        "-id3v2_version",
        "0",
        vbr.to_str().unwrap(),
    ]);
    let frames = std::fs::read(&vbr).unwrap();
    // An ID3v2.3 tag of 20 bytes (one TIT2 frame), then 400 zeros.
    let mut tag = b"ID3\x03\x00\x00\x00\x00\x00\x14TIT2\x00\x00\x00\x02\x00\x00t".to_vec();
    tag.resize(30, 0);
    std::fs::write(&vbr, [tag, vec![0; 400], frames].concat()).unwrap();
    names.extend(["tagged.mp3", "junk.mp3", "cover.mp3", "vbr.mp3"].map(String::from));
    // Raw DTS (ffmpeg's encoder): its size at its frames' nominal bit rate,
    // ffmpeg's default 1,411.2 kbit/s and two others (the frame header's
    // rate code, read at its own bits).
    for (name, rate) in [
        ("raw.dts", None),
        ("raw-768k.dts", Some("768k")),
        ("raw-384k.dts", Some("384k")),
    ] {
        let out = lib.join(name);
        let mut args = vec![
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=3",
            "-ac",
            "2",
            "-ar",
            "48000",
            "-c:a",
            "dca",
            "-strict",
            "-2",
        ];
        args.extend(rate.map(|r| ["-b:a", r]).into_iter().flatten());
        args.extend(["-f", "dts", out.to_str().unwrap()]);
        crate::testenv::ffmpeg(&args);
        names.push(name.into());
    }
    // WavPack that states its length, and WavPack written to a pipe,
    // whose first block could not be given it: none, as ffprobe says
    // (wavpackparse answered 2 s in some scans).
    let wavpack = ["-f", "lavfi", "-i", "sine=duration=2", "-c:a", "wavpack"];
    let seekable = lib.join("seekable.wv");
    crate::testenv::ffmpeg(&[&wavpack[..], &[seekable.to_str().unwrap()]].concat());
    let piped = [&wavpack[..], &["-f", "wv", "-"]].concat();
    crate::testenv::ffmpeg_piped(&piped, &lib.join("piped.wv"));
    names.extend(["seekable.wv", "piped.wv"].map(String::from));
    // WebM written live, which declares no duration: none, as ffprobe says
    // (matroskademux guessed from a cluster near the end: 3.98 s of 5).
    crate::testenv::ffmpeg_piped(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x120:r=15:d=5",
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-live",
            "1",
            "-f",
            "webm",
            "-",
        ],
        &lib.join("live.webm"),
    );
    names.push("live.webm".into());
    names.sort();
    let mut durations = Vec::new();
    for scan in 0..4 {
        env.scan(
            &[
                "--force",
                "--ext",
                "ac3,eac3,h264,hevc,m2v,mkv,mp3,dts,wv,webm",
            ],
            0,
        );
        let (wrong, compared) = env.ffprobe_disagreements(&names, &lib, &[]);
        assert!(compared > 20, "only {compared} facts compared");
        assert!(wrong.is_empty(), "scan {scan}: {wrong:#?}");
        durations.push(env.query("SELECT path, duration_s FROM media ORDER BY path"));
    }
    assert!(durations.windows(2).all(|w| w[0] == w[1]), "{durations:#?}");
    let duration = |name: &str| {
        let row = durations[0]
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(name));
        row.map(|r| r["duration_s"].clone())
    };
    assert_eq!(duration("ass_subtitles.mkv"), Some(1.139.into()));
    assert_eq!(duration("sample.eac3"), Some(0.288.into()));
    assert_eq!(duration("seekable.wv"), Some(2.0.into()));
    assert_eq!(duration("piped.wv"), Some(serde_json::Value::Null));
    assert_eq!(duration("live.webm"), Some(serde_json::Value::Null));
}

/// The verdict is a function of the bytes, not of a scan's timing
/// (tests/media/verdicts): a short MP4 whose chunk table places fewer
/// samples than it counts, which qtdemux runs through and calls corrupt
/// at its end, is `ok` in every copy of every scan, as ffprobe reads it,
/// however busy the machine; and raw LOAS AAC has no duration in any
/// scan (ffprobe states none; aacparse guessed one in some).
#[test]
fn the_verdict_is_the_same_in_every_scan_under_load() {
    let env = TestEnv::new();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/media/verdicts/unplaced_samples.mp4");
    for k in 0..32 {
        std::fs::copy(&source, env.lib.join(format!("copy{k:02}.mp4"))).unwrap();
    }
    let mut args: Vec<&str> = "-f lavfi -i sine=duration=8 -c:a aac -b:a 88k -f latm"
        .split(' ')
        .collect();
    let loas = env.lib.join("raw.loas");
    args.push(loas.to_str().unwrap());
    crate::testenv::ffmpeg(&args);
    for scan in 0..3 {
        env.scan(&["--force", "-j", "8", "--ext", "loas"], 0);
        let rows = env.query("SELECT path, status, error, duration_s FROM media");
        assert_eq!(rows.len(), 33);
        for r in &rows {
            assert_eq!(r["status"], "ok", "scan {scan}: {r}");
        }
        let raw = rows
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(".loas"));
        assert_eq!(
            raw.unwrap()["duration_s"],
            serde_json::Value::Null,
            "scan {scan}"
        );
    }
}

/// Cut files whose head a demuxer refuses (tests/media/damaged) are
/// `truncated`, and what their headers tell is kept. A Matroska film's
/// head with a chapter whose UID is damaged and a last chapter string
/// that runs past its element: its chapters are read from the headers as
/// FFmpeg reads them (the chapter without a UID left out, the last
/// without its title, each ending where the next starts and the last
/// where the film does). A WMA file whose header asfdemux refuses: its
/// stream is listed from the header. Every other fact ffprobe reports
/// agrees.
#[test]
fn what_a_refused_head_tells_is_read_as_ffprobe_reads_it() {
    let env = TestEnv::new();
    let (names, dir) = env.copy_media("damaged");
    let (mkv, wma) = ("truncated_chapter_string.mkv", "asf_header_refused.wma");
    assert_eq!(names, [wma, mkv]);
    // Failed (cut) files make the scan's exit status 3.
    env.scan(&["--ext", "wma"], 3);
    // Left out: the cut (ffprobe states no truncation), and the second
    // copy of each track ffprobe lists of the Matroska file (it reads the
    // Tracks element twice, the second time through the seek head).
    let second_copies: Vec<String> = ["video[1]", "audio[1]", "subtitle[1]"]
        .iter()
        .flat_map(|kind| {
            let facts = ["codec", "width", "height", "frame_rate", "channels"];
            let more = ["sample_rate", "language", "default", "forced"];
            facts
                .into_iter()
                .chain(more)
                .map(move |f| format!("{kind}.{f}"))
        })
        .collect();
    let counts = ["video_streams", "audio_streams", "subtitle_streams"];
    let left_out: Vec<_> = counts
        .into_iter()
        .chain(second_copies.iter().map(String::as_str))
        .map(|f| (mkv, f))
        .chain(
            [wma, mkv]
                .into_iter()
                .flat_map(|n| [(n, "status"), (n, "truncated")]),
        )
        .collect();
    let (wrong, compared) = env.ffprobe_disagreements(&names, &dir, &left_out);
    assert!(compared > 70, "only {compared} facts compared");
    assert!(wrong.is_empty(), "{wrong:#?}");
    let doc = &env.row(&env.lib.join(mkv))["doc"];
    let chapters = doc["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 20, "{doc}");
    assert_eq!(chapters[19]["end_s"], 7756.192, "{doc}");
    assert!(chapters[19].get("title").is_none(), "{doc}");
    assert_eq!(doc["truncated"], true, "{doc}");
    let doc = &env.row(&env.lib.join(wma))["doc"];
    assert_eq!(doc["streams"][0]["codec"], "wmav2", "{doc}");
    assert_eq!(doc["truncated"], true, "{doc}");
}
