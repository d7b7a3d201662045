//! Fragmented MP4 (`moof` after `moov`, as DASH, CMAF and HLS fMP4 write
//! it): a track ends where its last fragment does, the fragment's decode
//! time (`tfdt`, else where the one before ended) plus the durations of its
//! samples (`trun`, with the defaults of `tfhd` and `trex`), and ffprobe
//! gives that end as the track's duration, counted from 0 (a segment cut
//! from 10 s on of a stream is 20 s long to it). The movie header's and
//! media headers' lengths are 0 there, and GStreamer's figure follows a
//! `mehd` or the segment indexes, which cover one segment or the part
//! written when they were.
//!
//! Invariants: only top-level `moof` boxes are read (no sample data); a
//! fragment that cannot be read is skipped, never guessed.

use std::collections::BTreeMap;

use super::*;

/// Where each track (by id) ends, in its timescale.
pub(super) type FragmentTicks = BTreeMap<u32, u64>;

/// A track's samples across its fragments: how many last how long
/// (timescale ticks), and the first ones' decoding times and durations,
/// from which a video track's frame rate is estimated as FFmpeg does.
#[derive(Default)]
pub(super) struct FragmentSamples {
    pub durations: BTreeMap<u32, u64>,
    pub first: Vec<(i64, i64)>,
}

/// Each track's (by id) samples across the fragments.
pub(super) type FragmentDeltas = BTreeMap<u32, FragmentSamples>;

/// `trex` defaults by track id: sample duration (ticks) and size (bytes).
pub(super) type Trex = BTreeMap<u32, (u32, u32)>;

impl Reader {
    /// `trex` default sample durations and sizes by track id, from
    /// `moov/mvex`.
    pub(super) fn trex_defaults(&self, moov: u64, moov_end: u64) -> Trex {
        let mut out = BTreeMap::new();
        if let Some((mvex, mvex_end)) = self.child(moov, moov_end, &[b"mvex"]) {
            for (k, body, _) in self.boxes(mvex, mvex_end) {
                if &k == b"trex"
                    && let (Some(id), Some(d), Some(n)) = (
                        self.u32be(body + 4),
                        self.u32be(body + 12),
                        self.u32be(body + 16),
                    )
                {
                    out.insert(id, (d, n));
                }
            }
        }
        out
    }

    /// Where the samples of the `moof` whose body is `moof..moof_end` end in
    /// the file: its runs' data offsets and sample sizes (`trun`, with the
    /// defaults of `tfhd` and `trex`), from the base each `tfhd` names
    /// (FFmpeg's rule: an explicit offset, the `moof` itself, or where the
    /// previous track fragment's data ended). None when a run's sizes
    /// cannot be told.
    pub(super) fn moof_data_end(&self, moof: u64, moof_end: u64, trex: &Trex) -> Option<u64> {
        let start = if self.bytes::<4>(moof.checked_sub(4)?)? == *b"moof" {
            moof - 8
        } else {
            moof.checked_sub(16)?
        };
        let (mut implicit, mut last) = (start, 0);
        for (k, traf, traf_end) in self.boxes(moof, moof_end) {
            if &k != b"traf" {
                continue;
            }
            let (tfhd, _) = self.child(traf, traf_end, &[b"tfhd"])?;
            let (flags, id) = (self.u32be(tfhd)?, self.u32be(tfhd + 4)?);
            let mut at = tfhd + 8;
            let base = if flags & 0x01 != 0 {
                at += 8;
                self.u64be(at - 8)?
            } else if flags & 0x02_0000 != 0 {
                start
            } else {
                implicit
            };
            at += [0x02, 0x08].iter().filter(|&&f| flags & f != 0).count() as u64 * 4;
            let default = if flags & 0x10 != 0 {
                self.u32be(at)
            } else {
                trex.get(&id).map(|t| t.1)
            };
            let mut next = base;
            for (k, trun, _) in self.boxes(traf, traf_end) {
                if &k == b"trun" {
                    next = self.trun_data_end(trun, base, next, default)?;
                    last = last.max(next);
                }
            }
            implicit = next;
        }
        Some(last)
    }

    /// Where one `trun`'s data ends: from `base` plus its data offset, else
    /// from `next` (where the previous run's ended), its samples' sizes on.
    fn trun_data_end(&self, trun: u64, base: u64, next: u64, default: Option<u32>) -> Option<u64> {
        let flags = self.u32be(trun)? & 0x00ff_ffff;
        let count = self.u32be(trun + 4)? as u64;
        let mut from = next;
        if flags & 0x01 != 0 {
            let offset = self.u32be(trun + 8)? as i32;
            from = base.checked_add_signed(i64::from(offset))?;
        }
        if flags & 0x200 == 0 {
            return from.checked_add(count.checked_mul(u64::from(default?))?);
        }
        let fields = [0x100u32, 0x200, 0x400, 0x800];
        let per = fields.iter().filter(|&&f| flags & f != 0).count() as u64 * 4;
        let size_at = if flags & 0x100 != 0 { 4 } else { 0 };
        let n = count.checked_mul(per).filter(|&n| n <= 64 << 20)?;
        let table_at =
            trun + 8 + [0x01, 0x04].iter().filter(|&&f| flags & f != 0).count() as u64 * 4;
        let table = self.vec(table_at, n as usize)?;
        let total: u64 = table
            .chunks_exact(per as usize)
            .map(|s| {
                u64::from(u32::from_be_bytes(
                    s[size_at..size_at + 4].try_into().unwrap(),
                ))
            })
            .sum();
        from.checked_add(total)
    }

    /// Add the sample durations of one `moof` to `ticks`. A track's first
    /// fragment without a decode time follows the samples of its `moov`
    /// (as long as its media header says, among `tracks`; none in an
    /// initialization segment's).
    pub(super) fn moof_ticks(
        &self,
        moof: u64,
        moof_end: u64,
        (trex, tracks): (&Trex, &[Track]),
        ticks: &mut FragmentTicks,
        deltas: &mut FragmentDeltas,
    ) {
        for (k, traf, traf_end) in self.boxes(moof, moof_end) {
            if &k != b"traf" {
                continue;
            }
            let Some((tfhd, _)) = self.child(traf, traf_end, &[b"tfhd"]) else {
                continue;
            };
            let (Some(flags), Some(id)) = (self.u32be(tfhd), self.u32be(tfhd + 4)) else {
                continue;
            };
            // Optional fields in order: base data offset (8), sample
            // description index (4), default sample duration (4).
            let mut at = tfhd + 8;
            if flags & 0x01 != 0 {
                at += 8;
            }
            if flags & 0x02 != 0 {
                at += 4;
            }
            let default = if flags & 0x08 != 0 {
                self.u32be(at)
            } else {
                trex.get(&id).map(|t| t.0)
            };
            let start = match self.child(traf, traf_end, &[b"tfdt"]) {
                Some((tfdt, _)) => match self.bytes::<1>(tfdt).map(|v| v[0]) {
                    Some(1) => self.u64be(tfdt + 4),
                    Some(_) => self.u32be(tfdt + 4).map(u64::from),
                    None => None,
                },
                None => None,
            };
            let end = ticks.entry(id).or_insert_with(|| {
                let t = tracks.iter().find(|t| t.id == id);
                t.filter(|t| t.frames.is_some())
                    .and_then(|t| t.media_ticks)
                    .unwrap_or(0)
            });
            let mut at = start.unwrap_or(*end);
            let seen = deltas.entry(id).or_default();
            for (k, trun, _) in self.boxes(traf, traf_end) {
                if &k == b"trun"
                    && let Some(d) = self.trun_ticks(trun, default, seen, at)
                {
                    at += d;
                }
            }
            *end = (*end).max(at);
        }
    }

    /// Where a segment index (`sidx`) says its track ends, seconds: its
    /// earliest presentation time plus its subsegments' durations (a file
    /// cut from a long stream starts late, and ffprobe counts from 0).
    pub(super) fn sidx_end(&self, sidx: u64, end: u64) -> Option<(u32, f64)> {
        let version = self.bytes::<1>(sidx)?[0];
        let id = self.u32be(sidx + 4)?;
        let scale = self.u32be(sidx + 8)?;
        let (earliest, refs) = if version == 0 {
            (self.u32be(sidx + 12)? as u64, sidx + 20)
        } else {
            (self.u64be(sidx + 12)?, sidx + 28)
        };
        let count = u16::from_be_bytes(self.bytes::<2>(refs + 2)?) as u64;
        if scale == 0 || refs + 4 + count * 12 > end {
            return None;
        }
        let table = self.vec(refs + 4, (count * 12) as usize)?;
        let total: u64 = table
            .chunks_exact(12)
            .map(|r| u32::from_be_bytes([r[4], r[5], r[6], r[7]]) as u64)
            .sum();
        Some((id, (earliest + total) as f64 / scale as f64))
    }

    /// The total duration of one `trun`'s samples, the first decoded at
    /// `start`; each sample's duration counted in `seen`, and the first
    /// samples kept.
    fn trun_ticks(
        &self,
        trun: u64,
        default: Option<u32>,
        seen: &mut FragmentSamples,
        start: u64,
    ) -> Option<u64> {
        let mut dts = start as i64;
        let mut keep = |d: u32| {
            if seen.first.len() < super::rfps::MAX_FRAMES {
                seen.first.push((dts, i64::from(d)));
            }
            dts += i64::from(d);
            *seen.durations.entry(d).or_default() += 1;
        };
        let flags = self.u32be(trun)? & 0x00ff_ffff;
        let count = self.u32be(trun + 4)? as u64;
        let mut at = trun + 8;
        if flags & 0x01 != 0 {
            at += 4;
        }
        if flags & 0x04 != 0 {
            at += 4;
        }
        if flags & 0x100 == 0 {
            let d = default?;
            for _ in 0..count.min(super::rfps::MAX_FRAMES as u64) {
                keep(d);
            }
            *seen.durations.entry(d).or_default() +=
                count.saturating_sub(super::rfps::MAX_FRAMES as u64);
            return Some(count * u64::from(d));
        }
        let per = [0x100u32, 0x200, 0x400, 0x800]
            .iter()
            .filter(|&&f| flags & f != 0)
            .count() as u64
            * 4;
        let n = (count * per) as usize;
        if n > 64 << 20 {
            return None;
        }
        let table = self.vec(at, n)?;
        let mut total = 0;
        for s in table.chunks_exact(per as usize) {
            let d = u32::from_be_bytes([s[0], s[1], s[2], s[3]]);
            keep(d);
            total += u64::from(d);
        }
        Some(total)
    }
}
