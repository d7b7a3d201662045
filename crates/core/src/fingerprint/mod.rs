//! Content fingerprints: perceptual hashes of frames sampled on a time grid
//! over a whole video, and the matcher that finds the same content across
//! re-encodes, trims and clips.
//!
//! Core side, no GStreamer: [`phash`] turns a gray thumbnail into a 64-bit
//! hash and a quality value, [`matcher`] pairs files by multi-index hashing,
//! offset voting and a moment-by-moment check, [`run`] is the matching stage
//! over the catalog (byte-identical files included). The frames are decoded
//! in `mediadex-media` worker processes (`mediadex_media::sampling`, linked
//! only there); what a worker sends back is a [`FpDoc`], the document of a
//! [`crate::scan::protocol::Answer`] line.
//!
//! Invariants: a frame keeps the real timestamp of the decoded frame it came
//! from, the first at or after a moment of the file's grid ([`grid_step`]):
//! copies with other frame rates or trims land a little apart, so the matcher
//! aligns them, never assumes them; [`VERSION`] changes whenever hashes would
//! change, and a file whose stored version differs is fingerprinted again.

pub mod engine;
pub mod matcher;
pub mod phash;
pub mod run;

use serde::{Deserialize, Serialize};

/// Version of the sampling + hashing recipe stored with each fingerprint.
/// 2: thumbnails area-averaged from the decoder's luma plane (1: GStreamer's
/// videoscale), and no keyframe sampled twice. 3: two keyframes per target.
/// 4: black borders only when black end to end and at both edges, a tapered
/// window before the DCT. 5: frames at the moments of a fixed time grid
/// ([`grid_step`]), decoded forward from the keyframe before them, instead of
/// keyframes. 6: a thumbnail for people is taken in the same run (the hashes
/// are those of 5).
pub const VERSION: i64 = 6;

/// The most frames a file gets: the grid's step doubles until the file's
/// duration holds at most this many. The frames of a library are what
/// matching holds in memory, 16 bytes each.
pub const MAX_FRAMES: usize = 120;

/// The finest step of the grid, seconds: a 2-second clip gets 8 frames.
pub const MIN_STEP_S: f64 = 0.25;

/// Step of the sampling grid for a file of `duration_s` (unknown: `None`):
/// [`MIN_STEP_S`] times the smallest power of two that keeps the file within
/// [`MAX_FRAMES`]. Grids are anchored at stream time 0 and their steps are
/// powers of two of one another, so two copies of one video (any length, any
/// GOP) are sampled at the same moments of the shorter's grid.
pub fn grid_step(duration_s: Option<f64>) -> f64 {
    let d = match duration_s {
        Some(d) if d.is_finite() && d > 0.0 => d,
        // Unknown length: a frame a second over the first two minutes.
        _ => return 1.0,
    };
    let mut step = MIN_STEP_S;
    while d / step > MAX_FRAMES as f64 {
        step *= 2.0;
    }
    step
}

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
    /// Why sampling ended before the end of the file, when it did (a decoder
    /// error or stall part way): the frames before it are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A small JPEG of a frame near the middle, for people
    /// ([`crate::catalog::thumbnails`]); absent when none could be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<crate::catalog::thumbnails::Thumbnail>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_doubles_its_step_to_stay_within_the_budget() {
        assert_eq!(grid_step(Some(2.0)), 0.25);
        assert_eq!(grid_step(Some(30.0)), 0.25);
        assert_eq!(grid_step(Some(30.1)), 0.5);
        assert_eq!(grid_step(Some(120.0)), 1.0);
        assert_eq!(grid_step(Some(7200.0)), 64.0);
        assert_eq!(grid_step(None), 1.0);
        assert_eq!(grid_step(Some(f64::NAN)), 1.0);
        for d in [2.0, 29.0, 61.0, 999.0, 86_400.0] {
            let s = grid_step(Some(d));
            assert!(
                d / s <= MAX_FRAMES as f64 && d / s > MAX_FRAMES as f64 / 2.0 || s == MIN_STEP_S
            );
        }
    }
}
