//! QuickTime chapters: the samples of the text track a track's `tref/chap`
//! names (HandBrake, iTunes and phone editors write them; GStreamer reads
//! none), each a title that lasts until the next, as ffprobe reads them.

use super::*;

/// The most chapters read.
const MOST: usize = 1000;

impl Reader {
    /// The chapters of the chapter track `trak`: start (seconds) and title.
    pub(super) fn qt_chapters(&self, trak: u64, trak_end: u64) -> Vec<(f64, Option<String>)> {
        self.chapter_samples(trak, trak_end).unwrap_or_default()
    }

    fn chapter_samples(&self, trak: u64, trak_end: u64) -> Option<Vec<(f64, Option<String>)>> {
        let (mdia, mdia_end) = self.child(trak, trak_end, &[b"mdia"])?;
        let (mdhd, _) = self.child(mdia, mdia_end, &[b"mdhd"])?;
        let version = self.bytes::<1>(mdhd)?[0];
        let scale = self.u32be(mdhd + if version == 1 { 20 } else { 12 })?;
        let (stbl, stbl_end) = self.child(mdia, mdia_end, &[b"minf", b"stbl"])?;
        let tables = self.vec(stbl, (stbl_end - stbl).min(1 << 20) as usize)?;
        let stts = crate::mp4box::child(&tables, &[b"stts"])?;
        let runs = u32::from_be_bytes(stts.get(4..8)?.try_into().ok()?) as usize;
        let mut starts = Vec::new();
        let mut t = 0u64;
        for r in 0..runs.min(MOST) {
            let e = stts.get(8 + 8 * r..16 + 8 * r)?;
            let count = u32::from_be_bytes(e[0..4].try_into().ok()?);
            let delta = u64::from(u32::from_be_bytes(e[4..8].try_into().ok()?));
            for _ in 0..count.min(MOST as u32) {
                if starts.len() < MOST {
                    starts.push(t);
                }
                t += delta;
            }
        }
        let mut samples = Vec::new();
        crate::mp4box::each_sample(&tables, |at, n| {
            samples.push((at, n));
            if samples.len() < MOST.min(starts.len()) {
                std::ops::ControlFlow::Continue(())
            } else {
                std::ops::ControlFlow::Break(())
            }
        })?;
        (scale > 0).then_some(())?;
        Some(
            starts
                .iter()
                .zip(samples)
                .map(|(&start, (at, n))| {
                    (start as f64 / f64::from(scale), self.chapter_title(at, n))
                })
                .collect(),
        )
    }

    /// The size of a track's first sample.
    pub(super) fn first_sample_size(&self, trak: u64, trak_end: u64) -> Option<u64> {
        let (stbl, stbl_end) = self.child(trak, trak_end, &[b"mdia", b"minf", b"stbl"])?;
        self.first_sample(stbl, stbl_end).map(|(_, n)| n)
    }

    /// A text sample: a 16-bit length, then the text (UTF-8, or UTF-16
    /// after a byte-order mark).
    fn chapter_title(&self, at: u64, n: u64) -> Option<String> {
        let len = u64::from(u16::from_be_bytes(self.bytes::<2>(at)?)).min(n.saturating_sub(2));
        let text = self.vec(at + 2, len.min(1024) as usize)?;
        let title = match text.get(..2) {
            Some([0xFE, 0xFF]) => String::from_utf16_lossy(
                &text[2..]
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect::<Vec<_>>(),
            ),
            _ => String::from_utf8_lossy(&text).into_owned(),
        };
        Some(title).filter(|t| !t.is_empty())
    }
}
