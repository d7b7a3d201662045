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

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::WavFormat;
use super::levels::{Levels, LevelsReport};

/// The most audio bytes one part may hold: the RIFF and data sizes are `u32`,
/// and the header takes up to 68 bytes of that; 64 KiB of margin keeps every
/// count far from the edge.
pub const MAX_PART_DATA_BYTES: u64 = u32::MAX as u64 - 65536;

/// hound's writes go through this buffer; a crash loses at most this much
/// beyond what the kernel already has.
const WRITE_BUFFER: usize = 64 * 1024;

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
fn to_i16(x: f32) -> i16 {
    // Exact for samples that came from a 16-bit source: s / 32768 * 32768 = s.
    (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

#[inline]
fn to_i24(x: f32) -> i32 {
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

fn lock_exclusive(file: &File, path: &Path) -> Result<(), WavError> {
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

/// How much of a damaged file to trust as audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairMode {
    /// The file was written by this recorder: the data chunk is the last chunk,
    /// and every byte after the header is audio.
    DataIsLast,
    /// Any WAV: bytes after the declared data count as audio only when they do
    /// not parse as further chunks.
    Detect,
}

/// What [`repair`] found and did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Repaired {
    /// Whole frames in the file now.
    pub frames: u64,
    /// Frames the header declared before the repair.
    pub header_frames: u64,
    /// Whether the file was changed.
    pub changed: bool,
    /// Bytes of an unfinished trailing frame that were cut off.
    pub dropped_bytes: u64,
    pub channels: u16,
    pub rate: u32,
    pub bits: u16,
    pub float: bool,
}

struct Layout {
    channels: u16,
    rate: u32,
    bits: u16,
    float: bool,
    block_align: u64,
    data_offset: u64,
    declared: u64,
    file_len: u64,
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}
fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn parse_layout(file: &mut File, path: &Path) -> Result<Layout, WavError> {
    let not_wav = |reason: &str| WavError::NotWav {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let io_err = |source| WavError::Open {
        path: path.to_path_buf(),
        source,
    };
    let file_len = file.metadata().map_err(io_err)?.len();
    let mut head = [0u8; 12];
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    if file_len < 12 || file.read_exact(&mut head).is_err() {
        return Err(not_wav(
            "it is shorter than a WAV header (the recorder died before writing one)",
        ));
    }
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Err(not_wav("it does not start with a RIFF/WAVE header"));
    }
    let mut pos = 12u64;
    let mut fmt: Option<(u16, u16, u32, u16, u16)> = None;
    loop {
        if pos + 8 > file_len {
            return Err(not_wav("it has no data chunk"));
        }
        let mut ch = [0u8; 8];
        file.seek(SeekFrom::Start(pos)).map_err(io_err)?;
        file.read_exact(&mut ch).map_err(io_err)?;
        let size = le32(&ch[4..8]) as u64;
        match &ch[0..4] {
            b"fmt " => {
                if size < 16 || pos + 8 + 16 > file_len {
                    return Err(not_wav("its fmt chunk is truncated"));
                }
                let mut f = [0u8; 16];
                file.read_exact(&mut f).map_err(io_err)?;
                let mut tag = le16(&f[0..2]);
                if tag == 0xFFFE && size >= 40 {
                    // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
                    let mut ext = [0u8; 24];
                    file.read_exact(&mut ext).map_err(io_err)?;
                    tag = le16(&ext[8..10]);
                }
                fmt = Some((
                    tag,
                    le16(&f[2..4]),
                    le32(&f[4..8]),
                    le16(&f[12..14]),
                    le16(&f[14..16]),
                ));
            }
            b"data" => {
                let (tag, channels, rate, align, bits) =
                    fmt.ok_or_else(|| not_wav("its data chunk comes before the fmt chunk"))?;
                if channels == 0 || bits == 0 {
                    return Err(not_wav("its fmt chunk declares no channels or no bits"));
                }
                let block_align = if align > 0 {
                    align as u64
                } else {
                    channels as u64 * (bits as u64).div_ceil(8)
                };
                return Ok(Layout {
                    channels,
                    rate,
                    bits,
                    float: tag == 3,
                    block_align,
                    data_offset: pos + 8,
                    declared: size,
                    file_len,
                });
            }
            _ => {}
        }
        pos += 8 + size + (size & 1);
    }
}

/// Whether `len` bytes at `start` are a well-formed run of RIFF chunks ending exactly at EOF.
fn chunks_to_end(file: &mut File, start: u64, file_len: u64) -> bool {
    let mut pos = start;
    while pos < file_len {
        if pos + 8 > file_len {
            return false;
        }
        let mut ch = [0u8; 8];
        if file.seek(SeekFrom::Start(pos)).is_err() || file.read_exact(&mut ch).is_err() {
            return false;
        }
        if !ch[0..4]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b' ' || b == b'_')
        {
            return false;
        }
        let size = le32(&ch[4..8]) as u64;
        pos += 8 + size + (size & 1);
    }
    pos == file_len
}

/// Fix the header of a WAV file from its length: the data chunk gets every whole
/// frame present (an unfinished trailing frame is cut off) and the RIFF size
/// matches. A sound file is left untouched. Refuses a file that a live recorder
/// holds locked.
pub fn repair(path: &Path, mode: RepairMode) -> Result<Repaired, WavError> {
    let io_err = |source| WavError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err)?;
    lock_exclusive(&file, path)?;
    let l = parse_layout(&mut file, path)?;
    let avail = l.file_len - l.data_offset;
    let declared_is_placeholder = l.declared == 0 || l.declared == u32::MAX as u64;
    let data_is_last = match mode {
        RepairMode::DataIsLast => true,
        RepairMode::Detect => {
            declared_is_placeholder
                || l.declared > avail
                || !chunks_to_end(
                    &mut file,
                    l.data_offset + l.declared + (l.declared & 1),
                    l.file_len,
                )
        }
    };
    let raw = if data_is_last { avail } else { l.declared };
    let frames = raw / l.block_align;
    let data_len = frames * l.block_align;
    let pad = data_len & 1;
    let new_len = if data_is_last {
        l.data_offset + data_len + pad
    } else {
        l.file_len
    };
    if new_len - 8 > u32::MAX as u64 || data_len > u32::MAX as u64 {
        return Err(WavError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let mut riff = [0u8; 4];
    file.seek(SeekFrom::Start(4)).map_err(io_err)?;
    file.read_exact(&mut riff).map_err(io_err)?;
    let riff_ok = le32(&riff) as u64 == new_len - 8;
    let changed = data_len != l.declared || new_len != l.file_len || !riff_ok;
    if changed {
        if new_len != l.file_len {
            // Cuts an unfinished frame, or adds the pad byte RIFF wants after odd-sized data.
            file.set_len(new_len).map_err(io_err)?;
        }
        file.seek(SeekFrom::Start(l.data_offset - 4))
            .map_err(io_err)?;
        file.write_all(&(data_len as u32).to_le_bytes())
            .map_err(io_err)?;
        file.seek(SeekFrom::Start(4)).map_err(io_err)?;
        file.write_all(&((new_len - 8) as u32).to_le_bytes())
            .map_err(io_err)?;
        file.sync_all().map_err(|source| WavError::Sync {
            path: path.to_path_buf(),
            source,
        })?;
    }
    drop(file);
    // Prove the result with an independent reader.
    let reader = hound::WavReader::open(path).map_err(|source| WavError::Verify {
        path: path.to_path_buf(),
        source,
    })?;
    let read_frames = reader.duration() as u64;
    if read_frames != frames {
        return Err(WavError::NotWav {
            path: path.to_path_buf(),
            reason: format!("after repair a reader sees {read_frames} frames, expected {frames}"),
        });
    }
    Ok(Repaired {
        frames,
        header_frames: l.declared.min(avail) / l.block_align,
        changed,
        dropped_bytes: if data_is_last { avail - data_len } else { 0 },
        channels: l.channels,
        rate: l.rate,
        bits: l.bits,
        float: l.float,
    })
}

/// Levels of a whole WAV file, for recordings whose live figures died with the recorder.
pub fn read_levels(path: &Path, threshold_db: f64) -> Result<LevelsReport, WavError> {
    let verr = |source| WavError::Verify {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = hound::WavReader::open(path).map_err(verr)?;
    let spec = reader.spec();
    let mut levels = Levels::new(spec.channels, spec.sample_rate, threshold_db);
    let mut buf: Vec<f32> = Vec::with_capacity(65536);
    let flush = |buf: &mut Vec<f32>, levels: &mut Levels| {
        levels.feed(buf);
        buf.clear();
    };
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for s in reader.samples::<f32>() {
                buf.push(s.map_err(verr)?);
                if buf.len() == buf.capacity() {
                    flush(&mut buf, &mut levels);
                }
            }
        }
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.max(1) - 1)) as f64;
            for s in reader.samples::<i32>() {
                buf.push((s.map_err(verr)? as f64 * scale) as f32);
                if buf.len() == buf.capacity() {
                    flush(&mut buf, &mut levels);
                }
            }
        }
    }
    flush(&mut buf, &mut levels);
    Ok(levels.report())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_sizes(path: &Path) -> (u32, u32, u64) {
        let b = std::fs::read(path).unwrap();
        (le32(&b[4..8]), le32(&b[40..44]), b.len() as u64)
    }

    #[test]
    fn part_names() {
        let p = Path::new("/r/take.wav");
        assert_eq!(part_path(p, 1), PathBuf::from("/r/take.wav"));
        assert_eq!(part_path(p, 2), PathBuf::from("/r/take.part2.wav"));
        assert_eq!(frames_per_part(u64::MAX, 4), MAX_PART_DATA_BYTES / 4);
        assert!(frames_per_part(u64::MAX, 6) * 6 + 68 < u32::MAX as u64);
        assert_eq!(frames_per_part(1000, 6), 166);
    }

    #[test]
    fn checkpoint_then_crash_then_repair() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let mut p = PartFile::create(&path, WavFormat::S16, 2, 8000, false).unwrap();
        assert_eq!(header_sizes(&path), (36, 0, 44));
        let samples: Vec<f32> = (0..2000).map(|i| (i % 100) as f32 / 200.0).collect();
        p.write(&samples).unwrap();
        p.checkpoint().unwrap();
        assert_eq!(header_sizes(&path).1, 4000);
        p.write(&samples).unwrap();
        // Dropping brings the header up to date; put back what the checkpoint
        // wrote, as a crash between checkpoints would have left it, and add the
        // first bytes of a frame that never finished.
        drop(p);
        let mut f = OpenOptions::new().write(true).open(&path).unwrap();
        f.seek(SeekFrom::Start(4)).unwrap();
        f.write_all(&(36u32 + 4000).to_le_bytes()).unwrap();
        f.seek(SeekFrom::Start(40)).unwrap();
        f.write_all(&4000u32.to_le_bytes()).unwrap();
        f.seek(SeekFrom::End(0)).unwrap();
        f.write_all(&[9, 9, 9]).unwrap();
        drop(f);
        let r = repair(&path, RepairMode::DataIsLast).unwrap();
        assert!(r.changed);
        assert_eq!(r.dropped_bytes, 3);
        assert_eq!(r.header_frames, 1000);
        assert_eq!(r.frames, 2000);
        let rd = hound::WavReader::open(&path).unwrap();
        assert_eq!(rd.duration(), 2000);
        // A second repair finds nothing to do.
        assert!(!repair(&path, RepairMode::Detect).unwrap().changed);
    }

    #[test]
    fn detect_keeps_trailing_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.wav");
        {
            let mut w = hound::WavWriter::create(&path, spec(WavFormat::S16, 1, 8000)).unwrap();
            for i in 0..100 {
                w.write_sample(i as i16).unwrap();
            }
            w.finalize().unwrap();
        }
        // A LIST chunk after the data, with the RIFF size updated: a sound file.
        let mut b = std::fs::read(&path).unwrap();
        b.extend_from_slice(b"LIST\x04\x00\x00\x00INFO");
        let riff = (b.len() - 8) as u32;
        b[4..8].copy_from_slice(&riff.to_le_bytes());
        std::fs::write(&path, &b).unwrap();
        let r = repair(&path, RepairMode::Detect).unwrap();
        assert!(!r.changed);
        assert_eq!(r.frames, 100);
        // Zero data size (a writer that never came back): every byte is audio again.
        b[40..44].copy_from_slice(&0u32.to_le_bytes());
        b.truncate(44 + 200);
        std::fs::write(&path, &b).unwrap();
        let r = repair(&path, RepairMode::Detect).unwrap();
        assert!(r.changed);
        assert_eq!(r.frames, 100);
    }

    #[test]
    fn refuses_locked_and_non_wav() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.wav");
        let _live = PartFile::create(&path, WavFormat::F32, 1, 8000, false).unwrap();
        assert!(matches!(
            repair(&path, RepairMode::Detect),
            Err(WavError::Busy { .. })
        ));
        assert!(matches!(
            PartFile::create(&path, WavFormat::F32, 1, 8000, false),
            Err(WavError::Exists { .. })
        ));
        let junk = dir.path().join("junk.wav");
        std::fs::write(&junk, b"hello").unwrap();
        assert!(matches!(
            repair(&junk, RepairMode::Detect),
            Err(WavError::NotWav { .. })
        ));
    }

    #[test]
    fn formats_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        for (fmt, name) in [
            (WavFormat::S16, "s16"),
            (WavFormat::S24, "s24"),
            (WavFormat::F32, "f32"),
        ] {
            let path = dir.path().join(format!("{name}.wav"));
            let mut p = PartFile::create(&path, fmt, 3, 48000, false).unwrap();
            p.write(&[0.5, -0.5, 1.0, -1.0, 0.25, 0.0]).unwrap();
            p.write_silence(10).unwrap();
            assert_eq!(p.finish().unwrap(), 12);
            let r = hound::WavReader::open(&path).unwrap();
            assert_eq!(r.duration(), 12);
            let lv = read_levels(&path, -60.0).unwrap();
            // Frames (0.5, -0.5, 1.0) and (-1.0, 0.25, 0.0).
            assert!(lv.channels[0].peak_dbfs.unwrap().abs() < 0.01);
            assert!((lv.channels[1].peak_dbfs.unwrap() + 6.0206).abs() < 0.01);
            assert_eq!(lv.channels[2].clipped, 1);
        }
    }
}
