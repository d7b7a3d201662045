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

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

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

pub fn ffprobe_json(path: &Path) -> Result<Value, String> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_format",
            "-show_streams",
            "-show_chapters",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run ffprobe: {e}"))?;
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    if !out.status.success() || v.get("format").is_none() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(v)
}

fn is_attachment_ffprobe(st: &Value) -> bool {
    st["codec_type"] == "attachment" || i(&st["disposition"]["attached_pic"]) == Some(1)
}

pub fn from_ffprobe(v: &Value) -> Facts {
    let mut facts = Facts {
        ok: v.get("format").is_some(),
        duration: f(&v["format"]["duration"]),
        ..Facts::default()
    };
    // ffprobe's format name for the whole ISO BMFF / QuickTime family
    let mp4_family = v["format"]["format_name"]
        .as_str()
        .is_some_and(|n| n.starts_with("mov,mp4"));
    if mp4_family {
        let tags = &v["format"]["tags"];
        facts.major_brand = s(&tags["major_brand"]).map(|b| b.trim().to_string());
        // ffprobe runs the four-character codes together: "isomiso2avc1mp41"
        facts.compatible_brands = tags["compatible_brands"].as_str().map(|all| {
            all.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).trim().to_string())
                .collect()
        });
    }
    let mut attachments = 0;
    for st in v["streams"].as_array().into_iter().flatten() {
        if is_attachment_ffprobe(st) {
            attachments += 1;
            continue;
        }
        let Some(k) = KINDS
            .iter()
            .position(|k| st["codec_type"].as_str() == Some(k))
        else {
            continue;
        };
        let tags = &st["tags"];
        let pix_fmt = s(&st["pix_fmt"]);
        let bit_depth = match k {
            0 => i(&st["bits_per_raw_sample"])
                .filter(|&d| d > 0)
                .or_else(|| pix_fmt.as_deref().and_then(pix_fmt_depth)),
            1 => i(&st["bits_per_raw_sample"])
                .filter(|&d| d > 0)
                .or_else(|| i(&st["bits_per_sample"]).filter(|&d| d > 0)),
            _ => None,
        };
        let field_order = s(&st["field_order"])
            .filter(|o| ["progressive", "tt", "bb", "tb", "bt"].contains(&o.as_str()));
        let rotation = st["side_data_list"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|sd| f(&sd["rotation"]))
            .map(|ccw| clockwise(-ccw))
            .or_else(|| f(&tags["rotate"]).map(clockwise));
        let fps = if k == 0 {
            ratio(&st["avg_frame_rate"]).or_else(|| ratio(&st["r_frame_rate"]))
        } else {
            None
        };
        let disposition = &st["disposition"];
        facts.streams[k].push(Stream {
            codec: s(&st["codec_name"]),
            codec_tag: s(&st["codec_tag_string"]).and_then(|t| fourcc(&t)),
            width: i(&st["width"]).filter(|_| k == 0),
            height: i(&st["height"]).filter(|_| k == 0),
            fps,
            channels: i(&st["channels"]).filter(|_| k == 1),
            sample_rate: i(&st["sample_rate"]).filter(|_| k == 1),
            language: s(&tags["language"]).and_then(|l| fold_language(&l)),
            title: s(&tags["title"]),
            interlaced: field_order.as_ref().map(|o| o != "progressive"),
            field_order,
            bit_depth,
            pix_fmt: pix_fmt.filter(|_| k == 0),
            rotation,
            frames: i(&st["nb_frames"]).filter(|&n| k == 0 && n > 0),
            duration: f(&st["duration"]).filter(|_| mp4_family),
            default: b(&disposition["default"]),
            forced: b(&disposition["forced"]),
        });
    }
    facts.attachments = Some(attachments);
    for ch in v["chapters"].as_array().into_iter().flatten() {
        facts.chapters.push(Chapter {
            start: f(&ch["start_time"]),
            end: f(&ch["end_time"]),
            title: s(&ch["tags"]["title"]),
        });
    }
    facts
}

// ---------------------------------------------------------------------------
// mediadex: the `media` row (status, error) and its document
// ---------------------------------------------------------------------------

pub fn from_mediadex(status: &str, error: Option<&str>, doc: &Value) -> Facts {
    let mut facts = Facts {
        ok: status == "ok",
        truncated: b(&doc["truncated"]) == Some(true),
        error: error.map(str::to_string),
        duration: f(&doc["duration_s"]),
        ..Facts::default()
    };
    for (k, kind) in KINDS.iter().enumerate() {
        facts.counts[k] = doc[format!("{kind}_streams")].as_u64().map(|n| n as usize);
    }
    for st in doc["streams"].as_array().into_iter().flatten() {
        let Some(k) = KINDS.iter().position(|k| st["kind"].as_str() == Some(k)) else {
            continue;
        };
        facts.streams[k].push(Stream {
            codec: s(&st["codec"]),
            codec_tag: s(&st["codec_tag"]),
            width: i(&st["width"]),
            height: i(&st["height"]),
            fps: f(&st["frame_rate"]),
            channels: i(&st["channels"]),
            sample_rate: i(&st["sample_rate"]),
            language: s(&st["language"]).map(|l| fold_language(&l).unwrap_or(l)),
            title: s(&st["title"]),
            interlaced: b(&st["interlaced"]),
            field_order: s(&st["field_order"]),
            bit_depth: i(&st["bit_depth"]),
            pix_fmt: s(&st["pix_fmt"]),
            rotation: f(&st["rotation"]).map(clockwise),
            frames: i(&st["frames"]),
            duration: f(&st["duration_s"]),
            default: Some(b(&st["default"]).unwrap_or(false)),
            forced: Some(b(&st["forced"]).unwrap_or(false)),
        });
    }
    for ch in doc["chapters"].as_array().into_iter().flatten() {
        facts.chapters.push(Chapter {
            start: f(&ch["start_s"]),
            end: f(&ch["end_s"]),
            title: s(&ch["title"]),
        });
    }
    facts.attachments = doc["attachments"].as_array().map(Vec::len);
    facts.major_brand = s(&doc["major_brand"]).map(|b| b.trim().to_string());
    facts.compatible_brands = brand_list(&doc["compatible_brands"]);
    facts
}

// ---------------------------------------------------------------------------
// MediaInfo: `mediainfo --Output=JSON FILE`
// ---------------------------------------------------------------------------

pub fn mediainfo_json(path: &Path) -> Result<Value, String> {
    let out = Command::new("mediainfo")
        .arg("--Output=JSON")
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run mediainfo: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| format!("mediainfo output: {e}"))
}

/// MediaInfo's Format (with its version, profile and codec ID) as ffprobe's
/// codec name.
pub fn mediainfo_codec(t: &Value) -> Option<String> {
    let format = t["Format"].as_str()?;
    let version = t["Format_Version"].as_str().unwrap_or("");
    let profile = t["Format_Profile"].as_str().unwrap_or("");
    let id = t["CodecID"].as_str().unwrap_or("");
    let name = match format {
        "AVC" => "h264",
        "HEVC" => "hevc",
        "VVC" => "vvc",
        "AV1" => "av1",
        "VP8" => "vp8",
        "VP9" => "vp9",
        "MPEG Video" if version == "1" => "mpeg1video",
        "MPEG Video" => "mpeg2video",
        "MPEG-4 Visual" => match id {
            "DIV3" | "MP43" | "DIV4" | "div3" | "mp43" => "msmpeg4v3",
            "MP42" | "DIV2" => "msmpeg4v2",
            _ => "mpeg4",
        },
        "MS-MPEG4 v3" | "DivX 3" => "msmpeg4v3",
        "H.263" => "h263",
        "Sorenson Spark" => "flv1",
        "VC-3" => "dnxhd",
        "ProRes" => "prores",
        "DV" => "dvvideo",
        "JPEG" | "MJPEG" => "mjpeg",
        "PNG" => "png",
        "Theora" => "theora",
        "WMV1" => "wmv1",
        "WMV2" => "wmv2",
        "VC-1" if id == "WMV3" => "wmv3",
        "VC-1" => "vc1",
        "FFV1" => "ffv1",
        "HuffYUV" => "huffyuv",
        "RGB" | "YUV" => "rawvideo",
        "AAC" => "aac",
        "MPEG Audio" => match profile {
            "Layer 1" => "mp1",
            "Layer 2" => "mp2",
            _ => "mp3",
        },
        "AC-3" => "ac3",
        "E-AC-3" => "eac3",
        "DTS" => "dts",
        "MLP FBA" | "TrueHD" => "truehd",
        "FLAC" => "flac",
        "Opus" => "opus",
        "Vorbis" => "vorbis",
        "ALAC" => "alac",
        "Speex" => "speex",
        "WMA" => match version {
            "1" => "wmav1",
            "Pro" | "3" => "wmapro",
            _ => "wmav2",
        },
        "PCM" => return Some(mediainfo_pcm(t)),
        "UTF-8" | "SubRip" => "subrip",
        "ASS" | "SSA" => "ass",
        "Timed Text" => "mov_text",
        "VobSub" => "dvd_subtitle",
        "PGS" => "hdmv_pgs_subtitle",
        "DVB Subtitle" => "dvb_subtitle",
        "WebVTT" | "D_WEBVTT/SUBTITLES" => "webvtt",
        other => return Some(other.to_ascii_lowercase()),
    };
    Some(name.to_string())
}

fn mediainfo_pcm(t: &Value) -> String {
    let bits = i(&t["BitDepth"]).unwrap_or(16);
    let float = t["Format_Settings_Sign"] == "Float" || t["Format_Profile"] == "Float";
    let signed = match t["Format_Settings_Sign"].as_str() {
        Some("Unsigned") => false,
        Some("Signed") => true,
        _ => bits > 8,
    };
    let endian = if bits == 8 {
        ""
    } else if t["Format_Settings_Endianness"] == "Big" {
        "be"
    } else {
        "le"
    };
    let kind = if float {
        "f"
    } else if signed {
        "s"
    } else {
        "u"
    };
    format!("pcm_{kind}{bits}{endian}")
}

/// MediaInfo's colour space, subsampling and bit depth as a pixel format.
fn mediainfo_pix_fmt(t: &Value, codec: Option<&str>) -> Option<String> {
    // (VP9 in WebM: subsampling and depth without a colour space)
    if t["ColorSpace"].as_str().is_some_and(|c| c != "YUV") {
        return None;
    }
    let sub = match t["ChromaSubsampling"].as_str()? {
        "4:2:0" => "420",
        "4:2:2" => "422",
        "4:4:4" => "444",
        "4:1:1" => "411",
        _ => return None,
    };
    let depth = i(&t["BitDepth"])?;
    let j = if codec == Some("mjpeg") { "j" } else { "" };
    Some(if depth == 8 {
        format!("yuv{j}{sub}p")
    } else {
        format!("yuv{sub}p{depth}le")
    })
}

/// Chapter marks of a Menu track: `"_00_01_02_345": "en:Title"`.
fn mediainfo_chapters(menu: &Value, duration: Option<f64>) -> Vec<Chapter> {
    let mut marks: Vec<(f64, Option<String>)> = Vec::new();
    if let Some(extra) = menu["extra"].as_object() {
        for (k, v) in extra {
            let parts: Vec<&str> = k.trim_start_matches('_').split('_').collect();
            if parts.len() != 4 || !parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
                continue;
            }
            let n: Vec<f64> = parts.iter().map(|p| p.parse().unwrap_or(0.0)).collect();
            let start = n[0] * 3600.0 + n[1] * 60.0 + n[2] + n[3] / 1000.0;
            let mut title = v.as_str().unwrap_or("").to_string();
            // "en:Title": a language prefix
            if title.len() > 3
                && title.as_bytes()[2] == b':'
                && title[..2].chars().all(|c| c.is_ascii_lowercase())
            {
                title = title[3..].to_string();
            }
            marks.push((start, Some(title).filter(|t| !t.is_empty())));
        }
    }
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    // MediaInfo shows where chapters start; each ends where the next starts,
    // the last at the end of the file.
    (0..marks.len())
        .map(|n| Chapter {
            start: Some(marks[n].0),
            end: marks.get(n + 1).map(|m| m.0).or(duration),
            title: marks[n].1.clone(),
        })
        .collect()
}

pub fn from_mediainfo(v: &Value) -> Facts {
    let tracks: Vec<&Value> = v["media"]["track"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let general = tracks.iter().find(|t| t["@type"] == "General");
    let mut facts = Facts::default();
    if let Some(g) = general {
        facts.ok = g["Format"].is_string() && tracks.iter().any(|t| t["@type"] != "General");
        facts.truncated = g["extra"]["IsTruncated"] == "Yes";
        facts.duration = f(&g["Duration"]);
        let names = g["extra"]["Attachments"]
            .as_str()
            .map(|a| a.split(" / ").filter(|x| !x.is_empty()).count());
        facts.attachments = Some(names.unwrap_or(usize::from(g["Cover"] == "Yes")));
        if g["Format"] == "MPEG-4" {
            facts.major_brand = s(&g["CodecID"]).map(|b| b.trim().to_string());
            facts.compatible_brands = brand_list(&g["CodecID_Compatible"]);
        }
    }
    for t in &tracks {
        let k = match t["@type"].as_str() {
            Some("Video") => 0,
            Some("Audio") => 1,
            Some("Text") => 2,
            _ => continue,
        };
        let codec = mediainfo_codec(t);
        let id = t["CodecID"].as_str().unwrap_or("");
        let tag = fourcc(id).or_else(|| {
            id.split_once('-')
                .and_then(|(head, _)| fourcc(head))
                .filter(|_| id.len() > 5)
        });
        let (interlaced, field_order) = match (t["ScanType"].as_str(), t["ScanOrder"].as_str()) {
            (Some("Progressive"), _) => (Some(false), Some("progressive".to_string())),
            (Some("Interlaced" | "MBAFF"), order) => (
                Some(true),
                match order {
                    Some("TFF") => Some("tt".to_string()),
                    Some("BFF") => Some("bb".to_string()),
                    _ => None,
                },
            ),
            _ => (None, None),
        };
        facts.streams[k].push(Stream {
            pix_fmt: if k == 0 {
                mediainfo_pix_fmt(t, codec.as_deref())
            } else {
                None
            },
            codec,
            codec_tag: tag,
            width: i(&t["Width"]),
            height: i(&t["Height"]),
            fps: if k == 0 { f(&t["FrameRate"]) } else { None },
            channels: i(&t["Channels"]),
            sample_rate: i(&t["SamplingRate"]),
            language: t["Language"].as_str().and_then(language_from_639_1),
            title: s(&t["Title"]),
            interlaced,
            field_order,
            bit_depth: i(&t["BitDepth"]),
            rotation: f(&t["Rotation"]).map(clockwise),
            frames: i(&t["FrameCount"]).filter(|_| k == 0),
            duration: f(&t["Duration"]),
            default: Some(b(&t["Default"]).unwrap_or(false)),
            forced: Some(b(&t["Forced"]).unwrap_or(false)),
        });
    }
    if let Some(menu) = tracks
        .iter()
        .filter(|t| t["@type"] == "Menu")
        .map(|m| mediainfo_chapters(m, facts.duration))
        .find(|c| !c.is_empty())
    {
        facts.chapters = menu;
    }
    facts
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

// ---------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------

fn show<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map(T::to_string)
        .unwrap_or_else(|| "(absent)".into())
}

fn show_f(v: Option<f64>) -> String {
    v.map(|x| format!("{}", (x * 1000.0).round() / 1000.0))
        .unwrap_or_else(|| "(absent)".into())
}

struct Out<'a> {
    facts: &'a mut Vec<Fact>,
}

impl Out<'_> {
    fn push(
        &mut self,
        class: &'static str,
        field: String,
        reference: String,
        candidate: String,
        agree: bool,
    ) {
        self.facts.push(Fact {
            class,
            field,
            reference,
            candidate,
            agree,
        });
    }

    /// A fact of the reference (Some), compared for equality.
    fn eq<T: PartialEq + ToString>(
        &mut self,
        class: &'static str,
        field: String,
        r: &Option<T>,
        c: &Option<T>,
    ) {
        if r.is_some() {
            self.push(class, field, show(r), show(c), r == c);
        }
    }

    fn near(
        &mut self,
        class: &'static str,
        field: String,
        r: Option<f64>,
        c: Option<f64>,
        tol: f64,
    ) {
        if let Some(rv) = r {
            let agree = c.is_some_and(|cv| (cv - rv).abs() <= tol);
            self.push(class, field, show_f(r), show_f(c), agree);
        }
    }
}

/// Tolerance of a duration: 1% or 50 ms, whichever is larger.
pub fn duration_tolerance(d: f64) -> f64 {
    (d.abs() * 0.01).max(0.05)
}

/// Compare `cand` against the reference `refr` for the file named `name`
/// (broken files are judged by what they were made to be, not by ffprobe).
pub fn compare(name: &str, refr: Option<&Facts>, cand: &Facts) -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut o = Out { facts: &mut facts };
    match expect_for(name) {
        Expect::Truncated => {
            o.push(
                "status",
                "truncated".into(),
                "true".into(),
                cand.truncated.to_string(),
                cand.truncated,
            );
            if let Some(err) = &cand.error {
                o.push(
                    "status",
                    "error".into(),
                    "truncated…".into(),
                    format!("{err:?}"),
                    err.starts_with("truncated"),
                );
            }
            return facts;
        }
        Expect::NotMedia => {
            o.push(
                "status",
                "status".into(),
                "not media".into(),
                if cand.ok { "ok" } else { "not media" }.into(),
                !cand.ok,
            );
            return facts;
        }
        Expect::Media => {}
    }
    let Some(r) = refr else {
        return facts;
    };
    o.push(
        "status",
        "status".into(),
        "ok".into(),
        if cand.ok {
            "ok".to_string()
        } else {
            format!("not ok: {}", cand.error.as_deref().unwrap_or("?"))
        },
        cand.ok,
    );
    if cand.truncated {
        o.push(
            "status",
            "truncated".into(),
            "(absent)".into(),
            "true".into(),
            false,
        );
    }
    o.near(
        "duration",
        "duration".into(),
        r.duration,
        cand.duration,
        r.duration.map(duration_tolerance).unwrap_or(0.0),
    );
    for (k, kind) in KINDS.iter().enumerate() {
        let n = r.streams[k].len();
        let c = cand.counts[k].unwrap_or(cand.streams[k].len());
        o.push(
            "streams",
            format!("{kind}_streams"),
            n.to_string(),
            c.to_string(),
            n == c,
        );
        let none = Stream::default();
        for (idx, rs) in r.streams[k].iter().enumerate() {
            let cs = cand.streams[k].get(idx).unwrap_or(&none);
            let at = |field: &str| format!("{kind}[{idx}].{field}");
            o.eq("codec", at("codec"), &rs.codec, &cs.codec);
            o.eq("codec_tag", at("codec_tag"), &rs.codec_tag, &cs.codec_tag);
            o.eq("width", at("width"), &rs.width, &cs.width);
            o.eq("height", at("height"), &rs.height, &cs.height);
            o.near("fps", at("frame_rate"), rs.fps, cs.fps, 0.01);
            o.eq("channels", at("channels"), &rs.channels, &cs.channels);
            o.eq(
                "sample_rate",
                at("sample_rate"),
                &rs.sample_rate,
                &cs.sample_rate,
            );
            // Untagged is a fact too: the document must say nothing.
            o.push(
                "language",
                at("language"),
                show(&rs.language),
                show(&cs.language),
                rs.language == cs.language,
            );
            o.eq("title", at("title"), &rs.title, &cs.title);
            o.eq(
                "interlacing",
                at("interlaced"),
                &rs.interlaced,
                &cs.interlaced,
            );
            o.eq(
                "interlacing",
                at("field_order"),
                &rs.field_order,
                &cs.field_order,
            );
            o.eq("bit_depth", at("bit_depth"), &rs.bit_depth, &cs.bit_depth);
            o.eq("pix_fmt", at("pix_fmt"), &rs.pix_fmt, &cs.pix_fmt);
            o.eq("rotation", at("rotation"), &rs.rotation, &cs.rotation);
            o.eq("frames", at("frames"), &rs.frames, &cs.frames);
            if let Some(d) = rs.duration {
                o.near(
                    "stream_duration",
                    at("duration_s"),
                    rs.duration,
                    cs.duration,
                    duration_tolerance(d),
                );
            }
            o.eq("disposition", at("default"), &rs.default, &cs.default);
            o.eq("disposition", at("forced"), &rs.forced, &cs.forced);
        }
    }
    if !r.chapters.is_empty() || !cand.chapters.is_empty() {
        o.push(
            "chapters",
            "chapters".into(),
            r.chapters.len().to_string(),
            cand.chapters.len().to_string(),
            r.chapters.len() == cand.chapters.len(),
        );
        let none = Chapter {
            start: None,
            end: None,
            title: None,
        };
        for (idx, rc) in r.chapters.iter().enumerate() {
            let cc = cand.chapters.get(idx).unwrap_or(&none);
            o.near(
                "chapters",
                format!("chapters[{idx}].start"),
                rc.start,
                cc.start,
                0.05,
            );
            o.near(
                "chapters",
                format!("chapters[{idx}].end"),
                rc.end,
                cc.end,
                0.05,
            );
            o.eq(
                "chapters",
                format!("chapters[{idx}].title"),
                &rc.title,
                &cc.title,
            );
        }
    }
    o.eq(
        "brands",
        "major_brand".into(),
        &r.major_brand,
        &cand.major_brand,
    );
    if r.compatible_brands.is_some() {
        let show_list = |l: &Option<Vec<String>>| {
            l.as_ref()
                .map(|v| v.join("/"))
                .unwrap_or_else(|| "(absent)".into())
        };
        o.push(
            "brands",
            "compatible_brands".into(),
            show_list(&r.compatible_brands),
            show_list(&cand.compatible_brands),
            r.compatible_brands == cand.compatible_brands,
        );
    }
    let (ra, ca) = (r.attachments.unwrap_or(0), cand.attachments.unwrap_or(0));
    if ra > 0 || ca > 0 {
        o.push(
            "attachments",
            "attachments".into(),
            ra.to_string(),
            show(&cand.attachments),
            ra == ca,
        );
    }
    facts
}

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
