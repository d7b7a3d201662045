//! Matcher tests on synthetic content: a "source" is a sequence of scenes, each
//! a random hash held for two seconds; a copy samples it at its own keyframes.

use super::*;

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

struct Source(Vec<u64>);

impl Source {
    fn new(seed: u64, seconds: usize) -> Source {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        Source((0..seconds / 2 + 1).map(|_| rng(&mut s)).collect())
    }
    /// A copy showing source time [from, to) from its own time 0, played at
    /// `speed`, keyframes every `gop` seconds, `flips` bits of noise per frame.
    fn copy(&self, id: i64, from: f64, to: f64, speed: f64, gop: f64, flips: u32) -> FileFp {
        let mut s = id as u64 * 7919 + 1;
        let dur = (to - from) / speed;
        let frames = (0..(dur / gop) as usize)
            .map(|k| {
                let t = k as f64 * gop + 0.1;
                let mut h = self.0[((from + t * speed) / 2.0) as usize];
                for _ in 0..flips {
                    h ^= 1 << (rng(&mut s) % 64);
                }
                Frame {
                    t_ms: (t * 1000.0) as i64,
                    hash: h,
                    quality: 0.8,
                }
            })
            .collect();
        FileFp {
            id,
            duration_s: dur,
            frames,
        }
    }
}

fn find(files: &[FileFp], a: i64, b: i64) -> Option<Pair> {
    find_pairs(files, &Params::default())
        .0
        .into_iter()
        .find(|p| (p.a, p.b) == (a, b))
}

#[test]
fn reencode_trim_clip_and_speed_change_are_found_and_classified() {
    let src = Source::new(1, 120);
    let files = vec![
        src.copy(1, 0.0, 120.0, 1.0, 1.0, 0),
        src.copy(2, 0.0, 120.0, 1.0, 1.3, 3), // another encode: other keyframes, noise
        src.copy(3, 7.0, 120.0, 1.0, 1.0, 2), // first 7 s cut
        src.copy(4, 30.0, 70.0, 1.0, 0.9, 2), // a clip
        src.copy(5, 0.0, 120.0, 25.0 / 23.976, 1.0, 1),
        Source::new(2, 120).copy(6, 0.0, 120.0, 1.0, 1.0, 0),
    ];
    let dup = find(&files, 1, 2).expect("re-encode");
    assert_eq!(dup.relation, Relation::Duplicate);
    assert!(dup.offset_s.abs() < 1.0);
    let trim = find(&files, 1, 3).expect("trim");
    assert!((trim.offset_s + 7.0).abs() < 1.0, "{trim:?}");
    assert_eq!(
        trim.relation,
        Relation::Duplicate,
        "7 s of 120 is a trim, still the same film"
    );
    let clip = find(&files, 1, 4).expect("clip");
    assert_eq!(clip.relation, Relation::Contains);
    assert!((clip.offset_s + 30.0).abs() < 1.5, "{clip:?}");
    let fast = find(&files, 1, 5).expect("speed change");
    assert!((fast.speed - 23.976 / 25.0).abs() < 1e-9, "{fast:?}");
    assert!(
        find_pairs(&files, &Params::default())
            .0
            .iter()
            .all(|p| p.b != 6 && p.a != 6)
    );
    let g = groups(&find_pairs(&files, &Params::default()).0);
    assert!((1..=5).all(|i| g[&i] == 1));
}

#[test]
fn contained_in_is_seen_from_the_clip() {
    let src = Source::new(3, 100);
    let files = vec![
        src.copy(1, 20.0, 60.0, 1.0, 1.0, 0),
        src.copy(2, 0.0, 100.0, 1.0, 1.0, 0),
    ];
    let p = find(&files, 1, 2).unwrap();
    assert_eq!(p.relation, Relation::ContainedIn);
    assert!((p.offset_s - 20.0).abs() < 1.0);
}

#[test]
fn non_overlapping_parts_of_one_source_are_not_related() {
    let src = Source::new(4, 200);
    let files = vec![
        src.copy(1, 0.0, 90.0, 1.0, 1.0, 0),
        src.copy(2, 100.0, 190.0, 1.0, 1.0, 0),
    ];
    assert!(find_pairs(&files, &Params::default()).0.is_empty());
}

#[test]
fn frames_shared_by_many_files_are_stop_frames() {
    // 30 unrelated episodes opening with the same 10 s intro.
    let intro = Source::new(99, 10);
    let files: Vec<FileFp> = (1..=30)
        .map(|i| {
            let mut f = Source::new(100 + i as u64, 60).copy(i, 0.0, 60.0, 1.0, 1.0, 0);
            for (k, fr) in f.frames.iter_mut().take(10).enumerate() {
                fr.hash = intro.0[k / 2];
            }
            f
        })
        .collect();
    let (pairs, stats) = find_pairs(&files, &Params::default());
    assert!(pairs.is_empty(), "{pairs:?}");
    assert_eq!(stats.stop_frames, 300);
}

/// The pairs found between two copies of one source, every frame at `quality`.
fn pairs_at_quality(seed: u64, quality: f32) -> Vec<Pair> {
    let src = Source::new(seed, 60);
    let mut files = [
        src.copy(1, 0.0, 60.0, 1.0, 1.0, 0),
        src.copy(2, 0.0, 60.0, 1.0, 1.0, 2),
    ];
    for f in files.iter_mut().flat_map(|f| f.frames.iter_mut()) {
        f.quality = quality;
    }
    find_pairs(&files, &Params::default()).0
}

#[test]
fn low_quality_frames_are_not_matched() {
    assert!(pairs_at_quality(5, 0.05).is_empty());
}

#[test]
fn low_contrast_textured_frames_are_matched() {
    // Blurred low-detail content shrunk to a thumbnail scores ~0.1.
    let pairs = pairs_at_quality(6, 0.1);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0].relation, Relation::Duplicate);
}

/// Two alignments with as many votes each (the first half of b at offset 0,
/// the second at +6 s): the pair found is the same on every run, whatever
/// order a hash map would visit the offset bins in.
#[test]
fn tied_alignments_resolve_the_same_way_every_time() {
    let mut s = 42u64;
    let hashes: Vec<u64> = (0..20).map(|_| rng(&mut s)).collect();
    let frame = |t: f64, hash: u64| Frame {
        t_ms: (t * 1000.0) as i64,
        hash,
        quality: 0.8,
    };
    let a = FileFp {
        id: 1,
        duration_s: 40.0,
        frames: (0..20).map(|k| frame(2.0 * k as f64, hashes[k])).collect(),
    };
    let b = FileFp {
        id: 2,
        duration_s: 46.0,
        frames: (0..20)
            .map(|k| {
                let shift = if k < 10 { 0.0 } else { 6.0 };
                frame(2.0 * k as f64 + shift, hashes[k])
            })
            .collect(),
    };
    let p = Params {
        min_support: 0.0,
        ..Params::default()
    };
    let runs: Vec<String> = (0..40)
        .map(|_| format!("{:?}", find_pairs(&[a.clone(), b.clone()], &p).0))
        .collect();
    assert!(runs[0].contains("votes: 10"), "{}", runs[0]);
    assert!(runs.iter().all(|r| *r == runs[0]), "{runs:#?}");
}
