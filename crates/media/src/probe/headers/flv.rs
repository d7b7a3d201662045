//! FLV: the video tags' timestamps (milliseconds, in decoding order), for the
//! frame rate they show; an H.264 header's rate is judged by it.

use super::*;

impl Reader {
    /// The frame rate the first video tags' timestamps show: their span over
    /// their count (each step is rounded to the millisecond; the mean is not).
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
        // frame's timestamp).
        stamps.dedup();
        let (first, last) = (*stamps.first()?, *stamps.last()?);
        let steps = stamps.len().checked_sub(1).filter(|&n| n >= 2)? as f64;
        (last > first).then(|| steps * 1000.0 / (last - first) as f64)
    }
}
