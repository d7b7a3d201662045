//! Facts read from a stream's own headers — codec configuration and the first
//! buffer the probe keeps — where containers and GStreamer's caps are wrong or
//! silent: AAC's AudioSpecificConfig, MPEG audio frame headers, and the field
//! order of interlaced MPEG-2 and H.264.
//!
//! Each reader takes bytes and returns `None` for anything it does not fully
//! understand: a fact from here replaces the caps' only when it was read whole.

/// The facts of an MPEG audio frame header (ISO/IEC 11172-3, 13818-3).
#[derive(Debug, PartialEq)]
pub struct MpegAudioHeader {
    pub rate: i32,
    pub channels: i32,
    pub bitrate: u64,
}

pub fn mpeg_audio_header(b: &[u8]) -> Option<MpegAudioHeader> {
    // The first frame sync within the first bytes (ID3 or junk may come first).
    let at = (0..b.len().saturating_sub(3).min(4096))
        .find(|&i| b[i] == 0xFF && b[i + 1] & 0xE0 == 0xE0 && (b[i + 1] >> 1) & 3 != 0)?;
    let h = u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let version = (h >> 19) & 3; // 0: MPEG 2.5, 2: MPEG 2, 3: MPEG 1
    let layer = 4 - ((h >> 17) & 3); // 1, 2 or 3
    let bitrate_index = ((h >> 12) & 0xF) as usize;
    let rate_index = ((h >> 10) & 3) as usize;
    let mode = (h >> 6) & 3;
    if version == 1 || rate_index == 3 || bitrate_index == 15 {
        return None;
    }
    let base = [44100, 48000, 32000][rate_index];
    let rate = match version {
        3 => base,
        2 => base / 2,
        _ => base / 4,
    };
    const V1: [[u64; 15]; 3] = [
        [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ],
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ],
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ],
    ];
    const V2: [[u64; 15]; 2] = [
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];
    let kbps = if version == 3 {
        V1[layer as usize - 1][bitrate_index]
    } else {
        V2[if layer == 1 { 0 } else { 1 }][bitrate_index]
    };
    Some(MpegAudioHeader {
        rate,
        channels: if mode == 3 { 1 } else { 2 },
        bitrate: kbps * 1000,
    })
}

/// The facts of an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3, 1.6.2.1).
#[derive(Debug, PartialEq)]
pub struct AudioConfig {
    pub object_type: u32,
    pub rate: i32,
    /// `None` when a program config element carries the layout.
    pub channels: Option<i32>,
}

pub fn audio_specific_config(b: &[u8]) -> Option<AudioConfig> {
    const RATES: [i32; 13] = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
    ];
    let mut bits = Bits::new(b);
    let object = |bits: &mut Bits| -> Option<u32> {
        let o = bits.u(5)?;
        if o == 31 {
            Some(32 + bits.u(6)?)
        } else {
            Some(o)
        }
    };
    let rate = |bits: &mut Bits| -> Option<i32> {
        let i = bits.u(4)?;
        if i == 15 {
            Some(bits.u(24)? as i32)
        } else {
            RATES.get(i as usize).copied()
        }
    };
    let mut object_type = object(&mut bits)?;
    let mut sample_rate = rate(&mut bits)?;
    let config = bits.u(4)?;
    // Explicit SBR / PS: the output rate is the extension's, the object type the core's.
    if object_type == 5 || object_type == 29 {
        sample_rate = rate(&mut bits)?;
        object_type = object(&mut bits)?;
    }
    let channels = match config {
        1..=6 => Some(config as i32),
        7 | 12 | 14 => Some(8),
        11 => Some(7),
        13 => Some(24),
        _ => None,
    };
    Some(AudioConfig {
        object_type,
        rate: sample_rate,
        channels,
    })
}

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

/// H.264: is the stream coded as fields (`frame_mbs_only_flag` = 0), and which
/// field comes first in its first picture — from the first slice of the first
/// access unit (`bottom_field_flag`, or the two fields' picture order counts
/// for a frame picture), as ffprobe and MediaInfo tell it. `config` is the
/// avcC record (`codec_data`), `au` the first access unit (length-prefixed as
/// avcC says, or in byte-stream form).
pub fn h264_field_order(config: Option<&[u8]>, au: &[u8]) -> Option<FieldOrder> {
    let mut nals: Vec<Vec<u8>> = Vec::new();
    let mut length_size = None;
    if let Some(c) = config
        && c.len() > 6
        && c[0] == 1
    {
        length_size = Some((c[4] & 3) as usize + 1);
        let mut at = 6;
        let mut count = (c[5] & 0x1F) as usize;
        let mut pps = false;
        loop {
            for _ in 0..count {
                let len = u16::from_be_bytes([*c.get(at)?, *c.get(at + 1)?]) as usize;
                nals.push(c.get(at + 2..at + 2 + len)?.to_vec());
                at += 2 + len;
            }
            if pps {
                break;
            }
            pps = true;
            count = *c.get(at)? as usize;
            at += 1;
        }
    }
    match length_size {
        Some(n) => {
            let mut at = 0;
            while at + n <= au.len() {
                let len = au[at..at + n]
                    .iter()
                    .fold(0usize, |a, &x| (a << 8) | x as usize);
                let Some(nal) = au.get(at + n..at + n + len) else {
                    break;
                };
                nals.push(nal.to_vec());
                at += n + len;
            }
        }
        None => nals.extend(annex_b(au)),
    }
    let mut sps: Option<Sps> = None;
    let mut pps = None;
    let mut pic_struct = None;
    for nal in &nals {
        let Some(&head) = nal.first() else { continue };
        let rbsp = unescape(&nal[1..]);
        match head & 0x1F {
            7 => sps = sps.or_else(|| Sps::parse(&rbsp)),
            8 => pps = pps.or_else(|| pps_bottom_poc_present(&rbsp)),
            6 => {
                if let Some(t) = sps.as_ref().and_then(|s| s.timing) {
                    pic_struct = pic_struct.or_else(|| sei_pic_struct(&rbsp, t));
                }
            }
            1 | 5 => {
                let sps = sps.as_ref()?;
                if sps.frame_mbs_only {
                    return Some(FieldOrder::Progressive);
                }
                let order = slice_field_order(&rbsp, head & 0x1F == 5, sps, pps?);
                // For a frame picture the timing SEI's pic_struct speaks first,
                // as it does for ffprobe (H.264 table D-1).
                if field_picture(&rbsp, sps) {
                    return order;
                }
                return match pic_struct {
                    Some(3 | 5) => Some(FieldOrder::TopFirst),
                    Some(4 | 6) => Some(FieldOrder::BottomFirst),
                    Some(0 | 7 | 8) => Some(FieldOrder::Progressive),
                    _ => order,
                };
            }
            _ => {}
        }
    }
    None
}

struct Sps {
    separate_colour_plane: bool,
    log2_max_frame_num: u32,
    poc_type: u32,
    log2_max_poc_lsb: u32,
    frame_mbs_only: bool,
    /// From the VUI: how picture timing SEI messages are laid out.
    timing: Option<PictureTiming>,
}

/// What a picture timing SEI holds before `pic_struct` (H.264 D.1.3).
#[derive(Clone, Copy)]
struct PictureTiming {
    /// Bits of `cpb_removal_delay` + `dpb_output_delay`; 0 without HRD parameters.
    delay_bits: usize,
    pic_struct_present: bool,
}

/// The VUI up to `pic_struct_present_flag` (H.264 E.1.1).
fn vui_picture_timing(r: &mut Bits) -> Option<PictureTiming> {
    if r.u(1)? == 1 && r.u(8)? == 255 {
        r.u(32)?;
    }
    if r.u(1)? == 1 {
        r.u(1)?;
    }
    if r.u(1)? == 1 {
        r.u(4)?;
        if r.u(1)? == 1 {
            r.u(24)?;
        }
    }
    if r.u(1)? == 1 {
        r.ue()?;
        r.ue()?;
    }
    if r.u(1)? == 1 {
        r.u(32)?;
        r.u(32)?;
        r.u(1)?;
    }
    let mut delay_bits = 0;
    let mut hrd = false;
    for _ in 0..2 {
        if r.u(1)? == 1 {
            hrd = true;
            let count = r.ue()?.min(31);
            r.u(8)?;
            for _ in 0..=count {
                r.ue()?;
                r.ue()?;
                r.u(1)?;
            }
            r.u(5)?;
            let cpb = r.u(5)? as usize + 1;
            let dpb = r.u(5)? as usize + 1;
            r.u(5)?;
            delay_bits = cpb + dpb;
        }
    }
    if hrd {
        r.u(1)?;
    }
    Some(PictureTiming {
        delay_bits,
        pic_struct_present: r.u(1)? == 1,
    })
}

/// `pic_struct` of a picture timing SEI message, when the SPS says it is there.
fn sei_pic_struct(b: &[u8], timing: PictureTiming) -> Option<u32> {
    if !timing.pic_struct_present {
        return None;
    }
    let mut at = 0;
    while at < b.len() && b[at] != 0x80 {
        let mut kind = 0usize;
        while *b.get(at)? == 0xFF {
            kind += 255;
            at += 1;
        }
        kind += b[at] as usize;
        at += 1;
        let mut size = 0usize;
        while *b.get(at)? == 0xFF {
            size += 255;
            at += 1;
        }
        size += b[at] as usize;
        at += 1;
        if kind == 1 {
            let mut r = Bits::new(b.get(at..at + size)?);
            r.u(timing.delay_bits)?;
            return r.u(4);
        }
        at += size;
    }
    None
}

impl Sps {
    fn parse(b: &[u8]) -> Option<Sps> {
        let mut r = Bits::new(b);
        let profile = r.u(8)?;
        r.u(16)?;
        r.ue()?;
        let mut separate_colour_plane = false;
        if matches!(
            profile,
            100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
        ) {
            let chroma = r.ue()?;
            if chroma == 3 {
                separate_colour_plane = r.u(1)? == 1;
            }
            r.ue()?;
            r.ue()?;
            r.u(1)?;
            if r.u(1)? == 1 {
                for i in 0..if chroma == 3 { 12 } else { 8 } {
                    if r.u(1)? == 1 {
                        let size = if i < 6 { 16 } else { 64 };
                        let (mut last, mut next) = (8i64, 8i64);
                        for _ in 0..size {
                            if next != 0 {
                                next = (last + r.se()? + 256) % 256;
                            }
                            last = if next == 0 { last } else { next };
                        }
                    }
                }
            }
        }
        let log2_max_frame_num = r.ue()? + 4;
        let poc_type = r.ue()?;
        let mut log2_max_poc_lsb = 0;
        match poc_type {
            0 => log2_max_poc_lsb = r.ue()? + 4,
            1 => {
                r.u(1)?;
                r.se()?;
                r.se()?;
                for _ in 0..r.ue()? {
                    r.se()?;
                }
            }
            _ => {}
        }
        r.ue()?;
        r.u(1)?;
        r.ue()?;
        r.ue()?;
        let frame_mbs_only = r.u(1)? == 1;
        let mut sps = Sps {
            separate_colour_plane,
            log2_max_frame_num,
            poc_type,
            log2_max_poc_lsb,
            frame_mbs_only,
            timing: None,
        };
        if !frame_mbs_only {
            r.u(1)?;
        }
        r.u(1)?;
        if r.u(1)? == 1 {
            for _ in 0..4 {
                r.ue()?;
            }
        }
        if r.u(1)? == 1 {
            sps.timing = vui_picture_timing(&mut r);
        }
        Some(sps)
    }
}

/// PPS `bottom_field_pic_order_in_frame_present_flag`.
fn pps_bottom_poc_present(b: &[u8]) -> Option<bool> {
    let mut r = Bits::new(b);
    r.ue()?;
    r.ue()?;
    r.u(1)?;
    Some(r.u(1)? == 1)
}

/// Is the slice a field picture (`field_pic_flag`)?
fn field_picture(b: &[u8], sps: &Sps) -> bool {
    let mut r = Bits::new(b);
    let mut read = || -> Option<bool> {
        r.ue()?;
        r.ue()?;
        r.ue()?;
        if sps.separate_colour_plane {
            r.u(2)?;
        }
        r.u(sps.log2_max_frame_num as usize)?;
        Some(!sps.frame_mbs_only && r.u(1)? == 1)
    };
    read().unwrap_or(false)
}

fn slice_field_order(b: &[u8], idr: bool, sps: &Sps, bottom_poc: bool) -> Option<FieldOrder> {
    let mut r = Bits::new(b);
    r.ue()?;
    r.ue()?;
    r.ue()?;
    if sps.separate_colour_plane {
        r.u(2)?;
    }
    r.u(sps.log2_max_frame_num as usize)?;
    if r.u(1)? == 1 {
        // A field picture: the first one says which field leads.
        return Some(if r.u(1)? == 1 {
            FieldOrder::BottomFirst
        } else {
            FieldOrder::TopFirst
        });
    }
    if idr {
        r.ue()?;
    }
    if sps.poc_type != 0 || !bottom_poc {
        return None;
    }
    r.u(sps.log2_max_poc_lsb as usize)?;
    // A frame picture: the bottom field's order count relative to the top's.
    Some(match r.se()? {
        d if d < 0 => FieldOrder::BottomFirst,
        d if d > 0 => FieldOrder::TopFirst,
        _ => FieldOrder::Progressive,
    })
}

/// ffprobe's pixel format for codecs whose caps do not carry one: fixed by the
/// codec's definition (VP8, H.263, MPEG-1 and MPEG-4 Part 2 are 4:2:0, 8-bit),
/// or read from the first frame's or the configuration's header.
pub fn pixel_format(codec: &str, first: Option<&[u8]>, config: Option<&[u8]>) -> Option<String> {
    let fixed = match codec {
        "vp8" | "h263" | "h263p" | "flv1" | "msmpeg4v1" | "msmpeg4v2" | "msmpeg4v3" | "wmv1"
        | "wmv2" | "mpeg1video" | "mpeg4" | "svq1" | "cinepak" | "vp6" | "vp6f" => Some("yuv420p"),
        _ => None,
    };
    if let Some(f) = fixed {
        return Some(f.into());
    }
    let data = first.or(config)?;
    let name = match codec {
        "mpeg2video" => match mpeg2_chroma(config.unwrap_or(&[])).or_else(|| mpeg2_chroma(data))? {
            1 => "yuv420p",
            2 => "yuv422p",
            _ => "yuv444p",
        },
        "mjpeg" => return jpeg_pixel_format(data),
        "dvvideo" => {
            // DIF header section: DSF (625/50 or 525/60) and APT; the VAUX
            // source pack (0x60, in DIF blocks 3-5) has the stream type: DV50
            // is 4:2:2, DV25 is 4:1:1 except IEC 61834 at 625/50 (4:2:0).
            let dsf = data.get(3)? & 0x80 != 0;
            let apt = data.get(4)? & 7;
            let vaux = data.get(240..480)?;
            let stype = (0..15 * 3).find_map(|i| {
                let block = i / 15;
                let pack = &vaux[block * 80 + 3 + (i % 15) * 5..];
                (pack[0] == 0x60).then(|| pack[3] & 0x1F)
            });
            match (stype, dsf, apt) {
                (Some(4), _, _) => "yuv422p",
                (Some(0) | None, true, 0) => "yuv420p",
                (Some(0) | None, _, 0 | 1) => "yuv411p",
                _ => return None,
            }
        }
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
            if data.get(0..4)? != [0x00, 0x00, 0x02, 0x80]
                && data.get(0..4)? != [0x00, 0x00, 0x02, 0x80 | 1]
            {
                return None;
            }
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

/// MPEG-2 `chroma_format` from a sequence extension.
fn mpeg2_chroma(b: &[u8]) -> Option<u8> {
    let i = b
        .windows(5)
        .position(|w| w[..4] == [0, 0, 1, 0xB5] && w[4] >> 4 == 1)?;
    let mut r = Bits::new(b.get(i + 4..)?);
    r.u(4 + 8 + 1)?;
    Some(r.u(2)? as u8)
}

/// Baseline/progressive JPEG: the frame header's sampling factors.
fn jpeg_pixel_format(b: &[u8]) -> Option<String> {
    let mut i = 2;
    while i + 4 < b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if matches!(marker, 0xC0..=0xC2) {
            let f = b.get(i + 4..i + 2 + len)?;
            let components = *f.get(5)? as usize;
            if components == 1 {
                return Some("gray".into());
            }
            let y = *f.get(7)?;
            let c = *f.get(10)?;
            let (yh, yv, ch, cv) = (y >> 4, y & 0xF, c >> 4, c & 0xF);
            return Some(
                match (yh / ch.max(1), yv / cv.max(1)) {
                    (2, 2) => "yuvj420p",
                    (2, 1) => "yuvj422p",
                    (1, 1) => "yuvj444p",
                    (4, 1) => "yuvj411p",
                    _ => return None,
                }
                .into(),
            );
        }
        i += 2 + len;
    }
    None
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
        _ => None,
    }
}

/// Bits per sample of FLAC (STREAMINFO after the `fLaC` marker) or ALAC (the
/// ALACSpecificConfig, bare or inside its `alac` box).
pub fn lossless_bit_depth(codec: &str, config: &[u8]) -> Option<u32> {
    match codec {
        "flac" => {
            let at = config.windows(4).position(|w| w == b"fLaC")? + 4;
            // Block header (4), min/max block size (4), min/max frame size (6).
            let mut r = Bits::new(config.get(at + 4 + 10..)?);
            r.u(20 + 3)?;
            Some(r.u(5)? + 1)
        }
        "alac" => {
            let at = if config.get(4..8) == Some(b"alac") {
                12
            } else {
                0
            };
            config.get(at + 5).map(|&b| b as u32).filter(|&b| b > 0)
        }
        _ => None,
    }
}

/// Channels of an AC-3 or E-AC-3 sync frame (ATSC A/52, 5.4 and E.1.2):
/// the coding mode plus the LFE channel.
pub fn ac3_channels(b: &[u8]) -> Option<i32> {
    const MODES: [i32; 8] = [2, 1, 2, 3, 3, 4, 4, 5];
    let at = b.windows(2).take(4096).position(|w| w == [0x0B, 0x77])?;
    let f = b.get(at..)?;
    let bsid = f.get(5)? >> 3;
    let mut r = Bits::new(f);
    if bsid <= 10 {
        // sync (16), crc1 (16), fscod (2), frmsizecod (6), bsid (5), bsmod (3).
        r.u(16 + 16 + 2 + 6 + 5 + 3)?;
        let acmod = r.u(3)? as usize;
        if acmod & 1 == 1 && acmod != 1 {
            r.u(2)?;
        }
        if acmod & 4 != 0 {
            r.u(2)?;
        }
        if acmod == 2 {
            r.u(2)?;
        }
        Some(MODES[acmod] + r.u(1)? as i32)
    } else {
        // sync (16), strmtyp (2), substreamid (3), frmsiz (11), fscod (2),
        // numblkscod or fscod2 (2).
        r.u(16 + 2 + 3 + 11 + 2 + 2)?;
        let acmod = r.u(3)? as usize;
        Some(MODES[acmod] + r.u(1)? as i32)
    }
}

/// NAL units of an Annex B byte stream.
fn annex_b(b: &[u8]) -> Vec<Vec<u8>> {
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

/// Remove emulation-prevention bytes (`00 00 03` → `00 00`).
fn unescape(b: &[u8]) -> Vec<u8> {
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
struct Bits<'a> {
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
        assert_eq!(pix_fmt_depth("rgb24"), None);
    }

    #[test]
    fn ac3_coding_modes() {
        // AC-3, 48 kHz, bsid 8, acmod 7 (3/2), cmix, surmix, lfe on: 5.1.
        let frame = [0x0B, 0x77, 0, 0, 0x00, 0x40, 0b1110_1011, 0b1000_0000];
        assert_eq!(ac3_channels(&frame), Some(6));
    }

    #[test]
    fn mpeg2_top_field_first() {
        // Picture coding extension: id 8, f_codes, dc precision 0, frame, tff = 1.
        let b = [0, 0, 1, 0xB5, 0x8F, 0xFF, 0xF3, 0x80, 0x00];
        assert_eq!(mpeg2_field_order(&b), Some(FieldOrder::TopFirst));
    }
}
