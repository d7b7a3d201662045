//! Sony Wave64 (`.w64`, WAVE past 4 GiB as Sound Forge and Vegas write it),
//! which no GStreamer demuxer reads: RIFF's layout with 16-byte GUIDs for
//! chunk names and 64-bit sizes that count the chunk's own 24-byte header,
//! each chunk padded to 8 bytes. Its `fmt ` chunk is a WAVEFORMATEX; the
//! stream is described as FFmpeg reads it (PCM and G.711 only: the formats
//! whose length the data's size gives).

use super::*;

/// The GUID of a Wave64 chunk or form type named by its four letters.
fn w64_guid(name: &[u8; 4]) -> [u8; 16] {
    let mut g = [0; 16];
    g[..4].copy_from_slice(name);
    let tail: [u8; 12] = if name == b"riff" {
        [
            0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00,
        ]
    } else {
        [
            0xF3, 0xAC, 0xD3, 0x11, 0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A,
        ]
    };
    g[4..].copy_from_slice(&tail);
    g
}

impl Reader {
    /// A Wave64 file's stream (codec, format tag, channels, rate, depth) and
    /// length (the data chunk's size over the block size and rate).
    pub(super) fn w64(&self, h: &mut Headers) {
        let Some(head) = self.bytes::<40>(0) else {
            return;
        };
        if head[..16] != w64_guid(b"riff") || head[24..40] != w64_guid(b"wave") {
            return;
        }
        let (mut format, mut data) = (None, None);
        let mut at = 40u64;
        for _ in 0..1000 {
            let Some(c) = self.bytes::<24>(at) else { break };
            let size = u64::from_le_bytes(c[16..24].try_into().unwrap());
            if size < 24 {
                break;
            }
            if c[..16] == w64_guid(b"fmt ") {
                format = self
                    .bytes::<16>(at + 24)
                    .map(|f| (f, self.bytes::<2>(at + 24 + 24)));
            } else if c[..16] == w64_guid(b"data") {
                data = Some(size - 24);
            }
            at = at.saturating_add(size.div_ceil(8).saturating_mul(8));
        }
        let Some((f, sub)) = format else { return };
        let word = |i: usize| u16::from_le_bytes([f[i], f[i + 1]]);
        let (mut tag, channels, block, bits) = (word(0), word(2), word(12), word(14));
        // WAVE_FORMAT_EXTENSIBLE: the format (and ffprobe's codec tag) is
        // its sub-format GUID's first two bytes.
        if tag == 0xFFFE
            && let Some(s) = sub
        {
            tag = u16::from_le_bytes(s);
        }
        let rate = u32::from_le_bytes([f[4], f[5], f[6], f[7]]);
        let codec = match (tag, bits) {
            (1, 8) => "pcm_u8",
            (1, 16) => "pcm_s16le",
            (1, 24) => "pcm_s24le",
            (1, 32) => "pcm_s32le",
            (3, 32) => "pcm_f32le",
            (3, 64) => "pcm_f64le",
            (6, _) => "pcm_alaw",
            (7, _) => "pcm_mulaw",
            _ => return,
        };
        if channels == 0 || rate == 0 || block == 0 {
            return;
        }
        if let Some(size) = data {
            h.movie_s = Some((size / u64::from(block)) as f64 / f64::from(rate));
        }
        h.header_audio = Some(HeaderAudio {
            codec: codec.to_string(),
            codec_tag: Some(fourcc_string([tag as u8, (tag >> 8) as u8, 0, 0])),
            channels: channels.into(),
            rate,
            bits: Some(bits.into()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wave64_files_pcm_is_read_from_its_chunks() {
        let chunk = |name: &[u8; 4], body: &[u8]| {
            let mut c = w64_guid(name).to_vec();
            c.extend((24 + body.len() as u64).to_le_bytes());
            c.extend(body);
            c.resize(c.len().div_ceil(8) * 8, 0);
            c
        };
        let fmt = [1, 0, 2, 0, 0x44, 0xAC, 0, 0, 0x10, 0xB1, 2, 0, 4, 0, 16, 0];
        let body = [chunk(b"fmt ", &fmt), chunk(b"data", &[0; 4 * 441])].concat();
        let mut b = w64_guid(b"riff").to_vec();
        b.extend((40 + body.len() as u64).to_le_bytes());
        b.extend(w64_guid(b"wave"));
        b.extend(body);
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &b).unwrap();
        let mut h = Headers::default();
        Reader::new(File::open(f.path()).unwrap(), b.len() as u64).w64(&mut h);
        let a = h.header_audio.expect("the stream");
        assert_eq!(
            (a.codec.as_str(), a.channels, a.rate, a.bits),
            ("pcm_s16le", 2, 44100, Some(16))
        );
        assert_eq!(a.codec_tag.as_deref(), Some("[1][0][0][0]"));
        assert_eq!(h.movie_s, Some(0.01));
    }
}
