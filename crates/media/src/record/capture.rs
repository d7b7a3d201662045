//! The path of every sample: the audio callback pushes into a lock-free ring,
//! and one writer thread ([`super::writer`]) drains it into WAV parts, measuring
//! levels on the way. This file is the capture side: the callback and the rings.
//!
//! Invariants:
//! - The callback never locks, allocates, blocks or does I/O. It converts the
//!   device's samples to `f32` straight into ring slots and touches only atomics
//!   and two other single-producer rings (dropout markers, stream errors).
//! - The ring moves whole frames only (its capacity is a multiple of the channel
//!   count), so a frame never straddles the wrap-around point.
//! - No frame is lost silently. When the ring is full the callback keeps as many
//!   whole frames as fit, counts the rest as lost and leaves a marker saying where
//!   in the stream they were; the writer puts exactly that much digital silence
//!   there, so the file keeps the device's timeline, and every dropout is listed.
//! - The duration limit is applied on the capture side, in device frames, so a
//!   2 s recording at 48 kHz has exactly 96,000 frames whatever the timing.
//! - A checkpoint (header rewrite and fsync) happens at least once a second of
//!   wall time while audio flows, and a flush (header rewrite, buffers to the
//!   kernel) five times a second: a power cut costs at most about a second, a
//!   killed process about a fifth of one. The fsync itself runs on another
//!   thread, so a slow disk never stops the draining.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use cpal::traits::DeviceTrait;
use cpal::{FromSample, Sample, SampleFormat, SizedSample, StreamConfig};

use super::clock::DeviceClock;

/// How often the header is brought up to date and the file fsynced (what a
/// power cut can cost).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// How often the header is brought up to date and buffered audio handed to the
/// kernel without an fsync (what a killed process can cost).
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// Dropout markers the ring can hold before losses merge into one marker.
const GAP_MARKERS: usize = 1024;
/// Stream errors kept for the main thread between two of its ticks.
const ERROR_SLOTS: usize = 64;
/// How long the writer sleeps when the ring is empty: short against the ring's
/// seconds, long enough not to spin.
pub(super) const IDLE_WAIT: Duration = Duration::from_millis(5);
/// The most frames the writer takes from the ring at once.
pub(super) const MAX_CHUNK_FRAMES: usize = 16384;

/// Test hook: `MEDIADEX_TEST_WRITER_STALL_MS=N` makes the writer thread sleep N
/// ms once, after it has written half a second of audio, to prove that the ring
/// absorbs a stalled disk. Never set outside tests.
pub const STALL_HOOK_ENV: &str = "MEDIADEX_TEST_WRITER_STALL_MS";

/// Counters shared by the callback, the writer and the main thread.
#[derive(Debug)]
pub struct CaptureState {
    /// Device frames taken in (kept or lost), up to the limit.
    pub position: AtomicU64,
    /// Frames replaced by silence, for any reason.
    pub lost_frames: AtomicU64,
    /// Separate episodes of a full ring.
    pub overruns: AtomicU64,
    /// Of `lost_frames`, those the device's clock says it skipped.
    pub device_lost_frames: AtomicU64,
    /// Separate gaps in the device's timeline.
    pub device_gaps: AtomicU64,
    /// An xrun was reported and the callback has not looked since.
    pub xrun_pending: AtomicBool,
    /// Over- and underruns reported by the device (`ErrorKind::Xrun`).
    pub xruns: AtomicU64,
    /// Other stream errors.
    pub stream_errors: AtomicU64,
    pub device_gone: AtomicBool,
    /// The capture side has all the frames the duration asked for.
    pub limit_reached: AtomicBool,
    /// Set by the main thread once the stream is stopped: nothing more will come.
    pub capture_ended: AtomicBool,
    /// Frames in the files so far (written by the writer).
    pub written: AtomicU64,
    /// Per-channel peak (`f32` bits of a magnitude) since the meter last looked.
    pub meter: Box<[AtomicU32]>,
}

impl CaptureState {
    pub fn new(channels: u16) -> Arc<CaptureState> {
        Arc::new(CaptureState {
            position: AtomicU64::new(0),
            lost_frames: AtomicU64::new(0),
            overruns: AtomicU64::new(0),
            device_lost_frames: AtomicU64::new(0),
            device_gaps: AtomicU64::new(0),
            xrun_pending: AtomicBool::new(false),
            xruns: AtomicU64::new(0),
            stream_errors: AtomicU64::new(0),
            device_gone: AtomicBool::new(false),
            limit_reached: AtomicBool::new(false),
            capture_ended: AtomicBool::new(false),
            written: AtomicU64::new(0),
            meter: (0..channels.max(1)).map(|_| AtomicU32::new(0)).collect(),
        })
    }

    /// Per-channel peaks since the last call (for the live meter).
    pub fn take_meter(&self) -> Vec<f32> {
        self.meter
            .iter()
            .map(|m| f32::from_bits(m.swap(0, Ordering::Relaxed)))
            .collect()
    }
}

/// Why frames were lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The ring was full: the writer (the disk, or a device delivering faster
    /// than real time) fell behind.
    RingFull,
    /// The device's clock ran ahead of its frames: it skipped them (an xrun,
    /// a stalled device).
    DeviceGap,
}

/// Where frames were lost: `frames` of them, just before ring frame `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub at: u64,
    pub frames: u64,
    pub cause: Cause,
}

/// A dropout as stored with a part: where (frame offset in the part), how
/// long, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Dropout {
    pub at_frame: u64,
    pub frames: u64,
    pub cause: Cause,
}

/// The writer's ends of the rings.
pub struct Drain {
    pub samples: rtrb::Consumer<f32>,
    pub gaps: rtrb::Consumer<Gap>,
}

/// The rings between the callbacks and the other threads.
pub struct Rings {
    pub capture: Capture,
    /// For the error callback.
    pub error_tx: rtrb::Producer<cpal::Error>,
    /// For the writer thread.
    pub drain: Drain,
    /// For the main thread.
    pub error_rx: rtrb::Consumer<cpal::Error>,
}

/// The callback's state: producer ends and its private counters.
pub struct Capture {
    samples: rtrb::Producer<f32>,
    gaps: rtrb::Producer<Gap>,
    channels: usize,
    limit: u64,
    position: u64,
    pushed: u64,
    pending: Option<Gap>,
    done: bool,
    shared: Arc<CaptureState>,
}

/// Rings for `ring_frames` frames of `channels` channels, and the two ends.
pub fn rings(
    channels: u16,
    ring_frames: usize,
    limit: Option<u64>,
    shared: Arc<CaptureState>,
) -> Rings {
    let ch = channels.max(1) as usize;
    let (sp, sc) = rtrb::RingBuffer::new(ring_frames.max(1) * ch);
    let (gp, gc) = rtrb::RingBuffer::new(GAP_MARKERS);
    let (ep, ec) = rtrb::RingBuffer::new(ERROR_SLOTS);
    Rings {
        capture: Capture {
            samples: sp,
            gaps: gp,
            channels: ch,
            limit: limit.unwrap_or(u64::MAX),
            position: 0,
            pushed: 0,
            pending: None,
            done: false,
            shared,
        },
        error_tx: ep,
        drain: Drain {
            samples: sc,
            gaps: gc,
        },
        error_rx: ec,
    }
}

impl Capture {
    /// The audio callback, `missed` frames after the previous one by the
    /// device's clock. Real-time safe: no locks, no allocation, no I/O.
    pub fn on_data<T>(&mut self, data: &[T], missed: u64)
    where
        T: SizedSample,
        f32: FromSample<T>,
    {
        if self.done {
            return;
        }
        if missed > 0 {
            // Skipped frames keep their place on the timeline (and count
            // towards the duration), as silence.
            let m = missed.min(self.limit - self.position);
            self.lose(m, Cause::DeviceGap);
            self.done = self.position + m >= self.limit;
            self.advance(m);
            if self.done {
                return;
            }
        }
        let ch = self.channels;
        let mut frames = (data.len() / ch) as u64;
        let left = self.limit - self.position;
        if frames >= left {
            frames = left;
            self.done = true;
        }
        let data = &data[..frames as usize * ch];
        // A loss not yet marked must be marked before anything after it goes in,
        // or the writer would put the silence in the wrong place.
        if let Some(g) = self.pending {
            if self.gaps.push(g).is_ok() {
                self.pending = None;
            } else {
                self.lose(frames, Cause::RingFull);
                self.advance(frames);
                return;
            }
        }
        let room = (self.samples.slots() / ch) as u64;
        let keep = frames.min(room);
        if keep > 0 {
            let n = keep as usize * ch;
            if let Ok(chunk) = self.samples.write_chunk_uninit(n) {
                chunk.fill_from_iter(data[..n].iter().map(|&s| f32::from_sample(s)));
                self.pushed += keep;
            }
        }
        if keep < frames {
            self.lose(frames - keep, Cause::RingFull);
        }
        self.advance(frames);
    }

    fn advance(&mut self, frames: u64) {
        self.position += frames;
        self.shared.position.store(self.position, Ordering::Relaxed);
        if self.done {
            self.shared.limit_reached.store(true, Ordering::Release);
        }
    }

    fn lose(&mut self, frames: u64, cause: Cause) {
        if frames == 0 {
            return;
        }
        // A loss of another kind at the same place gets its own marker if
        // the marker ring has room (else the two merge; the counters still
        // tell them apart).
        if let Some(g) = self.pending
            && g.cause != cause
            && self.gaps.push(g).is_ok()
        {
            self.pending = None;
        }
        let new_episode = match &mut self.pending {
            Some(g) => {
                g.frames += frames;
                g.cause != cause
            }
            None => {
                self.pending = Some(Gap {
                    at: self.pushed,
                    frames,
                    cause,
                });
                true
            }
        };
        if cause == Cause::DeviceGap {
            self.shared
                .device_lost_frames
                .fetch_add(frames, Ordering::Relaxed);
            if new_episode {
                self.shared.device_gaps.fetch_add(1, Ordering::Relaxed);
            }
        } else if new_episode {
            self.shared.overruns.fetch_add(1, Ordering::Relaxed);
        }
        self.shared.lost_frames.fetch_add(frames, Ordering::Release);
    }
}

/// The stream error callback: count, flag a vanished device, hand the error on.
pub fn on_error(shared: &CaptureState, errors: &mut rtrb::Producer<cpal::Error>, err: cpal::Error) {
    match err.kind() {
        cpal::ErrorKind::Xrun => {
            shared.xruns.fetch_add(1, Ordering::Relaxed);
            shared.xrun_pending.store(true, Ordering::Release);
        }
        cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::StreamInvalidated => {
            shared.device_gone.store(true, Ordering::Release);
        }
        _ => {
            shared.stream_errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    // A full error ring means the main thread has 64 unread errors already; this
    // one is counted above and dropped (errors are rare; the drop frees at most
    // the message the backend allocated for it).
    let _ = errors.push(err);
}

fn build<T>(
    device: &cpal::Device,
    config: StreamConfig,
    mut capture: Capture,
    mut errors: rtrb::Producer<cpal::Error>,
    shared: Arc<CaptureState>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let mut clock = DeviceClock::new(config.sample_rate);
    let channels = config.channels.max(1) as usize;
    let flags = shared.clone();
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], info: &cpal::InputCallbackInfo| {
            let after_xrun = flags.xrun_pending.swap(false, Ordering::AcqRel);
            let at = info.timestamp().capture.as_nanos();
            let missed = clock.observe(at, (data.len() / channels) as u64, after_xrun);
            capture.on_data(data, missed)
        },
        move |err| on_error(&shared, &mut errors, err),
        // A poll timeout lets the backend notice a device that vanished without a hangup event.
        Some(Duration::from_secs(1)),
    )
}

/// Build (but do not start) the input stream, capturing in `sample_format`.
pub fn build_stream(
    device: &cpal::Device,
    config: StreamConfig,
    sample_format: SampleFormat,
    capture: Capture,
    errors: rtrb::Producer<cpal::Error>,
    shared: Arc<CaptureState>,
) -> Result<cpal::Stream, cpal::Error> {
    use SampleFormat as F;
    match sample_format {
        F::I8 => build::<i8>(device, config, capture, errors, shared),
        F::I16 => build::<i16>(device, config, capture, errors, shared),
        F::I24 => build::<cpal::I24>(device, config, capture, errors, shared),
        F::I32 => build::<i32>(device, config, capture, errors, shared),
        F::U8 => build::<u8>(device, config, capture, errors, shared),
        F::U16 => build::<u16>(device, config, capture, errors, shared),
        F::U24 => build::<cpal::U24>(device, config, capture, errors, shared),
        F::U32 => build::<u32>(device, config, capture, errors, shared),
        F::F32 => build::<f32>(device, config, capture, errors, shared),
        F::F64 => build::<f64>(device, config, capture, errors, shared),
        other => Err(cpal::Error::with_message(
            cpal::ErrorKind::UnsupportedConfig,
            format!("cannot record sample format {other}"),
        )),
    }
}

#[cfg(test)]
mod tests;
