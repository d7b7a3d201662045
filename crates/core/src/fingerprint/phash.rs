//! The perceptual hash of one frame: a 64-bit DCT hash (pHash) of a gray
//! thumbnail, after cropping black borders, with a quality value.
//!
//! [`thumbnail`] makes the [`THUMB`]×[`THUMB`] gray thumbnail from a decoded
//! frame's luma plane by area averaging (every source pixel counts once, so a
//! 1080p frame costs one add per pixel and no aliasing).
//!
//! Steps: crop rows and columns at the edges that are black from end to end,
//! as many at both edges (letterbox, pillarbox), resample what is left to
//! 32×32 by area averaging, weight it by a window around its mean (a
//! logo in a corner or a 5% crop then moves few bits), take the 2-D DCT, and
//! set one bit per coefficient of the 8×8 lowest frequencies (DC left out)
//! that is above their median. Cropping first is what makes a letterboxed
//! TV capture hash like the original. Quality is the contrast of the cropped
//! picture: black, flat and mid-fade frames score near 0 and are not matched.

use std::sync::OnceLock;

use super::THUMB;

/// Pixel values at or under this count as black border.
const BLACK: f64 = 24.0;
const N: usize = 32;

/// Hash a `w`×`h` 8-bit gray image (rows of `stride` bytes).
/// Returns (hash, quality in 0..=1).
pub fn phash(pixels: &[u8], w: usize, h: usize, stride: usize) -> (u64, f32) {
    let px = |x: usize, y: usize| pixels[y * stride + x] as f64;
    // A border is rows (columns) black from end to end, as many at both
    // edges: dark content at one edge only (a night sky, a black corner of a
    // fractal) is the picture, and is not cut where a logo or a caption
    // would stop the cut short.
    let bars = |n: usize, dark: &dyn Fn(usize) -> bool| {
        let top = (0..n).take_while(|&i| dark(i)).count();
        let bottom = (0..n).rev().take_while(|&i| dark(i)).count();
        top.min(bottom)
    };
    let ty = bars(h, &|y| (0..w).all(|x| px(x, y) <= BLACK));
    let (y0, y1) = (ty, h.saturating_sub(ty));
    if y1 <= y0 || y1 - y0 < h / 8 + 1 {
        return (0, 0.0);
    }
    let tx = bars(w, &|x| (y0..y1).all(|y| px(x, y) <= BLACK));
    let (x0, x1) = (tx, w.saturating_sub(tx));
    if x1 <= x0 || x1 - x0 < w / 8 + 1 {
        return (0, 0.0);
    }
    let small = resample(&px, x0, x1, y0, y1);
    let mean = small.iter().sum::<f64>() / small.len() as f64;
    let var = small.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / small.len() as f64;
    // A standard deviation of 40 gray levels is a well-contrasted picture.
    let quality = (var.sqrt() / 40.0).min(1.0) as f32;
    // A window over the picture: the edges and corners, where logos,
    // captions and crops change a frame, weigh least in the hash.
    let w = window();
    let tapered: Vec<f64> = small
        .iter()
        .enumerate()
        .map(|(i, v)| (v - mean) * w[i / N] * w[i % N])
        .collect();
    let c = dct_low(&tapered);
    let mut sorted = c;
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[31] + sorted[32]) / 2.0;
    let hash = c
        .iter()
        .enumerate()
        .fold(0u64, |h, (i, v)| if *v > median { h | 1 << i } else { h });
    (hash, quality)
}

/// An `n`×`n` thumbnail as it is shown: the stream's orientation tag
/// (`rotate-90`: turned 90° clockwise to be shown; `flip-rotate-90`: mirrored
/// left to right, then turned) applied, so that a copy whose encoder turned
/// the pictures matches the original that only says to.
pub fn orient(thumb: &[u8], n: usize, orientation: &str) -> Vec<u8> {
    let (flip, turn) = match orientation.strip_prefix("flip-") {
        Some(rest) => (true, rest),
        None => (false, orientation),
    };
    let turns = match turn {
        "rotate-90" => 1,
        "rotate-180" => 2,
        "rotate-270" => 3,
        _ => 0,
    };
    let mut out: Vec<u8> = if flip {
        thumb
            .chunks(n)
            .flat_map(|row| row.iter().rev().copied())
            .collect()
    } else {
        thumb.to_vec()
    };
    for _ in 0..turns {
        // Clockwise: the pixel at row r, column c goes to row c, column n-1-r.
        let src = out.clone();
        for y in 0..n {
            for x in 0..n {
                out[y * n + x] = src[(n - 1 - x) * n + y];
            }
        }
    }
    out
}

/// Area-average a `w`×`h` 8-bit gray plane (rows of `stride` bytes) to a
/// [`THUMB`]×[`THUMB`] thumbnail, row-major. A side shorter than [`THUMB`] is
/// stretched (each output cell reads at least one pixel).
pub fn thumbnail(pixels: &[u8], w: usize, h: usize, stride: usize) -> Vec<u8> {
    let cells = |n: usize| -> Vec<(usize, usize)> {
        (0..THUMB)
            .map(|i| {
                let lo = (i * n / THUMB).min(n - 1);
                (lo, ((i + 1) * n / THUMB).clamp(lo + 1, n))
            })
            .collect()
    };
    let (xs, ys) = (cells(w), cells(h));
    let mut col = vec![0u32; w];
    let mut out = vec![0u8; THUMB * THUMB];
    for (oy, &(y0, y1)) in ys.iter().enumerate() {
        col.fill(0);
        for y in y0..y1 {
            let row = &pixels[y * stride..y * stride + w];
            for (c, &v) in col.iter_mut().zip(row) {
                *c += v as u32;
            }
        }
        for (ox, &(x0, x1)) in xs.iter().enumerate() {
            let n = ((x1 - x0) * (y1 - y0)) as u32;
            let sum: u32 = col[x0..x1].iter().sum();
            out[oy * THUMB + ox] = ((sum + n / 2) / n) as u8;
        }
    }
    out
}

/// Area-average the crop box [x0, x1) × [y0, y1) down (or up) to N×N.
fn resample(
    px: &dyn Fn(usize, usize) -> f64,
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
) -> Vec<f64> {
    let (cw, ch) = ((x1 - x0) as f64, (y1 - y0) as f64);
    let mut out = vec![0.0; N * N];
    for oy in 0..N {
        let sy0 = y0 + (oy as f64 * ch / N as f64) as usize;
        let sy1 = (y0 + ((oy + 1) as f64 * ch / N as f64).ceil() as usize).clamp(sy0 + 1, y1);
        for ox in 0..N {
            let sx0 = x0 + (ox as f64 * cw / N as f64) as usize;
            let sx1 = (x0 + ((ox + 1) as f64 * cw / N as f64).ceil() as usize).clamp(sx0 + 1, x1);
            let mut sum = 0.0;
            for y in sy0..sy1 {
                for x in sx0..sx1 {
                    sum += px(x, y);
                }
            }
            out[oy * N + ox] = sum / ((sy1 - sy0) * (sx1 - sx0)) as f64;
        }
    }
    out
}

/// Share of each side over which the window rises from 0 to 1.
const TAPER: f64 = 0.3;

/// A Tukey window: 1 in the middle, falling as a half cosine to near 0 over
/// the outer [`TAPER`] of each side.
fn window() -> &'static [f64; N] {
    static W: OnceLock<[f64; N]> = OnceLock::new();
    W.get_or_init(|| {
        let mut w = [0.0; N];
        for (x, v) in w.iter_mut().enumerate() {
            let edge = (x as f64 + 0.5).min(N as f64 - x as f64 - 0.5);
            let r = (edge / (N as f64 * TAPER)).min(1.0);
            *v = 0.5 - 0.5 * (std::f64::consts::PI * r).cos();
        }
        w
    })
}

/// cos((2x+1)uπ / 2N) for u < 9, x < N.
fn cos_table() -> &'static [[f64; N]; 9] {
    static T: OnceLock<[[f64; N]; 9]> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = [[0.0; N]; 9];
        for (u, row) in t.iter_mut().enumerate() {
            for (x, v) in row.iter_mut().enumerate() {
                *v = ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / (2 * N) as f64).cos();
            }
        }
        t
    })
}

/// The DCT coefficients (u, v) in 1..=8 × 1..=8 of an N×N image.
fn dct_low(img: &[f64]) -> [f64; 64] {
    let t = cos_table();
    // Rows first: for every image row y, the coefficients u = 1..=8.
    let mut rows = [[0.0; 8]; N];
    for y in 0..N {
        for u in 0..8 {
            rows[y][u] = (0..N).map(|x| img[y * N + x] * t[u + 1][x]).sum();
        }
    }
    let mut out = [0.0; 64];
    for v in 0..8 {
        for u in 0..8 {
            out[v * 8 + u] = (0..N).map(|y| rows[y][u] * t[v + 1][y]).sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_turns_and_mirrors_the_thumbnail() {
        // 2x2: a b / c d.
        let t = [1u8, 2, 3, 4];
        assert_eq!(orient(&t, 2, "rotate-0"), [1, 2, 3, 4]);
        assert_eq!(orient(&t, 2, "rotate-90"), [3, 1, 4, 2]);
        assert_eq!(orient(&t, 2, "rotate-180"), [4, 3, 2, 1]);
        assert_eq!(orient(&t, 2, "rotate-270"), [2, 4, 1, 3]);
        assert_eq!(orient(&t, 2, "flip-rotate-0"), [2, 1, 4, 3]);
        assert_eq!(orient(&t, 2, "flip-rotate-90"), [4, 2, 3, 1]);
        assert_eq!(orient(&t, 2, "unknown"), [1, 2, 3, 4]);
    }

    fn scene(w: usize, h: usize, seed: u32) -> Vec<u8> {
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f64 / w as f64, (i / w) as f64 / h as f64);
                let s = seed as f64;
                (128.0
                    + 60.0 * (x * 6.0 * (1.0 + s) + y * 3.0).sin()
                    + 50.0 * (y * (4.0 + s) - x).cos()) as u8
            })
            .collect()
    }

    #[test]
    fn thumbnails_average_areas_and_stretch_small_frames() {
        // 1080p: left half black, right half white, with row padding.
        let (w, h, stride) = (1920, 1080, 1984);
        let mut big = vec![7u8; stride * h];
        for y in 0..h {
            big[y * stride..y * stride + w / 2].fill(0);
            big[y * stride + w / 2..y * stride + w].fill(255);
        }
        let t = thumbnail(&big, w, h, stride);
        assert_eq!(t.len(), THUMB * THUMB);
        assert!(
            t.chunks(THUMB)
                .all(|r| r[..THUMB / 2].iter().all(|&v| v == 0))
        );
        assert!(
            t.chunks(THUMB)
                .all(|r| r[THUMB / 2..].iter().all(|&v| v == 255))
        );
        // A 2×2 frame: every cell reads one pixel.
        let t = thumbnail(&[10, 20, 30, 40], 2, 2, 2);
        assert_eq!((t[0], t[THUMB - 1], t[THUMB * THUMB - 1]), (10, 20, 40));
        // Smooth content hashes alike at any source size.
        let a = scene(1280, 720, 1);
        let b = scene(320, 180, 1);
        let ha = phash(&thumbnail(&a, 1280, 720, 1280), THUMB, THUMB, THUMB).0;
        let hb = phash(&thumbnail(&b, 320, 180, 320), THUMB, THUMB, THUMB).0;
        assert!((ha ^ hb).count_ones() <= 4, "{}", (ha ^ hb).count_ones());
    }

    #[test]
    fn black_and_flat_frames_have_no_quality() {
        assert_eq!(phash(&[0; 64 * 64], 64, 64, 64).1, 0.0);
        assert!(phash(&[128; 64 * 64], 64, 64, 64).1 < 0.05);
    }

    #[test]
    fn letterbox_and_noise_keep_the_hash_close() {
        let a = scene(64, 64, 1);
        let (ha, qa) = phash(&a, 64, 64, 64);
        assert!(qa > 0.5);
        // The same picture squeezed into rows 8..56 of a black frame.
        let mut boxed = vec![0u8; 64 * 64];
        let inner = scene(64, 48, 1);
        boxed[8 * 64..56 * 64].copy_from_slice(&inner);
        let (hb, _) = phash(&boxed, 64, 64, 64);
        assert!(
            (ha ^ hb).count_ones() <= 8,
            "letterbox distance {}",
            (ha ^ hb).count_ones()
        );
        let noisy: Vec<u8> = a
            .iter()
            .enumerate()
            .map(|(i, v)| v.saturating_add((i * 7 % 11) as u8))
            .collect();
        assert!((ha ^ phash(&noisy, 64, 64, 64).0).count_ones() <= 6);
        let other = phash(&scene(64, 64, 3), 64, 64, 64).0;
        assert!((ha ^ other).count_ones() > 16);
    }

    /// A night sky is not a letterbox: black at one edge only stays in the
    /// picture, so a logo drawn there does not change where the crop falls,
    /// and in a corner it weighs little.
    #[test]
    fn dark_content_at_one_edge_is_kept_and_a_corner_logo_moves_few_bits() {
        let mut a = scene(64, 64, 2);
        a[..16 * 64].fill(10);
        let mut logo = a.clone();
        for y in 3..9 {
            logo[y * 64 + 48..y * 64 + 60].fill(235);
        }
        let (ha, _) = phash(&a, 64, 64, 64);
        let (hl, _) = phash(&logo, 64, 64, 64);
        let d = (ha ^ hl).count_ones();
        assert!(d <= 6, "logo distance {d}");
        // Bars at both edges are still cut: the same picture letterboxed.
        let mut boxed = vec![0u8; 64 * 80];
        boxed[8 * 64..72 * 64].copy_from_slice(&a);
        let d = (ha ^ phash(&boxed, 64, 80, 64).0).count_ones();
        assert!(d <= 6, "letterbox distance {d}");
    }
}
