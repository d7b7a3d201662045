//! One stream's caps → its part of the document: codec, dimensions, rates,
//! field order, colour and HDR metadata, audio layout, and what the container
//! headers add to it.

use gstreamer as gst;
use gstreamer_pbutils as pbutils;

use crate::probe::bitstream::{self, FieldOrder};
use crate::probe::headers::Headers;
use crate::probe::names;
use mediadex_core::scan::document::Stream;

use super::*;

/// A stream's facts from its caps.
pub(super) fn stream(heard: &Heard, container: Option<&str>) -> Stream {
    let caps = &heard.caps;
    let Some(s) = caps.structure(0) else {
        return Stream::default();
    };
    let name = s.name().as_str();
    let get_str = |f: &str| s.get::<&str>(f).ok().map(str::to_string);
    let get_int = |f: &str| s.get::<i32>(f).ok();
    let mut out = Stream {
        kind: names::kind_of(name).into(),
        codec: names::codec_name(s, container),
        codec_description: Some(
            pbutils::functions::pb_utils_get_codec_description(caps).to_string(),
        ),
        stream_id: (!heard.id.is_empty()).then(|| heard.id.clone()),
        profile: get_str("profile"),
        level: get_str("level"),
        tier: get_str("tier"),
        width: get_int("width").filter(|&w| w > 0),
        height: get_int("height").filter(|&h| h > 0),
        caps: Some(caps_text(caps)),
        ..Stream::default()
    };
    if name.starts_with("video/x-gst-fourcc-") || name.starts_with("audio/x-gst-fourcc-") {
        // The fourcc may hold a dash itself (`ac-4`).
        out.codec_tag = name.get("video/x-gst-fourcc-".len()..).map(str::to_string);
    }
    if let Some(f) = get_str("format")
        && matches!(
            name,
            "video/x-wmv" | "video/x-divx" | "video/x-msmpeg" | "audio/x-wma"
        )
    {
        out.codec_tag = Some(f);
    }
    // RealVideo's fourcc is its version's (`RV40`).
    if let (true, Some(v)) = (name == "video/x-pn-realvideo", get_int("rmversion")) {
        out.codec_tag = Some(format!("RV{v}0"));
    }
    // A raw AMR file's stream has the tag of AMR's MP4 sample entry, as
    // FFmpeg's demuxer gives it.
    out.codec_tag = match (container, name) {
        (Some("amr-nb-sh"), "audio/AMR") => Some("samr".into()),
        (Some("amr-wb-sh"), "audio/AMR-WB") => Some("sawb".into()),
        _ => out.codec_tag.take(),
    };
    geometry(s, &mut out);
    if out.codec == "mpeg2video" {
        mpeg2_rate(s, heard, &mut out);
    }
    interlace(s, &mut out);
    if out.kind == "video" {
        field_order(s, heard.first.as_ref(), &mut out);
        if out.frame_rate.is_none() {
            frame_rate_from_timestamps(heard, &mut out);
        }
    }
    depth(s, name, heard, &mut out);
    super::colour::colour(s, name, &mut out);
    if out.kind == "video"
        && let Some(first) = heard.first.as_ref().and_then(|b| b.map_readable().ok())
        && bitstream::hdr10_plus(&out.codec, first.as_slice())
    {
        out.hdr10_plus = Some(true);
    }
    if out.kind == "audio" {
        super::audio::audio_details(s, heard, &mut out);
    }
    out.profile = crate::probe::profiles::profile_name(
        &out.codec,
        out.profile.as_deref(),
        text(s, "variant").as_deref(),
    );
    out
}

pub(super) fn text(s: &gst::StructureRef, field: &str) -> Option<String> {
    s.get::<&str>(field).ok().map(str::to_string)
}

/// Pixel and display aspect ratios, and the frame rate the caps give.
fn geometry(s: &gst::StructureRef, out: &mut Stream) {
    let par = s.get::<gst::Fraction>("pixel-aspect-ratio").ok();
    if let Some(p) = par {
        out.pixel_aspect_ratio = Some(format!("{}:{}", p.numer(), p.denom()));
    }
    if let (Some(w), Some(h)) = (out.width, out.height) {
        let (pn, pd) = par
            .map(|p| (p.numer() as i64, p.denom() as i64))
            .unwrap_or((1, 1));
        let (dn, dd) = (w as i64 * pn, h as i64 * pd);
        let g = gcd(dn, dd).max(1);
        out.display_aspect_ratio = Some(format!("{}:{}", dn / g, dd / g));
    }
    if let Ok(fr) = s.get::<gst::Fraction>("framerate")
        && fr.numer() > 0
        && fr.denom() > 0
    {
        out.frame_rate = Some(fr.numer() as f64 / fr.denom() as f64);
        out.frame_rate_fraction = Some(format!("{}/{}", fr.numer(), fr.denom()));
    }
}

/// MPEG-2's sequence extension scales the header's frame rate (ffmpeg writes
/// 12 fps as 24 × 1/2); GStreamer's caps give the header's rate alone.
fn mpeg2_rate(s: &gst::StructureRef, heard: &Heard, out: &mut Stream) {
    let config = s.get::<gst::Buffer>("codec_data").ok();
    let from = |b: Option<&gst::Buffer>| {
        let map = b?.map_readable().ok()?;
        bitstream::mpeg2_rate_extension(&map)
    };
    let Some((n, d)) = from(config.as_ref()).or_else(|| from(heard.first.as_ref())) else {
        return;
    };
    let Ok(fr) = s.get::<gst::Fraction>("framerate") else {
        return;
    };
    let (num, den) = (fr.numer() as i64 * n as i64, fr.denom() as i64 * d as i64);
    let g = gcd(num, den).max(1);
    if num > 0 && den > 0 {
        out.frame_rate = Some(num as f64 / den as f64);
        out.frame_rate_fraction = Some(format!("{}/{}", num / g, den / g));
    }
}

/// The interlace mode and field order the caps give.
fn interlace(s: &gst::StructureRef, out: &mut Stream) {
    let get_str = |f: &str| text(s, f);
    if let Some(mode) = get_str("interlace-mode") {
        out.interlaced = Some(mode != "progressive");
        let order = get_str("field-order");
        out.field_order = Some(
            match (mode.as_str(), order.as_deref()) {
                ("progressive", _) => "progressive",
                (_, Some("top-field-first")) => "tt",
                (_, Some("bottom-field-first")) => "bb",
                _ => "",
            }
            .to_string(),
        )
        .filter(|o| !o.is_empty());
        out.interlace_mode = Some(mode);
    }
}

/// Chroma format, bit depth and pixel format (from the caps, else the first
/// picture or the codec configuration).
fn depth(s: &gst::StructureRef, name: &str, heard: &Heard, out: &mut Stream) {
    let get_str = |f: &str| text(s, f);
    let get_int = |f: &str| s.get::<i32>(f).ok();
    let depth = s
        .get::<u32>("bit-depth-luma")
        .ok()
        .or_else(|| get_int("bit-depth-luma").map(|v| v as u32));
    out.chroma_format = get_str("chroma-format");
    if out.kind == "video" {
        out.bit_depth = depth;
        let raw = (name == "video/x-raw").then(|| get_str("format")).flatten();
        out.pix_fmt =
            names::pix_fmt(out.chroma_format.as_deref(), depth, raw.as_deref()).or_else(|| {
                let first = heard.first.as_ref().and_then(|b| b.map_readable().ok());
                let config = config_bytes(s);
                bitstream::pixel_format(&out.codec, first.as_deref(), config.as_deref())
            });
        // QuickTime Animation: its depth decides FFmpeg's format.
        if out.codec == "qtrle" {
            out.pix_fmt = match get_int("depth") {
                Some(1) => Some("monow".into()),
                Some(2 | 4 | 8) => Some("pal8".into()),
                Some(16) => Some("rgb555be".into()),
                Some(24) => Some("rgb24".into()),
                Some(32) => Some("argb".into()),
                _ => None,
            };
        }
        // HuffYUV's first version: its bits per pixel (YUY2 is 4:2:2).
        if out.codec == "huffyuv" && out.pix_fmt.is_none() {
            out.pix_fmt = match get_int("bpp") {
                Some(12) => Some("yuv420p".into()),
                Some(16) => Some("yuv422p".into()),
                _ => None,
            };
        }
        // FFmpeg decodes ProRes 4444 and 4444 XQ (told by the fourcc) to
        // 12 bits, the other profiles to 10.
        if out.codec == "prores" && matches!(get_str("variant").as_deref(), Some("4444" | "4444xq"))
        {
            out.pix_fmt = out.pix_fmt.take().map(|p| p.replace("p10le", "p12le"));
        }
        out.bit_depth = depth.or_else(|| out.pix_fmt.as_deref().and_then(bitstream::pix_fmt_depth));
        if out.bit_depth.is_none() && out.codec == "jpeg2000" {
            let first = heard.first.as_ref().and_then(|b| b.map_readable().ok());
            out.bit_depth = first
                .and_then(|f| bitstream::jpeg2000_format(&f))
                .map(|f| f.1);
        }
    }
}

/// Interlacing the caps do not tell, read from the first picture: MPEG-2's
/// picture coding extension, H.264's first slice.
pub(super) fn field_order(s: &gst::StructureRef, first: Option<&gst::Buffer>, out: &mut Stream) {
    if out.field_order.is_some() && out.field_order.as_deref() != Some("progressive") {
        return;
    }
    let map = first.and_then(|b| b.map_readable().ok());
    // H.264's parameter sets may say it all without a picture.
    let map = map
        .as_ref()
        .map(|m| m.as_slice())
        .or((out.codec == "h264").then_some(&[][..]));
    let order = map.and_then(|map| match out.codec.as_str() {
        "mpeg2video" | "mpeg1video" => bitstream::mpeg2_field_order(map),
        "h264" => {
            let config = s.get::<gst::Buffer>("codec_data").ok();
            let config = config.as_ref().and_then(|c| c.map_readable().ok());
            bitstream::h264_field_order(config.as_deref(), map)
        }
        // MPEG-4 Part 2 says only whether it is interlaced, not the order.
        "mpeg4" => {
            let config = s.get::<gst::Buffer>("codec_data").ok();
            let config = config.as_ref().and_then(|c| c.map_readable().ok());
            let flag = config.as_deref().and_then(bitstream::mpeg4_interlaced);
            (flag.or_else(|| bitstream::mpeg4_interlaced(map)) == Some(false))
                .then_some(FieldOrder::Progressive)
        }
        // DNxHD and DNxHR: the frame header's interlace flag (byte 5).
        "dnxhd" => bitstream::dnxhd_progressive(map)
            .filter(|&p| p)
            .map(|_| FieldOrder::Progressive),
        _ => None,
    });
    // Codecs without interlaced coding tools are progressive by definition.
    let order = order.or_else(|| {
        matches!(
            out.codec.as_str(),
            "h263"
                | "mpeg1video"
                | "h263p"
                | "flv1"
                | "vp8"
                | "vp9"
                | "av1"
                | "theora"
                | "msmpeg4v1"
                | "msmpeg4v2"
                | "msmpeg4v3"
                | "wmv1"
                | "wmv2"
        )
        .then_some(FieldOrder::Progressive)
    });
    match order {
        Some(FieldOrder::Progressive) if out.interlaced.is_none() => {
            out.interlaced = Some(false);
            out.field_order = Some(FieldOrder::Progressive.name().into());
        }
        Some(o @ (FieldOrder::TopFirst | FieldOrder::BottomFirst)) => {
            out.interlaced = Some(true);
            out.field_order = Some(o.name().into());
        }
        _ => {}
    }
}

/// The frame rate two frames' timestamps give, when it is one of the common
/// rates to within a millisecond (ASF stamps in milliseconds).
pub(super) fn frame_rate_from_timestamps(heard: &Heard, out: &mut Stream) {
    let (Some(a), Some(b)) = (heard.first.as_ref().and_then(|f| f.pts()), heard.second_pts) else {
        return;
    };
    let delta_ms = b.nseconds().saturating_sub(a.nseconds()) as f64 / 1e6;
    let fit = bitstream::MPEG_RATES
        .iter()
        .filter(|(n, d)| (delta_ms - 1000.0 * *d as f64 / *n as f64).abs() < 0.5)
        .min_by(|x, y| {
            let e = |(n, d): &(u32, u32)| (delta_ms - 1000.0 * *d as f64 / *n as f64).abs();
            e(x).total_cmp(&e(y))
        });
    if let Some((n, d)) = fit {
        out.frame_rate = Some(*n as f64 / *d as f64);
        out.frame_rate_fraction = Some(format!("{n}/{d}"));
    }
}

/// A stream's codec configuration: `codec_data`, or its stream headers one
/// after another (FLAC, Vorbis, Theora).
pub(super) fn config_bytes(s: &gst::StructureRef) -> Option<Vec<u8>> {
    if let Ok(b) = s.get::<gst::Buffer>("codec_data") {
        return b.map_readable().ok().map(|m| m.to_vec());
    }
    let headers = s.get::<gst::Array>("streamheader").ok()?;
    let mut out = Vec::new();
    for v in headers.iter() {
        let b = v.get::<gst::Buffer>().ok()?;
        out.extend_from_slice(&b.map_readable().ok()?);
    }
    Some(out)
}

/// A field order the container states (in ffprobe's words), and whether
/// that is interlaced.
pub(super) fn set_field_order(s: &mut Stream, order: &str) {
    s.field_order = Some(order.to_string());
    s.interlaced = Some(order != "progressive");
}

/// The container's track number a stream id ends in ("…/002"; hexadecimal
/// for MPEG-TS PIDs).
pub(super) fn track_number(id: &str, hex: bool) -> Option<u32> {
    let n = id.rsplit('/').next()?.split(':').next()?;
    if hex {
        u32::from_str_radix(n, 16).ok()
    } else {
        n.parse::<u32>().ok()
    }
}

/// What the container's headers say of the stream that GStreamer does not.
pub(super) fn apply_headers(s: &mut Stream, id: &str, headers: &Headers) {
    let number = track_number(id, headers.track_ids_hex);
    let found = headers.tracks.iter().find(|t| Some(t.id) == number);
    // A stream id without a track number (IVF's, WAVE's): the one track
    // the headers list, if it is of the stream's kind.
    let same_kind = |t: &crate::probe::headers::Track| match s.kind.as_str() {
        "video" => t.handler == "vide",
        "audio" => t.handler == "auds",
        _ => false,
    };
    let only = match headers.tracks.as_slice() {
        [t] if number.is_none() && same_kind(t) => Some(t),
        _ => None,
    };
    let Some(t) = found.or(only) else {
        return;
    };
    if s.codec_tag.is_none() {
        s.codec_tag = t.codec_tag.clone();
    }
    if let Some(dv) = &t.dolby_vision {
        s.hdr = Some("Dolby Vision".into());
        s.dolby_vision = Some(dv.clone());
    }
    if let Some(id) = &t.codec_id
        && s.codec.ends_with("unknown")
        && let Some(name) = names::matroska_codec(id)
    {
        s.codec = name.to_string();
        s.kind = names::kind_of_codec(name).to_string();
        // Nothing parsed the stream: the track header's depth, else the
        // codec configuration's (ALAC's magic cookie), is all there is.
        s.bit_depth = s.bit_depth.or(t.sample_bits).or_else(|| {
            t.config
                .as_deref()
                .and_then(|c| bitstream::lossless_bit_depth(name, c))
        });
    }
    // The header's language is exactly what the file says; GStreamer's tag is
    // normalised (and an absent Matroska language means English).
    if let Some(l) = &t.language
        && l.contains(',')
    {
        // Every page's language, as ffprobe joins them (`fra,fra`).
        s.language = Some(l.clone());
        s.language_iso639_1 = None;
    } else if let Some(l) = &t.language {
        let lang = names::language(l, None);
        s.language = lang.as_ref().map(|l| l.0.clone());
        s.language_iso639_1 = lang.and_then(|l| l.1);
    }
    if s.title.is_none() {
        s.title = t.title.clone();
    }
    s.default = t.default;
    s.forced = t.forced;
    if let Some(order) = t.field_order {
        set_field_order(s, order);
    }
    if s.codec == "dts" {
        super::audio::ts_dts_extension(s, &t.ts_first_payload);
    }
    if t.mirrored_rotation.is_some() {
        s.rotation = t.mirrored_rotation;
    }
    codec_facts(s, t);
    // A picture no parser sized (a codec GStreamer does not know): the
    // track header's size.
    if s.kind == "video" && s.width.is_none() {
        s.width = t.size.map(|z| z.0 as i32);
        s.height = t.size.map(|z| z.1 as i32);
    }
    s.frames = s.frames.or(t.frames);
    s.duration_s = s.duration_s.or(t.duration_s);
    s.variable_frame_rate = s.variable_frame_rate.or(t.variable_frame_rate);
    fill_frame_rate(s, t);
}

/// What the track's headers add to a stream's codec facts: ISO PCM's name,
/// a chapter track's kind, a pixel format or audio fields the caps lack.
fn codec_facts(s: &mut Stream, t: &crate::probe::headers::Track) {
    if let Some((pcm, bits)) = &t.pcm_codec
        && matches!(s.codec.as_str(), "ipcm" | "fpcm")
    {
        s.codec = pcm.clone();
        s.bit_depth = Some(*bits);
    }
    // Little-endian QuickTime PCM that qtdemux takes for big-endian.
    if let Some((pcm, _)) = &t.pcm_codec
        && pcm.ends_with("le")
        && s.codec.ends_with("be")
        && pcm.trim_end_matches("le") == s.codec.trim_end_matches("be")
    {
        s.codec = pcm.clone();
    }
    // A QuickTime chapter track's text is the chapters, not subtitles:
    // ffprobe lists it as data.
    if t.chapter_track && s.kind == "subtitle" {
        s.kind = "data".into();
        s.codec = "bin_data".into();
    }
    // A decoder record the caps lost (an encrypted AV1 track's `av1C`), or
    // the format a first frame's header states (FFV1 version 1).
    if s.kind == "video"
        && s.pix_fmt.is_none()
        && let Some(p) = bitstream::pixel_format(&s.codec, None, t.config.as_deref())
            .or_else(|| t.pix_fmt.clone())
    {
        s.bit_depth = s.bit_depth.or_else(|| bitstream::pix_fmt_depth(&p));
        s.pix_fmt = Some(p);
    }
    if s.kind == "audio" && s.sample_rate.is_none() {
        // A sound entry that states no rate (IAMF's): the media timescale,
        // as ffprobe gives it.
        let scale = t.timescale.filter(|&r| r > 1).map(|r| r as i32);
        s.sample_rate = t.sound.map(|(_, r)| r as i32).filter(|&r| r > 0).or(scale);
    }
    // ADPCM's sample size is the container's to say (4 bits, ffprobe's).
    if s.codec.starts_with("adpcm") && s.bit_depth.is_none() {
        s.bit_depth = t.sample_bits;
    }
    if s.kind == "audio" && s.channels.is_none() {
        s.channels = t.sound.map(|(c, _)| i32::from(c));
    }
}

pub(super) fn fill_frame_rate(s: &mut Stream, t: &crate::probe::headers::Track) {
    // Many frames' timestamps over a guess from two (a track whose header
    // states no rate has none in its caps either).
    if let Some((n, d)) = t.timed_rate(&s.codec) {
        s.frame_rate = Some(f64::from(n) / f64::from(d));
        s.frame_rate_fraction = Some(format!("{n}/{d}"));
    }
    if s.frame_rate.is_none()
        && let Some((n, d)) = t.frame_rate
    {
        s.frame_rate = Some(n as f64 / d as f64);
        s.frame_rate_fraction = Some(format!("{n}/{d}"));
    }
}
