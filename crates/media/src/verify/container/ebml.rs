//! Matroska and WebM: the CRC-32 elements, and the elements of each
//! cluster. A master element may begin with a CRC-32 (ID 0xBF, 4 bytes,
//! little-endian) of the rest of its data; ffmpeg writes one in every
//! top-level element, clusters included, so any changed byte of such a file
//! shows. Without one (WebM), a cluster's blocks still chain by their sizes
//! to its end: a run of zeros or of random bytes breaks the chain.

use super::walk::Window;
use super::{Say, cut};
use mediadex_core::verify::class;

const SEGMENT: u32 = 0x1853_8067;
const CLUSTER: u32 = 0x1F43_B675;
const CRC32: u32 = 0xBF;
/// Top-level elements read whole to check their CRC: larger ones are not
/// checked (a cluster is a few MB).
const MOST_CHECKED: u64 = 64 << 20;

/// An element ID (its marker bits kept) and the length of its encoding.
fn id(b: &[u8]) -> Option<(u32, usize)> {
    let n = b.first()?.leading_zeros() as usize + 1;
    if n > 4 || b.len() < n {
        return None;
    }
    Some((b[..n].iter().fold(0u32, |a, &x| (a << 8) | u32::from(x)), n))
}

/// A data size (`None` inside for "unknown") and the length of its encoding.
fn size(b: &[u8]) -> Option<(Option<u64>, usize)> {
    let n = b.first()?.leading_zeros() as usize + 1;
    if n > 8 || b.len() < n {
        return None;
    }
    let mut v = u64::from(b[0]) & (0xFF >> n);
    let mut all_ones = v == 0xFF >> n;
    for &x in &b[1..n] {
        v = (v << 8) | u64::from(x);
        all_ones &= x == 0xFF;
    }
    Some((if all_ones { None } else { Some(v) }, n))
}

/// One element's header at `at`: ID, data size, header length.
fn header(w: &mut Window, at: u64) -> Option<(u32, Option<u64>, u64)> {
    let n = (w.size - at).min(12) as usize;
    let b = w.get(at, n)?.to_vec();
    let (i, il) = id(&b)?;
    let (s, sl) = size(&b[il..])?;
    Some((i, s, (il + sl) as u64))
}

/// Walk the segment's top-level elements and check each one's CRC-32.
pub(crate) fn crcs(w: &mut Window, say: &mut Say) {
    let mut at = 0;
    // The EBML header, then the segment.
    while let Some((i, s, h)) = header(w, at) {
        if i == SEGMENT {
            at += h;
            break;
        }
        let Some(s) = s else { return };
        at += h + s;
    }
    let mut errors = 0;
    while at < w.size && errors < 1000 {
        let Some((i, s, h)) = header(w, at) else {
            cut(say, at, "a Matroska element header");
            return;
        };
        // A cluster of unknown size (live streams) holds no CRC to check.
        let Some(s) = s else { return };
        if at + h + s > w.size {
            cut(say, at, "a Matroska element");
            return;
        }
        if s <= MOST_CHECKED && !crc_holds(w, at + h, s) {
            errors += 1;
            let what = if i == CLUSTER { "cluster" } else { "element" };
            say(
                at,
                class::CHECKSUM,
                format!("Matroska {what} at byte {at}: CRC-32 mismatch"),
            );
        } else if i == CLUSTER
            && let Some(bad) = broken_child(w, at + h, at + h + s)
        {
            errors += 1;
            say(
                bad,
                class::UNREADABLE_PACKETS,
                format!("Matroska cluster at byte {at}: no element at byte {bad}, inside it"),
            );
        }
        at += h + s;
    }
}

/// Where the elements of the master element whose data spans `from..end`
/// stop chaining: a header that is not one, or an element running past the
/// end. `None` when they fill it exactly (or one of unknown size ends the
/// walk).
fn broken_child(w: &mut Window, from: u64, end: u64) -> Option<u64> {
    let mut at = from;
    while at < end {
        let Some((_, s, h)) = header(w, at).filter(|e| at + e.2 <= end) else {
            return Some(at);
        };
        let s = s?;
        if at + h + s > end {
            return Some(at);
        }
        at += h + s;
    }
    None
}

/// The element's data at `at` (`len` bytes) does not start with a CRC-32,
/// or its CRC-32 matches the rest.
fn crc_holds(w: &mut Window, at: u64, len: u64) -> bool {
    let Some(first) = w.get(at, 6.min(len as usize)).map(<[u8]>::to_vec) else {
        return true;
    };
    if first.len() < 6 || first[0] as u32 != CRC32 || first[1] != 0x84 {
        return true;
    }
    let stored = u32::from_le_bytes([first[2], first[3], first[4], first[5]]);
    let mut crc = !0u32;
    let mut from = at + 6;
    let end = at + len;
    while from < end {
        let n = (end - from).min(1 << 20) as usize;
        let Some(chunk) = w.get(from, n) else {
            return true;
        };
        crc = ieee(crc, chunk);
        from += n as u64;
    }
    !crc == stored
}

/// CRC-32 (IEEE, reflected) running over `data`.
fn ieee(mut crc: u32, data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut r = i as u32;
            for _ in 0..8 {
                r = if r & 1 != 0 {
                    (r >> 1) ^ 0xEDB8_8320
                } else {
                    r >> 1
                };
            }
            *e = r;
        }
        t
    });
    for &b in data {
        crc = (crc >> 8) ^ table[((crc as u8) ^ b) as usize];
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(!ieee(!0, b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn ids_and_sizes_as_ebml_codes_them() {
        assert_eq!(id(&[0x1F, 0x43, 0xB6, 0x75]), Some((CLUSTER, 4)));
        assert_eq!(size(&[0x84]), Some((Some(4), 1)));
        assert_eq!(
            size(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            Some((None, 8))
        );
        assert_eq!(size(&[0x40, 0x02]), Some((Some(2), 2)));
        assert_eq!(id(&[0x00]), None);
    }
}
