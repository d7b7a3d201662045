//! Repair of a part an interrupted recording left: find the data chunk, extend
//! the header to every whole frame on disk, keep chunks that follow it; and
//! the levels of a finished file.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::WavError;
use super::part::lock_exclusive;
use crate::audio::levels::{Levels, LevelsReport};

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

pub(super) struct Layout {
    channels: u16,
    rate: u32,
    bits: u16,
    float: bool,
    block_align: u64,
    data_offset: u64,
    declared: u64,
    file_len: u64,
}

pub(super) fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}
pub(super) fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

pub(super) fn parse_layout(file: &mut File, path: &Path) -> Result<Layout, WavError> {
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
pub(super) fn chunks_to_end(file: &mut File, start: u64, file_len: u64) -> bool {
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
        rewrite_header(&mut file, path, &l, data_len, new_len)?;
    }
    drop(file);
    verify(path, frames)?;
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

/// Write the data chunk's size and the RIFF size, cutting or padding the
/// file to `new_len`, and sync it.
fn rewrite_header(
    file: &mut File,
    path: &Path,
    l: &Layout,
    data_len: u64,
    new_len: u64,
) -> Result<(), WavError> {
    let io_err = |source| WavError::Open {
        path: path.to_path_buf(),
        source,
    };
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
    })
}

/// Prove the result with an independent reader: it must see `frames`.
fn verify(path: &Path, frames: u64) -> Result<(), WavError> {
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
    Ok(())
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
