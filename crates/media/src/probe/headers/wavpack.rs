//! WavPack: the length its first block header states (total samples at
//! the rate its flags index), as FFmpeg's demuxer takes it. A stream
//! written without knowing its length says 0xFFFFFFFF (or 0) there, and
//! has no duration to ffprobe; wavpackparse's answer to a duration query
//! came in some scans only.

use super::*;

/// WavPack's standard rates, by the four-bit index of a block's flags (15:
/// a rate of its own, in the block's metadata).
const RATES: [u32; 15] = [
    6000, 8000, 9600, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000,
    192000,
];

/// What a WavPack file's first block says of its length.
#[derive(Debug, PartialEq)]
pub(super) enum Length {
    Seconds(f64),
    /// Written without knowing it.
    Unknown,
}

impl Reader {
    /// The length the first block header states; None when it is not a
    /// WavPack block or its rate is not a standard one.
    pub(super) fn wavpack_length(&self) -> Option<Length> {
        length(&self.bytes::<32>(0)?)
    }

    /// The duration the first block states, or that it states none; DSD's
    /// stream and length (GStreamer has no decoder to tell them).
    pub(super) fn wavpack(&self, h: &mut Headers) {
        self.wavpack_dsd(h);
        if h.header_audio.is_some() {
            return;
        }
        match self.wavpack_length() {
            Some(Length::Seconds(s)) => h.estimated_duration_s = Some(s),
            Some(Length::Unknown) => h.length_unknown = true,
            None => {}
        }
    }
}

impl Reader {
    /// DSD in WavPack (a block whose flags have bit 31 set), which no
    /// GStreamer type finder names: its one stream from the first block,
    /// as FFmpeg reads it. The rate is the flags' (or a sample rate
    /// sub-block's) shifted up by the DSD sub-block's first byte, counting
    /// bytes of eight one-bit samples, as the total samples are counted.
    pub(super) fn wavpack_dsd(&self, h: &mut Headers) {
        let Some(head) = self.bytes::<32>(0) else {
            return;
        };
        let flags = u32::from_le_bytes([head[24], head[25], head[26], head[27]]);
        if &head[..4] != b"wvpk" || flags & 1 << 31 == 0 {
            return;
        }
        let block_end = 8 + u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
        let mut rate = RATES.get(((flags >> 23) & 0xF) as usize).copied();
        let mut channels = if flags & 4 != 0 { 1 } else { 2 };
        let mut shift = None;
        for (id, body, len) in self.wavpack_metadata(32, block_end.min(self.len)) {
            match id {
                // Channel information: the count first.
                0x0D => channels = self.bytes::<1>(body).map_or(channels, |b| u32::from(b[0])),
                0x0E if len > 1 => shift = self.bytes::<1>(body).map(|b| b[0]),
                0x27 if len >= 3 => {
                    rate = self
                        .bytes::<3>(body)
                        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], 0]))
                }
                _ => {}
            }
        }
        let (Some(rate), Some(shift)) = (rate, shift.filter(|&s| s <= 8)) else {
            return;
        };
        let rate = rate << shift;
        if let Some(total) = total_samples(&head)
            && rate > 0
        {
            h.movie_s = Some(total as f64 / f64::from(rate));
        }
        h.header_audio = Some(HeaderAudio {
            codec: "wavpack".into(),
            codec_tag: None,
            channels,
            rate,
            bits: Some(8),
        });
    }

    /// The metadata sub-blocks of a block in `[from, to)`: id (its low six
    /// bits), where the data starts and its length (less the odd-size
    /// flag's pad byte).
    fn wavpack_metadata(&self, from: u64, to: u64) -> Vec<(u8, u64, u64)> {
        let mut out = Vec::new();
        let mut at = from;
        while at + 2 <= to && out.len() < 64 {
            let Some(b) = self.bytes::<4>(at) else { break };
            let (words, header) = if b[0] & 0x80 != 0 {
                (u64::from(u32::from_le_bytes([b[1], b[2], b[3], 0])), 4)
            } else {
                (u64::from(b[1]), 2)
            };
            let len = (words * 2).saturating_sub(u64::from(b[0] >> 6 & 1));
            out.push((b[0] & 0x3F, at + header, len));
            at += header + words * 2;
        }
        out
    }
}

/// The total samples a block header states; None when it states them
/// unknown: 0xFFFFFFFF, or 0 as well (a muxer writing to a pipe cannot go
/// back to write it).
fn total_samples(h: &[u8; 32]) -> Option<u64> {
    let low = u32::from_le_bytes([h[12], h[13], h[14], h[15]]);
    if low == u32::MAX || (low == 0 && h[11] == 0) {
        return None;
    }
    Some(u64::from(low) | u64::from(h[11]) << 32)
}

fn length(h: &[u8; 32]) -> Option<Length> {
    if &h[..4] != b"wvpk" {
        return None;
    }
    let Some(total) = total_samples(h) else {
        return Some(Length::Unknown);
    };
    let flags = u32::from_le_bytes([h[24], h[25], h[26], h[27]]);
    let rate = *RATES.get(((flags >> 23) & 0xF) as usize)?;
    Some(Length::Seconds(total as f64 / f64::from(rate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(total: u32, rate_index: u32) -> [u8; 32] {
        let mut h = [0u8; 32];
        h[..4].copy_from_slice(b"wvpk");
        h[8] = 0x10;
        h[9] = 0x04;
        h[12..16].copy_from_slice(&total.to_le_bytes());
        h[24..28].copy_from_slice(&(rate_index << 23).to_le_bytes());
        h
    }

    /// A DSD block of 44.1 kHz (index 9) whose DSD sub-block shifts the
    /// rate by `shift`, holding `total` samples, with a 3-byte sub-block
    /// of odd size before it.
    fn dsd_block(total: u32, shift: u8) -> Vec<u8> {
        let mut b = block(total, 9).to_vec();
        b[24..28].copy_from_slice(&(1u32 << 31 | 9 << 23).to_le_bytes());
        b.extend([0x68, 2, b'd', b's', b'f', 0]);
        b.extend([0x0E, 2, shift, 0, 0, 0]);
        let size = (b.len() - 8) as u32;
        b[4..8].copy_from_slice(&size.to_le_bytes());
        b
    }

    #[test]
    fn dsd_in_wavpack_is_listed_from_its_first_block() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.wv");
        std::fs::write(&p, dsd_block(176_400, 2)).unwrap();
        // Not named by GStreamer, or named as WavPack.
        for container in ["", "wavpack"] {
            let h = read(&p, container, false);
            let a = h.header_audio.as_ref().expect(container);
            assert_eq!(
                (a.codec.as_str(), a.channels, a.rate),
                ("wavpack", 2, 176_400)
            );
            assert_eq!(a.bits, Some(8));
            assert_eq!(h.movie_s, Some(1.0));
            assert_eq!(h.estimated_duration_s, None);
        }
        // PCM WavPack is GStreamer's to read.
        std::fs::write(&p, block(88_200, 9)).unwrap();
        assert_eq!(read(&p, "", false).header_audio, None);
    }

    #[test]
    fn the_first_block_states_the_length_or_that_it_is_unknown() {
        assert_eq!(length(&block(88_200, 9)), Some(Length::Seconds(2.0)));
        assert_eq!(length(&block(u32::MAX, 9)), Some(Length::Unknown));
        assert_eq!(length(&block(0, 9)), Some(Length::Unknown));
        assert_eq!(length(&block(88_200, 15)), None);
        assert_eq!(length(&[0u8; 32]), None);
    }
}
