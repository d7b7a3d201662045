//! MXF header metadata: the structural sets and essence descriptors (SMPTE
//! 377 local sets of two-byte tags) that the streams are resolved from,
//! decoded as far as the streams need them and kept by their instance UID.

use std::collections::HashMap;

use super::mxf_labels::matches;

/// An instance UID or a label: 16 bytes.
pub(super) type Uid = [u8; 16];

/// A material or source package: its UMID, its tracks, and (a source
/// package) its essence descriptor.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Package {
    pub(super) material: bool,
    pub(super) umid: [u8; 32],
    pub(super) tracks: Vec<Uid>,
    pub(super) descriptor: Option<Uid>,
}

/// A package's track: its id, the number its essence elements carry, its
/// edit rate and its sequence.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PackageTrack {
    pub(super) id: u32,
    pub(super) number: [u8; 4],
    pub(super) edit_rate: Option<(i32, i32)>,
    pub(super) sequence: Option<Uid>,
}

/// A sequence: its data definition (picture, sound…) and its components.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Sequence {
    pub(super) definition: Option<Uid>,
    pub(super) components: Vec<Uid>,
}

/// A source clip: the package and track it takes, and for how long.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Clip {
    pub(super) package: [u8; 32],
    pub(super) track: u32,
    pub(super) duration: Option<i64>,
}

/// An essence descriptor's facts (generic sound, CDCI, RGBA, WAVE, AES3,
/// MPEG…; a multiple descriptor's sub-descriptors).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Descriptor {
    pub(super) multiple: bool,
    pub(super) subs: Vec<Uid>,
    pub(super) linked_track: Option<u32>,
    pub(super) container: Option<Uid>,
    pub(super) coding: Option<Uid>,
    pub(super) codec: Option<Uid>,
    pub(super) duration: Option<i64>,
    pub(super) width: Option<u32>,
    pub(super) height: Option<u32>,
    pub(super) layout: Option<u8>,
    pub(super) line_map: Option<(u32, u32)>,
    pub(super) dominance: Option<u8>,
    pub(super) sample_rate: Option<(i32, i32)>,
    pub(super) channels: Option<u32>,
    pub(super) bits: Option<u32>,
}

/// What a metadata set says, as far as the streams need it.
#[derive(Debug, Clone, PartialEq)]
enum Set {
    Package(Package),
    Track(PackageTrack),
    Sequence(Sequence),
    Clip(Clip),
    Descriptor(Box<Descriptor>),
}

/// The header metadata read: the sets by instance UID, the content
/// storage's packages, and where each track number's first essence
/// element is (value offset, length).
#[derive(Debug, Default)]
pub(super) struct Metadata {
    sets: HashMap<Uid, Set>,
    pub(super) packages: Vec<Uid>,
    pub(super) essence: Vec<([u8; 4], u64, u64)>,
}

/// A typed look-up of a set by its instance UID: `None` where the UID
/// names no set of that kind.
macro_rules! typed_set {
    ($name:ident, $kind:ident, $type:ty) => {
        pub(super) fn $name(&self, uid: &Uid) -> Option<&$type> {
            match self.sets.get(uid)? {
                Set::$kind(s) => Some(s),
                _ => None,
            }
        }
    };
}

impl Metadata {
    typed_set!(package, Package, Package);
    typed_set!(track, Track, PackageTrack);
    typed_set!(sequence, Sequence, Sequence);
    typed_set!(clip, Clip, Clip);
    typed_set!(descriptor, Descriptor, Descriptor);

    /// The content storage's packages that the file holds.
    pub(super) fn packages(&self) -> impl Iterator<Item = &Package> {
        self.packages.iter().filter_map(|p| self.package(p))
    }
}

/// Read one local set into `meta`: the content storage's packages, or a
/// set of a kind the streams need, kept by its instance UID (the first of
/// a UID stands, as FFmpeg resolves references to the first).
pub(super) fn read_set(key: &Uid, value: &[u8], meta: &mut Metadata) {
    // 06 0E 2B 34 02 53 01 01 0D 01 01 01 01 01 xx 00: structural metadata.
    if !matches(key, &[6, 14, 43, 52, 2, 0x53, 1, 1, 13, 1, 1, 1, 1, 1]) || key[15] != 0 {
        return;
    }
    let tags = local_tags(value);
    let tag = |t: u16| tags.iter().find(|(k, _)| *k == t).map(|(_, v)| *v);
    if key[14] == 0x18 {
        meta.packages = tag(0x1901).map(refs).unwrap_or_default();
        return;
    }
    let Some(uid) = tag(0x3c0a).and_then(uid16) else {
        return;
    };
    let set = match key[14] {
        0x36 | 0x37 => Set::Package(Package {
            material: key[14] == 0x36,
            umid: tag(0x4401).and_then(umid).unwrap_or([0; 32]),
            tracks: tag(0x4403).map(refs).unwrap_or_default(),
            descriptor: tag(0x4701).and_then(uid16),
        }),
        0x3a | 0x3b => Set::Track(PackageTrack {
            id: tag(0x4801).and_then(be32).unwrap_or(0),
            number: tag(0x4804)
                .and_then(|v| v.get(..4)?.try_into().ok())
                .unwrap_or([0; 4]),
            edit_rate: tag(0x4b01).and_then(rational),
            sequence: tag(0x4803).and_then(uid16),
        }),
        0x0f => Set::Sequence(Sequence {
            definition: tag(0x0201).and_then(uid16),
            components: tag(0x1001).map(refs).unwrap_or_default(),
        }),
        0x11 => Set::Clip(Clip {
            package: tag(0x1101).and_then(umid).unwrap_or([0; 32]),
            track: tag(0x1102).and_then(be32).unwrap_or(0),
            duration: tag(0x0202).and_then(be64),
        }),
        0x44 | 0x42 | 0x28 | 0x29 | 0x48 | 0x47 | 0x51 | 0x5b | 0x5c | 0x5e | 0x64 => {
            Set::Descriptor(Box::new(descriptor(key[14] == 0x44, &tags)))
        }
        _ => return,
    };
    meta.sets.entry(uid).or_insert(set);
}

/// A local set's tags and values, up to the first that runs past its end.
pub(super) fn local_tags(value: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(h) = value.get(at..at + 4) {
        let tag = u16::from_be_bytes([h[0], h[1]]);
        let size = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let Some(v) = value.get(at + 4..at + 4 + size) else {
            break;
        };
        out.push((tag, v));
        at += 4 + size;
    }
    out
}

/// An essence descriptor's tags.
pub(super) fn descriptor(multiple: bool, tags: &[(u16, &[u8])]) -> Descriptor {
    let mut d = Descriptor {
        multiple,
        ..Descriptor::default()
    };
    for &(tag, v) in tags {
        match tag {
            0x3f01 => d.subs = refs(v),
            0x3002 => d.duration = be64(v),
            0x3004 => d.container = uid16(v),
            0x3005 => d.codec = uid16(v),
            0x3006 => d.linked_track = be32(v),
            0x3201 | 0x3d06 => d.coding = uid16(v),
            0x3203 => d.width = be32(v),
            0x3202 => d.height = be32(v),
            0x320c => d.layout = v.first().copied(),
            0x320d => d.line_map = line_map(v),
            0x3212 => d.dominance = v.first().copied(),
            0x3d03 => d.sample_rate = rational(v),
            0x3d07 => d.channels = be32(v),
            0x3d01 => d.bits = be32(v),
            _ => {}
        }
    }
    d
}

fn be32(v: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(v.get(..4)?.try_into().ok()?))
}

fn be64(v: &[u8]) -> Option<i64> {
    Some(i64::from_be_bytes(v.get(..8)?.try_into().ok()?))
}

fn uid16(v: &[u8]) -> Option<Uid> {
    v.get(..16)?.try_into().ok()
}

fn umid(v: &[u8]) -> Option<[u8; 32]> {
    v.get(..32)?.try_into().ok()
}

fn rational(v: &[u8]) -> Option<(i32, i32)> {
    let n = be32(v)? as i32;
    let d = be32(v.get(4..)?)? as i32;
    Some((n, d))
}

/// A strong reference array: a count, an item size (16), the UIDs; as
/// many as the value holds.
fn refs(v: &[u8]) -> Vec<Uid> {
    let count = be32(v).unwrap_or(0) as usize;
    v.get(8..)
        .unwrap_or_default()
        .chunks_exact(16)
        .take(count)
        .filter_map(uid16)
        .collect()
}

/// A video line map's first two lines, when it has two of four bytes.
fn line_map(v: &[u8]) -> Option<(u32, u32)> {
    if be32(v)? < 2 || be32(v.get(4..)?)? != 4 {
        return None;
    }
    Some((be32(v.get(8..)?)?, be32(v.get(12..)?)?))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A local set of the given tags.
    pub(in crate::probe::headers) fn local_set(tags: &[(u16, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        for (t, b) in tags {
            v.extend(t.to_be_bytes());
            v.extend((b.len() as u16).to_be_bytes());
            v.extend(*b);
        }
        v
    }

    #[test]
    fn local_tags_stop_at_one_running_past_the_set() {
        let mut v = local_set(&[(0x3d07, &[0, 0, 0, 2]), (0x3d01, &[0, 0, 0, 24])]);
        v.extend([0x3d, 0x03, 0xff, 0xff, 0]);
        let d = descriptor(false, &local_tags(&v));
        assert_eq!(
            (d.channels, d.bits, d.sample_rate),
            (Some(2), Some(24), None)
        );
        // A reference array counting more UIDs than it holds gives those
        // it holds.
        let mut refs = vec![0xff, 0xff, 0xff, 0xff, 0, 0, 0, 16];
        refs.extend([7u8; 32]);
        refs.extend([9u8; 5]);
        let d = descriptor(true, &local_tags(&local_set(&[(0x3f01, &refs)])));
        assert_eq!(d.subs, vec![[7u8; 16]; 2]);
    }
}
