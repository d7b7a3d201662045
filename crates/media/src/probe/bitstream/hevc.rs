//! HEVC parameter sets (ITU-T H.265 7.3.2): the frame rate their timing
//! information states, which FFmpeg takes as the stream's rate where the
//! container's timestamps explain none (an initialization segment without
//! samples, an edit-listed phone recording): the sequence parameter set's
//! VUI first, else the video parameter set's.

use super::{Bits, unescape};

/// The NAL unit types of the video and sequence parameter sets.
const VPS: u8 = 32;
const SPS: u8 = 33;

/// The frame rate (frames, seconds) the timing information of an `hvcC`
/// record's parameter sets gives, as FFmpeg reads it.
pub fn hevc_vui_rate(config: &[u8]) -> Option<(u32, u32)> {
    let tick = |kind: u8, read: fn(&mut Bits) -> Option<(u32, u32)>| {
        let nal = record_nal(config, kind)?;
        read(&mut Bits::new(&unescape(nal.get(2..)?)))
    };
    let (units, scale) = tick(SPS, sps_timing).or_else(|| tick(VPS, vps_timing))?;
    (units > 0 && scale > 0).then_some((scale, units))
}

/// The first NAL unit of `kind` in an `hvcC` record's arrays.
fn record_nal(config: &[u8], kind: u8) -> Option<&[u8]> {
    let arrays = *config.get(22)?;
    let mut at = 23;
    for _ in 0..arrays {
        let nal_type = config.get(at)? & 0x3F;
        let count = u16::from_be_bytes([*config.get(at + 1)?, *config.get(at + 2)?]);
        at += 3;
        for _ in 0..count {
            let len = usize::from(u16::from_be_bytes([*config.get(at)?, *config.get(at + 1)?]));
            let nal = config.get(at + 2..at + 2 + len)?;
            if nal_type == kind {
                return Some(nal);
            }
            at += 2 + len;
        }
    }
    None
}

/// `profile_tier_level(1, max_sub_layers_minus1)`, passed over.
fn profile_tier_level(r: &mut Bits, max_sub_layers_minus1: u32) -> Option<()> {
    // General profile (88 bits) and level (8).
    skip(r, 96)?;
    let mut present = Vec::new();
    for _ in 0..max_sub_layers_minus1 {
        present.push((r.u(1)?, r.u(1)?));
    }
    if max_sub_layers_minus1 > 0 {
        skip(r, 2 * (8 - max_sub_layers_minus1 as usize))?;
    }
    for (profile, level) in present {
        skip(r, 88 * profile as usize + 8 * level as usize)?;
    }
    Some(())
}

fn skip(r: &mut Bits, n: usize) -> Option<()> {
    for _ in 0..n / 32 {
        r.u(32)?;
    }
    r.u(n % 32).map(|_| ())
}

/// The video parameter set's `vps_num_units_in_tick` and `vps_time_scale`.
fn vps_timing(r: &mut Bits) -> Option<(u32, u32)> {
    // Id, base layer flags, max layers, then max sub-layers.
    r.u(4 + 2 + 6)?;
    let sub_layers = r.u(3)?;
    r.u(1 + 16)?;
    profile_tier_level(r, sub_layers)?;
    let ordering_all = r.u(1)? == 1;
    for _ in if ordering_all { 0 } else { sub_layers }..=sub_layers {
        r.ue()?;
        r.ue()?;
        r.ue()?;
    }
    let max_layer_id = r.u(6)? as usize;
    let layer_sets = r.ue()?;
    if layer_sets > 1024 {
        return None;
    }
    skip(r, layer_sets as usize * (max_layer_id + 1))?;
    (r.u(1)? == 1).then_some(())?;
    Some((r.u(32)?, r.u(32)?))
}

/// What a sequence parameter set says of the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sps {
    /// The size after the conformance window's crop.
    size: (u32, u32),
    /// `chroma_format_idc`: 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4.
    chroma: u32,
    bit_depth: u32,
    /// The VUI's, when the SPS has one.
    vui: Vui,
}

/// The sequence parameter set's VUI `vui_num_units_in_tick` and
/// `vui_time_scale`.
fn sps_timing(r: &mut Bits) -> Option<(u32, u32)> {
    sps(r)?.vui.tick
}

/// A sequence parameter set (past its NAL header), read to its VUI timing.
fn sps(r: &mut Bits) -> Option<Sps> {
    r.u(4)?;
    let sub_layers = r.u(3)?;
    r.u(1)?;
    profile_tier_level(r, sub_layers)?;
    r.ue()?;
    let chroma = r.ue()?;
    if chroma == 3 {
        r.u(1)?;
    }
    let (width, height) = (r.ue()?, r.ue()?);
    let crop = if r.u(1)? == 1 {
        [r.ue()?, r.ue()?, r.ue()?, r.ue()?]
    } else {
        [0; 4]
    };
    // The window counts chroma samples: two luma columns (rows) each in
    // 4:2:0 (and columns in 4:2:2).
    let (unit_x, unit_y) = match chroma {
        1 => (2, 2),
        2 => (2, 1),
        _ => (1, 1),
    };
    let size = (
        width.checked_sub(unit_x * (crop[0].checked_add(crop[1])?))?,
        height.checked_sub(unit_y * (crop[2].checked_add(crop[3])?))?,
    );
    let bit_depth = r.ue()? + 8;
    r.ue()?;
    let poc_lsb_bits = r.ue()? as usize + 4;
    let ordering_all = r.u(1)? == 1;
    for _ in if ordering_all { 0 } else { sub_layers }..=sub_layers {
        (0..3).try_for_each(|_| r.ue().map(|_| ()))?;
    }
    (0..6).try_for_each(|_| r.ue().map(|_| ()))?;
    Some(Sps {
        size,
        chroma,
        bit_depth,
        vui: coding_tools_then_vui(r, poc_lsb_bits).unwrap_or_default(),
    })
}

/// The SPS from its scaling lists to its VUI's timing.
fn coding_tools_then_vui(r: &mut Bits, poc_lsb_bits: usize) -> Option<Vui> {
    if r.u(1)? == 1 && r.u(1)? == 1 {
        scaling_list_data(r)?;
    }
    r.u(2)?; // amp, sample adaptive offset
    if r.u(1)? == 1 {
        // PCM sample depths, block sizes, loop filter.
        r.u(8)?;
        r.ue()?;
        r.ue()?;
        r.u(1)?;
    }
    short_term_ref_pic_sets(r)?;
    if r.u(1)? == 1 {
        let long_term = r.ue()? as usize;
        if long_term > 32 {
            return None;
        }
        skip(r, long_term * (poc_lsb_bits + 1))?;
    }
    r.u(2)?; // temporal MVP, strong intra smoothing
    (r.u(1)? == 1).then_some(())?;
    vui(r)
}

/// The first headers of an HEVC elementary stream (Annex B): the size,
/// pixel format and VUI frame rate of its first sequence parameter set.
pub(super) fn hevc_stream(b: &[u8]) -> Option<super::StreamHeader> {
    let nal = super::annex_b(b)
        .into_iter()
        .find(|n| n.first().is_some_and(|h| (h >> 1) & 0x3F == SPS))?;
    let s = sps(&mut Bits::new(&unescape(nal.get(2..)?)))?;
    let format = match (s.chroma, s.vui.matrix) {
        (0, _) => "gray",
        (1, _) => "yuv420p",
        (2, _) => "yuv422p",
        (_, Some(0)) => "gbrp",
        _ => "yuv444p",
    };
    let pix_fmt = match s.bit_depth {
        8 => format.to_string(),
        d @ (9 | 10 | 12) => format!("{format}{d}le"),
        _ => return None,
    };
    Some(super::StreamHeader {
        size: (s.size.0 > 0 && s.size.1 > 0).then_some(s.size),
        rate: s
            .vui
            .tick
            .filter(|&(u, t)| u > 0 && t > 0)
            .map(|(u, t)| (t, u)),
        field_order: None,
        pix_fmt: Some(pix_fmt),
    })
}

/// `scaling_list_data()`, passed over.
fn scaling_list_data(r: &mut Bits) -> Option<()> {
    for size in 0..4 {
        let mut matrix = 0;
        while matrix < 6 {
            if r.u(1)? == 0 {
                r.ue()?;
            } else {
                let coefficients = 64.min(1 << (4 + (size << 1)));
                if size > 1 {
                    r.se()?;
                }
                for _ in 0..coefficients {
                    r.se()?;
                }
            }
            matrix += if size == 3 { 3 } else { 1 };
        }
    }
    Some(())
}

/// The SPS's `st_ref_pic_set()`s, passed over: each predicted from the
/// previous one reads a flag or two per picture of that one.
fn short_term_ref_pic_sets(r: &mut Bits) -> Option<()> {
    let sets = r.ue()?;
    if sets > 64 {
        return None;
    }
    let mut previous = 0u32;
    for index in 0..sets {
        let predicted = index > 0 && r.u(1)? == 1;
        previous = if predicted {
            r.u(1)?;
            r.ue()?;
            let mut pictures = 0;
            for _ in 0..=previous {
                let used = r.u(1)? == 1;
                if used || r.u(1)? == 1 {
                    pictures += 1;
                }
            }
            pictures
        } else {
            let (negative, positive) = (r.ue()?, r.ue()?);
            if negative + positive > 32 {
                return None;
            }
            for _ in 0..negative + positive {
                r.ue()?;
                r.u(1)?;
            }
            negative + positive
        };
    }
    Some(())
}

/// `vui_parameters()` up to its timing information: the matrix
/// coefficients its colour description states, and the tick.
fn vui(r: &mut Bits) -> Option<Vui> {
    let mut out = Vui::default();
    if r.u(1)? == 1 && r.u(8)? == 255 {
        r.u(32)?;
    }
    if r.u(1)? == 1 {
        r.u(1)?;
    }
    if r.u(1)? == 1 {
        r.u(4)?;
        if r.u(1)? == 1 {
            r.u(16)?; // primaries, transfer
            out.matrix = Some(r.u(8)?);
        }
    }
    if r.u(1)? == 1 {
        r.ue()?;
        r.ue()?;
    }
    r.u(3)?; // neutral chroma, field sequence, frame field info
    if r.u(1)? == 1 {
        (0..4).try_for_each(|_| r.ue().map(|_| ()))?;
    }
    if r.u(1)? == 1 {
        out.tick = Some((r.u(32)?, r.u(32)?));
    }
    Some(out)
}

/// What a VUI says that FFmpeg reports.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Vui {
    /// `matrix_coeffs` (0: the picture is GBR, not YUV).
    matrix: Option<u32>,
    /// `vui_num_units_in_tick`, `vui_time_scale`.
    tick: Option<(u32, u32)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `hvcC` record holding `nals` (type, payload after the header).
    fn record(nals: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut c = vec![1u8];
        c.resize(22, 0);
        c.push(nals.len() as u8);
        for (kind, payload) in nals {
            c.push(0x80 | kind);
            c.extend(1u16.to_be_bytes());
            c.extend((payload.len() as u16 + 2).to_be_bytes());
            c.extend([kind << 1, 1]);
            c.extend(payload);
        }
        c
    }

    #[test]
    fn the_rate_of_x265s_parameter_sets() {
        // The VPS and SPS x265 3.5 writes for 320x240 at 30000/1001, as
        // ffmpeg 5.1 muxes them (ffprobe: r_frame_rate 30000/1001): the
        // SPS's VUI states the timing, the VPS none.
        let vps = hex("0c01ffff0408000003009e0800000300003c959809");
        let sps =
            hex("010408000003009e0800000300003c90014101e2cb2b349265780b70202000400000fa40001d4c02");
        let vps_only = record(&[(VPS, vps.clone())]);
        assert_eq!(hevc_vui_rate(&vps_only), None);
        let sps_only = record(&[(SPS, sps.clone())]);
        assert_eq!(hevc_vui_rate(&sps_only), Some((30000, 1001)));
        let both = record(&[(VPS, vps), (SPS, sps)]);
        assert_eq!(hevc_vui_rate(&both), Some((30000, 1001)));
        assert_eq!(hevc_vui_rate(&[1, 2, 3]), None);
        // The same SPS in a byte stream: 320x240, 4:4:4 of GBR (the test
        // pattern is RGB: ffprobe's gbrp), 8 bits.
        let mut stream = vec![0, 0, 0, 1, SPS << 1, 1];
        stream.extend(&hex(
            "010408000003009e0800000300003c90014101e2cb2b349265780b70202000400000fa40001d4c02",
        ));
        let h = hevc_stream(&stream).unwrap();
        assert_eq!(h.size, Some((320, 240)));
        assert_eq!(h.pix_fmt.as_deref(), Some("gbrp"));
        assert_eq!(h.rate, Some((30000, 1001)));
        // A record whose parameter sets are cut: no rate, no panic.
        let mut cut = both.clone();
        cut.truncate(40);
        assert_eq!(hevc_vui_rate(&cut), None);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }
}
