//! Streams of files that GStreamer did not read, listed from the
//! container's own headers as ffprobe lists them: a Matroska file no stream
//! of which GStreamer parses (DTS Express), an AVI cut before its data, an
//! MXF file mxfdemux refuses (clip-wrapped essence without an index table),
//! a raw DV file cut within its first frame, raw DTS-HD.

use mediadex_core::scan::document::Stream;

use crate::probe::bitstream::DvFrame;
use crate::probe::headers::Headers;

/// What is said of a Matroska track listed when GStreamer read none.
pub const UNPARSED: &str = "listed from the track header; GStreamer could not read the file";

/// A Matroska file GStreamer could not read at all (DTS Express, whose
/// frames have no core for its parser to find): its tracks as their
/// headers describe them, as ffprobe lists them.
pub(super) fn matroska_tracks(headers: &Headers, read: &[u32]) -> Vec<Stream> {
    if !read.is_empty() {
        return Vec::new();
    }
    headers
        .tracks
        .iter()
        .filter_map(|t| {
            let kind = match t.handler.as_str() {
                k @ ("video" | "audio" | "subtitle") => k,
                // WebM's WebVTT tracks of metadata or chapters
                // (`D_WEBVTT/METADATA`): subtitles to FFmpeg.
                _ => match crate::probe::names::matroska_codec(t.codec_id.as_deref()?)? {
                    "webvtt" => "subtitle",
                    _ => return None,
                },
            };
            // Video for Windows tracks (old Xvid, DivX, FFV1 remuxes): by
            // their fourcc, as in AVI.
            let vfw = t.codec_id.as_deref() == Some("V_MS/VFW/FOURCC");
            let codec = if vfw {
                avi_video_codec(t.codec_tag.as_deref()?)?
            } else {
                crate::probe::names::matroska_codec(t.codec_id.as_deref()?)?
            };
            // FLAC's and ALAC's depth from their configuration.
            let depth = t
                .config
                .as_deref()
                .and_then(|c| crate::probe::bitstream::lossless_bit_depth(codec, c));
            let pix_fmt = crate::probe::bitstream::pixel_format(codec, None, t.config.as_deref())
                .or_else(|| t.pix_fmt.clone());
            let mut s = Stream {
                kind: kind.into(),
                codec: codec.into(),
                stream_id: Some(format!("{:03}", t.id)),
                width: t.size.map(|s| s.0 as i32),
                height: t.size.map(|s| s.1 as i32),
                language: t
                    .language
                    .as_deref()
                    .and_then(|l| crate::probe::names::language(l, None))
                    .map(|l| l.0),
                title: t.title.clone(),
                channels: t.sound.map(|s| s.0 as i32),
                sample_rate: t.sound.map(|s| s.1 as i32),
                default: t.default,
                forced: t.forced,
                unread: Some(UNPARSED.into()),
                bit_depth: pix_fmt
                    .as_deref()
                    .and_then(crate::probe::bitstream::pix_fmt_depth)
                    .or(depth),
                codec_tag: t.codec_tag.clone().filter(|_| vfw),
                pix_fmt,
                ..Stream::default()
            };
            if let Some(ns) = t.default_duration_ns.filter(|&n| n > 0) {
                s.frame_rate = Some(1e9 / ns as f64);
            }
            if let Some(order) = t.field_order {
                super::stream::set_field_order(&mut s, order);
            }
            Some(s)
        })
        .collect()
}

/// What is said of an AVI stream listed from its header.
pub const AVI_HEADER: &str = "listed from the AVI header; GStreamer did not read the stream";

/// What is said of an ASF stream listed from its header.
pub const ASF_HEADER: &str = "listed from the ASF header; GStreamer did not read the stream";

/// The streams of an AVI file that GStreamer did not read (a file cut
/// before its index or its data: avidemux gives up, or exposes only what
/// it found), as the `hdrl` headers describe them and ffprobe lists them;
/// or of an ASF file asfdemux refused, as its Stream Properties objects
/// describe them (`note` says which).
pub(super) fn avi_tracks(headers: &Headers, read: &[u32], note: &str) -> Vec<Stream> {
    headers
        .tracks
        .iter()
        .filter(|t| !read.contains(&t.id))
        .filter_map(|t| {
            let (kind, codec) = match t.handler.as_str() {
                "vids" => ("video", avi_video_codec(t.codec_tag.as_deref()?)?),
                "auds" => (
                    "audio",
                    avi_audio_codec(t.codec_tag.as_deref()?, t.sample_bits)?,
                ),
                _ => return None,
            };
            let mut s = Stream {
                kind: kind.into(),
                codec: codec.into(),
                codec_tag: t.codec_tag.clone(),
                stream_id: Some(format!("{:03}", t.id)),
                width: t.size.map(|s| s.0 as i32),
                height: t.size.map(|s| s.1 as i32),
                frames: t.frames,
                title: t.title.clone(),
                channels: t.sound.map(|s| s.0 as i32),
                sample_rate: t.sound.map(|s| s.1 as i32),
                bit_depth: (kind == "audio").then_some(t.sample_bits).flatten(),
                unread: Some(note.into()),
                ..Stream::default()
            };
            if let Some((n, d)) = t.frame_rate.filter(|&(n, d)| n > 0 && d > 0) {
                s.frame_rate = Some(f64::from(n) / f64::from(d));
                s.frame_rate_fraction = Some(format!("{n}/{d}"));
            }
            Some(s)
        })
        .collect()
}

/// What is said of a WAVE file's stream listed from its fmt chunk.
pub const WAVE_FORMAT: &str = "listed from the fmt chunk; GStreamer did not read the stream";

/// A WAVE file's one stream as its fmt chunk states it, for a file whose
/// stream GStreamer did not read, as ffprobe lists it.
pub(super) fn wave_stream(t: &crate::probe::headers::Track) -> Option<Stream> {
    let codec = avi_audio_codec(t.wave_tag.as_deref()?, t.sample_bits)?;
    let pcm = codec.starts_with("pcm_");
    Some(Stream {
        kind: "audio".into(),
        codec: codec.into(),
        codec_tag: t.wave_tag.clone(),
        channels: t.sound.map(|s| s.0 as i32),
        sample_rate: t.sound.map(|s| s.1 as i32),
        bit_depth: t.sample_bits.filter(|_| pcm),
        unread: Some(WAVE_FORMAT.into()),
        ..Stream::default()
    })
}

/// ffprobe's codec name for an AVI video fourcc.
fn avi_video_codec(tag: &str) -> Option<&'static str> {
    Some(match tag.to_ascii_uppercase().as_str() {
        "MJPG" | "AVRN" | "LJPG" | "JPGL" => "mjpeg",
        "H264" | "X264" | "AVC1" | "DAVC" => "h264",
        "HEVC" | "H265" | "HVC1" => "hevc",
        "XVID" | "DIVX" | "DX50" | "FMP4" | "MP4V" => "mpeg4",
        "MPG2" => "mpeg2video",
        "DVSD" => "dvvideo",
        "VP80" => "vp8",
        "WMV3" => "wmv3",
        "FFV1" => "ffv1",
        other => crate::probe::names::fourcc_codec(other)?,
    })
}

/// ffprobe's codec name for a WAVEFORMATEX format tag (as the codec tag
/// spells it) and sample size.
fn avi_audio_codec(tag: &str, bits: Option<u32>) -> Option<&'static str> {
    Some(match (tag, bits) {
        ("[1][0][0][0]", Some(8)) => "pcm_u8",
        ("[1][0][0][0]", Some(16)) => "pcm_s16le",
        ("[1][0][0][0]", Some(24)) => "pcm_s24le",
        ("[1][0][0][0]", Some(32)) => "pcm_s32le",
        ("[3][0][0][0]", _) => "pcm_f32le",
        ("[6][0][0][0]", _) => "pcm_alaw",
        ("[7][0][0][0]", _) => "pcm_mulaw",
        ("[2][0][0][0]", _) => "adpcm_ms",
        ("[17][0][0][0]", _) => "adpcm_ima_wav",
        ("P[0][0][0]", _) => "mp2",
        ("U[0][0][0]", _) => "mp3",
        ("[0][32][0][0]", _) => "ac3",
        ("[255][0][0][0]", _) => "aac",
        ("`[1][0][0]", _) => "wmav1",
        ("a[1][0][0]", _) => "wmav2",
        ("b[1][0][0]", _) => "wmapro",
        ("c[1][0][0]", _) => "wmalossless",
        ("[10][0][0][0]", _) => "wmavoice",
        _ => return None,
    })
}

/// What is said of a DV stream listed from the frame's headers.
pub const DIF: &str = "listed from the DIF headers; GStreamer could not read the file";

/// A raw DV file GStreamer could not read (a frame cut short): the video,
/// then a stream per stereo pair of audio, as FFmpeg's demuxer lists them
/// from the first frame's headers (16-bit PCM, whatever the quantization).
pub(super) fn dv_streams(dv: &DvFrame) -> Vec<Stream> {
    let p = dv.profile;
    let (n, d) = p.rate;
    let (sn, sd) = p.sar[usize::from(dv.wide)];
    let (dn, dd) = (p.width * sn, p.height * sd);
    let g = super::gcd(i64::from(dn), i64::from(dd)).max(1) as u32;
    let video = Stream {
        kind: "video".into(),
        codec: "dvvideo".into(),
        stream_id: Some(format!("{:03}", 0)),
        width: Some(p.width as i32),
        height: Some(p.height as i32),
        pixel_aspect_ratio: Some(format!("{sn}:{sd}")),
        display_aspect_ratio: Some(format!("{}:{}", dn / g, dd / g)),
        frame_rate: Some(f64::from(n) / f64::from(d)),
        frame_rate_fraction: Some(format!("{n}/{d}")),
        bit_depth: crate::probe::bitstream::pix_fmt_depth(p.pix_fmt),
        pix_fmt: Some(p.pix_fmt.into()),
        unread: Some(DIF.into()),
        ..Stream::default()
    };
    let audio = dv.audio.into_iter().flat_map(|a| {
        (1..=a.pairs).map(move |i| Stream {
            kind: "audio".into(),
            codec: "pcm_s16le".into(),
            stream_id: Some(format!("{i:03}")),
            bit_depth: Some(16),
            channels: Some(2),
            channel_layout: Some("stereo".into()),
            sample_rate: Some(a.rate),
            unread: Some(DIF.into()),
            ..Stream::default()
        })
    });
    std::iter::once(video).chain(audio).collect()
}

/// What is said of the stream of a raw DTS-HD file.
pub const DTSHD: &str = "listed from the DTS-HD chunks; GStreamer could not read the file";

/// Raw DTS-HD, whose chunks GStreamer's type finder does not know: its one
/// DTS stream, with what the first frames of its stream data say.
pub(super) fn dtshd_stream(frames: &[u8]) -> Vec<Stream> {
    let (channels, sample_rate) = super::unread::dts_channels_and_rate(frames).unzip();
    vec![Stream {
        kind: "audio".into(),
        codec: "dts".into(),
        stream_id: Some(format!("{:03}", 0)),
        bit_depth: crate::probe::bitstream::dts_hd_lossless_depth(frames),
        channels,
        sample_rate,
        unread: Some(DTSHD.into()),
        ..Stream::default()
    }]
}

/// What is said of an AIFF or CAF stream listed from its headers.
pub const APPLE_AUDIO: &str = "listed from the file's headers; GStreamer could not read the stream";

/// An AIFF-C or CAF file's audio stream from its headers (`COMM`, `desc`).
pub(super) fn header_audio_stream(a: &crate::probe::headers::HeaderAudio) -> Vec<Stream> {
    let channels = a.channels as i32;
    vec![Stream {
        kind: "audio".into(),
        codec: a.codec.clone(),
        codec_tag: a.codec_tag.clone(),
        stream_id: Some(format!("{:03}", 0)),
        channels: Some(channels),
        channel_layout: super::audio::channel_layout(channels, None).map(str::to_string),
        sample_rate: Some(a.rate as i32),
        bit_depth: a.bits,
        unread: Some(APPLE_AUDIO.into()),
        ..Stream::default()
    }]
}

/// A file GStreamer could not read whose own metadata describes its
/// streams: an MXF file mxfdemux refused (the material package's audio and
/// video streams as its descriptors describe them, in its tracks' order),
/// an SWF file (the streams its tags define), as ffprobe lists them. A
/// stream whose codec is not told is left out.
pub(super) fn metadata_tracks(headers: &Headers, read: &[u32]) -> Vec<Stream> {
    if !read.is_empty() {
        return Vec::new();
    }
    let listed =
        |t: &&crate::probe::headers::Track| matches!(t.handler.as_str(), "video" | "audio");
    headers
        .listed_tracks
        .iter()
        .filter(listed)
        .filter_map(|t| {
            let mut s = Stream {
                kind: t.handler.clone(),
                codec: t.codec_name?.into(),
                stream_id: Some(format!("{:03}", t.id)),
                width: t.size.map(|s| s.0 as i32),
                height: t.size.map(|s| s.1 as i32),
                channels: t.sound.map(|s| i32::from(s.0)),
                sample_rate: t.sound.map(|s| s.1 as i32),
                bit_depth: t.sample_bits.or_else(|| {
                    t.pix_fmt
                        .as_deref()
                        .and_then(crate::probe::bitstream::pix_fmt_depth)
                }),
                pix_fmt: t.pix_fmt.clone(),
                unread: Some(format!(
                    "listed from {}; GStreamer could not read the file",
                    headers.listed_from
                )),
                ..Stream::default()
            };
            if let Some(order) = t.field_order {
                super::stream::set_field_order(&mut s, order);
            }
            if let Some((n, d)) = t.frame_rate {
                s.frame_rate = Some(f64::from(n) / f64::from(d));
                s.frame_rate_fraction = Some(format!("{n}/{d}"));
            }
            Some(s)
        })
        .collect()
}
