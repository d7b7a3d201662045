//! DSD audio files read from their headers, as FFmpeg's demuxers read them.
//! DSDIFF (`.dff`), which no GStreamer demuxer here reads (libav's IFF
//! demuxer, which could, spins on it and is never plugged): the rate,
//! channels and compression of its `PROP` chunk, the length from the sound
//! data's start to the end of the file. DSF (`.dsf`), which libav's demuxer
//! reads but for some files: its `fmt ` chunk. FFmpeg counts the rate in
//! bytes of eight one-bit samples (a 2.8224 MHz stream is 352,800 Hz).

use super::*;

impl Reader {
    pub(super) fn dsdiff(&self, h: &mut Headers) {
        let Some(head) = self.bytes::<16>(0) else {
            return;
        };
        if &head[0..4] != b"FRM8" || &head[12..16] != b"DSD " {
            return;
        }
        let (mut rate, mut channels, mut dsd, mut data) = (None, None, false, None);
        for (id, body, size) in self.iff_chunks(16, self.len, ChunkSize::Be64, 64) {
            match &id {
                b"PROP" => {
                    let end = body.saturating_add(size).min(self.len);
                    for (id, body, _) in self.iff_chunks(body + 4, end, ChunkSize::Be64, 64) {
                        match &id {
                            b"FS  " => rate = self.u32be(body),
                            b"CHNL" => channels = self.bytes::<2>(body).map(u16::from_be_bytes),
                            b"CMPR" => dsd = self.bytes::<4>(body).as_ref() == Some(b"DSD "),
                            _ => {}
                        }
                    }
                }
                b"DSD " => data = Some(body),
                _ => {}
            }
        }
        let (Some(rate), Some(channels), true, Some(data)) = (rate, channels, dsd, data) else {
            return;
        };
        if rate < 8 || channels == 0 {
            return;
        }
        let bits_per_second = u64::from(channels) * u64::from(rate);
        h.movie_s = Some(self.len.saturating_sub(data) as f64 * 8.0 / bits_per_second as f64);
        h.header_audio = Some(HeaderAudio {
            codec: "dsd_msbf".into(),
            // The compression type, as ffprobe gives the codec tag.
            codec_tag: Some("DSD ".into()),
            channels: u32::from(channels),
            rate: rate / 8,
            bits: Some(8),
        });
    }

    /// A DSF file's `fmt ` chunk (after the 28-byte `DSD ` chunk): format
    /// version 1 and id 0 (raw DSD), channels, sampling frequency, bits per
    /// sample (1: least significant bit first, 8: most).
    pub(super) fn dsf(&self, h: &mut Headers) {
        let Some(b) = self.bytes::<80>(0) else {
            return;
        };
        let le32 = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
        let le64 = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
        if &b[0..4] != b"DSD " || le64(4) != 28 || &b[28..32] != b"fmt " || le64(32) != 52 {
            return;
        }
        let (version, format, channels, rate, bits) =
            (le32(40), le32(44), le32(52), le32(56), le32(60));
        let codec = match bits {
            1 => "dsd_lsbf_planar",
            8 => "dsd_msbf_planar",
            _ => return,
        };
        if version != 1 || format != 0 || channels == 0 || rate < 8 {
            return;
        }
        // FFmpeg's estimate from the bit rate, not the sample count: the
        // bytes after the `data` chunk's header (at 80, 12 bytes long) to
        // the end of the file, its ID3 tag too.
        let bits_per_second = f64::from(channels) * f64::from(rate);
        h.movie_s = Some(self.len.saturating_sub(92) as f64 * 8.0 / bits_per_second);
        h.header_audio = Some(HeaderAudio {
            codec: codec.into(),
            codec_tag: None,
            channels,
            rate: rate / 8,
            bits: Some(8),
        });
    }
}
