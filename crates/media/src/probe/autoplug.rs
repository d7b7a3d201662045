//! Autoplugging: after the type finder and after every new pad, the demuxer or
//! parser the caps call for, best rank first, until the stream is parsed enough;
//! then a stream end ([`super::stream_end`]).
//!
//! Invariants: never a decoder (only factories of the demuxer and parser
//! classes are candidates); subtitles and raw streams are ended as they come; a
//! failed plug leaves the pipeline as it was; the signal handlers hold the
//! pipeline and the shared state weakly, so nothing outlives the probe.

use std::sync::{Arc, Mutex, OnceLock};

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_pbutils as pbutils;

use super::describe::caps_text;
use super::names;
use super::state::{Findings, Watch};

/// Demuxers and parsers: caps one of these can take are not yet "parsed enough".
fn splitters() -> &'static Vec<gst::ElementFactory> {
    static F: OnceLock<Vec<gst::ElementFactory>> = OnceLock::new();
    F.get_or_init(|| {
        gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DEMUXER | gst::ElementFactoryType::PARSER,
            gst::Rank::MARGINAL,
        )
        .into_iter()
        // libav's IFF demuxer spins without end on DSDIFF (`.dff`) files:
        // such a file is described from its headers (`headers::dsdiff`).
        .filter(|f| f.name() != "avdemux_iff")
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
    // JPEG 2000 as the container gives it: jpeg2000parse drops the JP2
    // header that names a frame's colour space (and guesses sRGB).
    if matches!(name, "image/x-j2c" | "image/x-jpc") {
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

/// What the signal handlers of one probe need: weak, so nothing keeps the
/// pipeline or the shared state alive in a reference cycle.
#[derive(Clone)]
pub(super) struct Handlers {
    pub(super) pipeline: glib::WeakRef<gst::Pipeline>,
    pub(super) shared: std::sync::Weak<Watch>,
}

impl Handlers {
    pub(super) fn new(pipeline: &gst::Pipeline, shared: &Arc<Watch>) -> Handlers {
        Handlers {
            pipeline: pipeline.downgrade(),
            shared: Arc::downgrade(shared),
        }
    }

    /// [`Watch::update`], while the probe lasts.
    pub(super) fn update(&self, f: impl FnOnce(&mut Findings)) {
        if let Some(shared) = self.shared.upgrade() {
            shared.update(f);
        }
    }

    /// Plug what `pad` needs next: a demuxer or parser while its `caps` can be
    /// split or parsed further, else a stream end.
    pub(super) fn attach(&self, pad: &gst::Pad, caps: &gst::Caps, top: bool) {
        if keep_plugging(pad, caps) {
            if candidates(caps).iter().any(|f| self.plug(pad, f)) {
                return;
            }
            if top {
                self.missing(caps);
                return;
            }
        }
        // A container libav's type finders know and no demuxer here takes,
        // and CAF and Wave64, which GStreamer's type finder knows and no
        // demuxer reads.
        let undemuxed = caps.structure(0).is_some_and(|s| {
            s.name().starts_with("application/x-gst-av-")
                || matches!(s.name().as_str(), "audio/x-caf" | "audio/x-w64")
        });
        if top && undemuxed {
            self.missing(caps);
            return;
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
}
