//! A small library for the analysis and page tests, loaded from documents
//! of the real document type (so every field the reports read is one the
//! probe writes): two shows, a movie directory with odd files, one failed
//! and one missing file, first seen over three months.

use mediadex_core::scan::document::{AudioSummary, Document, Stream, VideoSummary};
use serde_json::{Value, json};

use crate::testenv::catalogs::{header, load_text, media_line};
use crate::testenv::{HOST, TestEnv};

pub(crate) const GIB: i64 = 1 << 30;

/// A video stream: codec, width, height, fps, bit depth, HDR kind.
pub(crate) type Video = (&'static str, i32, i32, f64, u32, Option<&'static str>);

/// What a test file is made of.
pub(crate) struct Spec {
    pub(crate) path: &'static str,
    pub(crate) container: &'static str,
    pub(crate) video: Option<Video>,
    /// channels and language of each audio stream
    pub(crate) audio: &'static [(i32, Option<&'static str>)],
    pub(crate) subtitles: &'static [Option<&'static str>],
    pub(crate) duration_s: Option<f64>,
    pub(crate) size: i64,
    pub(crate) first_seen: &'static str,
    pub(crate) truncated: bool,
    /// every audio and video stream's bitrate
    pub(crate) stream_bitrate: Option<u64>,
}

pub(crate) const BASE: Spec = Spec {
    path: "",
    container: "mkv",
    video: None,
    audio: &[],
    subtitles: &[],
    duration_s: Some(3600.0),
    size: 0,
    first_seen: "2026-01-05T00:00:00.000Z",
    truncated: false,
    stream_bitrate: None,
};

fn document(s: &Spec) -> Document {
    let mut d = Document {
        container: Some(s.container.into()),
        size: Some(s.size as u64),
        duration_s: s.duration_s,
        duration_ns: s.duration_s.map(|x| (x * 1e9) as u64),
        bitrate: s
            .duration_s
            .filter(|d| *d > 0.0)
            .map(|d| (s.size as f64 * 8.0 / d).round() as u64),
        truncated: s.truncated,
        declared_size: s.truncated.then_some(s.size as u64 * 2),
        ..Document::default()
    };
    if let Some((codec, w, h, fps, depth, hdr)) = s.video {
        d.video = Some(VideoSummary {
            codec: Some(codec.into()),
            width: Some(w),
            height: Some(h),
            frame_rate: Some(fps),
            hdr: hdr.map(Into::into),
            bit_depth: Some(depth),
            interlaced: Some(false),
            ..VideoSummary::default()
        });
        d.video_streams = 1;
        d.streams.push(Stream {
            kind: "video".into(),
            codec: codec.into(),
            width: Some(w),
            height: Some(h),
            frame_rate: Some(fps),
            bit_depth: Some(depth),
            hdr: hdr.map(Into::into),
            bitrate: s.stream_bitrate,
            ..Stream::default()
        });
    }
    for (i, (channels, lang)) in s.audio.iter().enumerate() {
        if i == 0 {
            d.audio = Some(AudioSummary {
                codec: Some("aac".into()),
                channels: Some(*channels),
                sample_rate: Some(48000),
                language: lang.map(Into::into),
            });
        }
        if let Some(l) = lang
            && !d.audio_languages.iter().any(|x| x == l)
        {
            d.audio_languages.push(l.to_string());
        }
        d.audio_streams += 1;
        d.streams.push(Stream {
            kind: "audio".into(),
            codec: "aac".into(),
            channels: Some(*channels),
            sample_rate: Some(48000),
            language: lang.map(Into::into),
            bitrate: s.stream_bitrate,
            ..Stream::default()
        });
    }
    for lang in s.subtitles {
        if let Some(l) = lang
            && !d.subtitle_languages.iter().any(|x| x == l)
        {
            d.subtitle_languages.push(l.to_string());
        }
        d.subtitle_streams += 1;
        d.streams.push(Stream {
            kind: "subtitle".into(),
            codec: "subrip".into(),
            language: lang.map(Into::into),
            ..Stream::default()
        });
    }
    d
}

pub(crate) fn line(s: &Spec, status: &str) -> Value {
    let doc = serde_json::to_value(document(s)).unwrap();
    let mut l = media_line(HOST, s.path, status, None, doc, "2026-03-01T00:00:00.000Z");
    l["root"] = json!("/lib");
    l["size"] = json!(s.size);
    l["first_seen"] = json!(s.first_seen);
    l
}

/// The library of these tests: two shows, a movie directory with odd files,
/// one failed and one missing file.
pub(crate) fn library() -> Vec<Value> {
    let h264 = Some(("h264", 1920, 1080, 25.0, 8, None));
    vec![
        line(
            &Spec {
                path: "/lib/Show A/s01e01.mkv",
                video: h264,
                audio: &[(2, Some("eng"))],
                subtitles: &[Some("eng"), Some("ger")],
                size: 3 * GIB,
                ..BASE
            },
            "ok",
        ),
        line(
            &Spec {
                path: "/lib/Show A/s01e02.mkv",
                video: h264,
                audio: &[(2, Some("eng"))],
                size: 2 * GIB,
                first_seen: "2026-02-03T00:00:00.000Z",
                ..BASE
            },
            "ok",
        ),
        line(
            &Spec {
                path: "/lib/Show B/e1.mp4",
                container: "mp4",
                video: Some(("hevc", 3840, 2160, 23.976, 10, Some("HDR10"))),
                audio: &[(6, None)],
                subtitles: &[None],
                size: 10 * GIB,
                first_seen: "2026-02-10T00:00:00.000Z",
                ..BASE
            },
            "ok",
        ),
        line(
            &Spec {
                path: "/lib/Movies/m.avi",
                container: "avi",
                video: Some(("mpeg4", 720, 480, 25.0, 8, None)),
                audio: &[(2, Some("fre"))],
                duration_s: Some(1800.0),
                size: 700_000_000,
                first_seen: "2026-03-01T00:00:00.000Z",
                // 700 MB in 30 min is 3.1 Mbit/s; the streams claim 2 x 8 Mbit/s.
                stream_bitrate: Some(8_000_000),
                ..BASE
            },
            "ok",
        ),
        line(
            &Spec {
                path: "/lib/Movies/audio-only.mkv",
                audio: &[(2, Some("eng"))],
                duration_s: None,
                size: 1_000_000,
                first_seen: "2026-03-01T00:00:00.000Z",
                ..BASE
            },
            "ok",
        ),
        line(
            &Spec {
                path: "/lib/Movies/cut.mp4",
                container: "mp4",
                video: Some(("h264", 1280, 720, 25.0, 8, None)),
                audio: &[(1, Some("eng"))],
                duration_s: Some(600.0),
                size: 50_000_000,
                first_seen: "2026-03-01T00:00:00.000Z",
                truncated: true,
                ..BASE
            },
            "ok",
        ),
        {
            let mut l = line(
                &Spec {
                    path: "/lib/Movies/broken.mkv",
                    size: 1000,
                    ..BASE
                },
                "error",
            );
            l["doc"] = json!({});
            l["error"] = json!("no streams found");
            l
        },
        line(
            &Spec {
                path: "/lib/Show A/gone.mkv",
                video: h264,
                size: GIB,
                ..BASE
            },
            "missing",
        ),
    ]
}

pub(crate) fn catalog(lines: Vec<Value>) -> TestEnv {
    let env = TestEnv::new();
    let mut text = String::new();
    for l in std::iter::once(header()).chain(lines) {
        text.push_str(&l.to_string());
        text.push('\n');
    }
    load_text(&env, "library.jsonl", &text);
    env
}
