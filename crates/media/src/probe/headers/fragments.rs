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

/// A track fragment header (`tfhd`): its track, its flags, and the optional
/// fields its flags announce, each read when announced.
struct Tfhd {
    id: u32,
    flags: u32,
    /// Base data offset (flag 0x01).
    base: Option<u64>,
    /// Default sample duration (flag 0x08) and size (flag 0x10).
    duration: Option<u32>,
    size: Option<u32>,
}

/// A track run (`trun`): its flags, sample count and data offset (flag
/// 0x01), and where its per-sample table starts.
struct Trun {
    flags: u32,
    count: u64,
    offset: Option<i32>,
    table: u64,
}

/// The per-sample fields of a run, in table order: duration, size, flags,
/// composition offset.
const TRUN_FIELDS: [u32; 4] = [0x100, 0x200, 0x400, 0x800];

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
            let t = self.tfhd(traf, traf_end)?;
            let base = if t.flags & 0x01 != 0 {
                t.base?
            } else if t.flags & 0x02_0000 != 0 {
                start
            } else {
                implicit
            };
            let default = if t.flags & 0x10 != 0 {
                t.size
            } else {
                trex.get(&t.id).map(|d| d.1)
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
        let r = self.trun(trun)?;
        let from = match r.offset {
            Some(offset) => base.checked_add_signed(i64::from(offset))?,
            None => next,
        };
        if r.flags & 0x200 == 0 {
            return from.checked_add(r.count.checked_mul(u64::from(default?))?);
        }
        let sizes = self.trun_column(&r, 0x200)?;
        from.checked_add(sizes.iter().map(|&n| u64::from(n)).sum())
    }

    /// The `tfhd` of the track fragment `traf..traf_end`.
    fn tfhd(&self, traf: u64, traf_end: u64) -> Option<Tfhd> {
        let (at, _) = self.child(traf, traf_end, &[b"tfhd"])?;
        let (flags, id) = (self.u32be(at)?, self.u32be(at + 4)?);
        // Optional fields in order: base data offset (8), sample
        // description index (4), default duration (4), default size (4).
        let width = |flag: u32, bytes: u64| if flags & flag != 0 { bytes } else { 0 };
        let base_at = at + 8;
        let duration_at = base_at + width(0x01, 8) + width(0x02, 4);
        let size_at = duration_at + width(0x08, 4);
        Some(Tfhd {
            id,
            flags,
            base: (flags & 0x01 != 0).then(|| self.u64be(base_at)).flatten(),
            duration: (flags & 0x08 != 0)
                .then(|| self.u32be(duration_at))
                .flatten(),
            size: (flags & 0x10 != 0).then(|| self.u32be(size_at)).flatten(),
        })
    }

    /// The `trun` box whose body is at `trun`.
    fn trun(&self, trun: u64) -> Option<Trun> {
        let flags = self.u32be(trun)? & 0x00ff_ffff;
        let count = u64::from(self.u32be(trun + 4)?);
        let offset = match flags & 0x01 {
            0 => None,
            _ => Some(self.u32be(trun + 8)? as i32),
        };
        // The data offset and the first sample's flags come before the table.
        let table = trun + 8 + [0x01, 0x04].iter().filter(|&&f| flags & f != 0).count() as u64 * 4;
        Some(Trun {
            flags,
            count,
            offset,
            table,
        })
    }

    /// One per-sample field (`field`, one of [`TRUN_FIELDS`]) of every
    /// sample of the run; None when the run lacks it, or its table is over
    /// 64 MiB or past the end.
    fn trun_column(&self, r: &Trun, field: u32) -> Option<Vec<u32>> {
        if r.flags & field == 0 {
            return None;
        }
        let present = |f: &&u32| r.flags & **f != 0;
        let per = TRUN_FIELDS.iter().filter(present).count();
        let skip = TRUN_FIELDS
            .iter()
            .take_while(|&&f| f != field)
            .filter(present)
            .count()
            * 4;
        let n = r
            .count
            .checked_mul(per as u64 * 4)
            .filter(|&n| n <= 64 << 20)?;
        let table = self.vec(r.table, n as usize)?;
        let values = table
            .chunks_exact(per * 4)
            .map(|e| u32::from_be_bytes([e[skip], e[skip + 1], e[skip + 2], e[skip + 3]]));
        Some(values.collect())
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
            let Some(header) = self.tfhd(traf, traf_end) else {
                continue;
            };
            let id = header.id;
            let default = if header.flags & 0x08 != 0 {
                header.duration
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
        let r = self.trun(trun)?;
        if r.flags & 0x100 == 0 {
            let d = default?;
            for _ in 0..r.count.min(super::rfps::MAX_FRAMES as u64) {
                keep(d);
            }
            *seen.durations.entry(d).or_default() +=
                r.count.saturating_sub(super::rfps::MAX_FRAMES as u64);
            return Some(r.count * u64::from(d));
        }
        let mut total = 0;
        for d in self.trun_column(&r, 0x100)? {
            keep(d);
            total += u64::from(d);
        }
        Some(total)
    }
}
