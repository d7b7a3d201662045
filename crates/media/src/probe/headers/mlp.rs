//! Raw TrueHD and MLP (`.thd`, `.mlp`: a disc's lossless track as
//! extraction tools write it), which GStreamer's type finders do not know:
//! the first access unit's major sync (at byte 4) gives the codec, rate,
//! channels and depth as FFmpeg reads them. ffprobe states no length.

use super::*;

/// Channels of MLP's channel arrangement codes (FFmpeg's `mlp_channels`).
const MLP_CHANNELS: [u32; 21] = [
    1, 2, 3, 4, 3, 4, 5, 3, 4, 5, 4, 5, 6, 4, 5, 4, 5, 6, 5, 5, 6,
];

impl Reader {
    pub(super) fn mlp(&self, h: &mut Headers) {
        let Some(head) = self.vec(0, self.len.min(64) as usize) else {
            return;
        };
        match head.get(4..8) {
            Some([0xF8, 0x72, 0x6F, 0xBA]) => {
                let Some((channels, rate)) = crate::probe::bitstream::truehd_major_sync(&head)
                else {
                    return;
                };
                // FFmpeg's TrueHD decoder gives 24-bit samples.
                h.header_audio = Some(audio("truehd", channels as u32, rate as u32, 24));
            }
            Some([0xF8, 0x72, 0x6F, 0xBB]) => {
                // Group 1's quantisation and rate, group 2's, 11 bits, the
                // channel arrangement.
                let Some(b) = head.get(8..12) else { return };
                let bits = match b[0] >> 4 {
                    0 => 16,
                    1 => 20,
                    2 => 24,
                    _ => return,
                };
                let Some(rate) = mlp_rate(b[1] >> 4) else {
                    return;
                };
                let arrangement = usize::from(((b[2] & 0x1F) << 3 | b[3] >> 5) & 0x1F);
                let Some(&channels) = MLP_CHANNELS.get(arrangement) else {
                    return;
                };
                h.header_audio = Some(audio("mlp", channels, rate, bits));
                h.sniffed_container = Some("mlp");
            }
            _ => {}
        }
    }
}

fn audio(codec: &str, channels: u32, rate: u32, bits: u32) -> HeaderAudio {
    HeaderAudio {
        codec: codec.into(),
        codec_tag: None,
        channels,
        rate,
        bits: Some(bits),
    }
}

/// A major sync's rate code: 48 or 44.1 kHz times a power of two.
fn mlp_rate(code: u8) -> Option<u32> {
    (code != 0xF).then(|| (if code & 8 != 0 { 44_100 } else { 48_000 }) << (code & 7))
}
