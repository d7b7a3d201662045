//! HDR10+ (SMPTE ST 2094-40 dynamic metadata): ITU-T T.35 messages with
//! Samsung's codes (country 0xB5, provider 0x003C, provider-oriented code
//! 0x0001, application 4), in H.264 and HEVC SEI or AV1 metadata OBUs of a
//! stream's first access unit.

/// The T.35 header an HDR10+ message starts with.
const HDR10_PLUS: [u8; 6] = [0xB5, 0x00, 0x3C, 0x00, 0x01, 0x04];

/// Whether the access unit `au` of a `codec` stream (NAL units with 4-byte
/// lengths, as MP4 and Matroska carry them, or in byte-stream form; AV1
/// OBUs with their sizes) carries HDR10+ metadata.
pub fn hdr10_plus(codec: &str, au: &[u8]) -> bool {
    match codec {
        "hevc" => nal_units(au)
            .iter()
            .any(|n| n.len() > 2 && (n[0] >> 1) & 0x3F == 39 && sei_t35(&super::unescape(&n[2..]))),
        "h264" => nal_units(au)
            .iter()
            .any(|n| n.len() > 1 && n[0] & 0x1F == 6 && sei_t35(&super::unescape(&n[1..]))),
        "av1" => av1_t35(au),
        _ => false,
    }
}

/// The NAL units of `au`: byte-stream form when it starts with a start
/// code, else each after a 4-byte length.
fn nal_units(au: &[u8]) -> Vec<Vec<u8>> {
    if au.starts_with(&[0, 0, 1]) || au.starts_with(&[0, 0, 0, 1]) {
        return super::annex_b(au);
    }
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(len) = au.get(at..at + 4) {
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let Some(nal) = au.get(at + 4..at + 4 + len) else {
            break;
        };
        out.push(nal.to_vec());
        at += 4 + len;
    }
    out
}

/// Whether an SEI payload (past its NAL header) holds a registered user
/// data message (payload type 4) that is HDR10+.
fn sei_t35(b: &[u8]) -> bool {
    super::sei_messages(b).any(|(kind, _, payload)| kind == 4 && payload.starts_with(&HDR10_PLUS))
}

/// Whether an AV1 temporal unit holds a metadata OBU (type 5) of the ITU-T
/// T.35 kind (4) that is HDR10+.
fn av1_t35(b: &[u8]) -> bool {
    let leb128 = |at: &mut usize| -> Option<usize> {
        let mut v = 0usize;
        for i in 0..8 {
            let byte = *b.get(*at)?;
            *at += 1;
            v |= usize::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    let mut at = 0;
    while let Some(&header) = b.get(at) {
        at += 1 + usize::from(header & 0x04 != 0);
        // Without a size field the OBU runs to the end.
        let size = if header & 0x02 != 0 {
            match leb128(&mut at) {
                Some(n) => n,
                None => return false,
            }
        } else {
            b.len().saturating_sub(at)
        };
        let end = at + size;
        if (header >> 3) & 0x0F == 5 {
            let mut p = at;
            if leb128(&mut p) == Some(4)
                && b.get(p..end).is_some_and(|m| m.starts_with(&HDR10_PLUS))
            {
                return true;
            }
        }
        at = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdr10_plus_in_sei_and_obus() {
        // An HEVC prefix SEI of registered user data (type 4): HDR10+.
        let message = [&HDR10_PLUS[..], &[0x01, 0x40, 0x00, 0x0C, 0x80]].concat();
        let mut sei = vec![0x4E, 0x01, 0x04, message.len() as u8];
        sei.extend(&message);
        sei.push(0x80);
        let slice = [0x26, 0x01, 0xAF, 0x00];
        let length = |n: &[u8]| [&(n.len() as u32).to_be_bytes()[..], n].concat();
        let au = [length(&sei), length(&slice)].concat();
        assert!(hdr10_plus("hevc", &au));
        let bytestream = [&[0, 0, 0, 1][..], &sei, &[0, 0, 1], &slice].concat();
        assert!(hdr10_plus("hevc", &bytestream));
        // Another provider's T.35 message, or a slice alone, is not.
        let mut other = sei.clone();
        other[6] = 0x3B;
        assert!(!hdr10_plus("hevc", &length(&other)));
        assert!(!hdr10_plus("hevc", &length(&slice)));
        // H.264: SEI NAL type 6.
        let mut avc = vec![0x06, 0x04, message.len() as u8];
        avc.extend(&message);
        avc.push(0x80);
        assert!(hdr10_plus("h264", &length(&avc)));
        // AV1: a temporal delimiter, then a metadata OBU of type 4 (T.35).
        let mut obus = vec![0x12, 0x00, 0x2A, (1 + message.len()) as u8, 0x04];
        obus.extend(&message);
        assert!(hdr10_plus("av1", &obus));
        obus[4] = 0x02;
        assert!(!hdr10_plus("av1", &obus));
    }
}
