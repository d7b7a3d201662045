//! The path of every sample: the audio callback pushes into a lock-free ring,
//! and one writer thread drains it into WAV parts, measuring levels on the way.
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
use std::time::{Duration, Instant};

use cpal::traits::DeviceTrait;
use cpal::{FromSample, Sample, SampleFormat, SizedSample, StreamConfig};
use crossbeam_channel::Sender;

use super::clock::DeviceClock;
use mediadex_core::audio::WavFormat;
use mediadex_core::audio::levels::{Levels, LevelsReport};
use mediadex_core::audio::wav::{self, PartFile, WavError};

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
const IDLE_WAIT: Duration = Duration::from_millis(5);
/// The most frames the writer takes from the ring at once.
const MAX_CHUNK_FRAMES: usize = 16384;

/// Test hook: `MEDIADEX_TEST_WRITER_STALL_MS=N` makes the writer thread sleep N
/// ms once, after it has written half a second of audio, to prove that the ring
/// absorbs a stalled disk. Never set outside tests.
pub const STALL_HOOK_ENV: &str = "MEDIADEX_TEST_WRITER_STALL_MS";

/// Counters shared by the callback, the writer and the main thread.
#[derive(Debug)]
pub struct Shared {
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

impl Shared {
    pub fn new(channels: u16) -> Arc<Shared> {
        Arc::new(Shared {
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
    shared: Arc<Shared>,
}

/// Rings for `ring_frames` frames of `channels` channels, and the two ends.
pub fn rings(channels: u16, ring_frames: usize, limit: Option<u64>, shared: Arc<Shared>) -> Rings {
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
pub fn on_error(shared: &Shared, errors: &mut rtrb::Producer<cpal::Error>, err: cpal::Error) {
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
    shared: Arc<Shared>,
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
    shared: Arc<Shared>,
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

/// What the writer tells the main thread.
#[derive(Debug, Clone)]
pub enum WriterEvent {
    /// The header of a part is up to date and fsynced.
    Checkpoint(PartProgress),
    /// An fsync failed: the disk is in trouble and the recording must end.
    SyncFailed(String),
    /// A part reached the size limit and was finalized; `index + 1` follows.
    PartDone(PartProgress),
    /// A new part file was created and locked.
    PartStarted {
        index: u32,
        path: std::path::PathBuf,
    },
}

/// One part's state as the writer sees it.
#[derive(Debug, Clone)]
pub struct PartProgress {
    pub index: u32,
    pub path: std::path::PathBuf,
    /// Frames in the part (including silence put in for lost frames).
    pub frames: u64,
    /// Frames the header on disk covers.
    pub checkpoint_frames: u64,
    pub levels: LevelsReport,
    pub dropouts: Vec<Dropout>,
}

/// The writer thread's result.
#[derive(Debug)]
pub struct WriterOutcome {
    /// The last part (finalized unless `error` says otherwise).
    pub last: PartProgress,
    pub total_frames: u64,
    pub error: Option<WavError>,
}

/// Everything the writer thread owns.
pub struct Writer {
    pub drain: Drain,
    pub part: PartFile,
    pub first_path: std::path::PathBuf,
    pub format: WavFormat,
    pub channels: u16,
    pub rate: u32,
    pub silence_db: f64,
    pub frames_per_part: u64,
    pub overwrite: bool,
    pub limit: Option<u64>,
    pub shared: Arc<Shared>,
    pub events: Sender<WriterEvent>,
}

/// The writer's side without the rings, so both can be borrowed at once.
struct Sink {
    part: PartFile,
    first_path: std::path::PathBuf,
    format: WavFormat,
    channels: u16,
    rate: u32,
    silence_db: f64,
    frames_per_part: u64,
    overwrite: bool,
    limit: Option<u64>,
    shared: Arc<Shared>,
    syncer: Syncer,
}

/// fsyncs run on their own thread so that a slow disk holds up neither the
/// ring nor the device: the writer hands over a ticket and goes on draining.
/// Writer events pass through the same thread, which keeps each part's events
/// in order (a checkpoint never lands after the part was reported done).
struct Syncer {
    jobs: Option<Sender<Job>>,
    busy: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

enum Job {
    Sync(wav::SyncTicket, PartProgress),
    Event(WriterEvent),
}

impl Syncer {
    fn start(events: Sender<WriterEvent>) -> Syncer {
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        let busy = Arc::new(AtomicBool::new(false));
        let busy2 = busy.clone();
        let handle = std::thread::Builder::new()
            .name("mediadex-fsync".into())
            .spawn(move || {
                for job in rx {
                    let ev = match job {
                        Job::Sync(ticket, mut progress) => {
                            let ev = match ticket.run() {
                                Ok(frames) => {
                                    progress.checkpoint_frames = frames;
                                    WriterEvent::Checkpoint(progress)
                                }
                                Err(e) => WriterEvent::SyncFailed(e.to_string()),
                            };
                            busy2.store(false, Ordering::Release);
                            ev
                        }
                        Job::Event(ev) => ev,
                    };
                    let _ = events.send(ev);
                }
            })
            .ok();
        Syncer {
            jobs: Some(tx),
            busy,
            handle,
        }
    }

    /// Hand over a checkpoint, unless the previous fsync is still running (this
    /// one is then folded into the next).
    fn checkpoint(
        &self,
        part: &mut PartFile,
        progress: impl FnOnce() -> PartProgress,
    ) -> Result<(), WavError> {
        if self.busy.load(Ordering::Acquire) {
            return part.flush();
        }
        let ticket = part.flush_for_sync()?;
        match (&self.jobs, &self.handle) {
            (Some(tx), Some(_)) => {
                self.busy.store(true, Ordering::Release);
                let _ = tx.send(Job::Sync(ticket, progress()));
                Ok(())
            }
            // No thread could be started: sync here.
            _ => ticket.run().map(|_| ()),
        }
    }

    fn event(&self, ev: WriterEvent) {
        if let Some(tx) = &self.jobs {
            let _ = tx.send(Job::Event(ev));
        }
    }

    /// Wait until every fsync is done and every event delivered.
    fn finish(&mut self) {
        self.jobs = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

struct State {
    index: u32,
    levels: Levels,
    dropouts: Vec<Dropout>,
    total: u64,
    ring_read: u64,
    gap_frames_seen: u64,
    device_frames_seen: u64,
    peaks: Vec<f32>,
}

impl Writer {
    /// Drain the ring into files until capture has ended and the ring is empty
    /// (or the duration is complete). Runs on its own thread.
    pub fn run(self) -> WriterOutcome {
        let Writer {
            mut drain,
            part,
            first_path,
            format,
            channels,
            rate,
            silence_db,
            frames_per_part,
            overwrite,
            limit,
            shared,
            events,
        } = self;
        let sink = Sink {
            part,
            first_path,
            format,
            channels,
            rate,
            silence_db,
            frames_per_part,
            overwrite,
            limit,
            shared,
            syncer: Syncer::start(events),
        };
        sink.run(&mut drain)
    }
}

impl Sink {
    fn run(mut self, drain: &mut Drain) -> WriterOutcome {
        let ch = self.channels.max(1) as usize;
        let mut st = State {
            index: 1,
            levels: Levels::new(self.channels, self.rate, self.silence_db),
            dropouts: Vec::new(),
            total: 0,
            ring_read: 0,
            gap_frames_seen: 0,
            device_frames_seen: 0,
            peaks: vec![0.0; ch],
        };
        let mut stall = std::env::var(STALL_HOOK_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis);
        let mut last_checkpoint = Instant::now();
        let mut last_flush = Instant::now();
        let result = loop {
            if let Err(e) = self.step(drain, &mut st, ch) {
                break Err(e);
            }
            if self.limit.is_some_and(|l| st.total >= l) {
                break Ok(());
            }
            if let Some(d) = stall
                && st.total >= self.rate as u64 / 2
            {
                std::thread::sleep(d);
                stall = None;
            }
            if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
                last_checkpoint = Instant::now();
                last_flush = last_checkpoint;
                let progress = self.progress(&st);
                if let Err(e) = self.syncer.checkpoint(&mut self.part, || progress) {
                    break Err(e);
                }
            } else if last_flush.elapsed() >= FLUSH_EVERY {
                last_flush = Instant::now();
                if let Err(e) = self.part.flush() {
                    break Err(e);
                }
            }
            if drain.samples.is_empty() && drain.gaps.is_empty() {
                // Read the flag before the final look at the ring: whatever the
                // callback pushed before the stream stopped is then visible.
                if self.shared.capture_ended.load(Ordering::Acquire) {
                    if drain.samples.is_empty() && drain.gaps.is_empty() {
                        break self.trailing_loss(&mut st);
                    }
                    continue;
                }
                std::thread::sleep(IDLE_WAIT);
            }
        };
        let error = result.err();
        let mut last = self.progress(&st);
        // Pending fsyncs and events go out before the final state.
        self.syncer.finish();
        let finished = self.part.finish();
        match finished {
            Ok(frames) => last.checkpoint_frames = frames,
            Err(e) if error.is_none() => {
                return WriterOutcome {
                    last,
                    total_frames: st.total,
                    error: Some(e),
                };
            }
            Err(_) => {}
        }
        WriterOutcome {
            last,
            total_frames: st.total,
            error,
        }
    }

    fn progress(&self, st: &State) -> PartProgress {
        PartProgress {
            index: st.index,
            path: self.part.path().to_path_buf(),
            frames: self.part.frames(),
            checkpoint_frames: self.part.checkpoint_frames(),
            levels: st.levels.report(),
            dropouts: st.dropouts.clone(),
        }
    }

    /// Move one chunk (or one dropout) from the ring into the file.
    fn step(&mut self, drain: &mut Drain, st: &mut State, ch: usize) -> Result<(), WavError> {
        if let Ok(g) = drain.gaps.peek()
            && g.at == st.ring_read
        {
            let g = *g;
            let _ = drain.gaps.pop();
            st.gap_frames_seen += g.frames;
            if g.cause == Cause::DeviceGap {
                st.device_frames_seen += g.frames;
            }
            return self.fill(st, g.frames, g.cause);
        }
        let mut n = (drain.samples.slots() / ch).min(MAX_CHUNK_FRAMES) as u64;
        if let Ok(g) = drain.gaps.peek() {
            n = n.min(g.at - st.ring_read);
        }
        if let Some(l) = self.limit {
            n = n.min(l - st.total);
        }
        if n == 0 {
            return Ok(());
        }
        let chunk = drain
            .samples
            .read_chunk(n as usize * ch)
            .expect("slots were counted");
        let (a, b) = chunk.as_slices();
        let res = self.emit(st, ch, a).and_then(|_| self.emit(st, ch, b));
        chunk.commit_all();
        st.ring_read += n;
        res?;
        st.levels.take_recent_peaks(&mut st.peaks);
        for (m, p) in self.shared.meter.iter().zip(&st.peaks) {
            // Non-negative floats order like their bit patterns.
            m.fetch_max(p.to_bits(), Ordering::Relaxed);
        }
        Ok(())
    }

    /// Write samples, rolling over to the next part at the size limit.
    fn emit(&mut self, st: &mut State, ch: usize, mut s: &[f32]) -> Result<(), WavError> {
        while !s.is_empty() {
            let room = self.frames_per_part - self.part.frames();
            if room == 0 {
                self.roll_over(st)?;
                continue;
            }
            let n = ((s.len() / ch) as u64).min(room) as usize;
            self.part.write(&s[..n * ch])?;
            st.levels.feed(&s[..n * ch]);
            st.total += n as u64;
            self.shared.written.store(st.total, Ordering::Relaxed);
            s = &s[n * ch..];
        }
        Ok(())
    }

    /// Silence in place of `frames` lost frames, recorded as a dropout.
    fn fill(&mut self, st: &mut State, frames: u64, cause: Cause) -> Result<(), WavError> {
        let mut left = match self.limit {
            Some(l) => frames.min(l - st.total),
            None => frames,
        };
        while left > 0 {
            let room = self.frames_per_part - self.part.frames();
            if room == 0 {
                self.roll_over(st)?;
                continue;
            }
            let n = left.min(room);
            st.dropouts.push(Dropout {
                at_frame: self.part.frames(),
                frames: n,
                cause,
            });
            self.part.write_silence(n)?;
            st.levels.feed_silence(n);
            st.total += n;
            self.shared.written.store(st.total, Ordering::Relaxed);
            left -= n;
        }
        Ok(())
    }

    /// Frames lost after the last frame that made it into the ring.
    fn trailing_loss(&mut self, st: &mut State) -> Result<(), WavError> {
        let lost = self.shared.lost_frames.load(Ordering::Acquire);
        let device = self.shared.device_lost_frames.load(Ordering::Relaxed);
        let trailing = lost.saturating_sub(st.gap_frames_seen);
        let from_device = device.saturating_sub(st.device_frames_seen).min(trailing);
        st.gap_frames_seen += trailing;
        st.device_frames_seen += from_device;
        if from_device > 0 {
            self.fill(st, from_device, Cause::DeviceGap)?;
        }
        if trailing > from_device {
            self.fill(st, trailing - from_device, Cause::RingFull)?;
        }
        Ok(())
    }

    fn roll_over(&mut self, st: &mut State) -> Result<(), WavError> {
        let next_index = st.index + 1;
        let next_path = wav::part_path(&self.first_path, next_index);
        let next = PartFile::create(
            &next_path,
            self.format,
            self.channels,
            self.rate,
            self.overwrite,
        )?;
        let old = std::mem::replace(&mut self.part, next);
        let mut done = PartProgress {
            index: st.index,
            path: old.path().to_path_buf(),
            frames: old.frames(),
            checkpoint_frames: old.checkpoint_frames(),
            levels: st.levels.report(),
            dropouts: std::mem::take(&mut st.dropouts),
        };
        done.checkpoint_frames = old.finish()?;
        self.syncer.event(WriterEvent::PartDone(done));
        st.index = next_index;
        st.levels = Levels::new(self.channels, self.rate, self.silence_db);
        self.syncer.event(WriterEvent::PartStarted {
            index: next_index,
            path: next_path,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests;
