//! The probe document: one serde type that the probe fills, the catalog stores
//! as JSON, the generated columns and reports read, and the tests parse back.
//!
//! Invariants: a field that cannot be told is absent (`None`, or an empty list
//! left out), never guessed or zero; names are ffprobe's (see `names`);
//! languages are ISO 639-2 as the file writes them, with the two-letter form in
//! `language_iso639_1`. No GStreamer here, so the `mediadex` executable and the
//! tests can read documents without loading it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

fn is_false(b: &bool) -> bool {
    !*b
}

/// One file's document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// ISO base media (MP4 family): the `ftyp` box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_brand: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compatible_brands: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ns: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Overall bits per second: size over duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    /// The first video stream, for the typed columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoSummary>,
    /// The first audio stream, for the typed columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioSummary>,
    #[serde(default)]
    pub video_streams: u32,
    #[serde(default)]
    pub audio_streams: u32,
    #[serde(default)]
    pub subtitle_streams: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub data_streams: u32,
    /// Distinct audio languages in stream order (ISO 639-2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audio_languages: Vec<String>,
    /// Distinct subtitle languages in stream order (ISO 639-2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subtitle_languages: Vec<String>,
    /// The file ends before the data its headers or index point to.
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
    /// The length the headers declare, when the file is truncated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_bytes: Option<u64>,
    /// Some stream's samples are encrypted (read all the same: the headers
    /// are not).
    #[serde(default, skip_serializing_if = "is_false")]
    pub encrypted: bool,
    /// How: the common-encryption scheme (`cenc`, `cbcs`, …) or `webm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub tags: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chapters: Vec<Chapter>,
    /// Files carried inside the container: Matroska attachments (fonts, cover
    /// art), MP4 cover art.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub streams: Vec<Stream>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr: Option<String>,
    /// HDR10+ dynamic metadata in the stream (beside its `hdr`, HDR10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr10_plus: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interlaced: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AudioSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    pub start_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    pub size: u64,
    /// Cover art (MP4 `covr`, Matroska `cover.*`), as opposed to a font or file.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cover: bool,
}

/// Dolby Vision's configuration record: the profile and level, the layers
/// the stream carries, and what its base layer plays as without Dolby
/// Vision (`compatibility_id` 1 HDR10, 2 SDR, 4 HLG, 6 HDR10 for Blu-ray).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DolbyVision {
    pub profile: u32,
    pub level: u32,
    pub rpu: bool,
    pub enhancement_layer: bool,
    pub base_layer: bool,
    pub compatibility_id: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatible_with: Option<String>,
}

/// HDR10 static metadata (SMPTE ST 2086 and CTA-861.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MasteringDisplay {
    /// Display primaries as x,y chromaticity pairs: red, green, blue.
    pub red: [f64; 2],
    pub green: [f64; 2],
    pub blue: [f64; 2],
    pub white_point: [f64; 2],
    /// cd/m².
    pub min_luminance: f64,
    pub max_luminance: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentLightLevel {
    /// MaxCLL and MaxFALL, cd/m².
    pub max_cll: u32,
    pub max_fall: u32,
}

/// One elementary stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stream {
    /// video, audio, subtitle or data.
    pub kind: String,
    pub codec: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec_description: Option<String>,
    /// The fourcc or codec id the container stores for the stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pixel_aspect_ratio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_aspect_ratio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate_fraction: Option<String>,
    /// Variable frame rate, where the container says so without decoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable_frame_rate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interlaced: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interlace_mode: Option<String>,
    /// ffprobe's field order: progressive, tt, bb, tb, bt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pix_fmt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chroma_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colorimetry: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mastering_display: Option<MasteringDisplay>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dolby_vision: Option<DolbyVision>,
    /// HDR10+ (SMPTE ST 2094-40) dynamic metadata in the first access
    /// unit: true, else absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr10_plus: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_light_level: Option<ContentLightLevel>,
    /// Degrees clockwise the picture is turned for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_layout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<i32>,
    /// ISO 639-2 as the file writes it (`eng`, `fre` or `fra`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_iso639_1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced: Option<bool>,
    /// Why the stream was not read (it is listed from the container's own
    /// table, with the codec that table names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Frame (or sample) count where the container states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub tags: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caps: Option<String>,
}

impl Document {
    /// A document with every field set, for checking that each JSON path the
    /// schema and the reports read is one the type has.
    pub fn with_every_field() -> Document {
        let stream = Stream {
            kind: "video".into(),
            codec: "h264".into(),
            codec_description: Some(String::new()),
            codec_tag: Some(String::new()),
            stream_id: Some(String::new()),
            profile: Some(String::new()),
            level: Some(String::new()),
            tier: Some(String::new()),
            width: Some(1),
            height: Some(1),
            pixel_aspect_ratio: Some(String::new()),
            display_aspect_ratio: Some(String::new()),
            frame_rate: Some(1.0),
            frame_rate_fraction: Some(String::new()),
            variable_frame_rate: Some(false),
            interlaced: Some(false),
            interlace_mode: Some(String::new()),
            field_order: Some(String::new()),
            bit_depth: Some(8),
            pix_fmt: Some(String::new()),
            chroma_format: Some(String::new()),
            colorimetry: Some(Map::new()),
            hdr: Some(String::new()),
            mastering_display: Some(MasteringDisplay::default()),
            dolby_vision: Some(DolbyVision::default()),
            hdr10_plus: Some(true),
            content_light_level: Some(ContentLightLevel::default()),
            rotation: Some(0),
            channels: Some(2),
            channel_layout: Some(String::new()),
            sample_rate: Some(1),
            language: Some(String::new()),
            language_iso639_1: Some(String::new()),
            title: Some(String::new()),
            default: Some(true),
            forced: Some(false),
            unread: Some(String::new()),
            bitrate: Some(1),
            duration_s: Some(1.0),
            frames: Some(1),
            tags: Map::from_iter([("x".to_string(), Value::Null)]),
            caps: Some(String::new()),
        };
        Document {
            container: Some(String::new()),
            container_description: Some(String::new()),
            mime_type: Some(String::new()),
            major_brand: Some(String::new()),
            compatible_brands: vec![String::new()],
            size: Some(1),
            duration_ns: Some(1),
            duration_s: Some(1.0),
            bitrate: Some(1),
            video: Some(VideoSummary {
                codec: Some(String::new()),
                width: Some(1),
                height: Some(1),
                frame_rate: Some(1.0),
                hdr: Some(String::new()),
                hdr10_plus: Some(true),
                bit_depth: Some(8),
                interlaced: Some(false),
            }),
            audio: Some(AudioSummary {
                codec: Some(String::new()),
                channels: Some(1),
                sample_rate: Some(1),
                language: Some(String::new()),
            }),
            video_streams: 1,
            audio_streams: 1,
            subtitle_streams: 1,
            data_streams: 1,
            audio_languages: vec![String::new()],
            subtitle_languages: vec![String::new()],
            truncated: true,
            declared_size: Some(1),
            missing_bytes: Some(1),
            encrypted: true,
            encryption: Some(String::new()),
            tags: Map::from_iter([("x".to_string(), Value::Null)]),
            chapters: vec![Chapter {
                start_s: 0.0,
                end_s: Some(1.0),
                title: Some(String::new()),
            }],
            attachments: vec![Attachment {
                file_name: Some(String::new()),
                mime_type: Some(String::new()),
                size: 1,
                cover: true,
            }],
            streams: vec![stream],
        }
    }

    /// Every JSON path (`$.a.b`, arrays as `[*]`) the type can hold; `tags` are
    /// free-form below their own key.
    pub fn known_paths() -> Vec<String> {
        fn walk(prefix: &str, v: &Value, out: &mut Vec<String>) {
            out.push(prefix.to_string());
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        walk(&format!("{prefix}.{k}"), x, out);
                    }
                }
                Value::Array(a) => {
                    if let Some(x) = a.first() {
                        walk(&format!("{prefix}[*]"), x, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        let v = serde_json::to_value(Document::with_every_field()).expect("document serializes");
        walk("$", &v, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_round_trips_and_leaves_out_what_is_unknown() {
        let d = Document::with_every_field();
        let text = serde_json::to_string(&d).unwrap();
        let back: Document = serde_json::from_str(&text).unwrap();
        assert_eq!(back, d);
        let empty = serde_json::to_value(Stream {
            kind: "audio".into(),
            codec: "aac".into(),
            ..Stream::default()
        })
        .unwrap();
        assert_eq!(empty, serde_json::json!({"kind": "audio", "codec": "aac"}));
    }

    #[test]
    fn known_paths_cover_nested_fields() {
        let paths = Document::known_paths();
        for p in [
            "$.video.codec",
            "$.streams[*].language",
            "$.chapters[*].title",
            "$.truncated",
        ] {
            assert!(paths.iter().any(|x| x == p), "{p} in {paths:?}");
        }
    }
}
