//! Video headers other than H.264: the MPEG-2 picture coding extension, and
//! pixel formats of JPEG, ProRes, DNxHD, Theora, DV and the codecs that state one.

use super::*;

/// MPEG-1/2 video: the first picture coding extension's `top_field_first`
/// (ISO/IEC 13818-2, 6.2.3.1), for a sequence that is not progressive.
pub fn mpeg2_field_order(b: &[u8]) -> Option<FieldOrder> {
    let mut progressive_sequence = None;
    let mut i = 0;
    while i + 6 < b.len() {
        if b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1 && b[i + 3] == 0xB5 {
            let kind = b[i + 4] >> 4;
            if kind == 1 {
                // Sequence extension: progressive_sequence is bit 3 of byte 5.
                progressive_sequence = Some(b[i + 5] & 0x08 != 0);
            } else if kind == 8 && i + 8 < b.len() {
                if progressive_sequence == Some(true) {
                    return Some(FieldOrder::Progressive);
                }
                // f_codes (16 bits), intra_dc_precision (2), picture_structure (2), top_field_first.
                let mut bits = Bits::new(&b[i + 4..]);
                bits.u(4 + 16 + 2)?;
                let structure = bits.u(2)?;
                let tff = bits.u(1)? == 1;
                return Some(match structure {
                    1 => FieldOrder::TopFirst,
                    2 => FieldOrder::BottomFirst,
                    _ if tff => FieldOrder::TopFirst,
                    _ => FieldOrder::BottomFirst,
                });
            }
        }
        i += 1;
    }
    None
}

/// The pixel format an H.264 or HEVC decoder configuration record gives
/// (`avcC`, `hvcC`; an encrypted track's caps come without a parser's
/// chroma format and depth): H.264's Baseline, Main, Extended and High
/// profiles are 4:2:0 8-bit by definition, higher profiles say it in the
/// record's extension; HEVC's record always does.
fn record_pixel_format(codec: &str, c: &[u8]) -> Option<String> {
    let (chroma, depth) = if codec == "h264" {
        match *c.get(1)? {
            66 | 77 | 88 | 100 => (1, 8),
            _ => avcc_extension(c)?,
        }
    } else {
        (c.get(16)? & 3, 8 + (c.get(17)? & 7))
    };
    let base = match chroma {
        0 => "gray",
        1 => "yuv420p",
        2 => "yuv422p",
        _ => "yuv444p",
    };
    Some(match (depth, chroma) {
        (8, _) => base.to_string(),
        (d, 0) => format!("gray{d}le"),
        (d, _) => format!("{base}{d}le"),
    })
}

/// The extension of an `avcC` past its parameter sets (profiles above
/// High): chroma format and luma bit depth.
fn avcc_extension(c: &[u8]) -> Option<(u8, u8)> {
    let mut at = 6;
    let sps = c.get(5)? & 0x1f;
    for _ in 0..sps {
        at += 2 + u16::from_be_bytes([*c.get(at)?, *c.get(at + 1)?]) as usize;
    }
    let pps = *c.get(at)?;
    at += 1;
    for _ in 0..pps {
        at += 2 + u16::from_be_bytes([*c.get(at)?, *c.get(at + 1)?]) as usize;
    }
    Some((c.get(at)? & 3, 8 + (c.get(at + 1)? & 7)))
}

/// ffprobe's pixel format for codecs whose caps do not carry one: fixed by the
/// codec's definition (VP8, H.263, MPEG-1 and MPEG-4 Part 2 are 4:2:0, 8-bit),
/// or read from the first frame's or the configuration's header.
pub fn pixel_format(codec: &str, first: Option<&[u8]>, config: Option<&[u8]>) -> Option<String> {
    let fixed = match codec {
        "vp8" | "h263" | "h263p" | "flv1" | "msmpeg4v1" | "msmpeg4v2" | "msmpeg4v3" | "wmv1"
        | "wmv2" | "mpeg1video" | "mpeg4" | "svq1" | "vp6" | "vp6f" | "rv10" | "rv20" | "rv30"
        | "rv40" => Some("yuv420p"),
        // Cinepak's decoder gives RGB (a palette for 8-bit files).
        "cinepak" => Some("rgb24"),
        _ => None,
    };
    if let Some(f) = fixed {
        return Some(f.into());
    }
    if matches!(codec, "h264" | "hevc") {
        return config.and_then(|c| record_pixel_format(codec, c));
    }
    let data = first.or(config)?;
    let name = match codec {
        "mpeg2video" => match mpeg2_chroma(config.unwrap_or(&[])).or_else(|| mpeg2_chroma(data))? {
            1 => "yuv420p",
            2 => "yuv422p",
            _ => "yuv444p",
        },
        "mjpeg" => return super::picture::jpeg_pixel_format(data),
        "png" => return super::picture::png_pixel_format(data),
        "jpeg2000" => return jpeg2000_format(data).map(|f| f.0),
        "av1" => return av1_pixel_format(config?),
        "ffv1" => return super::ffv1::pixel_format(config?),
        "vp9" => return vp9_pixel_format(first?),
        "dvvideo" => super::dv::dv_profile(data)?.pix_fmt,
        "prores" => {
            // Frame: size, `icpf`, then the frame header (its 13th byte: chroma
            // format in the top two bits; its 18th: alpha in the low four).
            if data.get(4..8)? != b"icpf" {
                return None;
            }
            let chroma = data.get(8 + 12)? >> 6;
            let alpha = data.get(8 + 17)? & 0xF;
            match (chroma, alpha) {
                (2, _) => "yuv422p10le",
                (3, 0) => "yuv444p10le",
                (3, _) => "yuva444p10le",
                _ => return None,
            }
        }
        "dnxhd" => {
            dnxhd_progressive(data)?;
            let ten = data.get(0x21)? & 0x40 != 0;
            let yuv444 = (data.get(0x2C)? >> 6) & 1 == 1;
            match (yuv444, ten) {
                (false, false) => "yuv422p",
                (false, true) => "yuv422p10le",
                (true, false) => "yuv444p",
                (true, true) => "yuv444p10le",
            }
        }
        "theora" => {
            // Identification header: 0x80 "theora", …, pixel format in the two
            // bits after the quality and keyframe-shift fields (byte 41).
            let h = config?;
            if h.get(0..7)? != b"\x80theora" {
                return None;
            }
            match (h.get(41)? >> 3) & 3 {
                0 => "yuv420p",
                2 => "yuv422p",
                3 => "yuv444p",
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(name.into())
}

/// A JPEG 2000 frame's pixel format and precision: the codestream's SIZ
/// marker segment (after SOC) gives the components, their subsampling and
/// precision; a JP2 header before it (as ffmpeg writes each frame) may name
/// the colour space (`colr`: 16 sRGB, 17 grey, 18 sYCC). FFmpeg's decoder
/// takes the first of its RGB, grey and YUV formats, those of the colour
/// space named if any, whose components and subsampling match and whose
/// depth holds the precision. RGB past 8 bits, and components of unequal
/// precision, are left unsaid.
pub fn jpeg2000_format(data: &[u8]) -> Option<(String, u32)> {
    let head = &data[..data.len().min(4096)];
    let at = head
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])?
        + 2;
    let space = head[..at]
        .windows(4)
        .position(|w| w == b"colr")
        .and_then(|c| {
            let b = head.get(c + 4..c + 11)?;
            (b[0] == 1).then(|| u32::from_be_bytes([b[3], b[4], b[5], b[6]]))
        });
    let siz = data.get(at..)?;
    let count = u16::from_be_bytes([*siz.get(38)?, *siz.get(39)?]) as usize;
    let components: Vec<(u8, u8, u8)> = (0..count)
        .map(|i| {
            siz.get(40 + 3 * i..43 + 3 * i)
                .map(|c| ((c[0] & 0x7F) + 1, c[1], c[2]))
        })
        .collect::<Option<_>>()?;
    let precision = components.first()?.0;
    if components.iter().any(|c| c.0 != precision) || components.first()?.1 != 1 {
        return None;
    }
    let (rgb, grey, yuv) = match space {
        Some(16) => (true, false, false),
        Some(17) => (false, true, false),
        Some(18) => (false, false, true),
        _ => (true, true, true),
    };
    let sub = components.get(1).map(|c| (c.1, c.2));
    let same = count == 3 && components[2].1 == sub?.0 && components[2].2 == sub?.1;
    let base = match (count, sub) {
        (1, _) if grey && precision == 8 => "gray",
        // RGB past 8 bits (FFmpeg's rgb48le, whichever the space) is unsaid.
        (3, Some((1, 1))) if same && rgb && precision > 8 => return None,
        (3, Some((1, 1))) if same && rgb => "rgb24",
        (3, Some(s)) if same && yuv => match s {
            (2, 2) => "yuv420p",
            (2, 1) => "yuv422p",
            (4, 1) => "yuv411p",
            (1, 2) => "yuv440p",
            (1, 1) => "yuv444p",
            _ => return None,
        },
        _ => return None,
    };
    let name = match precision {
        8 => base.to_string(),
        // FFmpeg has no deeper forms of these among its choices.
        9..=16 if !matches!(base, "yuv440p" | "yuv411p" | "gray" | "rgb24") => {
            let depth = [9, 10, 12, 14, 16].into_iter().find(|&d| d >= precision)?;
            format!("{base}{depth}le")
        }
        _ => return None,
    };
    Some((name, u32::from(precision)))
}

/// An AV1 codec configuration record (`av1C`): marker and version, profile
/// and level, then tier, high bit depth, twelve bit, monochrome and the
/// chroma subsampling in x and y.
/// The pixel format a lossless capture codec's fourcc fixes (Ut Video,
/// MagicYUV), as FFmpeg's decoders give it.
pub fn fourcc_pixel_format(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "ULY0" | "ULH0" | "UMY0" | "M8Y0" => "yuv420p",
        "ULY2" | "ULH2" | "UMY2" | "UMH2" | "M8Y2" => "yuv422p",
        "ULY4" | "ULH4" | "UMY4" | "UMH4" | "M8Y4" => "yuv444p",
        "ULRG" | "UMRG" | "M8RG" => "gbrp",
        "ULRA" | "UMRA" | "M8RA" => "gbrap",
        "UQY2" => "yuv422p10le",
        "M8G0" => "gray",
        _ => return None,
    })
}

/// A VP9 key frame's pixel format, from its uncompressed header (VP9
/// bitstream specification, 6.2): the profile, then in the colour config
/// the depth (profiles 2 and 3), the colour space (7 is RGB: FFmpeg's
/// `gbrp`) and the subsampling (profiles 1 and 3; 4:2:0 otherwise).
fn vp9_pixel_format(frame: &[u8]) -> Option<String> {
    let mut r = Bits::new(frame);
    (r.u(2)? == 2).then_some(())?;
    let profile = r.u(1)? | (r.u(1)? << 1);
    if profile == 3 {
        r.u(1)?;
    }
    // Not a shown-again frame, and a key frame (type 0).
    (r.u(1)? == 0 && r.u(1)? == 0).then_some(())?;
    r.u(2)?;
    (r.u(24)? == 0x49_8342).then_some(())?;
    let depth = if profile >= 2 {
        if r.u(1)? == 1 { 12 } else { 10 }
    } else {
        8
    };
    let odd_profile = profile == 1 || profile == 3;
    let base = if r.u(3)? == 7 {
        "gbrp"
    } else {
        r.u(1)?;
        match (odd_profile, odd_profile.then(|| (r.u(1), r.u(1)))) {
            (true, Some((Some(1), Some(0)))) => "yuv422p",
            (true, Some((Some(0), Some(1)))) => "yuv440p",
            (true, Some((Some(0), Some(0)))) => "yuv444p",
            (true, _) => return None,
            (false, _) => "yuv420p",
        }
    };
    Some(match depth {
        8 => base.to_string(),
        d => format!("{base}{d}le"),
    })
}

fn av1_pixel_format(c: &[u8]) -> Option<String> {
    (*c.first()? == 0x81).then_some(())?;
    let b = *c.get(2)?;
    let depth = match (b & 0x40 != 0, b & 0x20 != 0) {
        (false, _) => 8,
        (true, false) => 10,
        (true, true) => 12,
    };
    let base = match (b & 0x10 != 0, b & 0x08 != 0, b & 0x04 != 0) {
        (true, _, _) => "gray",
        (false, true, true) => "yuv420p",
        (false, true, false) => "yuv422p",
        (false, false, _) => "yuv444p",
    };
    Some(match depth {
        8 => base.to_string(),
        d => format!("{base}{d}le"),
    })
}

/// The frame rates of MPEG-1/2's `frame_rate_code` 1 to 8, the broadcast
/// and film rates.
pub const MPEG_RATES: [(u32, u32); 8] = [
    (24000, 1001),
    (24, 1),
    (25, 1),
    (30000, 1001),
    (30, 1),
    (50, 1),
    (60000, 1001),
    (60, 1),
];

/// What a video stream's first headers state, for a stream no demuxer
/// exposed (another program of a transport stream).
#[derive(Debug, Default, PartialEq)]
pub struct StreamHeader {
    pub size: Option<(u32, u32)>,
    /// Frames per second, as a fraction.
    pub rate: Option<(u32, u32)>,
    pub field_order: Option<FieldOrder>,
    pub pix_fmt: Option<String>,
}

/// The first headers of an H.264, HEVC or MPEG-1/2 video stream: the
/// sequence parameter set, or the sequence header and its extension; a
/// DNxHD frame's header.
pub fn stream_header(codec: &str, b: &[u8]) -> Option<StreamHeader> {
    match codec {
        "dnxhd" => dnxhd_header(b),
        "h264" => super::h264::h264_stream(b),
        "hevc" => super::hevc::hevc_stream(b),
        "mpeg1video" | "mpeg2video" => {
            let at = b.windows(4).position(|w| w == [0, 0, 1, 0xB3])?;
            let h = b.get(at + 4..at + 8)?;
            let width = (u32::from(h[0]) << 4) | u32::from(h[1] >> 4);
            let height = (u32::from(h[1] & 0x0F) << 8) | u32::from(h[2]);
            let (ext_n, ext_d) = mpeg2_rate_extension(b).unwrap_or((1, 1));
            let rate = (h[3] & 0x0F)
                .checked_sub(1)
                .and_then(|code| MPEG_RATES.get(code as usize))
                .map(|&(n, d)| (n * ext_n, d * ext_d));
            Some(StreamHeader {
                size: (width > 0 && height > 0).then_some((width, height)),
                rate,
                field_order: mpeg2_field_order(b),
                pix_fmt: pixel_format(codec, Some(b), None),
            })
        }
        _ => None,
    }
}

/// A DNxHD frame header's size (lines at 0x18, samples per line at 0x1A)
/// and pixel format, as FFmpeg's decoder sets them. An interlaced frame's
/// header counts the lines of a field: no size is told for it.
fn dnxhd_header(b: &[u8]) -> Option<StreamHeader> {
    let pix_fmt = pixel_format("dnxhd", Some(b), None)?;
    let be16 = |at: usize| {
        Some(u32::from(u16::from_be_bytes([
            *b.get(at)?,
            *b.get(at + 1)?,
        ])))
    };
    let progressive = dnxhd_progressive(b)?;
    let size = (be16(0x1a)?, be16(0x18)?);
    Some(StreamHeader {
        size: (progressive && size.0 > 0 && size.1 > 0).then_some(size),
        pix_fmt: Some(pix_fmt),
        ..StreamHeader::default()
    })
}

/// Whether a DNxHD or DNxHR frame (its header prefix `00 00 02 80` or
/// `… 81`) is progressive: the interlace flag of its sixth byte. `None`
/// for what is no such frame.
pub fn dnxhd_progressive(b: &[u8]) -> Option<bool> {
    if b.get(0..4)? != [0x00, 0x00, 0x02, 0x80] && b.get(0..4)? != [0x00, 0x00, 0x02, 0x80 | 1] {
        return None;
    }
    Some(b.get(5)? & 2 == 0)
}

/// MPEG-2 `chroma_format` from a sequence extension.
pub(super) fn mpeg2_chroma(b: &[u8]) -> Option<u8> {
    let i = b
        .windows(5)
        .position(|w| w[..4] == [0, 0, 1, 0xB5] && w[4] >> 4 == 1)?;
    let mut r = Bits::new(b.get(i + 4..)?);
    r.u(4 + 8 + 1)?;
    Some(r.u(2)? as u8)
}

/// MPEG-2's frame rate extension (`frame_rate_extension_n + 1`,
/// `frame_rate_extension_d + 1`) from a sequence extension: the sequence
/// header's rate times n / d is the stream's (12 fps is 24 × 1/2). `None`
/// when there is no extension, or it leaves the rate as it is.
pub fn mpeg2_rate_extension(b: &[u8]) -> Option<(u32, u32)> {
    let i = b
        .windows(5)
        .position(|w| w[..4] == [0, 0, 1, 0xB5] && w[4] >> 4 == 1)?;
    let mut r = Bits::new(b.get(i + 4..)?);
    r.u(4 + 8 + 1 + 2 + 2 + 2 + 12 + 1 + 8 + 1)?;
    let (n, d) = (r.u(2)? + 1, r.u(5)? + 1);
    (n != d).then_some((n, d))
}

/// MPEG-4 Part 2: the `interlaced` flag of a rectangular video object
/// layer header (ISO/IEC 14496-2, 6.2.3). `Some(false)` is a progressive
/// stream by its own word.
pub fn mpeg4_interlaced(b: &[u8]) -> Option<bool> {
    let i = b
        .windows(4)
        .position(|w| w[..3] == [0, 0, 1] && w[3] & 0xF0 == 0x20)?;
    let mut r = Bits::new(b.get(i + 4..)?);
    r.u(1 + 8)?;
    if r.u(1)? == 1 {
        r.u(4 + 3)?;
    }
    if r.u(4)? == 0xF {
        r.u(16)?;
    }
    if r.u(1)? == 1 {
        r.u(3)?;
        if r.u(1)? == 1 {
            r.u(79)?;
        }
    }
    if r.u(2)? != 0 {
        return None;
    }
    r.u(1)?;
    let resolution = r.u(16)?;
    r.u(1)?;
    if r.u(1)? == 1 {
        let bits = (32 - resolution.saturating_sub(1).leading_zeros()).max(1);
        r.u(bits as usize)?;
    }
    r.u(1 + 13 + 1 + 13 + 1)?;
    Some(r.u(1)? == 1)
}

/// The bit depth a pixel format name carries: `yuv420p` 8, `yuv422p10le` 10.
pub fn pix_fmt_depth(pix_fmt: &str) -> Option<u32> {
    let digits: String = pix_fmt
        .trim_end_matches("le")
        .trim_end_matches("be")
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    match digits.parse::<u32>() {
        Ok(d) if (9..=16).contains(&d) => Some(d),
        _ if pix_fmt.starts_with("yuv") || pix_fmt.starts_with("gray") || pix_fmt == "nv12" => {
            Some(8)
        }
        // Packed and paletted 8-bit formats (FFmpeg's descriptors' depth).
        _ if matches!(
            pix_fmt,
            "rgb24" | "bgr24" | "rgba" | "bgra" | "argb" | "abgr" | "uyvy422" | "pal8" | "nv21"
        ) =>
        {
            Some(8)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn jpeg2000_pixel_formats_from_the_size_marker_and_the_colour_space() {
        // SOC, SIZ of 352x288: precision, then the horizontal and vertical
        // subsampling of each component; behind a JP2 `colr` box naming
        // `space` if given.
        let frame = |comps: &[(u8, u8, u8)], space: Option<u32>| {
            let mut b = Vec::new();
            if let Some(cs) = space {
                b.extend(15u32.to_be_bytes());
                b.extend(b"colr\x01\x00\x00");
                b.extend(cs.to_be_bytes());
            }
            b.extend([
                0xFF,
                0x4F,
                0xFF,
                0x51,
                0,
                (38 + 3 * comps.len()) as u8,
                0,
                0,
            ]);
            b.extend([0u8; 32]);
            b.extend((comps.len() as u16).to_be_bytes());
            for &(p, x, y) in comps {
                b.extend([p - 1, x, y]);
            }
            b
        };
        let f = |c: &[(u8, u8, u8)], space| super::jpeg2000_format(&frame(c, space));
        let named = |c, space| f(c, space).map(|f| f.0);
        let (full, half) = ([(8, 1, 1); 3], [(8, 1, 1), (8, 2, 2), (8, 2, 2)]);
        assert_eq!(named(&half, None).as_deref(), Some("yuv420p"));
        assert_eq!(named(&full, None).as_deref(), Some("rgb24"));
        assert_eq!(named(&full, Some(18)).as_deref(), Some("yuv444p"));
        assert_eq!(named(&full, Some(16)).as_deref(), Some("rgb24"));
        assert_eq!(named(&[(8, 1, 1)], Some(17)).as_deref(), Some("gray"));
        let ten = [(10, 1, 1), (10, 2, 1), (10, 2, 1)];
        assert_eq!(f(&ten, None), Some(("yuv422p10le".into(), 10)));
        assert_eq!(f(&[(12, 1, 1); 3], None), None);
        assert_eq!(f(&[(8, 1, 1), (10, 2, 2), (8, 2, 2)], None), None);
    }

    use super::*;

    #[test]
    fn decoder_records_give_the_pixel_format() {
        // avcC, High: 4:2:0 8-bit by the profile alone.
        assert_eq!(
            pixel_format("h264", None, Some(&[1, 100, 0, 40, 0xff, 0xe0, 0])).as_deref(),
            Some("yuv420p")
        );
        // avcC, High 4:2:2 (122): one 2-byte SPS, one 1-byte PPS, then
        // chroma_format 2 and luma depth 10.
        let avcc = [
            1, 122, 0, 40, 0xff, 0xe1, 0, 2, 0x67, 0x7a, 1, 0, 1, 0x68, 0xfe, 0xfa, 0xfa, 0,
        ];
        assert_eq!(
            pixel_format("h264", None, Some(&avcc)).as_deref(),
            Some("yuv422p10le")
        );
        // hvcC: chroma format 1 at byte 16, luma depth - 8 at byte 17.
        let mut hvcc = [0u8; 23];
        hvcc[16] = 0xfc | 1;
        hvcc[17] = 0xf8 | 2;
        assert_eq!(
            pixel_format("hevc", None, Some(&hvcc)).as_deref(),
            Some("yuv420p10le")
        );
        assert_eq!(pixel_format("hevc", None, None), None);
        // av1C: main profile, 4:2:0 (both subsampling bits), 8 and 10 bits.
        assert_eq!(
            pixel_format("av1", None, Some(&[0x81, 0x08, 0x0c, 0])).as_deref(),
            Some("yuv420p")
        );
        assert_eq!(
            pixel_format("av1", None, Some(&[0x81, 0x08, 0x4c, 0])).as_deref(),
            Some("yuv420p10le")
        );
        // High profile, 4:4:4 (no subsampling), and a wrong marker.
        assert_eq!(
            pixel_format("av1", None, Some(&[0x81, 0x28, 0x00, 0])).as_deref(),
            Some("yuv444p")
        );
        assert_eq!(pixel_format("av1", None, Some(&[0x01, 0x08, 0x0c])), None);
    }
}
