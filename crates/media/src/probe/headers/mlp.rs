//! Raw TrueHD and MLP (`.thd`, `.mlp`: a disc's lossless track as
//! extraction tools write it), which GStreamer's type finders do not know:
//! the first access unit's major sync (at byte 4) gives the codec, rate,
//! channels and depth as FFmpeg reads them. ffprobe states no length.

use super::*;
use crate::probe::bitstream::{mlp_major_sync, truehd_major_sync};

impl Reader {
    pub(super) fn mlp(&self, h: &mut Headers) {
        let Some(head) = self.vec(0, self.len.min(64) as usize) else {
            return;
        };
        let (codec, (channels, rate, bits)) = match head.get(4..8) {
            // FFmpeg's TrueHD decoder gives 24-bit samples.
            Some([0xF8, 0x72, 0x6F, 0xBA]) => match truehd_major_sync(&head) {
                Some((channels, rate)) => ("truehd", (channels as u32, rate, 24)),
                None => return,
            },
            Some([0xF8, 0x72, 0x6F, 0xBB]) => match mlp_major_sync(&head) {
                Some(found) => ("mlp", found),
                None => return,
            },
            _ => return,
        };
        if codec == "mlp" {
            h.sniffed_container = Some("mlp");
        }
        h.header_audio = Some(HeaderAudio {
            codec: codec.into(),
            codec_tag: None,
            channels,
            rate: rate as u32,
            bits: Some(bits),
        });
    }
}
