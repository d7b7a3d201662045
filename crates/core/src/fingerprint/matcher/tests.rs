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
    // Each half agrees over half the overlap only: the checks that would
    // refuse that are off, to see the tie.
    let p = Params {
        min_support: 0.0,
        min_spread: 0.0,
        ..Params::default()
    };
    let runs: Vec<String> = (0..40)
        .map(|_| format!("{:?}", find_pairs(&[a.clone(), b.clone()], &p).0))
        .collect();
    assert!(runs[0].contains("votes: 10"), "{}", runs[0]);
    assert!(runs.iter().all(|r| *r == runs[0]), "{runs:#?}");
}

/// Two files with their ids swapped: the same content, so the same pair seen
/// from the other side (which file gets the lower id is the order a scan
/// happened to store them in).
#[test]
fn the_pair_found_does_not_depend_on_which_file_has_the_lower_id() {
    let p = Params {
        min_votes: 1,
        min_support: 0.0,
        min_spread: 0.0,
        ..Params::default()
    };
    let mut checked = 0;
    for seed in 0..200u64 {
        let mut s = seed * 31 + 7;
        // Content that drifts slowly (a bit every half second, as a slow zoom
        // does): frames seconds apart still match, so many alignments
        // compete and bin edges matter.
        let mut h = rng(&mut s);
        let src = Source(
            (0..46)
                .map(|_| {
                    for _ in 0..4 {
                        h ^= 1 << (rng(&mut s) % 64);
                    }
                    h
                })
                .collect(),
        );
        let speed = SPEEDS[(rng(&mut s) % 3) as usize];
        let from = (rng(&mut s) % 9000) as f64 / 1000.0;
        let gop_a = 0.5 + (rng(&mut s) % 1000) as f64 / 1000.0;
        let gop_b = 0.5 + (rng(&mut s) % 1000) as f64 / 1000.0;
        let x = src.copy(1, 0.0, 90.0, 1.0, gop_a, 1);
        let y = src.copy(2, from, 80.0, speed, gop_b, 2);
        let with_ids = |ix: i64, iy: i64| {
            let (mut x, mut y) = (x.clone(), y.clone());
            (x.id, y.id) = (ix, iy);
            let mut v = find_pairs(&[x, y], &p).0;
            v.pop().map(|pr| if pr.a == ix { pr } else { pr.swapped() })
        };
        let (one, two) = (with_ids(1, 2), with_ids(2, 1));
        match (&one, &two) {
            (None, None) => {}
            (Some(o), Some(t)) => {
                checked += 1;
                let close = |u: f64, v: f64| (u - v).abs() < 1e-6;
                assert!(
                    o.relation == t.relation
                        && o.votes == t.votes
                        && close(o.score, t.score)
                        && close(o.offset_s, t.offset_s)
                        && close(o.speed, t.speed),
                    "seed {seed}: {o:?} vs {t:?}"
                );
            }
            _ => panic!("seed {seed}: found in one order only: {one:?} / {two:?}"),
        }
    }
    assert!(checked > 150, "{checked} pairs compared");
}

/// Frames of two real files (20 s each, 320×240): a letterboxed re-encode of a
/// Mandelbrot zoom, and another zoom into the same point at twice the speed.
/// Their pictures agree along a line of slope 2, which no allowed speed fits:
/// a few matches fall in one offset window at 23.976/25 and bunch in a few
/// seconds of the overlap. Not a pair, in either order.
#[test]
fn pictures_alike_at_another_speed_are_not_a_pair_in_either_order() {
    let frames = |v: &[(i64, u64, f32)]| -> Vec<Frame> {
        v.iter()
            .map(|&(t_ms, hash, quality)| Frame {
                t_ms,
                hash,
                quality,
            })
            .collect()
    };
    let letterbox = frames(&[
        (0, 0x6932e44b9e24f4d9, 0.72),
        (1000, 0x2d76c6cb59b44459, 0.81),
        (3000, 0x7946ca9db95684a9, 0.92),
        (4000, 0x294fce9d31d216a9, 0.95),
        (5000, 0xd1ddd6d831825635, 0.97),
        (6000, 0x4ef98e9031a2de35, 0.95),
        (8000, 0x979131be61662e65, 0.93),
        (9000, 0x1b96373661667c61, 0.94),
        (10000, 0x3fe624660566fc61, 0.96),
        (11000, 0x3ce606668d6fdc41, 0.98),
        (13000, 0x8fe62765096fe841, 0.96),
        (14000, 0xffa5a171387d4049, 0.88),
        (15000, 0xbd296179786d40d9, 0.77),
        (16000, 0x393b6171784c4ed9, 0.71),
        (18000, 0x3f0fc6c4680ccecb, 0.66),
        (19000, 0x6e4e06cc685ccecb, 0.66),
    ]);
    let faster = frames(&[
        (0, 0x7946ca0db9d6a4a9, 0.91),
        (1000, 0xd15dd69831c2563d, 0.98),
        (3000, 0x1397333661667c65, 0.94),
        (4000, 0x3ce604668d6ffc41, 0.98),
        (5000, 0x8fe68765096fe841, 0.96),
        (6000, 0xfd296179786d40c9, 0.80),
        (8000, 0x7e0f06c4685ccecb, 0.66),
        (9000, 0xcecf1f0160784ecb, 0.68),
        (10000, 0xc6c5f97140607ccf, 0.70),
        (11000, 0x31c631e1ee0c6ccf, 0.75),
        (13000, 0x6a677617c0bc216d, 0.88),
        (14000, 0x5b5492591b58f32d, 0.93),
        (15000, 0xa62e9639a5a4c3a7, 0.97),
        (17000, 0xa32d6954569e0b5e, 0.94),
        (18000, 0xa4ec2a5a5ad09f6a, 0.75),
        (19000, 0x9a607b3a0a835be7, 0.46),
    ]);
    let file = |id, duration_s, frames: &Vec<Frame>| FileFp {
        id,
        duration_s,
        frames: frames.clone(),
    };
    for (x, y) in [(1, 2), (2, 1)] {
        let files = [file(x, 20.0, &letterbox), file(y, 20.2, &faster)];
        let (pairs, stats) = find_pairs(&files, &Params::default());
        assert_eq!(stats.candidate_pairs, 1, "the frames do match");
        assert!(pairs.is_empty(), "ids {x}, {y}: {pairs:?}");
    }
}

/// Two unrelated files that show one picture at most of their moments (a
/// logo over flat content) match frame for frame at every offset; their
/// frames say nothing about when they are, so no pair comes of them. A file
/// that shows it once, beside its own moving content, still pairs with its
/// copy.
#[test]
fn a_picture_a_file_shows_at_most_of_its_moments_pairs_nothing() {
    let logo = 0x5a5a_0f0f_3c3c_a5a5_u64;
    let still = |id: i64, seed: u64| {
        let mut s = seed;
        let frames = (0..60)
            .map(|k| {
                let mut h = logo;
                h ^= 1 << (rng(&mut s) % 64);
                Frame {
                    t_ms: k * 1000,
                    hash: h,
                    quality: 0.5,
                }
            })
            .collect();
        FileFp {
            id,
            duration_s: 60.0,
            frames,
        }
    };
    let files = vec![still(1, 3), still(2, 5)];
    let mut p = Params::default();
    assert!(find_pairs(&files, &p).0.is_empty());
    p.max_self_share = f64::INFINITY;
    assert_eq!(
        find_pairs(&files, &p).0.len(),
        1,
        "the rule is what keeps them apart"
    );

    let src = Source::new(9, 60);
    let mut a = src.copy(3, 0.0, 60.0, 1.0, 1.0, 0);
    a.frames[10].hash = logo;
    let b = src.copy(4, 0.0, 60.0, 1.0, 1.3, 2);
    let (pairs, stats) = find_pairs(&[a, b], &Params::default());
    assert_eq!(pairs.len(), 1, "{stats:?}");
}

/// Frames 9 bits from their original share one of the four chunks exactly
/// only about one time in five: the index finds a few of them, and the
/// comparison of every frame of the pair then counts all the others. A copy
/// shows the same picture at the same moments for a good share of them
/// (here every other moment is 2 bits off): one whose every frame is 9 bits
/// away is a look-alike (see the next test).
#[test]
fn a_copy_whose_frames_are_mostly_nine_bits_off_is_counted_frame_for_frame() {
    let src = Source::new(11, 120);
    let mut copy = src.copy(2, 0.0, 120.0, 1.0, 2.0, 9);
    let exact = src.copy(2, 0.0, 120.0, 1.0, 2.0, 2);
    for (k, f) in copy.frames.iter_mut().enumerate() {
        if k % 2 == 0 {
            f.hash = exact.frames[k].hash;
        }
    }
    let files = vec![src.copy(1, 0.0, 120.0, 1.0, 2.0, 0), copy];
    let frames = files[0].frames.len();
    let pr = find(&files, 1, 2).expect("the copy is found");
    assert_eq!(pr.relation, Relation::Duplicate);
    assert!(
        pr.votes >= frames * 9 / 10,
        "{} of {frames} frames agree",
        pr.votes
    );
}

/// Two videos that look alike at every moment (one person signing two words
/// in one room: each frame within the distance of most frames of the other)
/// pair by the vote at some offset, but their frames at the same moments are
/// seldom the same picture: no pair. A real copy of either, 2 bits off, is.
#[test]
fn look_alikes_are_not_copies_unless_their_moments_agree() {
    let room = 0x0f0f_3c3c_a5a5_5a5a_u64;
    let mut s = 77u64;
    let mut clip = |id: i64| {
        let frames: Vec<Frame> = (0..40)
            .map(|k| {
                let mut h = room;
                for _ in 0..4 {
                    h ^= 1 << (rng(&mut s) % 64);
                }
                Frame {
                    t_ms: k * 250,
                    hash: h,
                    quality: 0.5,
                }
            })
            .collect();
        FileFp {
            id,
            duration_s: 10.0,
            frames,
        }
    };
    let (a, b) = (clip(1), clip(2));
    let mut p = Params {
        max_self_share: f64::INFINITY,
        ..Params::default()
    };
    let look_alikes = [a.clone(), b.clone()];
    assert!(find_pairs(&look_alikes, &p).0.is_empty());
    let mut copy = a.clone();
    copy.id = 3;
    for (k, f) in copy.frames.iter_mut().enumerate() {
        f.hash ^= 1 << (k % 64);
        f.hash ^= 1 << ((k * 7 + 3) % 64);
    }
    let pairs = find_pairs(&[a, b, copy], &p).0;
    let ab: Vec<(i64, i64)> = pairs.iter().map(|x| (x.a, x.b)).collect();
    assert_eq!(ab, [(1, 3)], "{pairs:?}");
    p.close_bits = 64;
    let pairs = find_pairs(&look_alikes, &p).0;
    assert_eq!(pairs.len(), 1, "without the rule the vote pairs them");
}
