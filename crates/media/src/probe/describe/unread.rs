//! Streams of a transport stream that GStreamer does not read (DTS, DTS-HD,
//! MPEG-H, LATM, AC-4…: tsdemux exposes no pad for them, or none at all
//! when no stream of the program is one it reads): listed from the program
//! map with the codec ffprobe names, and why they were not read (a file
//! without a program map: from the PES streams its packets show). A stream
//! mediadex cannot parse costs that stream, not the file. MP4 tracks
//! GStreamer gave no pad are listed from their headers ([`super::mp4_tracks`]).
//!
//! Invariants: only streams of the program map that no described stream
//! stands for are added, in the map's order; a stream type this table does
//! not know is left out rather than guessed.

use mediadex_core::scan::document::Stream;

use super::mp4_tracks::{EMPTY, SKIPPED};
use crate::probe::headers::{Headers, Track};

/// What is said of a stream listed but not read.
pub const UNREAD: &str = "listed from the program map; GStreamer has no parser for it";

/// Add the streams the headers list and GStreamer did not read to `streams`,
/// and put them all in the headers' order where that is ffprobe's;
/// `container` is the file's short name.
pub(super) fn add_unread(
    streams: &mut Vec<Stream>,
    headers: &Headers,
    read: &[u32],
    container: Option<&str>,
) {
    // An AIFF or CAF file's stream is listed from its headers only when
    // GStreamer read none.
    if headers.header_audio.is_some() && !streams.is_empty() {
        return;
    }
    // So is a WAVE file's, from its fmt chunk (MP3 in WAVE whose chunk
    // states no byte rate, which wavparse exposes no pad for).
    if let Some(t) = headers.tracks.iter().find(|t| t.wave_tag.is_some()) {
        if streams.is_empty() {
            streams.extend(super::listed::wave_stream(t));
        }
        return;
    }
    // And an ASF file's, from its Stream Properties objects (a file whose
    // header asfdemux refuses).
    if container == Some("asf") {
        if streams.is_empty() {
            let note = super::listed::ASF_HEADER;
            streams.extend(super::listed::avi_tracks(headers, &[], note));
        }
        return;
    }
    // An SWF file: GStreamer passes the whole file on as one stream of its
    // own type; the streams are its tags'.
    if container == Some("swf") {
        streams.retain(|s| s.caps.as_deref() != Some("application/x-shockwave-flash"));
    }
    streams.extend(unread_streams(headers, read));
    in_program_order(streams, headers);
    // Made when the first EIT section arrives, after the programs' streams.
    if headers.ts_epg {
        streams.push(Stream {
            kind: "data".into(),
            codec: "epg".into(),
            stream_id: Some("0x12".into()),
            unread: Some(EPG.into()),
            ..Stream::default()
        });
    }
}

/// The program map's streams that `read` (the PIDs of the streams described)
/// lacks, as far as their codec is known.
fn unread_streams(headers: &Headers, read: &[u32]) -> Vec<Stream> {
    if let Some(dv) = &headers.dv {
        return super::listed::dv_streams(dv);
    }
    if let Some(frames) = &headers.dtshd_frames {
        return super::listed::dtshd_stream(frames);
    }
    if let Some(audio) = &headers.header_audio {
        return super::listed::header_audio_stream(audio);
    }
    if !headers.listed_tracks.is_empty() {
        return super::listed::metadata_tracks(headers, read);
    }
    if headers.tracks.iter().any(|t| t.codec_id.is_some()) {
        return super::listed::matroska_tracks(headers, read);
    }
    if headers
        .tracks
        .iter()
        .any(|t| matches!(t.handler.as_str(), "vids" | "auds"))
    {
        return super::listed::avi_tracks(headers, read, super::listed::AVI_HEADER);
    }
    if !headers.track_ids_hex {
        return super::mp4_tracks::empty_tracks(headers, read);
    }
    headers
        .tracks
        .iter()
        .filter(|t| !read.contains(&t.id))
        .filter_map(|t| {
            let unparsed = codec_of(t);
            let (kind, codec) = unparsed.or_else(|| parsed_codec(t))?;
            let payload = t.ts_first_payload.as_slice();
            let (channels, sample_rate) = match codec {
                "dts" => dts_channels_and_rate(payload).unzip(),
                "aac" => adts(payload).unzip(),
                "ac3" | "eac3" => (
                    crate::probe::bitstream::ac3_channels(payload),
                    crate::probe::bitstream::ac3_rate(payload),
                ),
                "mp1" | "mp2" | "mp3" => crate::probe::bitstream::mpeg_audio_header(payload)
                    .map(|h| (h.channels, h.rate))
                    .unzip(),
                "opus" => t.sound.map(|(c, r)| (i32::from(c), r as i32)).unzip(),
                "mpegh_3d_audio" => crate::probe::bitstream::mhas_config(payload)
                    .map(|(c, r)| (c.map(i32::from), Some(r as i32)))
                    .unwrap_or_default(),
                _ => (None, None),
            };
            let note = if headers.ts_unmapped {
                UNMAPPED
            } else if unparsed.is_some() {
                UNREAD
            } else {
                UNEXPOSED
            };
            let mut s = Stream {
                kind: kind.into(),
                codec: codec.into(),
                codec_tag: t.codec_tag.clone(),
                stream_id: Some(format!("0x{:x}", t.id)),
                bit_depth: (codec == "dts")
                    .then(|| crate::probe::bitstream::dts_hd_lossless_depth(payload))
                    .flatten(),
                language: t.language.clone().filter(|l| {
                    l.contains(',') || crate::probe::names::language(l, None).is_some()
                }),
                channels,
                sample_rate,
                unread: Some(note.into()),
                ..Stream::default()
            };
            if let Some(h) = crate::probe::bitstream::stream_header(codec, payload) {
                video_header(&mut s, h);
            }
            Some(s)
        })
        .collect()
}

/// The facts a video stream's first headers give.
fn video_header(s: &mut Stream, h: crate::probe::bitstream::StreamHeader) {
    s.width = h.size.map(|(w, _)| w as i32);
    s.height = h.size.map(|(_, h)| h as i32);
    if let Some((n, d)) = h.rate {
        s.frame_rate = Some(f64::from(n) / f64::from(d));
        s.frame_rate_fraction = Some(format!("{n}/{d}"));
    }
    if let Some(order) = h.field_order {
        s.field_order = Some(order.name().to_string());
        s.interlaced = Some(order != crate::probe::bitstream::FieldOrder::Progressive);
    }
    s.bit_depth = h
        .pix_fmt
        .as_deref()
        .and_then(crate::probe::bitstream::pix_fmt_depth);
    s.pix_fmt = h.pix_fmt;
}

/// What is said of the event information tables listed as a stream.
pub const EPG: &str = "the DVB event information tables, listed as ffprobe lists them";

/// What is said of a stream of a transport stream without a program map,
/// found by its PES packets.
pub const UNMAPPED: &str =
    "listed from its PES packets (no program map); GStreamer read no stream of the file";

/// What is said of a stream of a kind GStreamer reads that it gave no pad
/// (a second program: tsdemux exposes one).
pub const UNEXPOSED: &str = "listed from the program map; GStreamer exposed no stream for it";

/// The kind and ffprobe's codec name of a program map entry GStreamer has a
/// parser for; MPEG audio's layer from its first frame.
pub(super) fn parsed_codec(t: &Track) -> Option<(&'static str, &'static str)> {
    Some(match t.ts_stream_type? {
        0x01 => ("video", "mpeg1video"),
        0x02 => ("video", "mpeg2video"),
        0x10 => ("video", "mpeg4"),
        0x1b => ("video", "h264"),
        0x24 => ("video", "hevc"),
        0x0f => ("audio", "aac"),
        0x03 | 0x04 => {
            let b = &t.ts_first_payload;
            // No frame read: ffprobe names the stream type's codec, MP3.
            let Some(at) = b
                .windows(2)
                .position(|w| w[0] == 0xFF && w[1] & 0xE0 == 0xE0)
            else {
                return Some(("audio", "mp3"));
            };
            match (b[at + 1] >> 1) & 3 {
                // Layer bits MPEG audio reserves: ADTS, which FFmpeg's
                // probe reads as AAC whatever the stream type says.
                0 => ("audio", "aac"),
                2 => ("audio", "mp2"),
                3 => ("audio", "mp1"),
                _ => ("audio", "mp3"),
            }
        }
        _ => return None,
    })
}

/// An ADTS header's channels and sampling rate.
fn adts(b: &[u8]) -> Option<(i32, i32)> {
    let at = b
        .windows(2)
        .position(|w| w[0] == 0xFF && w[1] & 0xF6 == 0xF0)?;
    let h = b.get(at..at + 4)?;
    let rate = *crate::probe::bitstream::AAC_RATES.get(((h[2] >> 2) & 0xF) as usize)?;
    let channels = (((h[2] & 1) << 2) | (h[3] >> 6)) as i32;
    let channels = if channels == 7 { 8 } else { channels };
    (channels > 0).then_some((channels, rate))
}

/// A transport stream's streams in the order of its program map, as ffprobe
/// lists them: a stream GStreamer did not read keeps its place among the
/// others (the first audio of a file whose first audio is DTS is the DTS).
/// An MP4 with an empty track listed gets its tracks' order the same way.
fn in_program_order(streams: &mut [Stream], headers: &Headers) {
    let hex = headers.track_ids_hex;
    if !hex
        && !streams
            .iter()
            .any(|s| matches!(s.unread.as_deref(), Some(EMPTY | SKIPPED)))
    {
        return;
    }
    streams.sort_by_key(|s| {
        let pid = s.stream_id.as_deref().and_then(|id| {
            let n = id.rsplit('/').next()?.split(':').next()?;
            if hex {
                u32::from_str_radix(n.trim_start_matches("0x"), 16).ok()
            } else {
                n.parse().ok()
            }
        });
        headers
            .tracks
            .iter()
            .position(|t| Some(t.id) == pid)
            .unwrap_or(usize::MAX)
    });
}

/// A DTS stream's channels and sampling rate from its first frames: the
/// extension substream's first asset (the whole stream's, as a decoder
/// gives them), else the core frame's.
pub(super) fn dts_channels_and_rate(b: &[u8]) -> Option<(i32, i32)> {
    crate::probe::bitstream::dts_hd_asset(b).or_else(|| dts_core(b))
}

/// A DTS core frame header's channels (with the LFE) and sampling rate.
fn dts_core(b: &[u8]) -> Option<(i32, i32)> {
    let at = b.windows(4).position(|w| w == [0x7f, 0xfe, 0x80, 0x01])?;
    let bits = b.get(at..at + 12)?;
    let bit = |n: usize, len: usize| -> u32 {
        (n..n + len).fold(0, |v, i| v << 1 | ((bits[i / 8] >> (7 - i % 8)) & 1) as u32)
    };
    const CHANNELS: [i32; 16] = [1, 2, 2, 2, 2, 3, 3, 4, 4, 5, 6, 6, 6, 7, 8, 8];
    const RATES: [i32; 16] = [
        0, 8000, 16000, 32000, 0, 0, 11025, 22050, 44100, 0, 0, 12000, 24000, 48000, 0, 0,
    ];
    let amode = bit(60, 6) as usize;
    let rate = RATES[bit(66, 4) as usize];
    let lfe = (bit(85, 2) != 0) as i32;
    let channels = CHANNELS.get(amode).map(|c| c + lfe)?;
    (rate > 0).then_some((channels, rate))
}

/// The kind and ffprobe's codec name of a program map entry GStreamer has
/// no parser for, as ffprobe's MPEG-TS demuxer names it: Blu-ray's stream
/// types only in a program registered `HDMV`, SCTE-35 cues (0x86) only in
/// one registered `CUEI`, ATSC's AC-3 and DTS (0x81, 0x8a) anywhere; then
/// the stream's registration descriptor, then (for private data) its
/// descriptors. Private data nothing names is binary data to ffprobe.
fn codec_of(t: &Track) -> Option<(&'static str, &'static str)> {
    let stream_type = t.ts_stream_type?;
    let registered = |r: &[u8; 4]| t.ts_program_registration.as_ref() == Some(r);
    let hdmv = registered(b"HDMV") || registered(b"HDPR");
    if hdmv && let Some(c) = hdmv_codec(stream_type) {
        return Some(c);
    }
    if stream_type == 0x86 && registered(b"CUEI") {
        return Some(("data", "scte_35"));
    }
    let has = |tag: u8| t.ts_descriptors.contains(&tag);
    let registration = t.codec_tag.as_deref().and_then(registered_codec);
    Some(match stream_type {
        0x2d | 0x2e => ("audio", "mpegh_3d_audio"),
        // VVC (H.266), which GStreamer does not demux from a transport
        // stream (ffprobe 5.1 does not name it either).
        0x33 => ("video", "vvc"),
        // DSM-CC sections (a data carousel): data ffprobe leaves unnamed.
        0x0a..=0x0d => ("data", "bin_data"),
        0x11 => ("audio", "aac_latm"),
        0x81 => ("audio", "ac3"),
        0x8a => ("audio", "dts"),
        _ if registration.is_some() => registration?,
        0x06 if t.ts_arib_caption => ("subtitle", "arib_caption"),
        0x06 if has(0x6a) => ("audio", "ac3"),
        0x06 if has(0x7a) => ("audio", "eac3"),
        0x06 if has(0x7b) => ("audio", "dts"),
        0x06 if has(0x56) => ("subtitle", "dvb_teletext"),
        0x06 if has(0x59) => ("subtitle", "dvb_subtitle"),
        // Private data nothing names, and stream types no table names
        // (E-AC-3's 0x87, Blu-ray's outside Blu-ray): ffprobe tells them
        // from their data.
        0x06 => probed(&t.ts_first_payload).unwrap_or(("data", "bin_data")),
        _ => probed(&t.ts_first_payload)?,
    })
}

/// Blu-ray's stream types (a program registered `HDMV`).
fn hdmv_codec(stream_type: u8) -> Option<(&'static str, &'static str)> {
    Some(match stream_type {
        0x80 => ("audio", "pcm_bluray"),
        0x81 => ("audio", "ac3"),
        0x82 | 0x85 | 0x86 | 0xa2 => ("audio", "dts"),
        0x83 => ("audio", "truehd"),
        0x84 | 0xa1 => ("audio", "eac3"),
        0x90 => ("subtitle", "hdmv_pgs_subtitle"),
        0x92 => ("subtitle", "hdmv_text_subtitle"),
        _ => return None,
    })
}

/// The codec a stream's registration descriptor names.
fn registered_codec(format: &str) -> Option<(&'static str, &'static str)> {
    Some(match format {
        "AC-3" => ("audio", "ac3"),
        "DTS1" | "DTS2" | "DTS3" => ("audio", "dts"),
        "EAC3" => ("audio", "eac3"),
        "Opus" => ("audio", "opus"),
        "KLVA" => ("data", "klv"),
        "ID3 " => ("data", "timed_id3"),
        _ => return None,
    })
}

/// DTS, AC-3 or E-AC-3 (by its bitstream id), by the sync word the
/// payload starts with; nothing when it starts with none.
fn probed(b: &[u8]) -> Option<(&'static str, &'static str)> {
    if b.get(..4)? == [0x7f, 0xfe, 0x80, 0x01] {
        return Some(("audio", "dts"));
    }
    if b.get(..2)? != [0x0b, 0x77] {
        return None;
    }
    match b.get(5)? >> 3 {
        0..=8 => Some(("audio", "ac3")),
        11..=16 => Some(("audio", "eac3")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: u32, kind: u8, descriptors: &[u8]) -> Track {
        Track {
            id,
            ts_stream_type: Some(kind),
            ts_descriptors: descriptors.to_vec(),
            ..Track::default()
        }
    }

    #[test]
    fn program_map_streams_not_read_are_listed_by_ffprobes_names() {
        let headers = Headers {
            track_ids_hex: true,
            tracks: vec![
                track(0x100, 0x1b, &[]),
                track(0x101, 0x8a, &[]),
                track(0x102, 0x06, &[0x7b]),
                track(0x103, 0x2d, &[]),
                track(0x104, 0x99, &[]),
                track(0x105, 0x33, &[]),
                track(0x106, 0x0b, &[]),
            ],
            ..Headers::default()
        };
        let s = unread_streams(&headers, &[0x100]);
        let names: Vec<(&str, &str)> = s
            .iter()
            .map(|s| (s.kind.as_str(), s.codec.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("audio", "dts"),
                ("audio", "dts"),
                ("audio", "mpegh_3d_audio"),
                ("video", "vvc"),
                ("data", "bin_data")
            ]
        );
        assert!(s.iter().all(|s| s.unread.is_some()));
        // 0x86: DTS on Blu-ray, SCTE-35 cues where registered `CUEI`,
        // nothing elsewhere unless its data shows a sync word.
        let in_program = |kind: u8, registration: &[u8; 4], payload: &[u8]| Track {
            ts_program_registration: Some(*registration),
            ts_first_payload: payload.to_vec(),
            ..track(0x101, kind, &[])
        };
        assert_eq!(
            codec_of(&in_program(0x86, b"HDMV", &[])),
            Some(("audio", "dts"))
        );
        assert_eq!(
            codec_of(&in_program(0x86, b"CUEI", &[])),
            Some(("data", "scte_35"))
        );
        assert_eq!(codec_of(&in_program(0x86, b"GA94", &[])), None);
        let dts = [0x7f, 0xfe, 0x80, 0x01, 0, 0];
        assert_eq!(
            codec_of(&in_program(0x82, b"GA94", &dts)),
            Some(("audio", "dts"))
        );
        let eac3 = [0x0b, 0x77, 0, 0, 0, 16 << 3];
        assert_eq!(
            codec_of(&in_program(0x87, b"GA94", &eac3)),
            Some(("audio", "eac3"))
        );
        // Private data nothing names is binary data.
        assert_eq!(
            codec_of(&track(0x101, 0x06, &[0x7f])),
            Some(("data", "bin_data"))
        );
        assert!(unread_streams(&Headers::default(), &[]).is_empty());
    }

    #[test]
    fn raw_dv_and_dts_hd_are_listed_from_their_own_headers() {
        // A cut DV frame: 625/50 DV25, 32 kHz 12-bit audio in two pairs.
        let mut frame = vec![0xffu8; 4400];
        frame[..5].copy_from_slice(&[0x1f, 0x07, 0x00, 0xbf, 0x68]);
        frame[448..453].copy_from_slice(&[0x60, 0xff, 0xff, 0x20, 0xff]);
        frame[4323..4328].copy_from_slice(&[0x50, 0xd0, 0x30, 0xe0, 0xd1]);
        let headers = Headers {
            dv: crate::probe::bitstream::dv_frame(&frame),
            ..Headers::default()
        };
        let listed: Vec<_> = unread_streams(&headers, &[])
            .into_iter()
            .map(|s| (s.stream_id.unwrap(), s.codec, s.sample_rate, s.pix_fmt))
            .collect();
        let pcm = |id: &str| (id.into(), "pcm_s16le".into(), Some(32000), None);
        assert_eq!(
            listed,
            [
                ("000".into(), "dvvideo".into(), None, Some("yuv420p".into())),
                pcm("001"),
                pcm("002"),
            ]
        );
        // A DTS core frame: stereo, 48 kHz.
        let core = [0x7f, 0xfe, 0x80, 0x01, 0, 0, 0, 0, 0xb4, 0, 0, 0];
        let headers = Headers {
            dtshd_frames: Some(core.to_vec()),
            ..Headers::default()
        };
        let s = unread_streams(&headers, &[]);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].channels, s[0].sample_rate), (Some(2), Some(48000)));
        assert_eq!(s[0].unread.as_deref(), Some(super::super::listed::DTSHD));
    }
}
