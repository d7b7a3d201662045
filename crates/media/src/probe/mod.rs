//! One file → one [`Probe`]: a parse-only GStreamer pipeline that stops before
//! every decoder.
//!
//! `filesrc ! typefind`, then, plugged by hand as the data reveals them, the
//! demuxers and parsers the caps call for (never a decoder). Every elementary
//! stream ends in an unparented sink pad of ours that keeps the stream's id, caps
//! and tags up to its first buffer within the segment (what a sink would preroll
//! on) and refuses the rest, so the demuxer stops reading early. The probe is
//! done when every demuxer has said `no-more-pads` and every stream has had a
//! buffer, a gap or its end. Unlike `decodebin`, no multiqueue and no sink
//! elements: one streaming thread per demuxer and nothing to hand data across.
//!
//! Invariants: a field GStreamer cannot tell is absent from the document, never
//! guessed; the call returns within its deadline unless GStreamer blocks in a
//! state change, which is why probes run in a worker process that can be killed.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub mod bitstream;
pub mod describe;
pub mod headers;
pub mod names;

use describe::{Heard, caps_text, describe};
use mediadex_core::scan::document::Document;

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_pbutils as pbutils;
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
    gst::init()
}

/// Demuxers and parsers: caps one of these can take are not yet "parsed enough".
fn splitters() -> &'static Vec<gst::ElementFactory> {
    static F: OnceLock<Vec<gst::ElementFactory>> = OnceLock::new();
    F.get_or_init(|| {
        gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DEMUXER | gst::ElementFactoryType::PARSER,
            gst::Rank::MARGINAL,
        )
        .into_iter()
        .collect()
    })
}

/// The demuxers and parsers that can take `caps`, best rank first. Cached by caps
/// (less their codec headers): the registry's several hundred factories would
/// otherwise be filtered for every pad of every file.
fn candidates(caps: &gst::Caps) -> Arc<Vec<gst::ElementFactory>> {
    type Cache = Mutex<std::collections::HashMap<String, Arc<Vec<gst::ElementFactory>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = caps_text(caps);
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap().get(&key) {
        return hit.clone();
    }
    let mut list: Vec<gst::ElementFactory> = splitters()
        .iter()
        .filter(|f| f.can_sink_any_caps(caps))
        .cloned()
        .collect();
    list.sort_by(|a, b| {
        b.rank()
            .cmp(&a.rank())
            .then_with(|| a.name().cmp(&b.name()))
    });
    let list = Arc::new(list);
    let mut c = cache.lock().unwrap();
    if c.len() > 20_000 {
        c.clear();
    }
    c.insert(key, list.clone());
    list
}

/// Should a demuxer or parser be plugged after `pad` with `caps`?
fn keep_plugging(pad: &gst::Pad, caps: &gst::Caps) -> bool {
    let Some(s) = caps.structure(0) else {
        return true;
    };
    let name = s.name().as_str();
    // Subtitles as the container gives them: a subtitle parser would turn ASS
    // into plain text and drop the stream's language and title.
    if name.ends_with("/x-raw") || names::kind_of(name) == "subtitle" {
        return false;
    }
    if s.get::<bool>("parsed").unwrap_or(false) || s.get::<bool>("framed").unwrap_or(false) {
        return false;
    }
    // Output of a parser is as far as we go, marked or not.
    if let Some(factory) = pad.parent_element().and_then(|e| e.factory())
        && factory.klass().contains("Parser")
    {
        return false;
    }
    !candidates(caps).is_empty()
}

/// Probe `path`, giving up after `timeout`.
pub fn probe(path: &Path, timeout: Duration) -> Probe {
    let started = Instant::now();
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let uri = match glib::filename_to_uri(&abs, None) {
        Ok(u) => u,
        Err(e) => {
            return Probe::failed(Status::Error, format!("cannot make a URI of the path: {e}"));
        }
    };
    // filesrc takes the URI (percent-encoded, so any bytes of a name survive).
    let (file, typefind) = match (
        gst::ElementFactory::make("filesrc").build(),
        gst::ElementFactory::make("typefind").build(),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            return Probe::failed(Status::Unsupported, format!("missing plugin: {e}"));
        }
    };
    if let Err(e) = file
        .dynamic_cast_ref::<gst::URIHandler>()
        .expect("filesrc handles URIs")
        .set_uri(uri.as_str())
    {
        return Probe::failed(Status::Error, format!("cannot open {uri}: {e}"));
    }
    let pipeline = gst::Pipeline::new();
    let shared: Arc<Shared> = Arc::default();
    {
        let ctx = Ctx::new(&pipeline, &shared);
        typefind.connect("have-type", false, move |args| {
            let element = args[0].get::<gst::Element>().ok()?;
            let caps = args[2].get::<gst::Caps>().ok()?;
            let src = element.static_pad("src")?;
            ctx.attach(&src, &caps, true);
            ctx.update(|st| st.container = Some(caps));
            None
        });
    }
    pipeline
        .add_many([&file, &typefind])
        .expect("add filesrc and typefind");
    file.link(&typefind).expect("filesrc links to typefind");
    watch_bus(&pipeline, &shared);
    let result = run(&pipeline, &shared, timeout, started);
    // Read what needs the running pipeline before it is torn down.
    let found = result.map(|()| {
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
    });
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
    match found {
        Ok((duration, streams, global, toc)) => {
            let doc = describe(
                size,
                container.as_ref(),
                duration,
                streams,
                &global,
                toc.as_ref(),
                &head,
            );
            judge(doc, container.as_ref())
        }
        // A cut file often fails to parse at all (an MP4 whose index was never
        // written): say why, and keep what the headers tell.
        Err(p) if head.declared_size.is_some() && p.status == Status::Error => {
            let doc = describe(
                size,
                container.as_ref(),
                None,
                Vec::new(),
                &gst::TagList::new(),
                None,
                &head,
            );
            Probe {
                status: Status::Error,
                error: Some(truncated_text(&doc, p.error.as_deref())),
                doc: Some(Box::new(doc)),
            }
        }
        Err(p) => p,
    }
}

/// The status of a described file: `ok` only for a whole file with audio or video.
fn judge(doc: Document, container: Option<&gst::Caps>) -> Probe {
    let error = if doc.truncated {
        Some(truncated_text(&doc, None))
    } else if doc.streams.is_empty() {
        Some("no streams found".to_string())
    } else if doc.video_streams + doc.audio_streams == 0 {
        let what = container
            .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
            .unwrap_or_default();
        Some(if container.is_some_and(|c| names::is_media_container(c)) {
            format!("no audio or video stream in the container ({what})")
        } else {
            format!("not a media file: no audio or video stream (the content is {what})")
        })
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

/// "truncated: the file ends at 70% of its declared length — an incomplete
/// download or copy?"
fn truncated_text(doc: &Document, cause: Option<&str>) -> String {
    let share = match (doc.size, doc.declared_size) {
        (Some(s), Some(d)) if d > 0 => format!(" at {:.0}%", (s as f64 * 100.0 / d as f64).round()),
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

/// What the streaming threads have found so far; the probe thread waits on it.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    cvar: std::sync::Condvar,
}

#[derive(Default)]
struct State {
    /// The type finder's caps, set once the container's demuxer is plugged.
    container: Option<gst::Caps>,
    /// Demuxers that have not yet said `no-more-pads`.
    demuxers: usize,
    /// Pads waiting for their caps before anything can be plugged after them.
    undecided: usize,
    streams: Vec<Stream>,
    global: Option<gst::TagList>,
    toc: Option<gst::Toc>,
    error: Option<String>,
    missing: Vec<String>,
    /// The probe thread has been told the probe is over.
    woken: bool,
}

/// One elementary stream, ended by a pad of ours that keeps what arrives before
/// the stream's first buffer and refuses the rest.
struct Stream {
    pad: gst::Pad,
    id: String,
    flags: gst::StreamFlags,
    caps: Option<gst::Caps>,
    tags: gst::TagList,
    /// The first buffer in the segment: headers some facts are read from.
    first: Option<gst::Buffer>,
    /// The timestamp of the second, where the first could not tell the rate.
    second_pts: Option<gst::ClockTime>,
    segment: Option<gst::FormattedSegment<gst::ClockTime>>,
    /// Had its first buffer, a gap or the end of the stream.
    done: bool,
    /// Had the end of the stream: its demuxer is through with it.
    eos: bool,
    /// Its demuxer took the pad away again.
    removed: bool,
}

impl Stream {
    /// Video whose caps give no frame rate (ASF written by ffmpeg, for one)
    /// waits for a second frame: the two timestamps tell the frame duration.
    fn wants_second_buffer(&self) -> bool {
        let Some(s) = self.caps.as_ref().and_then(|c| c.structure(0)) else {
            return false;
        };
        s.name().starts_with("video/")
            && !s
                .get::<gst::Fraction>("framerate")
                .is_ok_and(|f| f.numer() > 0 && f.denom() > 0)
    }

    /// Does `buffer` fall in the stream's segment, as a sink would clip it?
    fn in_segment(&self, buffer: &gst::BufferRef) -> bool {
        let (Some(segment), Some(start)) = (&self.segment, buffer.pts()) else {
            return true;
        };
        let stop = buffer.duration().map(|d| start + d);
        segment.clip(start, stop).is_some()
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Change the state under the lock; the first change that finishes or fails
    /// the probe wakes the probe thread (once: later changes cost no syscall).
    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut st = self.lock();
        let r = f(&mut st);
        if !st.woken && (st.finished() || st.error.is_some()) {
            st.woken = true;
            self.cvar.notify_all();
        }
        r
    }
}

impl State {
    /// Every demuxer has announced all its streams and every stream has data;
    /// or every stream has ended, whether or not its demuxer said `no-more-pads`.
    fn finished(&self) -> bool {
        let ended = |s: &Stream| s.eos || s.removed;
        self.container.is_some()
            && self.undecided == 0
            && ((self.demuxers == 0 && self.streams.iter().all(|s| s.done || s.removed))
                || (!self.streams.is_empty() && self.streams.iter().all(ended)))
    }
}

/// What the signal handlers of one probe need: weak, so nothing keeps the
/// pipeline or the shared state alive in a reference cycle.
#[derive(Clone)]
struct Ctx {
    pipeline: glib::WeakRef<gst::Pipeline>,
    shared: std::sync::Weak<Shared>,
}

impl Ctx {
    fn new(pipeline: &gst::Pipeline, shared: &Arc<Shared>) -> Ctx {
        Ctx {
            pipeline: pipeline.downgrade(),
            shared: Arc::downgrade(shared),
        }
    }

    /// [`Shared::update`], while the probe lasts.
    fn update(&self, f: impl FnOnce(&mut State)) {
        if let Some(shared) = self.shared.upgrade() {
            shared.update(f);
        }
    }

    /// Plug what `pad` needs next: a demuxer or parser while its `caps` can be
    /// split or parsed further, else a stream end.
    fn attach(&self, pad: &gst::Pad, caps: &gst::Caps, top: bool) {
        if keep_plugging(pad, caps) {
            if candidates(caps).iter().any(|f| self.plug(pad, f)) {
                return;
            }
            if top {
                self.missing(caps);
                return;
            }
        }
        self.end_stream(pad);
    }

    /// A pad a demuxer added: plug after it now, or once its caps are known.
    fn new_pad(&self, pad: &gst::Pad) {
        if let Some(caps) = pad.current_caps() {
            self.attach(pad, &caps, false);
            return;
        }
        self.update(|st| st.undecided += 1);
        let ctx = self.clone();
        pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |pad, info| {
            let Some(gst::PadProbeData::Event(ev)) = &info.data else {
                return gst::PadProbeReturn::Ok;
            };
            let caps = match ev.view() {
                gst::EventView::Caps(c) => Some(c.caps_owned()),
                gst::EventView::Eos(_) => None,
                _ => return gst::PadProbeReturn::Ok,
            };
            if let Some(caps) = &caps {
                ctx.attach(pad, caps, false);
            }
            ctx.update(|st| st.undecided -= 1);
            gst::PadProbeReturn::Remove
        });
    }

    /// Try `factory` after `pad`; false leaves the pipeline as it was.
    fn plug(&self, pad: &gst::Pad, factory: &gst::ElementFactory) -> bool {
        let Some(pipeline) = self.pipeline.upgrade() else {
            return false;
        };
        let Ok(element) = factory.create().build() else {
            return false;
        };
        // The pipeline may still be busy starting: left to it, its state change
        // would take up this element while this streaming thread starts it too,
        // and the two would wait on each other. The probe starts and stops it.
        element.set_locked_state(true);
        if pipeline.add(&element).is_err() {
            return false;
        }
        let linked = element
            .static_pad("sink")
            .or_else(|| element.sink_pads().into_iter().next())
            .is_some_and(|sink| pad.link(&sink).is_ok());
        if !linked {
            let _ = pipeline.remove(&element);
            return false;
        }
        let dynamic = factory.static_pad_templates().iter().any(|t| {
            t.direction() == gst::PadDirection::Src && t.presence() != gst::PadPresence::Always
        });
        if dynamic {
            self.update(|st| st.demuxers += 1);
            let ctx = self.clone();
            element.connect_pad_added(move |_, pad| ctx.new_pad(pad));
            let ctx = self.clone();
            element.connect_no_more_pads(move |_| {
                ctx.update(|st| st.demuxers = st.demuxers.saturating_sub(1));
            });
            let ctx = self.clone();
            element.connect_pad_removed(move |_, _| {
                ctx.update(|st| {
                    for s in st.streams.iter_mut().filter(|s| s.pad.peer().is_none()) {
                        s.removed = true;
                    }
                });
            });
        }
        let parser = factory.klass().contains("Parser");
        for src in element.src_pads() {
            if parser {
                // A parser's output is as far as a probe goes.
                self.end_stream(&src);
            } else {
                self.new_pad(&src);
            }
        }
        if element.set_state(gst::State::Paused).is_err() {
            self.update(|st| {
                st.error
                    .get_or_insert_with(|| format!("{} could not start", factory.name()));
            });
        }
        true
    }

    /// Nothing can take these caps: the file needs a plugin that is not installed.
    fn missing(&self, caps: &gst::Caps) {
        let detail = pbutils::missing_plugins::missing_decoder_installer_detail_new(caps);
        let what = pbutils::functions::pb_utils_get_decoder_description(caps);
        self.update(|st| {
            st.missing.push(format!("{what} [{detail}]"));
            st.error
                .get_or_insert_with(|| format!("no demuxer or parser for {}", caps_text(caps)));
        });
    }

    /// End the stream coming out of `upstream` in a pad of ours.
    fn end_stream(&self, upstream: &gst::Pad) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        let mut st = shared.lock();
        let index = st.streams.len();
        let on_buffer = self.shared.clone();
        let on_event = self.shared.clone();
        let pad = gst::Pad::builder(gst::PadDirection::Sink)
            .chain_function(move |_, _, buffer| {
                let Some(shared) = on_buffer.upgrade() else {
                    return Err(gst::FlowError::Flushing);
                };
                shared.update(|st| {
                    // A demuxer still announcing streams must read on: FLV, for
                    // one, may hold a video tag after the first audio tags, and
                    // a demuxer whose every pad is done stops before reaching it.
                    let announcing = st.demuxers > 0;
                    let Some(s) = st.streams.get_mut(index) else {
                        return Err(gst::FlowError::Flushing);
                    };
                    if s.done {
                        if announcing {
                            return Ok(gst::FlowSuccess::Ok);
                        }
                        // Enough of this stream: the demuxer may stop feeding it.
                        return Err(gst::FlowError::Eos);
                    }
                    // Data before the segment starts: a sink would drop it too.
                    if !s.in_segment(&buffer) {
                        return Ok(gst::FlowSuccess::Ok);
                    }
                    if s.first.is_none() {
                        s.done = !s.wants_second_buffer();
                        s.first = Some(buffer);
                    } else {
                        s.second_pts = buffer.pts();
                        s.done = true;
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
            })
            .event_function(move |_, _, event| {
                if let Some(shared) = on_event.upgrade() {
                    stream_event(&shared, index, &event);
                }
                true
            })
            // Any caps, and any change of them: left to the default handler, a pad
            // with caps would refuse new ones (a parser updating its output caps,
            // a stream changing format) and stop the demuxer with not-negotiated.
            .query_function(|pad, parent, query| match query.view_mut() {
                gst::QueryViewMut::AcceptCaps(q) => {
                    q.set_result(true);
                    true
                }
                gst::QueryViewMut::Caps(q) => {
                    let caps = q.filter().map_or_else(gst::Caps::new_any, |f| f.to_owned());
                    q.set_result(&caps);
                    true
                }
                _ => gst::Pad::query_default(pad, parent, query),
            })
            .build();
        let _ = pad.set_active(true);
        st.streams.push(Stream {
            pad: pad.clone(),
            id: String::new(),
            flags: gst::StreamFlags::empty(),
            caps: None,
            first: None,
            second_pts: None,
            tags: gst::TagList::new(),
            segment: None,
            done: false,
            eos: false,
            removed: false,
        });
        drop(st);
        if upstream.link(&pad).is_err() {
            shared.update(|st| {
                if let Some(s) = st.streams.get_mut(index) {
                    s.removed = true;
                }
            });
        }
    }
}

/// Keep what a stream says before its first buffer: its id, caps and tags.
fn stream_event(shared: &Shared, index: usize, event: &gst::Event) {
    shared.update(|st| {
        let Some(s) = st.streams.get_mut(index) else {
            return;
        };
        if let gst::EventView::Eos(_) = event.view() {
            s.done = true;
            s.eos = true;
            return;
        }
        if s.done {
            return;
        }
        match event.view() {
            gst::EventView::StreamStart(e) => {
                s.id = e.stream_id().to_string();
                s.flags = e.stream_flags();
            }
            gst::EventView::Toc(t) if st.toc.is_none() => st.toc = Some(t.toc_owned().0),
            gst::EventView::Caps(c) => s.caps = Some(c.caps_owned()),
            gst::EventView::Segment(e) => {
                s.segment = e.segment().downcast_ref::<gst::ClockTime>().cloned();
            }
            // Each stream tag event carries all the stream's tags so far.
            gst::EventView::Tag(t) if t.tag().scope() == gst::TagScope::Stream => {
                s.tags = t.tag_owned();
            }
            gst::EventView::Tag(t) => st
                .global
                .get_or_insert_with(gst::TagList::new)
                .make_mut()
                .insert(t.tag(), gst::TagMergeMode::Keep),
            gst::EventView::Gap(_) => s.done = true,
            _ => {}
        }
    });
}

/// Errors, missing plugins and global tags from the bus, handled on the thread
/// that posts them and then dropped: nothing queues on the bus, so no wakeup file
/// descriptor is written, polled and read for every message of every file.
fn watch_bus(pipeline: &gst::Pipeline, shared: &Arc<Shared>) {
    let bus = pipeline.bus().expect("pipeline has a bus");
    let shared = Arc::downgrade(shared);
    bus.set_sync_handler(move |_, msg| {
        use gst::MessageView;
        let Some(shared) = shared.upgrade() else {
            return gst::BusSyncReply::Drop;
        };
        match msg.view() {
            MessageView::Error(e) => {
                // Once every stream has been heard the file is described; damage
                // further on, which the demuxer may still run into before it stops,
                // is no concern of a probe (a sink would have prerolled already).
                shared.update(|st| {
                    if st.error.is_none() && !st.finished() {
                        st.error = Some(error_text(e.error().message(), e.debug().as_deref()));
                    }
                });
            }
            MessageView::Element(_) => {
                if let Ok(m) = pbutils::MissingPluginMessage::parse(msg) {
                    shared.lock().missing.push(format!(
                        "{} [{}]",
                        m.description(),
                        m.installer_detail()
                    ));
                }
            }
            MessageView::Toc(t) => {
                let mut st = shared.lock();
                if st.toc.is_none() {
                    st.toc = Some(t.toc().0);
                }
            }
            MessageView::Tag(t) => {
                let list = t.tags();
                if list.scope() == gst::TagScope::Global {
                    shared
                        .lock()
                        .global
                        .get_or_insert_with(gst::TagList::new)
                        .make_mut()
                        .insert(&list, gst::TagMergeMode::Keep);
                }
            }
            _ => {}
        }
        gst::BusSyncReply::Drop
    });
}

/// GStreamer's message, with the last line of its debug text when that says
/// more: "Could not demultiplex stream. (Failed to parse Element 0x1c53bb6b)".
fn error_text(message: &str, debug: Option<&str>) -> String {
    let message = message.trim();
    let detail = debug
        .and_then(|d| d.lines().map(str::trim).rfind(|l| !l.is_empty()))
        // A line like "file.c(123): function (): /GstPipeline:p/Element:e" only
        // says where; the detail, when there is one, is on the line after it.
        .filter(|l| !l.contains("(): /") && !message.contains(l));
    match detail {
        Some(d) => format!("{message} ({d})"),
        None => message.to_string(),
    }
}

/// Start the pipeline and wait until every stream has spoken, an error, or the
/// deadline; Err carries the failed probe.
fn run(
    pipeline: &gst::Pipeline,
    shared: &Shared,
    timeout: Duration,
    started: Instant,
) -> Result<(), Probe> {
    // A failure here is also posted as an error, which the loop reads.
    let _ = pipeline.set_state(gst::State::Paused);
    let mut stalled_since: Option<Instant> = None;
    let mut st = shared.lock();
    loop {
        if let Some(text) = st.error.take() {
            if !st.missing.is_empty() {
                return Err(Probe::failed(
                    Status::Unsupported,
                    format!("missing plugin: {}", st.missing.join(", ")),
                ));
            }
            return Err(Probe::failed(Status::Error, text));
        }
        if st.finished() {
            return Ok(());
        }
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(Probe::failed(
                Status::Timeout,
                format!(
                    "no answer from GStreamer within {:.1} s",
                    timeout.as_secs_f64()
                ),
            ));
        }
        let (guard, waited) = shared.cvar.wait_timeout(st, left.min(STALL_POLL)).unwrap();
        st = guard;
        if waited.timed_out() && !st.finished() && st.error.is_none() {
            // A demuxer can stop on damaged data without posting an error. What
            // remains visible is a streaming task that has stopped early.
            drop(st);
            let stopped = streaming_stopped(pipeline);
            st = shared.lock();
            if stopped {
                let since = *stalled_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= STALL_GRACE {
                    return Err(Probe::failed(
                        Status::Error,
                        "the demuxer stopped before finding a playable stream (damaged or truncated file)".into(),
                    ));
                }
            } else {
                stalled_since = None;
            }
        }
    }
}

/// How often to look for a stopped streaming task while waiting.
const STALL_POLL: Duration = Duration::from_millis(50);
/// How long a stopped task must stay stopped before the probe gives up on it.
const STALL_GRACE: Duration = Duration::from_millis(250);

/// Has any element's streaming task paused before the probe finished? A task
/// pauses when its element hit an error or the end of the data.
fn streaming_stopped(pipeline: &gst::Pipeline) -> bool {
    let mut it = pipeline.iterate_recurse();
    while let Ok(Some(e)) = it.next() {
        // The type finder's task pauses by design once a demuxer pulls the data.
        if e.factory().is_some_and(|f| f.name() == "typefind") {
            continue;
        }
        for pad in e.pads() {
            if pad.task_state() == gst::TaskState::Paused {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream end of a probe, fed by a pad of the test's own.
    fn stream_end() -> (gst::Pipeline, Arc<Shared>, gst::Pad) {
        init().unwrap();
        let pipeline = gst::Pipeline::new();
        let shared: Arc<Shared> = Arc::default();
        let src = gst::Pad::builder(gst::PadDirection::Src).build();
        src.set_active(true).unwrap();
        Ctx::new(&pipeline, &shared).end_stream(&src);
        (pipeline, shared, src)
    }

    #[test]
    fn a_stream_end_takes_new_caps_keeps_what_came_before_its_first_buffer_and_then_refuses_data() {
        let (_pipeline, shared, src) = stream_end();
        let caps = |w: i32| {
            gst::Caps::builder("video/x-h264")
                .field("width", w)
                .field("height", 240)
                .field("framerate", gst::Fraction::new(25, 1))
                .build()
        };
        assert!(src.push_event(gst::event::StreamStart::new("s1")));
        assert!(src.push_event(gst::event::Caps::new(&caps(320))));
        let mut segment = gst::FormattedSegment::<gst::ClockTime>::new();
        segment.set_start(gst::ClockTime::from_seconds(1));
        assert!(src.push_event(gst::event::Segment::new(&segment)));
        // A parser refining its caps before the first buffer: accepted, the newest kept.
        assert!(src.push_event(gst::event::Caps::new(&caps(640))));
        let mut tags = gst::TagList::new();
        tags.make_mut()
            .add::<gst::tags::Bitrate>(&1000, gst::TagMergeMode::Append);
        tags.make_mut().set_scope(gst::TagScope::Stream);
        assert!(src.push_event(gst::event::Tag::new(tags)));
        let buffer = |secs: u64| {
            let mut b = gst::Buffer::new();
            b.get_mut()
                .unwrap()
                .set_pts(gst::ClockTime::from_seconds(secs));
            b.get_mut()
                .unwrap()
                .set_duration(gst::ClockTime::from_mseconds(40));
            b
        };
        // Before the segment: a sink would drop it, so it is not the first buffer.
        assert_eq!(src.push(buffer(0)), Ok(gst::FlowSuccess::Ok));
        assert!(!shared.lock().streams[0].done);
        assert_eq!(src.push(buffer(2)), Ok(gst::FlowSuccess::Ok));
        {
            let st = shared.lock();
            let s = &st.streams[0];
            assert!(s.done && !s.eos);
            assert_eq!(s.id, "s1");
            assert_eq!(s.caps.as_ref().unwrap(), &caps(640));
            assert_eq!(s.tags.get::<gst::tags::Bitrate>().unwrap().get(), 1000);
        }
        // Enough of this stream: the demuxer is told to stop feeding it...
        assert_eq!(src.push(buffer(3)), Err(gst::FlowError::Eos));
        // ...and what comes later does not change the description.
        assert!(src.push_event(gst::event::Caps::new(&caps(1280))));
        assert_eq!(shared.lock().streams[0].caps.as_ref().unwrap(), &caps(640));
        assert!(src.push_event(gst::event::Eos::new()));
        assert!(shared.lock().streams[0].eos);
    }

    #[test]
    fn video_without_a_frame_rate_waits_for_a_second_frame() {
        let (_pipeline, shared, src) = stream_end();
        assert!(src.push_event(gst::event::StreamStart::new("s1")));
        let caps = gst::Caps::builder("video/x-wmv")
            .field("width", 320)
            .build();
        assert!(src.push_event(gst::event::Caps::new(&caps)));
        let segment = gst::FormattedSegment::<gst::ClockTime>::new();
        assert!(src.push_event(gst::event::Segment::new(&segment)));
        let buffer = |ms: u64| {
            let mut b = gst::Buffer::new();
            b.get_mut()
                .unwrap()
                .set_pts(gst::ClockTime::from_mseconds(ms));
            b
        };
        assert_eq!(src.push(buffer(0)), Ok(gst::FlowSuccess::Ok));
        assert!(
            !shared.lock().streams[0].done,
            "one frame cannot tell a rate"
        );
        assert_eq!(src.push(buffer(40)), Ok(gst::FlowSuccess::Ok));
        let st = shared.lock();
        assert!(st.streams[0].done);
        assert_eq!(
            st.streams[0].second_pts,
            Some(gst::ClockTime::from_mseconds(40))
        );
    }

    #[test]
    fn error_text_adds_the_detail_but_not_the_source_location() {
        assert_eq!(
            error_text(
                "Could not demultiplex stream.",
                Some(
                    "../gst/matroska/matroska-demux.c(5943): gst_matroska_demux_parse_id (): /GstPipeline:pipeline0/GstMatroskaDemux:matroskademux0:\nFailed to parse Element 0x1c53bb6b"
                )
            ),
            "Could not demultiplex stream. (Failed to parse Element 0x1c53bb6b)"
        );
        assert_eq!(
            error_text(
                "Could not determine type of stream.",
                Some(
                    "../plugins/elements/gsttypefindelement.c(1186): gst_type_find_element_loop (): /GstPipeline:pipeline1/GstTypeFindElement:typefindelement1"
                )
            ),
            "Could not determine type of stream."
        );
        assert_eq!(error_text(" Bad. ", None), "Bad.");
    }
}
