//! MPEG-TS without a program map: the streams ffprobe finds by their PES
//! packets alone, named by their stream id and by what their data starts
//! with.
//!
//! FFmpeg's demuxer, finding no map, makes a stream of every PID whose
//! packet starts a PES packet (a padding stream aside), in the order their
//! first such packet comes, and probes its payload for a codec. The head of
//! the file is walked the same way, and each PID is given the stream type
//! its stream id and data show, so that the program map's listing names it:
//! video as MPEG-1/2 or H.264/HEVC by its start codes, audio as MPEG audio
//! or ADTS by its frame header, private stream 1 as AC-3, E-AC-3 or DTS by
//! its sync word. A PID whose data shows none of these is left out, as is
//! any fact its data does not tell: ffprobe's guesses (MP3 at 0 Hz for
//! video data that holds a byte pair like a frame sync) are not copied.
//!
//! The streams of such a file need not share a clock (several programs'
//! streams, each stamped by its own): the duration is the longest span one
//! stream's own timestamps show, never a span across two clocks.

use super::mpeg::{PtsSpan, pes_timestamps, wrapped_span};
use super::ts_payload::pes_payload;
use super::*;

/// The head walked for PES streams: 2 MiB, a few seconds of a broadcast.
const HEAD: u64 = 2 << 20;
/// The tail read for each stream's last timestamps.
const TAIL: u64 = 1 << 20;
/// The PIDs probed at most: each costs a walk of the head and the tail.
const MAX_STREAMS: usize = 256;

impl Reader {
    /// The PES streams of a transport stream whose head holds no program
    /// map, in the order ffprobe makes them, as program map entries of the
    /// stream type their data shows; and the span of their timestamps.
    pub(super) fn ts_unmapped(&self, packet: usize) -> (Vec<Track>, Option<PtsSpan>) {
        let Some(head) = self.vec(0, self.len.min(HEAD) as usize) else {
            return (Vec::new(), None);
        };
        let tracks: Vec<Track> = pes_starts(&head, packet)
            .into_iter()
            .filter_map(|(pid, stream_id)| {
                let payload = pes_payload(&head, packet, pid)?;
                Some(Track {
                    id: u32::from(pid),
                    ts_stream_type: Some(stream_type(stream_id, &payload)?),
                    ts_descriptors: private_text(&payload)
                        .filter(|_| stream_id == 0xBD)
                        .into_iter()
                        .collect(),
                    ts_first_payload: payload,
                    ..Track::default()
                })
            })
            .collect();
        let span = self.longest_span(&head, packet, &tracks);
        (tracks, span)
    }

    /// The longest span of one stream's own timestamps, from the head and
    /// the last MiB of the file.
    fn longest_span(&self, head: &[u8], packet: usize, tracks: &[Track]) -> Option<PtsSpan> {
        let from = self.len.saturating_sub(TAIL) / packet as u64 * packet as u64;
        let from = from.max(head.len() as u64);
        let tail = self
            .vec(from, self.len.saturating_sub(from) as usize)
            .unwrap_or_default();
        tracks
            .iter()
            .filter_map(|t| {
                let pid = t.id as u16;
                let mut stamps = pes_stamps(head, packet, pid);
                stamps.extend(pes_stamps(&tail, packet, pid));
                wrapped_span(&stamps)
            })
            .max_by_key(|&(span, _)| span)
            .map(|(span, wrapped)| PtsSpan {
                seconds: span as f64 / 90_000.0,
                wrapped,
                authoritative: true,
                ..PtsSpan::default()
            })
    }
}

/// The payload (past the adaptation field) of every packet of `b` that
/// starts a unit, with its PID; packets of `packet` bytes, M2TS's four
/// bytes of timestamp first.
pub(super) fn unit_starts(b: &[u8], packet: usize) -> impl Iterator<Item = (u16, &[u8])> {
    indexed_unit_starts(b, packet).map(|(_, pid, payload)| (pid, payload))
}

/// [`unit_starts`] with each packet's index in `b`.
pub(super) fn indexed_unit_starts(
    b: &[u8],
    packet: usize,
) -> impl Iterator<Item = (usize, u16, &[u8])> {
    packets(b, packet).filter_map(|p| {
        (p.start && p.has_payload)
            .then_some(p.payload)
            .flatten()
            .map(|payload| (p.index, p.pid, payload))
    })
}

/// One TS packet of a buffer: where it is, its PID, whether it starts a
/// unit and says it carries a payload, and the bytes past its adaptation
/// field (`None` when that field claims more than the packet holds).
pub(super) struct Packet<'a> {
    pub index: usize,
    pub pid: u16,
    pub start: bool,
    pub has_payload: bool,
    pub payload: Option<&'a [u8]>,
}

/// Every packet of `b` with MPEG-TS's sync byte; packets of `packet`
/// bytes, M2TS's four bytes of timestamp first.
pub(super) fn packets(b: &[u8], packet: usize) -> impl Iterator<Item = Packet<'_>> {
    b.chunks_exact(packet)
        .enumerate()
        .filter_map(move |(index, p)| {
            let p = &p[packet - 188..];
            if p[0] != 0x47 {
                return None;
            }
            let at = if p[3] & 0x20 != 0 {
                5 + p[4] as usize
            } else {
                4
            };
            Some(Packet {
                index,
                pid: u16::from_be_bytes([p[1] & 0x1F, p[2]]),
                start: p[1] & 0x40 != 0,
                has_payload: p[3] & 0x10 != 0,
                payload: p.get(at..),
            })
        })
}

/// Each PID whose packet starts a PES packet, with its stream id, in the
/// order of the first: not the PAT's, the SDT's or the EIT's PIDs (FFmpeg
/// reads their sections), nor the null packets', nor a padding stream; at
/// most [`MAX_STREAMS`].
fn pes_starts(b: &[u8], packet: usize) -> Vec<(u16, u8)> {
    let mut out: Vec<(u16, u8)> = Vec::new();
    for (pid, payload) in unit_starts(b, packet) {
        if matches!(pid, 0x00 | 0x11 | 0x12 | 0x1FFF) || out.iter().any(|&(p, _)| p == pid) {
            continue;
        }
        if let [0, 0, 1, id, ..] = *payload
            && id != 0xBE
        {
            out.push((pid, id));
            if out.len() == MAX_STREAMS {
                break;
            }
        }
    }
    out
}

/// The PTS of `pid`'s PES packets that start in `b`, in file order.
fn pes_stamps(b: &[u8], packet: usize, pid: u16) -> Vec<u64> {
    unit_starts(b, packet)
        .filter(|&(p, payload)| p == pid && payload.starts_with(&[0, 0, 1]))
        .filter_map(|(_, payload)| pes_timestamps(payload).first().map(|&(_, pts)| pts))
        .collect()
}

/// The program map's stream type that a PES stream's id and first payload
/// show; `None` where they show no codec.
fn stream_type(stream_id: u8, b: &[u8]) -> Option<u8> {
    match stream_id {
        0xE0..=0xEF => video_type(b),
        0xC0..=0xDF => audio_type(b),
        // Private stream 1: AC-3 or E-AC-3, or DTS, by the sync word it
        // starts with (private data: the listing tells them apart); DVB
        // teletext or subtitles by their data identifier (EN 300 472,
        // EN 300 743).
        0xBD => (b.starts_with(&[0x0b, 0x77])
            || b.starts_with(&[0x7f, 0xfe, 0x80, 0x01])
            || private_text(b).is_some())
        .then_some(0x06),
        _ => None,
    }
}

/// The descriptor a DVB text stream's program map entry would carry, by
/// the data identifier its PES payload starts with: teletext (0x10-0x1F),
/// or subtitles (0x20 and stream 0).
fn private_text(b: &[u8]) -> Option<u8> {
    match b {
        [0x10..=0x1F, ..] => Some(0x56),
        [0x20, 0x00, ..] => Some(0x59),
        _ => None,
    }
}

/// MPEG-1/2 video by its start codes (an extension start code is MPEG-2's,
/// a sequence header without one MPEG-1's), else H.264 or HEVC by its first
/// NAL unit (an access unit delimiter or a parameter set).
fn video_type(b: &[u8]) -> Option<u8> {
    let codes = || b.windows(4).filter(|w| w[..3] == [0, 0, 1]).map(|w| w[3]);
    if codes().any(|c| c == 0xB5) {
        return Some(0x02);
    }
    if codes().any(|c| c == 0xB3) {
        return Some(0x01);
    }
    match codes().next()? {
        0x09 | 0x27 | 0x47 | 0x67 => Some(0x1b),
        0x40 | 0x46 => Some(0x24),
        _ => None,
    }
}

/// MPEG audio or AAC in ADTS, by the first frame header.
fn audio_type(b: &[u8]) -> Option<u8> {
    let at = b
        .windows(2)
        .take(4096)
        .position(|w| w[0] == 0xFF && w[1] & 0xE0 == 0xE0)?;
    if b[at + 1] & 0xF6 == 0xF0 {
        return Some(0x0f);
    }
    crate::probe::bitstream::mpeg_audio_header(&b[at..]).map(|_| 0x03)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A TS packet of `pid` starting a PES packet of `stream_id` whose PTS
    /// is `pts`, its payload `body`.
    pub(in crate::probe::headers) fn pes(
        pid: u16,
        stream_id: u8,
        pts: u64,
        body: &[u8],
    ) -> Vec<u8> {
        let mut p = vec![0x47, 0x40 | (pid >> 8) as u8, pid as u8, 0x10];
        p.extend([0, 0, 1, stream_id, 0, 0, 0x80, 0x80, 5]);
        p.extend([
            0x21 | ((pts >> 29) as u8 & 0x0E),
            (pts >> 22) as u8,
            ((pts >> 14) as u8) | 1,
            (pts >> 7) as u8,
            ((pts << 1) as u8) | 1,
        ]);
        p.extend(body);
        p.resize(188, 0xFF);
        p
    }

    #[test]
    fn dvb_text_is_told_by_its_data_identifier() {
        assert_eq!(private_text(&[0x10, 0x02, 0x2C]), Some(0x56));
        assert_eq!(private_text(&[0x20, 0x00, 0x0F]), Some(0x59));
        assert_eq!(private_text(&[0x20, 0x01]), None);
        assert_eq!(stream_type(0xBD, &[0x10, 0x02]), Some(0x06));
        assert_eq!(stream_type(0xBD, &[0x42, 0x02]), None);
    }

    #[test]
    fn pes_streams_are_named_by_their_id_and_data_in_order_of_arrival() {
        let ac3 = [0x0b, 0x77, 0x9b, 0x21, 0x14, 0x30, 0x43];
        let mpeg2 = [0, 0, 1, 0, 0x0c, 0x1f, 0xff, 0xfb, 0, 0, 1, 0xb5, 0x8f];
        let avc = [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67];
        let mp2 = [0xff, 0xfd, 0x94, 0x00];
        let head = [
            pes(0x54, 0xBD, 9000, &ac3),
            pes(0x31, 0xE0, 9000, &mpeg2),
            // A section, the padding stream, an id nothing names: none.
            [&[0x47, 0x40, 0x60, 0x10, 0, 0xc7][..], &[0u8; 182]].concat(),
            pes(0x70, 0xBE, 0, &[]),
            pes(0x71, 0xBF, 0, &[1, 2, 3]),
            pes(0x31, 0xE0, 12600, &mpeg2),
            pes(0x41, 0xE0, 0, &avc),
            pes(0x42, 0xC0, 0, &mp2),
            // Video data with a byte pair like an MPEG audio sync, and no
            // start code that names a codec: left out, not guessed.
            pes(0x61, 0xE0, 0, &[0xff, 0xfb, 0xb8, 0x00]),
        ]
        .concat();
        let starts = pes_starts(&head, 188);
        let ids: Vec<u16> = starts.iter().map(|s| s.0).collect();
        assert_eq!(ids, [0x54, 0x31, 0x71, 0x41, 0x42, 0x61]);
        let types: Vec<Option<u8>> = starts
            .iter()
            .map(|&(pid, id)| stream_type(id, &pes_payload(&head, 188, pid).unwrap_or_default()))
            .collect();
        assert_eq!(
            types,
            [Some(0x06), Some(0x02), None, Some(0x1b), Some(0x03), None]
        );
        assert_eq!(pes_stamps(&head, 188, 0x31), [9000, 12600]);
    }

    #[test]
    fn the_span_is_one_clocks_never_two() {
        // Two streams stamped by clocks a day apart: the longest span of
        // one stream's own timestamps (0.1 s), not the day between them.
        let day = 90_000 * 86_400;
        let head = [
            pes(0x44, 0xBD, 1_000, &[0x0b, 0x77, 0, 0, 0, 0x40]),
            pes(0x54, 0xBD, day, &[0x0b, 0x77, 0, 0, 0, 0x40]),
            pes(0x44, 0xBD, 10_000, &[0x0b, 0x77, 0, 0, 0, 0x40]),
            pes(0x54, 0xBD, day + 2_880, &[0x0b, 0x77, 0, 0, 0, 0x40]),
        ]
        .concat();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.ts");
        std::fs::write(&p, &head).unwrap();
        let h = read(&p, "ts", false);
        assert_eq!(h.tracks.len(), 2);
        assert!(h.ts_unmapped);
        let span = h.pts_span.unwrap();
        assert!((span.seconds - 0.1).abs() < 1e-9, "{span:?}");
    }
}
