//! Facts about a media file as three tools tell them — ffprobe (the reference),
//! mediadex's document and MediaInfo — mapped to one shape, and the comparison
//! of a candidate against the reference, fact by fact.
//!
//! One definition of the field classes, shared by the differential test
//! (tests/suite/truth.rs) and `make truth` (examples/truth.rs, which includes
//! this file by path). It depends on serde_json only.
//!
//! What counts as a fact: every field ffprobe reports that the document has a
//! place for. Where ffprobe says nothing (no field order, no rotation, a codec
//! tag that is not a printable fourcc), nothing is compared; where the
//! candidate says nothing and ffprobe has the fact, it is a miss. Streams are
//! matched by order within each kind (video, audio, subtitle); cover art and
//! attachments are compared as a count, not as streams.

#![allow(dead_code, unused_imports)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

pub mod compare;
mod ffprobe;
mod mediadex;
mod mediainfo;

pub use compare::{compare, duration_tolerance};
pub use ffprobe::{ffprobe_json, from_ffprobe};
pub use mediadex::from_mediadex;
pub use mediainfo::{from_mediainfo, mediainfo_codec, mediainfo_json};

/// The field classes, in table order.
pub const CLASSES: &[&str] = &[
    "status",
    "streams",
    "codec",
    "codec_tag",
    "width",
    "height",
    "fps",
    "duration",
    "channels",
    "sample_rate",
    "language",
    "title",
    "interlacing",
    "bit_depth",
    "pix_fmt",
    "hdr",
    "rotation",
    "frames",
    "stream_duration",
    "disposition",
    "brands",
    "chapters",
    "attachments",
];

pub const KINDS: [&str; 3] = ["video", "audio", "subtitle"];

#[derive(Debug, Clone, Default)]
pub struct Stream {
    pub codec: Option<String>,
    pub codec_tag: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub fps: Option<f64>,
    pub channels: Option<i64>,
    pub sample_rate: Option<i64>,
    /// ISO 639-2 as the file says, bibliographic forms folded to terminology
    /// ones; None for untagged and "und".
    pub language: Option<String>,
    pub title: Option<String>,
    pub interlaced: Option<bool>,
    pub field_order: Option<String>,
    pub bit_depth: Option<i64>,
    pub pix_fmt: Option<String>,
    /// Degrees clockwise, 0..360.
    pub rotation: Option<i64>,
    /// The HDR kind of a video stream: `HDR10` (PQ), `HLG` or `Dolby
    /// Vision` (a configuration record, whatever its base layer).
    pub hdr: Option<String>,
    /// Video frames, where the container states them (sample tables, index).
    pub frames: Option<i64>,
    /// The stream's own duration, where the container states it (compared
    /// for the MP4 family only: elsewhere ffprobe estimates it).
    pub duration: Option<f64>,
    pub default: Option<bool>,
    pub forced: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub title: Option<String>,
}

/// What a file is, as one tool tells it.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The tool read the file as media (a row with status ok; ffprobe exit 0).
    pub ok: bool,
    /// The tool says the file is cut short.
    pub truncated: bool,
    /// How the tool said so (mediadex: the row's error text).
    pub error: Option<String>,
    pub duration: Option<f64>,
    /// Streams per kind, in container order (video, audio, subtitle).
    pub streams: [Vec<Stream>; 3],
    /// The tool's own count per kind (the document's `*_streams`), where it
    /// states one apart from its stream list.
    pub counts: [Option<usize>; 3],
    pub chapters: Vec<Chapter>,
    pub attachments: Option<usize>,
    /// MP4 family: the ftyp major brand and compatible brands (trimmed).
    pub major_brand: Option<String>,
    pub compatible_brands: Option<Vec<String>>,
}

/// What a broken file must be found to be, known from how it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Media,
    Truncated,
    NotMedia,
}

pub fn expect_for(file_name: &str) -> Expect {
    if file_name.starts_with("truncated-") {
        Expect::Truncated
    } else if file_name.starts_with("notmedia") {
        Expect::NotMedia
    } else {
        Expect::Media
    }
}

/// One compared fact.
#[derive(Debug, Clone)]
pub struct Fact {
    pub class: &'static str,
    /// e.g. `audio[1].channels`, `duration`, `chapters[0].start`.
    pub field: String,
    pub reference: String,
    pub candidate: String,
    pub agree: bool,
}

// ---------------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------------

fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(x) if !x.is_empty() => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn f(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(x) => x.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

fn i(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|x| x.round() as i64)),
        Value::String(x) => x
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| x.trim().parse::<f64>().ok().map(|x| x.round() as i64)),
        _ => None,
    }
}

fn b(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(x) => Some(*x),
        Value::Number(n) => n.as_i64().map(|x| x != 0),
        Value::String(x) => match x.as_str() {
            "true" | "1" | "Yes" | "yes" => Some(true),
            "false" | "0" | "No" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// "30000/1001" → 29.97; "0/0" → None.
fn ratio(v: &Value) -> Option<f64> {
    let t = v.as_str()?;
    let (n, d) = t.split_once('/')?;
    let (n, d) = (n.parse::<f64>().ok()?, d.parse::<f64>().ok()?);
    (n > 0.0 && d > 0.0).then(|| n / d)
}

/// Degrees clockwise in 0..360.
fn clockwise(deg: f64) -> i64 {
    (deg.round() as i64).rem_euclid(360)
}

/// ISO 639-2 bibliographic codes folded to the terminology ones (so fre == fra).
pub fn fold_language(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_lowercase();
    if c.is_empty() || c == "und" {
        return None;
    }
    const B_TO_T: &[(&str, &str)] = &[
        ("alb", "sqi"),
        ("arm", "hye"),
        ("baq", "eus"),
        ("bur", "mya"),
        ("chi", "zho"),
        ("cze", "ces"),
        ("dut", "nld"),
        ("fre", "fra"),
        ("geo", "kat"),
        ("ger", "deu"),
        ("gre", "ell"),
        ("ice", "isl"),
        ("mac", "mkd"),
        ("mao", "mri"),
        ("may", "msa"),
        ("per", "fas"),
        ("rum", "ron"),
        ("slo", "slk"),
        ("tib", "bod"),
        ("wel", "cym"),
    ];
    Some(
        B_TO_T
            .iter()
            .find(|(b, _)| *b == c)
            .map(|(_, t)| t.to_string())
            .unwrap_or(c),
    )
}

/// ISO 639-1 → ISO 639-2/T, for MediaInfo (which shows two-letter codes).
pub fn language_from_639_1(code: &str) -> Option<String> {
    #[rustfmt::skip]
    const TABLE: &[(&str, &str)] = &[
        ("aa", "aar"), ("af", "afr"), ("am", "amh"), ("ar", "ara"), ("as", "asm"),
        ("az", "aze"), ("be", "bel"), ("bg", "bul"), ("bn", "ben"), ("bo", "bod"),
        ("br", "bre"), ("bs", "bos"), ("ca", "cat"), ("cs", "ces"), ("cy", "cym"),
        ("da", "dan"), ("de", "deu"), ("el", "ell"), ("en", "eng"), ("eo", "epo"),
        ("es", "spa"), ("et", "est"), ("eu", "eus"), ("fa", "fas"), ("fi", "fin"),
        ("fo", "fao"), ("fr", "fra"), ("fy", "fry"), ("ga", "gle"), ("gd", "gla"),
        ("gl", "glg"), ("gu", "guj"), ("he", "heb"), ("hi", "hin"), ("hr", "hrv"),
        ("hu", "hun"), ("hy", "hye"), ("id", "ind"), ("is", "isl"), ("it", "ita"),
        ("ja", "jpn"), ("jv", "jav"), ("ka", "kat"), ("kk", "kaz"), ("km", "khm"),
        ("kn", "kan"), ("ko", "kor"), ("ku", "kur"), ("la", "lat"), ("lb", "ltz"),
        ("lo", "lao"), ("lt", "lit"), ("lv", "lav"), ("mi", "mri"), ("mk", "mkd"),
        ("ml", "mal"), ("mn", "mon"), ("mr", "mar"), ("ms", "msa"), ("mt", "mlt"),
        ("my", "mya"), ("nb", "nob"), ("ne", "nep"), ("nl", "nld"), ("nn", "nno"),
        ("no", "nor"), ("oc", "oci"), ("pa", "pan"), ("pl", "pol"), ("ps", "pus"),
        ("pt", "por"), ("rm", "roh"), ("ro", "ron"), ("ru", "rus"), ("sa", "san"),
        ("sd", "snd"), ("si", "sin"), ("sk", "slk"), ("sl", "slv"), ("so", "som"),
        ("sq", "sqi"), ("sr", "srp"), ("sv", "swe"), ("sw", "swa"), ("ta", "tam"),
        ("te", "tel"), ("tg", "tgk"), ("th", "tha"), ("tk", "tuk"), ("tl", "tgl"),
        ("tr", "tur"), ("tt", "tat"), ("ug", "uig"), ("uk", "ukr"), ("ur", "urd"),
        ("uz", "uzb"), ("vi", "vie"), ("wa", "wln"), ("xh", "xho"), ("yi", "yid"),
        ("yo", "yor"), ("zh", "zho"), ("zu", "zul"),
    ];
    let c = code.trim().to_ascii_lowercase();
    let c = c.split(['-', '_']).next().unwrap_or("");
    match c.len() {
        2 => TABLE
            .iter()
            .find(|(two, _)| *two == c)
            .map(|(_, three)| three.to_string())
            .or_else(|| Some(c.to_string())),
        _ => fold_language(c),
    }
}

/// Bits per sample of a pixel format: "yuv420p10le" → 10, "yuv420p" → 8.
pub fn pix_fmt_depth(pix: &str) -> Option<i64> {
    let stem = pix.trim_end_matches("le").trim_end_matches("be");
    let digits: String = stem
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let prefix = &stem[..stem.len() - digits.len()];
    if !digits.is_empty() && (prefix.ends_with('p') || prefix.starts_with("gray")) {
        return digits.parse().ok();
    }
    #[rustfmt::skip]
    const EIGHT: &[&str] = &[
        "yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv411p",
        "yuv410p", "yuv440p", "yuvj440p", "yuva420p", "nv12", "nv21", "nv16", "gray",
        "rgb24", "bgr24", "rgba", "bgra", "argb", "abgr", "yuyv422", "uyvy422", "pal8",
    ];
    EIGHT.contains(&pix).then_some(8)
}

/// A codec tag worth comparing: four printable characters (a fourcc). ffprobe
/// writes other bytes as `[N]`: MPEG-TS stream types, WAVE format tags and the
/// absent tag of Matroska are not fourccs.
fn fourcc(tag: &str) -> Option<String> {
    (tag.len() == 4 && tag.bytes().all(|c| (0x20..0x7f).contains(&c)) && !tag.contains('['))
        .then(|| tag.to_string())
}

// ---------------------------------------------------------------------------
// ffprobe: `ffprobe -v error -show_format -show_streams -show_chapters -of json`
// ---------------------------------------------------------------------------

/// Per class: (facts compared, facts agreed).
pub fn tally<'a>(
    facts: impl IntoIterator<Item = &'a Fact>,
) -> BTreeMap<&'static str, (usize, usize)> {
    let mut t: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    for fact in facts {
        let e = t.entry(fact.class).or_default();
        e.0 += 1;
        e.1 += usize::from(fact.agree);
    }
    t
}

/// The media files of a corpus directory: regular, visible files, sorted.
pub fn corpus_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// `--ext` for a scan of `files`: every extension they have (the corpus holds
/// audio-only and DV files the default allow-list leaves out).
pub fn ext_arg(files: &[std::path::PathBuf]) -> String {
    let mut exts: Vec<String> = files
        .iter()
        .filter_map(|f| {
            f.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
        })
        .collect();
    exts.sort();
    exts.dedup();
    exts.join(",")
}

/// Brands as a list: a JSON array, "isom/iso2/avc1" (MediaInfo) or
/// "isomiso2avc1" (run together, as ffprobe shows them).
fn brand_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => Some(
            a.iter()
                .filter_map(s)
                .map(|b| b.trim().to_string())
                .collect(),
        ),
        Value::String(t) if t.contains(['/', ',']) => Some(
            t.split(['/', ','])
                .map(|b| b.trim().to_string())
                .filter(|b| !b.is_empty())
                .collect(),
        ),
        Value::String(t) => Some(
            t.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).trim().to_string())
                .collect(),
        ),
        _ => None,
    }
}
