//! Frames that no sampled moment needs are dropped before the decoder: a
//! pad probe on the video decoder's input lets an H.264 or HEVC access unit
//! through unless it is a non-reference picture (`nal_ref_idc` 0; HEVC's
//! sub-layer non-reference types) whose stream time is not within
//! [`KEEP_S`] after a moment of the grid. No other picture refers to a
//! non-reference one, so every frame decoded is the same as without the
//! probe, and in streams with B-frames about half as many are decoded.
//!
//! Invariants: what is dropped depends on the stream alone (its bytes, its
//! times and the grid), never on timing; the grid is decided once, here on
//! the first buffer or by the sampler on the first frame, whichever comes
//! first, and both then read that one decision, so the frame taken for each
//! moment is the first decoded at or after it, as without the probe, for any
//! stream of 10 frames a second or more.

use std::sync::{Arc, OnceLock};

use gstreamer as gst;
use gstreamer::prelude::*;

use mediadex_core::fingerprint;

/// A non-reference picture this soon after a moment may be the one taken
/// for it, and is decoded.
pub(super) const KEEP_S: f64 = 0.1;

/// Stream times this far before a moment count as at it.
const EPS_S: f64 = super::EPS_S;

/// The file's duration (when known) and its grid's step, decided once.
pub(super) type Grid = Arc<OnceLock<(Option<f64>, f64)>>;

/// The grid of a file of `duration_s`.
pub(super) fn grid_of(duration_s: Option<f64>) -> (Option<f64>, f64) {
    let d = duration_s.filter(|&d| d > 0.0);
    (d, fingerprint::grid_step(d))
}

/// How the access units of a stream carry their NAL units.
#[derive(Clone, Copy)]
enum Nals {
    /// Each NAL prefixed by its length in this many bytes.
    Length(usize),
    /// Start codes (00 00 01).
    StartCodes,
}

#[derive(Clone, Copy)]
enum Codec {
    H264,
    Hevc,
}

/// Drop the non-reference access units no moment needs, on `decoder`'s
/// input, when it decodes H.264 or HEVC.
pub(super) fn drop_unneeded(decoder: &gst::Element, grid: Grid) {
    let Some(pad) = decoder.static_pad("sink") else {
        return;
    };
    let format: OnceLock<Option<(Codec, Nals)>> = OnceLock::new();
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(buffer) = info.buffer() else {
            return gst::PadProbeReturn::Ok;
        };
        let Some(&(codec, nals)) = format.get_or_init(|| stream_format(pad)).as_ref() else {
            return gst::PadProbeReturn::Ok;
        };
        let &(_, step) = grid.get_or_init(|| {
            grid_of(
                pad.peer_query_duration::<gst::ClockTime>()
                    .map(|d| d.seconds_f64()),
            )
        });
        let Some(t) = stream_time_s(pad, buffer) else {
            return gst::PadProbeReturn::Ok;
        };
        // A little wider than the sampler's own test at both ends, so that
        // rounding never drops a frame it would take.
        let phase = t - (t / step).floor() * step;
        if phase < KEEP_S || phase >= step - 2.0 * EPS_S {
            return gst::PadProbeReturn::Ok;
        }
        let Ok(map) = buffer.map_readable() else {
            return gst::PadProbeReturn::Ok;
        };
        if non_reference(&map, codec, nals) {
            gst::PadProbeReturn::Drop
        } else {
            gst::PadProbeReturn::Ok
        }
    });
}

/// The codec and NAL framing the decoder's input caps say, if it is one
/// this probe reads.
fn stream_format(pad: &gst::Pad) -> Option<(Codec, Nals)> {
    let caps = pad.current_caps()?;
    let s = caps.structure(0)?;
    let codec = match s.name().as_str() {
        "video/x-h264" => Codec::H264,
        "video/x-h265" => Codec::Hevc,
        _ => return None,
    };
    if s.get::<&str>("alignment").ok() != Some("au") {
        return None;
    }
    let nals = match s.get::<&str>("stream-format").ok()? {
        "byte-stream" => Nals::StartCodes,
        "avc" | "avc3" | "hvc1" | "hev1" => {
            let data = s.get::<gst::Buffer>("codec_data").ok()?;
            let map = data.map_readable().ok()?;
            // avcC: lengthSizeMinusOne in byte 4; hvcC: in byte 21.
            let at = match codec {
                Codec::H264 => 4,
                Codec::Hevc => 21,
            };
            Nals::Length((*map.get(at)? & 3) as usize + 1)
        }
        _ => return None,
    };
    Some((codec, nals))
}

fn stream_time_s(pad: &gst::Pad, buffer: &gst::BufferRef) -> Option<f64> {
    let pts = buffer.pts()?;
    let seg = pad.sticky_event::<gst::event::Segment>(0)?;
    let t = seg
        .segment()
        .downcast_ref::<gst::ClockTime>()?
        .to_stream_time(pts)?;
    Some(t.nseconds() as f64 / 1e9)
}

/// Whether an access unit is a non-reference picture: it has picture data
/// and every slice of it says so. Anything unreadable counts as a
/// reference (it is decoded).
fn non_reference(au: &[u8], codec: Codec, nals: Nals) -> bool {
    let mut slices = 0;
    let mut all_non_ref = true;
    let mut each = |nal: &[u8]| {
        let Some(&h) = nal.first() else {
            return;
        };
        match codec {
            Codec::H264 => {
                if (1..=5).contains(&(h & 0x1f)) {
                    slices += 1;
                    all_non_ref &= h & 0x60 == 0;
                }
            }
            Codec::Hevc => {
                let kind = (h >> 1) & 0x3f;
                if kind <= 31 {
                    slices += 1;
                    all_non_ref &= kind <= 14 && kind % 2 == 0;
                }
            }
        }
    };
    let whole = match nals {
        Nals::Length(n) => split_lengths(au, n, &mut each),
        Nals::StartCodes => {
            split_start_codes(au, &mut each);
            true
        }
    };
    whole && slices > 0 && all_non_ref
}

/// Each length-prefixed NAL of `au`; false when the lengths do not add up.
fn split_lengths(au: &[u8], n: usize, each: &mut dyn FnMut(&[u8])) -> bool {
    let mut at = 0;
    while at < au.len() {
        let Some(len) = au.get(at..at + n) else {
            return false;
        };
        let len = len.iter().fold(0usize, |v, &b| v << 8 | b as usize);
        at += n;
        let Some(nal) = au.get(at..at + len) else {
            return false;
        };
        each(nal);
        at += len;
    }
    true
}

/// Each NAL of `au` after a 00 00 01 start code.
fn split_start_codes(au: &[u8], each: &mut dyn FnMut(&[u8])) {
    let starts: Vec<usize> = au
        .windows(3)
        .enumerate()
        .filter(|(_, w)| *w == [0, 0, 1])
        .map(|(i, _)| i + 3)
        .collect();
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(au.len(), |&e| e - 3);
        each(&au[s..end.max(s)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h264_non_reference_pictures_are_told_from_references() {
        // AUD (9), then one slice: nal_ref_idc 0, type 1.
        let b = [0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 3, 0x01, 0xaa, 0xbb];
        assert!(non_reference(&b, Codec::H264, Nals::Length(4)));
        // The same with nal_ref_idc 2.
        let p = [0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 3, 0x41, 0xaa, 0xbb];
        assert!(!non_reference(&p, Codec::H264, Nals::Length(4)));
        // An IDR (type 5) and a truncated unit count as references.
        assert!(!non_reference(
            &[0, 0, 0, 2, 0x65, 0x88],
            Codec::H264,
            Nals::Length(4)
        ));
        assert!(!non_reference(
            &[0, 0, 0, 9, 0x01, 0x88],
            Codec::H264,
            Nals::Length(4)
        ));
        // No slice at all: not a picture to drop.
        assert!(!non_reference(
            &[0, 0, 0, 2, 0x09, 0xf0],
            Codec::H264,
            Nals::Length(4)
        ));
        // Start codes.
        let s = [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x01, 0xaa];
        assert!(non_reference(&s, Codec::H264, Nals::StartCodes));
    }

    #[test]
    fn hevc_sub_layer_non_reference_types_are_dropped_only() {
        // TRAIL_N (0) and TRAIL_R (1): the type is bits 1..6 of the first byte.
        assert!(non_reference(
            &[0, 2, 0x00, 0x01],
            Codec::Hevc,
            Nals::Length(2)
        ));
        assert!(!non_reference(
            &[0, 2, 0x02, 0x01],
            Codec::Hevc,
            Nals::Length(2)
        ));
        // IDR_W_RADL (19).
        assert!(!non_reference(
            &[0, 2, 19 << 1, 0x01],
            Codec::Hevc,
            Nals::Length(2)
        ));
    }
}
