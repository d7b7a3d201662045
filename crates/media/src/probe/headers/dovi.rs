//! The Dolby Vision decoder configuration record, as MP4 stores it in a
//! `dvcC`, `dvvC` or `dvwC` box of the video sample entry and Matroska in a
//! `BlockAdditionMapping` of the track: profile, level, the layers present
//! and what the base layer shows on a player without Dolby Vision.

use mediadex_core::scan::document::DolbyVision;

/// The record's fields, from its first five bytes: version major and
/// minor; profile (7 bits), level (6), RPU, EL and BL present (1 each);
/// the base layer's signal compatibility id (4 bits).
pub(super) fn parse(record: &[u8]) -> Option<DolbyVision> {
    let [major, _minor, a, b, c, ..] = *record else {
        return None;
    };
    if major == 0 {
        return None;
    }
    let bits = u16::from_be_bytes([a, b]);
    let profile = (bits >> 9) as u32;
    let compatibility = (c >> 4) as u32;
    Some(DolbyVision {
        profile,
        level: ((bits >> 3) & 0x3f) as u32,
        rpu: bits & 4 != 0,
        enhancement_layer: bits & 2 != 0,
        base_layer: bits & 1 != 0,
        compatibility_id: compatibility,
        compatible_with: compatible_with(compatibility).map(str::to_string),
    })
}

/// What a base layer of this compatibility id plays as without Dolby
/// Vision (ETSI GS CCM 001 / Dolby's profiles and levels).
fn compatible_with(id: u32) -> Option<&'static str> {
    match id {
        1 => Some("HDR10"),
        2 => Some("SDR"),
        4 => Some("HLG"),
        6 => Some("HDR10 (Blu-ray)"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_8_4_with_an_hlg_base_layer() {
        // 1.0, profile 8, level 4, RPU and BL present, compatibility 4.
        let d = parse(&[1, 0, 0x10, 0x25, 0x40, 0, 0, 0]).unwrap();
        assert_eq!((d.profile, d.level, d.compatibility_id), (8, 4, 4));
        assert!(d.rpu && d.base_layer && !d.enhancement_layer);
        assert_eq!(d.compatible_with.as_deref(), Some("HLG"));
        assert!(parse(&[0, 0, 0x10, 0x25, 0x40]).is_none());
        assert!(parse(&[1, 0]).is_none());
    }
}
