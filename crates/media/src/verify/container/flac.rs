//! FLAC: every frame's CRC-16, and the sample count STREAMINFO declares.
//! A frame runs from one header (sync code, a header whose CRC-8 holds) to
//! the next; its last two bytes are the CRC-16 of the rest of it.

use super::walk::Window;
use super::{Say, cut};
use mediadex_core::verify::class;

/// The most frame errors reported for one file.
const MOST: u32 = 1000;

/// Walk the frames of a native FLAC file.
pub(crate) fn frames(w: &mut Window, say: &mut Say) {
    let Some(head) = w.get(0, 4) else { return };
    if head != b"fLaC" {
        return;
    }
    // Metadata blocks: the first is STREAMINFO, with the total sample count.
    let mut at = 4u64;
    let mut total = 0u64;
    loop {
        let Some(b) = w.get(at, 4).map(<[u8]>::to_vec) else {
            cut(say, at, "a FLAC metadata block");
            return;
        };
        let len = u64::from(u32::from_be_bytes([0, b[1], b[2], b[3]]));
        if b[0] & 0x7F == 0
            && let Some(si) = w.get(at + 4, 18)
        {
            total = (u64::from(si[13] & 0x0F) << 32)
                | u64::from(u32::from_be_bytes([si[14], si[15], si[16], si[17]]));
        }
        at += 4 + len;
        if b[0] & 0x80 != 0 {
            break;
        }
    }
    let mut errors = 0;
    let mut samples = 0u64;
    let mut frame = next_header(w, at);
    while let Some((start, blocksize)) = frame {
        let next = next_header(w, start + 2);
        let end = next.map_or(w.size, |n| n.0);
        samples += u64::from(blocksize);
        if errors < MOST && !crc16_holds(w, start, end) {
            errors += 1;
            if next.is_none() {
                cut(say, start, "the last FLAC frame");
                return;
            }
            say(
                start,
                class::CHECKSUM,
                format!("FLAC frame at byte {start}: CRC-16 mismatch"),
            );
        }
        frame = next;
    }
    if total > 0 && samples < total {
        cut(
            say,
            w.size,
            "the FLAC stream (fewer samples than STREAMINFO declares)",
        );
    }
}

/// The next frame header at or after `from` whose CRC-8 holds: its offset
/// and block size.
fn next_header(w: &mut Window, from: u64) -> Option<(u64, u32)> {
    let mut at = from;
    loop {
        at = w.find(at, &[0xFF])?;
        if let Some(h) = w
            .get(at, 16.min((w.size - at) as usize))
            .map(<[u8]>::to_vec)
            && let Some(blocksize) = header(&h)
        {
            return Some((at, blocksize));
        }
        at += 1;
    }
}

/// A frame header at the start of `h` (up to 16 bytes): its block size when
/// the sync code, the reserved bits and the CRC-8 hold.
fn header(h: &[u8]) -> Option<u32> {
    if h.len() < 6 || h[0] != 0xFF || h[1] & 0xFE != 0xF8 || h[3] & 1 != 0 {
        return None;
    }
    let (bs_code, rate_code) = (h[2] >> 4, h[2] & 0x0F);
    if bs_code == 0 || rate_code == 15 || (h[3] >> 4) > 10 {
        return None;
    }
    // The frame or sample number, UTF-8 coded.
    let n = match h[4].leading_ones() {
        0 => 1,
        k @ 2..=7 => k as usize,
        _ => return None,
    };
    let mut at = 4 + n;
    let blocksize = match bs_code {
        1 => 192,
        2..=5 => 576 << (bs_code - 2),
        6 => {
            at += 1;
            u32::from(*h.get(at - 1)?) + 1
        }
        7 => {
            at += 2;
            u32::from(u16::from_be_bytes([*h.get(at - 2)?, *h.get(at - 1)?])) + 1
        }
        _ => 256 << (bs_code - 8),
    };
    at += match rate_code {
        12 => 1,
        13 | 14 => 2,
        _ => 0,
    };
    (crc8(h.get(..at)?) == *h.get(at)?).then_some(blocksize)
}

fn crc16_holds(w: &mut Window, start: u64, end: u64) -> bool {
    if end < start + 8 {
        return false;
    }
    let mut crc = 0u16;
    let mut at = start;
    while at < end - 2 {
        let n = (end - 2 - at).min(1 << 20) as usize;
        let Some(chunk) = w.get(at, n) else {
            return false;
        };
        let table = crc16_table();
        for &b in chunk {
            crc = (crc << 8) ^ table[((crc >> 8) as u8 ^ b) as usize];
        }
        at += n as u64;
    }
    w.get(end - 2, 2)
        .is_some_and(|s| u16::from_be_bytes([s[0], s[1]]) == crc)
}

/// CRC-16 (polynomial 0x8005, no reflection), a byte at a time.
fn crc16_table() -> &'static [u16; 256] {
    static TABLE: std::sync::OnceLock<[u16; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0u16; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut crc = (i as u16) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x8005
                } else {
                    crc << 1
                };
            }
            *e = crc;
        }
        t
    })
}

fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in data {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc8_check_value() {
        // CRC-8 (polynomial 0x07, no reflection): the catalogue's check value.
        assert_eq!(crc8(b"123456789"), 0xF4);
    }

    #[test]
    fn crc16_check_value() {
        // CRC-16/UMTS (polynomial 0x8005, no reflection, no final xor).
        let crc = b"123456789".iter().fold(0u16, |crc, &b| {
            (crc << 8) ^ crc16_table()[((crc >> 8) as u8 ^ b) as usize]
        });
        assert_eq!(crc, 0xFEE8);
    }
}
