//! WAV files on disk: writing them with hound (checkpoints, locking, rollover
//! before the 4 GiB limit) and repairing the ones an interrupted recording left.
//!
//! Invariants:
//! - A part file always starts with a complete header: it is written and flushed
//!   before the first sample. [`PartFile::checkpoint`] rewrites the header's sizes
//!   and fsyncs, so after a crash the file is valid up to its last checkpoint and
//!   [`repair`] can extend it to every whole frame that reached the disk.
//! - A part never holds more than [`MAX_PART_DATA_BYTES`] of audio, so hound's
//!   32-bit size fields never overflow; the recorder rolls over to the next
//!   numbered part ([`part_path`]) first.
//! - While a part is open for recording its file holds an exclusive advisory lock
//!   (`flock`). The kernel drops it when the recorder dies, which is how [`repair`]
//!   tells a crashed recording from a live one, and why it refuses locked files.

mod part;
mod repair;
#[cfg(test)]
mod tests;

pub use part::{MAX_PART_DATA_BYTES, PartFile, SyncTicket, frames_per_part, part_path, spec};
pub use repair::{RepairMode, Repaired, read_levels, repair};

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("{path} already exists; choose another --out or pass --force to overwrite it")]
    Exists { path: PathBuf },
    #[error("could not create {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
    #[error("could not sync {path} to disk: {source}")]
    Sync {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not open {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path} is being recorded by another mediadex process; stop that recording first")]
    Busy { path: PathBuf },
    #[error("{path} is not a WAV file that can be repaired: {reason}")]
    NotWav { path: PathBuf, reason: String },
    #[error("{path} holds more audio than a WAV file can describe (over 4 GiB of data)")]
    TooLarge { path: PathBuf },
    #[error("could not read {path} back after repair: {source}")]
    Verify {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
}
