//! Names: GStreamer caps → the short container and codec names ffprobe uses
//! (`h264`, `msmpeg4v3`, `dnxhd`, `subrip`, …), stream kinds, and ISO 639
//! language codes as files write them.
//!
//! One table per question, in one place: the document, the typed columns and the
//! reports all read names made here. A caps name with no entry keeps GStreamer's
//! own short form (`video/x-foo` → `foo`), never a guess at a different codec.

use gstreamer as gst;

mod codecs;

pub use codecs::{codec_name, fourcc_codec};

/// Short container names people filter on: one name per container, whatever
/// GStreamer's type for it says about its streams (an audio-only Matroska file
/// is `mkv` like any other). Content that is no container at all (text, an
/// image, a document or an archive, see [`NOT_CONTAINERS`]) has none; its
/// type stays in the document's `mime_type`.
pub fn container_name(caps: &gst::CapsRef) -> Option<String> {
    let s = caps.structure(0)?;
    let name = s.name().as_str();
    if name.starts_with("text/") || name.starts_with("image/") || NOT_CONTAINERS.contains(&name) {
        return None;
    }
    let short = match name {
        "video/quicktime" => match s.get::<&str>("variant").unwrap_or("") {
            "iso" | "iso-fragmented" => "mp4",
            "3gpp" => "3gp",
            "3g2" => "3g2",
            "mj2" => "mj2",
            _ => "mov",
        },
        "audio/x-m4a" => "m4a",
        "video/x-matroska" | "audio/x-matroska" | "video/x-matroska-3d" => "mkv",
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
        "application/x-shockwave-flash" => "swf",
        other => short_form(other),
    };
    Some(short.to_string())
}

/// Types GStreamer's typefinders give documents, archives and programs.
const NOT_CONTAINERS: &[&str] = &[
    "application/pdf",
    "application/postscript",
    "application/xml",
    "application/zip",
    "application/x-tar",
    "application/x-gzip",
    "application/x-bzip",
    "application/x-xz",
    "application/x-7z-compressed",
    "application/x-rar",
    "application/x-executable",
    "application/x-ms-dos-executable",
    "application/msword",
];

/// Is this container one that holds audio or video? A file in one of these
/// with neither is not media (a text file renamed `.mkv` types as `text/plain`,
/// which is not a container at all).
pub fn is_media_container(caps: &gst::CapsRef) -> bool {
    let Some(s) = caps.structure(0) else {
        return false;
    };
    let name = s.name().as_str();
    name.starts_with("video/")
        || name.starts_with("audio/")
        || matches!(
            name,
            "application/ogg" | "application/mxf" | "application/vnd.rn-realmedia"
        )
}

/// `video/x-foo` → `foo`; the caps of a libav parser
/// (`audio/x-ffmpeg-parsed-ape`) → `ape`, of a libav type finder
/// (`application/x-gst-av-iff`) → `iff`.
fn short_form(name: &str) -> &str {
    name.rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_start_matches("x-")
        .trim_start_matches("ffmpeg-parsed-")
        .trim_start_matches("gst-av-")
}

/// ffprobe's name for a Matroska `CodecID` GStreamer does not know.
pub fn matroska_codec(id: &str) -> Option<&'static str> {
    Some(match id {
        "D_WEBVTT/SUBTITLES"
        | "D_WEBVTT/CAPTIONS"
        | "D_WEBVTT/DESCRIPTIONS"
        | "D_WEBVTT/METADATA"
        | "S_TEXT/WEBVTT" => "webvtt",
        "S_TEXT/UTF8" => "subrip",
        "S_TEXT/ASS" | "S_TEXT/SSA" | "S_ASS" | "S_SSA" => "ass",
        "S_HDMV/PGS" => "hdmv_pgs_subtitle",
        "S_VOBSUB" => "dvd_subtitle",
        "S_DVBSUB" => "dvb_subtitle",
        "S_HDMV/TEXTST" => "hdmv_text_subtitle",
        "S_ARIBSUB" => "arib_caption",
        "A_ALAC" => "alac",
        "A_DTS" | "A_DTS/EXPRESS" | "A_DTS/LOSSLESS" => "dts",
        "A_AC3" => "ac3",
        "A_EAC3" => "eac3",
        "A_TRUEHD" => "truehd",
        "A_OPUS" => "opus",
        "A_VORBIS" => "vorbis",
        "A_FLAC" => "flac",
        "A_MPEG/L3" => "mp3",
        "A_MPEG/L2" => "mp2",
        "V_MPEG4/ISO/AVC" => "h264",
        "V_MPEGH/ISO/HEVC" => "hevc",
        "V_MPEG2" => "mpeg2video",
        "V_MPEG4/ISO/ASP" => "mpeg4",
        "V_VP8" => "vp8",
        "V_VP9" => "vp9",
        "V_AV1" => "av1",
        id if id.starts_with("A_AAC") => "aac",
        _ => return None,
    })
}

/// The kind of stream a codec name stands for.
pub fn kind_of_codec(codec: &str) -> &'static str {
    match codec {
        "webvtt" | "subrip" | "ass" | "hdmv_pgs_subtitle" | "dvd_subtitle" | "dvb_subtitle"
        | "hdmv_text_subtitle" | "arib_caption" | "mov_text" | "eia_608" => "subtitle",
        "alac" | "dts" => "audio",
        _ => "data",
    }
}

/// The kind of a stream by its caps name: video, audio, subtitle or data.
pub fn kind_of(name: &str) -> &'static str {
    if name.starts_with("video/") || name.starts_with("image/") {
        "video"
    } else if name.starts_with("audio/") {
        "audio"
    } else if name.starts_with("text/")
        || name.starts_with("subpicture/")
        || name.starts_with("closedcaption/")
        || matches!(
            name,
            "application/x-ssa"
                | "application/x-ass"
                | "application/x-subtitle-vtt"
                | "application/x-subtitle"
                | "application/x-teletext"
                | "application/x-subtitle-sami"
                | "application/x-subtitle-tmplayer"
                | "application/x-subtitle-mpl2"
        )
    {
        "subtitle"
    } else {
        "data"
    }
}

/// ffprobe's pixel-format name for a GStreamer raw or parsed video description:
/// chroma format and bit depth (the parsers' `chroma-format` and
/// `bit-depth-luma`), or a raw `format`.
pub fn pix_fmt(
    chroma: Option<&str>,
    depth: Option<u32>,
    raw_format: Option<&str>,
) -> Option<String> {
    if let Some(f) = raw_format {
        return Some(
            match f {
                "I420" => "yuv420p",
                "YV12" => "yuv420p",
                "Y42B" => "yuv422p",
                "Y444" => "yuv444p",
                "YUY2" => "yuyv422",
                "UYVY" => "uyvy422",
                "NV12" => "nv12",
                "RGB" => "rgb24",
                "BGR" => "bgr24",
                "RGBA" => "rgba",
                "BGRA" => "bgra",
                "GRAY8" => "gray",
                // FFmpeg's v210 decoder gives planar 10-bit 4:2:2.
                "v210" => "yuv422p10le",
                "I420_10LE" => "yuv420p10le",
                "I422_10LE" => "yuv422p10le",
                _ => return None,
            }
            .to_string(),
        );
    }
    let base = match chroma? {
        "4:2:0" => "yuv420p",
        "4:2:2" => "yuv422p",
        "4:4:4" => "yuv444p",
        "4:0:0" => "gray",
        _ => return None,
    };
    match depth {
        None | Some(8) => Some(base.to_string()),
        Some(d) if base == "gray" => Some(format!("gray{d}le")),
        Some(d) => Some(format!("{base}{d}le")),
    }
}

/// A language as the file's family of containers writes it: ISO 639-2, the
/// terminology form (`fra`, `deu`) in the QuickTime family, the bibliographic
/// form (`fre`, `ger`) elsewhere (Matroska, MPEG-TS, Ogg, AVI). GStreamer
/// normalises language tags to ISO 639-1 where one exists; this undoes that.
/// `und` and unknown codes are no language.
pub fn language(code: &str, container: Option<&str>) -> Option<(String, Option<String>)> {
    use gstreamer_tag::language_codes as lc;
    let code = code.trim();
    if code.is_empty() || code.eq_ignore_ascii_case("und") || code.eq_ignore_ascii_case("zxx") {
        return None;
    }
    let quicktime = matches!(
        container,
        Some("mp4" | "mov" | "3gp" | "3g2" | "m4a" | "mj2")
    );
    // Three letters are kept as the file wrote them (`fre` and `fra` both occur).
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
        let three = code.to_ascii_lowercase();
        let two = lc::language_code_iso_639_1(&three).map(|s| s.to_string());
        return Some((three, two));
    }
    let three = if quicktime {
        lc::language_code_iso_639_2t(code)
    } else {
        lc::language_code_iso_639_2b(code)
    }
    .map(|s| s.to_string())?;
    let two = lc::language_code_iso_639_1(code).map(|s| s.to_string());
    Some((three, two))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(s: &str) -> gst::Caps {
        s.parse::<gst::Caps>().unwrap()
    }

    #[test]
    fn container_names() {
        gst::init().unwrap();
        assert_eq!(
            container_name(&caps("video/quicktime, variant=(string)apple")).unwrap(),
            "mov"
        );
        assert_eq!(
            container_name(&caps("video/mpegts, packetsize=(int)192")).unwrap(),
            "m2ts"
        );
        assert!(!is_media_container(&caps("text/plain")));
        assert_eq!(container_name(&caps("text/plain")), None);
        assert_eq!(container_name(&caps("application/zip")), None);
        assert_eq!(
            container_name(&caps("audio/x-matroska")).unwrap(),
            "mkv",
            "one name per container"
        );
        assert!(is_media_container(&caps("video/x-matroska")));
    }

    #[test]
    fn languages_as_files_write_them() {
        gst::init().unwrap();
        assert_eq!(
            language("fr", Some("mkv")),
            Some(("fre".to_string(), Some("fr".to_string())))
        );
        assert_eq!(
            language("fr", Some("mp4")),
            Some(("fra".to_string(), Some("fr".to_string())))
        );
        assert_eq!(language("eng", Some("mkv")).unwrap().0, "eng");
        assert_eq!(language("und", Some("mkv")), None);
        assert_eq!(language("", None), None);
    }

    #[test]
    fn pixel_formats() {
        assert_eq!(
            pix_fmt(Some("4:2:0"), Some(8), None).as_deref(),
            Some("yuv420p")
        );
        assert_eq!(
            pix_fmt(Some("4:2:0"), Some(10), None).as_deref(),
            Some("yuv420p10le")
        );
        assert_eq!(pix_fmt(None, Some(8), None), None);
    }
}
