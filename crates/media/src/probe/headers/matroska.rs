//! Matroska/WebM: EBML variable-length integers, the segment size, and the
//! Tracks element.

use super::*;

impl Reader {
    /// EBML variable-length integer at `at`: (value, length); `None` for the
    /// reserved "unknown size".
    pub(super) fn vint(&self, at: u64, keep_marker: bool) -> Option<(Option<u64>, u64)> {
        let first = self.bytes::<1>(at)?[0];
        let n = first.leading_zeros() as u64 + 1;
        if n > 8 {
            return None;
        }
        let rest = self.vec(at + 1, (n - 1) as usize)?;
        let mut v = if keep_marker {
            first as u64
        } else {
            (first as u64) & (0xff >> n)
        };
        for b in rest {
            v = (v << 8) | b as u64;
        }
        let all_ones = !keep_marker && v == (1u64 << (7 * n)) - 1;
        Some(((!all_ones).then_some(v), n))
    }

    pub(super) fn matroska(&self, h: &mut Headers) {
        // EBML header, then the Segment: its declared size says where the file ends.
        let Some((Some(id), idn)) = self.vint(0, true) else {
            return;
        };
        if id != 0x1A45_DFA3 {
            return;
        }
        let Some((Some(size), sn)) = self.vint(idn, false) else {
            return;
        };
        let seg = idn + sn + size;
        let Some((Some(seg_id), n1)) = self.vint(seg, true) else {
            return;
        };
        if seg_id != 0x1853_8067 {
            return;
        }
        let Some((seg_size, n2)) = self.vint(seg + n1, false) else {
            return;
        };
        let body = seg + n1 + n2;
        let seg_end = match seg_size {
            Some(s) => {
                h.declared_size = Some(body + s);
                body + s
            }
            None => self.len,
        };
        // The Tracks element comes before the first Cluster.
        for (id, b, e) in self.elements(body, seg_end.min(self.len), 64) {
            match id {
                0x1654_AE6B => {
                    for (tid, tb, te) in self.elements(b, e, 1000) {
                        if tid == 0xAE {
                            h.tracks.push(self.matroska_track(tb, te));
                        }
                    }
                    break;
                }
                0x1F43_B675 => break,
                _ => {}
            }
        }
    }

    /// The EBML elements in `[start, end)`: (id, data start, data end). Stops at
    /// an element of unknown size.
    pub(super) fn elements(&self, start: u64, end: u64, max: usize) -> Vec<(u64, u64, u64)> {
        let mut out = Vec::new();
        let mut at = start;
        while at < end && out.len() < max {
            let Some((Some(id), n1)) = self.vint(at, true) else {
                break;
            };
            let Some((Some(size), n2)) = self.vint(at + n1, false) else {
                break;
            };
            let data = at + n1 + n2;
            out.push((id, data, data + size));
            at = data + size;
        }
        out
    }

    pub(super) fn matroska_track(&self, start: u64, end: u64) -> Track {
        let mut t = Track {
            // Absent flags have their defaults: FlagDefault 1, FlagForced 0.
            default: Some(true),
            forced: Some(false),
            ..Track::default()
        };
        let mut bcp47 = None;
        for (id, b, e) in self.elements(start, end.min(self.len), 200) {
            let n = (e - b).min(1024) as usize;
            let text = || {
                self.vec(b, n).map(|v| {
                    String::from_utf8_lossy(&v)
                        .trim_end_matches('\0')
                        .to_string()
                })
            };
            let uint = || {
                self.vec(b, n.min(8))
                    .map(|v| v.iter().fold(0u64, |a, &x| (a << 8) | x as u64))
            };
            match id {
                0xD7 => t.id = uint().unwrap_or(0) as u32,
                0x86 => t.codec_id = text(),
                0x22_B59C => t.language = text(),
                0x22_B59D => bcp47 = text(),
                0x536E => t.title = text().filter(|x| !x.is_empty()),
                0x88 => t.default = uint().map(|v| v != 0),
                0x55AA => t.forced = uint().map(|v| v != 0),
                0x83 => {
                    t.handler = match uint() {
                        Some(1) => "video",
                        Some(2) => "audio",
                        Some(0x11) => "subtitle",
                        _ => "",
                    }
                    .into()
                }
                _ => {}
            }
        }
        // Language defaults to "eng" when the element is absent (Matroska spec).
        if t.language.is_none() && bcp47.is_none() {
            t.language = Some("eng".into());
        }
        t.language = t.language.or(bcp47);
        t
    }
}
