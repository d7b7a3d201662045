//! Matching fingerprints across a whole catalog without an all-pairs loop.
//!
//! 1. Candidates by multi-index hashing: each usable frame hash is split into
//!    four 16-bit chunks, one index per chunk (value → frames and their
//!    hashes, CSR arrays, built and read one chunk at a time). Two
//!    hashes within [`Params::max_distance`] bits usually share a chunk exactly
//!    (always when the distance is under 4); frames found that way are checked
//!    with the full Hamming distance. Chunk buckets fuller than
//!    [`Params::max_bucket`] are skipped: a value that common says nothing.
//! 2. Stop-frames: a frame that matches frames of more than
//!    [`Params::stop_files`] other files (a series intro, a logo, a test card)
//!    is ignored.
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
}

impl Default for Params {
    fn default() -> Params {
        Params {
            max_distance: 10,
            stop_files: 24,
            max_bucket: 4096,
            bin_s: 1.0,
            min_votes: 4,
            min_support: 0.15,
            min_spread: 0.5,
            full_coverage: 0.9,
            min_quality: MIN_QUALITY,
            max_self_share: 0.5,
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

/// Every related pair (a < b by id) among `files`.
pub fn find_pairs(files: &[FileFp], p: &Params) -> (Vec<Pair>, Stats) {
    let mut hash = Vec::new();
    let mut owner = Vec::new();
    let mut time = Vec::new();
    for (f, file) in files.iter().enumerate() {
        for fr in file.frames.iter().filter(|fr| fr.quality >= p.min_quality) {
            hash.push(fr.hash);
            owner.push(f as u32);
            time.push(fr.t_ms as f32 / 1000.0);
        }
    }
    let (matches, stop) = frame_matches(&hash, &owner, &time, p);
    let stop_frames = stop.iter().filter(|&&s| s).count();
    // (file a, file b) → matched (ta, tb); a < b by position in `files`.
    let mut edges: Vec<(u32, u32, f32, f32)> = matches
        .iter()
        .filter(|&&(i, j)| {
            owner[i as usize] < owner[j as usize] && !stop[i as usize] && !stop[j as usize]
        })
        .map(|&(i, j)| {
            let (i, j) = (i as usize, j as usize);
            (owner[i], owner[j], time[i], time[j])
        })
        .collect();
    drop(matches);
    edges.par_sort_unstable_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then(x.2.total_cmp(&y.2))
            .then(x.3.total_cmp(&y.3))
    });
    let groups: Vec<&[(u32, u32, f32, f32)]> =
        edges.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)).collect();
    let usable = |f: u32| -> Vec<f64> {
        files[f as usize]
            .frames
            .iter()
            .filter(|fr| fr.quality >= p.min_quality)
            .map(|fr| fr.t_ms as f64 / 1000.0)
            .collect()
    };
    let pairs: Vec<Pair> = groups
        .par_iter()
        .filter_map(|g| {
            let (fa, fb) = (g[0].0, g[0].1);
            let m: Vec<(f64, f64)> = g.iter().map(|e| (e.2 as f64, e.3 as f64)).collect();
            let (a, b) = (&files[fa as usize], &files[fb as usize]);
            let pair = align(a, b, &usable(fa), &usable(fb), &m, p)?;
            Some(if pair.a < pair.b {
                pair
            } else {
                pair.swapped()
            })
        })
        .collect();
    let stats = Stats {
        frames: hash.len(),
        stop_frames,
        candidate_pairs: groups.len(),
    };
    (pairs, stats)
}

/// Frame matches (i, j), by index in the frame arrays.
type Matches = Vec<(u32, u32)>;

/// Every match (i, j) between frames of different files, both ways round,
/// sorted, and which frames are stop-frames (matching too many other files,
/// or too much of their own: see [`Params::max_self_share`]).
///
/// One chunk's index at a time, each bucket holding its frames' hashes in
/// bucket order: a bucket is read as one run of memory and only the frames
/// within the distance are looked up further (at millions of frames the
/// lookups of every bucket entry were most of the time).
fn frame_matches(hash: &[u64], owner: &[u32], time: &[f32], p: &Params) -> (Matches, Vec<bool>) {
    let apart = (3.0 * p.bin_s) as f32;
    // Matches with other files, and with the same file's frames `apart`.
    let mut matches: Matches = Vec::new();
    let mut own: Matches = Vec::new();
    for c in 0..CHUNKS {
        let index = Csr::build(hash, c);
        let found: Vec<(Matches, Matches)> = (0..hash.len())
            .into_par_iter()
            .with_min_len(4096)
            .fold(
                || (Vec::new(), Vec::new()),
                |(mut other, mut same), i| {
                    let h = hash[i];
                    let (ids, hs) = index.get(chunk(h, c));
                    if ids.len() <= p.max_bucket {
                        for (&j, &hj) in ids.iter().zip(hs) {
                            if (hj ^ h).count_ones() > p.max_distance {
                                continue;
                            }
                            if owner[j as usize] != owner[i] {
                                other.push((i as u32, j));
                            } else if (time[j as usize] - time[i]).abs() >= apart {
                                same.push((i as u32, j));
                            }
                        }
                    }
                    (other, same)
                },
            )
            .collect();
        drop(index);
        for (other, same) in found {
            matches.extend(other);
            own.extend(same);
        }
    }
    matches.par_sort_unstable();
    matches.dedup();
    own.sort_unstable();
    own.dedup();
    // A stop-frame matches frames of more than `stop_files` other files.
    let mut stop = vec![false; hash.len()];
    let mut files: Vec<u32> = Vec::new();
    for run in matches.chunk_by(|x, y| x.0 == y.0) {
        files.clear();
        files.extend(run.iter().map(|&(_, j)| owner[j as usize]));
        files.sort_unstable();
        files.dedup();
        stop[run[0].0 as usize] = files.len() > p.stop_files;
    }
    // Owners are file positions, so a file's frame count is indexed by it.
    let mut per_file = vec![0usize; owner.iter().max().map_or(0, |&o| o as usize + 1)];
    for &o in owner {
        per_file[o as usize] += 1;
    }
    for run in own.chunk_by(|x, y| x.0 == y.0) {
        let i = run[0].0 as usize;
        let others = per_file[owner[i] as usize] - 1;
        if run.len() as f64 > p.max_self_share * others as f64 {
            stop[i] = true;
        }
    }
    (matches, stop)
}

fn chunk(h: u64, c: usize) -> u16 {
    (h >> (16 * c)) as u16
}

/// Frames by the value of one 16-bit chunk: `ids[start[v]..start[v+1]]`, and
/// their hashes in the same order.
struct Csr {
    start: Vec<u32>,
    ids: Vec<u32>,
    hashes: Vec<u64>,
}

impl Csr {
    fn build(hash: &[u64], c: usize) -> Csr {
        let mut start = vec![0u32; (1 << 16) + 1];
        for &h in hash {
            start[chunk(h, c) as usize + 1] += 1;
        }
        for v in 0..(1 << 16) {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut ids = vec![0u32; hash.len()];
        let mut hashes = vec![0u64; hash.len()];
        for (i, &h) in hash.iter().enumerate() {
            let slot = &mut fill[chunk(h, c) as usize];
            ids[*slot as usize] = i as u32;
            hashes[*slot as usize] = h;
            *slot += 1;
        }
        Csr { start, ids, hashes }
    }

    fn get(&self, v: u16) -> (&[u32], &[u64]) {
        let r = self.start[v as usize] as usize..self.start[v as usize + 1] as usize;
        (&self.ids[r.clone()], &self.hashes[r])
    }
}

/// Vote for the alignment of `b` against `a` and classify it.
///
/// Symmetric: `align(b, a)` is `align(a, b)` seen from the other side, so the
/// pair found never depends on which file a scan stored first. Offsets are
/// compared as `u = (tb − r·ta) / √r`, which only changes sign when the files
/// swap (r becomes 1/r), and every window of that width is tried, anchored at
/// either end, so no bin edge falls differently in the two orders.
fn align(
    a: &FileFp,
    b: &FileFp,
    ta: &[f64],
    tb: &[f64],
    m: &[(f64, f64)],
    p: &Params,
) -> Option<Pair> {
    let width = 3.0 * p.bin_s;
    let mut best: Option<Window> = None;
    for &r in &SPEEDS {
        let k = r.sqrt();
        let mut u: Vec<(f64, f64, f64)> = m.iter().map(|&(x, y)| ((y - r * x) / k, x, y)).collect();
        u.sort_by(|p, q| {
            p.0.total_cmp(&q.0)
                .then(p.1.total_cmp(&q.1))
                .then(p.2.total_cmp(&q.2))
        });
        let n = u.len();
        let (mut lo, mut hi) = (0, 0);
        for i in 0..n {
            // Anchored at its left end: [u_i, u_i + width].
            while hi < n && u[hi].0 <= u[i].0 + width {
                hi += 1;
            }
            // Anchored at its right end: [u_i − width, u_i].
            while u[lo].0 < u[i].0 - width {
                lo += 1;
            }
            let mut i_end = i + 1;
            while i_end < n && u[i_end].0 == u[i].0 {
                i_end += 1;
            }
            for w in [&u[i..hi], &u[lo..i_end]] {
                let cand = Window::of(w, r);
                if best.as_ref().is_none_or(|b| cand.better_than(b)) {
                    best = Some(cand);
                }
            }
        }
    }
    let Window {
        votes, r, inside, ..
    } = best?;
    if votes < p.min_votes {
        return None;
    }
    let mut offs: Vec<f64> = inside.iter().map(|&(x, y)| y - r * x).collect();
    offs.sort_by(f64::total_cmp);
    let d = (offs[(offs.len() - 1) / 2] + offs[offs.len() / 2]) / 2.0;
    let dur = |f: &FileFp, t: &[f64]| {
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
    /// (ta, tb) of the matches in the window.
    inside: Vec<(f64, f64)>,
    /// Width of the window's offsets, and their mean's distance from 0.
    width: f64,
    centre: f64,
}

impl Window {
    fn of(w: &[(f64, f64, f64)], r: f64) -> Window {
        let inside: Vec<(f64, f64)> = w.iter().map(|v| (v.1, v.2)).collect();
        let votes = distinct(inside.iter().map(|v| v.0)).min(distinct(inside.iter().map(|v| v.1)));
        let (first, last) = (w[0].0, w[w.len() - 1].0);
        let centre = (w.iter().map(|v| v.0).sum::<f64>() / w.len() as f64).abs();
        Window {
            votes,
            r,
            inside,
            width: last - first,
            centre,
        }
    }

    /// More agreeing frames, then more matches, then tighter, then nearer
    /// offset 0: every criterion reads the same from either file, so ties
    /// resolve the same way whichever file is `a`.
    fn better_than(&self, o: &Window) -> bool {
        (self.votes, self.inside.len())
            .cmp(&(o.votes, o.inside.len()))
            .then(o.width.total_cmp(&self.width))
            .then(o.centre.total_cmp(&self.centre))
            .is_gt()
    }
}

fn distinct(v: impl Iterator<Item = f64>) -> usize {
    let mut v: Vec<f64> = v.collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v.len()
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
