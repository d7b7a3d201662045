//! MXF: the streams its header metadata describes, for a file mxfdemux
//! cannot read (clip-wrapped essence without an index table), listed as
//! FFmpeg's MXF demuxer lists them.
//!
//! The KLV triplets are walked from the header partition pack: the
//! metadata sets are decoded and kept by their instance UID
//! ([`super::mxf_sets`]), and the first essence element of each track is
//! noted. The streams are resolved from the sets as FFmpeg resolves them
//! ([`super::mxf_streams`]); a video track's first essence element adds
//! what its header tells (the coded size, the pixel format).
//!
//! Bounded: a few thousand triplets from the head of the file, sets of at
//! most 1 MiB, lengths checked against the file; anything unresolved is
//! left out, never guessed.

use super::mxf_labels::matches;
use super::mxf_sets::{Metadata, Uid, read_set};
use super::*;

/// The triplets walked at most, metadata and essence alike.
const MAX_TRIPLETS: usize = 20_000;
/// Essence elements walked past before the search for each track's first
/// one ends (an interleaved file has them all in its first edit units).
const MAX_ESSENCE: usize = 512;
/// The largest local set read: structural metadata sets are a few hundred
/// bytes.
const MAX_SET: u64 = 1 << 20;
/// The bytes of a video track's first essence element read for its header.
const HEAD: u64 = 1 << 16;

/// One triplet: its key, where its value starts, and its length.
struct Klv {
    key: Uid,
    value: u64,
    len: u64,
}

const KEY_PREFIX: [u8; 4] = [0x06, 0x0e, 0x2b, 0x34];

/// A BER length: its value and the bytes it takes. `None` for the
/// indefinite form and for more than eight bytes of length.
fn ber_length(b: &[u8]) -> Option<(u64, usize)> {
    let first = *b.first()?;
    if first < 0x80 {
        return Some((u64::from(first), 1));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 8 {
        return None;
    }
    let bytes = b.get(1..1 + n)?;
    Some((bytes.iter().fold(0, |v, &x| v << 8 | u64::from(x)), 1 + n))
}

/// A header partition pack's key (SMPTE 377: closed or open, complete or
/// not).
fn is_header_partition(key: &[u8]) -> bool {
    key.len() >= 14
        && key[..4] == KEY_PREFIX
        && key[4..7] == [0x02, 0x05, 0x01]
        && key[8..13] == [0x0d, 0x01, 0x02, 0x01, 0x01]
        && key[13] == 0x02
}

/// An essence element's key (the generic container's, or Avid's), whose
/// last four bytes are the track number it belongs to.
fn is_essence(key: &Uid) -> bool {
    matches(key, &[6, 14, 43, 52, 1, 2, 1, 1, 13, 1, 3, 1])
        || matches(key, &[6, 14, 43, 52, 1, 2, 1, 1, 14, 4, 3, 1])
}

impl Reader {
    /// MXF: the material package's streams, into `h.listed_tracks`, and the
    /// longest one's duration.
    pub(super) fn mxf(&self, h: &mut Headers) {
        let Some(start) = self.mxf_start() else {
            return;
        };
        let meta = self.mxf_metadata(start);
        h.listed_from = "the MXF header metadata";
        h.listed_tracks = super::mxf_streams::streams(&meta)
            .into_iter()
            .map(|(mut t, number)| {
                if t.handler == "video" {
                    self.essence_header(&mut t, &meta, number);
                }
                t
            })
            .collect();
        h.movie_s = h
            .listed_tracks
            .iter()
            .filter_map(|t| t.duration_s)
            .max_by(f64::total_cmp)
            .filter(|&d| d > 0.0);
    }

    /// Where the header partition pack starts: within the first 64 KiB
    /// (a run-in may precede it).
    fn mxf_start(&self) -> Option<u64> {
        let n = self.len.min(1 << 16) as usize;
        let head = self.vec(0, n)?;
        let at = head.windows(14).position(is_header_partition)?;
        Some(at as u64)
    }

    /// The triplet at `at`; `None` where no key starts there.
    fn klv_at(&self, at: u64) -> Option<Klv> {
        let key: Uid = self.bytes::<16>(at)?;
        if key[..4] != KEY_PREFIX {
            return None;
        }
        let after = at.checked_add(16)?;
        let n = self.len.checked_sub(after)?.min(9) as usize;
        let (len, used) = ber_length(&self.vec(after, n)?)?;
        Some(Klv {
            key,
            value: after + used as u64,
            len,
        })
    }

    /// Where the next key starts after `at`, within 64 KiB.
    fn next_key(&self, at: u64) -> Option<u64> {
        let from = at.checked_add(1)?;
        let n = self.len.checked_sub(from)?.min(1 << 16) as usize;
        let b = self.vec(from, n)?;
        let i = b.windows(4).position(|w| w == KEY_PREFIX)?;
        Some(from + i as u64)
    }

    /// Walk the triplets from `start`: metadata sets and each track's first
    /// essence element, until the file ends, a key is lost, or the bounds
    /// are reached.
    fn mxf_metadata(&self, start: u64) -> Metadata {
        let mut meta = Metadata::default();
        let mut at = start;
        let mut essence = 0;
        for _ in 0..MAX_TRIPLETS {
            // A value that is no triplet (a writer's stray bytes): on to the
            // next key, as FFmpeg's demuxer resynchronises.
            let Some(k) = self.klv_at(at).or_else(|| self.klv_at(self.next_key(at)?)) else {
                break;
            };
            if k.key[4] == 0x02 && k.key[5] == 0x53 && k.len <= MAX_SET {
                if let Some(value) = self.vec(k.value, k.len as usize) {
                    read_set(&k.key, &value, &mut meta);
                }
            } else if is_essence(&k.key) {
                let number: [u8; 4] = k.key[12..16].try_into().expect("four bytes");
                if !meta.essence.iter().any(|e| e.0 == number) {
                    meta.essence.push((number, k.value, k.len));
                }
                essence += 1;
                if essence > MAX_ESSENCE {
                    break;
                }
            }
            match k.value.checked_add(k.len) {
                Some(next) if next < self.len => at = next,
                _ => break,
            }
        }
        meta
    }

    /// A video track's facts from the header of its first essence element:
    /// MPEG-2's and H.264's sequence headers, DNxHD's frame header, give
    /// the coded size (and field order) as the decoder tells them to
    /// ffprobe, and the pixel format; other codecs' frame headers the pixel
    /// format.
    fn essence_header(&self, t: &mut Track, meta: &Metadata, number: [u8; 4]) {
        let element = meta
            .essence
            .iter()
            .find(|e| e.0 == number)
            .or_else(|| (number == [0; 4]).then(|| meta.essence.first()).flatten());
        let Some(&(_, at, len)) = element else {
            return;
        };
        let n = len.min(HEAD).min(self.len.saturating_sub(at));
        let Some(head) = self.vec(at, n as usize) else {
            return;
        };
        let Some(codec) = t.codec_name else { return };
        if let Some(h) = crate::probe::bitstream::stream_header(codec, &head) {
            t.size = h.size.or(t.size);
            if let Some(order) = h.field_order {
                t.field_order = Some(order.name());
            }
            t.pix_fmt = h.pix_fmt;
        } else {
            t.pix_fmt = crate::probe::bitstream::pixel_format(codec, Some(&head), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::headers::mxf_sets::tests::local_set;

    #[test]
    fn ber_lengths_short_long_and_hostile() {
        assert_eq!(ber_length(&[0x68]), Some((0x68, 1)));
        assert_eq!(ber_length(&[0x83, 0x00, 0x03, 0x7a]), Some((0x37a, 4)));
        assert_eq!(ber_length(&[0x80]), None);
        assert_eq!(ber_length(&[0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]), None);
        assert_eq!(ber_length(&[0x84, 0, 0]), None);
    }

    /// A triplet with a four-byte length.
    fn klv(key: &[u8; 16], value: &[u8]) -> Vec<u8> {
        let mut b = key.to_vec();
        b.push(0x83);
        b.extend(&(value.len() as u32).to_be_bytes()[1..]);
        b.extend(value);
        b
    }

    fn key(kind: u8) -> [u8; 16] {
        [6, 14, 43, 52, 2, 0x53, 1, 1, 13, 1, 1, 1, 1, 1, kind, 0]
    }

    fn refs_of(uids: &[Uid]) -> Vec<u8> {
        let mut v = (uids.len() as u32).to_be_bytes().to_vec();
        v.extend(16u32.to_be_bytes());
        uids.iter().for_each(|u| v.extend(u));
        v
    }

    /// A file of one sound track: partition pack, content storage, the
    /// material and source packages, their tracks, sequences and clips,
    /// a WAVE descriptor.
    fn one_sound_track() -> Vec<u8> {
        let uid = |n: u8| [n; 16];
        let sound = [6, 14, 43, 52, 4, 1, 1, 1, 1, 3, 2, 2, 2, 0, 0, 0];
        let bwf = [6, 14, 43, 52, 4, 1, 1, 1, 13, 1, 3, 1, 2, 6, 1, 0];
        let (material, source) = ([1u8; 32], [2u8; 32]);
        let mut f = klv(
            &[6, 14, 43, 52, 2, 5, 1, 1, 13, 1, 2, 1, 1, 2, 4, 0],
            &[0; 88],
        );
        let track = |u: u8, id: u8, seq: u8| {
            local_set(&[
                (0x3c0a, &uid(u)),
                (0x4801, &[0, 0, 0, id]),
                (0x4b01, &[0, 0, 0, 25, 0, 0, 0, 1]),
                (0x4803, &uid(seq)),
            ])
        };
        let sequence = |u: u8, clip: u8| {
            local_set(&[
                (0x3c0a, &uid(u)),
                (0x0201, &sound),
                (0x1001, &refs_of(&[uid(clip)])),
            ])
        };
        let clip = |u: u8, to: &[u8; 32], track: u8| {
            local_set(&[
                (0x3c0a, &uid(u)),
                (0x1101, to),
                (0x1102, &[0, 0, 0, track]),
                (0x0202, &[0, 0, 0, 0, 0, 0, 0, 50]),
            ])
        };
        for (k, v) in [
            (0x18, local_set(&[(0x1901, &refs_of(&[uid(10), uid(20)]))])),
            (
                0x36,
                local_set(&[
                    (0x3c0a, &uid(10)),
                    (0x4401, &material),
                    (0x4403, &refs_of(&[uid(11)])),
                ]),
            ),
            (0x3b, track(11, 2, 12)),
            (0x0f, sequence(12, 13)),
            (0x11, clip(13, &source, 1)),
            (
                0x37,
                local_set(&[
                    (0x3c0a, &uid(20)),
                    (0x4401, &source),
                    (0x4403, &refs_of(&[uid(21)])),
                    (0x4701, &uid(30)),
                ]),
            ),
            (0x3b, track(21, 1, 22)),
            (0x0f, sequence(22, 23)),
            (0x11, clip(23, &[0; 32], 0)),
            (
                0x48,
                local_set(&[
                    (0x3c0a, &uid(30)),
                    (0x3004, &bwf),
                    (0x3d03, &[0, 0, 0xbb, 0x80, 0, 0, 0, 1]),
                    (0x3d07, &[0, 0, 0, 1]),
                    (0x3d01, &[0, 0, 0, 16]),
                ]),
            ),
        ] {
            f.extend(klv(&key(k), &v));
        }
        f
    }

    fn read_mxf(bytes: &[u8]) -> Headers {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mxf");
        std::fs::write(&p, bytes).unwrap();
        read(&p, "mxf", false)
    }

    #[test]
    fn the_walk_resolves_a_material_track_to_its_descriptor() {
        let h = read_mxf(&one_sound_track());
        assert_eq!(h.listed_tracks.len(), 1, "{h:?}");
        let t = &h.listed_tracks[0];
        assert_eq!((t.id, t.handler.as_str()), (2, "audio"));
        assert_eq!(t.codec_name, Some("pcm_s16le"));
        assert_eq!(t.sound, Some((1, 48000)));
        assert_eq!(h.movie_s, Some(2.0));
    }

    #[test]
    fn hostile_lengths_and_lost_keys_end_the_walk() {
        let with_tail = |tail: &[u8]| {
            let mut f = one_sound_track();
            f.extend(key(0x18));
            f.extend(tail);
            read_mxf(&f).listed_tracks.len()
        };
        // A set said to hold 2^60 bytes, one said to hold more than the
        // file does, a length of nine bytes: none is read, the walk ends,
        // what came before stands.
        assert_eq!(with_tail(&[0x88, 0x10, 0, 0, 0, 0, 0, 0, 0]), 1);
        assert_eq!(with_tail(&[0x83, 0, 0x03, 0xe8, 0x19, 0x01]), 1);
        assert_eq!(
            with_tail(&[0x89, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            1
        );
        // No header partition pack: no streams.
        let f = one_sound_track();
        assert!(read_mxf(&f[20 + 88..]).listed_tracks.is_empty());
        assert!(read_mxf(&[0x06, 0x0e, 0x2b, 0x34]).listed_tracks.is_empty());
        assert!(read_mxf(&[]).listed_tracks.is_empty());
    }
}
