//! Facts read from a stream's own headers — codec configuration and the first
//! buffer the probe keeps — where containers and GStreamer's caps are wrong or
//! silent: AAC's AudioSpecificConfig, MPEG audio frame headers, the field
//! order of interlaced MPEG-2 and H.264, and a DV frame's DIF headers.
//!
//! Each reader takes bytes and returns `None` for anything it does not fully
//! understand: a fact from here replaces the caps' only when it was read whole.

mod audio;
mod dv;
mod ffv1;
mod h264;
mod hevc;
mod mpegh;
mod picture;
mod t35;
mod video;

pub use audio::{
    AAC_RATES, AudioConfig, MpegAudioFrame, MpegAudioHeader, ac3_channels, ac3_rate, als_config,
    audio_specific_config, bluray_lpcm, dts_core, dts_hd_asset, dts_hd_lossless_depth, dvd_lpcm,
    flac_frame_depth, latm_config, lossless_bit_depth, mlp_major_sync, mpeg_audio_frame,
    mpeg_audio_header, truehd_major_sync,
};
pub use dv::{DvAudio, DvFrame, DvProfile, dv_frame};
pub use ffv1::frame_pixel_format as ffv1_frame_pixel_format;
pub use h264::{h264_field_order, h264_full_range, h264_record_from_stream, h264_vui_rate};
pub use hevc::hevc_vui_rate;
pub use mpegh::{cicp_channels, mhas_config};
pub use t35::hdr10_plus;
pub use video::{
    MPEG_RATES, StreamHeader, dnxhd_progressive, fourcc_pixel_format, jpeg2000_format,
    mpeg2_field_order, mpeg2_rate_extension, mpeg4_interlaced, pix_fmt_depth, pixel_format,
    stream_header,
};

/// Field order as ffprobe names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldOrder {
    Progressive,
    TopFirst,
    BottomFirst,
}

impl FieldOrder {
    pub fn name(self) -> &'static str {
        match self {
            FieldOrder::Progressive => "progressive",
            FieldOrder::TopFirst => "tt",
            FieldOrder::BottomFirst => "bb",
        }
    }
}

/// NAL units of an Annex B byte stream.
pub(super) fn annex_b(b: &[u8]) -> Vec<Vec<u8>> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= b.len() {
        if b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let end = starts.get(k + 1).map_or(b.len(), |&n| n - 3);
            let mut nal = b[s..end.max(s)].to_vec();
            while nal.last() == Some(&0) {
                nal.pop();
            }
            nal
        })
        .collect()
}

/// The messages of an SEI payload (past its NAL header, unescaped): each
/// message's type and size, and the bytes from its payload on; until the
/// trailing bits or bytes that do not make a message header.
pub(super) fn sei_messages(b: &[u8]) -> impl Iterator<Item = (usize, usize, &[u8])> {
    // A value coded as 0xFF bytes, each adding 255, and a last byte.
    let read = |at: &mut usize| -> Option<usize> {
        let mut v = 0;
        while *b.get(*at)? == 0xFF {
            v += 255;
            *at += 1;
        }
        v += usize::from(*b.get(*at)?);
        *at += 1;
        Some(v)
    };
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= b.len() || b[at] == 0x80 {
            return None;
        }
        let kind = read(&mut at)?;
        let size = read(&mut at)?;
        let payload = b.get(at..).unwrap_or_default();
        at += size;
        Some((kind, size, payload))
    })
}

/// Remove emulation-prevention bytes (`00 00 03` → `00 00`).
pub(super) fn unescape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut zeros = 0;
    for &x in b {
        if zeros >= 2 && x == 3 {
            zeros = 0;
            continue;
        }
        zeros = if x == 0 { zeros + 1 } else { 0 };
        out.push(x);
    }
    out
}

/// A big-endian bit reader with Exp-Golomb codes.
pub(super) struct Bits<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Bits<'a> {
    fn new(b: &'a [u8]) -> Bits<'a> {
        Bits { b, pos: 0 }
    }

    fn u(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.b.get(self.pos / 8)?;
            v = (v << 1) | ((byte >> (7 - self.pos % 8)) & 1) as u32;
            self.pos += 1;
        }
        Some(v)
    }

    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.u(1)? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        Some((1u32 << zeros) - 1 + self.u(zeros)?)
    }

    fn se(&mut self) -> Option<i64> {
        let k = self.ue()? as i64;
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpeg_audio_headers() {
        // MPEG-1 layer III, 128 kb/s, 48 kHz, mono.
        assert_eq!(
            mpeg_audio_header(&[0x00, 0xFF, 0xFB, 0x94, 0xC0]),
            Some(MpegAudioHeader {
                rate: 48000,
                channels: 1,
                bitrate: 128_000
            })
        );
        assert_eq!(mpeg_audio_header(&[0xFF, 0x00, 0x00, 0x00]), None);
    }

    #[test]
    fn aac_config_tells_channels_and_rate() {
        // LC, 48 kHz, mono: what ffmpeg writes for `-ac 1` (0x11 0x88).
        assert_eq!(
            audio_specific_config(&[0x11, 0x88]),
            Some(AudioConfig {
                object_type: 2,
                rate: 48000,
                channels: Some(1)
            })
        );
        // LC, 44.1 kHz, 5.1 (0x12 0x30).
        assert_eq!(
            audio_specific_config(&[0x12, 0x30]),
            Some(AudioConfig {
                object_type: 2,
                rate: 44100,
                channels: Some(6)
            })
        );
        assert_eq!(audio_specific_config(&[0x12]), None);
        // HE-AAC (explicit SBR), 22.05 kHz core, mono, 44.1 kHz output:
        // two channels, as ffmpeg's decoder gives (parametric stereo).
        assert_eq!(
            audio_specific_config(&[0x2b, 0x8a, 0x08]),
            Some(AudioConfig {
                object_type: 2,
                rate: 44100,
                channels: Some(2)
            })
        );
        // HE-AAC signalled backward-compatibly (an iTunes M4A's): LC at
        // 22.05 kHz, mono, then sync extension 0x2B7, SBR at 44.1 kHz.
        assert_eq!(
            audio_specific_config(&[0x13, 0x88, 0x56, 0xe5, 0xa5, 0x48]),
            Some(AudioConfig {
                object_type: 2,
                rate: 44100,
                channels: Some(1)
            })
        );
        // The same with 0x548 and its parametric stereo flag: two channels.
        assert_eq!(
            audio_specific_config(&[0x13, 0x88, 0x56, 0xe5, 0xa5, 0x48, 0x80]),
            Some(AudioConfig {
                object_type: 2,
                rate: 44100,
                channels: Some(2)
            })
        );
    }

    #[test]
    fn latm_stream_mux_config_holds_the_audio_config() {
        // A LOAS frame's head from androidx/media's sample_latm.ts.
        let loas = [
            0x56, 0xe1, 0x20, 0x20, 0x00, 0x2b, 0x8a, 0x08, 0x0f, 0xf3, 0xfc, 0x60, 0x05,
        ];
        assert_eq!(latm_config(&loas), Some((2, 44100)));
        // useSameStreamMux: no config in this frame.
        assert_eq!(latm_config(&[0x56, 0xe1, 0x20, 0x80, 0, 0, 0, 0]), None);
    }

    #[test]
    fn exp_golomb_and_unescaping() {
        // 1 → 0, 010 → 1, 011 → 2, 00100 → 3.
        let mut r = Bits::new(&[0b1010_0110, 0b0100_0000]);
        assert_eq!(
            (r.ue(), r.ue(), r.ue(), r.ue()),
            (Some(0), Some(1), Some(2), Some(3))
        );
        assert_eq!(unescape(&[0, 0, 3, 1, 0, 0, 3]), vec![0, 0, 1, 0, 0]);
    }

    #[test]
    fn depths_from_pixel_formats() {
        assert_eq!(pix_fmt_depth("yuv420p"), Some(8));
        assert_eq!(pix_fmt_depth("yuv422p10le"), Some(10));
        assert_eq!(pix_fmt_depth("yuvj420p"), Some(8));
        // Packed RGB of 8 bits a component, as FFmpeg's descriptor counts it.
        assert_eq!(pix_fmt_depth("rgb24"), Some(8));
        assert_eq!(pix_fmt_depth("pal8"), Some(8));
        // A format whose depth is not a component's: none.
        assert_eq!(pix_fmt_depth("monow"), None);
    }

    #[test]
    fn an_aac_program_config_element_counts_its_channels() {
        // LC at 44.1 kHz, channel configuration 0, then ffmpeg's program
        // config element for 3 channels: one front pair and an LFE.
        let asc = [0x12, 0x00, 0x05, 0x04, 0x01, 0x00, 0x20, 0x00];
        assert_eq!(audio_specific_config(&asc).unwrap().channels, Some(3));
        // Channel configuration 2: two, no element read.
        assert_eq!(
            audio_specific_config(&[0x12, 0x10]).unwrap().channels,
            Some(2)
        );
    }

    #[test]
    fn ac3_coding_modes() {
        // AC-3, 48 kHz, bsid 8, acmod 7 (3/2), cmix, surmix, lfe on: 5.1.
        let frame = [0x0B, 0x77, 0, 0, 0x00, 0x40, 0b1110_1011, 0b1000_0000];
        assert_eq!(ac3_channels(&frame), Some(6));
        assert_eq!(ac3_rate(&frame), Some(48000));
        // 44.1 kHz (fscod 1).
        let cd = [0x0B, 0x77, 0, 0, 0x40, 0x40, 0, 0];
        assert_eq!(ac3_rate(&cd), Some(44100));
        // E-AC-3 (bsid 16) at a reduced rate: fscod 3, fscod2 1, 22.05 kHz.
        let reduced = [0x0B, 0x77, 0, 0, 0xD0, 0x80, 0, 0];
        assert_eq!(ac3_rate(&reduced), Some(22050));
        assert_eq!(ac3_rate(&[0x0B, 0x77, 0, 0, 0xC0, 0x40]), None);
    }

    #[test]
    fn mpeg2_frame_rate_extension_scales_the_header_rate() {
        // The sequence extension of a 12 fps stream (24 fps header, d = 1).
        let ext = [0, 0, 1, 0xB5, 0x14, 0x6A, 0x00, 0x01, 0x00, 0x01];
        assert_eq!(mpeg2_rate_extension(&ext), Some((1, 2)));
        let plain = [0, 0, 1, 0xB5, 0x14, 0x6A, 0x00, 0x01, 0x00, 0x00];
        assert_eq!(mpeg2_rate_extension(&plain), None);
    }

    #[test]
    fn truehd_major_sync_tells_the_largest_presentation() {
        // 48 kHz (rate bits 0); 5.1 (L/R, C, LFE, Ls/Rs) in the 6-channel
        // field, 7.1 (plus Lrs/Rrs) in the 8-channel one.
        let sync = |six: u32, eight: u32| {
            let bits: u64 = ((six as u64) << 15) | eight as u64;
            let mut b = vec![0, 0, 0, 0, 0xF8, 0x72, 0x6F, 0xBA];
            b.extend_from_slice(&(bits as u32).to_be_bytes());
            b
        };
        assert_eq!(truehd_major_sync(&sync(0b01111, 0)), Some((6, 48000)));
        assert_eq!(
            truehd_major_sync(&sync(0b01111, 0b1001111)),
            Some((8, 48000))
        );
        assert_eq!(truehd_major_sync(&[0, 0, 0, 0]), None);
    }

    #[test]
    fn dts_hd_extension_substream_tells_the_whole_stream() {
        // A 5.1 core's frame sync, then an extension substream: header with
        // static fields (one presentation, one asset, no mixing metadata),
        // then the asset's descriptor with a language, 24-bit, 96 kHz, 8
        // channels.
        let fields: &[(u32, usize)] = &[
            (0x6458_2025, 32),
            (0, 8),
            (0, 2),
            (0, 1),
            (15, 8),
            (1000, 16),
            (1, 1),
            (0, 5),
            (0, 1),
            (0, 3),
            (0, 3),
            (1, 1),
            (1, 8),
            (0, 1),
            (999, 16),
            (40, 9),
            (0, 3),
            (0, 1),
            (1, 1),
            (0x656e67, 24),
            (0, 1),
            (23, 5),
            (13, 4),
            (7, 8),
            (0, 16),
        ];
        let bits: String = fields.iter().map(|&(v, n)| format!("{v:0n$b}")).collect();
        let mut b = vec![0x7F, 0xFE, 0x80, 0x01, 0, 0, 0, 0];
        b.extend(bits.as_bytes().chunks(8).map(|c| {
            u8::from_str_radix(&format!("{:0<8}", std::str::from_utf8(c).unwrap()), 2).unwrap()
        }));
        assert_eq!(dts_hd_asset(&b), Some((8, 96000)));
        // 24-bit, said only of a frame that carries the lossless extension.
        assert_eq!(dts_hd_lossless_depth(&b), None);
        let mut lossless = b.clone();
        lossless.extend_from_slice(&[0x41, 0xA2, 0x95, 0x47, 0]);
        assert_eq!(dts_hd_lossless_depth(&lossless), Some(24));
        // A core alone says nothing here.
        assert_eq!(dts_hd_asset(&b[..8]), None);
    }

    #[test]
    fn mpeg4_video_object_layer_says_whether_it_is_interlaced() {
        // ffmpeg's 320x240 VOL headers, plain and with +ildct.
        let vol = |last: u8| {
            [
                0x00, 0x00, 0x01, 0x20, 0x00, 0xC4, 0x8D, 0x88, 0x00, 0xCD, 0x0A, 0x04, 0x1E, last,
                0x43,
            ]
        };
        assert_eq!(mpeg4_interlaced(&vol(0x14)), Some(false));
        assert_eq!(mpeg4_interlaced(&vol(0x1C)), Some(true));
        assert_eq!(mpeg4_interlaced(&[0, 0, 1, 0xB6]), None);
    }

    #[test]
    fn mpeg2_top_field_first() {
        // Picture coding extension: id 8, f_codes, dc precision 0, frame, tff = 1.
        let b = [0, 0, 1, 0xB5, 0x8F, 0xFF, 0xF3, 0x80, 0x00];
        assert_eq!(mpeg2_field_order(&b), Some(FieldOrder::TopFirst));
    }

    #[test]
    fn h264_field_order_from_the_first_slice_after_the_parameter_sets() {
        // x264's interlaced parameter sets (tff, pic_struct in its timing
        // SEI), each slice cut after its header.
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let sps = hex("67640015acd941410fcb808800000300080000030190f8a14cb0");
        let pps = hex("68fba3cb22c0");
        let timing = hex("0601013280");
        let idr = hex("6588820b077fcaacfdd878b8e41c00a615c54732fad5460e");
        let slice = hex("419a215e429fd1a0189fda9517101d82e50b3fffa8d4887f");
        let stream = |nals: &[&[u8]]| -> Vec<u8> {
            nals.iter()
                .flat_map(|n| [&[0, 0, 0, 1][..], n].concat())
                .collect()
        };
        let headed = stream(&[&sps, &pps, &timing, &idr]);
        assert_eq!(h264_field_order(None, &headed), Some(FieldOrder::TopFirst));
        // A stream cut in a group of pictures: a slice before the
        // parameter sets is passed over, not the end of the search.
        let cut = stream(&[&timing, &slice, &sps, &pps, &timing, &idr]);
        assert_eq!(h264_field_order(None, &cut), Some(FieldOrder::TopFirst));
        assert_eq!(h264_field_order(None, &stream(&[&slice])), None);
    }
}
