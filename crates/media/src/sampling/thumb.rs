//! The thumbnail a fingerprint run keeps for people: one of the frames the
//! sampling decodes anyway, near the middle of the video, scaled to
//! [`WIDTH`] pixels wide with its display aspect, turned as the stream's
//! orientation tag says, and encoded by GStreamer's `jpegenc` at the highest
//! quality that fits in [`MAX_BYTES`].
//!
//! Invariants: it costs no extra decoding (a frame is copied only when it
//! becomes the candidate, at most a few times a file); a black or flat frame
//! is taken only when the file has no better one; any failure here costs
//! the picture, never the fingerprint.

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_video as gst_video;

use mediadex_core::catalog::thumbnails::{MAX_BYTES, Thumbnail};

/// Width of the picture, pixels.
const WIDTH: u32 = 160;
/// Tallest picture: a portrait video is made narrower to stay within it.
const MAX_HEIGHT: u32 = 200;
/// Frames under this quality (black, flat, a fade, credits on black: 0.1 to
/// 0.13 on real clips; pictures score 0.5 to 1) are a last resort.
const GOOD: f32 = 0.3;
/// JPEG qualities tried in turn until the picture fits.
const QUALITIES: [i32; 6] = [80, 65, 50, 35, 20, 8];

/// The frame chosen so far: a deep copy, so no buffer of the decoder's pool
/// is held while it decodes on.
struct Chosen {
    sample: gst::Sample,
    t_ms: i64,
    quality: f32,
    orientation: String,
}

/// Picks the frame: the first good one at or after the middle; before that,
/// the first good one (or the best of the poor ones) stands in.
#[derive(Default)]
pub(super) struct Pick {
    chosen: Option<Chosen>,
    settled: bool,
}

impl Pick {
    /// Consider a decoded frame at `t_s` of a file `duration_s` long.
    pub(super) fn offer(
        &mut self,
        sample: &gst::Sample,
        t_s: f64,
        quality: f32,
        duration_s: Option<f64>,
        orientation: &str,
    ) {
        if self.settled {
            return;
        }
        let good = quality >= GOOD;
        let middle = duration_s.map_or(1.0, |d| d / 2.0);
        let better = match &self.chosen {
            None => true,
            Some(c) if c.quality < GOOD => quality > c.quality,
            Some(_) => good && t_s >= middle,
        };
        if !better {
            return;
        }
        let Some(copy) = deep_copy(sample) else {
            return;
        };
        self.settled = good && t_s >= middle;
        self.chosen = Some(Chosen {
            sample: copy,
            t_ms: (t_s * 1000.0).round() as i64,
            quality,
            orientation: orientation.to_string(),
        });
    }

    /// The picture of the chosen frame, if one was chosen and encodes.
    pub(super) fn encode(self) -> Option<Thumbnail> {
        let c = self.chosen?;
        let info = gst_video::VideoInfo::from_caps(c.sample.caps()?).ok()?;
        let (direction, turned) = direction(&c.orientation);
        let (w, h) = size(&info, turned);
        // Scaled before it is turned: the scaler's output is the turned
        // picture's height by its width.
        let (sw, sh) = if turned { (h, w) } else { (w, h) };
        QUALITIES.iter().find_map(|&q| {
            let jpeg = jpeg(&c.sample, sw, sh, direction, q)?;
            (jpeg.len() <= MAX_BYTES && jpeg.starts_with(&[0xff, 0xd8])).then_some(Thumbnail {
                jpeg,
                width: w as i64,
                height: h as i64,
                t_ms: c.t_ms,
            })
        })
    }
}

fn deep_copy(sample: &gst::Sample) -> Option<gst::Sample> {
    let buffer = sample.buffer()?.copy_deep().ok()?;
    let caps = sample.caps()?.to_owned();
    Some(gst::Sample::builder().buffer(&buffer).caps(&caps).build())
}

/// videoflip's direction for an orientation tag, and whether it turns the
/// picture a quarter (swapping width and height).
fn direction(orientation: &str) -> (&'static str, bool) {
    match orientation {
        "rotate-90" => ("90r", true),
        "rotate-180" => ("180", false),
        "rotate-270" => ("90l", true),
        "flip-rotate-0" => ("horiz", false),
        "flip-rotate-90" => ("ur-ll", true),
        "flip-rotate-180" => ("vert", false),
        "flip-rotate-270" => ("ul-lr", true),
        _ => ("identity", false),
    }
}

/// The picture's size as shown: the display aspect (pixel aspect ratio
/// applied, turned when `turned`) at [`WIDTH`] wide, or [`MAX_HEIGHT`] high
/// when taller; sides even.
fn size(info: &gst_video::VideoInfo, turned: bool) -> (u32, u32) {
    let par = info.par();
    let (n, d) = (par.numer().max(1) as f64, par.denom().max(1) as f64);
    let (mut dw, mut dh) = (info.width() as f64 * n / d, info.height() as f64);
    if turned {
        std::mem::swap(&mut dw, &mut dh);
    }
    let aspect = dw.max(1.0) / dh.max(1.0);
    let even = |x: f64| ((x / 2.0).round() as u32 * 2).max(2);
    if WIDTH as f64 / aspect <= MAX_HEIGHT as f64 {
        (WIDTH, even(WIDTH as f64 / aspect))
    } else {
        (even(MAX_HEIGHT as f64 * aspect), MAX_HEIGHT)
    }
}

/// `sample` scaled to `w`×`h` square pixels, turned, as a JPEG of quality `q`.
fn jpeg(sample: &gst::Sample, w: u32, h: u32, direction: &str, q: i32) -> Option<Vec<u8>> {
    let pipeline = gst::Pipeline::new();
    let make = |f: &str| gst::ElementFactory::make(f).build().ok();
    let src = gst::ElementFactory::make("appsrc")
        .property("is-live", false)
        .property_from_str("format", "time")
        .build()
        .ok()?;
    let scale = make("videoscale")?;
    let filter = gst::ElementFactory::make("capsfilter")
        .property(
            "caps",
            gst_video::VideoCapsBuilder::new()
                .width(w as i32)
                .height(h as i32)
                .pixel_aspect_ratio(gst::Fraction::new(1, 1))
                .build(),
        )
        .build()
        .ok()?;
    let flip = make("videoflip")?;
    flip.set_property_from_str("video-direction", direction);
    let convert = make("videoconvert")?;
    let enc = gst::ElementFactory::make("jpegenc")
        .property("quality", q)
        .build()
        .ok()?;
    let sink = gst::ElementFactory::make("appsink")
        .property("sync", false)
        .build()
        .ok()?;
    let all = [&src, &scale, &filter, &flip, &convert, &enc, &sink];
    pipeline.add_many(all).ok()?;
    gst::Element::link_many(all).ok()?;
    let out = run(&pipeline, &src, &sink, sample);
    let _ = pipeline.set_state(gst::State::Null);
    out
}

/// Push the one frame, end the stream, and take what the encoder made.
fn run(
    pipeline: &gst::Pipeline,
    src: &gst::Element,
    sink: &gst::Element,
    sample: &gst::Sample,
) -> Option<Vec<u8>> {
    pipeline.set_state(gst::State::Playing).ok()?;
    let pushed = src.emit_by_name::<gst::FlowReturn>("push-sample", &[sample]);
    if pushed != gst::FlowReturn::Ok {
        return None;
    }
    let _ = src.emit_by_name::<gst::FlowReturn>("end-of-stream", &[]);
    let timeout = 2_000_000_000u64;
    let got = sink.emit_by_name::<Option<gst::Sample>>("try-pull-sample", &[&timeout])?;
    let map = got.buffer()?.map_readable().ok()?;
    Some(map.as_slice().to_vec())
}
