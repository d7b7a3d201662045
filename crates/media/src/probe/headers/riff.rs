//! RIFF/AVI: the declared size and the `hdrl` stream headers.

use super::*;

impl Reader {
    pub(super) fn riff(&self, h: &mut Headers) {
        // RIFF chunks follow one another (AVI files past 1 GiB add `AVIX` ones).
        let mut at = 0u64;
        while at + 12 <= self.len {
            let Some(head) = self.bytes::<12>(at) else {
                break;
            };
            if &head[0..4] != b"RIFF" {
                break;
            }
            let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as u64;
            let end = at + 8 + size + (size & 1);
            if end > self.len {
                h.declared_size = Some(at + 8 + size);
            }
            if at == 0 && &head[8..12] == b"AVI " {
                self.avi_streams(12, end.min(self.len), h);
            }
            if at == 0 && &head[8..12] == b"WAVE" {
                h.pictures = self.wave_id3_pictures(12, end.min(self.len));
            }
            at = end;
        }
    }

    /// The chunks of `from..to` (at most 1,000): id, body offset, size.
    pub(super) fn riff_chunks(&self, from: u64, to: u64) -> Vec<([u8; 4], u64, u64)> {
        let mut out = Vec::new();
        let mut at = from;
        while at + 8 <= to && out.len() < 1000 {
            let Some(c) = self.bytes::<8>(at) else { break };
            let size = u32::from_le_bytes([c[4], c[5], c[6], c[7]]) as u64;
            out.push(([c[0], c[1], c[2], c[3]], at + 8, size));
            at += 8 + size + (size & 1);
        }
        out
    }

    pub(super) fn avi_streams(&self, start: u64, end: u64, h: &mut Headers) {
        let Some(&(_, hdrl, hsize)) = self
            .riff_chunks(start, end)
            .iter()
            .find(|(k, b, _)| k == b"LIST" && self.bytes::<4>(*b).is_some_and(|t| &t == b"hdrl"))
        else {
            return;
        };
        let mut index = 0;
        for (k, body, size) in self.riff_chunks(hdrl + 4, hdrl + hsize) {
            if &k != b"LIST" || self.bytes::<4>(body).is_none_or(|t| &t != b"strl") {
                continue;
            }
            // 1-based, as avidemux numbers its streams.
            let mut t = Track {
                id: index + 1,
                ..Track::default()
            };
            index += 1;
            for (ck, cb, csize) in self.riff_chunks(body + 4, body + size) {
                self.avi_stream_chunk(ck, cb, csize, &mut t);
            }
            h.tracks.push(t);
        }
    }

    /// One chunk of a stream's `strl` list: its header (`strh`: kind, rate,
    /// length), format (`strf`) and name (`strn`).
    fn avi_stream_chunk(&self, kind: [u8; 4], cb: u64, csize: u64, t: &mut Track) {
        match &kind {
            // The stream's name, NUL-terminated.
            b"strn" => {
                t.title = self
                    .vec(cb, csize.min(256) as usize)
                    .map(|v| {
                        let end = v.iter().position(|&c| c == 0).unwrap_or(v.len());
                        String::from_utf8_lossy(&v[..end]).trim().to_string()
                    })
                    .filter(|n| !n.is_empty());
            }
            b"strh" => {
                let Some(s) = self.bytes::<36>(cb) else {
                    return;
                };
                t.handler = brand(&s[0..4]);
                let scale = u32::from_le_bytes([s[20], s[21], s[22], s[23]]);
                let rate = u32::from_le_bytes([s[24], s[25], s[26], s[27]]);
                let length = u32::from_le_bytes([s[32], s[33], s[34], s[35]]);
                if t.handler == "vids" {
                    if scale > 0 && rate > 0 {
                        t.frame_rate = Some((rate, scale));
                    }
                    t.frames = Some(length as u64).filter(|&n| n > 0);
                }
            }
            b"strf" if t.handler == "vids" => {
                // BITMAPINFOHEADER: size, width, height (negative
                // for top-down), planes, bit count, compression.
                if let Some(b) = self.bytes::<20>(cb) {
                    t.codec_tag = Some(fourcc_string([b[16], b[17], b[18], b[19]]));
                    let w = i32::from_le_bytes([b[4], b[5], b[6], b[7]]).unsigned_abs();
                    let h = i32::from_le_bytes([b[8], b[9], b[10], b[11]]).unsigned_abs();
                    t.size = (w > 0 && h > 0).then_some((w, h));
                }
            }
            b"strf" if t.handler == "auds" => {
                // WAVEFORMATEX: format tag, channels, rate, byte
                // rate, block align, bits per sample.
                if let Some(b) = self.bytes::<16>(cb) {
                    t.codec_tag = Some(fourcc_string([b[0], b[1], 0, 0]));
                    let channels = u16::from_le_bytes([b[2], b[3]]);
                    let rate = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
                    t.sound = (channels > 0 && rate > 0).then_some((channels, rate));
                    t.sample_bits =
                        Some(u32::from(u16::from_le_bytes([b[14], b[15]]))).filter(|&n| n > 0);
                }
            }
            _ => {}
        }
    }
}
