//! MPEG program and transport streams: PES timestamps at the head and tail (the
//! duration), the PAT/PMT (languages), and the ADTS duration estimate.

use super::*;

impl Reader {
    /// PES timestamps in the first and last 64 KiB: the earliest and the latest
    /// PTS, per elementary stream, as ffprobe estimates a duration. TS
    /// packets are read by PID; program streams by start codes.
    pub(super) fn pts_span(&self) -> Option<PtsSpan> {
        const WINDOW: u64 = 16 * 1024;
        let head = self.vec(0, self.len.min(WINDOW) as usize)?;
        // Frames can be larger than the window: widen it (to 1 MiB) until the
        // tail holds a PES header of every stream.
        let mut tail = Vec::new();
        let mut window = WINDOW;
        loop {
            let tail_at = self.len.saturating_sub(window).max(head.len() as u64);
            tail = self
                .vec(tail_at, (self.len - tail_at) as usize)
                .unwrap_or(tail);
            // Every stream the head shows must show in the tail too: the last
            // video frame may lie further back than the audio after it.
            let tail_ids: Vec<u8> = pes_timestamps(&tail).iter().map(|(id, _)| *id).collect();
            let whole = pes_timestamps(&head)
                .iter()
                .all(|(id, _)| tail_ids.contains(id));
            if tail_at == head.len() as u64 || whole || window >= 1 << 20 {
                break;
            }
            window *= 4;
        }
        let stamps: Vec<u64> = pes_timestamps(&head)
            .into_iter()
            .chain(pes_timestamps(&tail))
            .map(|(_, p)| p)
            .collect();
        let (span, wrapped) = wrapped_span(&stamps)?;
        let video_tick = [video_tick(&head), video_tick(&tail)]
            .into_iter()
            .flatten()
            .min();
        Some(PtsSpan {
            seconds: span as f64 / 90_000.0,
            wrapped,
            authoritative: false,
            video_tick,
        })
    }

    /// ADTS frames in the first 16 KiB: their mean length and the sampling
    /// rate give the bit rate, and the file's size the duration.
    pub(super) fn adts_estimate(&self) -> Option<f64> {
        const RATES: [u32; 13] = [
            96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
        ];
        let b = self.vec(0, self.len.min(16 * 1024) as usize)?;
        let mut at = b
            .windows(2)
            .position(|w| w[0] == 0xFF && w[1] & 0xF6 == 0xF0)?;
        let (mut frames, mut bytes, mut rate) = (0u64, 0u64, 0u32);
        while at + 7 <= b.len() && b[at] == 0xFF && b[at + 1] & 0xF6 == 0xF0 {
            rate = *RATES.get(((b[at + 2] >> 2) & 0xF) as usize)?;
            let len = (((b[at + 3] & 3) as usize) << 11)
                | ((b[at + 4] as usize) << 3)
                | (b[at + 5] as usize >> 5);
            if len < 7 {
                break;
            }
            frames += 1;
            bytes += len as u64;
            at += len;
        }
        if frames < 2 || rate == 0 {
            return None;
        }
        let bitrate = bytes as f64 * 8.0 * rate as f64 / (frames as f64 * 1024.0);
        Some(self.len as f64 * 8.0 / bitrate)
    }

    /// MPEG-TS: the elementary streams of every program (PAT → PMTs, in
    /// the PAT's order, a PID once), with the language their descriptors give
    /// (ISO 639, DVB subtitling, teletext). tsdemux exposes one program;
    /// ffprobe lists them all.
    pub(super) fn ts_program(&self, packet: usize) -> Vec<Track> {
        // Muxers write the PAT and PMTs first: the first 32 KiB hold them.
        let Some(head) = self.vec(0, self.len.min(32 * 1024) as usize) else {
            return Vec::new();
        };
        // The first section of `pid`: past its pointer field.
        let section = |pid: u16| -> Option<&[u8]> {
            let p = unit_start(&head, packet, pid)?;
            p.get(1 + *p.first()? as usize..)
        };
        let pmt_pids: Vec<u16> = section(0)
            .and_then(|pat| {
                let len = (u16::from_be_bytes([pat[1] & 0x0F, pat[2]]) as usize).min(pat.len());
                let entries = pat.get(8..len.saturating_sub(1))?;
                Some(
                    entries
                        .chunks_exact(4)
                        .filter(|e| u16::from_be_bytes([e[0], e[1]]) != 0)
                        .map(|e| u16::from_be_bytes([e[2] & 0x1F, e[3]]))
                        .collect(),
                )
            })
            .unwrap_or_default();
        // ffprobe makes a program's streams as its map arrives: the
        // programs come in the order of their maps in the file, not the PAT's.
        let mut pmt_pids = pmt_pids;
        pmt_pids.sort_by_key(|&pid| first_start(&head, packet, pid).unwrap_or(usize::MAX));
        let mut tracks: Vec<Track> = Vec::new();
        for (n, pmt) in pmt_pids.into_iter().filter_map(section).enumerate() {
            for t in pmt_streams(pmt) {
                if tracks.iter().any(|k| k.id == t.id) {
                    continue;
                }
                let pid = t.id as u16;
                // A stream tsdemux will not read (another program's, or one
                // with no parser) is described from its first payload, which
                // may lie past the head.
                let unread = n > 0
                    || !matches!(
                        t.ts_stream_type,
                        Some(0x01..=0x04 | 0x0f | 0x10 | 0x1b | 0x24)
                    );
                let payload = pes_payload(&head, packet, pid)
                    .or_else(|| unread.then(|| self.later_payload(packet, pid)).flatten());
                tracks.push(Track {
                    ts_first_payload: payload.unwrap_or_default(),
                    ..t
                });
            }
        }
        tracks
    }

    /// Whether the first 32 KiB hold an EIT section (PID 0x12, a table id
    /// of the event information tables, 0x4E-0x6F).
    pub(super) fn ts_has_eit(&self, packet: usize) -> bool {
        let Some(head) = self.vec(0, self.len.min(32 * 1024) as usize) else {
            return false;
        };
        unit_start(&head, packet, 0x12)
            .and_then(|p| p.get(1 + *p.first()? as usize))
            .is_some_and(|tid| (0x4E..=0x6F).contains(tid))
    }

    /// `pid`'s first PES payload past the first 32 KiB, within the first MiB.
    fn later_payload(&self, packet: usize, pid: u16) -> Option<Vec<u8>> {
        let chunk = packet * 1024;
        let mut at = (32 * 1024 / packet * packet) as u64;
        while at < self.len.min(1 << 20) {
            let n = chunk.min((self.len - at) as usize) / packet * packet;
            let b = self.vec(at, n)?;
            if let Some(p) = pes_payload(&b, packet, pid) {
                return Some(p);
            }
            at += n.max(packet) as u64;
        }
        None
    }
}

/// The elementary streams of one PMT section: PID, stream type, descriptor
/// tags, language, and the program's registration.
fn pmt_streams(pmt: &[u8]) -> Vec<Track> {
    let mut tracks = Vec::new();
    if pmt.len() < 16 {
        return tracks;
    }
    let end = (3 + (u16::from_be_bytes([pmt[1] & 0x0F, pmt[2]]) as usize)).min(pmt.len()) - 4;
    let info = u16::from_be_bytes([pmt[10] & 0x0F, pmt[11]]) as usize;
    let registration = program_registration(pmt.get(12..(12 + info).min(end)).unwrap_or_default());
    let mut at = 12 + info;
    while at + 5 <= end {
        let pid = u16::from_be_bytes([pmt[at + 1] & 0x1F, pmt[at + 2]]);
        let es_len = u16::from_be_bytes([pmt[at + 3] & 0x0F, pmt[at + 4]]) as usize;
        let list = pmt
            .get(at + 5..(at + 5 + es_len).min(end))
            .unwrap_or_default();
        let d = es_descriptors(pmt[at], list);
        tracks.push(Track {
            id: pid as u32,
            language: d.language,
            ts_stream_type: Some(pmt[at]),
            ts_descriptors: d.tags,
            ts_program_registration: registration,
            ts_arib_caption: d.arib_caption,
            dolby_vision: d.dolby_vision,
            codec_tag: d.codec_tag,
            ..Track::default()
        });
        at += 5 + es_len;
    }
    tracks
}

/// The format identifier of a program's registration descriptor, among
/// the program info descriptors.
fn program_registration(info: &[u8]) -> Option<[u8; 4]> {
    let mut d = 0;
    while d + 2 <= info.len() {
        let (tag, len) = (info[d], info[d + 1] as usize);
        if tag == 0x05 && len >= 4 {
            let b = info.get(d + 2..d + 6)?;
            return Some([b[0], b[1], b[2], b[3]]);
        }
        d += 2 + len;
    }
    None
}

/// What an elementary stream's descriptors say.
#[derive(Default)]
struct EsDescriptors {
    tags: Vec<u8>,
    language: Option<String>,
    dolby_vision: Option<mediadex_core::scan::document::DolbyVision>,
    codec_tag: Option<String>,
    arib_caption: bool,
}

/// An elementary stream's descriptor loop, read as ffprobe reads it: a
/// teletext or DVB subtitling descriptor names every page's or
/// substream's language, joined by commas (`fra,fra`), and so does an ISO
/// 639 descriptor, which never overwrites a language already set.
fn es_descriptors(stream_type: u8, list: &[u8]) -> EsDescriptors {
    let mut out = EsDescriptors::default();
    let (mut component_tag, mut data_component) = (None, None);
    let mut d = 0;
    while d + 2 <= list.len() {
        let (tag, len) = (list[d], list[d + 1] as usize);
        let body = list.get(d + 2..d + 2 + len).unwrap_or_default();
        out.tags.push(tag);
        match tag {
            0x56 | 0x59 => {
                let step = if tag == 0x56 { 5 } else { 8 };
                if let Some(l) = joined_languages(body, step) {
                    out.language = Some(l);
                }
            }
            0x0A if out.language.is_none() && body.first().is_some_and(|&b| b != 0) => {
                out.language = joined_languages(body, 4);
            }
            0xB0 => out.dolby_vision = dovi_descriptor(body),
            // A registration descriptor's format identifier is the
            // stream's codec tag to ffprobe (`HEVC`, `AC-3`, `Opus`).
            0x05 if len >= 4 => {
                out.codec_tag = Some(fourcc_string([body[0], body[1], body[2], body[3]]));
            }
            0x52 => component_tag = body.first().copied(),
            0xFD if len >= 2 => data_component = Some(u16::from_be_bytes([body[0], body[1]])),
            _ => {}
        }
        d += 2 + len;
    }
    // ARIB STD-B10's data component 0x0008 on component tags 0x30-0x37
    // (profile A), or 0x0012 on tag 0x87 (profile C), in private data.
    out.arib_caption = stream_type == 0x06
        && matches!(
            (data_component, component_tag),
            (Some(0x0008), Some(0x30..=0x37)) | (Some(0x0012), Some(0x87))
        );
    out
}

/// The three-letter codes at the head of each `step`-byte entry of `body`,
/// joined by commas; none unless every one is lowercase letters once
/// folded.
fn joined_languages(body: &[u8], step: usize) -> Option<String> {
    let codes: Vec<String> = body
        .chunks_exact(step)
        .map(|e| String::from_utf8_lossy(&e[..3]).to_ascii_lowercase())
        .collect();
    if codes.is_empty()
        || !codes
            .iter()
            .all(|c| c.chars().all(|c| c.is_ascii_lowercase()))
    {
        return None;
    }
    Some(codes.join(","))
}

/// The DOVI video stream descriptor: the configuration record's fields,
/// with the base layer's PID (two bytes) between them when the stream
/// carries no base layer of its own.
fn dovi_descriptor(d: &[u8]) -> Option<mediadex_core::scan::document::DolbyVision> {
    let base_layer = d.get(3)? & 1 == 1;
    if base_layer {
        super::dovi::parse(d)
    } else {
        let mut r = d.get(..4)?.to_vec();
        r.extend_from_slice(d.get(6..)?);
        super::dovi::parse(&r)
    }
}

/// Where the first packet of `pid` in `head` that starts a unit lies.
fn first_start(head: &[u8], packet: usize, pid: u16) -> Option<usize> {
    let prefix = packet - 188;
    head.chunks_exact(packet).position(|p| {
        let p = &p[prefix..];
        p[0] == 0x47 && u16::from_be_bytes([p[1] & 0x1F, p[2]]) == pid && p[1] & 0x40 != 0
    })
}

/// The payload (past the adaptation field) of the first packet of `pid` in
/// `head` that starts a unit (a section or a PES packet); TS packets of
/// `packet` bytes (188, or 192 with M2TS's timestamp before each).
fn unit_start(head: &[u8], packet: usize, pid: u16) -> Option<&[u8]> {
    let prefix = packet - 188;
    head.chunks_exact(packet).find_map(|p| {
        let p = &p[prefix..];
        let this = u16::from_be_bytes([p[1] & 0x1F, p[2]]);
        if p[0] != 0x47 || this != pid || p[1] & 0x40 == 0 {
            return None;
        }
        let mut at = 4;
        if p[3] & 0x20 != 0 {
            at += 1 + *p.get(4)? as usize;
        }
        p.get(at..)
    })
}

/// The first 4 KiB of `pid`'s elementary stream in `head`: the payloads
/// of its PES packets from the first, past their headers, from as many TS
/// packets as carry them (enough for a video sequence header, or a DTS-HD
/// extension substream after its core, which Blu-ray puts in a PES packet
/// of its own).
fn pes_payload(head: &[u8], packet: usize, pid: u16) -> Option<Vec<u8>> {
    const MAX: usize = 4096;
    let prefix = packet - 188;
    let mut body = Vec::new();
    let mut pes: Option<Vec<u8>> = None;
    for p in head.chunks_exact(packet).map(|p| &p[prefix..]) {
        let this = u16::from_be_bytes([p[1] & 0x1F, p[2]]);
        if p[0] != 0x47 || this != pid {
            continue;
        }
        let start = p[1] & 0x40 != 0;
        if start
            && let Some(done) = pes.take()
            && (!pes_body(&done, &mut body) || body.len() >= MAX)
        {
            break;
        }
        let mut at = 4;
        if p[3] & 0x20 != 0 {
            at += 1 + p[4] as usize;
        }
        let payload = p.get(at..).unwrap_or_default();
        match pes.as_mut() {
            Some(o) => o.extend_from_slice(payload),
            None if start => pes = Some(payload.to_vec()),
            None => {}
        }
        if pes
            .as_ref()
            .is_some_and(|o| body.len() + o.len() >= MAX + 64)
        {
            break;
        }
    }
    if let Some(last) = pes {
        pes_body(&last, &mut body);
    }
    (!body.is_empty()).then(|| body[..body.len().min(MAX)].to_vec())
}

/// Append the body of the PES packet `pes` (past its header) to `body`;
/// false when it is no PES packet.
fn pes_body(pes: &[u8], body: &mut Vec<u8>) -> bool {
    if pes.get(..3) != Some(&[0, 0, 1][..]) {
        return false;
    }
    match pes.get(8).and_then(|&n| pes.get(9 + n as usize..)) {
        Some(b) => {
            body.extend_from_slice(b);
            true
        }
        None => false,
    }
}

/// The time from the first to the last presentation timestamp of a file, in
/// 90 kHz ticks, and whether the 33-bit clock wrapped between them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PtsSpan {
    pub seconds: f64,
    pub wrapped: bool,
    /// The container's duration is this span (MPEG-TS, as ffprobe reads it),
    /// whatever the demuxer estimated.
    pub authoritative: bool,
    /// The shortest step between two video frames' timestamps in the head or
    /// the tail (90 kHz ticks): the frame duration the timestamps show.
    pub video_tick: Option<u64>,
}

impl PtsSpan {
    /// The frame rate the video timestamps show.
    pub fn stamped_fps(&self) -> Option<f64> {
        Some(90_000.0 / self.video_tick.filter(|&t| t > 0)? as f64)
    }
}

/// The smallest positive step between distinct video PTS in `b` (within one
/// window: no step spans a gap in the file); none unless most frames there
/// carry a PTS (a stream stamped only now and then would show a step of
/// several frames).
fn video_tick(b: &[u8]) -> Option<u64> {
    let video: Vec<Option<u64>> = pes_headers(b)
        .into_iter()
        .filter(|(id, _)| (0xE0..=0xEF).contains(id))
        .map(|(_, p)| p)
        .collect();
    let mut stamps: Vec<u64> = video.iter().flatten().copied().collect();
    if stamps.len() < video.len() {
        // Frames spread over packs, or two in one PES (program streams):
        // trusted where more than half the MPEG-1/2 pictures have a stamp,
        // so that two neighbours do (one picture may lie past an edge).
        let pictures = b.windows(4).filter(|w| *w == [0, 0, 1, 0]).count();
        if pictures == 0 || stamps.len() * 2 <= pictures + 1 {
            return None;
        }
    }
    stamps.sort_unstable();
    stamps.dedup();
    stamps
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&d| d > 0 && d < 90_000)
        .min()
}

/// The span of `stamps` (in file order, 33-bit PTS) on the wrapping clock:
/// each is taken relative to the first, modulo 2^33 and signed (frames
/// before it in presentation order come out negative), so a clock that
/// wraps inside the file neither adds 2^33 / 90 kHz (26.5 hours) to it nor
/// cuts it short; whether some timestamp lies past a wrap.
pub(super) fn wrapped_span(stamps: &[u64]) -> Option<(u64, bool)> {
    const WRAP: i64 = 1 << 33;
    let &reference = stamps.first()?;
    let rel = |p: u64| {
        let d = (p as i64 - reference as i64).rem_euclid(WRAP);
        if d >= WRAP / 2 { d - WRAP } else { d }
    };
    let (lo, hi) = stamps
        .iter()
        .map(|&p| rel(p))
        .fold((i64::MAX, i64::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let wrapped = stamps
        .iter()
        .any(|&p| (reference as i64 + rel(p)) != p as i64);
    Some(((hi - lo) as u64, wrapped))
}

/// (stream id, PTS) of every PES header with a timestamp in `b`, found by
/// start code: in TS payloads and program streams alike a PES header starts
/// `00 00 01` and a stream id (0xBD private, 0xC0-0xEF audio and video,
/// 0xFD extended: Blu-ray's AC-3, DTS and TrueHD).
pub(super) fn pes_timestamps(b: &[u8]) -> Vec<(u8, u64)> {
    pes_headers(b)
        .into_iter()
        .filter_map(|(id, pts)| Some((id, pts?)))
        .collect()
}

/// (stream id, PTS if any) of every PES header in `b`.
fn pes_headers(b: &[u8]) -> Vec<(u8, Option<u64>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 14 <= b.len() {
        if b[i] != 0 || b[i + 1] != 0 || b[i + 2] != 1 {
            i += 1;
            continue;
        }
        let id = b[i + 3];
        if id == 0xBD || id == 0xFD || (0xC0..=0xEF).contains(&id) {
            let h = &b[i + 6..];
            let pts = if h[0] & 0xC0 == 0x80 {
                // MPEG-2 PES: flags, header length, then the PTS if flagged.
                (h[1] & 0x80 != 0).then(|| &h[3..8])
            } else {
                // MPEG-1: stuffing, an optional buffer size, then '0010'/'0011'.
                let mut j = 0;
                while j < h.len() && h[j] == 0xFF && j < 16 {
                    j += 1;
                }
                if j + 1 < h.len() && h[j] & 0xC0 == 0x40 {
                    j += 2;
                }
                (j + 5 <= h.len() && h[j] & 0xE0 == 0x20).then(|| &h[j..j + 5])
            };
            let v = pts
                .filter(|p| p[0] & 1 == 1 && p[2] & 1 == 1 && p[4] & 1 == 1)
                .map(|p| {
                    ((p[0] as u64 >> 1) & 7) << 30
                        | (p[1] as u64) << 22
                        | ((p[2] as u64) >> 1) << 15
                        | (p[3] as u64) << 7
                        | (p[4] as u64) >> 1
                });
            out.push((id, v));
        }
        i += 4;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blu_ray_audio_timestamps_count() {
        // A PES header of stream id 0xFD (extended: Blu-ray's AC-3) with a
        // PTS of 47042.
        let pts = 47042u64;
        let b = [
            0,
            0,
            1,
            0xFD,
            0,
            0,
            0x81,
            0x81,
            5,
            0x21 | ((pts >> 29) as u8 & 0x0E),
            (pts >> 22) as u8,
            ((pts >> 14) as u8) | 1,
            (pts >> 7) as u8,
            ((pts << 1) as u8) | 1,
            0,
        ];
        assert_eq!(pes_timestamps(&b), [(0xFD, pts)]);
    }

    #[test]
    fn a_streams_payload_runs_across_its_pes_packets() {
        // Two TS packets of PID 0x100, each starting a PES packet with a
        // header of 3 bytes (flags, none), then its body.
        let ts = |body: &[u8]| {
            let mut p = vec![0x47, 0x41, 0x00, 0x10, 0, 0, 1, 0xBD, 0, 0, 0x80, 0, 0];
            p.extend_from_slice(body);
            p.resize(188, 0xFF);
            p
        };
        let head = [ts(&[0x7f, 0xfe, 0x80, 0x01]), ts(&[0x64, 0x58, 0x20, 0x25])].concat();
        let body = pes_payload(&head, 188, 0x100).unwrap();
        assert_eq!(&body[..4], [0x7f, 0xfe, 0x80, 0x01]);
        assert_eq!(&body[175..179], [0x64, 0x58, 0x20, 0x25]);
        assert_eq!(pes_payload(&head, 188, 0x101), None);
    }

    #[test]
    fn descriptors_give_every_language_and_arib_captions() {
        // Teletext with two pages: both languages, as ffprobe joins them.
        let teletext = [
            0x56, 10, b'f', b'r', b'a', 0x09, 0x00, b'F', b'R', b'A', 0x11, 0x00,
        ];
        assert_eq!(
            es_descriptors(0x06, &teletext).language.as_deref(),
            Some("fra,fra")
        );
        // An ISO 639 descriptor does not overwrite the teletext's.
        let both = [&teletext[..], &[0x0A, 4, b'e', b'n', b'g', 0][..]].concat();
        assert_eq!(
            es_descriptors(0x06, &both).language.as_deref(),
            Some("fra,fra")
        );
        // ARIB captions: data component 0x0008 on component tag 0x30.
        let arib = [0x52, 1, 0x30, 0xFD, 3, 0x00, 0x08, 0x3D];
        assert!(es_descriptors(0x06, &arib).arib_caption);
        assert!(!es_descriptors(0x1b, &arib).arib_caption);
        assert_eq!(
            program_registration(&[0x05, 4, b'H', b'D', b'M', b'V']),
            Some(*b"HDMV")
        );
        assert_eq!(program_registration(&[0x0A, 4, b'e', b'n', b'g', 0]), None);
    }

    #[test]
    fn a_clock_that_wraps_inside_the_file_is_followed_across() {
        let wrap = 1u64 << 33;
        // 1.3 s before the wrap, to 1.7 s after it: 3 s.
        let s = [wrap - 117_000, wrap - 90_000, 10_000, 153_000];
        assert_eq!(wrapped_span(&s), Some((270_000, true)));
        // A B-frame before the first PTS in presentation order.
        assert_eq!(wrapped_span(&[9_000, 3_000, 21_000]), Some((18_000, false)));
        // Wrapped in the head itself: not 26.5 hours.
        let w = wrapped_span(&[wrap - 3_000, 6_000, wrap - 6_000, 9_000]).unwrap();
        assert_eq!(w, (15_000, true));
        assert_eq!(wrapped_span(&[]), None);
    }
}
