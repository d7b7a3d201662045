//! One file → one [`Probe`]: a parse-only GStreamer pipeline that stops before
//! every decoder.
//!
//! `uridecodebin` is asked, through `autoplug-continue`, to stop as soon as a pad
//! carries parsed elementary-stream caps (or caps no demuxer or parser would take),
//! so nothing is ever decoded. Each exposed pad gets a `fakesink`; at PAUSED
//! (`ASYNC_DONE`) the caps, sticky tag events and duration describe the file.
//!
//! Invariants: a field GStreamer cannot tell is absent from the document, never
//! guessed; the call returns within its deadline unless GStreamer blocks in a
//! state change, which is why probes run in a worker process that can be killed.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_pbutils as pbutils;
use serde_json::{Map, Value, json};

use crate::catalog::files::Status;

/// What a probe found.
#[derive(Debug, Clone)]
pub struct Probe {
    pub status: Status,
    pub error: Option<String>,
    pub doc: Value,
}

impl Probe {
    fn failed(status: Status, error: String) -> Probe {
        Probe {
            status,
            error: Some(error),
            doc: json!({}),
        }
    }
}

/// Initialise GStreamer once per process.
pub fn init() -> Result<(), glib::Error> {
    gst::init()
}

/// Demuxers and parsers: caps one of these can take are not yet "parsed enough".
fn splitters() -> &'static Vec<gst::ElementFactory> {
    static F: OnceLock<Vec<gst::ElementFactory>> = OnceLock::new();
    F.get_or_init(|| {
        gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DEMUXER | gst::ElementFactoryType::PARSER,
            gst::Rank::MARGINAL,
        )
        .into_iter()
        .collect()
    })
}

/// Should decodebin keep plugging elements after `pad` with `caps`?
fn keep_plugging(pad: &gst::Pad, caps: &gst::Caps) -> bool {
    let Some(s) = caps.structure(0) else {
        return true;
    };
    let name = s.name().as_str();
    if name.ends_with("/x-raw") || name.starts_with("text/") || name.starts_with("subpicture/") {
        return false;
    }
    if s.get::<bool>("parsed").unwrap_or(false) || s.get::<bool>("framed").unwrap_or(false) {
        return false;
    }
    // Output of a parser is as far as we go, marked or not.
    if let Some(factory) = pad.parent_element().and_then(|e| e.factory())
        && factory.klass().contains("Parser")
    {
        return false;
    }
    splitters().iter().any(|f| f.can_sink_any_caps(caps))
}

/// Probe `path`, giving up after `timeout`.
pub fn probe(path: &Path, timeout: Duration) -> Probe {
    let started = Instant::now();
    let uri = match glib::filename_to_uri(path, None) {
        Ok(u) => u,
        Err(e) => {
            return Probe::failed(Status::Error, format!("cannot make a URI of the path: {e}"));
        }
    };
    let pipeline = gst::Pipeline::new();
    let src = match gst::ElementFactory::make("uridecodebin")
        .property("uri", uri.as_str())
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            return Probe::failed(
                Status::Unsupported,
                format!("missing plugin: uridecodebin ({e})"),
            );
        }
    };
    src.connect("autoplug-continue", false, |args| {
        let pad = args[1].get::<gst::Pad>().ok()?;
        let caps = args[2].get::<gst::Caps>().ok()?;
        Some(keep_plugging(&pad, &caps).to_value())
    });
    let sinks: Arc<Mutex<Vec<gst::Pad>>> = Arc::default();
    {
        let sinks = sinks.clone();
        let pipeline_weak = pipeline.downgrade();
        src.connect_pad_added(move |_, pad| {
            let Some(pipeline) = pipeline_weak.upgrade() else {
                return;
            };
            let Ok(sink) = gst::ElementFactory::make("fakesink")
                .property("sync", false)
                .property("enable-last-sample", false)
                .property("qos", false)
                .build()
            else {
                return;
            };
            if pipeline.add(&sink).is_err() {
                return;
            }
            let sinkpad = sink.static_pad("sink").expect("fakesink has a sink pad");
            let _ = sink.sync_state_with_parent();
            if pad.link(&sinkpad).is_ok() {
                sinks.lock().unwrap().push(sinkpad);
            }
        });
    }
    pipeline.add(&src).expect("add uridecodebin");
    let result = run_to_paused(&pipeline, timeout, started);
    let out = match result {
        Ok(global_tags) => describe(path, &pipeline, &sinks.lock().unwrap(), global_tags),
        Err(p) => p,
    };
    let _ = pipeline.set_state(gst::State::Null);
    out
}

/// Bring the pipeline to PAUSED and collect bus tags; Err carries the failed probe.
fn run_to_paused(
    pipeline: &gst::Pipeline,
    timeout: Duration,
    started: Instant,
) -> Result<gst::TagList, Probe> {
    let bus = pipeline.bus().expect("pipeline has a bus");
    let mut missing: Vec<String> = Vec::new();
    let mut tags = gst::TagList::new();
    if pipeline.set_state(gst::State::Paused).is_err() {
        // The error itself is on the bus; fall through to read it.
    }
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(Probe::failed(
                Status::Timeout,
                format!(
                    "no answer from GStreamer within {:.1} s",
                    timeout.as_secs_f64()
                ),
            ));
        }
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_nseconds(left.as_nanos() as u64)) else {
            continue;
        };
        use gst::MessageView;
        match msg.view() {
            MessageView::AsyncDone(_) => return Ok(tags),
            MessageView::Error(e) => {
                if !missing.is_empty() {
                    return Err(Probe::failed(
                        Status::Unsupported,
                        format!("missing plugin: {}", missing.join(", ")),
                    ));
                }
                let mut text = e.error().message().to_string();
                if let Some(dbg) = e.debug() {
                    // The first line of the debug text names the element and reason.
                    if let Some(first) = dbg.lines().next().filter(|l| !l.is_empty()) {
                        text = format!("{text} ({first})");
                    }
                }
                return Err(Probe::failed(Status::Error, text));
            }
            MessageView::Element(_) => {
                if let Ok(m) = pbutils::MissingPluginMessage::parse(&msg) {
                    missing.push(format!("{} [{}]", m.description(), m.installer_detail()));
                }
            }
            MessageView::Tag(t) => {
                let list = t.tags();
                if list.scope() == gst::TagScope::Global {
                    tags.make_mut().insert(&list, gst::TagMergeMode::Keep);
                }
            }
            _ => {}
        }
    }
}

struct StreamInfo {
    id: String,
    caps: gst::Caps,
    tags: gst::TagList,
}

fn describe(
    path: &Path,
    pipeline: &gst::Pipeline,
    sinks: &[gst::Pad],
    mut global: gst::TagList,
) -> Probe {
    let mut streams: Vec<StreamInfo> = Vec::new();
    for pad in sinks {
        let Some(caps) = pad.current_caps() else {
            continue;
        };
        let id = pad
            .sticky_event::<gst::event::StreamStart>(0)
            .map(|e| e.stream_id().to_string())
            .unwrap_or_default();
        let mut stream_tags = gst::TagList::new();
        pad.sticky_events_foreach(|ev| {
            if let gst::EventView::Tag(t) = ev.view() {
                let list = t.tag();
                if list.scope() == gst::TagScope::Stream {
                    stream_tags.make_mut().insert(list, gst::TagMergeMode::Keep);
                } else {
                    global.make_mut().insert(list, gst::TagMergeMode::Keep);
                }
            }
            std::ops::ControlFlow::Continue(gst::EventForeachAction::Keep)
        });
        streams.push(StreamInfo {
            id,
            caps,
            tags: stream_tags,
        });
    }
    // Pads appear in thread order; stream ids carry the container's track order.
    streams.sort_by(|a, b| a.id.cmp(&b.id));

    let mut doc = Map::new();
    let container_caps = typefound_caps(pipeline);
    if let Some(caps) = &container_caps {
        if let Some(name) = container_name(caps) {
            doc.insert("container".into(), json!(name));
        }
        doc.insert(
            "container_description".into(),
            json!(pbutils::functions::pb_utils_get_codec_description(caps).as_str()),
        );
        doc.insert(
            "mime_type".into(),
            json!(caps.structure(0).map(|s| s.name().as_str()).unwrap_or("")),
        );
    }
    let size = std::fs::metadata(path).ok().map(|m| m.len());
    if let Some(size) = size {
        doc.insert("size".into(), json!(size));
    }
    let duration = pipeline.query_duration::<gst::ClockTime>();
    if let Some(d) = duration.filter(|d| d.nseconds() > 0) {
        doc.insert("duration_ns".into(), json!(d.nseconds()));
        let secs = d.nseconds() as f64 / 1e9;
        doc.insert("duration_s".into(), json!(secs));
        if let Some(size) = size {
            doc.insert(
                "bitrate".into(),
                json!(((size as f64) * 8.0 / secs).round() as u64),
            );
        }
    }
    let tags = tags_json(&global, true);
    let stream_docs: Vec<Value> = streams.iter().map(stream_json).collect();
    let first = |kind: &str| stream_docs.iter().find(|s| s["kind"] == kind);
    if let Some(v) = first("video") {
        let mut summary = Map::new();
        for k in ["codec", "width", "height", "frame_rate", "hdr"] {
            if let Some(x) = v.get(k) {
                summary.insert(k.into(), x.clone());
            }
        }
        doc.insert("video".into(), Value::Object(summary));
    }
    if let Some(a) = first("audio") {
        let mut summary = Map::new();
        for k in ["codec", "channels", "sample_rate", "language"] {
            if let Some(x) = a.get(k) {
                summary.insert(k.into(), x.clone());
            }
        }
        doc.insert("audio".into(), Value::Object(summary));
    }
    for kind in ["video", "audio", "subtitle"] {
        let n = stream_docs.iter().filter(|s| s["kind"] == kind).count();
        doc.insert(format!("{kind}_streams"), json!(n));
    }
    if !tags.is_empty() {
        doc.insert("tags".into(), Value::Object(tags));
    }
    doc.insert("streams".into(), Value::Array(stream_docs));
    if streams.is_empty() {
        return Probe {
            status: Status::Error,
            error: Some("no streams found".into()),
            doc: Value::Object(doc),
        };
    }
    Probe {
        status: Status::Ok,
        error: None,
        doc: Value::Object(doc),
    }
}

/// The caps decodebin's type finder settled on: the container (or the bare stream).
fn typefound_caps(pipeline: &gst::Pipeline) -> Option<gst::Caps> {
    let mut it = pipeline.iterate_recurse();
    while let Ok(Some(e)) = it.next() {
        if e.factory().is_some_and(|f| f.name() == "typefind") {
            return e.property::<Option<gst::Caps>>("caps");
        }
    }
    None
}

/// Short container names people filter on.
fn container_name(caps: &gst::CapsRef) -> Option<String> {
    let s = caps.structure(0)?;
    let name = s.name().as_str();
    let short = match name {
        "video/quicktime" => match s.get::<&str>("variant").unwrap_or("") {
            "iso" | "iso-fragmented" => "mp4",
            "3gpp" => "3gp",
            "3g2" => "3g2",
            "mj2" => "mj2",
            _ => "mov",
        },
        "audio/x-m4a" => "m4a",
        "video/x-matroska" => "mkv",
        "video/webm" | "audio/webm" => "webm",
        "video/x-msvideo" => "avi",
        "video/mpegts" => {
            if s.get::<i32>("packetsize").unwrap_or(188) == 192 {
                "m2ts"
            } else {
                "ts"
            }
        }
        "video/mpeg" if s.get::<bool>("systemstream").unwrap_or(false) => "mpeg-ps",
        "application/ogg" | "video/ogg" | "audio/ogg" => "ogg",
        "video/x-flv" => "flv",
        "video/x-ms-asf" => "asf",
        "application/mxf" => "mxf",
        "video/x-dv" => "dv",
        "application/x-id3" | "application/x-apetag" => "tagged",
        "audio/x-wav" => "wav",
        "audio/x-flac" => "flac",
        "audio/mpeg" => match s.get::<i32>("mpegversion").unwrap_or(1) {
            1 => "mp3",
            _ => "aac",
        },
        "video/x-h264" => "h264",
        "video/x-h265" => "hevc",
        "video/x-ivf" => "ivf",
        "video/x-nuv" => "nuv",
        "application/vnd.rn-realmedia" => "rm",
        other => other
            .rsplit('/')
            .next()
            .unwrap_or(other)
            .trim_start_matches("x-"),
    };
    Some(short.to_string())
}

/// Short codec names, in the spirit of ffprobe's.
fn codec_name(s: &gst::StructureRef) -> String {
    let name = s.name().as_str();
    let int = |f: &str| s.get::<i32>(f).ok();
    match name {
        "video/x-h264" => "h264".into(),
        "video/x-h265" => "hevc".into(),
        "video/x-h266" => "vvc".into(),
        "video/x-vp8" => "vp8".into(),
        "video/x-vp9" => "vp9".into(),
        "video/x-av1" => "av1".into(),
        "video/mpeg" => match int("mpegversion") {
            Some(1) => "mpeg1video".into(),
            Some(2) => "mpeg2video".into(),
            Some(4) => "mpeg4".into(),
            _ => "mpegvideo".into(),
        },
        "video/x-divx" | "video/x-xvid" => "mpeg4".into(),
        "video/x-h263" => "h263".into(),
        "image/jpeg" => "mjpeg".into(),
        "image/png" => "png".into(),
        "video/x-theora" => "theora".into(),
        "video/x-prores" => "prores".into(),
        "video/x-dnxhd" => "dnxhd".into(),
        "video/x-ffv" => "ffv1".into(),
        "video/x-wmv" => match (int("wmvversion"), s.get::<&str>("format").ok()) {
            (_, Some("WVC1")) => "vc1".into(),
            (Some(v), _) => format!("wmv{v}"),
            _ => "wmv".into(),
        },
        "video/x-dirac" => "dirac".into(),
        "video/x-raw" => "rawvideo".into(),
        "video/x-dv" => "dvvideo".into(),
        "video/x-flash-video" => "flv1".into(),
        "audio/mpeg" => match (int("mpegversion"), int("layer")) {
            (Some(1), Some(3)) | (Some(1), None) => "mp3".into(),
            (Some(1), Some(2)) => "mp2".into(),
            (Some(1), Some(1)) => "mp1".into(),
            _ => "aac".into(),
        },
        "audio/x-opus" => "opus".into(),
        "audio/x-vorbis" => "vorbis".into(),
        "audio/x-flac" => "flac".into(),
        "audio/x-ac3" | "audio/ac3" => "ac3".into(),
        "audio/x-eac3" => "eac3".into(),
        "audio/x-dts" => "dts".into(),
        "audio/x-true-hd" => "truehd".into(),
        "audio/x-alac" => "alac".into(),
        "audio/x-raw" => "pcm".into(),
        "audio/x-alaw" => "pcm_alaw".into(),
        "audio/x-mulaw" => "pcm_mulaw".into(),
        "audio/x-wma" => match int("wmaversion") {
            Some(v) => format!("wmav{v}"),
            None => "wma".into(),
        },
        "audio/AMR" => "amr_nb".into(),
        "audio/AMR-WB" => "amr_wb".into(),
        "text/x-raw" => "text".into(),
        "application/x-ssa" | "application/x-ass" => "ass".into(),
        "application/x-subtitle-vtt" => "webvtt".into(),
        "subpicture/x-pgs" => "pgs".into(),
        "subpicture/x-dvd" => "dvd_subtitle".into(),
        "subpicture/x-dvb" => "dvb_subtitle".into(),
        other => other
            .rsplit('/')
            .next()
            .unwrap_or(other)
            .trim_start_matches("x-")
            .to_string(),
    }
}

fn kind_of(name: &str) -> &'static str {
    if name.starts_with("video/") || name.starts_with("image/") {
        "video"
    } else if name.starts_with("audio/") {
        "audio"
    } else if name.starts_with("text/")
        || name.starts_with("subpicture/")
        || matches!(
            name,
            "application/x-ssa" | "application/x-ass" | "application/x-subtitle-vtt"
        )
    {
        "subtitle"
    } else {
        "other"
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

fn stream_json(st: &StreamInfo) -> Value {
    let mut m = Map::new();
    let Some(s) = st.caps.structure(0) else {
        return Value::Object(m);
    };
    let name = s.name().as_str();
    m.insert("kind".into(), json!(kind_of(name)));
    m.insert("codec".into(), json!(codec_name(s)));
    m.insert(
        "codec_description".into(),
        json!(pbutils::functions::pb_utils_get_codec_description(&st.caps).as_str()),
    );
    if !st.id.is_empty() {
        m.insert("stream_id".into(), json!(st.id));
    }
    let get_str = |f: &str| s.get::<&str>(f).ok().map(str::to_string);
    let get_int = |f: &str| s.get::<i32>(f).ok();
    let get_uint = |f: &str| s.get::<u32>(f).ok();
    for (field, key) in [("profile", "profile"), ("level", "level"), ("tier", "tier")] {
        if let Some(v) = get_str(field) {
            m.insert(key.into(), json!(v));
        }
    }
    let (w, h) = (get_int("width"), get_int("height"));
    if let Some(w) = w {
        m.insert("width".into(), json!(w));
    }
    if let Some(h) = h {
        m.insert("height".into(), json!(h));
    }
    let par = s.get::<gst::Fraction>("pixel-aspect-ratio").ok();
    if let Some(p) = par {
        m.insert(
            "pixel_aspect_ratio".into(),
            json!(format!("{}:{}", p.numer(), p.denom())),
        );
    }
    if let (Some(w), Some(h)) = (w, h)
        && w > 0
        && h > 0
    {
        let (pn, pd) = par
            .map(|p| (p.numer() as i64, p.denom() as i64))
            .unwrap_or((1, 1));
        let (dn, dd) = (w as i64 * pn, h as i64 * pd);
        let g = gcd(dn, dd).max(1);
        m.insert(
            "display_aspect_ratio".into(),
            json!(format!("{}:{}", dn / g, dd / g)),
        );
    }
    if let Ok(fr) = s.get::<gst::Fraction>("framerate")
        && fr.numer() > 0
        && fr.denom() > 0
    {
        m.insert(
            "frame_rate".into(),
            json!(fr.numer() as f64 / fr.denom() as f64),
        );
        m.insert(
            "frame_rate_fraction".into(),
            json!(format!("{}/{}", fr.numer(), fr.denom())),
        );
    }
    if let Some(mode) = get_str("interlace-mode") {
        m.insert("interlaced".into(), json!(mode != "progressive"));
        m.insert("interlace_mode".into(), json!(mode));
    }
    if let Some(b) =
        get_uint("bit-depth-luma").or_else(|| get_int("bit-depth-luma").map(|v| v as u32))
    {
        m.insert("bit_depth".into(), json!(b));
    }
    if let Some(c) = get_str("chroma-format") {
        m.insert("chroma_format".into(), json!(c));
    }
    if let Some(c) = get_str("colorimetry") {
        colorimetry(&c, &mut m);
    }
    if s.has_field("mastering-display-info") && !m.contains_key("hdr") {
        m.insert("hdr".into(), json!("HDR10"));
    }
    if name == "video/x-h265"
        && let Some(p) = m.get("profile").and_then(Value::as_str)
        && p.contains("dolby")
    {
        m.insert("hdr".into(), json!("Dolby Vision"));
    }
    if let Some(ch) = get_int("channels") {
        m.insert("channels".into(), json!(ch));
        let mask = s.get::<gst::Bitmask>("channel-mask").ok().map(|b| b.0);
        if let Some(layout) = channel_layout(ch, mask) {
            m.insert("channel_layout".into(), json!(layout));
        }
    }
    if let Some(rate) = get_int("rate") {
        m.insert("sample_rate".into(), json!(rate));
    }
    if kind_of(name) == "audio"
        && let Some(fmt) = get_str("format")
        && let Some(bits) = fmt.get(1..).and_then(|d| {
            d.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .parse::<u32>()
                .ok()
        })
    {
        m.insert("bit_depth".into(), json!(bits));
    }
    let tags = tags_json(&st.tags, false);
    if let Some(lang) = tags
        .get("language_code")
        .or_else(|| tags.get("language_name"))
    {
        m.insert("language".into(), lang.clone());
    }
    if let Some(t) = tags.get("title") {
        m.insert("title".into(), t.clone());
    }
    if let Some(b) = tags.get("bitrate").or_else(|| tags.get("nominal_bitrate")) {
        m.insert("bitrate".into(), b.clone());
    }
    if let Some(o) = tags.get("image_orientation").and_then(Value::as_str) {
        let deg = o
            .trim_start_matches("flip-")
            .trim_start_matches("rotate-")
            .parse::<u32>()
            .ok();
        if let Some(d) = deg {
            m.insert("rotation".into(), json!(d));
        }
    }
    if !tags.is_empty() {
        m.insert("tags".into(), Value::Object(tags));
    }
    m.insert("caps".into(), json!(caps_text(&st.caps)));
    Value::Object(m)
}

/// Caps as text without the bulky binary fields (codec headers).
fn caps_text(caps: &gst::Caps) -> String {
    let mut c = caps.copy();
    if let Some(s) = c.make_mut().structure_mut(0) {
        for f in ["codec_data", "streamheader"] {
            s.remove_field(f);
        }
    }
    c.to_string()
}

fn colorimetry(text: &str, m: &mut Map<String, Value>) {
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
        VideoTransferFunction::Smpte2084 => {
            m.insert("hdr".into(), json!("HDR10"));
        }
        VideoTransferFunction::AribStdB67 => {
            m.insert("hdr".into(), json!("HLG"));
        }
        _ => {}
    }
    m.insert("colorimetry".into(), Value::Object(o));
}

fn channel_layout(channels: i32, mask: Option<u64>) -> Option<&'static str> {
    // GStreamer channel positions: FL=0x1 FR=0x2 FC=0x4 LFE1=0x8 RL=0x10 RR=0x20
    // SL=0x400... (GstAudioChannelPosition bits).
    match (channels, mask) {
        (1, None | Some(0) | Some(0x4)) => Some("mono"),
        (2, None | Some(0) | Some(0x3)) => Some("stereo"),
        (3, Some(0x7)) => Some("3.0"),
        (3, Some(0xb)) => Some("2.1"),
        (4, Some(0x33)) => Some("quad"),
        (6, Some(0x3f)) => Some("5.1"),
        (6, Some(m)) if m & 0xf == 0xf && m.count_ones() == 6 => Some("5.1(side)"),
        (8, Some(m)) if m & 0xf == 0xf && m.count_ones() == 8 => Some("7.1"),
        _ => None,
    }
}

/// Tags as a JSON object with `snake_case` keys; dates in UTC ISO-8601; binary
/// values (cover art, private data) described by size instead of dumped.
fn tags_json(tags: &gst::TagList, container: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, values) in tags.iter_generic() {
        let mut key = name.as_str().replace(['-', ' '], "_");
        if container && key == "datetime" {
            key = "creation_time".into();
        }
        let vals: Vec<Value> = values.filter_map(value_json).collect();
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
    out
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
    if let Ok(sample) = v.get::<gst::Sample>() {
        let size = sample.buffer().map(|b| b.size()).unwrap_or(0);
        let kind = sample
            .caps()
            .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
            .unwrap_or_default();
        return Some(json!({ "binary": kind, "bytes": size }));
    }
    None
}

fn datetime_json(dt: &gst::DateTime) -> Option<Value> {
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
