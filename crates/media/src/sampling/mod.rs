//! Frame sampling for fingerprints (media side, GStreamer): the worker verb
//! `__fingerprint-worker` decodes the frames of one file at the moments of its
//! time grid and hashes them (see `mediadex_core::fingerprint`).
//!
//! `filesrc ! decodebin ! videoconvert ! appsink`, playing as fast as it
//! decodes. The appsink takes the decoder's own 8-bit YUV (or gray) frames, so
//! nothing is converted or scaled at full size in GStreamer; the luma plane is
//! area-averaged to a 64×64 thumbnail here, for the frames taken only. The
//! grid's moments are `k · step` of stream time ([`fingerprint::grid_step`]);
//! the frame taken for a moment is the first decoded at or after it. Frames
//! come in decoding order from the start; when the next moment is more than
//! [`SEEK_AHEAD`] ahead (long files, whose step is long), one accurate
//! flushing seek goes there instead, which decodes forward from the keyframe
//! before it: the frame taken is the same either way, whatever the GOP, so
//! re-encodes are sampled at the same moments. Non-reference pictures that
//! no moment needs are dropped before the decoder ([`skip`]). Audio is never decoded:
//! decodebin stops at the encoded audio and that pad goes to a fakesink. The
//! video decoder runs on one thread: workers are one per CPU already.
//!
//! The run also keeps one of the frames it decodes as a small JPEG for
//! people ([`thumb`]): no frame is decoded for it alone.
//!
//! Invariants: the same bytes give the same frames (times and hashes) every
//! run: which frame is taken depends on stream times only, never on timing,
//! and the pipeline is never raced by a seek it did not wait for. A decoder
//! that stops producing (an error part way, or no frame for [`STALL`]) ends
//! the sampling with the frames taken so far and a note; a file without a
//! video stream is an `error` saying so, never an empty success; the call
//! returns within its deadline unless GStreamer blocks in a state change (the
//! parent kills the worker then).

mod skip;
mod thumb;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

use mediadex_core::catalog::files::Status;
use mediadex_core::fingerprint::{self, FpDoc, Frame, MAX_FRAMES, THUMB};
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
    crate::checked::checked(id, path, size, mtime_ns, || match sample(path, deadline) {
        Ok(doc) => {
            let raw = serde_json::value::to_raw_value(&doc).expect("fingerprint serializes");
            (Status::Ok, None, raw)
        }
        Err((status, e)) => (status, Some(e), empty_doc()),
    })
}

type Failure = (Status, String);

/// A moment further ahead than this is reached by a seek, not by decoding
/// the frames up to it: more than most GOPs last, so a seek never costs more
/// than decoding forward would.
const SEEK_AHEAD: f64 = 8.0;

/// Files longer than this are sampled at keyframes: each moment's frame is
/// the first keyframe at or after it, reached by a seek that decodes that
/// keyframe alone, so a film costs a keyframe a moment (at most
/// [`MAX_FRAMES`]), not a decode of its length. Copies of a long file with
/// other keyframes are sampled a little apart, which the matcher's vote
/// allows for; clips, whose frames are every frame decoded, match to the
/// frame.
const LONG_S: f64 = 60.0;

/// Demuxers whose index takes a keyframe seek to the keyframe exactly: long
/// files in other containers are decoded through.
const INDEXED: [&str; 2] = ["qtdemux", "matroskademux"];

/// A decoder that produces no frame for this long has stopped: sampling ends
/// with what it has. Damaged streams can leave a decoder waiting for data it
/// will never get while the demuxer idles.
const STALL: Duration = Duration::from_secs(3);

/// The first frame may take longer: the demuxer reads headers and indexes.
const FIRST_FRAME: Duration = Duration::from_secs(10);

/// Stream times within this of a moment count as at it (container time
/// bases round a frame's time differently).
const EPS_S: f64 = 0.002;

struct Pipeline(gst::Pipeline);

impl Drop for Pipeline {
    fn drop(&mut self) {
        let _ = self.0.set_state(gst::State::Null);
    }
}

/// What decodebin has linked: nothing yet, a video stream, or no video at all.
const PADS_PENDING: u8 = 0;
const VIDEO_LINKED: u8 = 1;
const NO_VIDEO: u8 = 2;

fn sample(path: &Path, deadline: Instant) -> Result<FpDoc, Failure> {
    let grid: skip::Grid = Arc::new(OnceLock::new());
    let (pipeline, sink, video, indexed) = build(path, grid.clone())?;
    let orientation = watch_orientation(&sink);
    let p = &pipeline.0;
    p.set_state(gst::State::Playing)
        .map_err(|_| bus_error(p).unwrap_or_else(|| err(&"could not start decoding")))?;
    let (mut doc, mut pick) = (FpDoc::default(), thumb::Pick::default());
    let mut step = None;
    let mut next = 0.0;
    let mut seekable = true;
    let mut seeked_for: Option<f64> = None;
    loop {
        let wait = if doc.frames.is_empty() && step.is_none() {
            FIRST_FRAME
        } else {
            STALL
        };
        // Cut short with no usable picture taken, the file is an error; with
        // some, what was taken stands, with the reason as a note.
        let usable = doc
            .frames
            .iter()
            .any(|f| f.quality >= fingerprint::MIN_QUALITY);
        let got = match next_sample(p, &sink, &video, wait, deadline) {
            Ok(got) => got,
            Err(e) if !usable => return Err(e),
            Err((_, e)) => {
                doc.note = Some(e);
                break;
            }
        };
        let sample = match got {
            Pulled::Sample(s) => s,
            Pulled::End => break,
            Pulled::Stalled(what) if !usable => return Err((Status::Error, what)),
            Pulled::Stalled(what) => {
                doc.note = Some(what);
                break;
            }
        };
        let Some(t) = stream_time_s(&sample) else {
            continue;
        };
        let step = *step.get_or_insert_with(|| {
            let &(d, step) = grid.get_or_init(|| {
                skip::grid_of(
                    p.query_duration::<gst::ClockTime>()
                        .map(|d| d.seconds_f64()),
                )
            });
            doc.duration_s = d;
            step
        });
        if t + EPS_S >= next {
            let turn = orientation.lock().unwrap().clone();
            take(&sample, t, &turn, &mut doc, &mut pick)?;
            next = ((t + EPS_S) / step).floor() * step + step;
            let past_end = doc.duration_s.is_some_and(|d| next > d);
            if doc.frames.len() >= MAX_FRAMES || past_end {
                break;
            }
        }
        let long = doc.duration_s.is_some_and(|d| d > LONG_S) && indexed.load(Ordering::SeqCst);
        if seekable && long && seeked_for != Some(next) {
            // A long file: the keyframe at or after each moment, alone.
            seeked_for = Some(next);
            let flags = gst::SeekFlags::FLUSH
                | gst::SeekFlags::KEY_UNIT
                | gst::SeekFlags::SNAP_AFTER
                | gst::SeekFlags::TRICKMODE_KEY_UNITS
                | gst::SeekFlags::TRICKMODE_NO_AUDIO;
            let at = gst::ClockTime::from_nseconds((next * 1e9) as u64);
            seekable = p.seek_simple(flags, at).is_ok();
        } else if seekable && !long && next - t > SEEK_AHEAD {
            let flags = gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE;
            let at = gst::ClockTime::from_nseconds((next * 1e9) as u64);
            seekable = p.seek_simple(flags, at).is_ok();
        }
    }
    if doc.frames.is_empty() {
        return Err(bus_error(p).unwrap_or_else(|| err(&"no video frame could be decoded")));
    }
    check_coverage(&mut doc, step)?;
    doc.thumbnail = pick.encode();
    Ok(doc)
}

/// Hash the frame taken for a moment, keep it in `doc`, and offer it as the
/// thumbnail.
fn take(
    sample: &gst::Sample,
    t: f64,
    turn: &str,
    doc: &mut FpDoc,
    pick: &mut thumb::Pick,
) -> Result<(), Failure> {
    if let Some(f) = hash(sample, turn)? {
        pick.offer(sample, t, f.quality, doc.duration_s, turn);
        doc.frames.push(Frame {
            t_ms: (t * 1000.0).round() as i64,
            ..f
        });
    }
    Ok(())
}

/// A decoder drops the frames it cannot decode without a word: a file
/// whose frames cover under half of its grid's moments is damaged. With no
/// usable picture among them it is an error; otherwise a note says so.
fn check_coverage(doc: &mut FpDoc, step: Option<f64>) -> Result<(), Failure> {
    let (Some(d), Some(step)) = (doc.duration_s, step) else {
        return Ok(());
    };
    let moments = ((d / step).ceil() as usize).clamp(1, MAX_FRAMES);
    if doc.frames.len() * 2 >= moments || doc.note.is_some() {
        return Ok(());
    }
    let what = format!(
        "frames decoded for only {} of the {moments} moments sampled",
        doc.frames.len()
    );
    if doc
        .frames
        .iter()
        .all(|f| f.quality < fingerprint::MIN_QUALITY)
    {
        return Err((Status::Error, format!("could not decode: {what}")));
    }
    doc.note = Some(what);
    Ok(())
}

fn err(e: &dyn std::fmt::Display) -> Failure {
    (Status::Error, e.to_string())
}

/// The pipeline, its appsink, what decodebin linked, and whether the
/// container seeks to keyframes exactly.
type Built = (Pipeline, gst::Element, Arc<AtomicU8>, Arc<AtomicBool>);

fn build(path: &Path, grid: skip::Grid) -> Result<Built, Failure> {
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
        .property("max-buffers", 2u32)
        .property("caps", &caps)
        .build()
        .map_err(|e| err(&e))?;
    let p = &pipeline.0;
    p.add_many([&src, &decode, &convert, &sink])
        .map_err(|e| err(&e))?;
    src.link(&decode).map_err(|e| err(&e))?;
    convert.link(&sink).map_err(|e| err(&e))?;
    let indexed = Arc::new(AtomicBool::new(false));
    configure(&decode, grid, indexed.clone());
    let video = link_video(&decode, &convert, p);
    Ok((pipeline, sink, video, indexed))
}

/// Decode video only, on one thread, with the grid's probe on the first
/// video decoder.
fn configure(decode: &gst::Element, grid: skip::Grid, indexed: Arc<AtomicBool>) {
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
    let grid = Mutex::new(Some(grid));
    decode.connect("deep-element-added", false, move |args| {
        let el = args[2].get::<gst::Element>().ok()?;
        let factory = el.factory()?;
        let klass = factory.klass().to_string();
        // Containers whose index takes a seek to a keyframe exactly (others,
        // MPEG-TS and -PS, AVI without an index, FLV, land where they can).
        if klass.contains("Demuxer") && INDEXED.contains(&factory.name().as_str()) {
            indexed.store(true, Ordering::SeqCst);
        }
        if klass.contains("Decoder") && klass.contains("Video") {
            if el.find_property("max-threads").is_some() {
                el.set_property("max-threads", 1i32);
            }
            // The first video decoder only (the one linked to the appsink).
            if let Some(grid) = grid.lock().unwrap().take() {
                skip::drop_unneeded(&el, grid);
            }
        }
        None
    });
}

/// Link decodebin's first raw video pad to `convert` and drain every other
/// pad into a fakesink; what was linked, as decodebin's pads come.
fn link_video(decode: &gst::Element, convert: &gst::Element, p: &gst::Pipeline) -> Arc<AtomicU8> {
    let video = Arc::new(AtomicU8::new(PADS_PENDING));
    let (weak_pipe, convert_sink, linked) = (
        p.downgrade(),
        convert.static_pad("sink").unwrap(),
        video.clone(),
    );
    let link_lock = Mutex::new(());
    decode.connect_pad_added(move |_, pad| {
        let caps = pad.current_caps().or_else(|| Some(pad.query_caps(None)));
        let is_video = caps
            .and_then(|c| c.structure(0).map(|s| s.name().starts_with("video/x-raw")))
            .unwrap_or(false);
        let _one_at_a_time = link_lock.lock().unwrap();
        if is_video
            && linked.load(Ordering::SeqCst) != VIDEO_LINKED
            && pad.link(&convert_sink).is_ok()
        {
            linked.store(VIDEO_LINKED, Ordering::SeqCst);
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
    let no_more = video.clone();
    decode.connect_no_more_pads(move |_| {
        let _ =
            no_more.compare_exchange(PADS_PENDING, NO_VIDEO, Ordering::SeqCst, Ordering::SeqCst);
    });
    video
}

/// The video stream's orientation tag (`rotate-90`, …), as the tag events
/// reaching the appsink say; `rotate-0` until one does. Tags come before the
/// frames they describe, so every frame sees its own.
fn watch_orientation(sink: &gst::Element) -> Arc<Mutex<String>> {
    let orientation = Arc::new(Mutex::new(String::from("rotate-0")));
    let seen = orientation.clone();
    if let Some(pad) = sink.static_pad("sink") {
        pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
            if let Some(gst::PadProbeData::Event(e)) = &info.data
                && let gst::EventView::Tag(t) = e.view()
                && let Some(o) = t.tag().get::<gst::tags::ImageOrientation>()
            {
                *seen.lock().unwrap() = o.get().to_string();
            }
            gst::PadProbeReturn::Ok
        });
    }
    orientation
}

/// What waiting for the next decoded frame gave.
enum Pulled {
    Sample(gst::Sample),
    /// The end of the stream.
    End,
    /// No frame within the wait: what to say of it.
    Stalled(String),
}

/// The next decoded frame, waiting at most `wait` (and never past
/// `deadline`), in short slices so that an error on the bus or a file
/// without video ends the wait at once.
fn next_sample(
    p: &gst::Pipeline,
    sink: &gst::Element,
    video: &AtomicU8,
    wait: Duration,
    deadline: Instant,
) -> Result<Pulled, Failure> {
    const SLICE: Duration = Duration::from_millis(100);
    let started = Instant::now();
    loop {
        let sample = sink
            .emit_by_name::<Option<gst::Sample>>("try-pull-sample", &[&(SLICE.as_nanos() as u64)]);
        if let Some(s) = sample {
            return Ok(Pulled::Sample(s));
        }
        if let Some(e) = bus_error(p) {
            return Err(e);
        }
        if sink.property::<bool>("eos") {
            return Ok(Pulled::End);
        }
        if video.load(Ordering::SeqCst) == NO_VIDEO {
            return Err((Status::Error, "no video stream to fingerprint".into()));
        }
        let now = Instant::now();
        if now >= deadline {
            return Err((Status::Timeout, "still decoding at the deadline".into()));
        }
        if now.duration_since(started) >= wait {
            return Ok(Pulled::Stalled(format!(
                "the decoder produced no frame for {} s",
                wait.as_secs()
            )));
        }
    }
}

/// A sample's stream time, seconds.
fn stream_time_s(sample: &gst::Sample) -> Option<f64> {
    let pts = sample.buffer()?.pts()?;
    let t = sample
        .segment()
        .and_then(|s| s.downcast_ref::<gst::ClockTime>())
        .and_then(|s| s.to_stream_time(pts))
        .unwrap_or(pts);
    Some(t.nseconds() as f64 / 1e9)
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

/// A decoded frame's hash as the picture is shown (turned as `orientation`
/// says), its time the caller's; `None` when the frame has no picture to
/// read.
fn hash(sample: &gst::Sample, orientation: &str) -> Result<Option<Frame>, Failure> {
    let (Some(buffer), Some(caps)) = (sample.buffer(), sample.caps()) else {
        return Ok(None);
    };
    let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| (Status::Error, e.to_string()))?;
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
    let thumb = fingerprint::phash::orient(&thumb, THUMB, orientation);
    let (hash, quality) = fingerprint::phash::phash(&thumb, THUMB, THUMB, THUMB);
    Ok(Some(Frame {
        t_ms: 0,
        hash,
        quality,
    }))
}
