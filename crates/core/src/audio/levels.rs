//! Signal levels measured while recording, in one pass over the samples the
//! writer thread already has in hand: per-channel peak and RMS in dBFS, clipped
//! sample count and DC offset, plus the share of time that was silent.
//!
//! Invariants: samples are interleaved `f32` normalised so that full scale is
//! 1.0 (what the capture ring carries); sums are kept in `f64`, so hours of
//! audio do not drift; nothing here allocates after [`Levels::new`]. A level of
//! digital silence is `-inf` dBFS and is reported as `null` in JSON.

use serde::{Deserialize, Serialize};

/// A sample at or beyond this magnitude counts as clipped: within one 16-bit
/// step of full scale, where an integer converter has nowhere further to go.
pub const CLIP_LEVEL: f32 = 32767.0 / 32768.0;

/// Silence is judged over windows this long, so a single quiet sample between
/// two loud ones never counts as silent time.
pub const SILENCE_WINDOW_MS: u32 = 50;

/// The default silence threshold (dBFS RMS).
pub const DEFAULT_SILENCE_DB: f64 = -60.0;

/// Running level statistics of one stream of interleaved frames.
#[derive(Debug, Clone)]
pub struct Levels {
    channels: usize,
    rate: u32,
    threshold_db: f64,
    threshold_sq: f64,
    frames: u64,
    peak: Vec<f32>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    clipped: Vec<u64>,
    window_len: u64,
    window_frames: u64,
    window_sum_sq: Vec<f64>,
    silent_frames: u64,
    /// Peak per channel since the meter last took it.
    recent_peak: Vec<f32>,
}

/// One channel's figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelLevels {
    /// Sample peak in dBFS (`null` for digital silence).
    pub peak_dbfs: Option<f64>,
    /// RMS in dBFS, where a full-scale square wave reads 0 dB and a full-scale sine −3.01 dB.
    pub rms_dbfs: Option<f64>,
    /// Samples at or beyond full scale.
    pub clipped: u64,
    /// Mean sample value, as a fraction of full scale.
    pub dc_offset: f64,
}

/// Levels of a whole recording (or one part of it), as stored in the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LevelsReport {
    pub channels: Vec<ChannelLevels>,
    /// The loudest channel's peak.
    pub peak_dbfs: Option<f64>,
    pub clipped: u64,
    pub silence_threshold_dbfs: f64,
    pub silence_window_ms: u32,
    pub silent_seconds: f64,
    /// Silent time over total time, 0..=1.
    pub silent_share: f64,
}

fn db(x: f64) -> Option<f64> {
    if x > 0.0 && x.is_finite() {
        // Rounded to 0.001 dB: more digits are noise, fewer would hide the ±0.1 dB checks.
        Some((20.0 * x.log10() * 1000.0).round() / 1000.0)
    } else {
        None
    }
}

impl Levels {
    pub fn new(channels: u16, rate: u32, threshold_db: f64) -> Levels {
        let ch = channels.max(1) as usize;
        let window_len = (rate as u64 * SILENCE_WINDOW_MS as u64 / 1000).max(1);
        let lin = 10f64.powf(threshold_db / 20.0);
        Levels {
            channels: ch,
            rate,
            threshold_db,
            threshold_sq: lin * lin,
            frames: 0,
            peak: vec![0.0; ch],
            sum: vec![0.0; ch],
            sum_sq: vec![0.0; ch],
            clipped: vec![0; ch],
            window_len,
            window_frames: 0,
            window_sum_sq: vec![0.0; ch],
            silent_frames: 0,
            recent_peak: vec![0.0; ch],
        }
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Add whole interleaved frames (a trailing partial frame is ignored).
    pub fn feed(&mut self, samples: &[f32]) {
        let ch = self.channels;
        for frame in samples.chunks_exact(ch) {
            for (c, &x) in frame.iter().enumerate() {
                // A non-finite float from a broken source must not poison the sums.
                let x = if x.is_finite() { x } else { 0.0 };
                let a = x.abs();
                if a > self.peak[c] {
                    self.peak[c] = a;
                }
                if a > self.recent_peak[c] {
                    self.recent_peak[c] = a;
                }
                if a >= CLIP_LEVEL {
                    self.clipped[c] += 1;
                }
                let xd = x as f64;
                self.sum[c] += xd;
                let sq = xd * xd;
                self.sum_sq[c] += sq;
                self.window_sum_sq[c] += sq;
            }
            self.frames += 1;
            self.window_frames += 1;
            if self.window_frames == self.window_len {
                self.close_window();
            }
        }
    }

    /// `n` frames of digital silence (the fill written in place of lost frames).
    pub fn feed_silence(&mut self, mut n: u64) {
        while n > 0 {
            let take = n.min(self.window_len - self.window_frames);
            self.frames += take;
            self.window_frames += take;
            n -= take;
            if self.window_frames == self.window_len {
                self.close_window();
            }
        }
    }

    fn close_window(&mut self) {
        if self.window_is_silent() {
            self.silent_frames += self.window_frames;
        }
        self.window_frames = 0;
        self.window_sum_sq.iter_mut().for_each(|s| *s = 0.0);
    }

    /// A window is silent when every channel's RMS in it is under the threshold.
    fn window_is_silent(&self) -> bool {
        let n = self.window_frames.max(1) as f64;
        self.window_sum_sq
            .iter()
            .all(|&s| s / n < self.threshold_sq)
    }

    /// Per-channel peak since the last call (for a live meter), then reset.
    pub fn take_recent_peaks(&mut self, out: &mut [f32]) {
        for (o, r) in out.iter_mut().zip(self.recent_peak.iter_mut()) {
            *o = *r;
            *r = 0.0;
        }
    }

    /// The figures so far. The current, unfinished silence window counts too.
    pub fn report(&self) -> LevelsReport {
        let n = self.frames.max(1) as f64;
        let channels: Vec<ChannelLevels> = (0..self.channels)
            .map(|c| ChannelLevels {
                peak_dbfs: db(self.peak[c] as f64),
                rms_dbfs: db((self.sum_sq[c] / n).sqrt()),
                clipped: self.clipped[c],
                dc_offset: if self.frames == 0 {
                    0.0
                } else {
                    self.sum[c] / n
                },
            })
            .collect();
        let mut silent = self.silent_frames;
        if self.window_frames > 0 && self.window_is_silent() {
            silent += self.window_frames;
        }
        let peak = self.peak.iter().copied().fold(0.0f32, f32::max);
        LevelsReport {
            peak_dbfs: db(peak as f64),
            clipped: self.clipped.iter().sum(),
            channels,
            silence_threshold_dbfs: self.threshold_db,
            silence_window_ms: SILENCE_WINDOW_MS,
            silent_seconds: silent as f64 / self.rate.max(1) as f64,
            silent_share: if self.frames == 0 {
                0.0
            } else {
                silent as f64 / self.frames as f64
            },
        }
    }
}

/// Linear magnitude (0..=1) to dBFS for display; `None` for silence.
pub fn to_dbfs(x: f32) -> Option<f64> {
    db(x as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, amp: f64, frames: usize, channels: usize) -> Vec<f32> {
        let mut v = Vec::with_capacity(frames * channels);
        for i in 0..frames {
            let x =
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin()) as f32;
            for _ in 0..channels {
                v.push(x);
            }
        }
        v
    }

    #[test]
    fn sine_peak_and_rms() {
        let mut l = Levels::new(2, 48000, -60.0);
        l.feed(&sine(48000, 440.0, 0.5, 48000, 2));
        let r = l.report();
        for c in &r.channels {
            assert!((c.peak_dbfs.unwrap() - (-6.0206)).abs() < 0.01, "{c:?}");
            assert!((c.rms_dbfs.unwrap() - (-9.0309)).abs() < 0.01, "{c:?}");
            assert_eq!(c.clipped, 0);
            assert!(c.dc_offset.abs() < 1e-4);
        }
        assert_eq!(r.silent_share, 0.0);
    }

    #[test]
    fn silence_clipping_and_dc() {
        let mut l = Levels::new(1, 1000, -60.0);
        // 0.5 s of silence, then 0.5 s of a clipped square wave with DC.
        l.feed(&vec![0.0; 500]);
        let loud: Vec<f32> = (0..500)
            .map(|i| if i % 2 == 0 { 1.0 } else { -0.5 })
            .collect();
        l.feed(&loud);
        let r = l.report();
        assert_eq!(r.channels[0].clipped, 250);
        assert!((r.channels[0].dc_offset - 0.125).abs() < 1e-9);
        assert!((r.silent_share - 0.5).abs() < 1e-9, "{r:?}");
        assert_eq!(r.peak_dbfs, Some(0.0));
    }

    #[test]
    fn digital_silence_has_no_level() {
        let mut l = Levels::new(1, 8000, -60.0);
        l.feed_silence(8000);
        let r = l.report();
        assert_eq!(r.channels[0].peak_dbfs, None);
        assert_eq!(r.channels[0].rms_dbfs, None);
        assert_eq!(r.silent_share, 1.0);
        assert_eq!(l.frames(), 8000);
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["channels"][0]["peak_dbfs"].is_null());
    }

    #[test]
    fn threshold_is_respected() {
        // A -50 dBFS tone is silent at -40 and not silent at -60.
        let quiet = sine(8000, 100.0, 10f64.powf(-50.0 / 20.0) * 2f64.sqrt(), 8000, 1);
        let mut a = Levels::new(1, 8000, -40.0);
        a.feed(&quiet);
        assert_eq!(a.report().silent_share, 1.0);
        let mut b = Levels::new(1, 8000, -60.0);
        b.feed(&quiet);
        assert_eq!(b.report().silent_share, 0.0);
    }
}
