//! MP4 frame rates as ffprobe gives them: one sample duration's, else what
//! the first frames' timestamps explain ([`super::rfps`]), for a fragmented
//! file the most common duration in its fragments.

use super::*;

impl Reader {
    /// Whether the sample durations (`stts`) say the frame rate varies, and
    /// the rate ffprobe gives: one duration's (or one and a last sample of
    /// another), else what the first frames' timestamps explain ([`rfps`]).
    pub(super) fn mp4_frame_rate_kind(
        &self,
        stts: u64,
        stts_end: u64,
        t: &mut Track,
    ) -> Option<()> {
        let n = self.u32be(stts + 4)?;
        // The first 4,096 entries in one read (a NAS makes each read count).
        let room = stts_end.saturating_sub(stts + 8) / 8;
        let count = u64::from(n).min(4096).min(room);
        let bytes = self.vec(stts + 8, (8 * count) as usize)?;
        let head: Vec<(u32, u32)> = bytes
            .chunks_exact(8)
            .map(|e| {
                (
                    u32::from_be_bytes([e[0], e[1], e[2], e[3]]),
                    u32::from_be_bytes([e[4], e[5], e[6], e[7]]),
                )
            })
            .collect();
        let scale = t.timescale.filter(|&s| s > 0);
        match (head.as_slice(), scale) {
            ([(_, d)], Some(s)) | ([(_, d), (1, _)], Some(s)) if *d > 0 => {
                t.timed_frame_rate = rfps::reduced(i64::from(s), i64::from(*d));
            }
            (_, Some(_)) => {
                // The first frames' timestamps, for the estimate once every
                // track is known (see `estimate_rates`).
                let mut dts = 0i64;
                'runs: for &(count, d) in &head {
                    for _ in 0..count {
                        if t.first_frames.len() >= rfps::MAX_FRAMES {
                            break 'runs;
                        }
                        t.first_frames.push((dts, i64::from(d)));
                        dts += i64::from(d);
                    }
                }
            }
            _ => {}
        }
        // One run of equal sample durations is a constant rate; a last
        // sample of another length (common at the end of a stream) is too.
        if count == u64::from(n) {
            let mut deltas = head;
            if deltas.len() > 1 && deltas.last()?.0 == 1 {
                deltas.pop();
            }
            t.variable_frame_rate = Some(deltas.windows(2).any(|w| w[0].1 != w[1].1));
        }
        Some(())
    }
}

/// ffprobe's frame rate of each video track whose sample durations vary,
/// from its first frames' timestamps: FFmpeg's MP4 demuxer estimates it
/// from its index's first 99 samples ([`rfps::index_rate`]); where those
/// explain no rate, from the packets it reads: 20 durations of each video
/// stream (40 in a coarse time base), or on to 5 s or the end where
/// another video track has fewer frames than that (a motion photo's still
/// beside its clip). A track whose timestamps explain no rate takes its
/// codec's (`rate_from_codec`).
pub(super) fn estimate_rates(tracks: &mut [Track]) {
    let short = |t: &Track| {
        t.handler == "vide"
            && t.frames.unwrap_or(0) as usize <= rfps::frames_read(t.timescale.unwrap_or(0))
    };
    for i in 0..tracks.len() {
        if tracks[i].first_frames.is_empty() {
            continue;
        }
        let others_short = tracks.iter().enumerate().any(|(j, o)| j != i && short(o));
        let t = &mut tracks[i];
        let scale = t.timescale.unwrap_or(0);
        let limit = (!others_short).then(|| rfps::frames_read(scale));
        t.timed_frame_rate = rfps::index_rate(&t.first_frames, scale)
            .or_else(|| rfps::r_frame_rate(&t.first_frames, scale, limit));
        t.rate_from_codec = t.timed_frame_rate.is_none();
        t.first_frames = Vec::new();
    }
}

/// The rate of the sample duration most samples have (ffprobe's
/// `r_frame_rate`), when it is a common one: a B-pyramid's edit list or a
/// few odd samples move the mean (samples over duration), not this. A
/// rate the timescale cannot hold in whole ticks (24 fps in 1/10,000 s)
/// alternates between two durations a tick apart: their mean.
pub(super) fn modal_rate(deltas: &[(u32, u32)], timescale: Option<u32>) -> Option<(u32, u32)> {
    let mut count: std::collections::BTreeMap<u32, u64> = Default::default();
    for &(n, d) in deltas {
        *count.entry(d).or_default() += u64::from(n);
    }
    let (&delta, _) = count
        .iter()
        .max_by_key(|(d, n)| (**n, std::cmp::Reverse(**d)))?;
    let (ticks, samples) = count
        .range(delta.saturating_sub(1)..=delta.saturating_add(1))
        .fold((0.0, 0u64), |(t, s), (&d, &n)| {
            (t + f64::from(d) * n as f64, s + n)
        });
    let fps = f64::from(timescale?) * samples as f64 / ticks;
    super::common_rate(fps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(frames: &[(i64, i64)], count: u64) -> Track {
        Track {
            handler: "vide".into(),
            timescale: Some(90_000),
            frames: Some(count),
            first_frames: frames.to_vec(),
            ..Track::default()
        }
    }

    #[test]
    fn durations_a_tick_apart_are_one_rate() {
        // 24 fps in 1/10,000 s: 417, 416, 417 ticks… is 24, not 23.976.
        assert_eq!(
            modal_rate(&[(29, 417), (28, 416)], Some(10_000)),
            Some((24, 1))
        );
        // 29.97 fps in milliseconds: 33 and 34 ms, 30 fps two 33s to a 34.
        assert_eq!(
            modal_rate(&[(63, 33), (37, 34)], Some(1000)),
            Some((30000, 1001))
        );
        assert_eq!(modal_rate(&[(2, 33), (1, 34)], Some(1000)), Some((30, 1)));
        // One duration alone, and odd samples far from it, as before.
        assert_eq!(
            modal_rate(&[(50, 3003), (2, 1001)], Some(90_000)),
            Some((30000, 1001))
        );
    }

    #[test]
    fn the_index_gives_the_rate_from_its_first_samples() {
        // 25 frames of 3,003 ticks (29.97 fps), then 3,000 (30 fps): the
        // index's first 99 samples say 30; the first 20 durations of
        // packets read would say 29.97.
        let mut frames = Vec::new();
        let mut dts = 0;
        for i in 0..90 {
            let d = if i < 25 { 3003 } else { 3000 };
            frames.push((dts, d));
            dts += d;
        }
        let mut alone = vec![video(&frames, 90)];
        estimate_rates(&mut alone);
        assert_eq!(alone[0].timed_frame_rate, Some((30, 1)));
        assert!(alone[0].first_frames.is_empty());
        assert_eq!(
            rfps::r_frame_rate(&frames, 90_000, Some(20)),
            Some((30000, 1001))
        );
        // A phone's lead-in (2,108 and 15,961 ticks) before 2,999-tick
        // frames that later vary: the index's fit (120), not the 2,999
        // ticks the first 20 durations share.
        let mut frames = vec![(0, 2108), (2108, 15961)];
        let mut dts = 18069;
        for i in 0..60 {
            let d = match i {
                20 => 3896,
                21..=32 => 2998,
                _ => 2999,
            };
            frames.push((dts, d));
            dts += d;
        }
        let mut phone = vec![video(&frames, 62)];
        estimate_rates(&mut phone);
        assert_eq!(phone[0].timed_frame_rate, Some((120, 1)));
        assert_eq!(
            rfps::r_frame_rate(&frames, 90_000, Some(20)),
            Some((90000, 2999))
        );
    }
}
