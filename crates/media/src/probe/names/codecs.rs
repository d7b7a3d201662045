//! Codec names: a stream's caps → the codec name ffprobe gives it, from
//! GStreamer's caps names, the fields that tell versions and layers apart,
//! and the tags and fourccs demuxers pass on unnamed.

use gstreamer as gst;

use super::short_form;

/// ffprobe's codec name for a stream's caps. `container` (a short container
/// name) matters where one caps name stands for codecs ffprobe tells apart:
/// timed text is `mov_text` in the QuickTime family and `subrip` elsewhere.
pub fn codec_name(s: &gst::StructureRef, container: Option<&str>) -> String {
    let name = s.name().as_str();
    let int = |f: &str| s.get::<i32>(f).ok();
    let text = |f: &str| s.get::<&str>(f).ok();
    if let Some(n) = named_elsewhere(name, s).or_else(|| text_codec(name, container)) {
        return n.into();
    }
    let named = match name {
        "video/x-h264" => "h264",
        "video/x-h265" => "hevc",
        "video/x-h266" => "vvc",
        "video/x-vp8" => "vp8",
        "video/x-vp9" => "vp9",
        "video/x-av1" => "av1",
        "video/mpeg" => match int("mpegversion") {
            Some(1) => "mpeg1video",
            Some(2) => "mpeg2video",
            Some(4) => "mpeg4",
            _ => "mpegvideo",
        },
        "video/x-divx" => match int("divxversion") {
            Some(3) => "msmpeg4v3",
            _ => "mpeg4",
        },
        "video/x-xvid" => "mpeg4",
        "video/x-msmpeg" => match int("msmpegversion") {
            Some(41) => "msmpeg4v1",
            Some(42) => "msmpeg4v2",
            _ => "msmpeg4v3",
        },
        "video/x-h263" => match text("h263version") {
            Some("h263p") | Some("h263pp") => "h263p",
            _ => "h263",
        },
        "video/x-flash-video" => "flv1",
        "video/x-flash-screen" => "flashsv",
        "video/x-vp6" => "vp6",
        "video/x-vp6-flash" => "vp6f",
        "video/x-vp6-alpha" => "vp6a",
        "image/jpeg" => "mjpeg",
        "image/x-jpc" | "image/x-j2c" | "image/jp2" => "jpeg2000",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/bmp" => "bmp",
        "image/tiff" => "tiff",
        "video/x-theora" => "theora",
        "video/x-prores" => "prores",
        "video/x-dnxhd" => "dnxhd",
        "video/x-ffv" => "ffv1",
        "video/x-huffyuv" => "huffyuv",
        "video/x-cineform" => "cfhd",
        "video/x-cinepak" => "cinepak",
        "video/x-qtrle" => "qtrle",
        "video/x-svq" => match int("svqversion") {
            Some(3) => "svq3",
            _ => "svq1",
        },
        "video/x-indeo" => match int("indeoversion") {
            Some(2) => "indeo2",
            Some(4) => "indeo4",
            Some(5) => "indeo5",
            _ => "indeo3",
        },
        "video/x-wmv" => match (int("wmvversion"), text("format")) {
            (_, Some("WVC1")) | (_, Some("wvc1")) => "vc1",
            (Some(1), _) => "wmv1",
            (Some(2), _) => "wmv2",
            (Some(3), _) => "wmv3",
            _ => "wmv",
        },
        "video/x-dirac" => "dirac",
        "video/x-raw" if text("format") == Some("v210") => "v210",
        "video/x-raw" => "rawvideo",
        "video/x-dv" => "dvvideo",
        "video/x-rle" if text("layout") == Some("quicktime") => "qtrle",
        "video/x-rle" => "msrle",
        "video/x-msvideocodec" => "msvideo1",
        "audio/mpeg" => mpeg_audio(int("mpegversion"), int("layer"), text("stream-format")),
        "audio/x-opus" => "opus",
        "audio/x-vorbis" => "vorbis",
        "audio/x-flac" => "flac",
        "audio/x-ac3" | "audio/ac3" => "ac3",
        "audio/x-eac3" => "eac3",
        "audio/x-dts" => "dts",
        "audio/x-true-hd" => "truehd",
        "audio/x-alac" => "alac",
        "audio/x-speex" => "speex",
        "audio/x-wavpack" => "wavpack",
        "audio/x-ape" => "ape",
        "audio/x-musepack" | "audio/x-ffmpeg-parsed-musepack" => musepack(int("streamversion")),
        "audio/x-tta" => "tta",
        "audio/x-gsm" => "gsm",
        "audio/x-nellymoser" => "nellymoser",
        "audio/x-qdm2" => "qdm2",
        "audio/x-raw" => return pcm_name(text("format")),
        "audio/x-alaw" => "pcm_alaw",
        "audio/x-mulaw" => "pcm_mulaw",
        "audio/x-wma" => match int("wmaversion") {
            Some(1) => "wmav1",
            Some(2) => "wmav2",
            Some(3) => "wmapro",
            Some(4) => "wmalossless",
            _ => "wma",
        },
        "audio/x-wms" => "wmavoice",
        "audio/x-private-ts-lpcm" => "pcm_bluray",
        "audio/x-private1-lpcm" => "pcm_dvd",
        "audio/AMR" => "amr_nb",
        "audio/AMR-WB" => "amr_wb",
        "audio/x-adpcm" => match text("layout") {
            Some("microsoft") => "adpcm_ms",
            Some("quicktime") => "adpcm_ima_qt",
            Some("swf") => "adpcm_swf",
            Some("g726") => "adpcm_g726",
            _ => "adpcm_ima_wav",
        },
        other
            if other.starts_with("video/x-gst-fourcc-")
                || other.starts_with("audio/x-gst-fourcc-") =>
        {
            // The fourcc may hold a dash itself (`ac-4`).
            let fourcc = other.get("video/x-gst-fourcc-".len()..).unwrap_or("");
            return fourcc_codec(fourcc)
                .map(str::to_string)
                .unwrap_or_else(|| fourcc.to_string());
        }
        other => short_form(other),
    };
    named.to_string()
}

/// ffprobe's name for subtitles and captions: timed text is `mov_text` in
/// the QuickTime family and `subrip` elsewhere.
fn text_codec(name: &str, container: Option<&str>) -> Option<&'static str> {
    Some(match name {
        "text/x-raw" | "application/x-subtitle" => match container {
            Some("mp4" | "mov" | "3gp" | "3g2" | "m4a" | "mj2") => "mov_text",
            _ => "subrip",
        },
        "application/x-ssa" | "application/x-ass" => "ass",
        "application/x-subtitle-vtt" | "text/vtt" => "webvtt",
        "application/ttml+xml" => "ttml",
        "subpicture/x-pgs" => "hdmv_pgs_subtitle",
        "subpicture/x-dvd" => "dvd_subtitle",
        "subpicture/x-dvb" => "dvb_subtitle",
        "subpicture/x-xsub" => "xsub",
        "application/x-teletext" => "dvb_teletext",
        "closedcaption/x-cea-608" => "eia_608",
        "application/x-subtitle-sami" => "sami",
        "application/x-subtitle-tmplayer" | "application/x-subtitle-mpl2" => "text",
        _ => return None,
    })
}

/// Codecs a demuxer names its own way or passes on unnamed: RIFF audio by
/// its WAVE format tag, AVI video by its fourcc, RealMedia's by version.
fn named_elsewhere(name: &str, s: &gst::StructureRef) -> Option<&'static str> {
    let int = |f: &str| s.get::<i32>(f).ok();
    if name == "video/x-avi-unknown" {
        return fourcc_codec(&String::from_utf8_lossy(&int("fourcc")?.to_le_bytes()));
    }
    riff_unknown(name, int("codec_id")).or_else(|| real_media(name, s))
}

/// Audio an AVI or WAVE file holds that GStreamer's RIFF readers name
/// their own way (Microsoft's GSM 6.10 as `audio/ms-gsm`) or pass on
/// unnamed (`audio/x-avi-unknown, codec_id=…`): ffprobe's codec for its
/// WAVE format tag.
fn riff_unknown(name: &str, tag: Option<i32>) -> Option<&'static str> {
    if name == "audio/ms-gsm" {
        return Some("gsm_ms");
    }
    if !matches!(name, "audio/x-avi-unknown" | "audio/x-wav-unknown") {
        return None;
    }
    Some(match tag? {
        0xF1AC => "flac",
        0x5756 => "wavpack",
        0x566F => "vorbis",
        0xA109 => "speex",
        0x2001 => "dts",
        0x0031 | 0x1500 => "gsm_ms",
        0x0022 | 0x1501 => "truespeech",
        0x000A => "wmavoice",
        0x1602 => "aac_latm",
        0x1600 | 0x1610 | 0x706D | 0x4143 | 0xA106 => "aac",
        _ => return None,
    })
}

/// RealMedia's codecs as rmdemux names them: RealVideo by its version,
/// RealAudio's 14.4, 28.8 and Cook by theirs, Sipro, ATRAC3 and RealAudio
/// Lossless.
fn real_media(name: &str, s: &gst::StructureRef) -> Option<&'static str> {
    let version = |f: &str| s.get::<i32>(f).ok();
    Some(match (name, version("rmversion"), version("raversion")) {
        ("video/x-pn-realvideo", Some(1), _) => "rv10",
        ("video/x-pn-realvideo", Some(2), _) => "rv20",
        ("video/x-pn-realvideo", Some(3), _) => "rv30",
        ("video/x-pn-realvideo", Some(4), _) => "rv40",
        ("audio/x-pn-realaudio", _, Some(1)) => "ra_144",
        ("audio/x-pn-realaudio", _, Some(2)) => "ra_288",
        ("audio/x-pn-realaudio", _, Some(8)) => "cook",
        ("audio/x-sipro", _, _) => "sipr",
        ("audio/x-vnd.sony.atrac3", _, _) => "atrac3",
        ("audio/x-ralf-mpeg4-generic", _, _) => "ralf",
        _ => return None,
    })
}

/// Musepack by its stream version (SV7 or SV8).
fn musepack(version: Option<i32>) -> &'static str {
    match version {
        Some(8) => "musepack8",
        _ => "musepack7",
    }
}

/// MPEG audio by version and layer; AAC in LATM (LOAS, broadcast AAC) is
/// ffmpeg's aac_latm.
fn mpeg_audio(version: Option<i32>, layer: Option<i32>, format: Option<&str>) -> &'static str {
    match (version, layer) {
        (Some(1), Some(3)) | (Some(1), None) => "mp3",
        (Some(1), Some(2)) => "mp2",
        (Some(1), Some(1)) => "mp1",
        _ if format == Some("loas") => "aac_latm",
        _ => "aac",
    }
}

/// The codec behind a fourcc that GStreamer passes through without a caps name
/// of its own (`video/x-gst-fourcc-avdh`; GStreamer lowercases it).
pub fn fourcc_codec(fourcc: &str) -> Option<&'static str> {
    Some(match fourcc.to_ascii_lowercase().as_str() {
        "avdh" | "avdn" => "dnxhd",
        "ap4h" | "ap4x" | "apch" | "apcn" | "apcs" | "apco" => "prores",
        "div3" | "mp43" | "div4" => "msmpeg4v3",
        "mp42" => "msmpeg4v2",
        "mpg4" | "mp41" => "msmpeg4v1",
        "cfhd" => "cfhd",
        // Lossless and screen-capture codecs of recording tools.
        "uly0" | "uly2" | "uly4" | "ulh0" | "ulh2" | "ulh4" | "ulrg" | "ulra" | "uqy2" | "uqrg"
        | "uqra" | "umy2" | "umh2" | "umy4" | "umh4" | "umrg" | "umra" => "utvideo",
        "m8rg" | "m8ra" | "m8g0" | "m8y0" | "m8y2" | "m8y4" | "m8ya" => "magicyuv",
        "lags" => "lagarith",
        "fps1" => "fraps",
        "tscc" => "tscc",
        "tsc2" => "tscc2",
        "cscd" => "cscd",
        "zmbv" => "zmbv",
        "snow" => "snow",
        "ffvh" => "ffvhuff",
        "hap1" | "hap5" | "hapy" => "hap",
        "icod" => "aic",
        // Audio that GStreamer's MP4 demuxer passes through unnamed.
        "mlpa" => "truehd",
        "mha1" | "mha2" | "mhm1" | "mhm2" => "mpegh_3d_audio",
        "ac-4" => "ac4",
        // DTS Express (LBR) in MP4; GStreamer names `dtsc`, `dtsh`, `dtsl`.
        "dtse" => "dts",
        _ => return None,
    })
}

/// ffprobe's name for raw PCM in a GStreamer raw audio format.
fn pcm_name(format: Option<&str>) -> String {
    let Some(f) = format else {
        return "pcm".into();
    };
    match f {
        "U8" => "pcm_u8".into(),
        "S8" => "pcm_s8".into(),
        _ => {
            // S16LE → pcm_s16le, F32BE → pcm_f32be, S24_32LE → pcm_s24le.
            let lower = f.to_ascii_lowercase();
            let lower = lower.replace("_32", "");
            format!("pcm_{lower}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::names::kind_of;

    fn caps(s: &str) -> gst::Caps {
        s.parse::<gst::Caps>().unwrap()
    }

    #[test]
    fn audio_mp4_passes_through_unnamed_is_named_as_ffprobe_does() {
        gst::init().unwrap();
        for (fourcc, name) in [
            ("mlpa", "truehd"),
            ("mhm1", "mpegh_3d_audio"),
            ("mha1", "mpegh_3d_audio"),
            ("ac-4", "ac4"),
        ] {
            let c = caps(&format!("audio/x-gst-fourcc-{fourcc}"));
            assert_eq!(codec_name(c.structure(0).unwrap(), Some("mp4")), name);
        }
    }

    fn name(s: &str, container: Option<&str>) -> String {
        codec_name(caps(s).structure(0).unwrap(), container)
    }

    #[test]
    fn codec_names_are_ffprobes() {
        gst::init().unwrap();
        assert_eq!(
            name(
                "video/mpeg, mpegversion=(int)2, systemstream=(boolean)false",
                None
            ),
            "mpeg2video"
        );
        assert_eq!(
            name("audio/mpeg, mpegversion=(int)1, layer=(int)3", None),
            "mp3"
        );
        assert_eq!(name("audio/mpeg, mpegversion=(int)4", None), "aac");
        assert_eq!(name("audio/x-wms, rate=(int)8000", None), "wmavoice");
        assert_eq!(
            name("audio/x-avi-unknown, codec_id=(int)61868", None),
            "flac"
        );
        assert_eq!(
            name(
                "audio/mpeg, mpegversion=(int)4, stream-format=(string)loas",
                None
            ),
            "aac_latm"
        );
        assert_eq!(
            name("video/x-wmv, wmvversion=(int)3, format=(string)WVC1", None),
            "vc1"
        );
        assert_eq!(
            name("video/x-msmpeg, msmpegversion=(int)43", None),
            "msmpeg4v3"
        );
        assert_eq!(name("video/x-divx, divxversion=(int)3", None), "msmpeg4v3");
        assert_eq!(name("video/x-gst-fourcc-avdh", None), "dnxhd");
        assert_eq!(name("audio/ms-gsm, rate=(int)8000", None), "gsm_ms");
        assert_eq!(name("video/x-pn-realvideo, rmversion=(int)4", None), "rv40");
        assert_eq!(name("audio/x-pn-realaudio, raversion=(int)8", None), "cook");
        assert_eq!(name("video/x-rle, layout=(string)quicktime", None), "qtrle");
        assert_eq!(
            name("video/x-avi-unknown, fourcc=(int)811158613", None),
            "utvideo"
        );
        assert_eq!(
            name("text/x-raw, format=(string)utf8", Some("mkv")),
            "subrip"
        );
        assert_eq!(
            name("text/x-raw, format=(string)utf8", Some("mp4")),
            "mov_text"
        );
        assert_eq!(name("subpicture/x-pgs", None), "hdmv_pgs_subtitle");
        assert_eq!(name("audio/x-raw, format=(string)S16LE", None), "pcm_s16le");
        assert_eq!(
            name("audio/x-raw, format=(string)S24_32LE", None),
            "pcm_s24le"
        );
        // libav's parsers, as GStreamer wraps them.
        assert_eq!(name("audio/x-ffmpeg-parsed-ape", None), "ape");
        assert_eq!(
            name("audio/x-ffmpeg-parsed-musepack, streamversion=(int)7", None),
            "musepack7"
        );
        assert_eq!(kind_of("application/x-subtitle-vtt"), "subtitle");
        assert_eq!(kind_of("application/x-foo"), "data");
    }
}
