//! Raw DV (DIF streams): the first frame's headers, for a file GStreamer's
//! dvdemux could not read (a frame cut short, as camera tools' samples
//! are): the profile, aspect and audio they state, and the duration FFmpeg
//! estimates from the file's size (raw DV has no index).

use super::*;
use crate::probe::bitstream::{DvProfile, dv_frame};

/// How far into the file the first DIF header is looked for.
const SEARCH: u64 = 64 * 1024;

/// The part of a frame whose packs FFmpeg reads: its first ten DIF
/// sequences.
const SEQUENCES: u64 = 10 * 12_000;

impl Reader {
    /// The first frame's headers and the duration FFmpeg estimates.
    pub(super) fn dv(&self, h: &mut Headers) {
        let Some(head) = self.vec(0, self.len.min(SEARCH + SEQUENCES) as usize) else {
            return;
        };
        let Some(start) = dif_header(&head) else {
            return;
        };
        let Some(dv) = dv_frame(&head[start..]) else {
            return;
        };
        h.estimated_duration_s = estimated_s(self.len - start as u64, dv.profile);
        h.dv = Some(dv);
    }
}

/// Where the first DIF header block starts, within the first [`SEARCH`]
/// bytes: its ID (section 0, sequence 0, block 0), then the DSF bit and
/// seven reserved ones.
fn dif_header(b: &[u8]) -> Option<usize> {
    b.windows(4)
        .take(SEARCH as usize)
        .position(|w| w[..3] == [0x1f, 0x07, 0x00] && w[3] & 0x7f == 0x3f)
}

/// The duration FFmpeg estimates for `bytes` of raw DV: over the bit rate
/// of the profile's frames, in whole frames rounded to the nearest (none
/// for less than half a frame, which ffprobe leaves without a duration).
fn estimated_s(bytes: u64, p: &DvProfile) -> Option<f64> {
    // av_rescale's rounding: to the nearest, halves away from zero.
    let rescale = |a: u128, b: u128, c: u128| (c > 0).then(|| (a * b + c / 2) / c);
    let (fps_n, fps_d) = (u128::from(p.rate.0), u128::from(p.rate.1));
    let bit_rate = rescale(u128::from(p.frame_size) * 8, fps_n, fps_d)?;
    let frames = rescale(u128::from(bytes), 8 * fps_n, bit_rate * fps_d)?;
    (frames > 0).then(|| frames as f64 * fps_d as f64 / fps_n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_dif_header_is_found_past_leading_bytes() {
        let mut b = vec![0u8; 100];
        b.extend([0x1f, 0x07, 0x00, 0xbf, 0x68]);
        assert_eq!(dif_header(&b), Some(100));
        // Another section's ID (subcode, 0x3f) is not a header.
        assert_eq!(dif_header(&[0x3f, 0x07, 0x00, 0xbf]), None);
    }

    #[test]
    fn durations_are_ffmpegs_estimate_in_whole_frames() {
        let mut frame = vec![0xffu8; 480];
        frame[..5].copy_from_slice(&[0x1f, 0x07, 0x00, 0xbf, 0x68]);
        frame[451] = 0xe0;
        let pal = dv_frame(&frame).unwrap().profile;
        assert_eq!(estimated_s(3_600_000, pal), Some(1.0));
        // A sliver of a frame has none; most of one is one.
        assert_eq!(estimated_s(4400, pal), None);
        assert_eq!(estimated_s(100_000, pal), Some(0.04));
        frame[3] = 0x3f;
        frame[4] = 0x69;
        let ntsc = dv_frame(&frame).unwrap().profile;
        let d = estimated_s(3_480_000, ntsc).unwrap();
        assert!((d - 29.0 * 1001.0 / 30000.0).abs() < 1e-9, "{d}");
    }

    #[test]
    fn a_cut_dv_file_is_described_by_its_first_frame() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.dv");
        let mut frame = vec![0xffu8; 4400];
        frame[..5].copy_from_slice(&[0x1f, 0x07, 0x00, 0xbf, 0x68]);
        frame[448..453].copy_from_slice(&[0x60, 0xff, 0xff, 0x20, 0xff]);
        frame[4323..4328].copy_from_slice(&[0x50, 0xd0, 0x30, 0xe0, 0xd1]);
        std::fs::write(&p, &frame).unwrap();
        let h = read(&p, "dv", false);
        let dv = h.dv.unwrap();
        assert_eq!((dv.profile.width, dv.profile.height), (720, 576));
        assert_eq!(dv.audio.map(|a| (a.pairs, a.rate)), Some((2, 32000)));
        assert_eq!(h.estimated_duration_s, None);
        // What GStreamer read (and timed) is not read again.
        assert_eq!(read(&p, "dv", true).dv, None);
    }
}
