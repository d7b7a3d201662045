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

    /// The duration the first block states, or that it states none.
    pub(super) fn wavpack(&self, h: &mut Headers) {
        match self.wavpack_length() {
            Some(Length::Seconds(s)) => h.estimated_duration_s = Some(s),
            Some(Length::Unknown) => h.length_unknown = true,
            None => {}
        }
    }
}

fn length(h: &[u8; 32]) -> Option<Length> {
    if &h[..4] != b"wvpk" {
        return None;
    }
    // 0xFFFFFFFF: unknown; 0 as well (a muxer writing to a pipe cannot
    // go back to write it).
    let low = u32::from_le_bytes([h[12], h[13], h[14], h[15]]);
    if low == u32::MAX || (low == 0 && h[11] == 0) {
        return Some(Length::Unknown);
    }
    let total = u64::from(low) | u64::from(h[11]) << 32;
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

    #[test]
    fn the_first_block_states_the_length_or_that_it_is_unknown() {
        assert_eq!(length(&block(88_200, 9)), Some(Length::Seconds(2.0)));
        assert_eq!(length(&block(u32::MAX, 9)), Some(Length::Unknown));
        assert_eq!(length(&block(0, 9)), Some(Length::Unknown));
        assert_eq!(length(&block(88_200, 15)), None);
        assert_eq!(length(&[0u8; 32]), None);
    }
}
