//! What the decoders and parsers say while a check runs, counted against the
//! file whose pipeline said it.
//!
//! libav's decoders report damage only in their log (through GStreamer's
//! `libav` debug category), and GStreamer's bitstream parsers in theirs
//! (`codecparsers_*`), without naming the element. Each pipeline's streaming
//! threads announce themselves (a stream-status message from the thread, seen
//! by the bus's sync handler) and are bound to the check's [`Tracker`] for as
//! long as they run; the log function counts a message against the tracker
//! of the thread that writes it. Decoders run on their pipeline's threads
//! (one thread each: `max-threads` is 1), so every message has its file.
//!
//! Invariant: only messages that mean damage count: libav's errors, the
//! decoder base classes' errors, the parsers' units that do not parse and
//! the demuxers' warnings of [`DEMUXER_DAMAGE`] (none seen on the clean
//! files of the bench, nor on the real MP4 files of tests/media/mp4ff and
//! its kin); everything else GStreamer logs is ignored.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use gstreamer as gst;

use mediadex_core::verify::{Findings, class};

/// One check's findings and the latest stream time its pipeline reached.
#[derive(Debug)]
pub(crate) struct Tracker {
    /// The file, as the trace names it.
    pub path: String,
    pub findings: Mutex<Findings>,
    /// Stream time of the latest buffer out of the pipeline, ns;
    /// `u64::MAX` before the first.
    last_ns: AtomicU64,
}

impl Tracker {
    pub fn new(path: &std::path::Path) -> Tracker {
        Tracker {
            path: mediadex_core::util::display_path(path),
            findings: Mutex::default(),
            last_ns: AtomicU64::new(u64::MAX),
        }
    }

    /// The stream time reached, seconds.
    pub fn now_s(&self) -> Option<f64> {
        match self.last_ns.load(Ordering::Relaxed) {
            u64::MAX => None,
            ns => Some(ns as f64 / 1e9),
        }
    }

    pub fn reached(&self, ns: u64) {
        self.last_ns.store(ns, Ordering::Relaxed);
    }

    /// The verdict of what was found, over `duration_s`.
    pub fn verdict(&self, duration_s: Option<f64>) -> mediadex_core::verify::HealthDoc {
        self.findings.lock().unwrap().verdict(duration_s)
    }

    /// One error of `class` at the stream time the pipeline as a whole
    /// reached (for what the application thread finds: a stall).
    pub fn add(&self, class: &str, detail: impl FnOnce() -> String) {
        let t = self.now_s();
        self.findings.lock().unwrap().add(class, t, detail);
    }

    /// One error of `class` said on a streaming thread, at the stream time
    /// of that thread's latest buffer: the same every run, whatever the
    /// other threads are doing.
    pub fn add_here(&self, class: &str, detail: impl FnOnce() -> String) {
        let t = match HERE_NS.with(|h| h.get()) {
            u64::MAX => None,
            ns => Some(ns as f64 / 1e9),
        };
        self.findings.lock().unwrap().add(class, t, detail);
    }
}

thread_local! {
    static BOUND: RefCell<Option<Arc<Tracker>>> = const { RefCell::new(None) };
    /// Stream time of this thread's latest buffer out of its pipeline.
    static HERE_NS: std::cell::Cell<u64> = const { std::cell::Cell::new(u64::MAX) };
}

/// Bind (or, with `None`, unbind) the calling thread to a check.
pub(crate) fn bind(tracker: Option<Arc<Tracker>>) {
    HERE_NS.with(|h| h.set(u64::MAX));
    BOUND.with(|b| *b.borrow_mut() = tracker);
}

/// A buffer at stream time `ns` left the pipeline on this thread.
pub(crate) fn here(ns: u64) {
    HERE_NS.with(|h| h.set(ns));
}

/// Demuxer warnings that mean the bytes are not what the container says
/// (category, the message's start): none is written for a clean file.
const DEMUXER_DAMAGE: [(&str, &str); 14] = [
    ("flvdemux", "unexpected state"),
    ("flvdemux", "unsupported tag type"),
    ("matroskademux", "parse error"),
    ("matroskademux", "SeekHead reference lies outside file"),
    ("matroskareadcommon", "Dropping short buffer"),
    ("ebmlread", "Invalid EBML"),
    ("avidemux", "invalid stream nr"),
    ("oggdemux", "could not submit packet"),
    ("asfdemux", "Segment found for undefined stream"),
    ("default", "No padding, or padding bigger"),
    ("default", "unexpected error correction length type"),
    ("default", "Payload for unknown stream"),
    ("default", "Failed to parse payload"),
    ("default", "Previous fragment does not match"),
];

/// The class a log message counts as, if it means damage.
fn damage_class(category: &str, level: gst::DebugLevel, text: &str) -> Option<&'static str> {
    match category {
        "libav" if level <= gst::DebugLevel::Error => Some(class::DECODE_ERRORS),
        // GstVideoDecoder's and GstAudioDecoder's own account of a frame a
        // decoder (libvpx, dav1d, libav's audio, ...) could not decode.
        "videodecoder" | "audiodecoder"
            if level <= gst::DebugLevel::Warning && text.starts_with("error:") =>
        {
            Some(class::DECODE_ERRORS)
        }
        // A unit that does not parse; not a reference to a parameter set
        // the parser has not seen (MV-HEVC's second layer, a stream cut at
        // a clean point), which decoders do without.
        c if c.starts_with("codecparsers_")
            && level <= gst::DebugLevel::Warning
            && text.starts_with("error parsing") =>
        {
            Some(class::UNREADABLE_PACKETS)
        }
        c if level <= gst::DebugLevel::Warning
            && DEMUXER_DAMAGE
                .iter()
                .any(|(cat, start)| *cat == c && text.starts_with(start)) =>
        {
            Some(class::UNREADABLE_PACKETS)
        }
        _ => None,
    }
}

/// Install the log function once per process: warnings and errors reach it,
/// nothing is printed.
pub(crate) fn install() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        gst::log::remove_default_log_function();
        gst::log::set_active(true);
        let trace = std::env::var_os("MEDIADEX_VERIFY_TRACE").map(std::path::PathBuf::from);
        // Warnings only from the categories that can count (every message
        // reaching the log function costs its formatting); all when tracing.
        if trace.is_some() {
            gst::log::set_default_threshold(gst::DebugLevel::Warning);
        } else {
            gst::log::set_default_threshold(gst::DebugLevel::Error);
            let watched = ["codecparsers_*", "videodecoder", "audiodecoder"];
            for name in watched.into_iter().chain(DEMUXER_DAMAGE.map(|d| d.0)) {
                gst::log::set_threshold_for_name(name, gst::DebugLevel::Warning);
            }
        }
        gst::log::add_log_function(move |cat, level, _file, _func, _line, _obj, msg| {
            let said = msg.get();
            let said = said.as_deref().map_or("", |m| m.trim());
            let class = damage_class(cat.name(), level, said);
            let bound = BOUND.with(|b| b.borrow().clone());
            let text = || format!("{}: {said}", cat.name());
            if let Some(path) = &trace {
                let file = bound.as_ref().map_or("", |t| t.path.as_str());
                write_trace(path, class, file, &text());
            }
            if let (Some(class), Some(t)) = (class, bound) {
                t.add_here(class, text);
            }
        });
    });
}

/// `MEDIADEX_VERIFY_TRACE=FILE`: every message the log function sees, with
/// whether it counted, for choosing what counts (bench/README-verify.md).
pub(crate) fn write_trace(path: &std::path::Path, class: Option<&str>, file: &str, text: &str) {
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(
            f,
            "{}\t{file}\t{}",
            class.unwrap_or("-"),
            text.replace(['\t', '\n'], " ")
        );
    }
}
