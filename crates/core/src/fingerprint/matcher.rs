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

use std::collections::HashMap;

use rayon::prelude::*;

use super::{Frame, MIN_QUALITY};

pub const SPEEDS: [f64; 3] = [1.0, 25.0 / 23.976, 23.976 / 25.0];
const CHUNKS: usize = 4;

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

/// Every file's usable frames, flat: what the matcher reads. A frame is known
/// by its position (files in the order added, each file's frames after the
/// previous file's); 16 bytes a frame, so 20M frames fit in 320 MB.
#[derive(Debug, Clone)]
pub struct Library {
    ids: Vec<i64>,
    durations: Vec<f64>,
    /// File k's frames are `start[k]..start[k + 1]`.
    start: Vec<u32>,
    /// Hash and position of every frame, in any order (the matcher sorts it).
    recs: Vec<Rec>,
    /// Stream time of every frame by position, seconds.
    t_s: Vec<f32>,
    min_quality: f32,
}

/// A frame's hash and its position: 12 bytes, not 16.
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
struct Rec {
    hash: u64,
    at: u32,
}

impl Library {
    /// An empty library keeping frames of `min_quality` or more.
    pub fn new(min_quality: f32) -> Library {
        Library {
            ids: Vec::new(),
            durations: Vec::new(),
            start: vec![0],
            recs: Vec::new(),
            t_s: Vec::new(),
            min_quality,
        }
    }

    pub fn of(files: &[FileFp], min_quality: f32) -> Library {
        let mut lib = Library::new(min_quality);
        for f in files {
            lib.add_file(f.id, f.duration_s);
            for fr in &f.frames {
                lib.add_frame(fr);
            }
        }
        lib
    }

    /// Start the next file; the frames added next are its.
    pub fn add_file(&mut self, id: i64, duration_s: f64) {
        self.ids.push(id);
        self.durations.push(duration_s);
        self.start.push(self.recs.len() as u32);
    }

    /// A frame of the last file added (under `min_quality`: not kept).
    pub fn add_frame(&mut self, f: &Frame) {
        if f.quality < self.min_quality || self.ids.is_empty() {
            return;
        }
        let at = u32::try_from(self.recs.len()).expect("under 2^32 frames");
        self.recs.push(Rec { hash: f.hash, at });
        self.t_s.push(f.t_ms as f32 / 1000.0);
        *self.start.last_mut().expect("a file") += 1;
    }

    pub fn files(&self) -> usize {
        self.ids.len()
    }

    pub fn frames(&self) -> usize {
        self.t_s.len()
    }

    /// Every file's id, duration and number of usable frames, in the order added.
    pub fn file_frames(&self) -> impl Iterator<Item = (i64, f64, usize)> + '_ {
        (0..self.ids.len()).map(|k| (self.ids[k], self.durations[k], self.range(k as u32).len()))
    }

    /// The file (by position) a frame belongs to.
    fn owner(&self, at: u32) -> u32 {
        (self.start.partition_point(|&s| s <= at) - 1) as u32
    }

    /// Positions of file k's frames.
    fn range(&self, k: u32) -> std::ops::Range<usize> {
        self.start[k as usize] as usize..self.start[k as usize + 1] as usize
    }

    /// Times of file k's frames, seconds.
    fn times(&self, k: u32) -> Vec<f64> {
        self.t_s[self.range(k)].iter().map(|&t| t as f64).collect()
    }
}

/// Every related pair (a < b by id) among `files`.
pub fn find_pairs(files: &[FileFp], p: &Params) -> (Vec<Pair>, Stats) {
    match_library(Library::of(files, p.min_quality), p)
}

/// Every related pair (a < b by id) among a library's files.
pub fn match_library(mut lib: Library, p: &Params) -> (Vec<Pair>, Stats) {
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

/// Every match (ta, tb) of a usable frame of file `fa` with one of `fb`, by
/// comparing all of them: the chunk index finds two frames within
/// [`Params::max_distance`] only when they also share a chunk exactly, which
/// at 8–10 bits apart is one time in three to six; the frames a keyframe
/// apart in fast content are that far apart.
///
/// Only a frame's nearest matches are kept (within [`NEAREST_SLACK`] bits of
/// the closest frame of the other file, seen from either file): in content
/// that changes slowly every frame is within the distance of most frames of
/// the other file, and all of those matches only blur the vote (and cost it
/// the square of their number); the frame at the same moment is among the
/// nearest.
fn cross_matches(
    lib: &Library,
    recs: &[Rec],
    stop: &[bool],
    fa: u32,
    fb: u32,
    max: u32,
) -> Vec<(f64, f64)> {
    let ra: Vec<usize> = lib.range(fa).filter(|&i| !stop[i]).collect();
    let rb: Vec<usize> = lib.range(fb).filter(|&j| !stop[j]).collect();
    let mut all: Vec<(u32, u32, u32)> = Vec::new();
    let (mut best_a, mut best_b) = (vec![u32::MAX; ra.len()], vec![u32::MAX; rb.len()]);
    for (x, &i) in ra.iter().enumerate() {
        let h = recs[i].hash;
        for (y, &j) in rb.iter().enumerate() {
            let d = (h ^ recs[j].hash).count_ones();
            if d <= max {
                all.push((x as u32, y as u32, d));
                best_a[x] = best_a[x].min(d);
                best_b[y] = best_b[y].min(d);
            }
        }
    }
    all.into_iter()
        .filter(|&(x, y, d)| {
            d <= best_a[x as usize] + NEAREST_SLACK || d <= best_b[y as usize] + NEAREST_SLACK
        })
        .map(|(x, y, _)| {
            (
                lib.t_s[ra[x as usize]] as f64,
                lib.t_s[rb[y as usize]] as f64,
            )
        })
        .collect()
}

/// How much farther than a frame's closest match its other kept matches may
/// be, in bits (see [`cross_matches`]).
const NEAREST_SLACK: u32 = 2;

/// Whether the frames of `fa` and those of `fb` at the same moments under
/// the alignment `b = r·a + d` are alike: enough of them within
/// [`Params::close_bits`] ([`Params::min_close_share`], and
/// [`Params::min_votes`] frames at least). Offset voting finds the best
/// alignment of any two files whose pictures look alike (one person signing
/// different words in one room: every frame is within 10 bits of many
/// frames of the other), but only copies of one video show the same picture
/// at the same moment. Frames are compared where both files have one within
/// [`ALIGNED_GAP_S`] of the moment; a pair with too few such frames (long
/// files sampled seconds apart) is left to the vote.
fn alike_in_step(
    lib: &Library,
    recs: &[Rec],
    stop: &[bool],
    (fa, fb): (u32, u32),
    (r, d): (f64, f64),
    p: &Params,
) -> bool {
    let rb: Vec<usize> = lib.range(fb).filter(|&j| !stop[j]).collect();
    let tb: Vec<f64> = rb.iter().map(|&j| lib.t_s[j] as f64).collect();
    let mut dist = Vec::new();
    for i in lib.range(fa).filter(|&i| !stop[i]) {
        let want = r * lib.t_s[i] as f64 + d;
        let k = tb.partition_point(|&t| t < want);
        let near = [k.checked_sub(1), Some(k)]
            .into_iter()
            .flatten()
            .filter(|&k| k < tb.len() && (tb[k] - want).abs() <= ALIGNED_GAP_S)
            .min_by(|&x, &y| (tb[x] - want).abs().total_cmp(&(tb[y] - want).abs()));
        if let Some(k) = near {
            dist.push((recs[i].hash ^ recs[rb[k]].hash).count_ones());
        }
    }
    if dist.len() < p.min_votes {
        return true;
    }
    let close = dist.iter().filter(|&&x| x <= p.close_bits).count();
    close >= p.min_votes && close as f64 >= p.min_close_share * dist.len() as f64
}

/// How far apart in time two frames may be to count as the same moment in
/// [`alike_in_step`]: a little more than the finest grid step's half, so
/// that copies at other frame rates or trimmed between two moments still
/// compare each moment with its nearest.
const ALIGNED_GAP_S: f64 = 0.15;

/// Frame matches (i, j), i < j, by position.
type Matches = Vec<(u32, u32)>;

/// Every match (i, j), i < j, between frames of different files, sorted, and
/// which frames are stop-frames (matching too many other files, or too much
/// of their own: see [`Params::max_self_share`]).
///
/// For each chunk the frames are sorted by its value in place, so a bucket is
/// one run of memory and no index is built beside them. A pair sharing
/// several chunks is taken in the first one only (the earlier chunks are
/// compared), so no list of matches has to be deduplicated.
fn frame_matches(recs: &mut [Rec], lib: &Library, p: &Params) -> (Matches, Vec<bool>) {
    let apart = (3.0 * p.bin_s) as f32;
    let t = &lib.t_s;
    // Matches with other files, and with the same file's frames `apart`.
    let mut matches: Matches = Vec::new();
    let mut own: Matches = Vec::new();
    for c in 0..CHUNKS {
        recs.par_sort_unstable_by_key(|r| chunk(r.hash, c));
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut s = 0;
        while s < recs.len() {
            let v = chunk(recs[s].hash, c);
            let mut e = s + 1;
            while e < recs.len() && chunk(recs[e].hash, c) == v {
                e += 1;
            }
            if e - s >= 2 && e - s <= p.max_bucket {
                runs.push((s, e));
            }
            s = e;
        }
        let recs = &*recs;
        let found: Vec<(Matches, Matches)> = runs
            .par_iter()
            .fold(
                || (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
                |(mut other, mut same, mut hs, mut close), &(s, e)| {
                    let run = &recs[s..e];
                    hs.clear();
                    hs.extend(run.iter().map(|r| r.hash));
                    close.clear();
                    close_pairs(&hs, p.max_distance, &mut close);
                    for &(k, l) in &close {
                        let (ha, hb) = (hs[k as usize], hs[l as usize]);
                        if (0..c).any(|c2| chunk(ha, c2) == chunk(hb, c2)) {
                            continue;
                        }
                        let (x, y) = (run[k as usize].at, run[l as usize].at);
                        let (i, j) = (x.min(y), x.max(y));
                        if lib.owner(i) != lib.owner(j) {
                            other.push((i, j));
                        } else if (t[j as usize] - t[i as usize]).abs() >= apart {
                            same.push((i, j));
                        }
                    }
                    (other, same, hs, close)
                },
            )
            .map(|(other, same, _, _)| (other, same))
            .collect();
        for (other, same) in found {
            matches.extend(other);
            own.extend(same);
        }
    }
    matches.par_sort_unstable();
    // A stop-frame matches frames of more than `stop_files` other files. Other
    // files' frames are all before or all after a frame's own, so the files
    // it matches are those it matches as `i` plus those it matches as `j`.
    let mut files_matched = vec![0u8; lib.frames()];
    let mut add = |pairs: &[(u32, u32)]| {
        for run in pairs.chunk_by(|x, y| x.0 == y.0) {
            let mut owners = run.iter().map(|&(_, j)| lib.owner(j)).collect::<Vec<_>>();
            owners.dedup();
            let n = &mut files_matched[run[0].0 as usize];
            *n = n.saturating_add(owners.len().min(255) as u8);
        }
    };
    add(&matches);
    let mut by_j: Matches = matches.iter().map(|&(i, j)| (j, i)).collect();
    by_j.par_sort_unstable();
    add(&by_j);
    drop(by_j);
    let mut stop: Vec<bool> = files_matched
        .into_iter()
        .map(|n| n as usize > p.stop_files)
        .collect();
    // Positions follow the files, so a file's frame count is a difference.
    let mut ends: Vec<u32> = own.iter().flat_map(|&(i, j)| [i, j]).collect();
    ends.sort_unstable();
    for run in ends.chunk_by(|x, y| x == y) {
        let others = lib.range(lib.owner(run[0])).len() - 1;
        if run.len() as f64 > p.max_self_share * others as f64 {
            stop[run[0] as usize] = true;
        }
    }
    (matches, stop)
}

/// Every (k, l), k < l, of hashes within `max` bits of each other: the inner
/// loop of matching (a bucket of n hashes costs n²/2 distances), compiled for
/// the CPU's own population count where it has one.
fn close_pairs(h: &[u64], max: u32, out: &mut Vec<(u32, u32)>) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512vpopcntdq") {
            // SAFETY: the CPU has these instructions (checked just above).
            unsafe { close_pairs_avx512(h, max, out) };
            return;
        }
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: as above.
            unsafe { close_pairs_popcnt(h, max, out) };
            return;
        }
    }
    close_pairs_portable(h, max, out)
}

/// Without `-C target-cpu`, `count_ones` is a dozen instructions of bit
/// arithmetic.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn close_pairs_popcnt(h: &[u64], max: u32, out: &mut Vec<(u32, u32)>) {
    close_pairs_portable(h, max, out)
}

/// Eight distances an instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
unsafe fn close_pairs_avx512(h: &[u64], max: u32, out: &mut Vec<(u32, u32)>) {
    close_pairs_portable(h, max, out)
}

/// Distances a block at a time, into a small array the compiler can fill
/// with vector instructions; a block is read again only when it holds a hit
/// (almost none do).
#[inline(always)]
fn close_pairs_portable(h: &[u64], max: u32, out: &mut Vec<(u32, u32)>) {
    const BLOCK: usize = 64;
    let mut d = [0u64; BLOCK];
    for (k, &a) in h.iter().enumerate() {
        let mut l0 = k + 1;
        for block in h[k + 1..].chunks(BLOCK) {
            let d = &mut d[..block.len()];
            for (x, &b) in d.iter_mut().zip(block) {
                *x = (a ^ b).count_ones() as u64;
            }
            if d.iter().fold(0, |n, &x| n | (x <= max as u64) as u32) != 0 {
                for (m, &x) in d.iter().enumerate() {
                    if x <= max as u64 {
                        out.push((k as u32, (l0 + m) as u32));
                    }
                }
            }
            l0 += block.len();
        }
    }
}

fn chunk(h: u64, c: usize) -> u16 {
    (h >> (16 * c)) as u16
}

/// A file as the alignment sees it.
#[derive(Clone, Copy)]
struct Side {
    id: i64,
    duration_s: f64,
}

/// Vote for the alignment of `b` against `a` and classify it.
///
/// Symmetric: `align(b, a)` is `align(a, b)` seen from the other side, so the
/// pair found never depends on which file a scan stored first. Offsets are
/// compared as `u = (tb − r·ta) / √r`, which only changes sign when the files
/// swap (r becomes 1/r), and every window of that width is tried, anchored at
/// either end, so no bin edge falls differently in the two orders.
fn align(a: Side, b: Side, ta: &[f64], tb: &[f64], m: &[(f64, f64)], p: &Params) -> Option<Pair> {
    let width = 3.0 * p.bin_s;
    // The best window at each speed.
    let mut bests: [Option<Window>; SPEEDS.len()] = Default::default();
    let index = |t: &[f64]| {
        let mut v: Vec<f64> = t.to_vec();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let (xa, xb) = (
        index(&m.iter().map(|v| v.0).collect::<Vec<_>>()),
        index(&m.iter().map(|v| v.1).collect::<Vec<_>>()),
    );
    let at = |v: &[f64], t: f64| v.partition_point(|&x| x < t) as u32;
    for (&r, best) in SPEEDS.iter().zip(&mut bests) {
        let k = r.sqrt();
        let mut u: Vec<Match> = m
            .iter()
            .map(|&(x, y)| Match {
                u: (y - r * x) / k,
                x,
                y,
                ix: at(&xa, x),
                iy: at(&xb, y),
            })
            .collect();
        u.sort_by(|p, q| {
            p.u.total_cmp(&q.u)
                .then(p.x.total_cmp(&q.x))
                .then(p.y.total_cmp(&q.y))
        });
        let n = u.len();
        // Sums of offsets, for each window's mean in constant time.
        let mut sums = vec![0.0; n + 1];
        for (i, v) in u.iter().enumerate() {
            sums[i + 1] = sums[i] + v.u;
        }
        // The two windows at each match slide forward, their distinct
        // frames counted as matches enter and leave.
        let mut left = Distinct::new(xa.len(), xb.len());
        let mut right = Distinct::new(xa.len(), xb.len());
        let (mut lo, mut hi, mut re) = (0, 0, 0);
        for i in 0..n {
            // Anchored at its left end: [u_i, u_i + width].
            while hi < n && u[hi].u <= u[i].u + width {
                left.add(&u[hi]);
                hi += 1;
            }
            let mut i_end = i + 1;
            while i_end < n && u[i_end].u == u[i].u {
                i_end += 1;
            }
            // Anchored at its right end: [u_i − width, u_i].
            while re < i_end {
                right.add(&u[re]);
                re += 1;
            }
            while u[lo].u < u[i].u - width {
                right.remove(&u[lo]);
                lo += 1;
            }
            for (s, e, votes) in [(i, hi, left.votes()), (lo, i_end, right.votes())] {
                // Votes never exceed matches: a window with fewer matches
                // than the best one's votes loses whatever it holds.
                if best.as_ref().is_some_and(|b| e - s < b.votes) {
                    continue;
                }
                let cand = Window {
                    votes,
                    r,
                    matches: e - s,
                    inside: Vec::new(),
                    width: u[e - 1].u - u[s].u,
                    centre: ((sums[e] - sums[s]) / (e - s) as f64).abs(),
                };
                if best.as_ref().is_none_or(|b| cand.better_than(b)) {
                    *best = Some(Window {
                        inside: u[s..e].iter().map(|v| (v.x, v.y)).collect(),
                        ..cand
                    });
                }
            }
            left.remove(&u[i]);
        }
    }
    // A change of speed needs more agreeing frames than the same speed has:
    // frames taken four times a second agree for a few seconds at a speed
    // 4% off as well.
    let [same, others @ ..] = bests;
    let other = others
        .into_iter()
        .flatten()
        .reduce(|x, y| if y.better_than(&x) { y } else { x });
    let best = match (same, other) {
        (Some(s), Some(o)) if o.votes <= s.votes => Some(s),
        (s, o) => o.or(s),
    };
    let Window {
        votes, r, inside, ..
    } = best?;
    if votes < p.min_votes {
        return None;
    }
    let mut offs: Vec<f64> = inside.iter().map(|&(x, y)| y - r * x).collect();
    offs.sort_by(f64::total_cmp);
    let d = (offs[(offs.len() - 1) / 2] + offs[offs.len() / 2]) / 2.0;
    let dur = |f: Side, t: &[f64]| {
        if f.duration_s > 0.0 {
            f.duration_s
        } else {
            t.last().copied().unwrap_or(0.0) + 1.0
        }
    };
    let (da, db) = (dur(a, ta), dur(b, tb));
    // The span of a that maps into b, in a's time.
    let lo = (-d / r).max(0.0);
    let hi = ((db - d) / r).min(da);
    if hi <= lo {
        return None;
    }
    let in_a = ta
        .iter()
        .filter(|&&t| t >= lo - p.bin_s && t <= hi + p.bin_s)
        .count();
    let in_b = tb
        .iter()
        .filter(|&&t| t >= r * lo + d - p.bin_s && t <= r * hi + d + p.bin_s)
        .count();
    let score = votes as f64 / in_a.min(in_b).max(1) as f64;
    if score < p.min_support {
        return None;
    }
    // The agreeing frames must run through the overlap, not bunch in one
    // part of it: two different videos whose pictures look alike for a few
    // seconds (the same zoom at another speed, a recap) agree only there.
    let span = |v: &mut dyn Iterator<Item = f64>| {
        let (mn, mx) = v.fold((f64::MAX, f64::MIN), |(mn, mx), t| (mn.min(t), mx.max(t)));
        mx - mn
    };
    let spread = (span(&mut inside.iter().map(|v| v.0)) / (hi - lo))
        .min(span(&mut inside.iter().map(|v| v.1)) / (r * (hi - lo)));
    if spread < p.min_spread {
        return None;
    }
    let (ca, cb) = (((hi - lo) / da).min(1.0), ((hi - lo) * r / db).min(1.0));
    let full = p.full_coverage;
    let relation = match (ca >= full, cb >= full) {
        (true, true) => Relation::Duplicate,
        (true, false) => Relation::ContainedIn,
        (false, true) => Relation::Contains,
        (false, false) => Relation::Overlap,
    };
    Some(Pair {
        a: a.id,
        b: b.id,
        relation,
        offset_s: d,
        speed: r,
        coverage_a: ca,
        coverage_b: cb,
        score: score.min(1.0),
        votes,
    })
}

/// One window of agreeing frame matches: a candidate alignment.
struct Window {
    votes: usize,
    r: f64,
    /// Matches in the window.
    matches: usize,
    /// (ta, tb) of the matches in the window.
    inside: Vec<(f64, f64)>,
    /// Width of the window's offsets, and their mean's distance from 0.
    width: f64,
    centre: f64,
}

impl Window {
    /// More agreeing frames, then more matches, then tighter, then nearer
    /// offset 0: every criterion reads the same from either file, so ties
    /// resolve the same way whichever file is `a`.
    fn better_than(&self, o: &Window) -> bool {
        (self.votes, self.matches)
            .cmp(&(o.votes, o.matches))
            .then(o.width.total_cmp(&self.width))
            .then(o.centre.total_cmp(&self.centre))
            .is_gt()
    }
}

/// A frame match as the vote sees it: its offset `u`, the two times, and
/// the times' ranks among each file's matched times.
struct Match {
    u: f64,
    x: f64,
    y: f64,
    ix: u32,
    iy: u32,
}

/// The distinct frames of each file among a sliding window's matches: a
/// count per frame, and how many frames have one.
struct Distinct {
    in_a: Vec<u32>,
    in_b: Vec<u32>,
    na: usize,
    nb: usize,
}

impl Distinct {
    fn new(a: usize, b: usize) -> Distinct {
        Distinct {
            in_a: vec![0; a],
            in_b: vec![0; b],
            na: 0,
            nb: 0,
        }
    }

    fn add(&mut self, m: &Match) {
        let (a, b) = (&mut self.in_a[m.ix as usize], &mut self.in_b[m.iy as usize]);
        self.na += (*a == 0) as usize;
        self.nb += (*b == 0) as usize;
        *a += 1;
        *b += 1;
    }

    fn remove(&mut self, m: &Match) {
        let (a, b) = (&mut self.in_a[m.ix as usize], &mut self.in_b[m.iy as usize]);
        *a -= 1;
        *b -= 1;
        self.na -= (*a == 0) as usize;
        self.nb -= (*b == 0) as usize;
    }

    /// The fewer of the two files' distinct frames in the window.
    fn votes(&self) -> usize {
        self.na.min(self.nb)
    }
}

impl Pair {
    /// The same pair seen from `b`.
    fn swapped(self) -> Pair {
        Pair {
            a: self.b,
            b: self.a,
            relation: match self.relation {
                Relation::Contains => Relation::ContainedIn,
                Relation::ContainedIn => Relation::Contains,
                r => r,
            },
            offset_s: -self.offset_s / self.speed,
            speed: 1.0 / self.speed,
            coverage_a: self.coverage_b,
            coverage_b: self.coverage_a,
            ..self
        }
    }
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
