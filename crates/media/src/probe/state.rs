//! What the streaming threads have found so far, shared with the probe thread
//! that waits on it: per stream its id, caps, tags and first buffer, plus the
//! counts that say when the probe is over.
//!
//! Invariants: every change goes through [`Watch::update`], which wakes the
//! probe thread once, on the first change that finishes or fails the probe; a
//! stream's description is frozen once it is `done` (later caps and tags are
//! not kept).

use std::sync::Mutex;

use gstreamer as gst;

/// What the streaming threads have found so far; the probe thread waits on it.
#[derive(Default)]
pub(super) struct Watch {
    pub(super) state: Mutex<Findings>,
    pub(super) cvar: std::sync::Condvar,
}

/// The probe's findings and counts, under [`Watch`]'s lock.
#[derive(Default)]
pub(super) struct Findings {
    /// The type finder's caps, set once the container's demuxer is plugged.
    pub(super) container: Option<gst::Caps>,
    /// Demuxers that have not yet said `no-more-pads`.
    pub(super) demuxers: usize,
    /// Pads waiting for their caps before anything can be plugged after them.
    pub(super) undecided: usize,
    pub(super) streams: Vec<Stream>,
    pub(super) global: Option<gst::TagList>,
    pub(super) toc: Option<gst::Toc>,
    pub(super) error: Option<String>,
    pub(super) missing: Vec<String>,
    /// The probe thread has been told the probe is over.
    pub(super) woken: bool,
}

/// One elementary stream, ended by a pad of ours that keeps what arrives before
/// the stream's first buffer and refuses the rest.
pub(super) struct Stream {
    pub(super) pad: gst::Pad,
    pub(super) id: String,
    pub(super) flags: gst::StreamFlags,
    pub(super) caps: Option<gst::Caps>,
    pub(super) tags: gst::TagList,
    /// The first buffer in the segment: headers some facts are read from.
    pub(super) first: Option<gst::Buffer>,
    /// The timestamp of the second, where the first could not tell the rate.
    pub(super) second_pts: Option<gst::ClockTime>,
    pub(super) segment: Option<gst::FormattedSegment<gst::ClockTime>>,
    /// Had its first buffer, a gap or the end of the stream.
    pub(super) done: bool,
    /// Had the end of the stream: its demuxer is through with it.
    pub(super) eos: bool,
    /// Its demuxer took the pad away again.
    pub(super) removed: bool,
}

impl Stream {
    /// Video whose caps give no frame rate (ASF written by ffmpeg, for one)
    /// waits for a second frame: the two timestamps tell the frame duration.
    pub(super) fn wants_second_buffer(&self) -> bool {
        let Some(s) = self.caps.as_ref().and_then(|c| c.structure(0)) else {
            return false;
        };
        s.name().starts_with("video/")
            && !s
                .get::<gst::Fraction>("framerate")
                .is_ok_and(|f| f.numer() > 0 && f.denom() > 0)
    }

    /// Does `buffer` fall in the stream's segment, as a sink would clip it?
    pub(super) fn in_segment(&self, buffer: &gst::BufferRef) -> bool {
        let (Some(segment), Some(start)) = (&self.segment, buffer.pts()) else {
            return true;
        };
        let stop = buffer.duration().map(|d| start + d);
        segment.clip(start, stop).is_some()
    }
}

impl Watch {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Findings> {
        self.state.lock().unwrap()
    }

    /// Change the state under the lock; the first change that finishes or fails
    /// the probe wakes the probe thread (once: later changes cost no syscall).
    pub(super) fn update<R>(&self, f: impl FnOnce(&mut Findings) -> R) -> R {
        let mut st = self.lock();
        let r = f(&mut st);
        if !st.woken && (st.finished() || st.error.is_some()) {
            st.woken = true;
            self.cvar.notify_all();
        }
        r
    }
}

impl Findings {
    /// Every demuxer has announced all its streams and every stream has data;
    /// or every stream has ended, whether or not its demuxer said `no-more-pads`.
    pub(super) fn finished(&self) -> bool {
        let ended = |s: &Stream| s.eos || s.removed;
        self.container.is_some()
            && self.undecided == 0
            && ((self.demuxers == 0 && self.streams.iter().all(|s| s.done || s.removed))
                || (!self.streams.is_empty() && self.streams.iter().all(ended)))
    }

    /// Every stream there is has been heard, whether or not the type
    /// finder's thread has noted the container yet: a pull-mode demuxer it
    /// starts may run through a short file first, and an error it meets
    /// then comes after the file was described, in every run alike.
    pub(super) fn heard_all(&self) -> bool {
        !self.streams.is_empty()
            && self.undecided == 0
            && self.demuxers == 0
            && self.streams.iter().all(|s| s.done || s.removed)
    }
}
