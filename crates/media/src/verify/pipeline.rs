//! The streaming pass of a check: every packet of the file through
//! GStreamer's demuxer and parsers (`quick`), and through the decoders
//! (`keyframes`: the keyframes of video and all audio; `full`: everything),
//! into fakesinks as fast as it goes.
//!
//! What counts as damage: an error or warning on the bus from the demuxer,
//! a parser or a decoder (a plugin that is missing is not damage), what the
//! decoders and parsers log ([`super::watch`]), and a pipeline that stops
//! moving for [`STALL`]. A fatal error ends the pass: the rest of the file
//! was not read.
//!
//! Invariant: decoders run on one thread each, so what they report, and so
//! the verdict, does not depend on timing.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_pbutils::MissingPluginMessage;

use super::watch::{self, Tracker};
use mediadex_core::verify::{Level, class};

/// A pipeline that reaches no new stream time for this long has stopped.
const STALL: Duration = Duration::from_secs(20);

/// The first buffer may take a while (a demuxer reading an index over a
/// network), but not this long.
const FIRST: Duration = Duration::from_secs(10);

/// After decodebin says a decoder is missing (its missing-plugin message,
/// or its error), how long other streams may take to play before the file
/// counts as one GStreamer cannot check: neither decodebin's error nor the
/// demuxer's own "not linked" error may come, in some runs and not in
/// others (the demuxer's task stops without one).
const MISSING_GRACE: Duration = Duration::from_secs(2);

/// How the pass ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    /// It read to the end (with or without errors).
    End,
    /// A fatal error or a stall stopped it.
    Stopped,
    /// Nothing could be played at all.
    Unplayable(String),
    /// GStreamer has no element for its streams (a codec it cannot parse
    /// or decode): nothing was judged.
    Unsupported(String),
    /// The deadline came first.
    Deadline,
}

struct Pipeline(gst::Pipeline);

impl Drop for Pipeline {
    fn drop(&mut self) {
        let _ = self.0.set_state(gst::State::Null);
        if let Some(bus) = self.0.bus() {
            bus.unset_sync_handler();
        }
    }
}

/// Decoders that tell damage where the one GStreamer prefers does not:
/// libav's MJPEG decoder says what libjpeg's passes over in silence, its
/// AC-3 decoder checks the frames' CRCs (liba52 does not), and its MPEG
/// audio decoders report the frames they cannot decode.
const PREFERRED: [&str; 5] = [
    "avdec_mjpeg",
    "avdec_ac3",
    "avdec_eac3",
    "avdec_mp3",
    "avdec_mp2float",
];

/// Rank the [`PREFERRED`] decoders first, once per process.
fn prefer_telling_decoders() {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let registry = gst::Registry::get();
        for name in PREFERRED {
            if let Some(f) = registry.lookup_feature(name) {
                f.set_rank(gst::Rank::PRIMARY + 1);
            }
        }
    });
}

/// Stream `path` through the pipeline of `level`, counting into `tracker`.
pub(crate) fn run(path: &Path, level: Level, deadline: Instant, tracker: &Arc<Tracker>) -> Ended {
    prefer_telling_decoders();
    let pipeline = match build(path, level, tracker) {
        Ok(p) => p,
        Err(e) => return Ended::Unplayable(e),
    };
    let p = &pipeline.0;
    let bus = p.bus().expect("a pipeline has a bus");
    let bound = tracker.clone();
    // On the thread that posts: a stream-status binds it to this check, a
    // warning or an error counts at that thread's stream time.
    bus.set_sync_handler(move |_, msg| {
        match msg.view() {
            gst::MessageView::StreamStatus(s) => match s.type_() {
                gst::StreamStatusType::Enter => watch::bind(Some(bound.clone())),
                gst::StreamStatusType::Leave => watch::bind(None),
                _ => {}
            },
            gst::MessageView::Warning(w) if !missing_plugin(&w.error()) => {
                let text = words(w.src(), &w.error(), w.debug().as_deref());
                bound.add_here(class_of(&w.error()), || text);
            }
            gst::MessageView::Error(e)
                if !missing_plugin(&e.error()) && !not_linked(e.debug().as_deref()) =>
            {
                let text = words(e.src(), &e.error(), e.debug().as_deref());
                bound.add_here(class_of(&e.error()), || text);
            }
            _ => {}
        }
        gst::BusSyncReply::Pass
    });
    if p.set_state(gst::State::Playing).is_err() {
        return Ended::Unplayable(first_error(&bus).unwrap_or_else(|| "could not start".into()));
    }
    wait(&bus, deadline, tracker)
}

/// Read the bus until the end, a fatal error, a stall or the deadline.
fn wait(bus: &gst::Bus, deadline: Instant, tracker: &Tracker) -> Ended {
    use gst::MessageType as T;
    let mut last = (tracker.now_s(), Instant::now());
    let mut played = false;
    // The first missing decoder decodebin reported, and when.
    let mut missing: Option<(String, Instant)> = None;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Ended::Deadline;
        }
        let wait = (deadline - now).min(Duration::from_millis(250));
        let msg = bus.timed_pop_filtered(
            gst::ClockTime::from_nseconds(wait.as_nanos() as u64),
            &[T::Eos, T::Error, T::Element],
        );
        let reached = tracker.now_s();
        played |= reached.is_some();
        if let Some(m) = msg.as_ref().filter(|m| MissingPluginMessage::is(m))
            && let Ok(m) = MissingPluginMessage::parse(m)
        {
            let text = format!("missing plugin: {}", m.description());
            missing.get_or_insert_with(|| (text, Instant::now()));
        }
        match msg.as_ref().map(|m| m.view()) {
            Some(gst::MessageView::Eos(_)) => return Ended::End,
            Some(gst::MessageView::Error(e)) if not_linked(e.debug().as_deref()) => {
                // A stream no element takes: what was read stands.
                let text = words(e.src(), &e.error(), e.debug().as_deref());
                return if played {
                    Ended::End
                } else {
                    Ended::Unsupported(missing.map_or(text, |m| m.0))
                };
            }
            Some(gst::MessageView::Error(e)) => {
                if missing_plugin(&e.error()) {
                    let text = || words(e.src(), &e.error(), e.debug().as_deref());
                    missing.get_or_insert_with(|| (text(), Instant::now()));
                    continue;
                }
                // Counted where it was posted (the bus's sync handler).
                if !played {
                    return Ended::Unplayable(words(e.src(), &e.error(), e.debug().as_deref()));
                }
                return Ended::Stopped;
            }
            _ => {}
        }
        if let Some((text, at)) = &missing
            && !played
            && at.elapsed() >= MISSING_GRACE
        {
            return Ended::Unsupported(text.clone());
        }
        if reached != last.0 {
            last = (reached, Instant::now());
        } else if last.1.elapsed() >= if played { STALL } else { FIRST } {
            let what = format!("no data for {} s", last.1.elapsed().as_secs());
            if !played {
                return Ended::Unplayable(what);
            }
            tracker.add(class::UNREADABLE_PACKETS, || {
                format!("{what}: stopped there")
            });
            return Ended::Stopped;
        }
    }
}

fn build(path: &Path, level: Level, tracker: &Arc<Tracker>) -> Result<Pipeline, String> {
    let pipeline = Pipeline(gst::Pipeline::new());
    let src = gst::ElementFactory::make("filesrc")
        .property("location", path)
        .build()
        .map_err(|e| e.to_string())?;
    let bin = gst::ElementFactory::make(if level == Level::Quick {
        "parsebin"
    } else {
        "decodebin"
    })
    .build()
    .map_err(|e| e.to_string())?;
    let p = &pipeline.0;
    p.add_many([&src, &bin]).map_err(|e| e.to_string())?;
    src.link(&bin).map_err(|e| e.to_string())?;
    if level != Level::Quick {
        configure_decoders(&bin, level);
    }
    let weak = p.downgrade();
    let tracker = tracker.clone();
    bin.connect_pad_added(move |_, pad| {
        if let Some(p) = weak.upgrade() {
            drain(&p, pad, &tracker);
        }
    });
    Ok(pipeline)
}

/// Decoders on one thread each; at `keyframes`, video decoders get only the
/// keyframes, but for libav's, which skip the pictures no other refers to
/// instead (its H.264 and HEVC decoders fed keyframes alone report errors
/// on clean files: references, picture order).
fn configure_decoders(bin: &gst::Element, level: Level) {
    bin.connect("deep-element-added", false, move |args| {
        let el = args[2].get::<gst::Element>().ok()?;
        let klass = el.factory()?.klass().to_string();
        if !klass.contains("Decoder") {
            return None;
        }
        if el.find_property("max-threads").is_some() {
            el.set_property("max-threads", 1i32);
        }
        if level != Level::Keyframes || !klass.contains("Video") {
            return None;
        }
        if el.find_property("skip-frame").is_some() {
            el.set_property_from_str("skip-frame", "Skip B-frames");
        } else if let Some(sink) = el.static_pad("sink") {
            sink.add_probe(gst::PadProbeType::BUFFER, |_, info| match info.buffer() {
                Some(b) if b.flags().contains(gst::BufferFlags::DELTA_UNIT) => {
                    gst::PadProbeReturn::Drop
                }
                _ => gst::PadProbeReturn::Ok,
            });
        }
        None
    });
}

/// A fakesink for `pad`, whose buffers tell the stream time reached.
fn drain(p: &gst::Pipeline, pad: &gst::Pad, tracker: &Arc<Tracker>) {
    let Ok(sink) = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .property("async", false)
        .build()
    else {
        return;
    };
    if p.add(&sink).is_err() {
        return;
    }
    let _ = sink.sync_state_with_parent();
    let Some(sinkpad) = sink.static_pad("sink") else {
        return;
    };
    let tracker = tracker.clone();
    sinkpad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        if let Some(b) = info.buffer()
            && let Some(pts) = b.pts().or(b.dts())
        {
            let t = pad
                .sticky_event::<gst::event::Segment>(0)
                .and_then(|s| {
                    s.segment()
                        .downcast_ref::<gst::ClockTime>()
                        .and_then(|s| s.to_stream_time(pts))
                })
                .unwrap_or(pts);
            tracker.reached(t.nseconds());
            watch::here(t.nseconds());
        }
        gst::PadProbeReturn::Ok
    });
    let _ = pad.link(&sinkpad);
}

/// A plugin that is not installed costs its stream, and is not damage.
fn missing_plugin(e: &gst::glib::Error) -> bool {
    e.matches(gst::CoreError::MissingPlugin) || e.matches(gst::StreamError::CodecNotFound)
}

/// A demuxer stopped because no element took one of its streams (GStreamer
/// has no parser or decoder for it): not damage.
fn not_linked(debug: Option<&str>) -> bool {
    debug.is_some_and(|d| d.contains("not-linked"))
}

/// Decoders' errors are decode errors; everything else is the container's.
fn class_of(e: &gst::glib::Error) -> &'static str {
    if e.matches(gst::StreamError::Decode) {
        class::DECODE_ERRORS
    } else {
        class::UNREADABLE_PACKETS
    }
}

fn words(src: Option<&gst::Object>, e: &gst::glib::Error, debug: Option<&str>) -> String {
    let who = src.map(|s| s.name().to_string()).unwrap_or_default();
    let mut text = format!("{who}: {e}");
    if let Some(d) = debug.and_then(|d| d.lines().last()) {
        text.push_str(&format!(" ({})", d.trim()));
    }
    text
}

fn first_error(bus: &gst::Bus) -> Option<String> {
    let msg = bus.timed_pop_filtered(gst::ClockTime::ZERO, &[gst::MessageType::Error])?;
    match msg.view() {
        gst::MessageView::Error(e) => Some(words(e.src(), &e.error(), e.debug().as_deref())),
        _ => None,
    }
}
