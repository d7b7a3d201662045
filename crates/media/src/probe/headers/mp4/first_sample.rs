//! What an MP4 track's first sample tells where its sample entry does not,
//! as FFmpeg's decoders take it from the data: H.264's parameter sets when
//! its `avcC` is empty (byte-stream samples), PNG's pixel format, and MP3's
//! channels and rate (an `mp4a` entry states two channels whatever the
//! stream holds).

use super::*;

/// The most of a first sample read.
const MOST: u64 = 1 << 16;

impl Reader {
    pub(super) fn first_sample_facts(&self, stbl: u64, stbl_end: u64, t: &mut Track) {
        let tag = t.codec_tag.as_deref().unwrap_or("");
        let avc = matches!(tag, "avc1" | "avc3") && t.config.as_ref().is_none_or(|c| c.len() < 7);
        let png = tag == "png " || (tag == "mp4v" && t.object_type == Some(0x6D));
        let mp3 = tag == "mp4a" && matches!(t.object_type, Some(0x69 | 0x6B));
        if !(avc || png || mp3) {
            return;
        }
        let Some(data) = self
            .first_sample(stbl, stbl_end)
            .and_then(|(at, n)| self.vec(at, n.min(MOST) as usize))
        else {
            return;
        };
        use crate::probe::bitstream;
        if avc {
            t.config = bitstream::h264_record_from_stream(&data);
        }
        if png {
            t.pix_fmt = bitstream::pixel_format("png", Some(&data), None);
        }
        if mp3 && let Some(h) = bitstream::mpeg_audio_header(&data) {
            t.sound = Some((h.channels as u16, h.rate as u32));
        }
    }
}
