//! MP4 tracks GStreamer gave no pad, listed from their headers as ffprobe
//! lists them: tracks that hold no sample (a second video track left empty
//! by an editor, a DASH initialization segment's tracks, subtitles among
//! them), tracks qtdemux skips as previews, and the tracks of a file it
//! refuses whole because one track lacks its sample description.
//!
//! Invariants: a track is listed with the codec its sample entry names, or
//! `unknown` when it has no sample description (its kind is then its
//! handler's); a sample entry this table does not know leaves the track
//! out rather than guessed.

use mediadex_core::scan::document::Stream;

use super::listed::UNPARSED;
use crate::probe::headers::{Headers, Track};

/// What is said of an MP4 track listed but holding no sample.
pub const EMPTY: &str = "an empty track: the header describes it, it holds no sample";

/// What is said of an MP4 track with samples that GStreamer skipped (a
/// track much shorter than the movie, taken for a preview).
pub const SKIPPED: &str = "listed from the track header; GStreamer skipped the track";

/// The codec of a track without a sample description, as GStreamer names a
/// stream it cannot tell (ffprobe lists such a track with no codec).
const UNKNOWN: &str = "unknown";

/// An MP4's tracks that GStreamer gave no pad and ffprobe lists: tracks
/// that hold no sample, tracks qtdemux skips as previews (shorter than a
/// fifth of the movie), and, when GStreamer read no track at all, every
/// track with samples. Listed with the codec of their sample entry and
/// what the header says. A fragmented file's tracks hold their samples in
/// fragments: listed only when none was read.
pub(super) fn empty_tracks(headers: &Headers, read: &[u32]) -> Vec<Stream> {
    if headers.fragmented_s.is_some() && !read.is_empty() {
        return Vec::new();
    }
    headers
        .tracks
        .iter()
        .filter(|t| (t.empty || t.frames.is_some()) && !read.contains(&t.id))
        .filter_map(|t| header_track(t, read.is_empty()))
        .collect()
}

/// One MP4 track described from its headers alone; `none_read`: GStreamer
/// read no track of the file.
fn header_track(t: &Track, none_read: bool) -> Option<Stream> {
    let (kind, codec) = kind_and_codec(t, none_read)?;
    let pcm = t.pcm_codec.as_ref();
    let mut pix_fmt =
        record_pixel_format(codec, t.config.as_deref(), t.empty).or_else(|| t.pix_fmt.clone());
    // Full range H.264 (a phone's): the JPEG formats, as ffprobe names them.
    if codec == "h264"
        && t.config
            .as_deref()
            .and_then(crate::probe::bitstream::h264_full_range)
            == Some(true)
        && let Some(p) = pix_fmt
            .as_deref()
            .and_then(|p| super::colour::jpeg_format(codec, p))
    {
        pix_fmt = Some(p);
    }
    let note = if t.empty {
        EMPTY
    } else if none_read {
        UNPARSED
    } else {
        SKIPPED
    };
    let mut s = Stream {
        kind: kind.into(),
        codec: codec.into(),
        bit_depth: pix_fmt
            .as_deref()
            .and_then(crate::probe::bitstream::pix_fmt_depth)
            .or(pcm.map(|&(_, bits)| bits)),
        pix_fmt,
        codec_tag: t.codec_tag.clone(),
        stream_id: Some(format!("{:03}", t.id)),
        width: t.size.map(|s| s.0 as i32),
        height: t.size.map(|s| s.1 as i32),
        language: t.language.clone().filter(|l| l != "und"),
        duration_s: t.duration_s,
        frames: t.frames,
        channels: t.sound.map(|s| s.0 as i32),
        default: t.default,
        sample_rate: t.sound.map(|s| s.1 as i32),
        rotation: t.rotation.filter(|_| kind == "video"),
        unread: Some(note.into()),
        ..Stream::default()
    };
    if let Some((n, d)) = t.timed_rate(codec) {
        s.frame_rate = Some(f64::from(n) / f64::from(d));
        s.frame_rate_fraction = Some(format!("{n}/{d}"));
    }
    // H.264's parameter sets may say it; AV1 has no interlaced coding, and
    // FFmpeg's decoder reads its sequence header from the configuration.
    let progressive = match (codec, t.config.as_deref()) {
        ("h264", Some(c)) => {
            crate::probe::bitstream::h264_field_order(Some(c), &[])
                == Some(crate::probe::bitstream::FieldOrder::Progressive)
        }
        ("av1", Some(c)) => c.len() > 4,
        // A picture of its own: FFmpeg's PNG decoder says progressive.
        ("png", _) => true,
        _ => false,
    };
    // A QuickTime `fiel` box says it outright.
    if let Some(order) = t.field_order.or(progressive.then_some("progressive")) {
        super::stream::set_field_order(&mut s, order);
    }
    Some(s)
}

/// The kind and codec of a track listed from its headers. Video and audio
/// by their handler, whatever their sample entry: a track without one is
/// listed with its codec `unknown`, as ffprobe lists it. Subtitles and
/// captions by the codec of their sample entry, when the track holds no
/// sample or GStreamer read no track (qtdemux reads those it knows); a
/// QuickTime chapter track is not one (ffprobe lists it as data).
fn kind_and_codec(t: &Track, none_read: bool) -> Option<(&'static str, &str)> {
    let known = || {
        t.pcm_codec
            .as_ref()
            .map(|(name, _)| name.as_str())
            .or_else(|| t.object_type.and_then(object_type_codec))
            .or_else(|| sample_entry_codec(t.codec_tag.as_deref()?))
    };
    let kind = match t.handler.as_str() {
        "vide" => "video",
        "soun" => "audio",
        _ if t.is_text() && !t.chapter_track && (t.empty || none_read) => {
            let codec = known()?;
            return Some((crate::probe::names::kind_of_codec(codec), codec));
        }
        _ => return None,
    };
    if t.no_sample_description {
        return Some((kind, UNKNOWN));
    }
    Some((kind, known()?))
}

/// The pixel format a track's decoder record states, where ffprobe gives
/// one: HEVC's and AV1's decoders read it from the record, H.264's only
/// from a decoded picture (none in an empty track).
fn record_pixel_format(codec: &str, config: Option<&[u8]>, empty: bool) -> Option<String> {
    let from_record = match codec {
        "hevc" | "av1" => true,
        "h264" => !empty,
        _ => false,
    };
    if !from_record {
        return None;
    }
    crate::probe::bitstream::pixel_format(codec, None, config)
}

/// ffprobe's codec name for an `esds` object type (FFmpeg's table, the
/// first name of a number that has two).
fn object_type_codec(object_type: u8) -> Option<&'static str> {
    Some(match object_type {
        0x20 => "mpeg4",
        0x21 => "h264",
        0x23 => "hevc",
        0x40 | 0x66..=0x68 => "aac",
        0x60..=0x65 => "mpeg2video",
        0x69 | 0x6B => "mp3",
        0x6A => "mpeg1video",
        0x6C => "mjpeg",
        0x6D => "png",
        0x6E => "jpeg2000",
        0xA3 => "vc1",
        0xA4 => "dirac",
        0xA5 => "ac3",
        0xA6 => "eac3",
        0xA9 => "dts",
        0xAD => "opus",
        0xB1 => "vp9",
        0xC1 => "flac",
        0xDD => "vorbis",
        0xE1 => "qcelp",
        _ => return None,
    })
}

/// ffprobe's codec name for an MP4 sample entry's fourcc. WebVTT and TTML,
/// which ffprobe 5.1's MP4 demuxer does not name (it lists them as data),
/// by the names their streams have when GStreamer reads them.
fn sample_entry_codec(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "avc1" | "avc3" => "h264",
        "hvc1" | "hev1" => "hevc",
        "vvc1" | "vvi1" => "vvc",
        "av01" => "av1",
        "vp09" => "vp9",
        "mp4v" => "mpeg4",
        "mp4a" => "aac",
        "ac-3" => "ac3",
        "ec-3" => "eac3",
        "Opus" => "opus",
        "fLaC" => "flac",
        "alac" => "alac",
        "tx3g" | "text" => "mov_text",
        "c608" => "eia_608",
        "wvtt" => "webvtt",
        "stpp" => "ttml",
        other => crate::probe::names::fourcc_codec(other)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: u32, handler: &str, tag: Option<&str>) -> Track {
        Track {
            id,
            handler: handler.into(),
            codec_tag: tag.map(str::to_string),
            no_sample_description: tag.is_none(),
            ..Track::default()
        }
    }

    fn listed(tracks: Vec<Track>, read: &[u32]) -> Vec<(String, String, String)> {
        let headers = Headers {
            tracks,
            ..Headers::default()
        };
        empty_tracks(&headers, read)
            .into_iter()
            .map(|s| (s.kind, s.codec, s.unread.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn an_initialization_segments_text_tracks_are_listed_by_their_sample_entry() {
        let text = |id, handler: &str, tag| Track {
            empty: true,
            ..track(id, handler, Some(tag))
        };
        let chapters = Track {
            chapter_track: true,
            ..text(5, "text", "text")
        };
        let s = listed(
            vec![
                text(1, "text", "wvtt"),
                text(2, "subt", "stpp"),
                text(3, "sbtl", "tx3g"),
                text(4, "clcp", "c608"),
                chapters,
            ],
            &[],
        );
        let empty = |kind: &str, codec: &str| (kind.into(), codec.into(), EMPTY.into());
        assert_eq!(
            s,
            [
                empty("subtitle", "webvtt"),
                empty("data", "ttml"),
                empty("subtitle", "mov_text"),
                empty("subtitle", "eia_608"),
            ]
        );
    }

    #[test]
    fn a_track_without_a_sample_description_is_listed_with_no_codec() {
        let with_samples = |t: Track| Track {
            frames: Some(30),
            ..t
        };
        let tracks = vec![
            with_samples(track(1, "vide", Some("avc1"))),
            with_samples(track(2, "soun", None)),
            with_samples(track(3, "text", None)),
        ];
        let unparsed = |kind: &str, codec: &str| (kind.into(), codec.into(), UNPARSED.into());
        assert_eq!(
            listed(tracks.clone(), &[]),
            [unparsed("video", "h264"), unparsed("audio", "unknown")]
        );
        // A text track with samples GStreamer did not read, beside tracks
        // it read, is not listed: qtdemux reads the text it knows.
        let text = with_samples(track(3, "text", Some("tx3g")));
        let s = listed(vec![tracks[0].clone(), text], &[1]);
        assert!(s.is_empty(), "{s:?}");
    }
}
