//! MPEG transport streams' program maps: the PAT and every PMT (stream
//! types, descriptors, languages, the program's registration), each
//! stream's first payload, SCTE-35 cues' timestamps and event tables.

use super::ts_payload::{parameter_sets, pes_payload};
use super::ts_sections::{first_section, first_start, pat_programs, unit_start};
use super::*;

impl Reader {
    /// MPEG-TS (`packet`: 188, or 192 with M2TS's timestamps): the program
    /// maps' streams, or the PES streams of a file without them, and the
    /// span of their timestamps, as ffprobe reads a transport stream's
    /// duration (tsdemux's own figure follows the PCR, and is short when
    /// the program clock wraps or jumps).
    pub(super) fn transport(&self, h: &mut Headers, packet: usize) {
        h.tracks = self.ts_program(packet);
        let cue = self.scte35_stamp(packet, &h.tracks);
        let programs = timed_programs(&h.tracks);
        h.pts_span = self
            .pts_span(cue, Some(packet), &programs)
            .map(|s| super::mpeg::PtsSpan {
                authoritative: true,
                ..s
            });
        // No program map in the head: the PES streams ffprobe finds by
        // their packets, and the span of one stream's own clock.
        if h.tracks.is_empty() {
            let (tracks, span) = self.ts_unmapped(packet);
            if !tracks.is_empty() {
                (h.tracks, h.pts_span, h.ts_unmapped) = (tracks, span, true);
            }
        }
        h.estimated_rate = self.ts_video_rate(packet, &h.tracks);
        h.track_ids_hex = true;
        h.ts_epg = self.ts_has_eit(packet);
    }

    /// The packet size of a file whose first packets (up to five) start
    /// with MPEG-TS's sync byte: 188, or 192 for M2TS.
    pub(super) fn ts_packet_size(&self) -> Option<usize> {
        let head = self.vec(0, self.len.min(5 * 192) as usize)?;
        [188, 192].into_iter().find(|&packet| {
            let packets = (head.len() / packet).min(5);
            packets >= 2 && (0..packets).all(|i| head.get(i * packet + packet - 188) == Some(&0x47))
        })
    }

    /// MPEG-TS: the elementary streams of every program (PAT → PMTs, in
    /// the order the maps come in the file, a PID once), with the language their descriptors give
    /// (ISO 639, DVB subtitling, teletext). tsdemux exposes one program;
    /// ffprobe lists them all.
    pub(super) fn ts_program(&self, packet: usize) -> Vec<Track> {
        let Some((head, pmt_pids, pat_at)) = self.program_head(packet) else {
            return Vec::new();
        };
        let section = |pid: u16| first_section(&head, packet, pid);
        // ffprobe makes a program's streams as its map arrives: the
        // programs come in the order of their maps in the file, not the
        // PAT's. Its first pass stops at the first map after the PAT; the
        // second reads from the start, where maps may come before the PAT.
        let mut pmt_pids = pmt_pids;
        let first = pmt_pids
            .iter()
            .filter_map(|&pid| Some((first_start(&head, packet, pid, pat_at)?, pid)))
            .min()
            .map(|(_, pid)| pid);
        pmt_pids.sort_by_key(|&pid| {
            let at = first_start(&head, packet, pid, 0).unwrap_or(usize::MAX);
            (Some(pid) != first, at)
        });
        let mut tracks: Vec<Track> = Vec::new();
        for (n, pmt) in pmt_pids.into_iter().filter_map(section).enumerate() {
            for t in pmt_streams(&pmt) {
                if tracks.iter().any(|k| k.id == t.id) {
                    continue;
                }
                let pid = t.id as u16;
                // A stream tsdemux will not read (another program's, or one
                // with no parser) is described from its first payload, which
                // may lie past the head; so is MPEG audio, whose first frame
                // names its codec (its layer, or ADTS under its stream type).
                let unread = n > 0
                    || !matches!(
                        t.ts_stream_type,
                        Some(0x01 | 0x02 | 0x0f | 0x10 | 0x1b | 0x24)
                    );
                let mut payload = pes_payload(&head, packet, pid)
                    .or_else(|| unread.then(|| self.later_payload(packet, pid)).flatten());
                // Video cut in a group of pictures: its first PES with a
                // sequence header, within the first MiB, tells its size.
                if let Some(headed) = t.ts_stream_type.and_then(parameter_sets)
                    && !payload.as_deref().is_some_and(headed)
                {
                    payload = self.headed_payload(packet, pid, headed).or(payload);
                }
                tracks.push(Track {
                    ts_first_payload: payload.unwrap_or_default(),
                    ..t
                });
            }
        }
        tracks
    }

    /// The head of the file that holds its program maps, and their PIDs
    /// from the first PAT that names a program (a multiplexer may start
    /// with an empty one). Muxers write the PAT and PMTs first: the first
    /// 32 KiB hold them; a stream cut from a broadcast may come to them
    /// later, and the head is widened (to 4 MiB, as FFmpeg probes) until
    /// it holds every map the PAT names. With them, the packet index of
    /// that PAT.
    fn program_head(&self, packet: usize) -> Option<(Vec<u8>, Vec<u16>, usize)> {
        const MAX_PROBE: u64 = 4 << 20;
        let mut window = 32 * 1024;
        loop {
            let head = self.vec(0, self.len.min(window) as usize)?;
            let (pat_at, pmt_pids) = super::ts_probe::indexed_unit_starts(&head, packet)
                .filter(|&(_, pid, _)| pid == 0)
                .filter_map(|(i, _, p)| Some((i, p.get(1 + *p.first()? as usize..)?)))
                .map(|(i, pat)| (i, pat_programs(pat)))
                .find(|(_, pids)| !pids.is_empty())
                .unwrap_or_default();
            let whole = !pmt_pids.is_empty()
                && pmt_pids
                    .iter()
                    .all(|&pid| unit_start(&head, packet, pid).is_some());
            if whole || window >= MAX_PROBE || window >= self.len {
                return Some((head, pmt_pids, pat_at));
            }
            window = (window * 8).min(MAX_PROBE);
        }
    }

    /// The timestamp ffprobe gives the first SCTE-35 cue in the first 32
    /// KiB (stream type 0x86 of a program registered `CUEI`): the last PCR
    /// of its program's clock before it, in 90 kHz ticks.
    pub(super) fn scte35_stamp(&self, packet: usize, tracks: &[Track]) -> Option<u64> {
        let cues = tracks.iter().find(|t| {
            t.ts_stream_type == Some(0x86) && t.ts_program_registration == Some(*b"CUEI")
        })?;
        let (cue_pid, clock) = (cues.id as u16, cues.ts_pcr_pid?);
        let head = self.vec(0, self.len.min(32 * 1024) as usize)?;
        let mut last = None;
        for p in head.chunks_exact(packet).map(|p| &p[packet - 188..]) {
            let pid = u16::from_be_bytes([p[1] & 0x1F, p[2]]);
            if p[0] != 0x47 {
                continue;
            }
            if pid == cue_pid && p[1] & 0x40 != 0 {
                return last;
            }
            // An adaptation field with the PCR flag: its 33-bit base.
            if pid == clock && p[3] & 0x20 != 0 && p[4] >= 7 && p[5] & 0x10 != 0 {
                let b = &p[6..11];
                last = Some(
                    (u64::from(b[0]) << 25)
                        | (u64::from(b[1]) << 17)
                        | (u64::from(b[2]) << 9)
                        | (u64::from(b[3]) << 1)
                        | (u64::from(b[4]) >> 7),
                );
            }
        }
        None
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
    let pcr_pid = u16::from_be_bytes([pmt[8] & 0x1F, pmt[9]]);
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
            ts_pcr_pid: Some(pcr_pid),
            dolby_vision: d.dolby_vision,
            codec_tag: d.codec_tag,
            sound: d.opus_channels.map(|c| (c, 48_000)),
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
    /// Opus's channel count (extension descriptor 0x80).
    opus_channels: Option<u16>,
}

/// An elementary stream's descriptor loop, read as ffprobe reads it: a
/// teletext or DVB subtitling descriptor names every page's or
/// substream's language, joined by commas (`fra,fra`), and so does an ISO
/// 639 descriptor, which never overwrites a language already set; a
/// supplementary audio descriptor's language overwrites any.
fn es_descriptors(stream_type: u8, list: &[u8]) -> EsDescriptors {
    let mut out = EsDescriptors::default();
    let (mut component_tag, mut data_component) = (None, None);
    let mut supplementary = None;
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
            // DVB's supplementary audio descriptor (an extension, 0x06):
            // its language, when present, overrides the ISO 639 one (an
            // audio description marked `qad` is French).
            0x7F if len >= 5 && body[0] == 0x06 && body[1] & 1 == 1 => {
                supplementary = joined_languages(&body[2..5], 3);
            }
            // Opus's audio descriptor: a channel configuration up to 8
            // is the channel count (0: two, dual mono), at 48 kHz.
            0x7F if len >= 2 && body[0] == 0x80 && body[1] <= 8 => {
                out.opus_channels = Some(if body[1] == 0 { 2 } else { u16::from(body[1]) });
            }
            0xFD if len >= 2 => data_component = Some(u16::from_be_bytes([body[0], body[1]])),
            _ => {}
        }
        d += 2 + len;
    }
    if supplementary.is_some() {
        out.language = supplementary;
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

/// Each program's streams whose PES timestamps time the file, as FFmpeg
/// times it, and its subtitles and teletext (which count only near the
/// others: they may follow another clock). Sections (private sections,
/// DSM-CC, SCTE-35 cues) carry none. Programs are told apart by their
/// clock's PID.
pub(super) fn timed_programs(tracks: &[Track]) -> Vec<super::mpeg::Program> {
    let text = |t: &Track| {
        t.ts_arib_caption
            || (t.ts_stream_type == Some(0x06)
                && t.ts_descriptors.iter().any(|d| matches!(d, 0x56 | 0x59)))
            || (matches!(t.ts_stream_type, Some(0x90 | 0x92))
                && t.ts_program_registration == Some(*b"HDMV"))
    };
    let mut programs: Vec<(Option<u16>, super::mpeg::Program)> = Vec::new();
    let pes = tracks
        .iter()
        .filter(|t| !matches!(t.ts_stream_type, Some(0x05 | 0x0A..=0x0D | 0x86) | None));
    for t in pes {
        let at = match programs
            .iter()
            .position(|(clock, _)| *clock == t.ts_pcr_pid)
        {
            Some(at) => at,
            None => {
                programs.push((t.ts_pcr_pid, Default::default()));
                programs.len() - 1
            }
        };
        let p = &mut programs[at].1;
        if text(t) { &mut p.text } else { &mut p.timed }.push(t.id);
    }
    programs.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section in packets of `pid` (pointer field 0; CRC not checked),
    /// continued in as many packets as it needs.
    fn packets(pid: u16, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = body;
        let mut first = true;
        while first || !rest.is_empty() {
            let start = if first { 0x40 } else { 0 };
            let mut p = vec![0x47, start | (pid >> 8) as u8, pid as u8, 0x10];
            if first {
                p.push(0);
            }
            let n = rest.len().min(188 - p.len());
            p.extend_from_slice(&rest[..n]);
            p.resize(188, 0xFF);
            out.extend(p);
            rest = &rest[n..];
            first = false;
        }
        out
    }

    /// A PAT: table 0, then (program, PMT PID) entries and a CRC.
    fn pat(programs: &[(u16, u16)]) -> Vec<u8> {
        let mut b = vec![
            0x00,
            0xB0,
            (5 + 4 * programs.len() + 4) as u8,
            0,
            1,
            0xC1,
            0,
            0,
        ];
        for &(n, pid) in programs {
            b.extend(n.to_be_bytes());
            b.extend((0xE000 | pid).to_be_bytes());
        }
        b.extend([0; 4]);
        packets(0, &b)
    }

    /// A PMT of program `n`: each (stream type, PID) with an ISO 639
    /// language descriptor, and a CRC.
    fn pmt(pid: u16, n: u16, streams: &[(u8, u16, &[u8; 3])]) -> Vec<u8> {
        let mut body = vec![0xE1, 0x01, 0xF0, 0];
        for &(kind, es, lang) in streams {
            body.push(kind);
            body.extend((0xE000 | es).to_be_bytes());
            body.extend([0xF0, 6, 0x0A, 4]);
            body.extend(lang);
            body.push(0);
        }
        let len = 5 + body.len() + 4;
        let mut b = vec![0x02, 0xB0 | (len >> 8) as u8, len as u8];
        b.extend(n.to_be_bytes());
        b.extend([0xC1, 0, 0]);
        b.extend(body);
        b.extend([0; 4]);
        packets(pid, &b)
    }

    fn tracks_of(b: &[u8]) -> Vec<Track> {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), b).unwrap();
        let r = Reader::new(File::open(f.path()).unwrap(), b.len() as u64);
        r.ts_program(188)
    }

    #[test]
    fn the_maps_are_found_past_an_empty_pat_and_past_the_first_32_kib() {
        let null = packets(0x1FFF, &[]);
        // An empty PAT, 40 KiB of nothing, then the service.
        let mut b = pat(&[]);
        for _ in 0..(40 * 1024 / 188) {
            b.extend(&null);
        }
        b.extend(pat(&[(1, 0x100)]));
        b.extend(pmt(0x100, 1, &[(0x1B, 0x101, b"und")]));
        let tracks = tracks_of(&b);
        assert_eq!(tracks.len(), 1, "{tracks:?}");
        assert_eq!(
            (tracks[0].id, tracks[0].ts_stream_type),
            (0x101, Some(0x1B))
        );
    }

    #[test]
    fn a_map_of_many_streams_is_read_across_its_packets() {
        // 30 subtitle streams: a section of 372 bytes, three packets.
        let langs: Vec<[u8; 3]> = (0..30u8).map(|i| [b'a' + i % 26, b'b', b'c']).collect();
        let mut streams = vec![(0x1B, 0x100, b"und")];
        streams.extend(
            langs
                .iter()
                .enumerate()
                .map(|(i, l)| (0x06, 0x200 + i as u16, l)),
        );
        let mut b = pat(&[(1, 0x30)]);
        b.extend(pmt(0x30, 1, &streams));
        let tracks = tracks_of(&b);
        assert_eq!(tracks.len(), 31, "{tracks:?}");
        assert_eq!(tracks[30].id, 0x21D);
        assert_eq!(tracks[30].language.as_deref(), Some("dbc"));
    }

    #[test]
    fn programs_come_first_map_after_the_pat_then_as_the_maps_come() {
        // Program 2's map comes before the PAT, program 1's after it:
        // FFmpeg's first pass stops at program 1's, its second reads
        // program 2's from the start.
        let mut b = pmt(0x40, 2, &[(0x1B, 0x401, b"und")]);
        b.extend(pat(&[(2, 0x40), (1, 0x30)]));
        b.extend(pmt(0x30, 1, &[(0x1B, 0x301, b"und")]));
        b.extend(pmt(0x40, 2, &[(0x1B, 0x401, b"und")]));
        let ids: Vec<u32> = tracks_of(&b).iter().map(|t| t.id).collect();
        assert_eq!(ids, [0x301, 0x401]);
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
        // An audio description: ISO 639 says `qad`, the supplementary audio
        // descriptor French, which wins.
        let described = [
            0x0A, 4, b'q', b'a', b'd', 0, 0x7F, 5, 0x06, 0x85, b'f', b'r', b'a',
        ];
        assert_eq!(
            es_descriptors(0x06, &described).language.as_deref(),
            Some("fra")
        );
        // Without its language flag, the ISO 639 language stands.
        let unflagged = [0x0A, 4, b'q', b'a', b'd', 0, 0x7F, 2, 0x06, 0x84];
        assert_eq!(
            es_descriptors(0x06, &unflagged).language.as_deref(),
            Some("qad")
        );
    }

    #[test]
    fn the_opus_descriptor_gives_channels() {
        // Channel configuration 2, and 0 (dual mono): two channels; 0x81
        // (a mapping family of its own) is no count.
        let opus = |config: u8| es_descriptors(0x06, &[0x7F, 2, 0x80, config]).opus_channels;
        assert_eq!((opus(2), opus(0), opus(1)), (Some(2), Some(2), Some(1)));
        assert_eq!(opus(0x81), None);
    }
}
