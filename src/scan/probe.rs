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

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_pbutils as pbutils;
use serde_json::{Map, Value, json};

use crate::catalog::files::Status;

/// What a probe found.
#[derive(Debug, Clone)]
pub struct Probe {
    pub status: Status,
    pub error: Option<String>,
    pub doc: Value,
}

impl Probe {
    fn failed(status: Status, error: String) -> Probe {
        Probe {
            status,
            error: Some(error),
            doc: json!({}),
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
    if name.ends_with("/x-raw") || name.starts_with("text/") || name.starts_with("subpicture/") {
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
        let streams: Vec<StreamInfo> = st
            .streams
            .iter_mut()
            .filter(|s| !s.removed)
            .filter_map(|s| {
                Some(StreamInfo {
                    id: std::mem::take(&mut s.id),
                    caps: s.caps.take()?,
                    tags: std::mem::replace(&mut s.tags, gst::TagList::new()),
                })
            })
            .collect();
        let global = st.global.take().unwrap_or_default();
        (st.container.take(), duration, streams, global)
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
    match found {
        Ok((container, duration, streams, global)) => {
            describe(path, container.as_ref(), duration, streams, global)
        }
        Err(p) => p,
    }
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
    caps: Option<gst::Caps>,
    tags: gst::TagList,
    segment: Option<gst::FormattedSegment<gst::ClockTime>>,
    /// Had its first buffer, a gap or the end of the stream.
    done: bool,
    /// Had the end of the stream: its demuxer is through with it.
    eos: bool,
    /// Its demuxer took the pad away again.
    removed: bool,
}

impl Stream {
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
                    let Some(s) = st.streams.get_mut(index) else {
                        return Err(gst::FlowError::Flushing);
                    };
                    if s.done {
                        // Enough of this stream: the demuxer may stop feeding it.
                        return Err(gst::FlowError::Eos);
                    }
                    // Data before the segment starts: a sink would drop it too.
                    s.done = s.in_segment(&buffer);
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
            caps: None,
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
            gst::EventView::StreamStart(e) => s.id = e.stream_id().to_string(),
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

struct StreamInfo {
    id: String,
    caps: gst::Caps,
    tags: gst::TagList,
}

fn describe(
    path: &Path,
    container_caps: Option<&gst::Caps>,
    duration: Option<gst::ClockTime>,
    mut streams: Vec<StreamInfo>,
    global: gst::TagList,
) -> Probe {
    // Streams are announced in thread order; stream ids carry the container's track order.
    streams.sort_by(|a, b| a.id.cmp(&b.id));

    let mut doc = Map::new();
    if let Some(caps) = container_caps {
        if let Some(name) = container_name(caps) {
            doc.insert("container".into(), json!(name));
        }
        doc.insert(
            "container_description".into(),
            json!(pbutils::functions::pb_utils_get_codec_description(caps).as_str()),
        );
        doc.insert(
            "mime_type".into(),
            json!(caps.structure(0).map(|s| s.name().as_str()).unwrap_or("")),
        );
    }
    let size = std::fs::metadata(path).ok().map(|m| m.len());
    if let Some(size) = size {
        doc.insert("size".into(), json!(size));
    }
    if let Some(d) = duration.filter(|d| d.nseconds() > 0) {
        doc.insert("duration_ns".into(), json!(d.nseconds()));
        let secs = d.nseconds() as f64 / 1e9;
        doc.insert("duration_s".into(), json!(secs));
        if let Some(size) = size {
            doc.insert(
                "bitrate".into(),
                json!(((size as f64) * 8.0 / secs).round() as u64),
            );
        }
    }
    let tags = tags_json(&global, true);
    let stream_docs: Vec<Value> = streams.iter().map(stream_json).collect();
    let first = |kind: &str| stream_docs.iter().find(|s| s["kind"] == kind);
    if let Some(v) = first("video") {
        let mut summary = Map::new();
        for k in ["codec", "width", "height", "frame_rate", "hdr"] {
            if let Some(x) = v.get(k) {
                summary.insert(k.into(), x.clone());
            }
        }
        doc.insert("video".into(), Value::Object(summary));
    }
    if let Some(a) = first("audio") {
        let mut summary = Map::new();
        for k in ["codec", "channels", "sample_rate", "language"] {
            if let Some(x) = a.get(k) {
                summary.insert(k.into(), x.clone());
            }
        }
        doc.insert("audio".into(), Value::Object(summary));
    }
    for kind in ["video", "audio", "subtitle"] {
        let n = stream_docs.iter().filter(|s| s["kind"] == kind).count();
        doc.insert(format!("{kind}_streams"), json!(n));
    }
    if !tags.is_empty() {
        doc.insert("tags".into(), Value::Object(tags));
    }
    doc.insert("streams".into(), Value::Array(stream_docs));
    if streams.is_empty() {
        return Probe {
            status: Status::Error,
            error: Some("no streams found".into()),
            doc: Value::Object(doc),
        };
    }
    Probe {
        status: Status::Ok,
        error: None,
        doc: Value::Object(doc),
    }
}

/// Short container names people filter on.
fn container_name(caps: &gst::CapsRef) -> Option<String> {
    let s = caps.structure(0)?;
    let name = s.name().as_str();
    let short = match name {
        "video/quicktime" => match s.get::<&str>("variant").unwrap_or("") {
            "iso" | "iso-fragmented" => "mp4",
            "3gpp" => "3gp",
            "3g2" => "3g2",
            "mj2" => "mj2",
            _ => "mov",
        },
        "audio/x-m4a" => "m4a",
        "video/x-matroska" => "mkv",
        "video/webm" | "audio/webm" => "webm",
        "video/x-msvideo" => "avi",
        "video/mpegts" => {
            if s.get::<i32>("packetsize").unwrap_or(188) == 192 {
                "m2ts"
            } else {
                "ts"
            }
        }
        "video/mpeg" if s.get::<bool>("systemstream").unwrap_or(false) => "mpeg-ps",
        "application/ogg" | "video/ogg" | "audio/ogg" => "ogg",
        "video/x-flv" => "flv",
        "video/x-ms-asf" => "asf",
        "application/mxf" => "mxf",
        "video/x-dv" => "dv",
        "application/x-id3" | "application/x-apetag" => "tagged",
        "audio/x-wav" => "wav",
        "audio/x-flac" => "flac",
        "audio/mpeg" => match s.get::<i32>("mpegversion").unwrap_or(1) {
            1 => "mp3",
            _ => "aac",
        },
        "video/x-h264" => "h264",
        "video/x-h265" => "hevc",
        "video/x-ivf" => "ivf",
        "video/x-nuv" => "nuv",
        "application/vnd.rn-realmedia" => "rm",
        other => other
            .rsplit('/')
            .next()
            .unwrap_or(other)
            .trim_start_matches("x-"),
    };
    Some(short.to_string())
}

/// Short codec names, in the spirit of ffprobe's.
fn codec_name(s: &gst::StructureRef) -> String {
    let name = s.name().as_str();
    let int = |f: &str| s.get::<i32>(f).ok();
    match name {
        "video/x-h264" => "h264".into(),
        "video/x-h265" => "hevc".into(),
        "video/x-h266" => "vvc".into(),
        "video/x-vp8" => "vp8".into(),
        "video/x-vp9" => "vp9".into(),
        "video/x-av1" => "av1".into(),
        "video/mpeg" => match int("mpegversion") {
            Some(1) => "mpeg1video".into(),
            Some(2) => "mpeg2video".into(),
            Some(4) => "mpeg4".into(),
            _ => "mpegvideo".into(),
        },
        "video/x-divx" | "video/x-xvid" => "mpeg4".into(),
        "video/x-h263" => "h263".into(),
        "image/jpeg" => "mjpeg".into(),
        "image/png" => "png".into(),
        "video/x-theora" => "theora".into(),
        "video/x-prores" => "prores".into(),
        "video/x-dnxhd" => "dnxhd".into(),
        "video/x-ffv" => "ffv1".into(),
        "video/x-wmv" => match (int("wmvversion"), s.get::<&str>("format").ok()) {
            (_, Some("WVC1")) => "vc1".into(),
            (Some(v), _) => format!("wmv{v}"),
            _ => "wmv".into(),
        },
        "video/x-dirac" => "dirac".into(),
        "video/x-raw" => "rawvideo".into(),
        "video/x-dv" => "dvvideo".into(),
        "video/x-flash-video" => "flv1".into(),
        "audio/mpeg" => match (int("mpegversion"), int("layer")) {
            (Some(1), Some(3)) | (Some(1), None) => "mp3".into(),
            (Some(1), Some(2)) => "mp2".into(),
            (Some(1), Some(1)) => "mp1".into(),
            _ => "aac".into(),
        },
        "audio/x-opus" => "opus".into(),
        "audio/x-vorbis" => "vorbis".into(),
        "audio/x-flac" => "flac".into(),
        "audio/x-ac3" | "audio/ac3" => "ac3".into(),
        "audio/x-eac3" => "eac3".into(),
        "audio/x-dts" => "dts".into(),
        "audio/x-true-hd" => "truehd".into(),
        "audio/x-alac" => "alac".into(),
        "audio/x-raw" => "pcm".into(),
        "audio/x-alaw" => "pcm_alaw".into(),
        "audio/x-mulaw" => "pcm_mulaw".into(),
        "audio/x-wma" => match int("wmaversion") {
            Some(v) => format!("wmav{v}"),
            None => "wma".into(),
        },
        "audio/AMR" => "amr_nb".into(),
        "audio/AMR-WB" => "amr_wb".into(),
        "text/x-raw" => "text".into(),
        "application/x-ssa" | "application/x-ass" => "ass".into(),
        "application/x-subtitle-vtt" => "webvtt".into(),
        "subpicture/x-pgs" => "pgs".into(),
        "subpicture/x-dvd" => "dvd_subtitle".into(),
        "subpicture/x-dvb" => "dvb_subtitle".into(),
        other => other
            .rsplit('/')
            .next()
            .unwrap_or(other)
            .trim_start_matches("x-")
            .to_string(),
    }
}

fn kind_of(name: &str) -> &'static str {
    if name.starts_with("video/") || name.starts_with("image/") {
        "video"
    } else if name.starts_with("audio/") {
        "audio"
    } else if name.starts_with("text/")
        || name.starts_with("subpicture/")
        || matches!(
            name,
            "application/x-ssa" | "application/x-ass" | "application/x-subtitle-vtt"
        )
    {
        "subtitle"
    } else {
        "other"
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

fn stream_json(st: &StreamInfo) -> Value {
    let mut m = Map::new();
    let Some(s) = st.caps.structure(0) else {
        return Value::Object(m);
    };
    let name = s.name().as_str();
    m.insert("kind".into(), json!(kind_of(name)));
    m.insert("codec".into(), json!(codec_name(s)));
    m.insert(
        "codec_description".into(),
        json!(pbutils::functions::pb_utils_get_codec_description(&st.caps).as_str()),
    );
    if !st.id.is_empty() {
        m.insert("stream_id".into(), json!(st.id));
    }
    let get_str = |f: &str| s.get::<&str>(f).ok().map(str::to_string);
    let get_int = |f: &str| s.get::<i32>(f).ok();
    let get_uint = |f: &str| s.get::<u32>(f).ok();
    for (field, key) in [("profile", "profile"), ("level", "level"), ("tier", "tier")] {
        if let Some(v) = get_str(field) {
            m.insert(key.into(), json!(v));
        }
    }
    let (w, h) = (get_int("width"), get_int("height"));
    if let Some(w) = w {
        m.insert("width".into(), json!(w));
    }
    if let Some(h) = h {
        m.insert("height".into(), json!(h));
    }
    let par = s.get::<gst::Fraction>("pixel-aspect-ratio").ok();
    if let Some(p) = par {
        m.insert(
            "pixel_aspect_ratio".into(),
            json!(format!("{}:{}", p.numer(), p.denom())),
        );
    }
    if let (Some(w), Some(h)) = (w, h)
        && w > 0
        && h > 0
    {
        let (pn, pd) = par
            .map(|p| (p.numer() as i64, p.denom() as i64))
            .unwrap_or((1, 1));
        let (dn, dd) = (w as i64 * pn, h as i64 * pd);
        let g = gcd(dn, dd).max(1);
        m.insert(
            "display_aspect_ratio".into(),
            json!(format!("{}:{}", dn / g, dd / g)),
        );
    }
    if let Ok(fr) = s.get::<gst::Fraction>("framerate")
        && fr.numer() > 0
        && fr.denom() > 0
    {
        m.insert(
            "frame_rate".into(),
            json!(fr.numer() as f64 / fr.denom() as f64),
        );
        m.insert(
            "frame_rate_fraction".into(),
            json!(format!("{}/{}", fr.numer(), fr.denom())),
        );
    }
    if let Some(mode) = get_str("interlace-mode") {
        m.insert("interlaced".into(), json!(mode != "progressive"));
        m.insert("interlace_mode".into(), json!(mode));
    }
    if let Some(b) =
        get_uint("bit-depth-luma").or_else(|| get_int("bit-depth-luma").map(|v| v as u32))
    {
        m.insert("bit_depth".into(), json!(b));
    }
    if let Some(c) = get_str("chroma-format") {
        m.insert("chroma_format".into(), json!(c));
    }
    if let Some(c) = get_str("colorimetry") {
        colorimetry(&c, &mut m);
    }
    if s.has_field("mastering-display-info") && !m.contains_key("hdr") {
        m.insert("hdr".into(), json!("HDR10"));
    }
    if name == "video/x-h265"
        && let Some(p) = m.get("profile").and_then(Value::as_str)
        && p.contains("dolby")
    {
        m.insert("hdr".into(), json!("Dolby Vision"));
    }
    if let Some(ch) = get_int("channels") {
        m.insert("channels".into(), json!(ch));
        let mask = s.get::<gst::Bitmask>("channel-mask").ok().map(|b| b.0);
        if let Some(layout) = channel_layout(ch, mask) {
            m.insert("channel_layout".into(), json!(layout));
        }
    }
    if let Some(rate) = get_int("rate") {
        m.insert("sample_rate".into(), json!(rate));
    }
    if kind_of(name) == "audio"
        && let Some(fmt) = get_str("format")
        && let Some(bits) = fmt.get(1..).and_then(|d| {
            d.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .parse::<u32>()
                .ok()
        })
    {
        m.insert("bit_depth".into(), json!(bits));
    }
    let tags = tags_json(&st.tags, false);
    if let Some(lang) = tags
        .get("language_code")
        .or_else(|| tags.get("language_name"))
    {
        m.insert("language".into(), lang.clone());
    }
    if let Some(t) = tags.get("title") {
        m.insert("title".into(), t.clone());
    }
    if let Some(b) = tags.get("bitrate").or_else(|| tags.get("nominal_bitrate")) {
        m.insert("bitrate".into(), b.clone());
    }
    if let Some(o) = tags.get("image_orientation").and_then(Value::as_str) {
        let deg = o
            .trim_start_matches("flip-")
            .trim_start_matches("rotate-")
            .parse::<u32>()
            .ok();
        if let Some(d) = deg {
            m.insert("rotation".into(), json!(d));
        }
    }
    if !tags.is_empty() {
        m.insert("tags".into(), Value::Object(tags));
    }
    m.insert("caps".into(), json!(caps_text(&st.caps)));
    Value::Object(m)
}

/// Caps as text without the bulky binary fields (codec headers).
fn caps_text(caps: &gst::Caps) -> String {
    let mut c = caps.copy();
    if let Some(s) = c.make_mut().structure_mut(0) {
        for f in ["codec_data", "streamheader"] {
            s.remove_field(f);
        }
    }
    c.to_string()
}

fn colorimetry(text: &str, m: &mut Map<String, Value>) {
    use gstreamer_video::{VideoColorRange, VideoColorimetry, VideoTransferFunction};
    let Ok(c) = text.parse::<VideoColorimetry>() else {
        return;
    };
    let lower = |d: String| d.to_ascii_lowercase();
    let mut o = Map::new();
    match c.range() {
        VideoColorRange::Range0_255 => {
            o.insert("range".into(), json!("full"));
        }
        VideoColorRange::Range16_235 => {
            o.insert("range".into(), json!("limited"));
        }
        _ => {}
    }
    let matrix = lower(format!("{:?}", c.matrix()));
    if matrix != "unknown" {
        o.insert("matrix".into(), json!(matrix));
    }
    let transfer = c.transfer();
    let tname = match transfer {
        VideoTransferFunction::Smpte2084 => "smpte2084".to_string(),
        VideoTransferFunction::AribStdB67 => "arib-std-b67".to_string(),
        other => lower(format!("{other:?}")),
    };
    if tname != "unknown" {
        o.insert("transfer".into(), json!(tname));
    }
    let primaries = lower(format!("{:?}", c.primaries()));
    if primaries != "unknown" {
        o.insert("primaries".into(), json!(primaries));
    }
    o.insert("text".into(), json!(text));
    match transfer {
        VideoTransferFunction::Smpte2084 => {
            m.insert("hdr".into(), json!("HDR10"));
        }
        VideoTransferFunction::AribStdB67 => {
            m.insert("hdr".into(), json!("HLG"));
        }
        _ => {}
    }
    m.insert("colorimetry".into(), Value::Object(o));
}

fn channel_layout(channels: i32, mask: Option<u64>) -> Option<&'static str> {
    // GStreamer channel positions: FL=0x1 FR=0x2 FC=0x4 LFE1=0x8 RL=0x10 RR=0x20
    // SL=0x400... (GstAudioChannelPosition bits).
    match (channels, mask) {
        (1, None | Some(0) | Some(0x4)) => Some("mono"),
        (2, None | Some(0) | Some(0x3)) => Some("stereo"),
        (3, Some(0x7)) => Some("3.0"),
        (3, Some(0xb)) => Some("2.1"),
        (4, Some(0x33)) => Some("quad"),
        (6, Some(0x3f)) => Some("5.1"),
        (6, Some(m)) if m & 0xf == 0xf && m.count_ones() == 6 => Some("5.1(side)"),
        (8, Some(m)) if m & 0xf == 0xf && m.count_ones() == 8 => Some("7.1"),
        _ => None,
    }
}

/// Tags as a JSON object with `snake_case` keys; dates in UTC ISO-8601; binary
/// values (cover art, private data) described by size instead of dumped.
fn tags_json(tags: &gst::TagList, container: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, values) in tags.iter_generic() {
        let mut key = name.as_str().replace(['-', ' '], "_");
        if container && key == "datetime" {
            key = "creation_time".into();
        }
        let vals: Vec<Value> = values.filter_map(value_json).collect();
        match vals.len() {
            0 => {}
            1 => {
                out.insert(key, vals.into_iter().next().unwrap());
            }
            _ => {
                out.insert(key, Value::Array(vals));
            }
        }
    }
    out
}

fn value_json(v: &glib::SendValue) -> Option<Value> {
    if let Ok(s) = v.get::<String>() {
        return Some(json!(s));
    }
    if let Ok(x) = v.get::<u32>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<i32>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<u64>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<i64>() {
        return Some(json!(x));
    }
    if let Ok(x) = v.get::<f64>() {
        return serde_json::Number::from_f64(x).map(Value::Number);
    }
    if let Ok(x) = v.get::<bool>() {
        return Some(json!(x));
    }
    if let Ok(dt) = v.get::<gst::DateTime>() {
        return datetime_json(&dt);
    }
    if let Ok(d) = v.get::<glib::Date>() {
        return Some(json!(format!(
            "{:04}-{:02}-{:02}",
            d.year(),
            glib::translate::IntoGlib::into_glib(d.month()),
            d.day()
        )));
    }
    if let Ok(sample) = v.get::<gst::Sample>() {
        let size = sample.buffer().map(|b| b.size()).unwrap_or(0);
        let kind = sample
            .caps()
            .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
            .unwrap_or_default();
        return Some(json!({ "binary": kind, "bytes": size }));
    }
    None
}

pub(crate) fn datetime_json(dt: &gst::DateTime) -> Option<Value> {
    // A date with a time of day becomes UTC; a bare date or year stays as written.
    if dt.has_time()
        && let Ok(g) = dt
            .to_g_date_time()
            .and_then(|g| g.to_utc().map_err(|_| glib::bool_error!("utc")))
        && let Ok(s) = g.format("%Y-%m-%dT%H:%M:%SZ")
    {
        return Some(json!(s.as_str()));
    }
    dt.to_iso8601_string().ok().map(|s| json!(s.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_utc_and_bare_dates_stay() {
        init().unwrap();
        let t = gst::DateTime::new(2.0, 2021, 6, 1, 10, 20, 30.0).unwrap();
        assert_eq!(datetime_json(&t), Some(json!("2021-06-01T08:20:30Z")));
        let d = gst::DateTime::from_ymd(2019, 3, 4).unwrap();
        assert_eq!(datetime_json(&d), Some(json!("2019-03-04")));
    }

    #[test]
    fn codec_and_container_names() {
        init().unwrap();
        let caps = |s: &str| s.parse::<gst::Caps>().unwrap();
        let name = |s: &str| codec_name(caps(s).structure(0).unwrap());
        assert_eq!(
            name("video/mpeg, mpegversion=(int)2, systemstream=(boolean)false"),
            "mpeg2video"
        );
        assert_eq!(name("audio/mpeg, mpegversion=(int)1, layer=(int)3"), "mp3");
        assert_eq!(name("audio/mpeg, mpegversion=(int)4"), "aac");
        assert_eq!(
            name("video/x-wmv, wmvversion=(int)3, format=(string)WVC1"),
            "vc1"
        );
        assert_eq!(
            container_name(&caps("video/quicktime, variant=(string)apple")).unwrap(),
            "mov"
        );
        assert_eq!(
            container_name(&caps("video/mpegts, packetsize=(int)192")).unwrap(),
            "m2ts"
        );
        assert_eq!(channel_layout(6, Some(0x3f)), Some("5.1"));
        assert_eq!(channel_layout(6, None), None, "a layout is never guessed");
    }

    #[test]
    fn colorimetry_tells_hdr() {
        init().unwrap();
        let mut m = Map::new();
        colorimetry("bt2100-pq", &mut m);
        assert_eq!(m["hdr"], "HDR10");
        assert_eq!(m["colorimetry"]["transfer"], "smpte2084");
        let mut m = Map::new();
        colorimetry("bt2100-hlg", &mut m);
        assert_eq!(m["hdr"], "HLG");
        let mut m = Map::new();
        colorimetry("bt709", &mut m);
        assert!(m.get("hdr").is_none());
        assert_eq!(m["colorimetry"]["range"], "limited");
    }

    #[test]
    fn a_stream_end_takes_new_caps_keeps_what_came_before_its_first_buffer_and_then_refuses_data() {
        init().unwrap();
        let pipeline = gst::Pipeline::new();
        let shared: Arc<Shared> = Arc::default();
        let src = gst::Pad::builder(gst::PadDirection::Src).build();
        src.set_active(true).unwrap();
        Ctx::new(&pipeline, &shared).end_stream(&src);
        let caps = |w: i32| {
            gst::Caps::builder("video/x-h264")
                .field("width", w)
                .field("height", 240)
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
