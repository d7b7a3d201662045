//! FFV1 (RFC 9043): the pixel format its header states, as FFmpeg's
//! decoder names it. The header is range coded: version 2 and later keep
//! it in the configuration record (Matroska's `CodecPrivate`), versions 0
//! and 1 at the start of every key frame, after the key frame bit. Only
//! the fields up to the alpha plane's flag are read.

/// The range decoder of FFV1 (FFmpeg's `rangecoder`), with its default
/// state transition table.
struct Range<'a> {
    data: &'a [u8],
    at: usize,
    low: u32,
    range: u32,
    one: [u8; 256],
    zero: [u8; 256],
}

impl<'a> Range<'a> {
    fn new(data: &'a [u8]) -> Option<Range<'a>> {
        let low = u32::from(u16::from_be_bytes([*data.first()?, *data.get(1)?]));
        let (one, zero) = states();
        Some(Range {
            data,
            at: 2,
            low: low.min(0xFF00),
            range: 0xFF00,
            one,
            zero,
        })
    }

    fn refill(&mut self) {
        if self.range < 0x100 {
            self.range <<= 8;
            self.low <<= 8;
            if let Some(&b) = self.data.get(self.at) {
                self.low += u32::from(b);
            }
            self.at += 1;
        }
    }

    /// One binary decision in the context `state`.
    fn bit(&mut self, state: &mut u8) -> bool {
        let part = (self.range * u32::from(*state)) >> 8;
        self.range -= part;
        let one = self.low >= self.range;
        if one {
            self.low -= self.range;
            self.range = part;
            *state = self.one[usize::from(*state)];
        } else {
            *state = self.zero[usize::from(*state)];
        }
        self.refill();
        one
    }

    /// A symbol: zero, or an exponent in unary, a mantissa and (`signed`)
    /// a sign.
    fn symbol_of(&mut self, state: &mut [u8; 32], signed: bool) -> Option<i64> {
        if self.bit(&mut state[0]) {
            return Some(0);
        }
        let mut e = 0usize;
        while self.bit(&mut state[1 + e.min(9)]) {
            e += 1;
            if e > 31 {
                return None;
            }
        }
        let mut a = 1i64;
        for i in (0..e).rev() {
            a = 2 * a + i64::from(self.bit(&mut state[22 + i.min(9)]));
        }
        let negative = signed && self.bit(&mut state[11 + e.min(10)]);
        Some(if negative { -a } else { a })
    }

    /// An unsigned symbol.
    fn symbol(&mut self, state: &mut [u8; 32]) -> Option<u32> {
        u32::try_from(self.symbol_of(state, false)?).ok()
    }
}

/// FFmpeg's `ff_build_rac_states(c, 0.05 * 2^32, 256 - 8)`: the next state
/// after a one and after a zero.
fn states() -> ([u8; 256], [u8; 256]) {
    const ONE: i64 = 1 << 32;
    const MAX_P: i64 = 256 - 8;
    let factor = (0.05 * (ONE as f64)) as i64;
    let mut one = [0u8; 256];
    let mut zero = [0u8; 256];
    let mut last = 0i64;
    let mut p = ONE / 2;
    for _ in 0..128 {
        let mut p8 = (256 * p + ONE / 2) >> 32;
        if p8 <= last {
            p8 = last + 1;
        }
        if last > 0 && last < 256 && p8 <= MAX_P {
            one[last as usize] = p8 as u8;
        }
        p += ((ONE - p) * factor + ONE / 2) >> 32;
        last = p8;
    }
    for i in (256 - MAX_P)..=MAX_P {
        if one[i as usize] != 0 {
            continue;
        }
        let mut p = (i * ONE + 128) >> 8;
        p += ((ONE - p) * factor + ONE / 2) >> 32;
        let mut p8 = (256 * p + ONE / 2) >> 32;
        if p8 <= i {
            p8 = i + 1;
        }
        one[i as usize] = p8.min(MAX_P) as u8;
    }
    for i in 1..255 {
        zero[i] = 256u16.wrapping_sub(u16::from(one[256 - i])) as u8;
    }
    (one, zero)
}

/// The picture fields of a header: colour space, bits, chroma planes,
/// chroma shifts, alpha.
struct Picture {
    colorspace: u32,
    bits: u32,
    chroma: bool,
    h_shift: u32,
    v_shift: u32,
    alpha: bool,
}

/// The header's fields from `r`, after its version (and, from version 3,
/// micro version): coder type (and a custom state table), colour space,
/// bits (version 0: 8), chroma planes, shifts and alpha.
fn picture(r: &mut Range, state: &mut [u8; 32], version: u32) -> Option<Picture> {
    let coder = r.symbol(state)?;
    if coder == 2 {
        // A custom state transition table: 255 signed symbols, skipped.
        for _ in 1..256 {
            r.symbol_of(state, true)?;
        }
    }
    let colorspace = r.symbol(state)?;
    let bits = if version > 0 { r.symbol(state)? } else { 8 };
    let chroma = r.bit(&mut state[0]);
    let h_shift = r.symbol(state)?;
    let v_shift = r.symbol(state)?;
    let alpha = r.bit(&mut state[0]);
    Some(Picture {
        colorspace,
        bits: if bits == 0 { 8 } else { bits },
        chroma,
        h_shift,
        v_shift,
        alpha,
    })
}

/// The pixel format of an FFV1 stream of version 2 or later, from its
/// configuration record (a version 3 record must pass its CRC). Versions 0
/// and 1 have no record: [`frame_pixel_format`] reads their key frames.
pub fn pixel_format(config: &[u8]) -> Option<String> {
    let mut r = Range::new(config)?;
    let mut state = [128u8; 32];
    let version = r.symbol(&mut state)?;
    if version < 2 {
        return None;
    }
    if version > 2 {
        if crc(config) != 0 {
            return None;
        }
        r.symbol(&mut state)?;
    }
    name(&picture(&mut r, &mut state, version)?)
}

/// The pixel format a key frame of FFV1 version 0 or 1 states, after its
/// key frame bit. Only for a stream known to have no configuration record
/// (later versions' frames hold slices, which read as garbage here).
pub fn frame_pixel_format(frame: &[u8]) -> Option<String> {
    let mut r = Range::new(frame)?;
    let mut key = 128u8;
    if !r.bit(&mut key) {
        return None;
    }
    let mut state = [128u8; 32];
    let version = r.symbol(&mut state)?;
    if version > 1 {
        return None;
    }
    name(&picture(&mut r, &mut state, version)?)
}

/// CRC-32 of `data` as FFmpeg's `AV_CRC_32_IEEE` (most significant bit
/// first, no inversion): zero over a record that ends in its own.
fn crc(data: &[u8]) -> u32 {
    data.iter().fold(0u32, |mut c, &b| {
        c ^= u32::from(b) << 24;
        for _ in 0..8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04C1_1DB7
            } else {
                c << 1
            };
        }
        c
    })
}

/// FFmpeg's name for the format the fields give (its decoder's table).
fn name(p: &Picture) -> Option<String> {
    let shifts = (p.h_shift, p.v_shift);
    // RGB: 8 bits packed (`bgr0`, `bgra`), more as planes; no subsampling.
    if p.colorspace == 1 {
        return match (shifts, p.bits, p.alpha) {
            ((0, 0), ..=8, false) => Some("bgr0".into()),
            ((0, 0), ..=8, true) => Some("bgra".into()),
            ((0, 0), 9, false) | ((0, 0), 10 | 12 | 14 | 16, _) => {
                let a = if p.alpha { "a" } else { "" };
                Some(format!("gbr{a}p{}le", p.bits))
            }
            _ => None,
        };
    }
    if p.colorspace != 0 {
        return None;
    }
    // Luma alone: 8 bits (with alpha, `ya8`), 9 to 14, else 16.
    if !p.chroma {
        return match (p.bits, p.alpha) {
            (..=8, false) => Some("gray".into()),
            (..=8, true) => Some("ya8".into()),
            (9 | 10 | 12 | 14, false) => Some(format!("gray{}le", p.bits)),
            (_, false) => Some("gray16le".into()),
            _ => None,
        };
    }
    const SUBSAMPLED: [((u32, u32), &str); 6] = [
        ((0, 0), "444"),
        ((0, 1), "440"),
        ((1, 0), "422"),
        ((1, 1), "420"),
        ((2, 0), "411"),
        ((2, 2), "410"),
    ];
    let sub = SUBSAMPLED.iter().find(|(s, _)| *s == shifts)?.1;
    let alpha = if p.alpha { "yuva" } else { "yuv" };
    let depth = match p.bits {
        ..=8 => String::new(),
        9 | 10 | 12 | 14 | 16 => format!("{}le", p.bits),
        _ => return None,
    };
    // FFmpeg's decoder has these combinations and no others.
    let known = matches!(
        (p.bits, p.alpha, sub),
        (..=8, false, _)
            | (..=8 | 9 | 10 | 16, _, "444" | "422" | "420")
            | (10 | 12, false, "440")
            | (12, _, "444" | "422")
            | (12 | 14, false, "420")
            | (14, false, "444" | "422")
    );
    known.then(|| format!("{alpha}{sub}p{depth}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FFmpeg's own check values: the default state table's first entries
    /// and the CRC that a record carries.
    #[test]
    fn the_default_states_and_the_crc_are_ffmpegs() {
        let (one, zero) = states();
        assert_eq!(&one[..4], &[0, 0, 0, 0]);
        assert!(one[128] > 128 && zero[128] < 128);
        assert_eq!(crc(b"123456789"), 0x89A1_897F);
        let mut record = b"record".to_vec();
        let c = crc(&record);
        record.extend(c.to_be_bytes());
        assert_eq!(crc(&record), 0);
    }

    #[test]
    fn versions_before_two_and_damaged_records_tell_nothing() {
        assert_eq!(pixel_format(&[]), None);
        assert_eq!(pixel_format(&[0xFF; 8]), None);
        assert_eq!(pixel_format(&[0x00; 8]), None);
    }
}
