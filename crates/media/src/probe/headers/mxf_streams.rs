//! MXF: the material package's streams as FFmpeg's demuxer makes them
//! from the header metadata: each material track's first source clip leads
//! to a source package's track of that id, whose data definition gives the
//! kind and whose descriptor (or, in a multiple descriptor, the one linked
//! to the track) the codec and its facts.

use super::mxf_labels;
use super::mxf_sets::{Clip, Descriptor, Metadata, Package, PackageTrack, Uid};
use super::{Track, rfps};

/// The material package's streams as FFmpeg makes them, each with its
/// source track's number (which names its essence elements).
pub(super) fn streams(meta: &Metadata) -> Vec<(Track, [u8; 4])> {
    let Some(material) = meta.packages().find(|p| p.material) else {
        return Vec::new();
    };
    material
        .tracks
        .iter()
        .filter_map(|t| stream(meta, t))
        .collect()
}

/// One material track's stream: its source clip's track in a source
/// package, the kind its data definition gives (when both tracks agree on
/// it), and its descriptor's facts. `None` for a timecode or data track,
/// or one whose references do not resolve.
fn stream(meta: &Metadata, material: &Uid) -> Option<(Track, [u8; 4])> {
    let track = meta.track(material)?;
    let sequence = meta.sequence(&track.sequence?)?;
    let (source, clip, package) = sequence
        .components
        .iter()
        .find_map(|c| source_of(meta, c))?;
    let source_sequence = meta.sequence(&source.sequence?)?;
    if sequence.definition != source_sequence.definition {
        return None;
    }
    let kind = mxf_labels::kind(&sequence.definition?)?;
    let d = linked_descriptor(meta, &package.descriptor?, source.id)?;
    let rate = track.edit_rate.filter(|&(n, d)| n > 0 && d > 0);
    // The clip's length, or the essence's where the descriptor says less.
    let units = clip.duration.map(|c| d.duration.map_or(c, |dd| dd.min(c)));
    let mut t = Track {
        id: track.id,
        handler: kind.into(),
        duration_s: units
            .zip(rate)
            .filter(|&(n, _)| n > 0)
            .map(|(n, (rn, rd))| n as f64 * f64::from(rd) / f64::from(rn)),
        ..Track::default()
    };
    described(&mut t, d, rate);
    Some((t, source.number))
}

/// A source clip, its track in a source package of the file, and that
/// package.
fn source_of<'a>(
    meta: &'a Metadata,
    component: &Uid,
) -> Option<(&'a PackageTrack, &'a Clip, &'a Package)> {
    let clip = meta.clip(component)?;
    let package = meta
        .packages()
        .find(|p| !p.material && p.umid == clip.package)?;
    let source = package
        .tracks
        .iter()
        .filter_map(|t| meta.track(t))
        .find(|t| t.id == clip.track)?;
    Some((source, clip, package))
}

/// The descriptor of a source track: the package's own, or the
/// sub-descriptor of a multiple descriptor linked to the track.
fn linked_descriptor<'a>(meta: &'a Metadata, uid: &Uid, track: u32) -> Option<&'a Descriptor> {
    let d = meta.descriptor(uid)?;
    if !d.multiple {
        return Some(d);
    }
    d.subs
        .iter()
        .filter_map(|s| meta.descriptor(s))
        .find(|sub| !sub.multiple && sub.linked_track == Some(track))
}

/// A track's codec and facts from its descriptor: a picture's stored size
/// (a field's height doubled for a frame of two fields) and field order,
/// its edit rate; a sound's channels, rate and sample size.
fn described(t: &mut Track, d: &Descriptor, rate: Option<(i32, i32)>) {
    t.codec_name = mxf_labels::codec(
        &t.handler,
        d.coding.as_ref(),
        d.codec.as_ref(),
        d.container.as_ref(),
        d.bits,
    );
    if t.handler == "audio" {
        let rate = d
            .sample_rate
            .filter(|&(_, den)| den > 0)
            .map(|(n, den)| n / den);
        t.sound = d
            .channels
            .zip(rate)
            .filter(|&(c, r)| c > 0 && r > 0)
            .and_then(|(c, r)| Some((u16::try_from(c).ok()?, r as u32)));
        t.sample_bits = t.codec_name.and_then(mxf_labels::pcm_bits);
        return;
    }
    let fields = matches!(d.layout, Some(1 | 4));
    t.size = d
        .width
        .zip(d.height)
        .filter(|&(w, h)| w > 0 && h > 0)
        .and_then(|(w, h)| Some((w, if fields { h.checked_mul(2)? } else { h })));
    t.field_order = field_order(d);
    t.frame_rate = rate.and_then(|(n, d)| rfps::reduced(i64::from(n), i64::from(d)));
}

/// The field order a picture descriptor states, as FFmpeg reads it: a full
/// frame (or a segmented one) is progressive; two fields' order from the
/// parity of their first lines and the field dominance.
fn field_order(d: &Descriptor) -> Option<&'static str> {
    let progressive = match d.layout? {
        0 => return Some("progressive"),
        4 => Some("progressive"),
        1 => None,
        _ => return None,
    };
    let Some((a, b)) = d.line_map.filter(|&(a, b)| a > 0 && b > 0) else {
        return progressive;
    };
    let odd = (a + b) % 2 == 1;
    match (odd, d.dominance.unwrap_or(0)) {
        (true, 0 | 1) => Some("tt"),
        (true, 2) => Some("tb"),
        (false, 0 | 1) => Some("bb"),
        (false, 2) => Some("bt"),
        _ => progressive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::headers::mxf_sets::tests::local_set;
    use crate::probe::headers::mxf_sets::{descriptor, local_tags};

    #[test]
    fn a_sound_descriptor_gives_its_codec_rate_and_sample_size() {
        // Broadcast Wave, clip-wrapped, 24 bits: PCM widened to 24 bits.
        let bwf = [6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 6, 2, 0];
        let value = local_set(&[
            (0x3004, &bwf),
            (0x3d03, &[0, 0, 0x1e, 0xc0, 0, 0, 0, 1]),
            (0x3d07, &[0, 0, 0, 2]),
            (0x3d01, &[0, 0, 0, 24]),
        ]);
        let d = descriptor(false, &local_tags(&value));
        assert_eq!(d.sample_rate, Some((7872, 1)));
        let mut t = Track {
            handler: "audio".into(),
            ..Track::default()
        };
        described(&mut t, &d, Some((25, 1)));
        assert_eq!(t.codec_name, Some("pcm_s24le"));
        assert_eq!(t.sound, Some((2, 7872)));
        assert_eq!(t.sample_bits, Some(24));
        assert_eq!(t.frame_rate, None);
    }

    #[test]
    fn a_picture_of_two_fields_is_a_frame_twice_their_height() {
        let d = Descriptor {
            width: Some(720),
            height: Some(304),
            layout: Some(1),
            line_map: Some((7, 320)),
            ..Descriptor::default()
        };
        let mut t = Track {
            handler: "video".into(),
            ..Track::default()
        };
        described(&mut t, &d, Some((50, 2)));
        assert_eq!(t.size, Some((720, 608)));
        assert_eq!(t.field_order, Some("tt"));
        assert_eq!(t.frame_rate, Some((25, 1)));
        let full = Descriptor {
            layout: Some(0),
            ..d.clone()
        };
        assert_eq!(field_order(&full), Some("progressive"));
        // Lines of the same parity: the bottom field first.
        let bottom = Descriptor {
            line_map: Some((6, 320)),
            ..d
        };
        assert_eq!(field_order(&bottom), Some("bb"));
    }
}
