//! The frame rate ffprobe gives a transport stream's video: FFmpeg marks
//! H.264, HEVC and MPEG-2 video's codec timing unreliable and estimates
//! `r_frame_rate` from the decoding timestamps of the first frames it
//! reads ([`super::rfps`]), whatever the bitstream states. A segment whose
//! VUI says 67 fps but whose frames come every 1,500 ticks is 60 fps to it,
//! and one whose timestamps jitter around 24 fps may be 287/12.
//!
//! Invariants: only PES headers are read, from the head of the file: the
//! 5 s FFmpeg analyses, but at most [`MOST`] bytes (FFmpeg reads up to 5 MB:
//! a broadcast recording's 2 MiB hold a second of it, enough frames for
//! its steady clock, and a scan of a library of such recordings on a
//! network share does not read 3 MB more of each); one video stream only
//! (of several, which one a rate would be told of is not sure).

use super::ts_probe::unit_starts;
use super::*;

/// The most of the head read.
const MOST: u64 = 2 << 20;

/// The most of a stream FFmpeg analyses, 90 kHz ticks.
const ANALYSED: u64 = 5 * 90_000;

impl Reader {
    /// `r_frame_rate` of the one H.264, HEVC or MPEG-2 video stream of
    /// `tracks`, from the decoding timestamps of the PES headers FFmpeg
    /// reads: a transport stream may add streams at any time, so it reads
    /// until one stream has 5 s of packets (or 5 MB; here 2 MiB).
    pub(super) fn ts_video_rate(&self, packet: usize, tracks: &[Track]) -> Option<(u32, u32)> {
        let mut video = tracks
            .iter()
            .filter(|t| matches!(t.ts_stream_type, Some(0x02 | 0x1b | 0x24)));
        let pid = video.next()?.id;
        if video.next().is_some() {
            return None;
        }
        // Subtitles and teletext time nothing here.
        let timed: Vec<u32> = tracks
            .iter()
            .filter(|t| !t.ts_descriptors.iter().any(|d| matches!(d, 0x56 | 0x59)))
            .map(|t| t.id)
            .collect();
        let step = (256 * 1024 / packet * packet) as u64;
        let mut first: Vec<(u32, u64)> = Vec::new();
        let mut stamps: Vec<i64> = Vec::new();
        let mut at = 0;
        'read: while at < self.len.min(MOST) {
            let n = step.min(self.len - at);
            let bytes = self.vec(at, n as usize)?;
            for (p, payload) in unit_starts(&bytes, packet) {
                let p = u32::from(p);
                let Some(dts) = timed.contains(&p).then(|| pes_dts(payload)).flatten() else {
                    continue;
                };
                let start = match first.iter().find(|f| f.0 == p) {
                    Some(f) => f.1,
                    None => {
                        first.push((p, dts));
                        dts
                    }
                };
                if dts.saturating_sub(start) >= ANALYSED {
                    break 'read;
                }
                if p == pid {
                    stamps.push(dts as i64);
                }
            }
            at += n;
        }
        let frames: Vec<(i64, i64)> = stamps
            .iter()
            .zip(stamps.iter().skip(1).chain(stamps.last()))
            .map(|(&dts, &next)| (dts, (next - dts).max(0)))
            .collect();
        super::rfps::r_frame_rate(&frames, 90_000, None)
    }
}

/// The decoding timestamp of the PES packet `b` starts with: its DTS, else
/// its PTS (a frame decoded when shown).
fn pes_dts(b: &[u8]) -> Option<u64> {
    if b.len() < 19 || b[..3] != [0, 0, 1] || b[6] & 0xC0 != 0x80 {
        return None;
    }
    let at = match b[7] >> 6 {
        3 => 14,
        2 => 9,
        _ => return None,
    };
    super::mpeg::pes_timestamp(&b[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(v: u64, prefix: u8) -> [u8; 5] {
        [
            prefix | (((v >> 30) as u8 & 7) << 1) | 1,
            (v >> 22) as u8,
            (((v >> 15) as u8) << 1) | 1,
            (v >> 7) as u8,
            ((v as u8) << 1) | 1,
        ]
    }

    #[test]
    fn the_dts_else_the_pts_times_a_frame() {
        let mut both = vec![0, 0, 1, 0xE0, 0, 0, 0x80, 0xC0, 10];
        both.extend(stamp(93_003, 0x30));
        both.extend(stamp(90_000, 0x10));
        assert_eq!(pes_dts(&both), Some(90_000));
        let mut pts = vec![0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5];
        pts.extend(stamp(1 << 32, 0x20));
        pts.extend([0xFF; 5]);
        assert_eq!(pes_dts(&pts), Some(1 << 32));
        let mut none = vec![0, 0, 1, 0xE0, 0, 0, 0x80, 0x00, 0];
        none.extend([0xFF; 10]);
        assert_eq!(pes_dts(&none), None);
    }
}
