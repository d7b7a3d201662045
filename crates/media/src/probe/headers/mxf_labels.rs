//! MXF's universal labels (SMPTE RP 224) for essence: the kind a track's
//! data definition gives, and the codec a descriptor's coding or essence
//! container label names, in ffprobe's words. FFmpeg's MXF demuxer matches a
//! label by a prefix of it, its version byte (the eighth) ignored, and takes
//! the first entry that matches: these tables keep its entries and its order.

/// A label prefix and what it names.
type Label = (&'static [u8], &'static str);

/// The kinds of a track's data definition (picture, sound; anything else
/// is data to FFmpeg).
const DATA_DEFINITIONS: [Label; 3] = [
    (
        &[0x06, 0x0e, 0x2b, 0x34, 4, 1, 1, 1, 1, 3, 2, 2, 1],
        "video",
    ),
    // Avid's legacy picture definition (older Media Composer files).
    (
        &[
            0x80, 0x7d, 0x00, 0x60, 0x08, 0x14, 0x3e, 0x6f, 0x6f, 0x3c, 0x8c, 0xe1, 0x6c, 0xef,
            0x11, 0xd2,
        ],
        "video",
    ),
    (
        &[0x06, 0x0e, 0x2b, 0x34, 4, 1, 1, 1, 1, 3, 2, 2, 2],
        "audio",
    ),
];

/// Picture essence coding and sound essence compression labels (FFmpeg's
/// `ff_mxf_codec_uls`).
const CODINGS: [Label; 23] = [
    (&[6, 14, 43, 52, 4, 1, 1, 3, 4, 1, 2, 2, 1, 1], "mpeg2video"),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 1, 2, 2, 1, 2], "mpeg2video"),
    (&[6, 14, 43, 52, 4, 1, 1, 3, 4, 1, 2, 2, 1, 3], "mpeg2video"),
    (&[6, 14, 43, 52, 4, 1, 1, 3, 4, 1, 2, 2, 1, 4], "mpeg2video"),
    (&[6, 14, 43, 52, 4, 1, 1, 3, 4, 1, 2, 2, 1, 0x20], "mpeg4"),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 1, 2, 2, 2], "dvvideo"),
    (&[6, 14, 43, 52, 4, 1, 1, 7, 4, 1, 2, 2, 3, 1], "jpeg2000"),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 1, 2, 1, 0x7f], "rawvideo"),
    (
        &[6, 14, 43, 52, 4, 1, 1, 10, 4, 1, 2, 1, 1, 2, 1],
        "rawvideo",
    ),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 1, 2, 2, 0x71], "dnxhd"),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 1, 2, 2, 3, 2], "dnxhd"),
    (
        &[6, 14, 43, 52, 4, 1, 1, 1, 14, 4, 2, 1, 2, 4, 1, 0],
        "dnxhd",
    ),
    (&[6, 14, 43, 52, 4, 1, 1, 10, 4, 1, 2, 2, 1, 0x32], "h264"),
    (&[6, 14, 43, 52, 4, 1, 1, 10, 4, 1, 2, 2, 1, 0x31], "h264"),
    (
        &[6, 14, 43, 52, 4, 1, 1, 10, 4, 1, 2, 1, 1, 2, 2, 1],
        "v210",
    ),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 14, 4, 2, 1, 2, 0x11], "prores"),
    (&[6, 14, 43, 52, 4, 1, 1, 13, 4, 1, 2, 2, 3, 6], "prores"),
    (&[6, 14, 43, 52, 4, 1, 1, 3, 4, 2, 2, 2, 3, 3], "aac"),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 2, 2, 1, 0], "pcm_s16le"),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 2, 2, 1, 0x7f], "pcm_s16le"),
    (&[6, 14, 43, 52, 4, 1, 1, 7, 4, 2, 2, 1, 0x7e], "pcm_s16be"),
    (
        &[6, 14, 43, 52, 4, 1, 1, 4, 4, 2, 2, 2, 3, 1, 1],
        "pcm_alaw",
    ),
    (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 2, 2, 2, 3, 2, 1], "ac3"),
];

/// Sound essence compression FFmpeg names MPEG audio (layer II or III).
const MPEG_AUDIO: Label = (&[6, 14, 43, 52, 4, 1, 1, 1, 4, 2, 2, 2, 3, 2, 5], "mp2");

/// Picture essence container labels (`mxf_picture_essence_container_uls`).
const PICTURE_CONTAINERS: [Label; 15] = [
    (
        &[6, 14, 43, 52, 4, 1, 1, 7, 13, 1, 3, 1, 2, 0x0c],
        "jpeg2000",
    ),
    (&[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x10], "h264"),
    (&[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x11], "dnxhd"),
    (&[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x12], "vc1"),
    (&[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x14], "tiff"),
    (&[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x15], "dirac"),
    (&[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x1b], "cfhd"),
    (&[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x1c], "prores"),
    (
        &[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x04],
        "mpeg2video",
    ),
    (
        &[6, 14, 43, 52, 4, 1, 1, 1, 13, 1, 3, 1, 2, 0x01],
        "mpeg2video",
    ),
    (
        &[6, 14, 43, 52, 4, 1, 1, 1, 13, 1, 3, 1, 2, 0x02],
        "dvvideo",
    ),
    (
        &[6, 14, 43, 52, 4, 1, 1, 1, 13, 1, 3, 1, 2, 0x05],
        "rawvideo",
    ),
    (
        &[6, 14, 43, 52, 4, 1, 1, 10, 14, 15, 3, 1, 2, 0x20, 1],
        "hq_hqa",
    ),
    (
        &[6, 14, 43, 52, 4, 1, 1, 10, 14, 15, 3, 1, 2, 0x20, 2],
        "hqx",
    ),
    (
        &[6, 14, 43, 52, 1, 1, 1, 0xff, 0x4b, 0x46, 0x41, 0x41, 0, 13],
        "rawvideo",
    ),
];

/// Sound essence container labels (`mxf_sound_essence_container_uls`):
/// Broadcast Wave and AES3 alike are PCM to FFmpeg.
const SOUND_CONTAINERS: [Label; 5] = [
    (
        &[6, 14, 43, 52, 4, 1, 1, 1, 13, 1, 3, 1, 2, 0x06],
        "pcm_s16le",
    ),
    (&[6, 14, 43, 52, 4, 1, 1, 2, 13, 1, 3, 1, 2, 0x04], "mp2"),
    (
        &[6, 14, 43, 52, 4, 1, 1, 1, 13, 1, 3, 1, 2, 0x01],
        "pcm_s16le",
    ),
    (
        &[6, 14, 43, 52, 1, 1, 1, 0xff, 0x4b, 0x46, 0x41, 0x41, 0, 13],
        "pcm_s16le",
    ),
    (&[6, 14, 43, 52, 4, 1, 1, 3, 4, 2, 2, 2, 3, 3], "aac"),
];

/// Whether `ul` starts with `prefix`, its version byte (the eighth) aside.
pub(super) fn matches(ul: &[u8; 16], prefix: &[u8]) -> bool {
    prefix
        .iter()
        .enumerate()
        .all(|(i, b)| i == 7 || ul.get(i) == Some(b))
}

/// What the first entry of `table` that `ul` starts with names.
fn lookup(table: &[Label], ul: &[u8; 16]) -> Option<&'static str> {
    table
        .iter()
        .find(|(prefix, _)| matches(ul, prefix))
        .map(|&(_, name)| name)
}

/// The kind of stream a track's data definition makes: "video", "audio",
/// or `None` for data (timecode, ancillary data).
pub(super) fn kind(definition: &[u8; 16]) -> Option<&'static str> {
    lookup(&DATA_DEFINITIONS, definition)
}

/// ffprobe's codec for a stream of `kind` whose descriptor states the
/// essence coding label `coding`, the codec label `codec` and the essence
/// container label `container`, as FFmpeg decides it: the coding label,
/// else the codec label, else the container's; a sound track said to be
/// A-law (RP 224's default) takes its container's codec when that names one;
/// PCM widens with the quantization bits.
pub(super) fn codec(
    kind: &str,
    coding: Option<&[u8; 16]>,
    codec: Option<&[u8; 16]>,
    container: Option<&[u8; 16]>,
    bits: Option<u32>,
) -> Option<&'static str> {
    let labelled = |ul: Option<&[u8; 16]>| {
        let ul = ul?;
        lookup(&CODINGS, ul).or_else(|| lookup(&[MPEG_AUDIO], ul))
    };
    let named = labelled(coding).or_else(|| labelled(codec));
    let contained = match kind {
        "video" => container.and_then(|c| lookup(&PICTURE_CONTAINERS, c)),
        "audio" => container.and_then(|c| lookup(&SOUND_CONTAINERS, c)),
        _ => None,
    };
    let name = match named {
        Some("pcm_alaw") if kind == "audio" && contained.is_some() => contained,
        Some(n) => Some(n),
        None => contained,
    }?;
    Some(match (name, bits) {
        ("pcm_s16le", Some(17..=24)) => "pcm_s24le",
        ("pcm_s16le", Some(32)) => "pcm_s32le",
        ("pcm_s16be", Some(17..=24)) => "pcm_s24be",
        ("pcm_s16be", Some(32)) => "pcm_s32be",
        _ => name,
    })
}

/// The sample size ffprobe gives a PCM codec (its `bits_per_sample`).
pub(super) fn pcm_bits(codec: &str) -> Option<u32> {
    Some(match codec {
        "pcm_s16le" | "pcm_s16be" => 16,
        "pcm_s24le" | "pcm_s24be" => 24,
        "pcm_s32le" | "pcm_s32be" => 32,
        "pcm_alaw" => 8,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ul(hex: &str) -> [u8; 16] {
        let b: Vec<u8> = (0..32)
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        b.try_into().unwrap()
    }

    #[test]
    fn labels_name_codecs_as_ffmpeg_matches_them() {
        // Broadcast Wave, clip-wrapped, version byte 2: PCM, widened to 24
        // bits by the quantization bits.
        let bwf = ul("060e2b34040101020d01030102060200");
        assert_eq!(
            codec("audio", None, None, Some(&bwf), Some(16)),
            Some("pcm_s16le")
        );
        assert_eq!(
            codec("audio", None, None, Some(&bwf), Some(24)),
            Some("pcm_s24le")
        );
        // A-law (the default of RP 224) gives way to the container's codec.
        let alaw = ul("060e2b34040101040402020203010100");
        assert_eq!(
            codec("audio", Some(&alaw), None, Some(&bwf), None),
            Some("pcm_s16le")
        );
        assert_eq!(
            codec("audio", Some(&alaw), None, None, None),
            Some("pcm_alaw")
        );
        // The coding label wins over the container's.
        let mpeg_es = ul("060e2b34040101020d01030102046001");
        let dnxhd = ul("060e2b340401010a0401020271130000");
        assert_eq!(
            codec("video", Some(&dnxhd), None, Some(&mpeg_es), None),
            Some("dnxhd")
        );
        assert_eq!(
            codec("video", None, None, Some(&mpeg_es), None),
            Some("mpeg2video")
        );
        assert_eq!(
            codec("audio", None, None, Some(&mpeg_es), None),
            Some("mp2")
        );
        assert_eq!(codec("video", None, None, None, None), None);
        assert_eq!(kind(&ul("060e2b34040101010103020202000000")), Some("audio"));
        assert_eq!(kind(&ul("060e2b34040101010103020101000000")), None);
    }
}
