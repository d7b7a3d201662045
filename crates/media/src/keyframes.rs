//! Keyframe sampling for fingerprints (media side, GStreamer): the worker verb
//! `__fingerprint-worker` decodes a spread of keyframes of one file and hashes
//! them (see `crate::fingerprint`).
//!
//! `filesrc ! decodebin ! videoconvert ! appsink`, paused. The appsink takes
//! the decoder's own 8-bit YUV (or gray) frames, so nothing is converted or
//! scaled at full size in GStreamer (that cost more than the decoding); the
//! luma plane is area-averaged to a 64×64 thumbnail here. The preroll frame is
//! the first sample; then one flushing seek per target with `KEY_UNIT |
//! SNAP_BEFORE | TRICKMODE_KEY_UNITS` (only keyframes are decoded) and the
//! preroll sample pulled, then `SNAP_AFTER` seeks just past it for the
//! keyframes that follow (`fingerprint::BURST` in all). A probe on the
//! decoder's input sees which keyframe a seek landed on before it is decoded:
//! one already sampled is dropped and the next seek issued, so no keyframe is
//! decoded twice. Each frame keeps the
//! stream time of its keyframe, not the target. Audio is never decoded:
//! decodebin stops at the encoded audio and that pad goes to a fakesink. The
//! video decoder runs on one thread: workers are one per CPU already.
//!
//! Invariants: the call returns within its deadline unless GStreamer blocks in
//! a state change (the parent kills the worker then); a file without a video
//! stream is an `error` saying so, never an empty success.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

use mediadex_core::catalog::files::Status;
use mediadex_core::fingerprint::{self, FpDoc, Frame, THUMB};
use mediadex_core::scan::protocol::{Answer, empty_doc};

/// One request of the fingerprint worker: stat check, sample, hash.
pub(crate) fn fingerprint_one(
    id: u64,
    path: &Path,
    size: u64,
    mtime_ns: i64,
    timeout: Duration,
) -> Answer {
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

/// What the sampling loop waits for after a seek.
enum Landing {
    /// The appsink holds a new preroll frame.
    Frame,
    /// The seek landed on a keyframe already sampled; nothing is decoded.
    Repeat,
    /// The seek went past the last frame.
    End,
}

/// Where the decoder's input stands since the last flush.
#[derive(Clone, Copy, PartialEq)]
enum Gate {
    /// The next buffer is the keyframe a seek landed on.
    Landing,
    Passing,
    /// A repeat: everything until the next flush is dropped.
    Dropping,
}

/// A probe on the decoder's sink pad that drops keyframes already sampled
/// (before they cost a decode) and tells the sampling loop.
fn gate_decoder(decoder: &gst::Element, tx: mpsc::Sender<Landing>) {
    let Some(pad) = decoder.static_pad("sink") else {
        return;
    };
    let seen: Mutex<(HashSet<u64>, Gate)> = Mutex::new((HashSet::new(), Gate::Landing));
    pad.add_probe(
        gst::PadProbeType::BUFFER
            | gst::PadProbeType::EVENT_FLUSH
            | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |_, info| {
            let mut st = seen.lock().unwrap();
            if let Some(gst::PadProbeData::Event(e)) = &info.data {
                match e.type_() {
                    gst::EventType::FlushStop => st.1 = Gate::Landing,
                    // After a repeat the demuxer runs on to the end of the
                    // stream; that end would reach the sink while the next
                    // seek waits, and be taken for that seek's landing.
                    gst::EventType::Eos if st.1 == Gate::Dropping => {
                        return gst::PadProbeReturn::Drop;
                    }
                    _ => {}
                }
                return gst::PadProbeReturn::Ok;
            }
            match st.1 {
                Gate::Passing => gst::PadProbeReturn::Ok,
                Gate::Dropping => consume(info),
                Gate::Landing => {
                    let t = info.buffer().and_then(|b| b.pts().or(b.dts()));
                    let Some(t) = t.map(gst::ClockTime::nseconds) else {
                        st.1 = Gate::Passing;
                        return gst::PadProbeReturn::Ok;
                    };
                    if st.0.insert(t) {
                        st.1 = Gate::Passing;
                        gst::PadProbeReturn::Ok
                    } else {
                        st.1 = Gate::Dropping;
                        let _ = tx.send(Landing::Repeat);
                        consume(info)
                    }
                }
            }
        },
    );
}

/// Drop the probed buffer here (taken and released by the probe itself).
fn consume(info: &mut gst::PadProbeInfo) -> gst::PadProbeReturn {
    drop(info.take_buffer());
    gst::PadProbeReturn::Handled
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
    // Formats whose first plane is 8-bit luma: the decoder's output passes
    // through videoconvert untouched; anything else is converted.
    use gst_video::VideoFormat as F;
    let caps = gst_video::VideoCapsBuilder::new()
        .format_list([
            F::Gray8,
            F::I420,
            F::Yv12,
            F::Nv12,
            F::Nv21,
            F::Y42b,
            F::Y444,
            F::Y41b,
            F::Nv16,
            F::Nv24,
        ])
        .build();
    let sink = gst::ElementFactory::make("appsink")
        .property("sync", false)
        .property("max-buffers", 1u32)
        .property("emit-signals", true)
        .property("caps", &caps)
        .build()
        .map_err(|e| err(&e))?;
    let p = &pipeline.0;
    p.add_many([&src, &decode, &convert, &sink])
        .map_err(|e| err(&e))?;
    src.link(&decode).map_err(|e| err(&e))?;
    convert.link(&sink).map_err(|e| err(&e))?;

    let (tx, landed) = mpsc::channel::<Landing>();
    let frame_tx = tx.clone();
    sink.connect("new-preroll", false, move |_| {
        let _ = frame_tx.send(Landing::Frame);
        Some(gst::FlowReturn::Ok.to_value())
    });
    let end_tx = tx.clone();
    sink.connect("eos", false, move |_| {
        let _ = end_tx.send(Landing::End);
        None
    });
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
    let gate = Mutex::new(Some(tx));
    decode.connect("deep-element-added", false, move |args| {
        let el = args[2].get::<gst::Element>().ok()?;
        let klass = el.factory().map(|f| f.klass().to_string())?;
        if klass.contains("Decoder") && klass.contains("Video") {
            if el.find_property("max-threads").is_some() {
                el.set_property("max-threads", 1i32);
            }
            // The first video decoder only (the one linked to the appsink).
            if let Some(tx) = gate.lock().unwrap().take() {
                gate_decoder(&el, tx);
            }
        }
        None
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
    // The preroll frame (the first keyframe) is the first sample.
    if let Some(f) = pull(&sink, Duration::ZERO)? {
        doc.frames.push(f);
    }
    let targets = match duration_s {
        Some(d) if d > 0.0 => fingerprint::targets(d),
        _ => vec![],
    };
    let flags = gst::SeekFlags::FLUSH
        | gst::SeekFlags::KEY_UNIT
        | gst::SeekFlags::TRICKMODE_KEY_UNITS
        | gst::SeekFlags::TRICKMODE_NO_AUDIO;
    let end_ms = duration_s.map_or(i64::MAX, |d| (d * 1000.0) as i64);
    for t in targets {
        let at = (t * 1000.0) as i64;
        let before = flags | gst::SeekFlags::SNAP_BEFORE;
        let Some(mut taken) = take(p, &sink, &landed, at, before, deadline, &mut doc)? else {
            // Not seekable (a stream without an index): the preroll frame alone.
            break;
        };
        // Then the keyframes that follow it, up to BURST in all.
        for _ in 1..fingerprint::BURST {
            let Some(t_ms) = taken.filter(|&t_ms| t_ms + 1 < end_ms) else {
                break;
            };
            // A seek past the last keyframe may bring nothing at all: wait
            // for it a few seconds only, never up to the deadline.
            let after = flags | gst::SeekFlags::SNAP_AFTER;
            let wait = deadline.min(Instant::now() + BURST_WAIT);
            match take(p, &sink, &landed, t_ms + 1, after, wait, &mut doc)? {
                Some(next) => taken = next,
                None => break,
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

/// The longest wait for a keyframe after another (see [`fingerprint::BURST`]).
const BURST_WAIT: Duration = Duration::from_secs(3);

/// Seek to `at_ms` and take the keyframe the seek lands on into `doc`.
/// `None`: the stream cannot seek; `Some(None)`: nothing new was taken (a
/// keyframe already sampled, or none came); `Some(Some(t))`: the new frame's time.
fn take(
    p: &gst::Pipeline,
    sink: &gst::Element,
    landed: &mpsc::Receiver<Landing>,
    at_ms: i64,
    flags: gst::SeekFlags,
    deadline: Instant,
    doc: &mut FpDoc,
) -> Result<Option<Option<i64>>, Failure> {
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
    while landed.try_recv().is_ok() {}
    let position = gst::ClockTime::from_mseconds(at_ms.max(0) as u64);
    if p.seek_simple(flags, position).is_err() {
        return Ok(None);
    }
    Ok(Some(match landed.recv_timeout(left) {
        // A demuxer also ends the stream when the decoder fails on a frame.
        Ok(Landing::End) => {
            if let Some(e) = bus_error(p) {
                return Err(e);
            }
            None
        }
        Ok(Landing::Repeat) => {
            doc.repeats += 1;
            None
        }
        Ok(Landing::Frame) => match pull(sink, Duration::ZERO)? {
            Some(f) if doc.frames.iter().any(|g| g.t_ms == f.t_ms) => {
                doc.repeats += 1;
                None
            }
            Some(f) => {
                doc.frames.push(f);
                Some(f.t_ms)
            }
            None => None,
        },
        Err(_) => {
            if let Some(e) = bus_error(p) {
                return Err(e);
            }
            None
        }
    }))
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
    // Mapped through the frame API so the decoder's own strides (video meta)
    // are honoured.
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
        .map_err(|e| (Status::Error, e.to_string()))?;
    let luma = frame
        .plane_data(0)
        .map_err(|e| (Status::Error, e.to_string()))?;
    let (w, h, stride) = (
        frame.width() as usize,
        frame.height() as usize,
        frame.plane_stride()[0] as usize,
    );
    if w == 0 || h == 0 || luma.len() < stride * (h - 1) + w {
        return Ok(None);
    }
    let thumb = fingerprint::phash::thumbnail(luma, w, h, stride);
    let (hash, quality) = fingerprint::phash::phash(&thumb, THUMB, THUMB, THUMB);
    Ok(Some(Frame {
        t_ms: (stream_time.nseconds() / 1_000_000) as i64,
        hash,
        quality,
    }))
}
