//! An MP4 track's edit list (`edts/elst`): how long its opening empty
//! edits delay it, and how much media the edits after them present.

use super::*;

impl Reader {
    /// The movie-timescale length of the empty edits (media time -1) that
    /// open a track's edit list (`edts/elst`), and of the edits after them
    /// that present media (none without such an edit).
    pub(super) fn edits(&self, trak: u64, end: u64) -> (u64, Option<u64>) {
        let Some((elst, elst_end)) = self.child(trak, end, &[b"edts", b"elst"]) else {
            return (0, None);
        };
        let (Some(version), Some(n)) = (self.bytes::<1>(elst), self.u32be(elst + 4)) else {
            return (0, None);
        };
        let size = if version[0] == 1 { 20 } else { 12 };
        let (mut delay, mut presented) = (0u64, None::<u64>);
        for i in 0..u64::from(n.min(64)) {
            let at = elst + 8 + i * size;
            if at + size > elst_end {
                break;
            }
            let (duration, media_time) = if version[0] == 1 {
                (self.u64be(at), self.u64be(at + 8).map(|m| m as i64))
            } else {
                (
                    self.u32be(at).map(u64::from),
                    self.u32be(at + 4).map(|m| i64::from(m as i32)),
                )
            };
            match (duration, media_time) {
                (Some(d), Some(-1)) if presented.is_none() => delay = delay.saturating_add(d),
                (Some(d), Some(m)) if m >= 0 => {
                    presented = Some(presented.unwrap_or(0).saturating_add(d));
                }
                _ => break,
            }
        }
        (delay, presented.filter(|&p| p > 0))
    }
}
