//! Media fixtures made with GStreamer test sources and real encoders, generated
//! once per test run into a shared cache directory and copied into each test's
//! own library (so tests may modify their copies freely).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use gstreamer as gst;
use gstreamer::prelude::*;

/// One fixture: a file name, the pipeline that makes it (with `{out}` for the
/// location) and what a probe must find in it.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: &'static str,
    pub pipeline: &'static str,
    pub container: &'static str,
    pub duration_s: f64,
    pub video: Option<(&'static str, i64, i64, f64)>,
    pub audio: Vec<(&'static str, i64, i64, Option<&'static str>)>,
}

pub fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture {
            name: "h264-aac.mp4",
            pipeline: "videotestsrc num-buffers=50 ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc ! h264parse ! mp4mux name=m ! filesink location={out} \
                       audiotestsrc num-buffers=80 samplesperbuffer=1024 ! audio/x-raw,rate=44100,channels=2 ! audioconvert ! avenc_aac ! aacparse ! m.",
            container: "mp4",
            duration_s: 2.0,
            video: Some(("h264", 320, 240, 25.0)),
            audio: vec![("aac", 2, 44100, None)],
        },
        Fixture {
            name: "h264-1080p25.mkv",
            pipeline: "videotestsrc num-buffers=25 ! video/x-raw,width=1920,height=1080,framerate=25/1 ! x264enc speed-preset=ultrafast ! h264parse ! matroskamux ! filesink location={out}",
            container: "mkv",
            duration_s: 1.0,
            video: Some(("h264", 1920, 1080, 25.0)),
            audio: vec![],
        },
        Fixture {
            name: "vp8.webm",
            pipeline: "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=180,framerate=30/1 ! vp8enc deadline=1 ! webmmux ! filesink location={out}",
            container: "webm",
            duration_s: 1.0,
            video: Some(("vp8", 320, 180, 30.0)),
            audio: vec![],
        },
        Fixture {
            name: "vp9-opus.webm",
            pipeline: "videotestsrc num-buffers=24 ! video/x-raw,width=256,height=144,framerate=24/1 ! vp9enc deadline=1 cpu-used=8 ! webmmux name=m ! filesink location={out} \
                       audiotestsrc num-buffers=40 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! opusenc ! m.",
            container: "webm",
            duration_s: 1.0,
            video: Some(("vp9", 256, 144, 24.0)),
            audio: vec![("opus", 2, 48000, None)],
        },
        Fixture {
            name: "hevc-flac.mkv",
            pipeline: "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240,framerate=30/1 ! x265enc speed-preset=ultrafast ! h265parse ! matroskamux name=m ! filesink location={out} \
                       audiotestsrc num-buffers=40 samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=1 ! audioconvert ! flacenc ! flacparse ! m.",
            container: "mkv",
            duration_s: 1.0,
            video: Some(("hevc", 320, 240, 30.0)),
            audio: vec![("flac", 1, 48000, None)],
        },
        Fixture {
            name: "mpeg4-mp3.avi",
            pipeline: "videotestsrc num-buffers=50 ! video/x-raw,width=352,height=288,framerate=25/1 ! avenc_mpeg4 ! mpeg4videoparse ! avimux name=m ! filesink location={out} \
                       audiotestsrc num-buffers=36 samplesperbuffer=2205 ! audio/x-raw,rate=44100,channels=2 ! audioconvert ! lamemp3enc ! mpegaudioparse ! m.",
            container: "avi",
            duration_s: 2.0,
            video: Some(("mpeg4", 352, 288, 25.0)),
            audio: vec![("mp3", 2, 44100, None)],
        },
        Fixture {
            name: "theora-vorbis.ogv",
            pipeline: "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240,framerate=15/1 ! theoraenc ! oggmux name=m ! filesink location={out} \
                       audiotestsrc num-buffers=40 samplesperbuffer=2000 ! audio/x-raw,rate=44100,channels=2 ! audioconvert ! vorbisenc ! m.",
            container: "ogg",
            duration_s: 2.0,
            video: Some(("theora", 320, 240, 15.0)),
            audio: vec![("vorbis", 2, 44100, None)],
        },
        Fixture {
            name: "h264.ts",
            pipeline: "videotestsrc num-buffers=60 ! video/x-raw,width=640,height=360,framerate=30/1 ! x264enc speed-preset=ultrafast ! h264parse ! mpegtsmux ! filesink location={out}",
            container: "ts",
            duration_s: 2.0,
            video: Some(("h264", 640, 360, 30.0)),
            audio: vec![],
        },
        Fixture {
            name: "mjpeg.mov",
            pipeline: "videotestsrc num-buffers=20 ! video/x-raw,width=320,height=240,framerate=10/1 ! jpegenc ! qtmux ! filesink location={out}",
            container: "mov",
            duration_s: 2.0,
            video: Some(("mjpeg", 320, 240, 10.0)),
            audio: vec![],
        },
        Fixture {
            name: "two-languages.mkv",
            pipeline: "videotestsrc num-buffers=25 ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc speed-preset=ultrafast ! h264parse ! matroskamux name=m ! filesink location={out} \
                       audiotestsrc num-buffers=40 samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! vorbisenc ! taginject tags=\"language-code=eng\" ! m. \
                       audiotestsrc num-buffers=40 samplesperbuffer=1024 freq=880 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! vorbisenc ! taginject tags=\"language-code=fra\" ! m.",
            container: "mkv",
            duration_s: 1.0,
            video: Some(("h264", 320, 240, 25.0)),
            audio: vec![
                ("vorbis", 2, 48000, Some("eng")),
                ("vorbis", 2, 48000, Some("fre")),
            ],
        },
    ]
}

/// Run a `gst-launch`-style pipeline to EOS, writing `out`.
pub fn make(pipeline: &str, out: &Path) {
    gst::init().expect("gstreamer init");
    let desc = pipeline.replace("{out}", &format!("\"{}\"", out.display()));
    let p = gst::parse::launch(&desc).unwrap_or_else(|e| panic!("bad pipeline {desc}: {e}"));
    p.set_state(gst::State::Playing).expect("play");
    let bus = p.bus().unwrap();
    for msg in bus.iter_timed(gst::ClockTime::from_seconds(120)) {
        match msg.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => panic!(
                "generating {}: {} {:?}",
                out.display(),
                e.error(),
                e.debug()
            ),
            _ => {}
        }
    }
    p.set_state(gst::State::Null).unwrap();
}

/// The shared fixture cache: every fixture generated once per run (and kept
/// between runs under `target/`).
pub fn cache_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    static LOCK: Mutex<()> = Mutex::new(());
    DIR.get_or_init(|| {
        let _g = LOCK.lock().unwrap();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("media-fixtures-v2");
        std::fs::create_dir_all(&dir).unwrap();
        for f in fixtures() {
            let out = dir.join(f.name);
            if out.exists() {
                continue;
            }
            let tmp = dir.join(format!(".{}.part", f.name));
            make(f.pipeline, &tmp);
            std::fs::rename(&tmp, &out).unwrap();
        }
        dir
    })
}

/// Copy the named fixtures (all when `names` is empty) into `dest`.
pub fn copy_into(dest: &Path, names: &[&str]) -> Vec<PathBuf> {
    let src = cache_dir();
    let mut out = Vec::new();
    for f in fixtures() {
        if names.is_empty() || names.contains(&f.name) {
            let to = dest.join(f.name);
            std::fs::copy(src.join(f.name), &to).unwrap();
            out.push(to);
        }
    }
    out
}

/// Like [`make`], with container tags set on the element named `mux` (through
/// GStreamer's tag-setter interface).
pub fn make_tagged(pipeline: &str, out: &Path, list: &gst::TagList) {
    gst::init().expect("gstreamer init");
    let desc = pipeline.replace("{out}", &format!("\"{}\"", out.display()));
    let p = gst::parse::launch(&desc)
        .unwrap()
        .downcast::<gst::Bin>()
        .expect("a pipeline");
    let mux = p.by_name("mux").expect("an element named mux");
    let setter = mux
        .dynamic_cast_ref::<gst::TagSetter>()
        .expect("mux sets tags");
    setter.merge_tags(list, gst::TagMergeMode::Replace);
    p.set_state(gst::State::Playing).expect("play");
    let bus = p.bus().unwrap();
    for msg in bus.iter_timed(gst::ClockTime::from_seconds(60)) {
        match msg.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => panic!("generating {}: {}", out.display(), e.error()),
            _ => {}
        }
    }
    p.set_state(gst::State::Null).unwrap();
}
