//! The flat frame store of the matcher and its first pass: every usable
//! frame of the library as a hash and a position (12 bytes), sorted in place
//! by each 16-bit chunk in turn, the runs of one chunk value compared within
//! [`Params::max_distance`] with the CPU's population count; and the
//! stop-frames (frames matching too many files, or most of their own).
//!
//! Invariants: a frame's position never changes once added (files in the
//! order added, each file's frames after the previous file's), so a file's
//! frames are one range; a pair of frames sharing several chunks is found in
//! the first only.

use rayon::prelude::*;

use super::{FileFp, Frame, Params};

const CHUNKS: usize = 4;

/// Every file's usable frames, flat: what the matcher reads. A frame is known
/// by its position (files in the order added, each file's frames after the
/// previous file's); 16 bytes a frame, so 20M frames fit in 320 MB.
#[derive(Debug, Clone)]
pub struct FrameStore {
    pub(super) ids: Vec<i64>,
    pub(super) durations: Vec<f64>,
    /// File k's frames are `start[k]..start[k + 1]`.
    start: Vec<u32>,
    /// Hash and position of every frame, in any order (the matcher sorts it).
    pub(super) recs: Vec<Rec>,
    /// Stream time of every frame by position, seconds.
    pub(super) t_s: Vec<f32>,
    min_quality: f32,
}

/// A frame's hash and its position: 12 bytes, not 16.
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
pub(super) struct Rec {
    pub(super) hash: u64,
    pub(super) at: u32,
}

impl FrameStore {
    /// An empty library keeping frames of `min_quality` or more.
    pub fn new(min_quality: f32) -> FrameStore {
        FrameStore {
            ids: Vec::new(),
            durations: Vec::new(),
            start: vec![0],
            recs: Vec::new(),
            t_s: Vec::new(),
            min_quality,
        }
    }

    pub fn of(files: &[FileFp], min_quality: f32) -> FrameStore {
        let mut lib = FrameStore::new(min_quality);
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
    pub(super) fn owner(&self, at: u32) -> u32 {
        (self.start.partition_point(|&s| s <= at) - 1) as u32
    }

    /// Positions of file k's frames.
    pub(super) fn range(&self, k: u32) -> std::ops::Range<usize> {
        self.start[k as usize] as usize..self.start[k as usize + 1] as usize
    }

    /// Times of file k's frames, seconds.
    pub(super) fn times(&self, k: u32) -> Vec<f64> {
        self.t_s[self.range(k)].iter().map(|&t| t as f64).collect()
    }
}

/// Frame matches (i, j), i < j, by position.
pub(super) type Matches = Vec<(u32, u32)>;

/// Every match (i, j), i < j, between frames of different files, sorted, and
/// which frames are stop-frames (matching too many other files, or too much
/// of their own: see [`Params::max_self_share`]).
///
/// For each chunk the frames are sorted by its value in place, so a bucket is
/// one run of memory and no index is built beside them. A pair sharing
/// several chunks is taken in the first one only (the earlier chunks are
/// compared), so no list of matches has to be deduplicated.
pub(super) fn frame_matches(
    recs: &mut [Rec],
    lib: &FrameStore,
    p: &Params,
) -> (Matches, Vec<bool>) {
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
    let stop = stop_frames(&matches, &own, lib, p);
    (matches, stop)
}

/// Which frames are stop-frames: matching frames of more than
/// [`Params::stop_files`] other files (`matches`, sorted), or more than
/// [`Params::max_self_share`] of their own file's frames (`own`).
fn stop_frames(matches: &Matches, own: &Matches, lib: &FrameStore, p: &Params) -> Vec<bool> {
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
    add(matches);
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
    stop
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
