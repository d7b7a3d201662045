//! FLV: the video tags' timestamps (milliseconds, in decoding order), for the
//! frame rate they show (an H.264 header's rate is judged by it) and the one
//! FFmpeg estimates from them.

use super::*;

/// The first video tags of an FLV.
struct FlvVideo {
    /// Every video tag's timestamp (ms), an H.264 configuration's too.
    stamps: Vec<u32>,
    /// The frames' timestamps: not an H.264 configuration or end of sequence.
    frames: Vec<i64>,
    /// The H.264 decoder configuration record (`avcC`).
    config: Option<Vec<u8>>,
}

impl Reader {
    /// The frame rate the video tags' timestamps show, and the one FFmpeg
    /// estimates from them, from one walk over the first tags.
    pub(super) fn flv(&self, h: &mut Headers) {
        if let Some(v) = self.flv_video() {
            h.estimated_rate = estimated_rate(&v);
            h.stamped_fps = stamped_fps(v.stamps);
        }
    }

    /// The first 64 video tags.
    fn flv_video(&self) -> Option<FlvVideo> {
        let head = self.bytes::<9>(0)?;
        if &head[..3] != b"FLV" {
            return None;
        }
        let mut at = u32::from_be_bytes(head[5..9].try_into().ok()?) as u64 + 4;
        let mut v = FlvVideo {
            stamps: Vec::new(),
            frames: Vec::new(),
            config: None,
        };
        while v.stamps.len() < 64 && at < self.len.min(4 << 20) {
            let Some(tag) = self.bytes::<11>(at) else {
                break;
            };
            let size = u32::from_be_bytes([0, tag[1], tag[2], tag[3]]) as u64;
            let ms = u32::from_be_bytes([tag[7], tag[4], tag[5], tag[6]]);
            if tag[0] & 0x1F == 9 {
                v.stamps.push(ms);
                match self
                    .bytes::<2>(at + 11)
                    .map(|[codec, kind]| (codec & 0x0F, kind))
                {
                    Some((7, 0)) => {
                        v.config = self.vec(at + 16, size.saturating_sub(5).min(4096) as usize)
                    }
                    Some((7, 2)) => {}
                    _ => v.frames.push(i64::from(ms)),
                }
            }
            at += 11 + size + 4;
        }
        Some(v)
    }
}

/// The frame rate the video tags' timestamps show: the mean of their
/// one-frame steps (each is rounded to the millisecond; the mean is not).
fn stamped_fps(mut stamps: Vec<u32>) -> Option<f64> {
    // Past the first (a decoder configuration tag shares the first frame's
    // timestamp). Steps of one frame only: a dropped frame's longer step
    // says nothing of the rate.
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

/// ffprobe's frame rate of an FLV's video ([`super::rfps`]): FFmpeg's
/// estimate over the frames' tag timestamps (milliseconds), each frame
/// lasting what the H.264 VUI says, floored to the millisecond.
fn estimated_rate(v: &FlvVideo) -> Option<(u32, u32)> {
    let duration = v
        .config
        .as_deref()
        .and_then(crate::probe::bitstream::h264_vui_rate)
        .map_or(0, |(n, d)| 1000 * i64::from(d) / i64::from(n));
    let frames: Vec<(i64, i64)> = v.frames.iter().map(|&t| (t, duration)).collect();
    super::rfps::r_frame_rate(&frames, 1000, Some(super::rfps::frames_read(1000)))
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
        Reader::new(file, len)
            .flv_video()
            .and_then(|v| stamped_fps(v.stamps))
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
