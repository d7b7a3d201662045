//! Keyframe sampling for fingerprints (media side, GStreamer): the worker verb
//! `__fingerprint-worker` decodes a spread of keyframes of one file to 64×64
//! gray frames and hashes them (see `crate::fingerprint`).
//!
//! `filesrc ! decodebin ! videoconvert ! videoscale ! GRAY8 64×64 ! appsink`,
//! paused; then one flushing seek per target with `KEY_UNIT | SNAP_BEFORE |
//! TRICKMODE_KEY_UNITS` (only keyframes are decoded, ~30 ms per 1080p seek)
//! and the preroll sample pulled. Each frame keeps the stream time of the
//! keyframe it came from, not the target. Audio is never decoded: decodebin
//! stops at the encoded audio and that pad goes to a fakesink.
//!
//! Invariants: the call returns within its deadline unless GStreamer blocks in
//! a state change (the parent kills the worker then); a file without a video
//! stream is an `error` saying so, never an empty success.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_video as gst_video;

use mediadex_core::catalog::files::Status;
use mediadex_core::fingerprint::{self, FpDoc, Frame, THUMB};
use mediadex_core::scan::protocol::{Done, empty_doc};

/// One request of the fingerprint worker: stat check, sample, hash.
pub(crate) fn fingerprint_one(
    id: u64,
    path: &Path,
    size: u64,
    mtime_ns: i64,
    timeout: Duration,
) -> Done {
    let deadline = Instant::now() + timeout;
    crate::worker::checked(id, path, size, mtime_ns, || match sample(path, deadline) {
        Ok(doc) => {
            let raw = serde_json::value::to_raw_value(&doc).expect("fingerprint serializes");
            (Status::Ok, None, raw)
        }
        Err((status, e)) => (status, Some(e), empty_doc()),
    })
}

type Failure = (Status, String);

struct Pipeline(gst::Pipeline);

impl Drop for Pipeline {
    fn drop(&mut self) {
        let _ = self.0.set_state(gst::State::Null);
    }
}

fn sample(path: &Path, deadline: Instant) -> Result<FpDoc, Failure> {
    let err = |e: &dyn std::fmt::Display| (Status::Error, e.to_string());
    let make = |f: &str| gst::ElementFactory::make(f).build().map_err(|e| err(&e));
    let pipeline = Pipeline(gst::Pipeline::new());
    let src = gst::ElementFactory::make("filesrc")
        .property("location", path)
        .build()
        .map_err(|e| err(&e))?;
    let decode = make("decodebin")?;
    let convert = make("videoconvert")?;
    let scale = make("videoscale")?;
    let filter = gst::ElementFactory::make("capsfilter")
        .property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "GRAY8")
                .field("width", THUMB as i32)
                .field("height", THUMB as i32)
                .build(),
        )
        .build()
        .map_err(|e| err(&e))?;
    let sink = gst::ElementFactory::make("appsink")
        .property("sync", false)
        .property("max-buffers", 1u32)
        .build()
        .map_err(|e| err(&e))?;
    let p = &pipeline.0;
    p.add_many([&src, &decode, &convert, &scale, &filter, &sink])
        .map_err(|e| err(&e))?;
    src.link(&decode).map_err(|e| err(&e))?;
    gst::Element::link_many([&convert, &scale, &filter, &sink]).map_err(|e| err(&e))?;

    // Only video is decoded: stop autoplugging at encoded audio and subtitles.
    decode.connect("autoplug-continue", false, |args| {
        let caps = args[2].get::<gst::Caps>().ok()?;
        let name = caps
            .structure(0)
            .map(|s| s.name().to_string())
            .unwrap_or_default();
        let stop = ["audio/", "text/", "subpicture/", "closedcaption/"]
            .iter()
            .any(|p| name.starts_with(p));
        Some((!stop).to_value())
    });
    let video_linked = Arc::new(Mutex::new(false));
    let (weak_pipe, convert_sink, linked) = (
        p.downgrade(),
        convert.static_pad("sink").unwrap(),
        video_linked.clone(),
    );
    decode.connect_pad_added(move |_, pad| {
        let caps = pad.current_caps().or_else(|| Some(pad.query_caps(None)));
        let is_video = caps
            .and_then(|c| c.structure(0).map(|s| s.name().starts_with("video/x-raw")))
            .unwrap_or(false);
        let mut l = linked.lock().unwrap();
        if is_video && !*l && pad.link(&convert_sink).is_ok() {
            *l = true;
            return;
        }
        // Anything else (audio, a second video stream) drains into a fakesink.
        let Some(pipe) = weak_pipe.upgrade() else {
            return;
        };
        if let Ok(fake) = gst::ElementFactory::make("fakesink")
            .property("sync", false)
            .property("async", false)
            .build()
        {
            let _ = pipe.add(&fake);
            let _ = fake.sync_state_with_parent();
            let _ = pad.link(&fake.static_pad("sink").unwrap());
        }
    });

    p.set_state(gst::State::Paused)
        .map_err(|_| bus_error(p).unwrap_or_else(|| err(&"could not start decoding")))?;
    wait_preroll(p, deadline)?;
    if !*video_linked.lock().unwrap() {
        return Err((Status::Error, "no video stream to fingerprint".into()));
    }
    let duration_s = p
        .query_duration::<gst::ClockTime>()
        .map(|d| d.seconds_f64());
    let mut doc = FpDoc {
        duration_s,
        ..FpDoc::default()
    };
    let targets = match duration_s {
        Some(d) if d > 0.0 => fingerprint::targets(d),
        _ => vec![0.0],
    };
    let flags = gst::SeekFlags::FLUSH
        | gst::SeekFlags::KEY_UNIT
        | gst::SeekFlags::SNAP_BEFORE
        | gst::SeekFlags::TRICKMODE_KEY_UNITS;
    for t in targets {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err((
                Status::Timeout,
                format!(
                    "keyframes still decoding at the deadline ({} sampled)",
                    doc.frames.len()
                ),
            ));
        }
        if p.seek_simple(flags, gst::ClockTime::from_nseconds((t * 1e9) as u64))
            .is_err()
        {
            // Not seekable (a stream without an index): the preroll frame alone.
            if doc.frames.is_empty()
                && let Some(f) = pull(&sink, left)?
            {
                doc.frames.push(f);
            }
            break;
        }
        match pull(&sink, left)? {
            Some(f) if doc.frames.iter().any(|g| g.t_ms == f.t_ms) => doc.repeats += 1,
            Some(f) => doc.frames.push(f),
            None => {
                if let Some(e) = bus_error(p) {
                    return Err(e);
                }
            }
        }
    }
    if doc.frames.is_empty() {
        return Err(
            bus_error(p).unwrap_or((Status::Error, "no video frame could be decoded".into()))
        );
    }
    doc.frames.sort_by_key(|f| f.t_ms);
    Ok(doc)
}

fn wait_preroll(p: &gst::Pipeline, deadline: Instant) -> Result<(), Failure> {
    let bus = p.bus().expect("pipeline bus");
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err((Status::Timeout, "no picture within the deadline".into()));
        }
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_nseconds(left.as_nanos() as u64)) else {
            continue;
        };
        match msg.view() {
            gst::MessageView::AsyncDone(_) => return Ok(()),
            gst::MessageView::Error(e) => return Err(classify(e)),
            gst::MessageView::Eos(_) => {
                return Err((Status::Error, "no video frame could be decoded".into()));
            }
            _ => {}
        }
    }
}

/// The first error waiting on the bus, if any.
fn bus_error(p: &gst::Pipeline) -> Option<Failure> {
    let bus = p.bus()?;
    while let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error]) {
        if let gst::MessageView::Error(e) = msg.view() {
            return Some(classify(e));
        }
    }
    None
}

fn classify(e: &gst::message::Error) -> Failure {
    let text = e.error().to_string();
    let missing = e.error().matches(gst::CoreError::MissingPlugin)
        || e.error().matches(gst::StreamError::CodecNotFound);
    if missing {
        (Status::Unsupported, format!("missing plugin: {text}"))
    } else {
        (Status::Error, format!("could not decode: {text}"))
    }
}

/// The preroll sample of the appsink as a hashed frame; `None` at the end of
/// the stream or when nothing arrives in time.
fn pull(sink: &gst::Element, wait: Duration) -> Result<Option<Frame>, Failure> {
    let sample =
        sink.emit_by_name::<Option<gst::Sample>>("try-pull-preroll", &[&(wait.as_nanos() as u64)]);
    let Some(sample) = sample else {
        return Ok(None);
    };
    let (Some(buffer), Some(caps)) = (sample.buffer(), sample.caps()) else {
        return Ok(None);
    };
    let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| (Status::Error, e.to_string()))?;
    let pts = buffer.pts().unwrap_or(gst::ClockTime::ZERO);
    let stream_time = sample
        .segment()
        .and_then(|s| s.downcast_ref::<gst::ClockTime>())
        .and_then(|s| s.to_stream_time(pts))
        .unwrap_or(pts);
    let map = buffer
        .map_readable()
        .map_err(|e| (Status::Error, e.to_string()))?;
    let (w, h, stride) = (
        info.width() as usize,
        info.height() as usize,
        info.stride()[0] as usize,
    );
    if map.len() < stride * h {
        return Ok(None);
    }
    let (hash, quality) = fingerprint::phash::phash(&map, w, h, stride);
    Ok(Some(Frame {
        t_ms: (stream_time.nseconds() / 1_000_000) as i64,
        hash,
        quality,
    }))
}
