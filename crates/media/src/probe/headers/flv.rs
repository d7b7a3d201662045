//! FLV: the video tags' timestamps (milliseconds, in decoding order), for the
//! frame rate they show; an H.264 header's rate is judged by it.

use super::*;

impl Reader {
    /// The frame rate the first video tags' timestamps show: the mean of
    /// their one-frame steps (each is rounded to the millisecond; the mean
    /// is not).
    pub(super) fn flv_stamped_fps(&self) -> Option<f64> {
        let head = self.bytes::<9>(0)?;
        if &head[..3] != b"FLV" {
            return None;
        }
        let mut at = u32::from_be_bytes(head[5..9].try_into().ok()?) as u64 + 4;
        let mut stamps = Vec::new();
        while stamps.len() < 64 && at < self.len.min(4 << 20) {
            let Some(tag) = self.bytes::<11>(at) else {
                break;
            };
            let size = u32::from_be_bytes([0, tag[1], tag[2], tag[3]]) as u64;
            let ms = u32::from_be_bytes([tag[7], tag[4], tag[5], tag[6]]);
            if tag[0] & 0x1F == 9 {
                stamps.push(ms);
            }
            at += 11 + size + 4;
        }
        // Past the first (a decoder configuration tag shares the first
        // frame's timestamp). Steps of one frame only: a dropped frame's
        // longer step says nothing of the rate.
        stamps.dedup();
        let steps: Vec<u32> = stamps.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
        let least = steps.iter().copied().filter(|&d| d > 0).min()?;
        let single: Vec<u32> = steps
            .into_iter()
            .filter(|&d| d > 0 && d <= least + least / 2)
            .collect();
        let total: u32 = single.iter().sum();
        (single.len() >= 2 && total > 0).then(|| single.len() as f64 * 1000.0 / total as f64)
    }
}

impl Reader {
    /// ffprobe's frame rate of an FLV's video ([`super::rfps`]): FFmpeg's
    /// estimate over the first frames' tag timestamps (milliseconds; an
    /// H.264 configuration tag is no frame), each frame lasting what the
    /// H.264 VUI says, floored to the millisecond.
    pub(super) fn flv_rate(&self) -> Option<(u32, u32)> {
        let head = self.bytes::<9>(0)?;
        if &head[..3] != b"FLV" {
            return None;
        }
        let mut at = u32::from_be_bytes(head[5..9].try_into().ok()?) as u64 + 4;
        let (mut stamps, mut config) = (Vec::new(), None);
        while stamps.len() < 64 && at < self.len.min(4 << 20) {
            let Some(tag) = self.bytes::<11>(at) else {
                break;
            };
            let size = u32::from_be_bytes([0, tag[1], tag[2], tag[3]]) as u64;
            let ms = u32::from_be_bytes([tag[7], tag[4], tag[5], tag[6]]);
            if tag[0] & 0x1F == 9
                && let Some([codec, kind]) = self.bytes::<2>(at + 11)
            {
                match (codec & 0x0F, kind) {
                    (7, 0) => config = self.vec(at + 16, size.saturating_sub(5).min(4096) as usize),
                    (7, 2) => {}
                    _ => stamps.push(i64::from(ms)),
                }
            }
            at += 11 + size + 4;
        }
        let duration = config
            .as_deref()
            .and_then(crate::probe::bitstream::h264_vui_rate)
            .map_or(0, |(n, d)| 1000 * i64::from(d) / i64::from(n));
        let frames: Vec<(i64, i64)> = stamps.into_iter().map(|t| (t, duration)).collect();
        super::rfps::r_frame_rate(&frames, 1000, Some(super::rfps::frames_read(1000)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An FLV of video tags (no payload) stamped at `ms`.
    fn flv(ms: &[u32]) -> Vec<u8> {
        let mut b = b"FLV\x01\x01\0\0\0\x09\0\0\0\0".to_vec();
        for &t in ms {
            let t = t.to_be_bytes();
            b.extend([9, 0, 0, 0, t[1], t[2], t[3], t[0], 0, 0, 0]);
            b.extend(11u32.to_be_bytes());
        }
        b
    }

    fn stamped(bytes: &[u8]) -> Option<f64> {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        let file = File::open(f.path()).unwrap();
        let len = bytes.len() as u64;
        Reader { file, len }.flv_stamped_fps()
    }

    #[test]
    fn one_frame_steps_give_the_rate_a_dropped_frame_does_not_slow_it() {
        // 60 fps in milliseconds: 16, 17, 17, ...
        let sixty: Vec<u32> = (0..31).map(|n| n * 1000 / 60).collect();
        assert!((stamped(&flv(&sixty)).unwrap() - 60.0).abs() < 0.1);
        // 30 fps with a frame dropped (a 67 ms step), the configuration tag first.
        let r = stamped(&flv(&[0, 0, 33, 67, 133, 167, 200])).unwrap();
        assert!((r - 30.0).abs() < 0.2, "{r}");
        assert_eq!(stamped(b"not an flv"), None);
    }
}
