//! MediaInfo's JSON as facts: its codec and format names mapped to ffprobe's.

use super::*;

pub fn mediainfo_json(path: &Path) -> Result<Value, String> {
    let out = Command::new("mediainfo")
        .arg("--Output=JSON")
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run mediainfo: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| format!("mediainfo output: {e}"))
}

/// MediaInfo's Format (with its version, profile and codec ID) as ffprobe's
/// codec name.
pub fn mediainfo_codec(t: &Value) -> Option<String> {
    let format = t["Format"].as_str()?;
    let version = t["Format_Version"].as_str().unwrap_or("");
    let profile = t["Format_Profile"].as_str().unwrap_or("");
    let id = t["CodecID"].as_str().unwrap_or("");
    let name = match format {
        "AVC" => "h264",
        "HEVC" => "hevc",
        "VVC" => "vvc",
        "AV1" => "av1",
        "VP8" => "vp8",
        "VP9" => "vp9",
        "MPEG Video" if version == "1" => "mpeg1video",
        "MPEG Video" => "mpeg2video",
        "MPEG-4 Visual" => match id {
            "DIV3" | "MP43" | "DIV4" | "div3" | "mp43" => "msmpeg4v3",
            "MP42" | "DIV2" => "msmpeg4v2",
            _ => "mpeg4",
        },
        "MS-MPEG4 v3" | "DivX 3" => "msmpeg4v3",
        "H.263" => "h263",
        "Sorenson Spark" => "flv1",
        "VC-3" => "dnxhd",
        "ProRes" => "prores",
        "DV" => "dvvideo",
        "JPEG" | "MJPEG" => "mjpeg",
        "PNG" => "png",
        "Theora" => "theora",
        "WMV1" => "wmv1",
        "WMV2" => "wmv2",
        "VC-1" if id == "WMV3" => "wmv3",
        "VC-1" => "vc1",
        "FFV1" => "ffv1",
        "HuffYUV" => "huffyuv",
        "RGB" | "YUV" => "rawvideo",
        "AAC" => "aac",
        "MPEG Audio" => match profile {
            "Layer 1" => "mp1",
            "Layer 2" => "mp2",
            _ => "mp3",
        },
        "AC-3" => "ac3",
        "E-AC-3" => "eac3",
        "DTS" => "dts",
        "MLP FBA" | "TrueHD" => "truehd",
        "MPEG-H 3D Audio" => "mpegh_3d_audio",
        "AC-4" => "ac4",
        "AMR" => match profile {
            "Wide band" => "amr_wb",
            _ => "amr_nb",
        },
        "FLAC" => "flac",
        "Opus" => "opus",
        "Vorbis" => "vorbis",
        "ALAC" => "alac",
        "Speex" => "speex",
        "WMA" => match version {
            "1" => "wmav1",
            "Pro" | "3" => "wmapro",
            _ => "wmav2",
        },
        "PCM" => return Some(mediainfo_pcm(t)),
        "UTF-8" | "SubRip" => "subrip",
        "ASS" | "SSA" => "ass",
        "Timed Text" => "mov_text",
        "VobSub" => "dvd_subtitle",
        "PGS" => "hdmv_pgs_subtitle",
        "DVB Subtitle" => "dvb_subtitle",
        "WebVTT" | "D_WEBVTT/SUBTITLES" => "webvtt",
        other => return Some(other.to_ascii_lowercase()),
    };
    Some(name.to_string())
}

fn mediainfo_pcm(t: &Value) -> String {
    let bits = i(&t["BitDepth"]).unwrap_or(16);
    let float = t["Format_Settings_Sign"] == "Float" || t["Format_Profile"] == "Float";
    let signed = match t["Format_Settings_Sign"].as_str() {
        Some("Unsigned") => false,
        Some("Signed") => true,
        _ => bits > 8,
    };
    let endian = if bits == 8 {
        ""
    } else if t["Format_Settings_Endianness"] == "Big" {
        "be"
    } else {
        "le"
    };
    let kind = if float {
        "f"
    } else if signed {
        "s"
    } else {
        "u"
    };
    format!("pcm_{kind}{bits}{endian}")
}

/// MediaInfo's colour space, subsampling and bit depth as a pixel format.
fn mediainfo_pix_fmt(t: &Value, codec: Option<&str>) -> Option<String> {
    // (VP9 in WebM: subsampling and depth without a colour space)
    if t["ColorSpace"].as_str().is_some_and(|c| c != "YUV") {
        return None;
    }
    let sub = match t["ChromaSubsampling"].as_str()? {
        "4:2:0" => "420",
        "4:2:2" => "422",
        "4:4:4" => "444",
        "4:1:1" => "411",
        _ => return None,
    };
    let depth = i(&t["BitDepth"])?;
    let j = if codec == Some("mjpeg") { "j" } else { "" };
    Some(if depth == 8 {
        format!("yuv{j}{sub}p")
    } else {
        format!("yuv{sub}p{depth}le")
    })
}

/// Chapter marks of a Menu track: `"_00_01_02_345": "en:Title"`.
fn mediainfo_chapters(menu: &Value, duration: Option<f64>) -> Vec<Chapter> {
    let mut marks: Vec<(f64, Option<String>)> = Vec::new();
    if let Some(extra) = menu["extra"].as_object() {
        for (k, v) in extra {
            let parts: Vec<&str> = k.trim_start_matches('_').split('_').collect();
            if parts.len() != 4 || !parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
                continue;
            }
            let n: Vec<f64> = parts.iter().map(|p| p.parse().unwrap_or(0.0)).collect();
            let start = n[0] * 3600.0 + n[1] * 60.0 + n[2] + n[3] / 1000.0;
            let mut title = v.as_str().unwrap_or("").to_string();
            // "en:Title": a language prefix
            if title.len() > 3
                && title.as_bytes()[2] == b':'
                && title[..2].chars().all(|c| c.is_ascii_lowercase())
            {
                title = title[3..].to_string();
            }
            marks.push((start, Some(title).filter(|t| !t.is_empty())));
        }
    }
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    // MediaInfo shows where chapters start; each ends where the next starts,
    // the last at the end of the file.
    (0..marks.len())
        .map(|n| Chapter {
            start: Some(marks[n].0),
            end: marks.get(n + 1).map(|m| m.0).or(duration),
            title: marks[n].1.clone(),
        })
        .collect()
}

pub fn from_mediainfo(v: &Value) -> Facts {
    let tracks: Vec<&Value> = v["media"]["track"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let general = tracks.iter().find(|t| t["@type"] == "General");
    let mut facts = Facts::default();
    if let Some(g) = general {
        facts.ok = g["Format"].is_string() && tracks.iter().any(|t| t["@type"] != "General");
        facts.truncated = g["extra"]["IsTruncated"] == "Yes";
        facts.duration = f(&g["Duration"]);
        let names = g["extra"]["Attachments"]
            .as_str()
            .map(|a| a.split(" / ").filter(|x| !x.is_empty()).count());
        facts.attachments = Some(names.unwrap_or(usize::from(g["Cover"] == "Yes")));
        if g["Format"] == "MPEG-4" {
            facts.major_brand = s(&g["CodecID"]).map(|b| b.trim().to_string());
            facts.compatible_brands = brand_list(&g["CodecID_Compatible"]);
        }
    }
    for t in &tracks {
        let k = match t["@type"].as_str() {
            Some("Video") => 0,
            Some("Audio") => 1,
            Some("Text") => 2,
            _ => continue,
        };
        let codec = mediainfo_codec(t);
        let id = t["CodecID"].as_str().unwrap_or("");
        let tag = fourcc(id).or_else(|| {
            id.split_once('-')
                .and_then(|(head, _)| fourcc(head))
                .filter(|_| id.len() > 5)
        });
        let (interlaced, field_order) = match (t["ScanType"].as_str(), t["ScanOrder"].as_str()) {
            (Some("Progressive"), _) => (Some(false), Some("progressive".to_string())),
            (Some("Interlaced" | "MBAFF"), order) => (
                Some(true),
                match order {
                    Some("TFF") => Some("tt".to_string()),
                    Some("BFF") => Some("bb".to_string()),
                    _ => None,
                },
            ),
            _ => (None, None),
        };
        facts.streams[k].push(Stream {
            pix_fmt: if k == 0 {
                mediainfo_pix_fmt(t, codec.as_deref())
            } else {
                None
            },
            codec,
            codec_tag: tag,
            width: i(&t["Width"]),
            height: i(&t["Height"]),
            fps: if k == 0 { f(&t["FrameRate"]) } else { None },
            channels: i(&t["Channels"]),
            sample_rate: i(&t["SamplingRate"]),
            language: t["Language"].as_str().and_then(language_from_639_1),
            title: s(&t["Title"]),
            interlaced,
            field_order,
            bit_depth: i(&t["BitDepth"]),
            rotation: f(&t["Rotation"]).map(clockwise),
            hdr: mediainfo_hdr(t),
            frames: i(&t["FrameCount"]).filter(|_| k == 0),
            duration: f(&t["Duration"]),
            default: Some(b(&t["Default"]).unwrap_or(false)),
            forced: Some(b(&t["Forced"]).unwrap_or(false)),
        });
    }
    if let Some(menu) = tracks
        .iter()
        .filter(|t| t["@type"] == "Menu")
        .map(|m| mediainfo_chapters(m, facts.duration))
        .find(|c| !c.is_empty())
    {
        facts.chapters = menu;
    }
    facts
}

// ---------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------

/// MediaInfo's HDR format and transfer characteristics as an HDR kind.
fn mediainfo_hdr(t: &Value) -> Option<String> {
    let format = t["HDR_Format"].as_str().unwrap_or("");
    let transfer = t["transfer_characteristics"].as_str().unwrap_or("");
    if format.contains("Dolby Vision") {
        Some("Dolby Vision".into())
    } else if transfer == "PQ" || format.contains("2086") {
        Some("HDR10".into())
    } else if transfer == "HLG" {
        Some("HLG".into())
    } else {
        None
    }
}
