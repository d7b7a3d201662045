//! Part files while they are recorded: hound behind a write buffer, header
//! checkpoints with fsync, the exclusive lock, rollover naming.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::WavError;
use crate::audio::WavFormat;

/// The most audio bytes one part may hold: the RIFF and data sizes are `u32`,
/// and the header takes up to 68 bytes of that; 64 KiB of margin keeps every
/// count far from the edge.
pub const MAX_PART_DATA_BYTES: u64 = u32::MAX as u64 - 65536;

/// hound's writes go through this buffer; a crash loses at most this much
/// beyond what the kernel already has.
pub(super) const WRITE_BUFFER: usize = 64 * 1024;

/// The path of part `index` (1-based) of a recording whose first part is `first`:
/// `take.wav`, `take.part2.wav`, `take.part3.wav`, …
pub fn part_path(first: &Path, index: u32) -> PathBuf {
    if index <= 1 {
        return first.to_path_buf();
    }
    let stem = first
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = first
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "wav".into());
    first.with_file_name(format!("{stem}.part{index}.{ext}"))
}

/// How many whole frames fit in one part of `bytes_per_frame`-byte frames,
/// under a data limit of `limit` bytes.
pub fn frames_per_part(limit: u64, bytes_per_frame: u64) -> u64 {
    (limit.min(MAX_PART_DATA_BYTES) / bytes_per_frame.max(1)).max(1)
}

pub fn spec(format: WavFormat, channels: u16, rate: u32) -> hound::WavSpec {
    let (bits, sample_format) = match format {
        WavFormat::S16 => (16, hound::SampleFormat::Int),
        WavFormat::S24 => (24, hound::SampleFormat::Int),
        WavFormat::F32 => (32, hound::SampleFormat::Float),
    };
    hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format,
    }
}

#[inline]
pub(super) fn to_i16(x: f32) -> i16 {
    // Exact for samples that came from a 16-bit source: s / 32768 * 32768 = s.
    (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

#[inline]
pub(super) fn to_i24(x: f32) -> i32 {
    (x * 8_388_608.0).round().clamp(-8_388_608.0, 8_388_607.0) as i32
}

/// One WAV file being recorded.
pub struct PartFile {
    path: PathBuf,
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    /// A second handle on the same open file: it holds the lock and is what
    /// `fsync` goes through (hound owns the writing one). Shared so an fsync
    /// can run on another thread while writing goes on.
    sync: Arc<File>,
    format: WavFormat,
    channels: usize,
    frames: u64,
    checkpoint_frames: u64,
}

impl PartFile {
    /// Create `path` (refusing to replace an existing file unless `overwrite`),
    /// lock it, and put a valid empty WAV header on disk.
    pub fn create(
        path: &Path,
        format: WavFormat,
        channels: u16,
        rate: u32,
        overwrite: bool,
    ) -> Result<PartFile, WavError> {
        let create_err = |source| WavError::Create {
            path: path.to_path_buf(),
            source,
        };
        let mut opts = OpenOptions::new();
        opts.read(true).write(true);
        if overwrite {
            opts.create(true);
        } else {
            opts.create_new(true);
        }
        let file = opts.open(path).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                WavError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                create_err(e)
            }
        })?;
        // Lock before truncating: an overwrite must never cut a live recording short.
        lock_exclusive(&file, path)?;
        file.set_len(0).map_err(create_err)?;
        let sync = Arc::new(file.try_clone().map_err(create_err)?);
        let writer = hound::WavWriter::new(
            BufWriter::with_capacity(WRITE_BUFFER, file),
            spec(format, channels, rate),
        )
        .map_err(|source| WavError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        let mut part = PartFile {
            path: path.to_path_buf(),
            writer: Some(writer),
            sync,
            format,
            channels: channels.max(1) as usize,
            frames: 0,
            checkpoint_frames: 0,
        };
        part.checkpoint()?;
        // The new directory entry must survive a power cut as well as the data.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(part)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Frames covered by the header on disk (the last checkpoint).
    pub fn checkpoint_frames(&self) -> u64 {
        self.checkpoint_frames
    }

    fn write_err(&self, source: hound::Error) -> WavError {
        WavError::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Append whole interleaved frames.
    pub fn write(&mut self, samples: &[f32]) -> Result<(), WavError> {
        debug_assert_eq!(samples.len() % self.channels, 0);
        let w = self.writer.as_mut().expect("part is open");
        let res = match self.format {
            WavFormat::S16 => {
                let mut sw = w.get_i16_writer(samples.len() as u32);
                for &x in samples {
                    sw.write_sample(to_i16(x));
                }
                sw.flush()
            }
            WavFormat::S24 => samples.iter().try_for_each(|&x| w.write_sample(to_i24(x))),
            WavFormat::F32 => samples
                .iter()
                .try_for_each(|&x| w.write_sample(if x.is_finite() { x } else { 0.0 })),
        };
        res.map_err(|e| self.write_err(e))?;
        self.frames += (samples.len() / self.channels) as u64;
        Ok(())
    }

    /// Append `frames` frames of digital silence.
    pub fn write_silence(&mut self, frames: u64) -> Result<(), WavError> {
        const BLOCK: usize = 4096;
        let zeros = [0.0f32; BLOCK];
        let per = (BLOCK / self.channels) as u64;
        let mut left = frames;
        while left > 0 {
            let n = left.min(per);
            self.write(&zeros[..n as usize * self.channels])?;
            left -= n;
        }
        Ok(())
    }

    /// Bring the header up to date and hand everything to the kernel (no
    /// fsync): a killed process then loses nothing written so far.
    pub fn flush(&mut self) -> Result<(), WavError> {
        let w = self.writer.as_mut().expect("part is open");
        w.flush().map_err(|e| WavError::Write {
            path: self.path.clone(),
            source: e,
        })
    }

    /// [`flush`](Self::flush), then force everything to disk: a power cut then
    /// loses nothing written so far.
    pub fn checkpoint(&mut self) -> Result<(), WavError> {
        self.flush()?;
        self.sync.sync_data().map_err(|source| WavError::Sync {
            path: self.path.clone(),
            source,
        })?;
        self.checkpoint_frames = self.frames;
        Ok(())
    }

    /// [`flush`](Self::flush), and a ticket to fsync elsewhere: the writer
    /// keeps draining the ring while the disk catches up.
    pub fn flush_for_sync(&mut self) -> Result<SyncTicket, WavError> {
        self.flush()?;
        Ok(SyncTicket {
            file: self.sync.clone(),
            path: self.path.clone(),
            frames: self.frames,
        })
    }

    /// Final header, fsync, unlock. Returns the number of frames in the file.
    pub fn finish(mut self) -> Result<u64, WavError> {
        let w = self.writer.take().expect("part is open");
        w.finalize().map_err(|e| self.write_err(e))?;
        self.sync.sync_all().map_err(|source| WavError::Sync {
            path: self.path.clone(),
            source,
        })?;
        self.checkpoint_frames = self.frames;
        Ok(self.frames)
    }
}

/// An fsync owed to a part, to be run on any thread.
#[derive(Debug)]
pub struct SyncTicket {
    file: Arc<File>,
    path: PathBuf,
    frames: u64,
}

impl SyncTicket {
    /// fsync; returns the frames the header on disk now covers.
    pub fn run(self) -> Result<u64, WavError> {
        self.file.sync_data().map_err(|source| WavError::Sync {
            path: self.path,
            source,
        })?;
        Ok(self.frames)
    }
}

pub(super) fn lock_exclusive(file: &File, path: &Path) -> Result<(), WavError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(WavError::Busy {
            path: path.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(WavError::Open {
            path: path.to_path_buf(),
            source,
        }),
    }
}
