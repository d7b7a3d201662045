//! The writer thread: drains the ring into WAV parts — digital silence where
//! the callback marked a dropout, levels measured on the way, rollover before
//! the size limit, checkpoints and flushes on time — and the syncer thread that
//! runs the fsyncs and passes the writer's events on in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::capture::*;
use mediadex_core::audio::WavFormat;
use mediadex_core::audio::levels::{Levels, LevelsReport};
use mediadex_core::audio::wav::{self, PartFile, WavError};

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

/// Everything the writer thread owns: the ring's reading end, where the audio
/// goes, and where its events go.
pub struct PartWriter {
    pub drain: Drain,
    pub sink: Sink,
    pub events: Sender<WriterEvent>,
}

/// Where the drained audio goes: the open part, and how to make the next one.
pub struct Sink {
    pub part: PartFile,
    pub first_path: std::path::PathBuf,
    pub format: WavFormat,
    pub channels: u16,
    pub rate: u32,
    pub silence_db: f64,
    pub frames_per_part: u64,
    pub overwrite: bool,
    pub limit: Option<u64>,
    pub shared: Arc<CaptureState>,
}

/// fsyncs run on their own thread so that a slow disk holds up neither the
/// ring nor the device: the writer hands over a ticket and goes on draining.
/// Writer events pass through the same thread, which keeps each part's events
/// in order (a checkpoint never lands after the part was reported done).
struct Syncer {
    jobs: Option<Sender<SyncJob>>,
    busy: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

enum SyncJob {
    Sync(wav::SyncTicket, PartProgress),
    Event(WriterEvent),
}

impl Syncer {
    fn start(events: Sender<WriterEvent>) -> Syncer {
        let (tx, rx) = crossbeam_channel::unbounded::<SyncJob>();
        let busy = Arc::new(AtomicBool::new(false));
        let busy2 = busy.clone();
        let handle = std::thread::Builder::new()
            .name("mediadex-fsync".into())
            .spawn(move || {
                for job in rx {
                    let ev = match job {
                        SyncJob::Sync(ticket, mut progress) => {
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
                        SyncJob::Event(ev) => ev,
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
                let _ = tx.send(SyncJob::Sync(ticket, progress()));
                Ok(())
            }
            // No thread could be started: sync here.
            _ => ticket.run().map(|_| ()),
        }
    }

    fn event(&self, ev: WriterEvent) {
        if let Some(tx) = &self.jobs {
            let _ = tx.send(SyncJob::Event(ev));
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

struct DrainState {
    index: u32,
    levels: Levels,
    dropouts: Vec<Dropout>,
    total: u64,
    ring_read: u64,
    gap_frames_seen: u64,
    device_frames_seen: u64,
    peaks: Vec<f32>,
    syncer: Syncer,
}

impl PartWriter {
    /// Drain the ring into files until capture has ended and the ring is empty
    /// (or the duration is complete). Runs on its own thread.
    pub fn run(self) -> WriterOutcome {
        let PartWriter {
            mut drain,
            sink,
            events,
        } = self;
        sink.run(&mut drain, Syncer::start(events))
    }
}

impl Sink {
    fn run(mut self, drain: &mut Drain, syncer: Syncer) -> WriterOutcome {
        let ch = self.channels.max(1) as usize;
        let mut st = DrainState {
            index: 1,
            levels: Levels::new(self.channels, self.rate, self.silence_db),
            dropouts: Vec::new(),
            total: 0,
            ring_read: 0,
            gap_frames_seen: 0,
            device_frames_seen: 0,
            peaks: vec![0.0; ch],
            syncer,
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
                if let Err(e) = st.syncer.checkpoint(&mut self.part, || progress) {
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
        st.syncer.finish();
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

    fn progress(&self, st: &DrainState) -> PartProgress {
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
    fn step(&mut self, drain: &mut Drain, st: &mut DrainState, ch: usize) -> Result<(), WavError> {
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
    fn emit(&mut self, st: &mut DrainState, ch: usize, mut s: &[f32]) -> Result<(), WavError> {
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
    fn fill(&mut self, st: &mut DrainState, frames: u64, cause: Cause) -> Result<(), WavError> {
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
    fn trailing_loss(&mut self, st: &mut DrainState) -> Result<(), WavError> {
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

    fn roll_over(&mut self, st: &mut DrainState) -> Result<(), WavError> {
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
        st.syncer.event(WriterEvent::PartDone(done));
        st.index = next_index;
        st.levels = Levels::new(self.channels, self.rate, self.silence_db);
        st.syncer.event(WriterEvent::PartStarted {
            index: next_index,
            path: next_path,
        });
        Ok(())
    }
}
