//! ASF (WMV/WMA): the File Properties object's declared size, found by GUID.

use super::*;

impl Reader {
    pub(super) fn asf(&self, h: &mut Headers) {
        const HEADER: [u8; 16] = guid("75B22630-668E-11CF-A6D9-00AA0062CE6C");
        const FILE_PROPERTIES: [u8; 16] = guid("8CABDCA1-A947-11CF-8EE4-00C00C205365");
        let Some(head) = self.bytes::<30>(0) else {
            return;
        };
        if head[0..16] != HEADER {
            return;
        }
        let size = u64::from_le_bytes(head[16..24].try_into().unwrap());
        let objects = |from: u64, to: u64| {
            let mut out = Vec::new();
            let mut at = from;
            while at + 24 <= to.min(self.len) && out.len() < 1000 {
                let Some(o) = self.bytes::<24>(at) else { break };
                let s = u64::from_le_bytes(o[16..24].try_into().unwrap());
                if s < 24 {
                    break;
                }
                out.push((<[u8; 16]>::try_from(&o[0..16]).unwrap(), at, s));
                at += s;
            }
            out
        };
        for (g, at, _) in objects(30, size) {
            if g == FILE_PROPERTIES
                && let Some(b) = self.bytes::<8>(at + 40)
            {
                let declared = u64::from_le_bytes(b);
                // Zero while a file is being written (broadcast flag).
                if declared > 0 {
                    h.declared_size = Some(declared);
                }
            }
        }
    }
}

/// An ASF GUID as it is stored: its text form with the first three groups
/// little-endian.
pub(super) const fn guid(text: &str) -> [u8; 16] {
    const fn hex(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => c - b'A' + 10,
        }
    }
    let t = text.as_bytes();
    let mut bytes = [0u8; 16];
    let (mut i, mut n) = (0, 0);
    while i < t.len() {
        if t[i] == b'-' {
            i += 1;
            continue;
        }
        bytes[n] = hex(t[i]) << 4 | hex(t[i + 1]);
        n += 1;
        i += 2;
    }
    let mut out = bytes;
    // Groups of 4, 2 and 2 bytes are little-endian on disk.
    let order = [3, 2, 1, 0, 5, 4, 7, 6];
    let mut k = 0;
    while k < 8 {
        out[k] = bytes[order[k]];
        k += 1;
    }
    out
}
