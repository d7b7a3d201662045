//! AAC whose spectral band replication (SBR) or parametric stereo (PS) is
//! signalled only in its frames: an ADTS header, or an MP4 configuration of
//! the core alone, says 22.05 kHz mono where the decoder gives 44.1 kHz
//! stereo. ffprobe reports what FFmpeg's decoder makes of the first frame;
//! so does this, with the same decoder (gst-libav's `avdec_aac`) on the one
//! frame the stream end kept. Nothing else in a probe decodes.

use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use mediadex_core::scan::document::Stream;

use super::Heard;
use super::audio::channel_layout;

/// AAC at a core rate SBR may double (at most 24 kHz), its extension not
/// stated by the header or configuration: the rate and channels FFmpeg's
/// decoder gives for the first frame, as ffprobe reports them, and the
/// profile that implies.
pub(super) fn implicit_sbr(heard: &Heard, out: &mut Stream) {
    let (Some(rate), Some(channels)) = (out.sample_rate, out.channels) else {
        return;
    };
    if out.codec != "aac" || rate > 24_000 {
        return;
    }
    let Some(first) = &heard.first else {
        return;
    };
    let Some(o) = decoded(&heard.caps, first) else {
        return;
    };
    if o.rate > rate {
        out.profile = Some(
            if o.channels > channels {
                "he-aac-v2"
            } else {
                "he-aac"
            }
            .into(),
        );
    }
    if (o.rate, o.channels) != (rate, channels) {
        out.sample_rate = Some(o.rate);
        out.channels = Some(o.channels);
        out.channel_layout = channel_layout(o.channels, None).map(str::to_string);
    }
}

/// What the decoder gives for a stream's first frame.
#[derive(Debug, PartialEq)]
pub(super) struct Output {
    pub(super) rate: i32,
    pub(super) channels: i32,
}

/// Decode `frame` of a stream with `caps` and read the decoder's output
/// caps; `None` when the decoder is missing or gives nothing.
pub(super) fn decoded(caps: &gst::Caps, frame: &gst::Buffer) -> Option<Output> {
    let decoder = gst::ElementFactory::make("avdec_aac").build().ok()?;
    let heard: Arc<Mutex<Option<gst::Caps>>> = Arc::default();
    let feed = gst::Pad::builder(gst::PadDirection::Src).build();
    let seen = heard.clone();
    let sink = gst::Pad::builder(gst::PadDirection::Sink)
        .chain_function(|_, _, _| Ok(gst::FlowSuccess::Ok))
        .event_function(move |_, _, event| {
            if let gst::EventView::Caps(c) = event.view() {
                *seen.lock().unwrap() = Some(c.caps_owned());
            }
            true
        })
        .build();
    let linked = feed.link(&decoder.static_pad("sink")?).is_ok()
        && decoder.static_pad("src")?.link(&sink).is_ok();
    let output = (linked
        && feed.set_active(true).is_ok()
        && sink.set_active(true).is_ok()
        && decoder.set_state(gst::State::Playing).is_ok())
    .then(|| {
        feed.push_event(gst::event::StreamStart::new("aac"));
        feed.push_event(gst::event::Caps::new(caps));
        let segment = gst::FormattedSegment::<gst::ClockTime>::new();
        feed.push_event(gst::event::Segment::new(&segment));
        let _ = feed.push(frame.copy());
        feed.push_event(gst::event::Eos::new());
        heard.lock().unwrap().take()
    })
    .flatten();
    let _ = decoder.set_state(gst::State::Null);
    let s = output?.structure(0)?.to_owned();
    Some(Output {
        rate: s.get::<i32>("rate").ok().filter(|&r| r > 0)?,
        channels: s.get::<i32>("channels").ok().filter(|&c| c > 0)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One ADTS frame of HE-AAC v2 (22.05 kHz mono core, SBR and PS in the
    /// frame), from pymediainfo's `aac_he_v2.aac` (tests/media/adts).
    fn first_adts_frame() -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/media/adts/he_v2.aac"
        );
        let b = std::fs::read(path).unwrap();
        let start = b
            .windows(2)
            .position(|w| w[0] == 0xFF && w[1] & 0xF6 == 0xF0)
            .unwrap();
        let h = &b[start..];
        let len = (((h[3] & 3) as usize) << 11) | ((h[4] as usize) << 3) | (h[5] as usize >> 5);
        h[..len].to_vec()
    }

    #[test]
    fn the_decoder_finds_sbr_and_ps_the_header_does_not_state() {
        crate::probe::init().unwrap();
        let caps = gst::Caps::builder("audio/mpeg")
            .field("mpegversion", 4i32)
            .field("stream-format", "adts")
            .field("rate", 22050i32)
            .field("channels", 1i32)
            .field("framed", true)
            .build();
        let frame = gst::Buffer::from_slice(first_adts_frame());
        assert_eq!(
            decoded(&caps, &frame),
            Some(Output {
                rate: 44100,
                channels: 2
            })
        );
    }
}
