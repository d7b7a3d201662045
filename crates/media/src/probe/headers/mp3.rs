//! Raw MPEG audio (MP3, MP2): the duration FFmpeg's demuxer gives, so it
//! does not hang on when mpegaudioparse has seen enough frames to answer
//! a duration query (a race: some scans got none). A Xing, Info or VBRI
//! header's frame count, else the size from the first frame on (past
//! junk, as FFmpeg resyncs) at the mean bit rate of the frames FFmpeg's
//! stream analysis parses.

use super::*;

impl Reader {
    /// Raw MPEG audio's duration, seconds.
    pub(super) fn mpeg_audio_estimate(&self) -> Option<f64> {
        let (off, b) = self.mpeg_audio_head()?;
        estimate(self.len, off, &b)
    }

    /// An MPEG audio file: its duration, and its stream as FFmpeg finds it,
    /// from one read of its head.
    pub(super) fn mpeg_audio(&self, h: &mut Headers) {
        if let Some((off, b)) = self.mpeg_audio_head() {
            h.estimated_duration_s = estimate(self.len, off, &b);
            h.header_audio = stream(&b);
        }
    }

    /// Where the audio starts (after a leading ID3 tag, however large its
    /// pictures) and its first 128 KiB.
    fn mpeg_audio_head(&self) -> Option<(usize, Vec<u8>)> {
        let off = self.leading_id3_len().unwrap_or(0);
        let len = self.len.saturating_sub(off as u64).min(128 * 1024);
        Some((off, self.vec(off as u64, len as usize)?))
    }
}

/// The duration of a file of `len` bytes whose audio starts at `off` with
/// `b`: a Xing, Info or VBRI header's frame count, else the size from the
/// first frame on at the bit rate FFmpeg's analysis parses.
fn estimate(len: u64, off: usize, b: &[u8]) -> Option<f64> {
    if let Some(first) = Frame::parse(b)
        && let Some(frames) = vbr_frames(b, &first)
    {
        return Some(frames as f64 * f64::from(first.samples) / f64::from(first.rate));
    }
    let (at, _) = resync(b)?;
    let bytes = len.checked_sub((off + at) as u64)?;
    Some(bytes as f64 * 8.0 / parsed_bit_rate(&b[at..])? as f64)
}

/// The stream as FFmpeg finds it: the first frame (within 64 KiB)
/// followed by another of the same stream, where mpegaudioparse may take
/// junk for a layer I frame.
fn stream(b: &[u8]) -> Option<HeaderAudio> {
    let (_, f) = resync(b)?;
    let codec = match (f.header >> 17) & 3 {
        3 => "mp1",
        2 => "mp2",
        _ => "mp3",
    };
    Some(HeaderAudio {
        codec: codec.into(),
        codec_tag: None,
        channels: if f.mono { 1 } else { 2 },
        rate: f.rate,
        bits: None,
    })
}

/// The bit rate FFmpeg's estimate divides by: its parser's running mean
/// (in whole bits per second, each step truncated) over every frame header
/// in what its stream analysis reads, 1,024-byte packets from the first
/// frame until the one that completes the 50th frame (all of a shorter
/// stream). A constant bit rate is that rate; a variable one without a
/// Xing header is its early frames' average, not the first frame's.
fn parsed_bit_rate(b: &[u8]) -> Option<i64> {
    let mut frames = Vec::new();
    let mut at = 0;
    while let Some(f) = b.get(at..).and_then(Frame::parse) {
        frames.push((at, f.bit_rate));
        at += f.size;
        if f.size == 0 || at > b.len() {
            break;
        }
    }
    let last = frames.get(49).or(frames.last())?;
    let end = (last.0 + Frame::parse(&b[last.0..])?.size).min(b.len());
    let read = end.div_ceil(1024) * 1024;
    let mut mean = 0i64;
    for (n, &(_, rate)) in frames.iter().take_while(|f| f.0 + 4 <= read).enumerate() {
        mean += (i64::from(rate) - mean) / (n as i64 + 1);
    }
    (mean > 0).then_some(mean)
}

/// What an MPEG audio frame header says.
#[derive(Debug, PartialEq)]
struct Frame {
    header: u32,
    bit_rate: u32,
    rate: u32,
    samples: u32,
    size: usize,
    mono: bool,
    mpeg1: bool,
}

/// The fields two frames of one stream share (FFmpeg's `MP3_MASK`):
/// sync, version, layer, sampling rate, and all but the mode extension.
const SAME: u32 = 0xFFFE_0CCF;

impl Frame {
    /// The frame header `b` starts with, if it is one (free format, a
    /// reserved version, layer, rate or bit rate is not).
    fn parse(b: &[u8]) -> Option<Frame> {
        let header = u32::from_be_bytes(b.get(..4)?.try_into().ok()?);
        let f = crate::probe::bitstream::mpeg_audio_frame(header).filter(|f| f.bitrate > 0)?;
        let (bit_rate, rate, padding) = (f.bitrate as u32, f.rate, u32::from(f.padding));
        let mpeg1 = f.version == 3;
        let (samples, size) = match f.layer {
            1 => (384, (12 * bit_rate / rate + padding) * 4),
            3 if !mpeg1 => (576, 72 * bit_rate / rate + padding),
            _ => (1152, 144 * bit_rate / rate + padding),
        };
        Some(Frame {
            header,
            bit_rate,
            rate,
            samples,
            size: size as usize,
            mono: f.mono,
            mpeg1,
        })
    }
}

/// The frame count a Xing or Info header (after the side information)
/// or a VBRI header (at 36 bytes) in the first frame states.
fn vbr_frames(b: &[u8], first: &Frame) -> Option<u32> {
    let be32 = |at: usize| Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?));
    let side = match (first.mpeg1, first.mono) {
        (true, false) => 32,
        (true, true) | (false, false) => 17,
        (false, true) => 9,
    };
    let xing = 4 + side;
    if matches!(b.get(xing..xing + 4), Some(b"Xing" | b"Info")) && be32(xing + 4)? & 1 == 1 {
        return be32(xing + 8).filter(|&n| n > 0);
    }
    if b.get(36..40) == Some(b"VBRI") {
        return be32(36 + 14).filter(|&n| n > 0);
    }
    None
}

/// The first frame (within 64 KiB) whose next frame is one of the same
/// stream, as FFmpeg's demuxer skips junk: where it is, and it.
fn resync(b: &[u8]) -> Option<(usize, Frame)> {
    (0..b.len().min(64 * 1024)).find_map(|i| {
        let f = Frame::parse(&b[i..])?;
        let next = Frame::parse(b.get(i + f.size..)?)?;
        (f.header & SAME == next.header & SAME).then_some((i, f))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_xing_counts_and_junk() {
        // MPEG-1 layer III, 64 kbit/s, 44.1 kHz, mono: 208 bytes.
        let f = Frame::parse(&[0xFF, 0xFB, 0x50, 0xC4]).unwrap();
        assert_eq!(
            (f.bit_rate, f.rate, f.samples, f.size),
            (64_000, 44100, 1152, 208)
        );
        assert!(f.mono);
        // MPEG-2 layer III, 32 kbit/s, 22.05 kHz: 576 samples, 104 bytes.
        let f = Frame::parse(&[0xFF, 0xF3, 0x40, 0xC4]).unwrap();
        assert_eq!((f.rate, f.samples, f.size), (22050, 576, 104));
        // Reserved version, layer, bit rate and rate are no header.
        for bad in [
            [0xFF, 0xEB, 0x50, 0],
            [0xFF, 0xF9, 0x50, 0],
            [0xFF, 0xFB, 0xF0, 0],
            [0xFF, 0xFB, 0x5C, 0],
        ] {
            assert_eq!(Frame::parse(&bad), None, "{bad:02x?}");
        }
        // A Xing header of 281 frames in a stereo MPEG-1 frame.
        let mut first = vec![0xFF, 0xFB, 0x90, 0x04];
        first.resize(36, 0);
        first.extend(b"Info");
        first.extend([0, 0, 0, 1, 0, 0, 1, 25]);
        let head = Frame::parse(&first).unwrap();
        assert_eq!(vbr_frames(&first, &head), Some(281));
        // Junk, then two frames of one stream: the first is found.
        let frame = |n: usize| {
            let mut f = vec![0xFF, 0xFB, 0x50, 0xC4];
            f.resize(n, 0x11);
            f
        };
        let b = [vec![0xAB; 100], frame(208), frame(208)].concat();
        let (at, f) = resync(&b).unwrap();
        assert_eq!((at, f.bit_rate), (100, 64_000));
        // A lone header in junk is not a frame.
        assert_eq!(resync(&[vec![0xAB; 50], frame(60)].concat()), None);
    }
}
