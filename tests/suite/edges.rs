//! Files whose demuxer leaves something out: an Ogg cut inside its header
//! pages, an MP4 track that holds no sample. The verdict and the streams are
//! the ones ffprobe gives, the same on every scan.

use std::process::Command;

use crate::testenv::fixtures::copy_into;
use crate::testenv::{TestEnv, ffmpeg};

/// An Ogg file cut inside its header pages is an error every time, as ffprobe
/// finds it, however the worker's other files move oggdemux's threads (it
/// sometimes exposed the streams before giving up, and the file was `ok`).
#[test]
fn an_ogg_cut_in_its_headers_is_an_error_on_every_scan() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["theora-vorbis.ogv"]);
    let bytes = std::fs::read(env.lib.join("theora-vorbis.ogv")).unwrap();
    // The largest page before the first page of media (granule > 0).
    let (mut at, mut cut) = (0, 0);
    while bytes.get(at..at + 4) == Some(b"OggS".as_slice()) {
        let granule = i64::from_le_bytes(bytes[at + 6..at + 14].try_into().unwrap());
        let segments = bytes[at + 26] as usize;
        let body: usize = bytes[at + 27..at + 27 + segments]
            .iter()
            .map(|&l| l as usize)
            .sum();
        if granule > 0 {
            break;
        }
        if body > 1000 {
            cut = at + 27 + segments + body / 2;
        }
        at += 27 + segments + body;
    }
    assert!(cut > 0, "no large header page in the fixture");
    for n in 0..8 {
        std::fs::write(env.lib.join(format!("cut-{n}.ogv")), &bytes[..cut]).unwrap();
        std::fs::write(env.lib.join(format!("whole-{n}.ogv")), &bytes).unwrap();
    }
    let probe = crate::testenv::truth::ffprobe_json(&env.lib.join("cut-0.ogv"));
    assert!(probe.is_err(), "ffprobe reads the cut file: {probe:?}");
    // The whole row the same for every copy on every scan: oggdemux read
    // the streams of a file cut in its headers in some runs only.
    let mut rows = std::collections::BTreeSet::new();
    for _ in 0..3 {
        env.run(&["forget", env.lib.to_str().unwrap()]);
        env.scan(&["-j", "2"], 3);
        for row in env.query("SELECT status, error, doc FROM media WHERE path LIKE '%cut-%'") {
            assert_eq!(row["status"], "error", "{row:?}");
            let e = row["error"].as_str().unwrap();
            assert!(e.starts_with("truncated: the file ends at "), "{e}");
            rows.insert(row.to_string());
        }
    }
    assert_eq!(rows.len(), 1, "{rows:#?}");
}

/// The boxes directly inside `data[at..end]`: (offset, size, kind).
fn boxes(data: &[u8], mut at: usize, end: usize) -> Vec<(usize, usize, [u8; 4])> {
    let mut out = Vec::new();
    while at + 8 <= end {
        let n = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        out.push((at, n, data[at + 4..at + 8].try_into().unwrap()));
        if n < 8 {
            break;
        }
        at += n;
    }
    out
}

fn child(data: &[u8], (at, n): (usize, usize), kind: &[u8; 4]) -> (usize, usize) {
    let (a, m, _) = *boxes(data, at + 8, at + n)
        .iter()
        .find(|b| &b.2 == kind)
        .unwrap_or_else(|| panic!("no {}", String::from_utf8_lossy(kind)));
    (a, m)
}

/// (codec, width or 0) of each stream of an ffprobe or mediadex list.
fn codecs_and_widths(streams: &serde_json::Value, codec: &str) -> Vec<(String, i64)> {
    let streams = streams.as_array().expect("a list of streams");
    streams
        .iter()
        .map(|s| {
            let name = s[codec].as_str().unwrap_or_default().to_string();
            (name, s["width"].as_i64().unwrap_or(0))
        })
        .collect()
}

/// An MP4's second video track emptied (its sample tables count nothing),
/// as an editor leaves one: ffprobe lists it, qtdemux gives it no pad. The
/// document lists it too, and the file's video is the track with samples.
#[test]
fn an_mp4_track_without_samples_is_listed_as_ffprobe_lists_it() {
    let env = TestEnv::new();
    let two = env.lib.join("two.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x240:r=25:d=1",
        "-f",
        "lavfi",
        "-i",
        "testsrc=s=160x120:r=25:d=1",
        "-map",
        "0:v",
        "-map",
        "1:v",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        two.to_str().unwrap(),
    ]);
    let mut d = std::fs::read(&two).unwrap();
    let (moov, n, _) = *boxes(&d, 0, d.len())
        .iter()
        .find(|b| &b.2 == b"moov")
        .unwrap();
    let traks: Vec<_> = boxes(&d, moov + 8, moov + n)
        .into_iter()
        .filter(|b| &b.2 == b"trak")
        .collect();
    let mdia = child(&d, (traks[1].0, traks[1].1), b"mdia");
    let stbl = child(&d, child(&d, mdia, b"minf"), b"stbl");
    for (at, _, kind) in boxes(&d, stbl.0 + 8, stbl.0 + stbl.1) {
        match &kind {
            b"stts" | b"stsc" | b"stco" | b"stss" | b"ctts" | b"sdtp" => {
                d[at + 12..at + 16].fill(0)
            }
            b"stsz" => d[at + 12..at + 20].fill(0),
            _ => {}
        }
    }
    // As an editor leaves it: no duration in the track and media headers,
    // and the media header's language a Macintosh code (0, English).
    let tkhd = child(&d, (traks[1].0, traks[1].1), b"tkhd").0;
    d[tkhd + 28..tkhd + 32].fill(0);
    let mdhd = child(&d, mdia, b"mdhd").0;
    d[mdhd + 24..mdhd + 30].fill(0);
    std::fs::write(&two, &d).unwrap();
    let probe = crate::testenv::truth::ffprobe_json(&two).expect("ffprobe reads it");
    let theirs = codecs_and_widths(&probe["streams"], "codec_name");
    assert_eq!(theirs, [("h264".into(), 320), ("h264".into(), 160)]);
    let their_second = &probe["streams"][1];
    env.scan(&[], 0);
    let doc = &env.row(&two)["doc"];
    let ours = codecs_and_widths(&doc["streams"], "codec");
    assert_eq!(ours, theirs, "{doc}");
    assert_eq!(doc["video_streams"], 2);
    assert_eq!(
        doc["video"]["width"], 320,
        "the video is the track with samples"
    );
    assert!(doc["streams"][1]["unread"].is_string(), "{doc}");
    // It lasts as long as the file, and its language is the code's.
    let duration: f64 = their_second["duration"].as_str().unwrap().parse().unwrap();
    let ours = doc["streams"][1]["duration_s"].as_f64().unwrap_or(f64::NAN);
    assert!(
        (ours - duration).abs() < 0.01,
        "{ours} vs ffprobe {duration}"
    );
    assert_eq!(their_second["tags"]["language"], "eng");
    assert_eq!(doc["streams"][1]["language"], "eng", "{doc}");
    // The summary says where that stream's facts come from.
    let tty = super::terminal::on_terminal(&env, 200, &["show", two.to_str().unwrap()]);
    assert!(
        tty.contains("(an empty track: the header describes it, it holds no sample)"),
        "{tty}"
    );
}

/// An MP4 is cut when samples lie past its end, not when a box claims more
/// than the file holds: an `mdat` whose size counts 100 bytes too many, or
/// an absurd one, over samples that are all there, is whole (as ffprobe
/// reads it); a file cut short is truncated at the share of the bytes its
/// samples need.
#[test]
fn an_mp4_is_cut_by_its_samples_not_by_its_box_sizes() {
    let env = TestEnv::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/media/car-detection.mp4");
    let bytes = std::fs::read(src).unwrap();
    let at = bytes.windows(4).position(|w| w == b"mdat").unwrap() - 4;
    assert!(
        bytes.windows(4).position(|w| w == b"moov").unwrap() < at,
        "the index first"
    );
    // The fixture's `mdat` has a 64-bit size (size field 1, then 8 bytes).
    assert_eq!(u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()), 1);
    let size = u64::from_be_bytes(bytes[at + 8..at + 16].try_into().unwrap());
    assert_eq!(size as usize, bytes.len() - at, "the mdat ends the file");
    let with_size = |n: u64| {
        let mut b = bytes.clone();
        b[at + 8..at + 16].copy_from_slice(&n.to_be_bytes());
        b
    };
    std::fs::write(env.lib.join("plus100.mp4"), with_size(size + 100)).unwrap();
    std::fs::write(env.lib.join("absurd.mp4"), with_size(1 << 50)).unwrap();
    std::fs::write(env.lib.join("short.mp4"), &bytes[..bytes.len() - 1000]).unwrap();
    std::fs::write(env.lib.join("half.mp4"), &bytes[..bytes.len() / 2]).unwrap();
    env.scan(&[], 3);
    let row = |name: &str| env.row(&env.lib.join(name));
    for whole in ["plus100.mp4", "absurd.mp4"] {
        let r = row(whole);
        assert_eq!(r["status"], "ok", "{whole}: {r}");
        let probe = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
            ])
            .arg(env.lib.join(whole))
            .output()
            .unwrap();
        assert!(probe.status.success(), "ffprobe reads {whole}");
    }
    for (cut, share) in [("short.mp4", "99"), ("half.mp4", "50")] {
        let r = row(cut);
        let error = r["error"].as_str().unwrap_or("");
        assert!(
            error.starts_with(&format!("truncated: the file ends at {share}")),
            "{cut}: {r}"
        );
    }
}

/// An MP4 whose sample-to-chunk table starts a run past its chunk offsets
/// (a bit flip in `stsc`) is an error on every scan, naming the table:
/// FFmpeg refuses it ("contradictionary STSC and STCO"), and qtdemux failed
/// on it in some runs only.
#[test]
fn contradictory_sample_tables_are_an_error_on_every_scan() {
    let env = TestEnv::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/media/car-detection.mp4");
    let mut bytes = std::fs::read(src).unwrap();
    // The first track's `stsc`: its last run's first chunk, far past the
    // chunks its `stco` lists.
    let at = bytes.windows(4).position(|w| w == b"stsc").unwrap() + 4;
    let runs = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
    let last = at + 8 + 12 * (runs - 1);
    bytes[last..last + 4].copy_from_slice(&16_413u32.to_be_bytes());
    for n in 0..4 {
        std::fs::write(env.lib.join(format!("flipped-{n}.mp4")), &bytes).unwrap();
    }
    let probe = crate::testenv::truth::ffprobe_json(&env.lib.join("flipped-0.mp4"));
    assert!(probe.is_err(), "ffprobe reads the file: {probe:?}");
    let mut rows = std::collections::BTreeSet::new();
    for _ in 0..3 {
        env.run(&["forget", env.lib.to_str().unwrap()]);
        env.scan(&[], 3);
        for row in env.query("SELECT status, error, doc FROM media") {
            assert_eq!(row["status"], "error", "{row}");
            let e = row["error"].as_str().unwrap();
            assert!(e.starts_with("damaged sample tables: track 1's"), "{e}");
            rows.insert(row.to_string());
        }
    }
    assert_eq!(rows.len(), 1, "{rows:#?}");
}

/// A DASH/CMAF initialization segment (an MP4 whose tracks hold no sample:
/// `ftyp` and `moov` only) is read from its headers as ffprobe reads it,
/// not an error: its streams, codecs, size, channels and rate.
#[test]
fn an_initialization_segment_is_described_by_its_headers() {
    let env = TestEnv::new();
    let frag = env.path().join("frag.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x240:r=25:d=2",
        "-f",
        "lavfi",
        "-i",
        "sine=d=2",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        "-movflags",
        "frag_keyframe+empty_moov+default_base_moof",
        frag.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&frag).unwrap();
    let moof = bytes.windows(4).position(|w| w == b"moof").unwrap() - 4;
    let init = env.lib.join("init.mp4");
    std::fs::write(&init, &bytes[..moof]).unwrap();
    env.scan(&[], 0);
    let row = env.row(&init);
    assert_eq!(row["status"], "ok", "{row}");
    let reference = crate::testenv::truth::ffprobe_json(&init)
        .map(|v| crate::testenv::truth::from_ffprobe(&v))
        .expect("ffprobe reads the segment");
    let doc = match &row["doc"] {
        serde_json::Value::String(s) => serde_json::from_str(s).unwrap(),
        d => d.clone(),
    };
    let ours = crate::testenv::truth::from_mediadex("ok", None, &doc);
    let classes = [
        "status",
        "streams",
        "codec",
        "codec_tag",
        "width",
        "height",
        "channels",
        "sample_rate",
    ];
    let wrong: Vec<String> = crate::testenv::truth::compare("init.mp4", Some(&reference), &ours)
        .into_iter()
        .filter(|f| classes.contains(&f.class) && !f.agree)
        .map(|f| format!("{}: {} (ffprobe {})", f.field, f.candidate, f.reference))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// An AVI keeps what its header says: a stream's name (`strn`) is its
/// title, ADPCM's sample size its depth; and a file cut before its data
/// (an interrupted download) is truncated with its streams listed from the
/// header, as ffprobe lists them.
#[test]
fn an_avi_cut_before_its_data_keeps_its_streams_from_the_header() {
    let env = TestEnv::new();
    let whole = env.lib.join("whole.avi");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x240:r=15:d=2",
        "-f",
        "lavfi",
        "-i",
        "sine=r=22050:d=2",
        "-c:v",
        "mjpeg",
        "-c:a",
        "adpcm_ms",
        "-metadata:s:v:0",
        "title=A title",
        whole.to_str().unwrap(),
    ]);
    let cut = env.lib.join("cut.avi");
    std::fs::write(&cut, &std::fs::read(&whole).unwrap()[..12_000]).unwrap();
    let probe = crate::testenv::truth::ffprobe_json(&cut).expect("ffprobe reads the header");
    env.scan(&[], 3);
    let row = env.row(&cut);
    assert_eq!(row["status"], "error");
    assert!(
        row["error"].as_str().unwrap().starts_with("truncated: "),
        "{row}"
    );
    let (ours, theirs) = (&row["doc"]["streams"], &probe["streams"]);
    assert_eq!(ours[0]["codec"], theirs[0]["codec_name"], "{row}");
    for (mine, ff) in [("width", "width"), ("height", "height")] {
        assert_eq!(ours[0][mine], theirs[0][ff], "{row}");
    }
    assert_eq!(
        ours[0]["frames"].to_string(),
        theirs[0]["nb_frames"].as_str().unwrap()
    );
    assert_eq!(ours[0]["title"], "A title", "{row}");
    assert_eq!(ours[1]["codec"], "adpcm_ms");
    assert_eq!(ours[1]["channels"], theirs[1]["channels"]);
    assert_eq!(
        ours[1]["sample_rate"].to_string(),
        theirs[1]["sample_rate"].as_str().unwrap()
    );
    assert_eq!(ours[1]["bit_depth"], 4);
    let whole_doc = &env.row(&whole)["doc"];
    assert_eq!(whole_doc["streams"][0]["title"], "A title", "{whole_doc}");
    assert_eq!(whole_doc["streams"][1]["bit_depth"], 4, "{whole_doc}");
}

/// An MP4 whose boxes are whole but whose tables place samples past its
/// end (tests/media/annexb: cut, its `mdat` size mended), which GStreamer
/// cannot read (Annex B H.264 without `avcC`): truncated, at the share its
/// samples say, with what its headers tell (the video's codec, size and
/// length), not a bare stream error.
#[test]
fn samples_past_the_end_of_whole_boxes_are_a_cut() {
    let env = TestEnv::new();
    env.copy_media("annexb");
    env.scan(&[], 3);
    let row = env.row(&env.lib.join("annex-b.mp4"));
    assert_eq!(row["status"], "error", "{row}");
    let error = row["error"].as_str().unwrap_or("");
    assert!(
        error.starts_with("truncated: the file ends at 8%"),
        "{error}"
    );
    let doc = &row["doc"];
    assert_eq!(doc["truncated"], true, "{doc}");
    let video = &doc["streams"][0];
    assert_eq!(video["codec"], "h264", "{video}");
    assert_eq!(video["width"], 1920, "{video}");
    assert!(
        (doc["duration_s"].as_f64().unwrap_or(0.0) - 35.229).abs() < 0.01,
        "{doc}"
    );
}
