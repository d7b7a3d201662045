//! Recording: a microphone through cpal into a lock-free ring, a writer thread
//! draining it into WAV parts (hound), each part reported to an [`Observer`]
//! (the CLI stores them in the catalog). Built for long unattended sessions.
//!
//! Threads and their duties:
//! - the audio callback ([`capture::Capture::on_data`]) only converts and pushes;
//! - the writer ([`capture::Writer`]) owns the files and the level meters, and
//!   checkpoints each part at least once a second;
//! - the caller's thread (here, [`record`]) owns the device stream, watches the
//!   stop flag, the duration, the device and the writer, and talks to the
//!   observer, so a slow catalog can never hold up audio.
//!
//! Invariants: no frame is dropped without being counted and marked (see
//! `capture`); every part on disk is a valid WAV up to its last checkpoint and
//! is finalized on every orderly exit, including a vanished device and a failed
//! write; durations are counted in device frames, never wall time.

pub mod capture;
pub mod clock;
pub mod command;
pub mod device;
pub mod native;
pub mod probe;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cpal::traits::StreamTrait;
use serde::Serialize;
use serde_json::{Value, json};

use capture::{PartProgress, Shared, Writer, WriterEvent};
use device::{Chosen, DeviceError, InputDevice, Wanted};
use mediadex_core::audio::wav::{self, PartFile, WavError};
use mediadex_core::audio::{WavFormat, levels};
use mediadex_core::util;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Wav(#[from] WavError),
    // Causes are part of the messages, not `source`s: `{:#}` says them once.
    #[error("could not open device {name}: {cause}")]
    Open { name: String, cause: cpal::Error },
    #[error("could not start device {name}: {cause}")]
    Start { name: String, cause: cpal::Error },
    #[error("could not start the writer thread: {0}")]
    Thread(std::io::Error),
    /// A device error with what alsa-lib said about it (it would otherwise
    /// have printed that on stderr itself).
    #[error("{error} (alsa-lib: {said})")]
    Alsa {
        error: Box<RecordError>,
        said: String,
    },
    #[error("{0:#}")]
    Observer(anyhow::Error),
}

/// How long audio may fail to arrive before the device is given up as gone.
pub const DEFAULT_DEVICE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the main loop looks at the flags and the observer's meter moves.
const TICK: Duration = Duration::from_millis(100);

/// How long stopping a stream may take before it is abandoned (a wedged
/// driver must not keep the file from being finalized).
const STOP_TIMEOUT: Duration = Duration::from_secs(2);

/// Test hook: `MEDIADEX_TEST_PART_BYTES=N` lowers the per-part data limit from
/// just under 4 GiB to N bytes, so rollover can be tested with small files.
pub const PART_BYTES_ENV: &str = "MEDIADEX_TEST_PART_BYTES";

/// What to record and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// Device id or name; `None` for the default input.
    pub device: Option<String>,
    pub duration: Option<Duration>,
    pub wanted: Wanted,
    /// Frames per device period (callback); `None` lets the device choose.
    pub period: Option<u32>,
    /// The first part's path (absolute).
    pub out: PathBuf,
    pub overwrite: bool,
    pub label: Option<String>,
    /// Silence threshold for the levels, dBFS RMS.
    pub silence_db: f64,
    /// How much audio the ring holds while the writer is held up.
    pub buffer: Duration,
    /// Audio bytes per part before rolling over.
    pub part_bytes: u64,
    /// No audio for this long means the device is gone.
    pub device_timeout: Duration,
}

impl Options {
    pub fn new(out: PathBuf) -> Options {
        Options {
            device: None,
            duration: None,
            wanted: Wanted::default(),
            period: None,
            out,
            overwrite: false,
            label: None,
            silence_db: levels::DEFAULT_SILENCE_DB,
            buffer: Duration::from_secs(2),
            part_bytes: wav::MAX_PART_DATA_BYTES,
            device_timeout: DEFAULT_DEVICE_TIMEOUT,
        }
    }
}

/// Catalog status of a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartStatus {
    Recording,
    Complete,
    Failed,
}

impl PartStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PartStatus::Recording => "recording",
            PartStatus::Complete => "complete",
            PartStatus::Failed => "failed",
        }
    }
}

/// Everything the catalog stores about one part file.
#[derive(Debug, Clone)]
pub struct PartState {
    pub index: u32,
    pub path: PathBuf,
    pub status: PartStatus,
    pub device: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub rate: u32,
    pub channels: u16,
    pub format: WavFormat,
    pub frames: u64,
    pub label: Option<String>,
    /// The JSON document: levels, dropouts, counters, label, device details.
    pub doc: Value,
}

impl PartState {
    pub fn seconds(&self) -> f64 {
        self.frames as f64 / self.rate.max(1) as f64
    }
}

/// A live view for a progress line.
#[derive(Debug, Clone)]
pub struct Meter<'a> {
    /// Frames in the files so far.
    pub frames: u64,
    pub rate: u32,
    pub limit: Option<u64>,
    /// Per-channel peak magnitude since the last tick (0..=1, or more for float overs).
    pub peaks: &'a [f32],
    pub lost_frames: u64,
}

/// Receives the parts as they start, progress and end.
pub trait Observer {
    /// A part file exists and is about to receive audio. An error for the first
    /// part aborts the recording before it starts.
    fn part_started(&mut self, part: &PartState) -> anyhow::Result<()>;
    /// A checkpoint, or the final state of a part.
    fn part_updated(&mut self, part: &PartState);
    /// Called about ten times a second while recording.
    fn tick(&mut self, _meter: &Meter) {}
}

/// An observer that ignores everything.
pub struct NoObserver;

impl Observer for NoObserver {
    fn part_started(&mut self, _: &PartState) -> anyhow::Result<()> {
        Ok(())
    }
    fn part_updated(&mut self, _: &PartState) {}
}

/// Why a recording ended.
#[derive(Debug, Clone, PartialEq)]
pub enum EndReason {
    /// The requested duration was captured.
    Duration,
    /// The stop flag was raised (Ctrl-C, SIGTERM).
    Stopped,
    /// The device vanished or stopped delivering audio.
    DeviceLost(String),
    /// A part could not be written.
    WriteFailed(String),
}

impl EndReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            EndReason::Duration => "duration",
            EndReason::Stopped => "stopped",
            EndReason::DeviceLost(_) => "device_lost",
            EndReason::WriteFailed(_) => "write_failed",
        }
    }

    pub fn is_failure(&self) -> bool {
        matches!(self, EndReason::DeviceLost(_) | EndReason::WriteFailed(_))
    }
}

/// The result of a recording.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub parts: Vec<PartState>,
    pub end: EndReason,
    pub device: String,
    pub rate: u32,
    pub channels: u16,
    pub format: WavFormat,
    pub frames: u64,
    /// Frames replaced by silence, for any reason.
    pub lost_frames: u64,
    /// Of those, frames lost to a full ring, in this many episodes.
    pub ring_lost_frames: u64,
    pub overruns: u64,
    /// Of those, frames the device's clock says it skipped, in this many gaps.
    pub device_lost_frames: u64,
    pub device_gaps: u64,
    /// Device frames per second of wall time, relative to the rate: about 1
    /// for a live source, far more for a file or the `null` device.
    pub pace: f64,
    pub xruns: u64,
    pub stream_errors: u64,
    pub errors: Vec<String>,
    pub wall: Duration,
}

/// A duration in frames at `rate`, rounded to the nearest frame (at least one).
pub fn frames_for(d: Duration, rate: u32) -> u64 {
    let f = (d.as_nanos() * rate as u128 + 500_000_000) / 1_000_000_000;
    (f as u64).max(1)
}

/// `<catalog dir>/recordings/<UTC timestamp>.wav`, made unique with `-2`, `-3`…
pub fn default_out(catalog: &Path) -> PathBuf {
    let dir = catalog
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("recordings");
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut p = dir.join(format!("{stamp}.wav"));
    let mut n = 2;
    while p.exists() {
        p = dir.join(format!("{stamp}-{n}.wav"));
        n += 1;
    }
    p
}

/// Facts that hold for the whole session, shared by every part's document.
struct Session {
    device: InputDevice,
    native: Option<Vec<cpal::SampleFormat>>,
    host: String,
    chosen: Chosen,
    label: Option<String>,
    requested_frames: Option<u64>,
    period_frames: Option<u32>,
    ring_frames: u64,
    first_path: PathBuf,
    started_at: String,
    t0: Instant,
}

struct Counters {
    lost_frames: u64,
    overruns: u64,
    device_lost_frames: u64,
    device_gaps: u64,
    xruns: u64,
    stream_errors: u64,
}

impl Counters {
    fn read(s: &Shared) -> Counters {
        Counters {
            lost_frames: s.lost_frames.load(Ordering::Acquire),
            overruns: s.overruns.load(Ordering::Relaxed),
            device_lost_frames: s.device_lost_frames.load(Ordering::Relaxed),
            device_gaps: s.device_gaps.load(Ordering::Relaxed),
            xruns: s.xruns.load(Ordering::Relaxed),
            stream_errors: s.stream_errors.load(Ordering::Relaxed),
        }
    }
}

impl Session {
    fn part(
        &self,
        p: &PartProgress,
        status: PartStatus,
        end: Option<&EndReason>,
        c: &Counters,
        errors: &[String],
    ) -> PartState {
        let ended_at = (status != PartStatus::Recording).then(util::now_utc);
        let mut doc = json!({
            "label": self.label,
            "device": {
                "id": self.device.id,
                "name": self.device.name,
                "host": self.host,
                "sample_format": self.chosen.sample_format.to_string(),
                "native_formats": self.native.as_ref().map(|n| n.iter().map(|f| f.to_string()).collect::<Vec<_>>()),
                "period_frames": self.period_frames,
            },
            "format": self.chosen.format,
            "rate": self.chosen.rate,
            "channels": self.chosen.channels,
            "frames": p.frames,
            "seconds": p.frames as f64 / self.chosen.rate as f64,
            "checkpoint_frames": p.checkpoint_frames,
            "requested_frames": self.requested_frames,
            "part": p.index,
            "first_part": util::display_path(&self.first_path),
            "levels": p.levels,
            "dropouts": p.dropouts,
            "overruns": {
                "events": c.overruns,
                "lost_frames": c.lost_frames - c.device_lost_frames,
                "ring_frames": self.ring_frames,
            },
            "device_gaps": {
                "events": c.device_gaps,
                "lost_frames": c.device_lost_frames,
            },
            "xruns": c.xruns,
            "stream_errors": c.stream_errors,
            "errors": errors,
            "end_reason": end.map(|e| e.as_str()),
            "wall_seconds": (self.t0.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            "recorder": { "version": env!("CARGO_PKG_VERSION"), "pid": std::process::id() },
        });
        if let Some(EndReason::DeviceLost(m) | EndReason::WriteFailed(m)) = end {
            doc["error"] = Value::String(m.clone());
        }
        PartState {
            index: p.index,
            path: p.path.clone(),
            status,
            device: self.device.id.clone(),
            started_at: self.started_at.clone(),
            ended_at,
            rate: self.chosen.rate,
            channels: self.chosen.channels,
            format: self.chosen.format,
            frames: p.frames,
            label: self.label.clone(),
            doc,
        }
    }
}

struct Opened {
    chosen: Chosen,
    native: Option<Vec<cpal::SampleFormat>>,
    stream: cpal::Stream,
    shared: std::sync::Arc<Shared>,
    drain: capture::Drain,
    error_rx: rtrb::Consumer<cpal::Error>,
    ring_frames: u64,
    limit: Option<u64>,
}

fn ring_frames_for(buffer: Duration, rate: u32) -> u64 {
    frames_for(buffer.max(Duration::from_millis(100)), rate)
}

/// Build the stream. When every choice was made on the command line the device
/// is not queried first; if it then refuses the format, it is asked what it can do.
fn open(dev: &InputDevice, opts: &Options) -> Result<Opened, RecordError> {
    let attempt = |chosen: Chosen| -> Result<Opened, cpal::Error> {
        let limit = opts.duration.map(|d| frames_for(d, chosen.rate));
        let ring_frames = ring_frames_for(opts.buffer, chosen.rate);
        let shared = Shared::new(chosen.channels);
        let rings = capture::rings(chosen.channels, ring_frames as usize, limit, shared.clone());
        let config = cpal::StreamConfig {
            channels: chosen.channels,
            sample_rate: chosen.rate,
            buffer_size: opts
                .period
                .map_or(cpal::BufferSize::Default, cpal::BufferSize::Fixed),
        };
        let stream = capture::build_stream(
            &dev.device,
            config,
            chosen.sample_format,
            rings.capture,
            rings.error_tx,
            shared.clone(),
        )?;
        Ok(Opened {
            chosen,
            native: None,
            stream,
            shared,
            drain: rings.drain,
            error_rx: rings.error_rx,
            ring_frames,
            limit,
        })
    };
    let open_err = |cause| RecordError::Open {
        name: dev.id.clone(),
        cause,
    };
    let native = native::native_formats(&dev.id);
    let with_native = |o: Opened| Opened {
        native: native.clone(),
        ..o
    };
    if let Some(c) = device::chosen_without_query(&opts.wanted, native.as_deref()) {
        match attempt(c) {
            Ok(o) => return Ok(with_native(o)),
            Err(e)
                if matches!(
                    e.kind(),
                    cpal::ErrorKind::UnsupportedConfig | cpal::ErrorKind::InvalidInput
                ) => {}
            Err(e) => return Err(open_err(e)),
        }
    }
    let ranges = device::ranges(dev)?;
    let chosen = device::choose(&dev.id, &opts.wanted, &ranges, native.as_deref())?;
    attempt(chosen).map(with_native).map_err(open_err)
}

/// Record until the duration is captured, `stop` is raised, the device goes
/// away or a write fails. Every part is finalized before this returns.
pub fn record(
    opts: &Options,
    stop: &AtomicBool,
    obs: &mut dyn Observer,
) -> Result<Outcome, RecordError> {
    // Checked again, race-free, when the file is created; this spares opening
    // the device for nothing.
    if !opts.overwrite && opts.out.exists() {
        return Err(WavError::Exists {
            path: opts.out.clone(),
        }
        .into());
    }
    let host = cpal::default_host();
    // alsa-lib prints its own view of a failure on stderr (16 lines for a
    // machine without a sound card); collect it, and add it to our error.
    let alsa = native::AlsaMessages::capture();
    let with_alsa = |e: RecordError| match alsa.lines().as_slice() {
        [] => e,
        [one] => RecordError::Alsa {
            error: Box::new(e),
            said: one.clone(),
        },
        [first, .., last] => RecordError::Alsa {
            error: Box::new(e),
            said: format!("{first}; {last}"),
        },
    };
    let dev = device::find(&host, opts.device.as_deref()).map_err(|e| with_alsa(e.into()))?;
    let Opened {
        chosen,
        native,
        stream,
        shared,
        drain,
        mut error_rx,
        ring_frames,
        limit,
    } = open(&dev, opts).map_err(with_alsa)?;
    let period_frames = stream.buffer_size().ok();
    let first = PartFile::create(
        &opts.out,
        chosen.format,
        chosen.channels,
        chosen.rate,
        opts.overwrite,
    )?;
    let frame_bytes = chosen.format.bytes() * chosen.channels as u64;
    let session = Session {
        host: host.id().name().to_string(),
        device: dev,
        native,
        chosen,
        label: opts.label.clone(),
        requested_frames: limit,
        period_frames,
        ring_frames,
        first_path: opts.out.clone(),
        started_at: util::now_utc(),
        t0: Instant::now(),
    };
    let mut errors: Vec<String> = Vec::new();
    let empty = |index: u32, path: &Path| PartProgress {
        index,
        path: path.to_path_buf(),
        frames: 0,
        checkpoint_frames: 0,
        levels: levels::Levels::new(chosen.channels, chosen.rate, opts.silence_db).report(),
        dropouts: Vec::new(),
    };
    let first_state = session.part(
        &empty(1, &opts.out),
        PartStatus::Recording,
        None,
        &Counters::read(&shared),
        &errors,
    );
    if let Err(e) = obs.part_started(&first_state) {
        // Nothing was recorded: leave no empty file behind.
        drop(first);
        let _ = std::fs::remove_file(&opts.out);
        return Err(RecordError::Observer(e));
    }

    let (tx, rx) = crossbeam_channel::unbounded();
    let writer = Writer {
        drain,
        part: first,
        first_path: opts.out.clone(),
        format: chosen.format,
        channels: chosen.channels,
        rate: chosen.rate,
        silence_db: opts.silence_db,
        frames_per_part: wav::frames_per_part(opts.part_bytes, frame_bytes),
        overwrite: opts.overwrite,
        limit,
        shared: shared.clone(),
        events: tx,
    };
    let handle = std::thread::Builder::new()
        .name("mediadex-wav-writer".into())
        .spawn(move || writer.run())
        .map_err(RecordError::Thread)?;

    let mut end: Option<EndReason> = None;
    if let Err(e) = stream.play() {
        end = Some(EndReason::DeviceLost(format!(
            "could not start device {}: {e}",
            session.device.id
        )));
    }

    // Passes an event on to the observer; returns the message of a failure
    // that must end the recording.
    let handle_event = |ev: WriterEvent, errors: &[String], obs: &mut dyn Observer| {
        let c = Counters::read(&shared);
        match ev {
            WriterEvent::Checkpoint(p) => {
                obs.part_updated(&session.part(&p, PartStatus::Recording, None, &c, errors))
            }
            WriterEvent::PartDone(p) => {
                obs.part_updated(&session.part(&p, PartStatus::Complete, None, &c, errors))
            }
            WriterEvent::SyncFailed(msg) => return Some(msg),
            WriterEvent::PartStarted { index, path } => {
                let st = session.part(
                    &empty(index, &path),
                    PartStatus::Recording,
                    None,
                    &c,
                    errors,
                );
                if let Err(e) = obs.part_started(&st) {
                    eprintln!("mediadex: warning: {e:#}");
                }
            }
        }
        None
    };
    let mut sync_failure: Option<String> = None;

    let mut last_position = 0u64;
    let mut last_progress = Instant::now();
    let mut last_tick = Instant::now();
    while end.is_none() {
        match rx.recv_timeout(TICK) {
            Ok(ev) => {
                if let Some(m) = handle_event(ev, &errors, obs) {
                    sync_failure.get_or_insert(m);
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            // The writer is done: it has the whole duration, or it failed.
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        }
        collect_errors(&mut error_rx, &mut errors);
        let position = shared.position.load(Ordering::Relaxed);
        if position != last_position {
            last_position = position;
            last_progress = Instant::now();
        }
        if let Some(m) = &sync_failure {
            end = Some(EndReason::WriteFailed(m.clone()));
        } else if shared.device_gone.load(Ordering::Acquire) {
            end = Some(EndReason::DeviceLost(format!(
                "device {} disappeared",
                session.device.id
            )));
        } else if shared.limit_reached.load(Ordering::Acquire) {
            end = Some(EndReason::Duration);
        } else if stop.load(Ordering::Relaxed) {
            end = Some(EndReason::Stopped);
        } else if last_progress.elapsed() >= opts.device_timeout {
            end = Some(EndReason::DeviceLost(format!(
                "device {} delivered no audio for {:.1} s",
                session.device.id,
                opts.device_timeout.as_secs_f64()
            )));
        } else if handle.is_finished() {
            break;
        }
        // Events wake this loop at any time; the meter moves at a steady pace
        // so each reading covers a tenth of a second of audio.
        if last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            let peaks = shared.take_meter();
            obs.tick(&Meter {
                frames: shared.written.load(Ordering::Relaxed),
                rate: chosen.rate,
                limit,
                peaks: &peaks,
                lost_frames: shared.lost_frames.load(Ordering::Relaxed),
            });
        }
    }

    // Stop capture first: once the stream is gone nothing more enters the ring,
    // and the writer can drain it to the end and finalize.
    if !stop_stream(stream) {
        errors.push(format!(
            "device {} did not stop within {} s and was abandoned",
            session.device.id,
            STOP_TIMEOUT.as_secs()
        ));
    }
    shared.capture_ended.store(true, Ordering::Release);
    let outcome = handle.join();
    for ev in rx.try_iter() {
        if let Some(m) = handle_event(ev, &errors, obs) {
            sync_failure.get_or_insert(m);
        }
    }
    collect_errors(&mut error_rx, &mut errors);
    let outcome = match outcome {
        Ok(o) => o,
        Err(_) => {
            return Err(RecordError::Wav(WavError::NotWav {
                path: opts.out.clone(),
                reason: "the writer thread panicked".into(),
            }));
        }
    };
    let end = match (&outcome.error, end, sync_failure) {
        (Some(e), _, _) => EndReason::WriteFailed(e.to_string()),
        (None, _, Some(m)) => EndReason::WriteFailed(m),
        (None, Some(e), None) => e,
        (None, None, None) => {
            if limit.is_some_and(|l| outcome.total_frames >= l) {
                EndReason::Duration
            } else {
                EndReason::Stopped
            }
        }
    };
    let status = if end.is_failure() {
        PartStatus::Failed
    } else {
        PartStatus::Complete
    };
    let c = Counters::read(&shared);
    let last = session.part(&outcome.last, status, Some(&end), &c, &errors);
    obs.part_updated(&last);

    let parts: Vec<PartState> = (1..=outcome.last.index)
        .map(|i| {
            if i == last.index {
                last.clone()
            } else {
                // Earlier parts were reported complete at rollover; the outcome
                // only needs their paths and sizes.
                let path = wav::part_path(&opts.out, i);
                let frames = hound::WavReader::open(&path)
                    .map(|r| r.duration() as u64)
                    .unwrap_or(0);
                PartState {
                    index: i,
                    path,
                    status: PartStatus::Complete,
                    frames,
                    ended_at: None,
                    doc: Value::Null,
                    ..last.clone()
                }
            }
        })
        .collect();
    Ok(Outcome {
        parts,
        end,
        device: session.device.id.clone(),
        rate: chosen.rate,
        channels: chosen.channels,
        format: chosen.format,
        frames: outcome.total_frames,
        lost_frames: c.lost_frames,
        ring_lost_frames: c.lost_frames - c.device_lost_frames,
        overruns: c.overruns,
        device_lost_frames: c.device_lost_frames,
        device_gaps: c.device_gaps,
        pace: shared.position.load(Ordering::Relaxed) as f64
            / chosen.rate as f64
            / session.t0.elapsed().as_secs_f64().max(1e-3),
        xruns: c.xruns,
        stream_errors: c.stream_errors,
        errors,
        wall: session.t0.elapsed(),
    })
}

/// Drop the stream (which joins the backend's thread) without waiting more than
/// [`STOP_TIMEOUT`]: a device wedged inside a read must not keep the file from
/// being finalized. Returns whether the stream stopped in time; if not, its
/// thread is left behind and ends with the process.
fn stop_stream(stream: cpal::Stream) -> bool {
    let (tx, rx) = crossbeam_channel::bounded::<()>(1);
    let spawned = std::thread::Builder::new()
        .name("mediadex-stream-stop".into())
        .spawn(move || {
            drop(stream);
            let _ = tx.send(());
        });
    match spawned {
        Ok(_) => rx.recv_timeout(STOP_TIMEOUT).is_ok(),
        // No thread to spare: the closure, and the stream with it, was dropped
        // right here, however long that took.
        Err(_) => true,
    }
}

/// Most distinct error messages kept per recording (the counters keep counting).
const MAX_ERRORS: usize = 50;

fn collect_errors(ring: &mut rtrb::Consumer<cpal::Error>, out: &mut Vec<String>) {
    while let Ok(e) = ring.pop() {
        let msg = format!("{:?}: {e}", e.kind());
        if out.len() < MAX_ERRORS && !out.contains(&msg) {
            out.push(msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_exact() {
        assert_eq!(frames_for(Duration::from_secs(2), 48000), 96_000);
        assert_eq!(frames_for(Duration::from_secs(2), 44100), 88_200);
        assert_eq!(frames_for(Duration::from_micros(1), 8000), 1);
        assert_eq!(frames_for(Duration::from_secs(5400), 48000), 259_200_000);
    }

    #[test]
    fn default_out_is_beside_the_catalog() {
        let p = default_out(Path::new("/data/mediadex/catalog.db"));
        assert!(p.starts_with("/data/mediadex/recordings"));
        assert!(p.to_str().unwrap().ends_with("Z.wav"));
    }
}
