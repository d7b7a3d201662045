//! A picture's colour: colorimetry (range, matrix, transfer, primaries),
//! HDR metadata (mastering display, content light level) and the range as
//! ffmpeg's decoders take it.

use gstreamer as gst;
use serde_json::{Map, json};

use crate::probe::bitstream;
use mediadex_core::scan::document::{ContentLightLevel, MasteringDisplay, Stream};

use super::Heard;
use super::stream::{config_bytes, text};

/// The range of the picture as ffmpeg's decoders take it: the H.264 VUI's
/// when it states one, else the MP4 `colr` box's, else GStreamer's (which
/// puts the container's first). Full range H.264 gets the JPEG pixel
/// formats (`yuvj420p`, `yuvj422p`, `yuvj444p`) for 8 bits, as ffprobe
/// shows; HEVC `yuvj420p` for 8-bit 4:2:0.
pub(super) fn full_range(out: &mut Stream, heard: &Heard, container: Option<bool>) {
    let vui = (out.codec == "h264")
        .then(|| heard.caps.structure(0).and_then(config_bytes))
        .flatten()
        .and_then(|c| bitstream::h264_full_range(&c));
    let caps = out
        .colorimetry
        .as_ref()
        .and_then(|c| c.get("range"))
        .and_then(|r| r.as_str())
        .map(|r| r == "full");
    let Some(full) = vui.or(container).or(caps) else {
        return;
    };
    if let Some(c) = out.colorimetry.as_mut() {
        c.insert("range".into(), json!(if full { "full" } else { "limited" }));
    }
    if full
        && let Some(p) = out
            .pix_fmt
            .as_deref()
            .and_then(|p| jpeg_format(&out.codec, p))
    {
        out.pix_fmt = Some(p);
    }
}

/// The JPEG format FFmpeg's decoder of `codec` gives a full range picture
/// of `pix_fmt` (`yuvj420p`), where it has one.
pub(super) fn jpeg_format(codec: &str, pix_fmt: &str) -> Option<String> {
    let jpeg_formats: &[&str] = match codec {
        "h264" => &["yuv420p", "yuv422p", "yuv444p"],
        "hevc" => &["yuv420p"],
        _ => &[],
    };
    jpeg_formats
        .contains(&pix_fmt)
        .then(|| pix_fmt.replacen("yuv", "yuvj", 1))
}

/// A 4:4:4 picture whose matrix is the identity holds green, blue and red
/// planes, not luma and chroma: FFmpeg's H.264, HEVC, VP9 and AV1 decoders
/// give it the `gbrp` formats (a screen recording in RGB).
fn rgb_coded(out: &mut Stream) {
    let rgb = out
        .colorimetry
        .as_ref()
        .and_then(|c| c.get("matrix"))
        .is_some_and(|m| m == "rgb");
    if rgb
        && matches!(out.codec.as_str(), "h264" | "hevc" | "vp9" | "av1")
        && let Some(p) = out.pix_fmt.as_deref()
        && p.starts_with("yuv444p")
    {
        out.pix_fmt = Some(p.replacen("yuv444p", "gbrp", 1));
    }
}

/// Colorimetry and HDR metadata.
pub(super) fn colour(s: &gst::StructureRef, name: &str, out: &mut Stream) {
    let get_str = |f: &str| text(s, f);
    if let Some(c) = get_str("colorimetry") {
        colorimetry(&c, out);
        rgb_coded(out);
    }
    if let Some(m) = get_str("mastering-display-info") {
        out.mastering_display = mastering_display(&m);
        out.hdr.get_or_insert_with(|| "HDR10".into());
    }
    if let Some(c) = get_str("content-light-level") {
        out.content_light_level = content_light_level(&c);
    }
    if name == "video/x-h265" && out.profile.as_deref().is_some_and(|p| p.contains("dolby")) {
        out.hdr = Some("Dolby Vision".into());
    }
}

pub(super) fn colorimetry(text: &str, out: &mut Stream) {
    use gstreamer_video::{VideoColorRange, VideoColorimetry, VideoTransferFunction};
    let Ok(c) = text.parse::<VideoColorimetry>() else {
        return;
    };
    let lower = |d: String| d.to_ascii_lowercase();
    let mut o = Map::new();
    match c.range() {
        VideoColorRange::Range0_255 => {
            o.insert("range".into(), json!("full"));
        }
        VideoColorRange::Range16_235 => {
            o.insert("range".into(), json!("limited"));
        }
        _ => {}
    }
    let matrix = lower(format!("{:?}", c.matrix()));
    if matrix != "unknown" {
        o.insert("matrix".into(), json!(matrix));
    }
    let transfer = c.transfer();
    let tname = match transfer {
        VideoTransferFunction::Smpte2084 => "smpte2084".to_string(),
        VideoTransferFunction::AribStdB67 => "arib-std-b67".to_string(),
        other => lower(format!("{other:?}")),
    };
    if tname != "unknown" {
        o.insert("transfer".into(), json!(tname));
    }
    let primaries = lower(format!("{:?}", c.primaries()));
    if primaries != "unknown" {
        o.insert("primaries".into(), json!(primaries));
    }
    o.insert("text".into(), json!(text));
    match transfer {
        VideoTransferFunction::Smpte2084 => out.hdr = Some("HDR10".into()),
        VideoTransferFunction::AribStdB67 => out.hdr = Some("HLG".into()),
        _ => {}
    }
    out.colorimetry = Some(o);
}

/// GStreamer's `mastering-display-info` caps field: ten `:`-separated integers,
/// primaries and white point in units of 0.00002, luminances of 0.0001 cd/m²
/// (max first).
pub fn mastering_display(text: &str) -> Option<MasteringDisplay> {
    let v: Vec<f64> = text
        .split(':')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    if v.len() != 10 {
        return None;
    }
    let c = |i: usize| [v[i] * 0.00002, v[i + 1] * 0.00002];
    Some(MasteringDisplay {
        red: c(0),
        green: c(2),
        blue: c(4),
        white_point: c(6),
        max_luminance: v[8] * 0.0001,
        min_luminance: v[9] * 0.0001,
    })
}

/// GStreamer's `content-light-level` caps field: `MaxCLL:MaxFALL`.
pub fn content_light_level(text: &str) -> Option<ContentLightLevel> {
    let (a, b) = text.split_once(':')?;
    Some(ContentLightLevel {
        max_cll: a.trim().parse().ok()?,
        max_fall: b.trim().parse().ok()?,
    })
}
