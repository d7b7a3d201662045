//! Recording: a microphone through cpal into a lock-free ring, a writer thread
//! draining it into WAV parts (hound), each part reported to an [`Observer`]
//! (the CLI stores them in the catalog). Built for long unattended sessions.
//!
//! Threads and their duties:
//! - the audio callback ([`capture::Capture::on_data`]) only converts and pushes;
//! - the writer ([`writer::PartWriter`]) owns the files and the level meters, and
//!   checkpoints each part at least once a second;
//! - the caller's thread (here, [`record`]) owns the device stream, watches the
//!   stop flag, the duration, the device and the writer, and talks to the
//!   observer, so a slow catalog can never hold up audio.
//!
//! Invariants: no frame is dropped without being counted and marked (see
//! `capture`); every part on disk is a valid WAV up to its last checkpoint and
//! is finalized on every orderly exit, including a vanished device and a failed
//! write; durations are counted in device frames, never wall time.

pub mod capabilities;
pub mod capture;
pub mod clock;
pub mod command;
pub mod device;
pub mod native;
mod opening;
mod session;
mod types;
pub mod writer;

pub use types::*;

use opening::{Opened, open};
use session::{Counters, Session};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cpal::traits::StreamTrait;
use serde_json::Value;

use capture::CaptureState;
use device::Chosen;
use mediadex_core::audio::levels;
use mediadex_core::audio::wav::{self, PartFile, WavError};
use mediadex_core::util;
use writer::{PartProgress, PartWriter, Sink, WriterEvent, WriterOutcome};

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

/// Record until the duration is captured, `stop` is raised, the device goes
/// away or a write fails. Every part is finalized before this returns.
pub fn record(
    opts: &Options,
    stop: &AtomicBool,
    obs: &mut dyn Observer,
) -> Result<Recorded, RecordError> {
    let mut run = start(opts, obs)?;
    let stopped_by = run.watch(opts, stop, obs);
    run.finish(opts, stopped_by, obs)
}

/// A recording under way: the device stream, the writer thread, and what the
/// caller's thread watches and reports.
struct Running {
    session: Session,
    stream: Option<cpal::Stream>,
    shared: Arc<CaptureState>,
    error_rx: rtrb::Consumer<cpal::Error>,
    events: crossbeam_channel::Receiver<WriterEvent>,
    writer: Option<std::thread::JoinHandle<WriterOutcome>>,
    chosen: Chosen,
    limit: Option<u64>,
    silence_db: f64,
    errors: Vec<String>,
    /// The first fsync failure the writer reported.
    sync_failure: Option<String>,
    /// Set when the stream would not start.
    not_started: Option<EndReason>,
}

/// Find and open the input device: the audio host's name, the device, and
/// what opening it gave. What alsa-lib said (collected in `alsa`) is added
/// to an error.
fn open_device(
    opts: &Options,
    alsa: &native::AlsaMessages,
) -> Result<(String, device::InputDevice, Opened), RecordError> {
    let host = cpal::default_host();
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
    let opened = open(&dev, opts).map_err(with_alsa)?;
    Ok((host.id().name().to_string(), dev, opened))
}

/// Where the writer puts the audio: the first part, then the next ones.
fn first_sink(
    opts: &Options,
    chosen: &device::Chosen,
    first: PartFile,
    limit: Option<u64>,
    shared: Arc<capture::CaptureState>,
) -> Sink {
    let frame_bytes = chosen.format.bytes() * chosen.channels as u64;
    Sink {
        part: first,
        first_path: opts.out.clone(),
        format: chosen.format,
        channels: chosen.channels,
        rate: chosen.rate,
        silence_db: opts.silence_db,
        frames_per_part: wav::frames_per_part(opts.part_bytes, frame_bytes),
        overwrite: opts.overwrite,
        limit,
        shared,
    }
}

/// Start the writer thread on `sink`, draining `drain`; its events come on
/// the returned channel.
fn spawn_writer(
    drain: capture::Drain,
    sink: Sink,
) -> Result<
    (
        std::thread::JoinHandle<WriterOutcome>,
        crossbeam_channel::Receiver<WriterEvent>,
    ),
    RecordError,
> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let writer = PartWriter {
        drain,
        sink,
        events: tx,
    };
    let handle = std::thread::Builder::new()
        .name("mediadex-wav-writer".into())
        .spawn(move || writer.run())
        .map_err(RecordError::Thread)?;
    Ok((handle, rx))
}

/// Open the device and the first part, tell the observer, start the writer
/// thread and the stream.
fn start(opts: &Options, obs: &mut dyn Observer) -> Result<Running, RecordError> {
    // Checked again, race-free, when the file is created; this spares opening
    // the device for nothing.
    if !opts.overwrite && opts.out.exists() {
        return Err(WavError::Exists {
            path: opts.out.clone(),
        }
        .into());
    }
    // alsa-lib prints its own view of a failure on stderr (16 lines for a
    // machine without a sound card); it is collected while the stream starts.
    let alsa = native::AlsaMessages::capture();
    let (host_name, dev, opened) = open_device(opts, &alsa)?;
    let Opened {
        chosen,
        native,
        stream,
        shared,
        drain,
        error_rx,
        ring_frames,
        limit,
    } = opened;
    let period_frames = stream.buffer_size().ok();
    let first = PartFile::create(
        &opts.out,
        chosen.format,
        chosen.channels,
        chosen.rate,
        opts.overwrite,
    )?;
    let session = Session {
        host: host_name,
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
    let errors: Vec<String> = Vec::new();
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
        RecordingStatus::Recording,
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

    let sink = first_sink(opts, &chosen, first, limit, shared.clone());
    let (handle, rx) = spawn_writer(drain, sink)?;

    let not_started = stream.play().err().map(|e| {
        EndReason::DeviceLost(format!("could not start device {}: {e}", session.device.id))
    });
    Ok(Running {
        session,
        stream: Some(stream),
        shared,
        error_rx,
        events: rx,
        writer: Some(handle),
        chosen,
        limit,
        silence_db: opts.silence_db,
        errors,
        sync_failure: None,
        not_started,
    })
}

impl Running {
    /// A part as it starts: nothing in it yet.
    fn empty(&self, index: u32, path: &Path) -> PartProgress {
        PartProgress {
            index,
            path: path.to_path_buf(),
            frames: 0,
            checkpoint_frames: 0,
            levels: levels::Levels::new(self.chosen.channels, self.chosen.rate, self.silence_db)
                .report(),
            dropouts: Vec::new(),
        }
    }

    /// Pass a writer event on to the observer; a failed sync is kept, to end
    /// the recording.
    fn pass_on(&mut self, ev: WriterEvent, obs: &mut dyn Observer) {
        let c = Counters::read(&self.shared);
        let (session, errors) = (&self.session, &self.errors);
        match ev {
            WriterEvent::Checkpoint(p) => {
                obs.part_updated(&session.part(&p, RecordingStatus::Recording, None, &c, errors))
            }
            WriterEvent::PartDone(p) => {
                obs.part_updated(&session.part(&p, RecordingStatus::Complete, None, &c, errors))
            }
            WriterEvent::SyncFailed(msg) => {
                self.sync_failure.get_or_insert(msg);
            }
            WriterEvent::PartStarted { index, path } => {
                let part = self.empty(index, &path);
                let st = session.part(&part, RecordingStatus::Recording, None, &c, errors);
                if let Err(e) = obs.part_started(&st) {
                    // Warnings are written whatever `-q` says: no handle needed.
                    mediadex_core::ui::Ui::default().warning(format_args!("{e:#}"));
                }
            }
        }
    }

    /// Watch the capture until something ends it, passing events on and
    /// moving the meter; returns what stopped it (`None`: the writer finished).
    fn watch(
        &mut self,
        opts: &Options,
        stop: &AtomicBool,
        obs: &mut dyn Observer,
    ) -> Option<EndReason> {
        let mut stopped_by = self.not_started.take();
        let mut last_position = 0u64;
        let mut last_progress = Instant::now();
        let mut last_tick = Instant::now();
        let device = self.session.device.id.clone();
        while stopped_by.is_none() {
            match self.events.recv_timeout(TICK) {
                Ok(ev) => self.pass_on(ev, obs),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                // The writer is done: it has the whole duration, or it failed.
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            }
            collect_errors(&mut self.error_rx, &mut self.errors);
            let shared = &self.shared;
            let position = shared.position.load(Ordering::Relaxed);
            if position != last_position {
                last_position = position;
                last_progress = Instant::now();
            }
            if let Some(m) = &self.sync_failure {
                stopped_by = Some(EndReason::WriteFailed(m.clone()));
            } else if shared.device_gone.load(Ordering::Acquire) {
                stopped_by = Some(EndReason::DeviceLost(format!(
                    "device {device} disappeared"
                )));
            } else if shared.limit_reached.load(Ordering::Acquire) {
                stopped_by = Some(EndReason::Duration);
            } else if stop.load(Ordering::Relaxed) {
                stopped_by = Some(EndReason::Stopped);
            } else if last_progress.elapsed() >= opts.device_timeout {
                stopped_by = Some(EndReason::DeviceLost(format!(
                    "device {device} delivered no audio for {:.1} s",
                    opts.device_timeout.as_secs_f64()
                )));
            } else if self.writer.as_ref().is_some_and(|w| w.is_finished()) {
                break;
            }
            // Events wake this loop at any time; the meter moves at a steady pace
            // so each reading covers a tenth of a second of audio.
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                let peaks = shared.take_meter();
                obs.tick(&Meter {
                    frames: shared.written.load(Ordering::Relaxed),
                    rate: self.chosen.rate,
                    limit: self.limit,
                    peaks: &peaks,
                    lost_frames: shared.lost_frames.load(Ordering::Relaxed),
                });
            }
        }
        stopped_by
    }

    /// Stop the stream, let the writer drain the ring and finalize, report the
    /// last part, and sum the recording up.
    fn finish(
        mut self,
        opts: &Options,
        stopped_by: Option<EndReason>,
        obs: &mut dyn Observer,
    ) -> Result<Recorded, RecordError> {
        // Stop capture first: once the stream is gone nothing more enters the ring,
        // and the writer can drain it to the end and finalize.
        let stream = self.stream.take().expect("the stream is stopped once");
        if !stop_stream(stream) {
            self.errors.push(format!(
                "device {} did not stop within {} s and was abandoned",
                self.session.device.id,
                STOP_TIMEOUT.as_secs()
            ));
        }
        self.shared.capture_ended.store(true, Ordering::Release);
        let outcome = self
            .writer
            .take()
            .expect("the writer is joined once")
            .join();
        while let Ok(ev) = self.events.try_recv() {
            self.pass_on(ev, obs);
        }
        collect_errors(&mut self.error_rx, &mut self.errors);
        let outcome = outcome.map_err(|_| RecordError::WriterPanicked {
            first_part: opts.out.clone(),
        })?;
        let end = end_reason(
            outcome.error.as_ref().map(ToString::to_string),
            self.sync_failure.take(),
            stopped_by,
            self.limit.is_some_and(|l| outcome.total_frames >= l),
        );
        let status = if end.is_failure() {
            RecordingStatus::Failed
        } else {
            RecordingStatus::Complete
        };
        let c = Counters::read(&self.shared);
        let last = self
            .session
            .part(&outcome.last, status, Some(&end), &c, &self.errors);
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
                        status: RecordingStatus::Complete,
                        frames,
                        ended_at: None,
                        doc: Value::Null,
                        ..last.clone()
                    }
                }
            })
            .collect();
        Ok(Recorded {
            parts,
            end,
            device: self.session.device.id.clone(),
            rate: self.chosen.rate,
            channels: self.chosen.channels,
            format: self.chosen.format,
            frames: outcome.total_frames,
            lost_frames: c.lost_frames,
            ring_lost_frames: c.lost_frames - c.device_lost_frames,
            overruns: c.overruns,
            device_lost_frames: c.device_lost_frames,
            device_gaps: c.device_gaps,
            pace: self.shared.position.load(Ordering::Relaxed) as f64
                / self.chosen.rate as f64
                / self.session.t0.elapsed().as_secs_f64().max(1e-3),
            xruns: c.xruns,
            stream_errors: c.stream_errors,
            errors: std::mem::take(&mut self.errors),
            wall: self.session.t0.elapsed(),
        })
    }
}

/// Why the recording ended, decided once, after the writer has finished: a
/// failed write (the writer's own error, or a failed sync it reported) wins
/// over what stopped the capture loop (`stopped_by`: device lost, duration,
/// stop flag); a loop that ended because the writer finished means the
/// duration was reached if it was (`whole`), else a stop.
fn end_reason(
    writer_error: Option<String>,
    sync_failure: Option<String>,
    stopped_by: Option<EndReason>,
    whole: bool,
) -> EndReason {
    match (writer_error.or(sync_failure), stopped_by) {
        (Some(e), _) => EndReason::WriteFailed(e),
        (None, Some(e)) => e,
        (None, None) if whole => EndReason::Duration,
        (None, None) => EndReason::Stopped,
    }
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
    fn a_failed_write_wins_over_what_stopped_the_loop() {
        let lost = || Some(EndReason::DeviceLost("gone".into()));
        assert_eq!(
            end_reason(Some("disk full".into()), Some("sync".into()), lost(), true),
            EndReason::WriteFailed("disk full".into())
        );
        assert_eq!(
            end_reason(None, Some("sync".into()), Some(EndReason::Stopped), false),
            EndReason::WriteFailed("sync".into())
        );
        assert_eq!(end_reason(None, None, lost(), true), lost().unwrap());
        assert_eq!(end_reason(None, None, None, true), EndReason::Duration);
        assert_eq!(end_reason(None, None, None, false), EndReason::Stopped);
    }

    #[test]
    fn default_out_is_beside_the_catalog() {
        let p = default_out(Path::new("/data/mediadex/catalog.db"));
        assert!(p.starts_with("/data/mediadex/recordings"));
        assert!(p.to_str().unwrap().ends_with("Z.wav"));
    }
}
