//! The frame rate ffprobe reports (`r_frame_rate`) for a stream whose
//! container states no single frame duration: FFmpeg reads the first frames'
//! decoding timestamps and takes the rate that explains them, by two rules
//! in turn (libavformat's `ff_rfps_add_frame` and `ff_rfps_calculate`):
//!
//! 1. The greatest common divisor of the frame durations (the first four
//!    left out, as jitter), when it is coarser than 1/500 s: 90,000 ticks a
//!    second and durations of 3,003 and 6,006 give 29.97.
//! 2. Else the standard rate (1/12 fps steps to 30, whole rates to 60, 80,
//!    120, 240, and the NTSC rates) on whose grid the timestamps fall with
//!    the least variance, if that is under 0.01 of a frame squared.
//!
//! It reads frames until 20 durations are seen (40 for a time base coarser
//! than 1/2000 s) or 5 s of them. Neither rule may apply (frames in bursts,
//! as a phone's slow-motion track stores them): then there is no rate here
//! and the codec's own timing decides.

/// The most frames an estimate reads: 5 s at 240 fps.
pub(super) const MAX_FRAMES: usize = 1200;

/// How many durations FFmpeg reads: more for a coarse time base.
pub(super) fn frames_read(timescale: u32) -> usize {
    if timescale < 2000 { 40 } else { 20 }
}

/// The i-th standard rate, in 1/(12 × 1001) fps.
fn std_rate(i: usize) -> i64 {
    const HIGH: [i64; 3] = [80, 120, 240];
    const NTSC: [i64; 6] = [24, 30, 60, 12, 15, 48];
    match i {
        0..360 => (i as i64 + 1) * 1001,
        360..390 => (i as i64 - 360 + 31) * 1001 * 12,
        390..393 => HIGH[i - 390] * 1001 * 12,
        _ => NTSC[i - 393] * 1000 * 12,
    }
}

const RATES: usize = 399;

/// Running sums of the distance of the timestamps from each rate's grid,
/// on the grid and half a frame off it.
struct Errors {
    sum: [[f64; RATES]; 2],
    squares: [[f64; RATES]; 2],
}

impl Errors {
    fn add(&mut self, seconds: f64) {
        for i in 0..RATES {
            if self.squares[0][i] >= 1e10 {
                continue;
            }
            let scaled = seconds * std_rate(i) as f64 / (1001.0 * 12.0);
            for j in 0..2 {
                let half = j as f64 * 0.5;
                let error = scaled - (scaled + half).round_ties_even() + half;
                self.sum[j][i] += error;
                self.squares[j][i] += error * error;
            }
        }
    }

    fn variance(&self, j: usize, i: usize, n: f64) -> f64 {
        let mean = self.sum[j][i] / n;
        self.squares[j][i] / n - mean * mean
    }

    /// Every ten durations, rates far off on both grids are dropped.
    fn prune(&mut self, n: f64) {
        for i in 0..RATES {
            if self.squares[0][i] < 1e10
                && self.variance(0, i, n) > 0.04
                && self.variance(1, i, n) > 0.04
            {
                self.squares[0][i] = 2e10;
                self.squares[1][i] = 2e10;
            }
        }
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

pub(super) fn reduced(n: i64, d: i64) -> Option<(u32, u32)> {
    let g = gcd(n, d);
    (g > 0).then_some(())?;
    Some((u32::try_from(n / g).ok()?, u32::try_from(d / g).ok()?))
}

/// `r_frame_rate` from the first frames' decoding timestamps and durations
/// (in `timescale` ticks, decoding order), as FFmpeg estimates it; `None`
/// where neither rule finds one. A duration of 0 is unknown (Matroska
/// blocks without one). `limit`: the durations read, FFmpeg's 20 (or 40)
/// unless another stream keeps it reading (then up to 5 s).
pub(super) fn r_frame_rate(
    frames: &[(i64, i64)],
    timescale: u32,
    limit: Option<usize>,
) -> Option<(u32, u32)> {
    estimate(frames, timescale, limit, true)
}

/// The frames FFmpeg's MP4 demuxer gives the estimate as it builds a
/// track's index, before any packet is read: the first 99 samples'.
const INDEXED: usize = 99;

/// `r_frame_rate` as FFmpeg's MP4 demuxer sets it from its index (the
/// first 99 samples' timestamps, from 0 and before any edit list, none of
/// them read yet): packets read later change a rate found here no more.
pub(super) fn index_rate(frames: &[(i64, i64)], timescale: u32) -> Option<(u32, u32)> {
    estimate(&frames[..frames.len().min(INDEXED)], timescale, None, false)
}

/// The estimate from `frames`; `read`: whether they are packets read
/// (their durations are analysed time, at most 5 s of them) or index
/// entries (none analysed).
fn estimate(
    frames: &[(i64, i64)],
    timescale: u32,
    limit: Option<usize>,
    read: bool,
) -> Option<(u32, u32)> {
    if timescale == 0 {
        return None;
    }
    let tb = 1.0 / f64::from(timescale);
    let mut errors = Box::new(Errors {
        sum: [[0.0; RATES]; 2],
        squares: [[0.0; RATES]; 2],
    });
    let (mut count, mut sum, mut common, mut analysed) = (0i64, 0i64, 0i64, 0i64);
    let mut last: Option<i64> = None;
    for (index, &(dts, duration)) in frames.iter().enumerate() {
        if count as usize >= limit.unwrap_or(usize::MAX) {
            break;
        }
        if read && index > 1 {
            if analysed as f64 * tb >= 5.0 {
                break;
            }
            analysed += duration.max(0);
        }
        if let Some(l) = last
            && dts > l
        {
            errors.add(dts as f64 * tb);
            count += 1;
            sum += dts - l;
            if count % 10 == 0 {
                errors.prune(count as f64);
            }
            if count > 3 {
                common = gcd(common, dts - l);
            }
        }
        last = Some(dts);
    }
    if count > 15 && common > (i64::from(timescale) / 500).max(1) {
        return reduced(i64::from(timescale), common);
    }
    if count < 2 {
        return None;
    }
    let n = count as f64;
    let mean = tb * sum as f64 / n;
    let (mut best, mut num) = (0.01, 0i64);
    for j in 0..RATES {
        let rate = std_rate(j) as f64;
        if analysed > 0 && analysed as f64 * tb < 1001.0 * 11.5 / rate {
            continue;
        }
        if analysed == 0 && std_rate(j) < 1001 * 12 {
            continue;
        }
        if mean < 1001.0 * 12.0 * 0.8 / rate {
            continue;
        }
        for k in 0..2 {
            let error = errors.variance(k, j, n);
            if error < best && best > 1e-9 {
                best = error;
                num = std_rate(j);
            }
        }
    }
    (num > 0 && (num as f64 / (12.0 * 1001.0)) < 1.01 * f64::from(timescale))
        .then(|| reduced(num, 12 * 1001))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steady(delta: i64, n: usize) -> Vec<(i64, i64)> {
        (0..n as i64).map(|i| (i * delta, delta)).collect()
    }

    #[test]
    fn the_common_divisor_of_durations_gives_the_rate() {
        assert_eq!(
            r_frame_rate(&steady(3003, 30), 90_000, Some(20)),
            Some((30000, 1001))
        );
        // Alternating 33 and 34 ms (30 fps in a millisecond time base):
        // the divisor is 1 ms, too fine; the grid of 30 fits.
        let ms: Vec<(i64, i64)> = (0..41).map(|i| (i * 1000 / 30, 0)).collect();
        assert_eq!(r_frame_rate(&ms, 1000, Some(40)), Some((30, 1)));
    }

    #[test]
    fn frames_in_bursts_fall_on_the_grid_of_their_bursts() {
        // A phone's slow-motion track (Samsung SEF): a frame, then three
        // 9 ticks apart, then a gap of 11,973. The bursts are 4/30 s apart
        // and their frames within 0.003 of a frame of 30 fps's grid: 30,
        // as ffprobe says (the mean would be 32).
        let mut frames = Vec::new();
        let mut t = 0;
        for i in 0..24 {
            let d = match i {
                0 => 12_000,
                _ if i % 4 == 0 => 11_973,
                _ => 9,
            };
            frames.push((t, d));
            t += d;
        }
        assert_eq!(r_frame_rate(&frames, 90_000, Some(20)), Some((30, 1)));
        // Timestamps on no grid at all: no rate.
        let odd: Vec<(i64, i64)> = [0, 1000, 1400, 5000, 5100, 9000, 9900, 13_000]
            .iter()
            .cycle()
            .take(24)
            .enumerate()
            .map(|(i, &t)| ((i as i64 / 8) * 20_000 + t, 0))
            .collect();
        assert_eq!(r_frame_rate(&odd, 90_000, Some(20)), None);
    }

    #[test]
    fn standard_rates_in_order() {
        assert_eq!(std_rate(0), 1001);
        assert_eq!(std_rate(359), 360 * 1001);
        assert_eq!(std_rate(360), 31 * 1001 * 12);
        assert_eq!(std_rate(392), 240 * 1001 * 12);
        assert_eq!(std_rate(398), 48 * 1000 * 12);
    }
}
