//! The second look at a candidate pair of files: every frame of one
//! compared with every frame of the other (each keeping its nearest
//! matches), the offset vote over sliding windows at each speed, the checks
//! of support and spread, the moment-by-moment check, and the relation.
//!
//! Invariants: symmetric (the same pair, seen from the other side, whichever
//! file is `a`); the same speed wins ties with another speed; every window
//! is counted in constant time as it slides, so a pair costs a sort of its
//! matches, not their square.

use super::store::{FrameStore, Rec};
use super::{Pair, Params, Relation, SPEEDS};

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
pub(super) fn cross_matches(
    lib: &FrameStore,
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
pub(super) fn alike_in_step(
    lib: &FrameStore,
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

/// A file as the alignment sees it.
#[derive(Clone, Copy)]
pub(super) struct Side {
    pub(super) id: i64,
    pub(super) duration_s: f64,
}

/// Vote for the alignment of `b` against `a` and classify it.
///
/// Symmetric: `align(b, a)` is `align(a, b)` seen from the other side, so the
/// pair found never depends on which file a scan stored first. Offsets are
/// compared as `u = (tb − r·ta) / √r`, which only changes sign when the files
/// swap (r becomes 1/r), and every window of that width is tried, anchored at
/// either end, so no bin edge falls differently in the two orders.
pub(super) fn align(
    a: Side,
    b: Side,
    ta: &[f64],
    tb: &[f64],
    m: &[(f64, f64)],
    p: &Params,
) -> Option<Pair> {
    let best = vote(m, p)?;
    if best.votes < p.min_votes {
        return None;
    }
    check(a, b, ta, tb, best, p)
}

/// The best window of agreeing matches, at any speed.
fn vote(m: &[(f64, f64)], p: &Params) -> Option<Window> {
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
    for (&r, best) in SPEEDS.iter().zip(&mut bests) {
        *best = best_at(r, m, (&xa, &xb), width);
    }
    // A change of speed needs more agreeing frames than the same speed has:
    // frames taken four times a second agree for a few seconds at a speed
    // 4% off as well.
    let [same, others @ ..] = bests;
    let other = others
        .into_iter()
        .flatten()
        .reduce(|x, y| if y.better_than(&x) { y } else { x });
    match (same, other) {
        (Some(s), Some(o)) if o.votes <= s.votes => Some(s),
        (s, o) => o.or(s),
    }
}

/// The best window of the matches `m` at speed `r`, `width` wide; `xa`, `xb`
/// the files' matched times in order.
fn best_at(r: f64, m: &[(f64, f64)], (xa, xb): (&[f64], &[f64]), width: f64) -> Option<Window> {
    let at = |v: &[f64], t: f64| v.partition_point(|&x| x < t) as u32;
    let mut best: Option<Window> = None;
    let k = r.sqrt();
    let mut u: Vec<Match> = m
        .iter()
        .map(|&(x, y)| Match {
            u: (y - r * x) / k,
            x,
            y,
            ix: at(xa, x),
            iy: at(xb, y),
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
                best = Some(Window {
                    inside: u[s..e].iter().map(|v| (v.x, v.y)).collect(),
                    ..cand
                });
            }
        }
        left.remove(&u[i]);
    }
    best
}

/// The checks of the winning window (support, spread) and the relation of
/// the two files under it.
fn check(a: Side, b: Side, ta: &[f64], tb: &[f64], best: Window, p: &Params) -> Option<Pair> {
    let Window {
        votes, r, inside, ..
    } = best;
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
    pub(super) fn swapped(self) -> Pair {
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
