//! Matching fingerprints across a whole catalog without an all-pairs loop.
//!
//! 1. Candidates by multi-index hashing: each usable frame hash is split into
//!    four 16-bit chunks; for each chunk in turn the frames (a hash and a
//!    position, 12 bytes) are sorted by its value in place, and the frames of
//!    each run of one value are compared with each other by full Hamming
//!    distance. Two hashes within 3 bits always share a chunk exactly, within
//!    [`Params::max_distance`] (10) only sometimes (one time in six at 10).
//!    Runs longer than [`Params::max_bucket`] are skipped: a value that common
//!    says nothing.
//! 2. Stop-frames: a frame that matches frames of more than
//!    [`Params::stop_files`] other files (a series intro, a logo, a test card)
//!    is ignored, as is one matching most of its own file.
//!    A pair of files with [`Params::min_seeds`] frame matches or more then
//!    has every usable frame of one compared with every one of the other, so
//!    the vote sees all the frames within the distance, not the lucky ones.
//! 3. Offset voting per candidate pair: each frame match gives an offset
//!    `tb − r·ta` for the speed ratios r = 1, 25/23.976 and 23.976/25 (PAL
//!    speed-up and back); the window of offsets [`Params::bin_s`]·3 wide that
//!    holds the most agreeing frames wins. Keyframe positions differ between
//!    encodes, so the window is wider than a GOP is long in most files. The
//!    vote is symmetric: the same pair comes out whichever file is `a`.
//! 4. Checks and classification: the agreeing frames must be a share of the
//!    frames in the overlap ([`Params::min_support`]) and run through it
//!    ([`Params::min_spread`]); then coverage in both directions: the span of
//!    each file that the winning alignment maps into the other, over its
//!    duration.
//!
//! No duration bucket gates anything: trims and clips have other durations.

mod align;
mod store;

use std::collections::HashMap;

use rayon::prelude::*;

use super::{Frame, MIN_QUALITY};
use align::{Side, align, alike_in_step, cross_matches};
pub use store::FrameStore;
use store::frame_matches;

pub const SPEEDS: [f64; 3] = [1.0, 25.0 / 23.976, 23.976 / 25.0];

#[derive(Debug, Clone)]
pub struct Params {
    /// Hamming distance (of 64 bits) under which two frames are the same picture.
    pub max_distance: u32,
    /// A frame matching more files than this is a stop-frame.
    pub stop_files: usize,
    pub max_bucket: usize,
    /// Width of an offset bin, seconds.
    pub bin_s: f64,
    /// Frame matches an alignment needs at least.
    pub min_votes: usize,
    /// Frame matches the chunk index must find between two files before all
    /// their frames are compared (at most `min_votes`): one chance match of
    /// two unrelated frames is most candidates at library scale.
    pub min_seeds: usize,
    /// Share of the frames in the overlapping span that must agree. 0.15: on
    /// the 640x360 bench set (135 files, 7785 negative pairs) no false pair
    /// came down to 0.05, while 0.3 missed re-encodes whose keyframes mostly
    /// fall elsewhere (direct recall 0.66 at 0.3, 0.75 at 0.15); the votes,
    /// the spread and the stop-frames are what keep negatives apart.
    pub min_support: f64,
    /// Share of the overlap the agreeing frames must run through (in both
    /// files' time).
    pub min_spread: f64,
    /// Coverage from which a side counts as wholly inside the other.
    pub full_coverage: f64,
    /// Frames under this quality (black, flat, fades) are not matched.
    pub min_quality: f32,
    /// A frame that matches more than this share of its own file's other
    /// frames, 3·`bin_s` or more away, is ignored: a picture the file shows at
    /// most of its moments (a logo over flat content, a still) cannot tell
    /// when it is, and would pair the file with any other showing it.
    pub max_self_share: f64,
    /// Two frames at the same moment of two files within this many bits
    /// show the same picture (see `alike_in_step`).
    pub close_bits: u32,
    /// The share of a pair's frames at the same moments that must be within
    /// [`Params::close_bits`] (and [`Params::min_votes`] of them at least).
    /// On real clips (86 files: 6 sources, each re-encoded to HEVC, VP9 at
    /// half size, H.264 at 200 kb/s, MPEG-4, MPEG-2 and Sorenson, remuxed,
    /// letterboxed, trimmed; 20 clips of one person signing in one room),
    /// copies had 40% to 100% of their frames within 4 bits, and the signing
    /// clips, paired by the vote at their best offsets, 0 to 3 frames of 5 to
    /// 14 (up to 43%).
    pub min_close_share: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            max_distance: 10,
            stop_files: 24,
            max_bucket: 4096,
            bin_s: 1.0,
            min_votes: 4,
            min_seeds: 2,
            min_support: 0.15,
            min_spread: 0.5,
            full_coverage: 0.9,
            min_quality: MIN_QUALITY,
            max_self_share: 0.5,
            close_bits: 4,
            min_close_share: 1.0 / 3.0,
        }
    }
}

/// One file's fingerprint as the matcher sees it.
#[derive(Debug, Clone)]
pub struct FileFp {
    pub id: i64,
    pub duration_s: f64,
    pub frames: Vec<Frame>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Duplicate,
    /// `a` contains `b` (b is a clip or trim of a).
    Contains,
    ContainedIn,
    Overlap,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Duplicate => "duplicate",
            Relation::Contains => "contains",
            Relation::ContainedIn => "contained-in",
            Relation::Overlap => "overlap",
        }
    }

    pub fn parse(s: &str) -> Option<Relation> {
        [
            Relation::Duplicate,
            Relation::Contains,
            Relation::ContainedIn,
            Relation::Overlap,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Two files showing the same content: `b`'s time = `speed` · `a`'s time + `offset_s`.
#[derive(Debug, Clone)]
pub struct Pair {
    pub a: i64,
    pub b: i64,
    pub relation: Relation,
    pub offset_s: f64,
    pub speed: f64,
    pub coverage_a: f64,
    pub coverage_b: f64,
    /// Share of the frames in the overlapping span that agree.
    pub score: f64,
    pub votes: usize,
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub frames: usize,
    pub stop_frames: usize,
    pub candidate_pairs: usize,
}

/// Every related pair (a < b by id) among `files`.
pub fn find_pairs(files: &[FileFp], p: &Params) -> (Vec<Pair>, Stats) {
    match_store(FrameStore::of(files, p.min_quality), p)
}

/// Every related pair (a < b by id) among a library's files.
pub fn match_store(mut lib: FrameStore, p: &Params) -> (Vec<Pair>, Stats) {
    let frames = lib.frames();
    let mut recs = std::mem::take(&mut lib.recs);
    let (matches, stop) = frame_matches(&mut recs, &lib, p);
    let stop_frames = stop.iter().filter(|&&s| s).count();
    // Candidate pairs of files (a < b by position, since positions follow the
    // files) and how many frame matches the chunk index found for each.
    let mut cand: Vec<(u32, u32)> = matches
        .iter()
        .filter(|&&(i, j)| !stop[i as usize] && !stop[j as usize])
        .map(|&(i, j)| (lib.owner(i), lib.owner(j)))
        .collect();
    drop(matches);
    cand.par_sort_unstable();
    let groups: Vec<(u32, u32, usize)> = cand
        .chunk_by(|x, y| x == y)
        .map(|g| (g[0].0, g[0].1, g.len()))
        .collect();
    drop(cand);
    // Hashes by position again, for the second look at each candidate.
    recs.par_sort_unstable_by_key(|r| r.at);
    let side = |k: u32| Side {
        id: lib.ids[k as usize],
        duration_s: lib.durations[k as usize],
    };
    let seeds = p.min_seeds.min(p.min_votes);
    let pairs: Vec<Pair> = groups
        .par_iter()
        .filter(|g| g.2 >= seeds)
        .filter_map(|&(fa, fb, _)| {
            let m = cross_matches(&lib, &recs, &stop, fa, fb, p.max_distance);
            let pair = align(side(fa), side(fb), &lib.times(fa), &lib.times(fb), &m, p)?;
            let (r, d) = (pair.speed, pair.offset_s);
            if !alike_in_step(&lib, &recs, &stop, (fa, fb), (r, d), p) {
                return None;
            }
            Some(if pair.a < pair.b {
                pair
            } else {
                pair.swapped()
            })
        })
        .collect();
    let stats = Stats {
        frames,
        stop_frames,
        candidate_pairs: groups.len(),
    };
    (pairs, stats)
}

/// Connected components of `pairs`: file id → group id (the smallest file id
/// in its component, so stable for the same catalog).
pub fn groups(pairs: &[Pair]) -> HashMap<i64, i64> {
    let mut parent: HashMap<i64, i64> = HashMap::new();
    fn root(parent: &mut HashMap<i64, i64>, x: i64) -> i64 {
        let mut r = x;
        while let Some(&p) = parent.get(&r).filter(|&&p| p != r) {
            r = p;
        }
        parent.insert(x, r);
        r
    }
    for pr in pairs {
        parent.entry(pr.a).or_insert(pr.a);
        parent.entry(pr.b).or_insert(pr.b);
        let (ra, rb) = (root(&mut parent, pr.a), root(&mut parent, pr.b));
        parent.insert(ra.max(rb), ra.min(rb));
    }
    let ids: Vec<i64> = parent.keys().copied().collect();
    ids.into_iter().map(|x| (x, root(&mut parent, x))).collect()
}

#[cfg(test)]
mod tests;
