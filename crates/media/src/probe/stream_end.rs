//! Stream ends: an unparented sink pad of ours after each elementary stream.
//! It keeps the stream's id, caps and tags up to its first buffer within the
//! segment (what a sink would preroll on) and refuses the rest, so the demuxer
//! stops reading early.
//!
//! Invariants: any caps are accepted, and any change of them (a parser refining
//! its output, a stream changing format) until the stream is done; data before
//! the segment starts is dropped as a sink would drop it; while a demuxer is
//! still announcing streams a done stream keeps accepting data, so the demuxer
//! reads on to the streams it has not announced yet.

use gstreamer as gst;
use gstreamer::prelude::*;

use super::autoplug::Handlers;
use super::state::{Findings, Stream, Watch};

impl Handlers {
    /// End the stream coming out of `upstream` in a pad of ours.
    pub(super) fn end_stream(&self, upstream: &gst::Pad) {
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
                shared.update(|st| take_buffer(st, index, buffer))
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

/// A buffer of stream `index`: keep the first (and a second, when the
/// stream needs it to be described), then tell the demuxer it may stop.
fn take_buffer(
    st: &mut Findings,
    index: usize,
    buffer: gst::Buffer,
) -> Result<gst::FlowSuccess, gst::FlowError> {
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
}

/// Keep what a stream says before its first buffer: its id, caps and tags.
fn stream_event(shared: &Watch, index: usize, event: &gst::Event) {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::probe::init;

    /// A stream end of a probe, fed by a pad of the test's own.
    fn stream_end() -> (gst::Pipeline, Arc<Watch>, gst::Pad) {
        init().unwrap();
        let pipeline = gst::Pipeline::new();
        let shared: Arc<Watch> = Arc::default();
        let src = gst::Pad::builder(gst::PadDirection::Src).build();
        src.set_active(true).unwrap();
        Handlers::new(&pipeline, &shared).end_stream(&src);
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
}
