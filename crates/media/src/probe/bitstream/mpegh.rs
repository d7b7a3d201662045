//! MPEG-H 3D Audio (ISO/IEC 23008-3): the sampling rate and reference
//! channel layout of the configuration a stream carries, in an MHAS packet
//! (transport streams) or an `mhaC` record (MP4).

use super::Bits;

/// Channels of each CICP speaker layout index (ISO/IEC 23091-3), 0 unknown.
const CICP: [u16; 21] = [
    0, 1, 2, 3, 4, 5, 6, 8, 2, 3, 4, 7, 8, 24, 8, 12, 10, 12, 14, 12, 14,
];

/// The channels of a CICP speaker layout index.
pub fn cicp_channels(layout: u8) -> Option<u16> {
    CICP.get(usize::from(layout)).copied().filter(|&n| n > 0)
}

/// The USAC sampling frequencies by index (0x1F: stated in 24 bits).
const RATES: [u32; 28] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350, 0, 0,
    57600, 51200, 40000, 38400, 34150, 28800, 25600, 20000, 19200, 17075, 14400, 12800, 9600,
];

/// MHAS's escaped value: `n1` bits, widened by `n2` then `n3` more when all
/// ones.
fn escaped(r: &mut Bits, n1: usize, n2: usize, n3: usize) -> Option<u64> {
    let all = |n: usize| (1u64 << n) - 1;
    let mut v = u64::from(r.u(n1)?);
    if v == all(n1) {
        let more = u64::from(r.u(n2)?);
        v += more;
        if more == all(n2) {
            v += u64::from(r.u(n3)?);
        }
    }
    Some(v)
}

/// Channels and rate of the first MHAS configuration packet (type 1) in
/// `b`, the start of an MPEG-H stream (after its sync packet); the
/// channels where its speaker layout is a CICP index.
pub fn mhas_config(b: &[u8]) -> Option<(Option<u16>, u32)> {
    packets_config(b).or_else(|| {
        // A payload that does not start on a packet (stuffing first, or
        // PES packets not aligned to MHAS packets): from its sync packet.
        let at = b.windows(3).position(|w| w == [0xC0, 0x01, 0xA5])?;
        packets_config(&b[at..])
    })
}

/// The configuration among the first MHAS packets `b` starts with.
fn packets_config(b: &[u8]) -> Option<(Option<u16>, u32)> {
    let mut r = Bits::new(b);
    // A few packets at most come before the configuration.
    for _ in 0..8 {
        let kind = escaped(&mut r, 3, 8, 8)?;
        escaped(&mut r, 2, 8, 32)?; // label
        let len = escaped(&mut r, 11, 24, 24)?;
        if kind == 1 {
            return config(&mut r);
        }
        if !r.pos.is_multiple_of(8) || len > b.len() as u64 {
            return None;
        }
        r.pos += 8 * len as usize;
    }
    None
}

/// `mpegh3daConfig`: profile and level, the rate, then the reference
/// speaker layout.
fn config(r: &mut Bits) -> Option<(Option<u16>, u32)> {
    r.u(8)?; // mpegh3daProfileLevelIndication
    let index = r.u(5)? as usize;
    let rate = if index == 0x1F {
        r.u(24)?
    } else {
        *RATES.get(index)?
    };
    // coreSbrFrameLengthIndex, cfg_reserved, receiverDelayCompensation.
    r.u(3 + 1 + 1)?;
    let channels = match r.u(2)? {
        0 => cicp_channels(r.u(6)? as u8),
        _ => None,
    };
    (rate > 0).then_some((channels, rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_mhas_configuration_gives_rate_and_cicp_channels() {
        // SYNC (type 6, label 0, length 1: 0xA5), then CONFIG (type 1,
        // label 0, length 5): profile 0x0D, 48 kHz (index 3), core frame
        // index 1, layout type 0, CICP 6 (5.1).
        let bits = "110 00 00000000001 10100101 001 00 00000000101 \
                    00001101 00011 001 0 0 00 000110 000";
        let bits: String = bits.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes: Vec<u8> = bits
            .as_bytes()
            .chunks(8)
            .map(|c| {
                let s = std::str::from_utf8(c).unwrap();
                u8::from_str_radix(&format!("{s:0<8}"), 2).unwrap()
            })
            .collect();
        assert_eq!(mhas_config(&bytes), Some((Some(6), 48000)));
        assert_eq!(mhas_config(&[]), None);
        // Stuffing before the sync packet (a PES packet not aligned to
        // MHAS packets).
        let stuffed = [&[0xFF; 9][..], &bytes].concat();
        assert_eq!(mhas_config(&stuffed), Some((Some(6), 48000)));
        assert_eq!(cicp_channels(13), Some(24));
        assert_eq!(cicp_channels(0), None);
    }
}
