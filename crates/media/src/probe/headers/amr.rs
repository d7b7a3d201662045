//! Raw AMR (`.amr`: a phone's voice recording, RFC 4867's storage format):
//! its length, which amrparse answers only once it has seen enough frames
//! (a short file's scan got none). Every frame lasts 20 ms; its size is
//! the first frame's mode's (FFmpeg's packed sizes), ToC byte and all.

use super::*;

/// Bytes of a frame by mode, the ToC byte included (FFmpeg's tables).
const NB_SIZES: [u64; 16] = [13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1];
const WB_SIZES: [u64; 16] = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 1, 1, 1, 1, 1, 1];

impl Reader {
    pub(super) fn amr_estimate(&self) -> Option<f64> {
        let head = self.bytes::<10>(0)?;
        let (magic, sizes): (usize, &[u64; 16]) = if head.starts_with(b"#!AMR-WB\n") {
            (9, &WB_SIZES)
        } else if head.starts_with(b"#!AMR\n") {
            (6, &NB_SIZES)
        } else {
            return None;
        };
        let toc = self.bytes::<1>(magic as u64)?[0];
        let size = sizes[usize::from((toc >> 3) & 0x0F)];
        let frames = self.len.checked_sub(magic as u64)? / size;
        (frames > 0).then_some(frames as f64 * 0.02)
    }
}
