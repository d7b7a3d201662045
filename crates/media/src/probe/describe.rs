//! What a probe heard → the [`Document`]: caps, tags, the table of contents and
//! the container's own headers, turned into ffprobe's names and units.
//!
//! Where GStreamer's caps and the bitstream disagree, the bitstream wins: an AAC
//! stream's channel count and rate come from its AudioSpecificConfig
//! (`codec_data`), not from the sample entry or track header, which muxers fill
//! with defaults. Invariant: a field that cannot be told stays absent.

use gstreamer as gst;
use gstreamer::glib;
use gstreamer_pbutils as pbutils;
use serde_json::{Map, Value, json};

use super::bitstream::{self, FieldOrder};
use super::headers::Headers;
use super::names;
use mediadex_core::scan::document::{
    Attachment, AudioSummary, Chapter, ContentLightLevel, Document, MasteringDisplay, Stream,
    VideoSummary,
};

/// One elementary stream as the probe heard it before its first buffer.
pub struct Heard {
    pub id: String,
    pub flags: gst::StreamFlags,
    pub caps: gst::Caps,
    pub tags: gst::TagList,
    pub first: Option<gst::Buffer>,
    /// The second buffer's timestamp, kept for video whose caps lack a rate.
    pub second_pts: Option<gst::ClockTime>,
}

/// Describe a file from what its streams said. `container_caps` are the type
/// finder's; `headers` what [`super::headers`] read.
pub fn describe(
    size: Option<u64>,
    container_caps: Option<&gst::Caps>,
    duration: Option<gst::ClockTime>,
    mut streams: Vec<Heard>,
    global: &gst::TagList,
    toc: Option<&gst::Toc>,
    headers: &Headers,
) -> Document {
    // Streams are announced in thread order; stream ids carry the container's track order.
    streams.sort_by(|a, b| a.id.cmp(&b.id));
    let mut doc = Document::default();
    if let Some(caps) = container_caps {
        doc.container = names::container_name(caps);
        doc.container_description =
            Some(pbutils::functions::pb_utils_get_codec_description(caps).to_string());
        doc.mime_type = caps.structure(0).map(|s| s.name().to_string());
    }
    let container = doc.container.clone();
    doc.major_brand = headers.major_brand.clone();
    doc.compatible_brands = headers.compatible_brands.clone();
    doc.size = size;
    let duration = mpeg_duration(duration, headers, &streams)
        .or(duration)
        .or_else(|| {
            headers
                .estimated_duration_s
                .map(|d| gst::ClockTime::from_nseconds((d * 1e9).round() as u64))
        });
    if let Some(d) = duration.filter(|d| d.nseconds() > 0) {
        doc.duration_ns = Some(d.nseconds());
        let secs = d.nseconds() as f64 / 1e9;
        doc.duration_s = Some(secs);
        doc.bitrate = size.map(|s| ((s as f64) * 8.0 / secs).round() as u64);
    }
    if let Some(declared) = headers.declared_size {
        doc.truncated = true;
        doc.declared_size = Some(declared);
        doc.missing_bytes = size.map(|s| declared.saturating_sub(s));
    }
    let (tags, mut attachments) = tags_json(global, true);
    doc.tags = tags;
    for heard in &streams {
        let mut s = stream(heard, container.as_deref());
        let (stream_tags, more) = tags_json(&heard.tags, false);
        attachments.extend(more);
        apply_tags(&mut s, stream_tags, container.as_deref());
        apply_headers(&mut s, &heard.id, headers);
        doc.streams.push(s);
    }
    doc.attachments = attachments;
    if let Some(toc) = toc {
        doc.chapters = chapters(toc);
    }
    if doc.chapters.is_empty() {
        // MP4: Nero chapters state starts only; each ends where the next starts.
        let starts = &headers.chapters;
        doc.chapters = starts
            .iter()
            .enumerate()
            .map(|(i, (start, title))| Chapter {
                start_s: *start,
                end_s: starts.get(i + 1).map(|n| n.0).or(doc.duration_s),
                title: title.clone(),
            })
            .collect();
    }
    summarise(&mut doc);
    doc
}

/// MPEG-TS and -PS: the span of presentation timestamps plus one video frame,
/// as ffprobe estimates the duration. Used where GStreamer has none (short
/// transport streams) or strays from it by less than half (program streams,
/// whose duration GStreamer estimates from the mux rate); a span far from
/// GStreamer's means a timestamp reset, and GStreamer's stands.
fn mpeg_duration(
    gst_duration: Option<gst::ClockTime>,
    headers: &Headers,
    streams: &[Heard],
) -> Option<gst::ClockTime> {
    let span = headers.pts_span_s.filter(|&s| s > 0.0)?;
    let frame = streams.iter().find_map(|h| {
        let s = h.caps.structure(0)?;
        let fr = s.get::<gst::Fraction>("framerate").ok()?;
        (s.name().starts_with("video/") && fr.numer() > 0)
            .then(|| fr.denom() as f64 / fr.numer() as f64)
    });
    let ours = span + frame.unwrap_or(0.0);
    let take = match gst_duration.map(|d| d.nseconds() as f64 / 1e9) {
        None => true,
        Some(g) => (ours - g).abs() < 0.5 * g,
    };
    take.then(|| gst::ClockTime::from_nseconds((ours * 1e9).round() as u64))
}

/// Counts, languages and the first video and audio stream, for the typed columns.
fn summarise(doc: &mut Document) {
    for s in &doc.streams {
        match s.kind.as_str() {
            "video" => doc.video_streams += 1,
            "audio" => doc.audio_streams += 1,
            "subtitle" => doc.subtitle_streams += 1,
            _ => doc.data_streams += 1,
        }
        let list = match s.kind.as_str() {
            "audio" => &mut doc.audio_languages,
            "subtitle" => &mut doc.subtitle_languages,
            _ => continue,
        };
        if let Some(l) = &s.language
            && !list.contains(l)
        {
            list.push(l.clone());
        }
    }
    if let Some(v) = doc.streams.iter().find(|s| s.kind == "video") {
        doc.video = Some(VideoSummary {
            codec: Some(v.codec.clone()),
            width: v.width,
            height: v.height,
            frame_rate: v.frame_rate,
            hdr: v.hdr.clone(),
            bit_depth: v.bit_depth,
            interlaced: v.interlaced,
        });
    }
    if let Some(a) = doc.streams.iter().find(|s| s.kind == "audio") {
        doc.audio = Some(AudioSummary {
            codec: Some(a.codec.clone()),
            channels: a.channels,
            sample_rate: a.sample_rate,
            language: a.language.clone(),
        });
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

/// A stream's facts from its caps.
fn stream(heard: &Heard, container: Option<&str>) -> Stream {
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
        out.codec_tag = name.rsplit('-').next().map(str::to_string);
    }
    if let Some(f) = get_str("format")
        && matches!(
            name,
            "video/x-wmv" | "video/x-divx" | "video/x-msmpeg" | "audio/x-wma"
        )
    {
        out.codec_tag = Some(f);
    }
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
    if out.kind == "video" {
        field_order(s, heard.first.as_ref(), &mut out);
        if out.frame_rate.is_none() {
            frame_rate_from_timestamps(heard, &mut out);
        }
    }
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
        out.bit_depth = depth.or_else(|| out.pix_fmt.as_deref().and_then(bitstream::pix_fmt_depth));
    }
    if let Some(c) = get_str("colorimetry") {
        colorimetry(&c, &mut out);
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
    if out.kind == "audio" {
        audio(s, &mut out);
        if let Some(c) = config_bytes(s)
            && let Some(bits) = bitstream::lossless_bit_depth(&out.codec, &c)
        {
            out.bit_depth = Some(bits);
        }
        if matches!(out.codec.as_str(), "ac3" | "eac3")
            && let Some(first) = &heard.first
            && let Ok(map) = first.map_readable()
            && let Some(ch) = bitstream::ac3_channels(&map)
        {
            // The sync frame, not the sample entry (which says 2 for E-AC-3 in MP4).
            out.channels = Some(ch);
            out.channel_layout = channel_layout(ch, None).map(str::to_string);
        }
        if matches!(out.codec.as_str(), "mp1" | "mp2" | "mp3")
            && let Some(first) = &heard.first
            && let Ok(map) = first.map_readable()
            && let Some(h) = bitstream::mpeg_audio_header(&map)
        {
            // The frame header is the truth: FLV can only say 5.5/11/22/44 kHz.
            out.sample_rate = Some(h.rate);
            out.channels = Some(h.channels);
            out.channel_layout = channel_layout(h.channels, None).map(str::to_string);
            if h.bitrate > 0 {
                out.bitrate = Some(h.bitrate);
            }
        }
    }
    out
}

/// Interlacing the caps do not tell, read from the first picture: MPEG-2's
/// picture coding extension, H.264's first slice.
fn field_order(s: &gst::StructureRef, first: Option<&gst::Buffer>, out: &mut Stream) {
    if out.field_order.is_some() && out.field_order.as_deref() != Some("progressive") {
        return;
    }
    let map = first.and_then(|b| b.map_readable().ok());
    let order = map.as_ref().and_then(|map| match out.codec.as_str() {
        "mpeg2video" | "mpeg1video" => bitstream::mpeg2_field_order(map),
        "h264" => {
            let config = s.get::<gst::Buffer>("codec_data").ok();
            let config = config.as_ref().and_then(|c| c.map_readable().ok());
            bitstream::h264_field_order(config.as_deref(), map)
        }
        _ => None,
    });
    // Codecs without interlaced coding tools are progressive by definition.
    let order = order.or_else(|| {
        matches!(
            out.codec.as_str(),
            "h263"
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
fn frame_rate_from_timestamps(heard: &Heard, out: &mut Stream) {
    let (Some(a), Some(b)) = (heard.first.as_ref().and_then(|f| f.pts()), heard.second_pts) else {
        return;
    };
    let delta_ms = b.nseconds().saturating_sub(a.nseconds()) as f64 / 1e6;
    const RATES: [(i32, i32); 8] = [
        (24000, 1001),
        (24, 1),
        (25, 1),
        (30000, 1001),
        (30, 1),
        (50, 1),
        (60000, 1001),
        (60, 1),
    ];
    let fit = RATES
        .iter()
        .filter(|(n, d)| (delta_ms - 1000.0 * *d as f64 / *n as f64).abs() < 0.5)
        .min_by(|x, y| {
            let e = |(n, d): &(i32, i32)| (delta_ms - 1000.0 * *d as f64 / *n as f64).abs();
            e(x).total_cmp(&e(y))
        });
    if let Some((n, d)) = fit {
        out.frame_rate = Some(*n as f64 / *d as f64);
        out.frame_rate_fraction = Some(format!("{n}/{d}"));
    }
}

/// A stream's codec configuration: `codec_data`, or its stream headers one
/// after another (FLAC, Vorbis, Theora).
fn config_bytes(s: &gst::StructureRef) -> Option<Vec<u8>> {
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

fn audio(s: &gst::StructureRef, out: &mut Stream) {
    let get_int = |f: &str| s.get::<i32>(f).ok();
    out.channels = get_int("channels").filter(|&c| c > 0);
    out.sample_rate = get_int("rate").filter(|&r| r > 0);
    let mask = s.get::<gst::Bitmask>("channel-mask").ok().map(|b| b.0);
    // AAC: the AudioSpecificConfig is the truth; containers' channel counts and
    // rates are often the muxer's defaults (2 channels, or twice the rate).
    let mut from_config = false;
    if out.codec == "aac"
        && let Ok(buf) = s.get::<gst::Buffer>("codec_data")
        && let Ok(map) = buf.map_readable()
        && let Some(asc) = bitstream::audio_specific_config(&map)
    {
        if let Some(ch) = asc.channels {
            out.channels = Some(ch);
            from_config = true;
        }
        out.sample_rate = Some(asc.rate);
    }
    if let Some(ch) = out.channels {
        let mask = if from_config { None } else { mask };
        out.channel_layout = channel_layout(ch, mask).map(str::to_string);
    }
    if let Ok(fmt) = s.get::<&str>("format")
        && let Some(bits) = fmt.get(1..).and_then(|d| {
            d.split('_')
                .next()
                .unwrap_or(d)
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .parse::<u32>()
                .ok()
        })
    {
        out.bit_depth = Some(bits);
    }
}

/// Tags GStreamer keeps on the stream that the document has fields for.
fn apply_tags(s: &mut Stream, tags: Map<String, Value>, container: Option<&str>) {
    let text = |k: &str| tags.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some((three, two)) = text("language_code")
        .as_deref()
        .and_then(|c| names::language(c, container))
    {
        s.language = Some(three);
        s.language_iso639_1 = two;
    }
    s.title = text("title");
    s.bitrate = tags
        .get("bitrate")
        .or_else(|| tags.get("nominal_bitrate"))
        .and_then(Value::as_u64)
        .filter(|&b| b > 0);
    if let Some(o) = text("image_orientation")
        && let Ok(deg) = o
            .trim_start_matches("flip-")
            .trim_start_matches("rotate-")
            .parse::<u32>()
    {
        s.rotation = Some(deg);
    }
    s.tags = tags;
}

/// What the container's headers say of the stream that GStreamer does not.
fn apply_headers(s: &mut Stream, id: &str, headers: &Headers) {
    // Stream ids end in the container's track number ("…/002").
    let number = id
        .rsplit('/')
        .next()
        .and_then(|n| n.split(':').next())
        .and_then(|n| {
            if headers.track_ids_hex {
                u32::from_str_radix(n, 16).ok()
            } else {
                n.parse::<u32>().ok()
            }
        });
    let Some(t) = headers.tracks.iter().find(|t| Some(t.id) == number) else {
        return;
    };
    if s.codec_tag.is_none() {
        s.codec_tag = t.codec_tag.clone();
    }
    if let Some(id) = &t.codec_id
        && s.codec.ends_with("unknown")
        && let Some(name) = names::matroska_codec(id)
    {
        s.codec = name.to_string();
        s.kind = names::kind_of_codec(name).to_string();
    }
    // The header's language is exactly what the file says; GStreamer's tag is
    // normalised (and an absent Matroska language means English).
    if let Some(l) = &t.language {
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
        s.field_order = Some(order.to_string());
        s.interlaced = Some(order != "progressive");
    }
    s.frames = s.frames.or(t.frames);
    s.duration_s = s.duration_s.or(t.duration_s);
    s.variable_frame_rate = s.variable_frame_rate.or(t.variable_frame_rate);
    fill_frame_rate(s, t);
}

fn fill_frame_rate(s: &mut Stream, t: &super::headers::Track) {
    if s.frame_rate.is_none()
        && let Some((n, d)) = t.frame_rate
    {
        s.frame_rate = Some(n as f64 / d as f64);
        s.frame_rate_fraction = Some(format!("{n}/{d}"));
    }
}

/// Chapters from the table of contents: its top entries, or the chapters of an edition.
fn chapters(toc: &gst::Toc) -> Vec<Chapter> {
    let mut entries: Vec<gst::TocEntry> = toc.entries().into_iter().collect();
    if entries.len() == 1 && entries[0].entry_type() == gst::TocEntryType::Edition {
        entries = entries[0].sub_entries().into_iter().collect();
    }
    entries
        .iter()
        .filter_map(|e| {
            let (start, stop) = e.start_stop_times()?;
            let title = e
                .tags()
                .and_then(|t| t.get::<gst::tags::Title>().map(|v| v.get().to_string()));
            Some(Chapter {
                start_s: start as f64 / 1e9,
                end_s: (stop > start).then(|| stop as f64 / 1e9),
                title,
            })
        })
        .collect()
}

/// Caps as text without the bulky binary fields (codec headers).
pub fn caps_text(caps: &gst::Caps) -> String {
    let mut c = caps.copy();
    if let Some(s) = c.make_mut().structure_mut(0) {
        for f in ["codec_data", "streamheader"] {
            s.remove_field(f);
        }
    }
    c.to_string()
}

fn colorimetry(text: &str, out: &mut Stream) {
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

fn channel_layout(channels: i32, mask: Option<u64>) -> Option<&'static str> {
    // GStreamer channel positions: FL=0x1 FR=0x2 FC=0x4 LFE1=0x8 RL=0x10 RR=0x20
    // SL=0x400... (GstAudioChannelPosition bits). Without a mask, the layouts
    // the AAC and AC-3 standards define for that many channels.
    match (channels, mask) {
        (1, None | Some(0) | Some(0x4)) => Some("mono"),
        (2, None | Some(0) | Some(0x3)) => Some("stereo"),
        (3, Some(0x7)) => Some("3.0"),
        (3, Some(0xb)) => Some("2.1"),
        (4, Some(0x33)) => Some("quad"),
        (6, None | Some(0x3f)) => Some("5.1"),
        (6, Some(m)) if m & 0xf == 0xf && m.count_ones() == 6 => Some("5.1(side)"),
        (8, None) => Some("7.1"),
        (8, Some(m)) if m & 0xf == 0xf && m.count_ones() == 8 => Some("7.1"),
        _ => None,
    }
}

/// Tags as a JSON object with `snake_case` keys; dates in UTC ISO-8601; binary
/// values (cover art, attachments) taken out as [`Attachment`]s.
fn tags_json(tags: &gst::TagList, container: bool) -> (Map<String, Value>, Vec<Attachment>) {
    let mut out = Map::new();
    let mut attachments = Vec::new();
    for (name, values) in tags.iter_generic() {
        let mut key = name.as_str().replace(['-', ' '], "_");
        if container && key == "datetime" {
            key = "creation_time".into();
        }
        let mut vals = Vec::new();
        for v in values {
            if let Ok(sample) = v.get::<gst::Sample>() {
                if matches!(key.as_str(), "attachment" | "image" | "preview_image") {
                    attachments.push(attachment(&sample, &key));
                } else {
                    // Private data (unknown atoms and the like): described by size.
                    let kind = sample
                        .caps()
                        .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
                        .unwrap_or_default();
                    let bytes = sample.buffer().map(|b| b.size()).unwrap_or(0);
                    vals.push(json!({ "binary": kind, "bytes": bytes }));
                }
            } else if let Some(j) = value_json(v) {
                vals.push(j);
            }
        }
        match vals.len() {
            0 => {}
            1 => {
                out.insert(key, vals.into_iter().next().unwrap());
            }
            _ => {
                out.insert(key, Value::Array(vals));
            }
        }
    }
    (out, attachments)
}

fn attachment(sample: &gst::Sample, tag: &str) -> Attachment {
    let info = sample.info();
    let field = |f: &str| info.and_then(|i| i.get::<String>(f).ok());
    // The container's stated type first: the caps may come from type-finding
    // the payload, which mistakes fonts for video.
    let mime = field("mimetype").or_else(|| {
        sample
            .caps()
            .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
    });
    let file_name = field("filename");
    let cover = matches!(tag, "image" | "preview_image")
        || file_name
            .as_deref()
            .is_some_and(|f| f.to_ascii_lowercase().starts_with("cover"));
    Attachment {
        file_name,
        mime_type: mime,
        size: sample.buffer().map(|b| b.size() as u64).unwrap_or(0),
        cover,
    }
}

fn value_json(v: &glib::SendValue) -> Option<Value> {
    if let Ok(s) = v.get::<String>() {
        return Some(json!(s));
    }
    if let Ok(x) = v.get::<u32>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<i32>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<u64>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<i64>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<f64>() {
        return serde_json::Number::from_f64(x).map(Value::Number);
    }
    if let Ok(x) = v.get::<bool>() {
        return Some(json!(x));
    }
    if let Ok(dt) = v.get::<gst::DateTime>() {
        return datetime_json(&dt);
    }
    if let Ok(d) = v.get::<glib::Date>() {
        return Some(json!(format!(
            "{:04}-{:02}-{:02}",
            d.year(),
            glib::translate::IntoGlib::into_glib(d.month()),
            d.day()
        )));
    }
    None
}

pub(crate) fn datetime_json(dt: &gst::DateTime) -> Option<Value> {
    // A date with a time of day becomes UTC; a bare date or year stays as written.
    if dt.has_time()
        && let Ok(g) = dt
            .to_g_date_time()
            .and_then(|g| g.to_utc().map_err(|_| glib::bool_error!("utc")))
        && let Ok(s) = g.format("%Y-%m-%dT%H:%M:%SZ")
    {
        return Some(json!(s.as_str()));
    }
    dt.to_iso8601_string().ok().map(|s| json!(s.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_utc_and_bare_dates_stay() {
        gst::init().unwrap();
        let t = gst::DateTime::new(2.0, 2021, 6, 1, 10, 20, 30.0).unwrap();
        assert_eq!(datetime_json(&t), Some(json!("2021-06-01T08:20:30Z")));
        let d = gst::DateTime::from_ymd(2019, 3, 4).unwrap();
        assert_eq!(datetime_json(&d), Some(json!("2019-03-04")));
    }

    #[test]
    fn colorimetry_tells_hdr() {
        gst::init().unwrap();
        let mut s = Stream::default();
        colorimetry("bt2100-pq", &mut s);
        assert_eq!(s.hdr.as_deref(), Some("HDR10"));
        assert_eq!(s.colorimetry.as_ref().unwrap()["transfer"], "smpte2084");
        let mut s = Stream::default();
        colorimetry("bt2100-hlg", &mut s);
        assert_eq!(s.hdr.as_deref(), Some("HLG"));
        let mut s = Stream::default();
        colorimetry("bt709", &mut s);
        assert!(s.hdr.is_none());
        assert_eq!(s.colorimetry.as_ref().unwrap()["range"], "limited");
    }

    #[test]
    fn hdr10_static_metadata() {
        let m =
            mastering_display("34000:16000:13250:34500:7500:3000:15635:16450:10000000:50").unwrap();
        assert!((m.red[0] - 0.68).abs() < 1e-9 && (m.white_point[1] - 0.329).abs() < 1e-9);
        assert!((m.max_luminance - 1000.0).abs() < 1e-9 && (m.min_luminance - 0.005).abs() < 1e-9);
        assert_eq!(
            content_light_level("1000:400"),
            Some(ContentLightLevel {
                max_cll: 1000,
                max_fall: 400
            })
        );
    }

    #[test]
    fn layouts_are_never_guessed_from_odd_masks() {
        assert_eq!(channel_layout(6, Some(0x3f)), Some("5.1"));
        assert_eq!(channel_layout(6, Some(0x1)), None);
    }
}
