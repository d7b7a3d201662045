//! iTunes-style metadata (`udta/meta/ilst`): the cover art, and the
//! gapless playback information (`----` `iTunSMPB`) whose priming delays
//! an AAC track's start as FFmpeg places it.

use super::*;

impl Reader {
    /// The `ilst` of a `udta`: `meta` is a full box (ISO) or a plain one
    /// (QuickTime).
    fn ilst(&self, udta: u64, end: u64) -> Option<(u64, u64)> {
        let (meta, meta_end) = self.child(udta, end, &[b"meta"])?;
        self.child(meta + 4, meta_end, &[b"ilst"])
            .or_else(|| self.child(meta, meta_end, &[b"ilst"]))
    }

    /// The cover art of an iTunes-style `udta/meta/ilst/covr`: each `data`
    /// box of type JPEG (13), PNG (14) or BMP (27), with its length, as
    /// ffprobe counts attached pictures (whether or not they decode).
    pub(super) fn cover_pictures(&self, udta: u64, end: u64) -> Vec<(String, u64)> {
        let ilst = self.ilst(udta, end);
        let Some((covr, covr_end)) = ilst.and_then(|(i, ie)| self.child(i, ie, &[b"covr"])) else {
            return Vec::new();
        };
        self.boxes(covr, covr_end)
            .into_iter()
            .filter(|(k, _, _)| k == b"data")
            .filter_map(|(_, body, data_end)| {
                let mime = match self.u32be(body)? & 0x00FF_FFFF {
                    13 => "image/jpeg",
                    14 => "image/png",
                    27 => "image/bmp",
                    _ => return None,
                };
                Some((mime.to_string(), data_end.checked_sub(body + 8)?))
            })
            .collect()
    }

    /// The priming samples of an `iTunSMPB` entry (` 00000000 00000840
    /// 000001CA …`: the second hexadecimal field), as FFmpeg takes them:
    /// between 1 and 16383.
    fn itunes_priming(&self, udta: u64, end: u64) -> Option<u32> {
        let (ilst, ilst_end) = self.ilst(udta, end)?;
        self.boxes(ilst, ilst_end)
            .into_iter()
            .filter(|(k, _, _)| k == b"----")
            .find_map(|(_, body, entry_end)| {
                let mut name = None;
                let mut data = None;
                for (k, b, e) in self.boxes(body, entry_end) {
                    let text = |skip: u64| {
                        let n = e.checked_sub(b + skip)?.min(256) as usize;
                        self.vec(b + skip, n)
                    };
                    match &k {
                        b"name" => name = text(4),
                        b"data" => data = text(8),
                        _ => {}
                    }
                }
                (name.as_deref() == Some(b"iTunSMPB")).then_some(())?;
                let data = String::from_utf8_lossy(&data?).into_owned();
                let priming = data.split_whitespace().nth(1)?;
                u32::from_str_radix(priming, 16)
                    .ok()
                    .filter(|p| (1..16384).contains(p))
            })
    }

    /// An `iTunSMPB` entry applies to the track read last before it, as
    /// FFmpeg applies it: an AAC track without an edit list then starts
    /// its priming samples late (ffprobe's start time), which is where
    /// ffprobe ends the last chapter (the file's start plus its length).
    pub(super) fn gapless_start(
        &self,
        udta: u64,
        end: u64,
        track: Option<&mut Track>,
        trak: Option<&(u64, u64)>,
    ) {
        let (Some(t), Some(&(tb, te))) = (track, trak) else {
            return;
        };
        if !t.aac || self.child(tb, te, &[b"edts"]).is_some() {
            return;
        }
        if let (Some(p), Some((_, rate))) = (self.itunes_priming(udta, end), t.sound)
            && rate > 0
        {
            t.start_s = Some(f64::from(p) / f64::from(rate));
        }
    }
}
