//! Where an MP4's last sample ends, from its sample tables (`stsz` or `stz2`, `stsc`,
//! `stco`/`co64`, read by [`crate::mp4box::each_sample`]): a file is cut
//! when a sample lies past its end, not when a box says it is longer (an
//! `mdat` whose size counts a few bytes more than its samples, or holds an
//! absurd value, is whole if every sample is there).

use super::*;

/// The largest `stbl` read (a two-hour film's tables are about 2 MB).
const MOST_STBL: u64 = 64 << 20;

impl Reader {
    /// The end of the last sample of every track of `moov`, or None when a
    /// track's tables cannot be read (missing, short, too large); a
    /// fragmented file's tables place nothing: 0.
    /// A track whose sample-to-chunk table names chunks its offsets lack
    /// is told in `broken`.
    pub(super) fn mp4_sample_end(
        &self,
        moov: u64,
        moov_end: u64,
        broken: &mut Option<String>,
    ) -> Option<u64> {
        let mut last = 0;
        let mut track = 0;
        for (k, tb, te) in self.boxes(moov, moov_end) {
            if &k == b"trak" {
                track += 1;
                let (stbl, stbl_end) = self.child(tb, te, &[b"mdia", b"minf", b"stbl"])?;
                let len = stbl_end.checked_sub(stbl).filter(|&n| n <= MOST_STBL)?;
                let tables = self.vec(stbl, len as usize)?;
                if let Some((first, chunks)) = crate::mp4box::contradictory_chunks(&tables) {
                    broken.get_or_insert_with(|| {
                        format!(
                            "track {track}'s sample-to-chunk table starts a run at chunk {first} of {chunks}"
                        )
                    });
                }
                crate::mp4box::each_sample(&tables, |at, n| {
                    last = last.max(at + n);
                    std::ops::ControlFlow::Continue(())
                })?;
            }
        }
        Some(last)
    }

    /// The offset and size of the first sample the tables of the `stbl`
    /// box at `stbl..stbl_end` place.
    pub(super) fn first_sample(&self, stbl: u64, stbl_end: u64) -> Option<(u64, u64)> {
        let tables = self.vec(stbl, (stbl_end - stbl).min(1 << 20) as usize)?;
        let mut first = None;
        crate::mp4box::each_sample(&tables, |at, n| {
            first = Some((at, n));
            std::ops::ControlFlow::Break(())
        });
        first
    }
}
