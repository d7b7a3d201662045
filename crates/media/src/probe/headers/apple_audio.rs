//! Apple's audio containers read from their headers, for what GStreamer
//! cannot read: AIFF-C whose compression aiffparse refuses (A-law, µ-law,
//! GSM, IMA ADPCM) and CAF, for which it has no demuxer. Read as FFmpeg's
//! demuxers read them: the codec and its tag, channels, rate, sample size
//! and length.

use super::*;

/// The one audio stream of an AIFF or CAF file, as its headers state it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderAudio {
    pub codec: String,
    /// The AIFF-C compression type or the CAF format ID.
    pub codec_tag: Option<String>,
    pub channels: u32,
    pub rate: u32,
    /// Bits per sample as ffprobe gives them (none for GSM, AAC).
    pub bits: Option<u32>,
}

impl Reader {
    /// An AIFF or AIFF-C file's `COMM` chunk: channels, sample frames,
    /// sample size, rate and (AIFF-C) compression type.
    pub(super) fn aiff(&self, h: &mut Headers) {
        let Some(head) = self.bytes::<12>(0) else {
            return;
        };
        if &head[0..4] != b"FORM" || !matches!(&head[8..12], b"AIFF" | b"AIFC") {
            return;
        }
        let compressed = &head[8..12] == b"AIFC";
        let end =
            (u64::from(u32::from_be_bytes([head[4], head[5], head[6], head[7]])) + 8).min(self.len);
        let chunks = self.iff_chunks(12, end, ChunkSize::Be32, usize::MAX);
        // Its `ID3 ` chunk's pictures, which FFmpeg reads as attached pictures.
        h.pictures = self.chunk_id3_pictures(&chunks, end);
        let Some(&(_, body, size)) = chunks.iter().find(|c| &c.0 == b"COMM") else {
            return;
        };
        if let Some(b) = self.vec(body, size.min(64) as usize) {
            self.aiff_comm(&b, compressed, h);
        }
    }

    fn aiff_comm(&self, b: &[u8], compressed: bool, h: &mut Headers) {
        let (Some(ch), Some(frames), Some(bits), Some(rate)) = (
            b.get(0..2)
                .map(|v| u32::from(u16::from_be_bytes([v[0], v[1]]))),
            b.get(2..6)
                .map(|v| u64::from(u32::from_be_bytes([v[0], v[1], v[2], v[3]]))),
            b.get(6..8)
                .map(|v| u32::from(u16::from_be_bytes([v[0], v[1]]))),
            b.get(8..18).and_then(extended),
        ) else {
            return;
        };
        let tag = compressed
            .then(|| b.get(18..22).map(|t| [t[0], t[1], t[2], t[3]]))
            .flatten();
        let Some((codec, block, depth)) = aiff_codec(tag.as_ref(), bits) else {
            return;
        };
        if ch == 0 || rate == 0 {
            return;
        }
        if block > 0 {
            h.movie_s = Some((frames * block) as f64 / f64::from(rate));
        }
        h.header_audio = Some(HeaderAudio {
            codec: codec.to_string(),
            codec_tag: tag.map(fourcc_string),
            channels: ch,
            rate,
            bits: depth,
        });
    }

    /// A CAF file's `desc` chunk (rate, format, bytes and frames per packet,
    /// channels, bits), and its length from the `pakt` chunk's frames, else
    /// from the `data` chunk's size.
    pub(super) fn caf(&self, h: &mut Headers) {
        if self.bytes::<4>(0).as_ref() != Some(b"caff") {
            return;
        }
        let (mut desc, mut frames, mut data, mut cookie) = (None, None, None, None);
        let mut at = 8;
        for _ in 0..256 {
            let Some(c) = self.bytes::<12>(at) else { break };
            let size = i64::from_be_bytes(c[4..12].try_into().unwrap());
            let body = at + 12;
            match &c[0..4] {
                b"desc" => desc = self.bytes::<32>(body),
                b"kuki" if size > 0 => cookie = self.vec(body, size.min(256) as usize),
                // Packets, valid frames, priming and remainder frames.
                b"pakt" => {
                    frames = self.bytes::<24>(body).map(|p| {
                        let n = |r: std::ops::Range<usize>| {
                            p[r].iter().fold(0i64, |v, &x| v << 8 | i64::from(x))
                        };
                        n(8..16) + n(16..20) + n(20..24)
                    })
                }
                // An edit count, then the data; -1: to the end of the file.
                b"data" => {
                    data = Some(if size < 0 {
                        self.len.saturating_sub(body)
                    } else {
                        size as u64
                    })
                    .map(|d| d.saturating_sub(4))
                }
                _ => {}
            }
            if size < 0 {
                break;
            }
            at = body + size as u64;
        }
        let Some(d) = desc else { return };
        let rate = f64::from_be_bytes(d[0..8].try_into().unwrap());
        let word = |i: usize| u32::from_be_bytes(d[i..i + 4].try_into().unwrap());
        let (format, flags) = ([d[8], d[9], d[10], d[11]], word(12));
        let (bytes_per_packet, frames_per_packet) = (word(16), word(20));
        let (channels, bits) = (word(24), word(28));
        let Some(codec) = caf_codec(&format, flags, bits) else {
            return;
        };
        if !(1.0..1e7).contains(&rate) || channels == 0 {
            return;
        }
        let frames = frames.map(|f| f as f64).or_else(|| {
            (bytes_per_packet > 0 && frames_per_packet > 0).then(|| {
                let packets = data? / u64::from(bytes_per_packet);
                Some((packets * u64::from(frames_per_packet)) as f64)
            })?
        });
        h.movie_s = frames.filter(|&f| f > 0.0).map(|f| f / rate);
        h.header_audio = Some(HeaderAudio {
            codec,
            codec_tag: Some(fourcc_string(format)),
            channels,
            rate: rate as u32,
            bits: (bits > 0)
                .then_some(bits)
                .or_else(|| alac_depth(&format, cookie.as_deref()?)),
        });
    }
}

/// ALAC's sample size from its magic cookie: the 24-byte configuration
/// (frame length, version, then the bit depth), alone or inside an `alac`
/// atom after a `frma` one.
fn alac_depth(format: &[u8; 4], cookie: &[u8]) -> Option<u32> {
    if format != b"alac" {
        return None;
    }
    let config = match cookie.len() {
        24 => cookie,
        _ => {
            let at = cookie.windows(4).rposition(|w| w == b"alac")?;
            cookie.get(at + 8..)?
        }
    };
    Some(u32::from(*config.get(5)?)).filter(|&d| d > 0)
}

/// An 80-bit IEEE extended float (AIFF's sample rate), rounded.
fn extended(b: &[u8]) -> Option<u32> {
    let exponent = i32::from(u16::from_be_bytes([b[0], b[1]]) & 0x7FFF);
    let mantissa = u64::from_be_bytes(b.get(2..10)?.try_into().ok()?);
    let value = mantissa as f64 * 2f64.powi(exponent - 16383 - 63);
    (1.0..1e7).contains(&value).then(|| value.round() as u32)
}

/// FFmpeg's codec for an AIFF(-C) stream of `bits`, its samples per
/// block (0: unknown) and the sample size ffprobe gives.
fn aiff_codec(tag: Option<&[u8; 4]>, bits: u32) -> Option<(&'static str, u64, Option<u32>)> {
    let by_bits = || match bits {
        8 => Some(("pcm_s8", 1, Some(8))),
        16 => Some(("pcm_s16be", 1, Some(16))),
        24 => Some(("pcm_s24be", 1, Some(24))),
        32 => Some(("pcm_s32be", 1, Some(32))),
        _ => None,
    };
    match tag.map(|t| &t[..]) {
        None | Some(b"NONE" | b"twos") => by_bits(),
        Some(b"sowt") => Some(("pcm_s16le", 1, Some(16))),
        Some(b"raw ") => Some(("pcm_u8", 1, Some(8))),
        Some(b"in24") => Some(("pcm_s24be", 1, Some(24))),
        Some(b"in32") => Some(("pcm_s32be", 1, Some(32))),
        Some(b"fl32") => Some(("pcm_f32be", 1, Some(32))),
        Some(b"fl64") => Some(("pcm_f64be", 1, Some(64))),
        Some(b"alaw") => Some(("pcm_alaw", 1, Some(8))),
        Some(b"ulaw") => Some(("pcm_mulaw", 1, Some(8))),
        Some(b"ima4") => Some(("adpcm_ima_qt", 64, Some(4))),
        Some(b"GSM ") => Some(("gsm", 160, None)),
        Some(b"MAC3") => Some(("mace3", 6, None)),
        Some(b"MAC6") => Some(("mace6", 6, None)),
        Some(b"QDM2") => Some(("qdm2", 0, None)),
        Some(b"QDMC") => Some(("qdmc", 0, None)),
        Some(b"Qclp") => Some(("qcelp", 0, None)),
        _ => None,
    }
}

/// FFmpeg's codec for a CAF format ID; linear PCM by its flags (float,
/// little-endian) and sample size, signed.
fn caf_codec(format: &[u8; 4], flags: u32, bits: u32) -> Option<String> {
    let name = match format {
        b"lpcm" => {
            let (float, little) = (flags & 1 != 0, flags & 2 != 0);
            let kind = match (float, bits) {
                (true, 32 | 64) => format!("pcm_f{bits}"),
                (false, 8) => return Some("pcm_s8".into()),
                (false, 16 | 24 | 32) => format!("pcm_s{bits}"),
                _ => return None,
            };
            return Some(format!("{kind}{}", if little { "le" } else { "be" }));
        }
        b"alac" => "alac",
        b"aac " => "aac",
        b"ima4" => "adpcm_ima_qt",
        b"ulaw" => "pcm_mulaw",
        b"alaw" => "pcm_alaw",
        b".mp3" => "mp3",
        b"MAC3" => "mace3",
        b"MAC6" => "mace6",
        b"opus" => "opus",
        b"flac" => "flac",
        b"ac-3" => "ac3",
        b"ilbc" => "ilbc",
        b"samr" => "amr_nb",
        _ => return None,
    };
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_rates_and_codecs_as_ffmpeg_names_them() {
        // 44,100 Hz and 8,000 Hz as 80-bit extended floats.
        assert_eq!(
            extended(&[0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0]),
            Some(44100)
        );
        assert_eq!(
            extended(&[0x40, 0x0B, 0xFA, 0, 0, 0, 0, 0, 0, 0]),
            Some(8000)
        );
        assert_eq!(aiff_codec(None, 24).map(|c| c.0), Some("pcm_s24be"));
        assert_eq!(aiff_codec(Some(b"GSM "), 16), Some(("gsm", 160, None)));
        assert_eq!(caf_codec(b"lpcm", 2, 24).as_deref(), Some("pcm_s24le"));
        assert_eq!(caf_codec(b"lpcm", 1, 32).as_deref(), Some("pcm_f32be"));
        assert_eq!(caf_codec(b"lpcm", 0, 8).as_deref(), Some("pcm_s8"));
        assert_eq!(caf_codec(b"alac", 0, 16).as_deref(), Some("alac"));
        assert_eq!(caf_codec(b"zzzz", 0, 16), None);
    }
}
