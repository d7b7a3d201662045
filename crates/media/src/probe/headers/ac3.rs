//! Raw AC-3, E-AC-3 and DTS files: the duration FFmpeg estimates from the
//! bit rate, so it does not hang on when the parser has seen enough frames
//! to answer a duration query (a race: some scans got none).

use super::*;

impl Reader {
    /// Raw AC-3 or E-AC-3 (its first sync frame at the start, or right
    /// after a leading ID3 tag): the file's size after the tag over
    /// the bit rate of its first sync frame (with the dependent frames of
    /// an E-AC-3 stream that follow it, as FFmpeg's decoder adds them).
    pub(super) fn ac3_estimate(&self) -> Option<f64> {
        // After a leading ID3 tag, however large its pictures.
        let start = self.leading_id3_len().unwrap_or(0);
        let n = self.len.saturating_sub(start as u64).min(64 * 1024) as usize;
        let frames = self.vec(start as u64, n)?;
        let frames = Some(frames.as_slice()).filter(|b| b.starts_with(&[0x0B, 0x77]))?;
        let bit_rate = bit_rate(frames)?;
        Some((self.len - start as u64) as f64 * 8.0 / bit_rate as f64)
    }
}

impl Reader {
    /// Raw DTS (its first core frame at the start, or right after a
    /// leading ID3 tag): the file's size at the frame header's nominal bit
    /// rate, as FFmpeg estimates it. A stream that does not start on a
    /// frame, or states an open or variable rate, has none.
    pub(super) fn dts_estimate(&self) -> Option<f64> {
        const KBITS: [u32; 29] = [
            32, 56, 64, 96, 112, 128, 192, 224, 256, 320, 384, 448, 512, 576, 640, 768, 960, 1024,
            1152, 1280, 1344, 1408, 0, 1472, 1536, 1920, 2048, 3072, 3840,
        ];
        let start = self.leading_id3_len().unwrap_or(0) as u64;
        let h = self.bytes::<10>(start)?;
        let code = crate::probe::bitstream::dts_core(&h)?.bit_rate_code as usize;
        let bit_rate = match code {
            22 => 1_411_200,
            _ => u64::from(*KBITS.get(code)?) * 1000,
        };
        (bit_rate > 0).then(|| (self.len - start) as f64 * 8.0 / bit_rate as f64)
    }
}

/// The bit rate (bit/s) of the first AC-3 sync frame of `b`, or of the
/// first independent E-AC-3 frame and the dependent frames after it.
fn bit_rate(b: &[u8]) -> Option<u64> {
    let at = b.windows(2).take(4096).position(|w| w == [0x0B, 0x77])?;
    let first = frame(&b[at..])?;
    if !first.eac3 {
        return Some(first.bit_rate);
    }
    let mut total = first.bit_rate;
    let mut next = at + first.size;
    while let Some(f) = b.get(next..).and_then(frame) {
        // strmtyp 1: a dependent substream of the frame before.
        if !f.eac3 || f.stream_type != 1 {
            break;
        }
        total += f.bit_rate;
        next += f.size;
    }
    Some(total)
}

/// What one sync frame's header says.
struct Frame {
    eac3: bool,
    stream_type: u8,
    size: usize,
    bit_rate: u64,
}

/// AC-3's bit rates by `frmsizecod / 2` (kbit/s, ATSC A/52 table 5.18).
const AC3_KBITS: [u64; 19] = [
    32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640,
];

/// The header of the sync frame `b` starts with (ATSC A/52, 5.4.1 and
/// E.1.2.1).
fn frame(b: &[u8]) -> Option<Frame> {
    if b.get(..2)? != [0x0B, 0x77] {
        return None;
    }
    let bsid = b.get(5)? >> 3;
    if bsid > 16 {
        return None;
    }
    let rate = crate::probe::bitstream::ac3_rate(b)? as u64;
    if bsid <= 10 {
        let code = usize::from(b[4] & 0x3F);
        let kbits = *AC3_KBITS.get(code / 2)?;
        // 16-bit words per frame: 2 per kbit/s at 48 kHz, 3 at 32 kHz,
        // and at 44.1 kHz in proportion plus the odd code's extra word.
        let words = kbits * 96_000 / rate + u64::from(rate == 44100 && code % 2 == 1);
        // bsid 9 and 10: half and quarter sampling rates, same frame.
        let shift = bsid.saturating_sub(8);
        return Some(Frame {
            eac3: false,
            stream_type: 0,
            size: words as usize * 2,
            bit_rate: (kbits * 1000) >> shift,
        });
    }
    let size = ((usize::from(b[2] & 7) << 8 | usize::from(b[3])) + 1) * 2;
    // Reduced rates (fscod 3) code the rate where the block count was: six.
    let blocks = match b[4] >> 6 {
        3 => 6,
        _ => [1, 2, 3, 6][usize::from(b[4] >> 4 & 3)],
    };
    Some(Frame {
        eac3: true,
        stream_type: b[2] >> 6,
        size,
        bit_rate: 8 * size as u64 * rate / (blocks * 256),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ac3_and_eac3_bit_rates_from_their_headers() {
        // AC-3, 48 kHz, frmsizecod 28 (384 kbit/s): 1536 bytes a frame.
        let ac3 = [0x0B, 0x77, 0, 0, 0x1C, 0x30, 0, 0];
        let f = frame(&ac3).unwrap();
        assert_eq!((f.bit_rate, f.size, f.eac3), (384_000, 1536, false));
        // The same code at 44.1 kHz: 835 words, 836 for the odd code; at
        // 32 kHz, 1152.
        let f = frame(&[0x0B, 0x77, 0, 0, 0x5C, 0x30]).unwrap();
        assert_eq!((f.bit_rate, f.size), (384_000, 2 * 835));
        assert_eq!(
            frame(&[0x0B, 0x77, 0, 0, 0x5D, 0x30]).unwrap().size,
            2 * 836
        );
        assert_eq!(
            frame(&[0x0B, 0x77, 0, 0, 0x9C, 0x30]).unwrap().size,
            2 * 1152
        );
        // E-AC-3, independent, 4000 bytes, 48 kHz, one block: 6 Mbit/s.
        let independent = |len: usize, kind: u8| {
            let words = len / 2 - 1;
            let mut f = vec![
                0x0B,
                0x77,
                kind << 6 | (words >> 8) as u8,
                words as u8,
                0x00,
                0x80,
            ];
            f.resize(len, 0);
            f
        };
        let one = independent(4000, 0);
        assert_eq!(bit_rate(&one), Some(6_000_000));
        // 6 blocks (numblkscod 3): 2560 bytes are 640 kbit/s; a dependent
        // frame after it adds its own.
        let mut six = independent(2560, 0);
        six[4] = 0x30;
        let mut dependent = independent(1024, 1);
        dependent[4] = 0x30;
        assert_eq!(bit_rate(&six), Some(640_000));
        let both = [six.clone(), dependent, six].concat();
        assert_eq!(bit_rate(&both), Some(640_000 + 256_000));
        assert_eq!(bit_rate(&[0, 1, 2, 3]), None);
    }
}
