//! MP4 and QuickTime: the sample tables against the file. Every sample that
//! a track's `stsz`, `stsc` and `stco` (`co64`) place lies inside the file;
//! the samples of H.264 and HEVC tracks (`avc1`, `avc3`, `hvc1`, `hev1`) are
//! NAL units, each after its length (the `avcC`/`hvcC` length size), that
//! chain to the sample's end, each with a header that parses. A run of
//! zeros or of random bytes over a sample breaks its chain.
//!
//! The walk stands for the packets' parse ([`Walked::Whole`]) only when it
//! read every track's tables: a fragmented file (`moof`), a compact `stz2`
//! table or a `moov` past [`MOST_MOOV`] leave the parse to GStreamer.

use super::walk::Window;
use super::{Say, cut};
use crate::mp4box::{box_header, child, children, each_sample};
use mediadex_core::verify::class;

/// The largest `moov` read into memory (a two-hour film's is a few MB).
const MOST_MOOV: u64 = 64 << 20;

/// Sample errors reported for one file.
const MOST: u32 = 1000;

/// How much of the file the walk accounted for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Walked {
    /// Every track's samples.
    Whole,
    /// Not all of it: GStreamer's parse is still wanted.
    Part,
}

/// One track's samples as its tables place them.
struct Track {
    /// The NAL length size of an H.264 or HEVC track, with whether it is
    /// HEVC; `None` for others.
    nal: Option<(usize, bool)>,
    /// (offset, size) of each sample of an H.264 or HEVC track, in table
    /// order (a few a second: other tracks' are not kept, PCM has one a
    /// sample).
    samples: Vec<(u64, u64)>,
    /// The first sample that runs past the end of the file.
    beyond: Option<u64>,
}

/// The top-level boxes: (type, body start, end), to the first that does not
/// fit (a cut file).
fn top(w: &mut Window) -> Vec<([u8; 4], u64, u64)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(h) = w
        .get(at, 16.min((w.size - at) as usize))
        .map(<[u8]>::to_vec)
    {
        let Some((kind, head, len)) = box_header(&h, w.size - at) else {
            break;
        };
        out.push((kind, at + head, at + len));
        at += len;
        if at >= w.size {
            break;
        }
    }
    out
}

/// Check the samples of an MP4 or QuickTime file.
pub(crate) fn samples(w: &mut Window, say: &mut Say) -> Walked {
    let boxes = top(w);
    if boxes.iter().any(|b| &b.0 == b"moof") {
        return Walked::Part;
    }
    let Some(&(_, body, end)) = boxes.iter().find(|b| &b.0 == b"moov") else {
        return Walked::Part;
    };
    if end > w.size || end - body > MOST_MOOV {
        // A cut `moov` is the probe's to tell.
        return Walked::Part;
    }
    let Some(moov) = w.get(body, (end - body) as usize).map(<[u8]>::to_vec) else {
        return Walked::Part;
    };
    let mut tracks = Vec::new();
    for (kind, trak) in children(&moov) {
        if &kind != b"trak" {
            continue;
        }
        match track(trak, w.size) {
            Some(t) => tracks.push(t),
            None => return Walked::Part,
        }
    }
    if tracks.is_empty() {
        return Walked::Part;
    }
    check(w, &tracks, say);
    Walked::Whole
}

/// A track's samples from its `stbl` (`size`: the file's); `None` for
/// tables this walk does not read.
fn track(trak: &[u8], size: u64) -> Option<Track> {
    let stbl = child(trak, &[b"mdia", b"minf", b"stbl"])?;
    let nal = nal_length(child(stbl, &[b"stsd"])?);
    let mut t = Track {
        nal,
        samples: Vec::new(),
        beyond: None,
    };
    each_sample(stbl, |at, n| {
        if at + n > size {
            t.beyond = Some(t.beyond.map_or(at, |b: u64| b.min(at)));
        } else if nal.is_some() && n > 0 {
            t.samples.push((at, n));
        }
        std::ops::ControlFlow::Continue(())
    })?;
    Some(t)
}

/// The NAL length size of the first sample entry, for H.264 (`avcC`) and
/// HEVC (`hvcC`), with whether it is HEVC.
fn nal_length(stsd: &[u8]) -> Option<(usize, bool)> {
    // Version and flags, the entry count, then the first entry: its 8-byte
    // header and a visual sample entry's 78 bytes before its boxes.
    let entry = stsd.get(8..)?;
    let (kind, head, len) = box_header(entry, entry.len() as u64)?;
    let body = entry.get(head as usize..(len as usize).min(entry.len()))?;
    let boxes = body.get(78..)?;
    let (config, hevc, at) = match &kind {
        b"avc1" | b"avc3" => (child(boxes, &[b"avcC"])?, false, 4),
        b"hvc1" | b"hev1" => (child(boxes, &[b"hvcC"])?, true, 21),
        _ => return None,
    };
    Some(((*config.get(at)? & 3) as usize + 1, hevc))
}

/// Every sample inside the file; NAL units that chain in those of H.264
/// and HEVC tracks, read in file order.
fn check(w: &mut Window, tracks: &[Track], say: &mut Say) {
    if let Some(at) = tracks.iter().filter_map(|t| t.beyond).min() {
        cut(
            say,
            at.min(w.size),
            "a sample (the sample table places it past the end)",
        );
    }
    let mut nal: Vec<(u64, u64, usize, bool)> = tracks
        .iter()
        .filter_map(|t| t.nal.map(|n| (t, n)))
        .flat_map(|(t, (n, hevc))| t.samples.iter().map(move |s| (s.0, s.1, n, hevc)))
        .collect();
    nal.sort_unstable();
    let mut errors = 0;
    for (at, len, n, hevc) in nal {
        if errors >= MOST {
            break;
        }
        let Some(sample) = w.get(at, len as usize) else {
            continue;
        };
        if let Some(bad) = broken_nal(sample, n, hevc) {
            errors += 1;
            say(
                at + bad as u64,
                class::UNREADABLE_PACKETS,
                format!(
                    "the sample at byte {at}: no NAL unit at byte {} of it ({len} bytes)",
                    bad
                ),
            );
        }
    }
}

/// Where the NAL units of `sample` (each after its `n`-byte length) stop
/// chaining: a length of zero or past the end, or a header that does not
/// parse (the forbidden bit set; HEVC's temporal id of zero).
fn broken_nal(sample: &[u8], n: usize, hevc: bool) -> Option<usize> {
    let mut at = 0;
    while at < sample.len() {
        let len = sample
            .get(at..at + n)
            .map(|b| b.iter().fold(0usize, |a, &x| (a << 8) | x as usize));
        let body = at + n;
        match len {
            Some(l) if l > 0 && body + l <= sample.len() => {
                let h = &sample[body..];
                if h[0] & 0x80 != 0 || (hevc && h.get(1).is_none_or(|b| b & 7 == 0)) {
                    return Some(at);
                }
                at = body + l;
            }
            _ => return Some(at),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nal_units_chain_to_the_sample_end() {
        assert_eq!(
            broken_nal(&[0, 0, 0, 2, 0x65, 1, 0, 0, 0, 1, 0x41], 4, false),
            None
        );
        // A length past the end, a zero length, the forbidden bit.
        assert_eq!(broken_nal(&[0, 0, 0, 9, 0x65, 1], 4, false), Some(0));
        assert_eq!(
            broken_nal(&[0, 0, 0, 1, 0x65, 0, 0, 0, 0], 4, false),
            Some(5)
        );
        assert_eq!(broken_nal(&[0, 0, 0, 1, 0xE5], 4, false), Some(0));
        // HEVC: a temporal id of zero does not parse.
        assert_eq!(broken_nal(&[0, 2, 0x26, 0x01], 2, true), None);
        assert_eq!(broken_nal(&[0, 2, 0x26, 0x00], 2, true), Some(0));
    }

    #[test]
    fn box_sizes_of_zero_and_one() {
        let b = [0, 0, 0, 0, b'm', b'd', b'a', b't'];
        assert_eq!(box_header(&b, 100), Some((*b"mdat", 8, 100)));
        let mut b = vec![0, 0, 0, 1, b'm', b'd', b'a', b't'];
        b.extend_from_slice(&40u64.to_be_bytes());
        assert_eq!(box_header(&b, 100), Some((*b"mdat", 16, 40)));
        assert_eq!(box_header(&[0, 0, 0, 4, b'f', b'r', b'e', b'e'], 8), None);
    }
}
