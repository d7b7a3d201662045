//! One file → one [`Probe`]: a parse-only GStreamer pipeline that stops before
//! every decoder.
//!
//! `filesrc ! typefind`, then, plugged by hand as the data reveals them, the
//! demuxers and parsers the caps call for, never a decoder ([`autoplug`]).
//! Every elementary stream ends in an unparented sink pad of ours
//! ([`stream_end`]) that keeps the stream's id, caps and tags up to its first
//! buffer and refuses the rest, so the demuxer stops reading early. The probe
//! is done when every demuxer has said `no-more-pads` and every stream has had
//! a buffer, a gap or its end ([`state`], [`wait`]). Unlike `decodebin`, no
//! multiqueue and no sink elements: one streaming thread per demuxer and
//! nothing to hand data across. This file runs one probe: it builds the
//! pipeline, waits, reads what was heard, tears the pipeline down and judges
//! the document ([`describe`] makes it, [`headers`] adds what the container's
//! own headers say). The one frame ever decoded is AAC's whose SBR only the
//! frames may state, after the pipeline is gone ([`describe`]'s `aac_output`).
//!
//! Invariants: a field GStreamer cannot tell is absent from the document, never
//! guessed; the call returns within its deadline unless GStreamer blocks in a
//! state change, which is why probes run in a worker process that can be killed.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod autoplug;
pub mod bitstream;
mod bus;
mod decryptor;
pub mod describe;
pub mod headers;
pub mod names;
pub mod profiles;
mod state;
mod stream_end;
mod wait;

use autoplug::Handlers;
use describe::{Heard, describe};
use mediadex_core::scan::document::Document;
use state::Watch;

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use mediadex_core::catalog::files::Status;

/// What a probe found.
#[derive(Debug, Clone)]
pub struct Probe {
    pub status: Status,
    pub error: Option<String>,
    /// `None` when nothing could be told (stored as `{}`).
    pub doc: Option<Box<Document>>,
}

impl Probe {
    fn failed(status: Status, error: String) -> Probe {
        Probe {
            status,
            error: Some(error),
            doc: None,
        }
    }
}

/// Initialise GStreamer once per process.
pub fn init() -> Result<(), glib::Error> {
    gst::init()?;
    decryptor::register();
    Ok(())
}

/// What a probe found while its pipeline ran: the duration, the streams, the
/// global tags and the table of contents.
type Found = (
    Option<gst::ClockTime>,
    Vec<Heard>,
    gst::TagList,
    Option<gst::Toc>,
);

/// Probe `path`, giving up after `timeout`.
pub fn probe(path: &Path, timeout: Duration) -> Probe {
    let started = Instant::now();
    let pipeline = gst::Pipeline::new();
    let shared: Arc<Watch> = Arc::default();
    if let Err(p) = build(path, &pipeline, &shared) {
        return p;
    }
    bus::watch(&pipeline, &shared);
    let result = wait::run(&pipeline, &shared, timeout, started);
    // Read what needs the running pipeline before it is torn down.
    let found = result.map(|()| collect(&shared));
    tear_down(&pipeline, &shared);
    let container = shared.lock().container.take();
    let short = container
        .as_ref()
        .and_then(|c| names::container_name(c))
        .unwrap_or_default();
    let timed = found
        .as_ref()
        .is_ok_and(|f| f.0.is_some_and(|d| d.nseconds() > 0));
    let head = headers::read(path, &short, timed);
    let size = std::fs::metadata(path).ok().map(|m| m.len());
    verdict(found, &head, size, container.as_ref(), &short)
}

/// What the headers alone say, when GStreamer could not read the file.
fn headers_only(
    size: Option<u64>,
    container: Option<&gst::Caps>,
    head: &headers::Headers,
) -> Document {
    let declared = head
        .movie_s
        .map(|s| gst::ClockTime::from_nseconds((s * 1e9).round() as u64));
    describe(
        size,
        container,
        declared,
        Vec::new(),
        &gst::TagList::new(),
        None,
        head,
    )
}

/// The file's row from what GStreamer found (or why it failed) and what
/// the headers say (`short`: the container's short name).
fn verdict(
    found: Result<Found, Probe>,
    head: &headers::Headers,
    size: Option<u64>,
    container: Option<&gst::Caps>,
    short: &str,
) -> Probe {
    let headers_only = || headers_only(size, container, head);
    // A cut file: what the headers tell, and the cut.
    let cut = |cause: Option<&str>| {
        let doc = headers_only();
        Probe {
            status: Status::Error,
            error: Some(truncated_text(&doc, cause)),
            doc: Some(Box::new(doc)),
        }
    };
    // Sample tables that contradict each other: FFmpeg refuses the file,
    // and qtdemux fails on it in some runs only; the tables decide.
    if let Some(why) = &head.broken_tables {
        return Probe {
            status: Status::Error,
            error: Some(format!("damaged sample tables: {why}")),
            doc: Some(Box::new(headers_only())),
        };
    }
    match found {
        // An Ogg file cut in its header pages: oggdemux reads its streams
        // in some runs and fails in others (ffprobe reads nothing).
        Ok(_) if short == "ogg" && head.declared_size.is_some() => cut(None),
        Ok((duration, streams, global, toc)) => {
            let doc = describe(
                size,
                container,
                duration,
                streams,
                &global,
                toc.as_ref(),
                head,
            );
            judge(doc, container)
        }
        // A cut file often fails to parse at all (an MP4 whose index was never
        // written): say why, and keep what the headers tell.
        // oggdemux's complaint about a cut header page varies with its
        // threads' timing: the cut is said alone, the same every run.
        Err(p) if head.declared_size.is_some() && p.status == Status::Error => {
            cut(p.error.as_deref().filter(|_| short != "ogg"))
        }
        // Samples past the end of whole boxes, in a file GStreamer cannot
        // read: cut, where they end (ffprobe reads its headers alone).
        Err(p) if head.samples_past_end.is_some() && p.status == Status::Error => {
            verdict(Err(p), &past_end(head), size, container, short)
        }
        // A demuxer that met the end before any stream: matroskademux says
        // so in some runs and finishes with none in others. No streams,
        // the same every run.
        Err(p)
            if p.error
                .as_deref()
                .is_some_and(|e| e.contains("got eos but no streams")) =>
        {
            judge(headers_only(), container)
        }
        // A container no demuxer here reads (CAF) that its headers describe.
        Err(p)
            if (p.status == Status::Error
                || (p.status == Status::Unsupported && head.header_audio.is_some()))
                && described_by_headers(head) =>
        {
            told_by_headers(p, headers_only(), head, container)
        }
        // An MP4 GStreamer cannot read: still what its headers say of the
        // file (brands, the movie's length), beside the error.
        Err(p) if p.status == Status::Error && p.doc.is_none() && head.major_brand.is_some() => {
            Probe {
                doc: Some(Box::new(headers_only())),
                ..p
            }
        }
        Err(p) => p,
    }
}

/// A file GStreamer failed on (`failed`), as its headers describe it
/// (`doc`): judged by what they list, or the failure where they list no
/// stream. But Matroska tracks none of which can be told (a video codec in
/// a track said to be audio), on which matroskademux fails in some runs and
/// finishes with no stream in others: no streams, with what the headers
/// say, the same every run.
fn told_by_headers(
    failed: Probe,
    doc: Document,
    head: &headers::Headers,
    container: Option<&gst::Caps>,
) -> Probe {
    if doc.streams.is_empty() && !head.matroska_tracks() {
        return failed;
    }
    judge(doc, container)
}

/// The headers of a file whose samples lie past the end of its whole boxes,
/// declaring it as long as they reach.
fn past_end(head: &headers::Headers) -> headers::Headers {
    headers::Headers {
        declared_size: head.samples_past_end,
        ..head.clone()
    }
}

/// Whether the headers list the streams of a file GStreamer could not read:
/// a transport stream none of whose streams GStreamer reads ("no pads", no
/// map before the end; its program map or event tables tell what ffprobe
/// lists), an MP4 whose tracks all hold no sample (a DASH or CMAF
/// initialization segment), an MP4 one of whose tracks lacks its sample
/// description (qtdemux refuses the file; ffprobe lists the track with no
/// codec) and whose samples all lie in the file, an MP4 whose samples all
/// lie in the file and whose tracks are all video or audio (one without a
/// handler, compact sample sizes), a Matroska file no stream
/// of which GStreamer parses (its track headers), an MXF file whose essence
/// mxfdemux refuses (its header metadata), a raw DV file cut within its
/// first frame (the frame's DIF headers), raw DTS-HD (its chunks and first
/// frames).
fn described_by_headers(head: &headers::Headers) -> bool {
    let tracks = &head.tracks;
    let transport = head.track_ids_hex && (!tracks.is_empty() || head.ts_epg);
    let initialization = tracks.iter().all(|t| t.empty);
    let undescribed_track = head.samples_inside && tracks.iter().any(|t| t.no_sample_description);
    // Every sample in place, every track of a kind told: what qtdemux
    // refused (a track without a handler, compact sample sizes) is listed.
    let whole_tables = head.samples_inside
        && tracks.iter().any(|t| t.frames.is_some())
        && tracks
            .iter()
            .all(|t| t.empty || matches!(t.handler.as_str(), "vide" | "soun"));
    let listed = head.matroska_tracks()
        || (!tracks.is_empty() && (initialization || undescribed_track || whole_tables));
    let described = head.dv.is_some()
        || head.dtshd_frames.is_some()
        || !head.listed_tracks.is_empty()
        || head.header_audio.is_some();
    transport || listed || described
}

/// `filesrc ! typefind` on `path` in `pipeline`, with the hook that plugs the
/// rest as the data reveals it; the failed probe when that cannot be made.
fn build(path: &Path, pipeline: &gst::Pipeline, shared: &Arc<Watch>) -> Result<(), Probe> {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let uri = glib::filename_to_uri(&abs, None)
        .map_err(|e| Probe::failed(Status::Error, format!("cannot make a URI of the path: {e}")))?;
    // filesrc takes the URI (percent-encoded, so any bytes of a name survive).
    let (file, typefind) = match (
        gst::ElementFactory::make("filesrc").build(),
        gst::ElementFactory::make("typefind").build(),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            return Err(Probe::failed(
                Status::Unsupported,
                format!("missing plugin: {e}"),
            ));
        }
    };
    if let Err(e) = file
        .dynamic_cast_ref::<gst::URIHandler>()
        .expect("filesrc handles URIs")
        .set_uri(uri.as_str())
    {
        return Err(Probe::failed(
            Status::Error,
            format!("cannot open {uri}: {e}"),
        ));
    }
    let ctx = Handlers::new(pipeline, shared);
    typefind.connect("have-type", false, move |args| {
        let element = args[0].get::<gst::Element>().ok()?;
        let caps = args[2].get::<gst::Caps>().ok()?;
        let src = element.static_pad("src")?;
        ctx.attach(&src, &caps, true);
        ctx.update(|st| st.container = Some(caps));
        None
    });
    pipeline
        .add_many([&file, &typefind])
        .expect("add filesrc and typefind");
    file.link(&typefind).expect("filesrc links to typefind");
    Ok(())
}

/// What the running pipeline found: duration, streams, tags, TOC.
fn collect(shared: &Watch) -> Found {
    // Not under the lock: a streaming thread may hold what the query needs.
    let pads: Vec<gst::Pad> = shared
        .lock()
        .streams
        .iter()
        .map(|s| s.pad.clone())
        .collect();
    let duration = pads
        .iter()
        .filter_map(|p| p.peer_query_duration::<gst::ClockTime>())
        .max();
    let mut st = shared.lock();
    let streams: Vec<Heard> = st
        .streams
        .iter_mut()
        .filter(|s| !s.removed)
        .filter_map(|s| {
            Some(Heard {
                id: std::mem::take(&mut s.id),
                flags: s.flags,
                first: s.first.take(),
                second_pts: s.second_pts,
                caps: s.caps.take()?,
                tags: std::mem::replace(&mut s.tags, gst::TagList::new()),
            })
        })
        .collect();
    let global = st.global.take().unwrap_or_default();
    (duration, streams, global, st.toc.take())
}

/// Stop the pipeline and everything a streaming thread plugged into it.
fn tear_down(pipeline: &gst::Pipeline, shared: &Watch) {
    for element in pipeline.children() {
        element.set_locked_state(false);
    }
    let _ = pipeline.set_state(gst::State::Null);
    // Anything a streaming thread plugged while the above was under way.
    for element in pipeline.children() {
        if element.current_state() != gst::State::Null {
            element.set_locked_state(false);
            let _ = element.set_state(gst::State::Null);
        }
    }
    let streams = std::mem::take(&mut shared.lock().streams);
    for s in streams {
        let _ = s.pad.set_active(false);
    }
}

/// The status of a described file: `ok` only for a whole file with streams,
/// audio or video unless it is a media container (an MP4 of subtitles alone,
/// a DASH text track, is one).
fn judge(doc: Document, container: Option<&gst::Caps>) -> Probe {
    let error = if doc.truncated {
        Some(truncated_text(&doc, None))
    } else if doc.streams.is_empty() {
        Some("no streams found".to_string())
    } else if doc.video_streams + doc.audio_streams == 0
        && !container.is_some_and(|c| names::is_media_container(c))
        // A container GStreamer could not name, told by its own bytes (a
        // transport stream of a few packets of teletext).
        && !(container.is_none() && doc.container.is_some())
    {
        let what = container
            .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
            .unwrap_or_default();
        Some(format!(
            "not a media file: no audio or video stream (the content is {what})"
        ))
    } else {
        None
    };
    Probe {
        status: if error.is_some() {
            Status::Error
        } else {
            Status::Ok
        },
        error,
        doc: Some(Box::new(doc)),
    }
}

/// A share near 0 or 100 with the decimals that tell it from them: 99.97,
/// 0.004.
fn significant(p: f64) -> String {
    let gap = if p >= 50.0 { 100.0 - p } else { p };
    let mut decimals = 1;
    while decimals < 6 && (gap * 10f64.powi(decimals)).round() < 1.0 {
        decimals += 1;
    }
    let text = format!("{p:.*}", decimals as usize);
    if p >= 50.0 && text.starts_with("100") {
        format!("{:.*}", decimals as usize + 1, p.min(100.0 - 1e-9))
    } else {
        text
    }
}

/// "truncated: the file ends at 70% of its declared length — an incomplete
/// download or copy?"
fn truncated_text(doc: &Document, cause: Option<&str>) -> String {
    let share = match (doc.size, doc.declared_size) {
        // Whole percents, but never "100%" or "0%" for a file that is cut:
        // a few bytes short, or a sliver of what it says, show their decimals.
        (Some(s), Some(d)) if d > 0 => {
            let p = s as f64 * 100.0 / d as f64;
            if (0.5..99.5).contains(&p) {
                format!(" at {p:.0}%")
            } else {
                format!(" at {}%", significant(p))
            }
        }
        _ => String::new(),
    };
    let mut text = format!(
        "truncated: the file ends{share} of its declared length — an incomplete download or copy?"
    );
    if let Some(c) = cause {
        text.push_str(&format!(" ({c})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::significant;

    #[test]
    fn shares_near_the_ends_keep_the_decimals_that_tell_them_apart() {
        assert_eq!(significant(99.97), "99.97");
        assert_eq!(significant(99.9996), "99.9996");
        assert_eq!(significant(99.6), "99.6");
        assert_eq!(significant(0.004), "0.004");
        assert_eq!(significant(0.2), "0.2");
    }
}
