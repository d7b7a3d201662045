//! Content fingerprints: perceptual hashes of keyframes sampled over a whole
//! video, and the matcher that finds the same content across re-encodes, trims
//! and clips.
//!
//! Core side, no GStreamer: [`phash`] turns a gray thumbnail into a 64-bit hash
//! and a quality value, [`matcher`] pairs files by multi-index hashing and offset
//! voting. The keyframes are decoded in `mediadex-media` worker processes
//! (`decode`, linked only there); what a worker sends back is a [`FpDoc`], the
//! document of a [`crate::scan::protocol::Done`] line.
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
/// videoscale), and no keyframe sampled twice. 3: seek targets on a grid of
/// round steps from time 0 (see [`step`]), not at fractions of the duration.
pub const VERSION: i64 = 3;

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

/// Round steps the seek grid is made of, seconds. Encoders put keyframes at
/// a fixed interval from time 0 (1 s, 2 s, 10 s at GOP 250 and 25 fps, …) or
/// at cuts; a grid of round steps lands on the same keyframes in two encodes
/// with different intervals, where fractions of the duration (which differs
/// by a frame or two between encodes) land between them.
const STEPS: [f64; 7] = [0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 15.0];

/// Seek a little past each grid point: `SNAP_BEFORE` then takes the keyframe
/// on the grid point itself, not the one before it.
const PAST: f64 = 0.04;

/// Distance between seek targets for a file of `duration_s`: the largest
/// round step giving at least 16 targets (short files), 15 s for longer ones,
/// and a multiple of 15 s beyond 240 targets (a 1-hour film gets 240; each
/// seek costs ~30 ms at 1080p).
pub fn step(duration_s: f64) -> f64 {
    let want = duration_s / 16.0;
    if want >= 15.0 {
        return 15.0 * (duration_s / (15.0 * 240.0)).ceil().max(1.0);
    }
    STEPS
        .iter()
        .copied()
        .rev()
        .find(|&s| s <= want)
        .unwrap_or(STEPS[0])
}

/// How many keyframes to sample from a file of `duration_s`.
pub fn sample_count(duration_s: f64) -> usize {
    targets(duration_s).len()
}

/// Seek targets: every [`step`] from time 0 until the end.
pub fn targets(duration_s: f64) -> Vec<f64> {
    let s = step(duration_s);
    (0..)
        .map(|i| i as f64 * s + PAST)
        .take_while(|&t| t < duration_s)
        .take(480)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_scales_with_duration() {
        assert_eq!(sample_count(1.0), 2);
        assert_eq!(sample_count(10.0), 20);
        assert_eq!(sample_count(40.0), 16);
        assert_eq!(sample_count(60.0), 24);
        assert_eq!(sample_count(600.0), 40);
        assert_eq!(sample_count(3600.0), 240);
        assert_eq!(sample_count(36_000.0), 240);
        let t = targets(40.0);
        assert!((t[0] - PAST).abs() < 1e-9 && (t[15] - 37.5 - PAST).abs() < 1e-9);
        // Every 10 s keyframe (GOP 250 at 25 fps) is on the grid.
        for k in [0.0, 10.0, 20.0, 30.0] {
            assert!(t.iter().any(|&x| (x - PAST - k).abs() < 1e-9));
        }
    }
}
