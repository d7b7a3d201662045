//! Where an MP4's last sample ends, from its sample tables (`stsz`, `stsc`,
//! `stco`/`co64`): a file is cut when a sample lies past its end, not when
//! a box says it is longer (an `mdat` whose size counts a few bytes more
//! than its samples, or holds an absurd value, is whole if every sample is
//! there).

use super::*;

/// The most samples and chunks read from one track's tables (a two-hour
/// film has about 200,000 samples: 0.8 MB of `stsz`).
const MOST_ENTRIES: u32 = 4_000_000;

impl Reader {
    /// The end of the last sample of every track of `moov`, or None when a
    /// track's tables cannot be read (a compact `stz2`, a table too large,
    /// a fragmented file's tables place nothing: 0).
    pub(super) fn mp4_sample_end(&self, moov: u64, moov_end: u64) -> Option<u64> {
        let mut last = 0;
        for (k, tb, te) in self.boxes(moov, moov_end) {
            if &k == b"trak" {
                let (stbl, stbl_end) = self.child(tb, te, &[b"mdia", b"minf", b"stbl"])?;
                last = last.max(self.track_sample_end(stbl, stbl_end)?);
            }
        }
        Some(last)
    }

    fn track_sample_end(&self, stbl: u64, end: u64) -> Option<u64> {
        let (stsz, _) = self.child(stbl, end, &[b"stsz"])?;
        let (fixed, count) = (self.u32be(stsz + 4)?, self.u32be(stsz + 8)?);
        if count == 0 {
            return Some(0);
        }
        let sizes = if fixed == 0 {
            self.table(stsz + 12, count, 4)?
        } else {
            Vec::new()
        };
        let size = |i: usize| -> u64 {
            if fixed != 0 {
                u64::from(fixed)
            } else {
                sizes
                    .get(i * 4..i * 4 + 4)
                    .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64)
            }
        };
        let (stsc, _) = self.child(stbl, end, &[b"stsc"])?;
        let runs = self.table(stsc + 8, self.u32be(stsc + 4)?, 12)?;
        let offsets = self.chunk_offsets(stbl, end)?;
        let chunks = offsets.len();
        let (mut sample, mut last) = (0usize, 0u64);
        for (r, run) in runs.chunks_exact(12).enumerate() {
            let first = u32::from_be_bytes([run[0], run[1], run[2], run[3]]) as usize;
            let per = u32::from_be_bytes([run[4], run[5], run[6], run[7]]) as usize;
            let next = runs
                .get((r + 1) * 12..(r + 1) * 12 + 4)
                .map_or(chunks + 1, |b| {
                    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
                });
            for chunk in first.max(1)..next.min(chunks + 1) {
                let mut at = offsets[chunk - 1];
                for _ in 0..per {
                    if sample >= count as usize {
                        return Some(last);
                    }
                    at += size(sample);
                    sample += 1;
                }
                last = last.max(at);
            }
        }
        Some(last)
    }

    /// The chunk offsets of `stco` or `co64`.
    fn chunk_offsets(&self, stbl: u64, end: u64) -> Option<Vec<u64>> {
        if let Some((stco, _)) = self.child(stbl, end, &[b"stco"]) {
            let t = self.table(stco + 8, self.u32be(stco + 4)?, 4)?;
            return Some(
                t.chunks_exact(4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64)
                    .collect(),
            );
        }
        let (co64, _) = self.child(stbl, end, &[b"co64"])?;
        let t = self.table(co64 + 8, self.u32be(co64 + 4)?, 8)?;
        Some(
            t.chunks_exact(8)
                .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
                .collect(),
        )
    }

    /// `n` table entries of `width` bytes at `at`, or None past the limit.
    fn table(&self, at: u64, n: u32, width: usize) -> Option<Vec<u8>> {
        (n <= MOST_ENTRIES).then_some(())?;
        self.vec(at, n as usize * width)
    }
}
