//! Content fingerprints: perceptual hashes of keyframes sampled over a whole
//! video, and the matcher that finds the same content across re-encodes, trims
//! and clips.
//!
//! Core side, no GStreamer: [`phash`] turns a gray thumbnail into a 64-bit hash
//! and a quality value, [`matcher`] pairs files by multi-index hashing and offset
//! voting. The keyframes are decoded in `mediadex-media` worker processes
//! (`decode`, linked only there); what a worker sends back is a [`FpDoc`], the
//! document of a [`crate::scan::protocol::Answer`] line.
//!
//! Invariants: a frame keeps the real timestamp of the keyframe it came from
//! (positions differ between encodes, so the matcher aligns them, never
//! assumes them); [`VERSION`] changes whenever hashes would change, and a file
//! whose stored version differs is fingerprinted again.

pub mod matcher;
pub mod phash;

use serde::{Deserialize, Serialize};

/// Version of the sampling + hashing recipe stored with each fingerprint.
/// 2: thumbnails area-averaged from the decoder's luma plane (1: GStreamer's
/// videoscale), and no keyframe sampled twice. 3: [`BURST`] keyframes per target.
/// 4: black borders only when black end to end and at both edges, a tapered
/// window before the DCT, one target per ~30 s (see [`sample_count`]).
pub const VERSION: i64 = 4;

/// Keyframes taken per seek target: the one at or before the target, then
/// those that follow it. Two encodes of one video rarely have their keyframes
/// at the same times, and one keyframe per target left them too few shared
/// moments; runs of keyframes overlap far more often.
pub const BURST: usize = 2;

/// Side of the gray thumbnail each decoded keyframe is reduced to.
pub const THUMB: usize = 64;

/// Frames below this quality (black, flat, fades) are stored but not matched.
/// Quality is the gray standard deviation of the cropped thumbnail over 40:
/// black and flat frames score 0, while blurred low-detail content (cellular
/// automata shrunk to 32×32) scores 0.095–0.43, so 0.15 dropped most of it;
/// 0.08 (a deviation of ~3 gray levels) keeps it.
pub const MIN_QUALITY: f32 = 0.08;

/// One sampled keyframe.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// Stream time of the keyframe, milliseconds.
    pub t_ms: i64,
    pub hash: u64,
    /// 0 (black, flat) … 1 (well-contrasted picture).
    pub quality: f32,
}

/// What a fingerprint worker reports for one file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FpDoc {
    pub duration_s: Option<f64>,
    pub frames: Vec<Frame>,
    /// Seeks that landed on a keyframe already sampled.
    #[serde(default)]
    pub repeats: u32,
}

/// How many seek targets a file of `duration_s` gets: one per ~30 s (so with
/// [`BURST`] keyframes each, a frame per ~15 s), at least 16 (short files),
/// at most 120 (an hour: 240 frames; longer films spread them). The frames of
/// a library are what matching holds in memory, 16 bytes each: 100,000
/// one-hour files are 24M frames.
pub fn sample_count(duration_s: f64) -> usize {
    ((duration_s / 30.0).ceil() as usize).clamp(16, 120)
}

/// Seek targets spread evenly over the file, avoiding the very start and end
/// (opening titles fade in, the end may be cut short).
pub fn targets(duration_s: f64) -> Vec<f64> {
    let n = sample_count(duration_s);
    (0..n)
        .map(|i| duration_s * (i as f64 + 0.5) / n as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_scales_with_duration() {
        assert_eq!(sample_count(1.0), 16);
        assert_eq!(sample_count(480.0), 16);
        assert_eq!(sample_count(1200.0), 40);
        assert_eq!(sample_count(3600.0), 120);
        assert_eq!(sample_count(36_000.0), 120);
        let t = targets(16.0);
        assert_eq!(t.len(), 16);
        assert!((t[0] - 0.5).abs() < 1e-9 && (t[15] - 15.5).abs() < 1e-9);
    }
}
