//! H.264 field order: the SPS (with its VUI timing flags), the PPS, picture
//! timing SEI and slice headers of the first access unit.

use super::*;

/// H.264: is the stream coded as fields (`frame_mbs_only_flag` = 0), and which
/// field comes first in its first picture — from the first slice of the first
/// access unit (`bottom_field_flag`, or the two fields' picture order counts
/// for a frame picture), as ffprobe and MediaInfo tell it. `config` is the
/// avcC record (`codec_data`), `au` the first access unit (length-prefixed as
/// avcC says, or in byte-stream form).
pub fn h264_field_order(config: Option<&[u8]>, au: &[u8]) -> Option<FieldOrder> {
    let nals = nal_units(config, au)?;
    let mut sps: Option<Sps> = None;
    let mut pps = None;
    let mut pic_struct = None;
    for nal in &nals {
        let Some(&head) = nal.first() else { continue };
        let rbsp = unescape(&nal[1..]);
        match head & 0x1F {
            7 => {
                sps = sps.or_else(|| Sps::parse(&rbsp));
                // Coded as frames only: progressive, whatever the slices.
                if sps.as_ref().is_some_and(|s| s.frame_mbs_only) {
                    return Some(FieldOrder::Progressive);
                }
            }
            8 => pps = pps.or_else(|| pps_bottom_poc_present(&rbsp)),
            6 => {
                if let Some(t) = sps.as_ref().and_then(|s| s.timing) {
                    pic_struct = pic_struct.or_else(|| sei_pic_struct(&rbsp, t));
                }
            }
            // A slice before the parameter sets (a stream cut in a group of
            // pictures) cannot be read: the first after them tells.
            1 | 5 => {
                let (Some(sps), Some(pps)) = (sps.as_ref(), pps) else {
                    continue;
                };
                if sps.frame_mbs_only {
                    return Some(FieldOrder::Progressive);
                }
                let order = slice_field_order(&rbsp, head & 0x1F == 5, sps, pps);
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

/// The parameter sets of an `avcC` record (when given) followed by the NAL
/// units of an access unit, length-prefixed as the record says or in
/// byte-stream form.
fn nal_units(config: Option<&[u8]>, au: &[u8]) -> Option<Vec<Vec<u8>>> {
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
    Some(nals)
}

pub(super) struct Sps {
    separate_colour_plane: bool,
    log2_max_frame_num: u32,
    poc_type: u32,
    log2_max_poc_lsb: u32,
    frame_mbs_only: bool,
    /// The picture's width and height after cropping.
    size: Option<(u32, u32)>,
    /// `chroma_format_idc` and the luma bit depth.
    chroma: u32,
    depth: u32,
    /// From the VUI: how picture timing SEI messages are laid out.
    timing: Option<PictureTiming>,
}

/// What a picture timing SEI holds before `pic_struct` (H.264 D.1.3).
#[derive(Clone, Copy)]
pub(super) struct PictureTiming {
    /// Bits of `cpb_removal_delay` + `dpb_output_delay`; 0 without HRD parameters.
    delay_bits: usize,
    pic_struct_present: bool,
    /// `num_units_in_tick` and `time_scale`: a frame lasts two ticks.
    tick: Option<(u32, u32)>,
    /// `video_full_range_flag`, when the VUI states the signal type.
    full_range: Option<bool>,
}

/// The VUI up to `pic_struct_present_flag` (H.264 E.1.1).
pub(super) fn vui_picture_timing(r: &mut Bits) -> Option<PictureTiming> {
    if r.u(1)? == 1 && r.u(8)? == 255 {
        r.u(32)?;
    }
    if r.u(1)? == 1 {
        r.u(1)?;
    }
    let mut full_range = None;
    if r.u(1)? == 1 {
        r.u(3)?;
        full_range = Some(r.u(1)? == 1);
        if r.u(1)? == 1 {
            r.u(24)?;
        }
    }
    if r.u(1)? == 1 {
        r.ue()?;
        r.ue()?;
    }
    let mut tick = None;
    if r.u(1)? == 1 {
        tick = Some((r.u(32)?, r.u(32)?));
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
        tick,
        full_range,
    })
}

/// `pic_struct` of a picture timing SEI message, when the SPS says it is there.
pub(super) fn sei_pic_struct(b: &[u8], timing: PictureTiming) -> Option<u32> {
    if !timing.pic_struct_present {
        return None;
    }
    let (_, size, payload) = sei_messages(b).find(|&(kind, _, _)| kind == 1)?;
    let mut r = Bits::new(payload.get(..size)?);
    r.u(timing.delay_bits)?;
    r.u(4)
}

impl Sps {
    fn parse(b: &[u8]) -> Option<Sps> {
        let mut r = Bits::new(b);
        let profile = r.u(8)?;
        r.u(16)?;
        r.ue()?;
        let (mut separate_colour_plane, mut chroma, mut depth) = (false, 1, 8);
        if matches!(
            profile,
            100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
        ) {
            chroma = r.ue()?;
            if chroma == 3 {
                separate_colour_plane = r.u(1)? == 1;
            }
            depth = r.ue()? + 8;
            r.ue()?;
            r.u(1)?;
            if r.u(1)? == 1 {
                skip_scaling_lists(&mut r, chroma)?;
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
        let width_mbs = r.ue()? + 1;
        let height_units = r.ue()? + 1;
        let frame_mbs_only = r.u(1)? == 1;
        let mut sps = Sps {
            separate_colour_plane,
            log2_max_frame_num,
            poc_type,
            log2_max_poc_lsb,
            frame_mbs_only,
            size: None,
            chroma,
            depth,
            timing: None,
        };
        if !frame_mbs_only {
            r.u(1)?;
        }
        r.u(1)?;
        let mut crop = [0u32; 4];
        if r.u(1)? == 1 {
            for c in &mut crop {
                *c = r.ue()?;
            }
        }
        // Cropping counts chroma samples (luma ones without chroma), and
        // field pairs where frames are coded as fields.
        let fields = 2 - frame_mbs_only as u32;
        let (unit_x, unit_y) = match (chroma, separate_colour_plane) {
            (1, false) => (2, 2 * fields),
            (2, false) => (2, fields),
            _ => (1, fields),
        };
        let width = (width_mbs * 16).checked_sub(unit_x * (crop[0] + crop[1]));
        let height = (fields * height_units * 16).checked_sub(unit_y * (crop[2] + crop[3]));
        sps.size = width.zip(height).filter(|&(w, h)| w > 0 && h > 0);
        if r.u(1)? == 1 {
            sps.timing = vui_picture_timing(&mut r);
        }
        Some(sps)
    }
}

/// An SPS's scaling matrices, read past.
fn skip_scaling_lists(r: &mut Bits, chroma: u32) -> Option<()> {
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
    Some(())
}

/// PPS `bottom_field_pic_order_in_frame_present_flag`.
pub(super) fn pps_bottom_poc_present(b: &[u8]) -> Option<bool> {
    let mut r = Bits::new(b);
    r.ue()?;
    r.ue()?;
    r.u(1)?;
    Some(r.u(1)? == 1)
}

/// Is the slice a field picture (`field_pic_flag`)?
pub(super) fn field_picture(b: &[u8], sps: &Sps) -> bool {
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

pub(super) fn slice_field_order(
    b: &[u8],
    idr: bool,
    sps: &Sps,
    bottom_poc: bool,
) -> Option<FieldOrder> {
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

/// What the first sequence parameter set of an Annex B stream says (a
/// stream no demuxer exposed): the picture size, the frame rate its VUI
/// timing gives, and the pixel format.
pub(super) fn h264_stream(b: &[u8]) -> Option<StreamHeader> {
    let nal = annex_b(b)
        .into_iter()
        .find(|n| n.first().is_some_and(|h| h & 0x1F == 7))?;
    let sps = Sps::parse(&unescape(nal.get(1..)?))?;
    let rate = sps
        .timing
        .and_then(|t| t.tick)
        .filter(|&(n, s)| n > 0 && s > 0)
        .map(|(n, s)| (s, 2 * n));
    let base = match (sps.chroma, sps.separate_colour_plane) {
        (0, _) => "gray",
        (1, _) => "yuv420p",
        (2, _) => "yuv422p",
        _ => "yuv444p",
    };
    Some(StreamHeader {
        size: sps.size,
        rate,
        field_order: h264_field_order(None, b),
        pix_fmt: Some(match sps.depth {
            8 => base.to_string(),
            d if base == "gray" => format!("gray{d}le"),
            d => format!("{base}{d}le"),
        }),
    })
}

/// The first sequence parameter set of an `avcC` record.
fn record_sps(config: &[u8]) -> Option<Sps> {
    (config.len() > 8 && config[0] == 1 && config[5] & 0x1F > 0).then_some(())?;
    let len = u16::from_be_bytes([config[6], config[7]]) as usize;
    let nal = config.get(8..8 + len)?;
    Sps::parse(&unescape(nal.get(1..)?))
}

/// Whether the first sequence parameter set of an `avcC` record says the
/// picture is full range (`None` when its VUI states no signal type).
pub fn h264_full_range(config: &[u8]) -> Option<bool> {
    record_sps(config)?.timing?.full_range
}

/// The frame rate the VUI timing of an `avcC` record's first sequence
/// parameter set gives: a frame is two ticks.
pub fn h264_vui_rate(config: &[u8]) -> Option<(u32, u32)> {
    let (units, scale) = record_sps(config)?.timing?.tick?;
    (units > 0 && scale > 0).then_some((scale, 2 * units))
}

/// An `avcC` record made of the first sequence and picture parameter sets
/// of an access unit in byte-stream form (a browser's Matroska recording
/// carries them in its first frame, and no `CodecPrivate`).
pub fn h264_record_from_stream(au: &[u8]) -> Option<Vec<u8>> {
    let nals = super::annex_b(au);
    let of_type = |t: u8| {
        nals.iter()
            .find(|n| n.first().is_some_and(|b| b & 0x1F == t))
    };
    let (sps, pps) = (of_type(7)?, of_type(8)?);
    let (Ok(sps_len), Ok(pps_len)) = (u16::try_from(sps.len()), u16::try_from(pps.len())) else {
        return None;
    };
    let mut record = vec![1, *sps.get(1)?, *sps.get(2)?, *sps.get(3)?, 0xFF, 0xE1];
    record.extend_from_slice(&sps_len.to_be_bytes());
    record.extend_from_slice(sps);
    record.push(1);
    record.extend_from_slice(&pps_len.to_be_bytes());
    record.extend_from_slice(pps);
    Some(record)
}
