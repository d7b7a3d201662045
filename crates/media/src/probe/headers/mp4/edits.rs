//! An MP4 track's edit list (`edts/elst`): how long its opening empty
//! edits delay it, and how much media the edits after them present; and
//! how long its samples last (`stts`), which bounds what the edits span.

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

    /// The sum of a sample table's `stts` durations, in media ticks (None
    /// where the table is missing, cut short or over 1,048,576 entries).
    pub(super) fn samples_length(&self, stbl: u64, stbl_end: u64) -> Option<u64> {
        let entries = self.stts_entries(stbl, stbl_end, 1 << 20)?;
        Some(
            entries
                .iter()
                .map(|&(count, delta)| u64::from(count) * u64::from(delta))
                .fold(0u64, u64::saturating_add),
        )
    }

    /// A sample table's `stts` entries (sample count, duration), if it has
    /// at most `most` and the box holds them all.
    pub(super) fn stts_entries(
        &self,
        stbl: u64,
        stbl_end: u64,
        most: u64,
    ) -> Option<Vec<(u32, u32)>> {
        let (stts, stts_end) = self.child(stbl, stbl_end, &[b"stts"])?;
        let n = u64::from(self.u32be(stts + 4)?);
        if n > most || stts + 8 + 8 * n > stts_end {
            return None;
        }
        let table = self.vec(stts + 8, (8 * n) as usize)?;
        Some(
            table
                .chunks_exact(8)
                .map(|e| {
                    let count = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
                    (count, u32::from_be_bytes([e[4], e[5], e[6], e[7]]))
                })
                .collect(),
        )
    }
}
