//! What a recording is asked to do and what it reports: options, part
//! states as the observer sees them, why it ended, its outcome, its errors.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::device::{DeviceError, Wanted};
use mediadex_core::audio::wav::{self, WavError};
use mediadex_core::audio::{WavFormat, levels};

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
    /// The writer thread died (a bug): the parts on disk are valid up to their
    /// last checkpoint, and `mediadex repair` extends them.
    #[error(
        "the WAV writer thread panicked while writing {first_part}; run `mediadex repair` on its parts"
    )]
    WriterPanicked { first_part: PathBuf },
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
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// How long stopping a stream may take before it is abandoned (a wedged
/// driver must not keep the file from being finalized).
pub(crate) const STOP_TIMEOUT: Duration = Duration::from_secs(2);

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

/// A part's status is its catalog row's.
pub use mediadex_core::catalog::recordings::RecordingStatus;

/// Everything the catalog stores about one part file.
#[derive(Debug, Clone)]
pub struct PartState {
    pub index: u32,
    pub path: PathBuf,
    pub status: RecordingStatus,
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
pub struct Recorded {
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
