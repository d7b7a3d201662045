//! What a probe heard → the [`Document`]: caps, tags, the table of contents and
//! the container's own headers, turned into ffprobe's names and units.
//!
//! Where GStreamer's caps and the bitstream disagree, the bitstream wins: an AAC
//! stream's channel count and rate come from its AudioSpecificConfig
//! (`codec_data`), not from the sample entry or track header, which muxers fill
//! with defaults. Invariant: a field that cannot be told stays absent.

mod aac_output;
mod audio;
mod chapters;
mod colour;
mod listed;
mod mp4_tracks;
mod stream;
mod tags;
mod unread;

pub use colour::{content_light_level, mastering_display};

use gstreamer as gst;
use gstreamer_pbutils as pbutils;

use super::headers::Headers;
use super::names;
use mediadex_core::scan::document::{AudioSummary, Document, VideoSummary};
use stream::*;
use tags::*;

/// One elementary stream as the probe heard it before its first buffer.
pub struct Heard {
    pub id: String,
    pub flags: gst::StreamFlags,
    pub caps: gst::Caps,
    pub tags: gst::TagList,
    pub first: Option<gst::Buffer>,
    /// The second buffer's timestamp, kept for video whose caps lack a rate.
    pub second_pts: Option<gst::ClockTime>,
}

/// Streams are announced in thread order; stream ids carry the container's
/// track numbers. Matroska's order is its track entries', which need not
/// follow their numbers (ffprobe lists them as they come).
fn in_track_order(streams: &mut [Heard], container: Option<&str>, headers: &Headers) {
    let matroska = matches!(container, Some("mkv" | "webm"));
    let entry = |id: &str| {
        let n = stream::track_number(id, false).filter(|_| matroska)?;
        headers.tracks.iter().position(|t| t.id == n)
    };
    streams.sort_by(|a, b| {
        entry(&a.id)
            .cmp(&entry(&b.id))
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// Describe a file from what its streams said. `container_caps` are the type
/// finder's; `headers` what [`super::headers`] read.
pub fn describe(
    size: Option<u64>,
    container_caps: Option<&gst::Caps>,
    duration: Option<gst::ClockTime>,
    mut streams: Vec<Heard>,
    global: &gst::TagList,
    toc: Option<&gst::Toc>,
    headers: &Headers,
) -> Document {
    let mut doc = Document::default();
    for heard in &mut streams {
        if let Some((caps, scheme)) = unprotected(&heard.caps) {
            heard.caps = caps;
            doc.encrypted = true;
            doc.encryption = doc.encryption.take().or(Some(scheme));
        }
    }
    if let Some(caps) = container_caps {
        doc.container = names::container_name(caps);
        doc.container_description =
            Some(pbutils::functions::pb_utils_get_codec_description(caps).to_string());
        doc.mime_type = caps.structure(0).map(|s| s.name().to_string());
    } else {
        doc.container = headers.sniffed_container.map(str::to_string);
    }
    let container = doc.container.clone();
    in_track_order(&mut streams, container.as_deref(), headers);
    doc.major_brand = headers.major_brand.clone();
    doc.compatible_brands = headers.compatible_brands.clone();
    doc.size = size;
    let duration = file_duration(duration, headers, &streams, container.as_deref());
    if let Some(d) = duration.filter(|d| d.nseconds() > 0) {
        doc.duration_ns = Some(d.nseconds());
        let secs = d.nseconds() as f64 / 1e9;
        doc.duration_s = Some(secs);
        doc.bitrate = size.map(|s| ((s as f64) * 8.0 / secs).round() as u64);
    }
    if let Some(declared) = headers.declared_size {
        doc.truncated = true;
        doc.declared_size = Some(declared);
        doc.missing_bytes = size.map(|s| declared.saturating_sub(s));
    }
    let (tags, mut attachments) = tags_json(global, true);
    doc.tags = tags;
    for heard in &streams {
        let mut s = stream(heard, container.as_deref());
        let (stream_tags, more) = tags_json(&heard.tags, false);
        attachments.extend(more);
        apply_tags(&mut s, stream_tags, container.as_deref());
        header_facts(&mut s, heard, headers);
        // A QuickTime chapter track's pictures are attached pictures (the
        // headers list them), not a video stream: ffprobe counts them so.
        if chapter_picture(&s, heard, headers) {
            continue;
        }
        if let Some(picture) = tagged_picture(&s, heard, headers) {
            attachments.push(picture);
            continue;
        }
        doc.streams.push(s);
    }
    let read = track_numbers(&streams, headers);
    unread::add_unread(&mut doc.streams, headers, &read, container.as_deref());
    // A track without samples lasts as long as the file to ffprobe, and
    // no time at all in a file that states none (an initialization segment).
    for s in &mut doc.streams {
        if s.unread.as_deref() == Some(mp4_tracks::EMPTY) && s.duration_s.is_none() {
            s.duration_s = Some(doc.duration_s.unwrap_or(0.0));
        }
    }
    doc.attachments = with_declared_pictures(attachments, headers);
    chapters::set_chapters(&mut doc, toc, headers);
    summarise(&mut doc);
    doc
}

/// A QuickTime chapter track's pictures, which the headers list.
fn chapter_picture(
    s: &mediadex_core::scan::document::Stream,
    heard: &Heard,
    headers: &Headers,
) -> bool {
    let number = stream::track_number(&heard.id, headers.track_ids_hex);
    s.kind == "video"
        && headers
            .tracks
            .iter()
            .any(|t| Some(t.id) == number && t.chapter_picture)
}

/// A picture of an audio file's tags that libav's demuxer passes on as a
/// video stream (a DSF file's ID3 cover): an attached picture, as ffprobe
/// counts it.
fn tagged_picture(
    s: &mediadex_core::scan::document::Stream,
    heard: &Heard,
    headers: &Headers,
) -> Option<mediadex_core::scan::document::Attachment> {
    if s.kind != "video" || headers.header_audio.is_none() {
        return None;
    }
    let mime = match s.codec.as_str() {
        "mjpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        _ => return None,
    };
    Some(mediadex_core::scan::document::Attachment {
        file_name: None,
        mime_type: Some(mime.into()),
        size: heard.first.as_ref().map_or(0, |b| b.size() as u64),
        cover: true,
    })
}

/// The track numbers of the streams GStreamer read: their ids end in it,
/// in decimal (qtdemux, matroskademux, avidemux), a transport stream's PID
/// in hexadecimal.
fn track_numbers(streams: &[Heard], headers: &Headers) -> Vec<u32> {
    streams
        .iter()
        .filter_map(|h| stream::track_number(&h.id, headers.track_ids_hex))
        .collect()
}

/// The attachments GStreamer passed on, then the pictures the container
/// declares that it did not (they do not decode, or qtdemux passes the
/// first of several covers): ffprobe counts them as attached pictures.
fn with_declared_pictures(
    passed: Vec<mediadex_core::scan::document::Attachment>,
    headers: &Headers,
) -> Vec<mediadex_core::scan::document::Attachment> {
    let declared = headers
        .pictures
        .iter()
        .skip(passed.len())
        .map(|(mime, size)| mediadex_core::scan::document::Attachment {
            mime_type: Some(mime.clone()),
            size: *size,
            cover: true,
            ..Default::default()
        });
    passed.into_iter().chain(declared).collect()
}

/// The file's duration: a fragmented MP4's, a transport or program
/// stream's timestamps', an estimate from the bit rate, a Matroska
/// segment's declared one, else the demuxer's.
fn file_duration(
    duration: Option<gst::ClockTime>,
    headers: &Headers,
    streams: &[Heard],
    container: Option<&str>,
) -> Option<gst::ClockTime> {
    let seconds = |d: f64| gst::ClockTime::from_nseconds((d * 1e9).round() as u64);
    let fragmented = headers.fragmented_s.map(seconds);
    // Raw ADTS, AC-3 and E-AC-3 have no index: FFmpeg's estimate from the
    // bit rate, not the parser's (aacparse's from the first frames alone,
    // ten times off when the first is silence; ac3parse's only once it has
    // seen frames, which some scans it had not).
    let estimated = headers.estimated_duration_s.map(seconds);
    // A bare video elementary stream has no duration to read (ffprobe
    // states none): the parser's guess from the bit rate comes only once
    // it has seen frames, which some scans it had not, and is far off.
    // Raw DTS that does not start on a frame has none either (FFmpeg's
    // estimate needs the first frame's bit rate), nor WavPack written
    // without knowing its length.
    // A Matroska file that declares no duration (written live) has none to
    // ffprobe either: matroskademux's guess from a cluster near the end
    // came out 0.067 s or 0.134 s for a 4.9 s file, scan by scan.
    let undeclared = matches!(container, Some("mkv" | "webm")) && headers.movie_s.is_none();
    let bare = matches!(container, Some("mpeg" | "h264" | "hevc" | "dts"))
        || headers.length_unknown
        || undeclared;
    // A Matroska segment's declared duration is FFmpeg's; matroskademux
    // may replace it with the last cluster's end once it has read that,
    // which some scans it had not.
    let declared = headers
        .movie_s
        .filter(|_| matches!(container, Some("mkv" | "webm")))
        .map(seconds);
    fragmented
        .or_else(|| mpeg_duration(duration, headers, streams))
        .or(estimated)
        .or(declared)
        .or(duration.filter(|_| !bare))
}

/// MPEG-TS and -PS: the span of presentation timestamps plus one video frame,
/// as ffprobe estimates the duration. Used where GStreamer has none (short
/// transport streams) or strays from it by less than half (program streams,
/// whose duration GStreamer estimates from the mux rate); a span far from
/// GStreamer's means a timestamp reset, and GStreamer's stands.
pub(super) fn mpeg_duration(
    gst_duration: Option<gst::ClockTime>,
    headers: &Headers,
    streams: &[Heard],
) -> Option<gst::ClockTime> {
    let pts = headers.pts_span.filter(|s| s.seconds >= 0.0)?;
    let span = pts.seconds;
    let frame = streams.iter().find_map(|h| {
        let s = h.caps.structure(0)?;
        let fr = s.get::<gst::Fraction>("framerate").ok()?;
        (s.name().starts_with("video/") && fr.numer() > 0)
            .then(|| fr.denom() as f64 / fr.numer() as f64)
    });
    let frame = frame.or_else(|| mapped_video_frame(headers));
    let frame = frame.map(|f| match headers.stamped_fps {
        Some(shown) => match crate::probe::headers::contradicted_rate(1.0 / f, shown) {
            Some((n, d)) => d as f64 / n as f64,
            None => f,
        },
        None => f,
    });
    // Each stream ends a frame of its own after its last timestamp.
    let ends = pts.ends;
    let ours = [
        ends.video_s.map(|e| e + frame.unwrap_or(0.0)),
        ends.audio_s
            .map(|e| e + audio_frame(streams).unwrap_or(0.0)),
    ]
    .into_iter()
    .flatten()
    .reduce(f64::max)
    .map_or(span + frame.unwrap_or(0.0), |end| end.max(span));
    // A program stream's GStreamer figure is taken when the two disagree by
    // half (a reset of the clock between the head and the tail), unless
    // every timestamp was read; but not across a wrap of the 33-bit clock,
    // which it does not follow; a transport stream's span is its duration.
    let take = match gst_duration.map(|d| d.nseconds() as f64 / 1e9) {
        None => true,
        Some(_) if pts.wrapped || pts.authoritative || pts.whole => true,
        Some(g) => (ours - g).abs() < 0.5 * g,
    };
    take.then(|| gst::ClockTime::from_nseconds((ours * 1e9).round() as u64))
        .filter(|d| d.nseconds() > 0)
}

/// The length of one frame of the first audio stream GStreamer read, by
/// its codec's samples per frame (MPEG audio, AAC, AC-3, DTS).
fn audio_frame(streams: &[Heard]) -> Option<f64> {
    streams.iter().find_map(|h| {
        let s = h.caps.structure(0)?;
        let rate = s.get::<i32>("rate").ok().filter(|&r| r > 0)?;
        let samples = match s.name().as_str() {
            "audio/mpeg" => match (s.get::<i32>("mpegversion").ok()?, s.get::<i32>("layer")) {
                (1, Ok(1)) => 384,
                (1, Ok(3)) if rate < 32_000 => 576,
                (1, _) => 1152,
                _ => 1024,
            },
            "audio/x-ac3" | "audio/x-eac3" | "audio/ac3" => 1536,
            "audio/x-dts" => 512,
            _ => return None,
        };
        Some(f64::from(samples) / f64::from(rate))
    })
}

/// The frame duration of a transport stream's first video, from its first
/// sequence headers, when GStreamer read no video (tsdemux exposed none).
fn mapped_video_frame(headers: &Headers) -> Option<f64> {
    headers.tracks.iter().find_map(|t| {
        let codec = match unread::parsed_codec(t)? {
            ("video", codec) => codec,
            _ => return None,
        };
        let (n, d) = crate::probe::bitstream::stream_header(codec, &t.ts_first_payload)?.rate?;
        (n > 0).then(|| f64::from(d) / f64::from(n))
    })
}

/// What the container's headers say of a stream GStreamer described.
fn header_facts(s: &mut mediadex_core::scan::document::Stream, heard: &Heard, headers: &Headers) {
    apply_headers(s, &heard.id, headers);
    timestamped_rate(s, headers);
    // An AIFF-C file's compression type, which aiffparse leaves out; a DSF
    // file's codec by its bit order, which libav's demuxer calls `dsd`.
    if let Some(a) = &headers.header_audio
        && s.kind == "audio"
    {
        s.codec_tag = s.codec_tag.take().or(a.codec_tag.clone());
        if s.codec == "dsd" {
            s.codec = a.codec.clone();
            s.bit_depth = s.bit_depth.or(a.bits);
        }
        // Raw MPEG audio: the stream FFmpeg finds past junk.
        let mpeg = |c: &str| matches!(c, "mp1" | "mp2" | "mp3");
        if mpeg(&s.codec) && mpeg(&a.codec) {
            s.codec = a.codec.clone();
            (s.sample_rate, s.channels) = (Some(a.rate as i32), Some(a.channels as i32));
            s.channel_layout = audio::channel_layout(a.channels as i32, None).map(str::to_string);
        }
    }
    // A capture codec whose fourcc fixes its pixel format.
    if let (None, Some(tag)) = (&s.pix_fmt, &s.codec_tag)
        && let Some(p) = crate::probe::bitstream::fourcc_pixel_format(tag)
    {
        s.bit_depth = crate::probe::bitstream::pix_fmt_depth(p);
        s.pix_fmt = Some(p.into());
    }
    if s.kind == "video" {
        let number = stream::track_number(&heard.id, headers.track_ids_hex);
        let track = headers.tracks.iter().find(|t| Some(t.id) == number);
        colour::full_range(s, heard, track.and_then(|t| t.full_range));
    }
}

/// FLV: the rate FFmpeg estimates from the tags' timestamps. MPEG-TS and
/// -PS (and FLV without an estimate): a video rate the bitstream states and
/// the container's timestamps contradict (1,000,000 fps of frames 33 ms
/// apart) gives way to the rate the timestamps show, as ffprobe's
/// r_frame_rate does.
fn timestamped_rate(s: &mut mediadex_core::scan::document::Stream, headers: &Headers) {
    if s.kind == "video"
        && let Some((n, d)) = headers.estimated_rate
    {
        s.frame_rate = Some(f64::from(n) / f64::from(d));
        s.frame_rate_fraction = Some(format!("{n}/{d}"));
        return;
    }
    if s.kind == "video"
        && let (Some(fps), Some(shown)) = (s.frame_rate, headers.stamped_fps)
        && let Some((n, d)) = crate::probe::headers::contradicted_rate(fps, shown)
    {
        s.frame_rate = Some(n as f64 / d as f64);
        s.frame_rate_fraction = Some(format!("{n}/{d}"));
    }
}

/// The caps an encrypted stream would have in the clear, and its scheme:
/// demuxers give `application/x-cenc` (or `application/x-webm-enc`) with the
/// original media type and the rest of its caps beside the protection
/// fields.
fn unprotected(caps: &gst::Caps) -> Option<(gst::Caps, String)> {
    let s = caps.structure(0)?;
    let scheme = match s.name().as_str() {
        "application/x-cenc" => s
            .get::<String>("cipher-mode")
            .ok()
            .or_else(|| s.get::<String>("protection-scheme").ok())
            .unwrap_or_else(|| "cenc".into()),
        "application/x-webm-enc" => "webm".into(),
        _ => return None,
    };
    let original = s.get::<String>("original-media-type").ok()?;
    let mut clear = gst::Structure::new_empty(original.as_str());
    for (field, value) in s.iter() {
        if !matches!(
            field.as_str(),
            "original-media-type"
                | "protection-system"
                | "cipher-mode"
                | "protection-scheme"
                | "encryption-algorithm"
                | "encoding-scope"
        ) {
            clear.set_value(field, value.clone());
        }
    }
    Some((gst::Caps::builder_full().structure(clear).build(), scheme))
}

/// Counts, languages and the first video and audio stream, for the typed columns.
pub(super) fn summarise(doc: &mut Document) {
    for s in &doc.streams {
        match s.kind.as_str() {
            "video" => doc.video_streams += 1,
            "audio" => doc.audio_streams += 1,
            "subtitle" => doc.subtitle_streams += 1,
            _ => doc.data_streams += 1,
        }
        let list = match s.kind.as_str() {
            "audio" => &mut doc.audio_languages,
            "subtitle" => &mut doc.subtitle_languages,
            _ => continue,
        };
        if let Some(l) = &s.language
            && !list.contains(l)
        {
            list.push(l.clone());
        }
    }
    // The first stream of a kind, ahead of an empty track of it.
    let first = |kind: &str| {
        doc.streams
            .iter()
            .filter(|s| s.kind == kind)
            .min_by_key(|s| {
                matches!(
                    s.unread.as_deref(),
                    Some(mp4_tracks::EMPTY | mp4_tracks::SKIPPED)
                )
            })
    };
    if let Some(v) = first("video") {
        doc.video = Some(VideoSummary {
            codec: summary_codec(v),
            width: v.width,
            height: v.height,
            frame_rate: v.frame_rate,
            hdr: v.hdr.clone(),
            hdr10_plus: v.hdr10_plus,
            bit_depth: v.bit_depth,
            interlaced: v.interlaced,
        });
    }
    if let Some(a) = first("audio") {
        doc.audio = Some(AudioSummary {
            codec: summary_codec(a),
            channels: a.channels,
            sample_rate: a.sample_rate,
            language: a.language.clone(),
        });
    }
}

/// A stream's codec for the summary's typed column: none where it is not
/// known (a track without a sample description, caps GStreamer could not
/// name), rather than the word.
fn summary_codec(s: &mediadex_core::scan::document::Stream) -> Option<String> {
    (s.codec != "unknown").then(|| s.codec.clone())
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

/// Caps as text without the bulky binary fields (codec headers).
pub fn caps_text(caps: &gst::Caps) -> String {
    let mut c = caps.copy();
    if let Some(s) = c.make_mut().structure_mut(0) {
        for f in ["codec_data", "streamheader"] {
            s.remove_field(f);
        }
    }
    c.to_string()
}

#[cfg(test)]
mod tests {
    use super::audio::channel_layout;
    use super::colour::colorimetry;
    use super::tags::datetime_json;
    use super::*;
    use mediadex_core::scan::document::{ContentLightLevel, Stream};
    use serde_json::json;

    #[test]
    fn a_transport_stream_lasts_a_frame_past_its_last_timestamp() {
        // Timestamps 0.08 s apart; GStreamer read no video, whose MPEG-2
        // sequence header says 25 fps (720x576, rate code 3): 0.12 s, as
        // ffprobe counts it.
        let track = crate::probe::headers::Track {
            ts_stream_type: Some(0x02),
            ts_first_payload: vec![0, 0, 1, 0xB3, 0x2D, 0x02, 0x40, 0x23],
            ..Default::default()
        };
        let headers = Headers {
            tracks: vec![track],
            pts_span: Some(crate::probe::headers::PtsSpan {
                seconds: 0.08,
                wrapped: false,
                authoritative: true,
                video_tick: None,
                ..Default::default()
            }),
            ..Headers::default()
        };
        let d = mpeg_duration(None, &headers, &[]).unwrap();
        assert_eq!(d.nseconds(), 120_000_000);
    }

    #[test]
    fn dates_become_utc_and_bare_dates_stay() {
        gst::init().unwrap();
        let t = gst::DateTime::new(2.0, 2021, 6, 1, 10, 20, 30.0).unwrap();
        assert_eq!(datetime_json(&t), Some(json!("2021-06-01T08:20:30Z")));
        let d = gst::DateTime::from_ymd(2019, 3, 4).unwrap();
        assert_eq!(datetime_json(&d), Some(json!("2019-03-04")));
    }

    #[test]
    fn colorimetry_tells_hdr() {
        gst::init().unwrap();
        let mut s = Stream::default();
        colorimetry("bt2100-pq", &mut s);
        assert_eq!(s.hdr.as_deref(), Some("HDR10"));
        assert_eq!(s.colorimetry.as_ref().unwrap()["transfer"], "smpte2084");
        let mut s = Stream::default();
        colorimetry("bt2100-hlg", &mut s);
        assert_eq!(s.hdr.as_deref(), Some("HLG"));
        let mut s = Stream::default();
        colorimetry("bt709", &mut s);
        assert!(s.hdr.is_none());
        assert_eq!(s.colorimetry.as_ref().unwrap()["range"], "limited");
    }

    #[test]
    fn hdr10_static_metadata() {
        let m =
            mastering_display("34000:16000:13250:34500:7500:3000:15635:16450:10000000:50").unwrap();
        assert!((m.red[0] - 0.68).abs() < 1e-9 && (m.white_point[1] - 0.329).abs() < 1e-9);
        assert!((m.max_luminance - 1000.0).abs() < 1e-9 && (m.min_luminance - 0.005).abs() < 1e-9);
        assert_eq!(
            content_light_level("1000:400"),
            Some(ContentLightLevel {
                max_cll: 1000,
                max_fall: 400
            })
        );
    }

    #[test]
    fn layouts_are_never_guessed_from_odd_masks() {
        assert_eq!(channel_layout(6, Some(0x3f)), Some("5.1"));
        assert_eq!(channel_layout(6, Some(0x1)), None);
    }
}
