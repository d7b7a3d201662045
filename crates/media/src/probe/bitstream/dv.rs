//! A DV frame's own headers (IEC 61834, SMPTE 314M and 370M): the DIF header
//! section names the profile (the system, 625/50 or 525/60, and the video
//! stream type), the VAUX section's control pack holds the aspect, the AAUX
//! source pack says how the audio is sampled and how many stereo pairs the
//! frame carries. Read as FFmpeg's DV demuxer and decoder read them, since
//! ffprobe's facts are theirs.
//!
//! The frame may be cut anywhere: a pack the bytes do not reach is absent.

/// One of the DV profiles FFmpeg knows, with what ffprobe reports of it.
#[derive(Debug, PartialEq)]
pub struct DvProfile {
    /// The DIF header's DSF bit: 0 for 525/60, 1 for 625/50.
    dsf: u8,
    /// The VAUX source pack's video stream type (4 is 50 Mbps, 0x14 and
    /// 0x18 DVCPRO HD).
    stype: u8,
    /// Bytes a frame takes.
    pub frame_size: u32,
    pub width: u32,
    pub height: u32,
    /// Frames per second.
    pub rate: (u32, u32),
    /// The pixel aspect ratio of a 4:3 and a 16:9 picture.
    pub sar: [(u32, u32); 2],
    /// The pixel format FFmpeg's decoder gives the profile.
    pub pix_fmt: &'static str,
}

/// 525/60 and 625/50 sample aspect ratios of standard definition DV, and
/// of DVCPRO HD's 1080i60 and its other formats.
const SAR_525: [(u32, u32); 2] = [(8, 9), (32, 27)];
const SAR_625: [(u32, u32); 2] = [(16, 15), (64, 45)];
const SAR_1080I60: [(u32, u32); 2] = [(1, 1), (3, 2)];
const SAR_HD: [(u32, u32); 2] = [(1, 1), (4, 3)];

/// The frame rates of the two systems.
const RATE_525: (u32, u32) = (30000, 1001);
const RATE_625: (u32, u32) = (25, 1);

/// A profile from its DSF, stream type and frame size, picture size, rate,
/// aspects and pixel format.
const fn profile(
    (dsf, stype, frame_size): (u8, u8, u32),
    (width, height): (u32, u32),
    rate: (u32, u32),
    sar: [(u32, u32); 2],
    pix_fmt: &'static str,
) -> DvProfile {
    DvProfile {
        dsf,
        stype,
        frame_size,
        width,
        height,
        rate,
        sar,
        pix_fmt,
    }
}

/// FFmpeg's profiles (libavcodec/dv_profile.c), in its order: the first
/// that matches the DSF and stream type is the frame's. The third, SMPTE
/// 314M's 4:1:1 at 625/50, is chosen by the APT field, never by the table.
#[rustfmt::skip]
static PROFILES: [DvProfile; 10] = [
    profile((0, 0, 120_000), (720, 480), RATE_525, SAR_525, "yuv411p"),
    profile((1, 0, 144_000), (720, 576), RATE_625, SAR_625, "yuv420p"),
    profile((1, 0, 144_000), (720, 576), RATE_625, SAR_625, "yuv411p"),
    // DVCPRO50.
    profile((0, 4, 240_000), (720, 480), RATE_525, SAR_525, "yuv422p"),
    profile((1, 4, 288_000), (720, 576), RATE_625, SAR_625, "yuv422p"),
    // DVCPRO HD: 1080i60, 1080i50, 720p60, 720p50.
    profile((0, 0x14, 480_000), (1280, 1080), RATE_525, SAR_1080I60, "yuv422p"),
    profile((1, 0x14, 576_000), (1440, 1080), RATE_625, SAR_HD, "yuv422p"),
    profile((0, 0x18, 240_000), (960, 720), (60000, 1001), SAR_HD, "yuv422p"),
    profile((1, 0x18, 288_000), (960, 720), (50, 1), SAR_HD, "yuv422p"),
    // IEC 61883-5, 625/50.
    profile((1, 1, 144_000), (720, 576), RATE_625, SAR_625, "yuv420p"),
];

/// The bytes FFmpeg needs to tell a frame's profile: the header section and
/// the subcode and VAUX sections after it.
const PROFILE_BYTES: usize = 6 * 80;

/// The byte of the VAUX source pack that holds the video stream type, at
/// the place FFmpeg reads it (the sixth DIF block, the pack at byte 48).
const STYPE_AT: usize = 80 * 5 + 48 + 3;

/// The profile a frame's first DIF blocks name, as FFmpeg picks it for a
/// raw DV stream: 625/50 DV25 whose APT field is set is SMPTE 314M (4:1:1);
/// QuickTime 3's frames, with no stream type, take their system's DV25.
pub fn dv_profile(frame: &[u8]) -> Option<&'static DvProfile> {
    if frame.len() < PROFILE_BYTES {
        return None;
    }
    let dsf = frame[3] >> 7;
    let apt = frame[4] & 7;
    let vs = frame[STYPE_AT];
    let stype = vs & 0x1f;
    if dsf == 1 && stype == 0 && apt != 0 {
        return Some(&PROFILES[2]);
    }
    if let Some(p) = PROFILES.iter().find(|p| p.dsf == dsf && p.stype == stype) {
        return Some(p);
    }
    (frame[3] & 0x7f == 0x3f && vs == 0xff).then(|| &PROFILES[usize::from(dsf)])
}

/// A DV frame's audio, as FFmpeg's demuxer makes its streams of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DvAudio {
    /// Stereo pairs, each one stream (16-bit PCM to ffprobe, whatever the
    /// frame's quantization).
    pub pairs: u8,
    pub rate: i32,
}

/// What a DV frame's headers say: its profile, whether its picture is
/// 16:9, and its audio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DvFrame {
    pub profile: &'static DvProfile,
    pub wide: bool,
    pub audio: Option<DvAudio>,
}

/// The facts of a DV frame's headers; `None` when no profile is named.
pub fn dv_frame(frame: &[u8]) -> Option<DvFrame> {
    Some(DvFrame {
        profile: dv_profile(frame)?,
        wide: dv_wide(frame),
        audio: dv_audio(frame),
    })
}

/// The packs FFmpeg looks for, each in one place of the frame's first ten
/// DIF sequences (12,000 bytes apart).
#[derive(Clone, Copy, PartialEq)]
enum Pack {
    AudioSource = 0x50,
    VideoControl = 0x61,
}

/// The first pack of `kind` in the frame, as FFmpeg's `dv_extract_pack`
/// finds it: the even sequences hold it in one block, the odd in another.
fn pack(frame: &[u8], kind: Pack) -> Option<&[u8]> {
    (0..10).find_map(|c: usize| {
        let at = c * 12_000
            + match (kind, c % 2 == 1) {
                (Pack::AudioSource, true) => 80 * 6 + 3,
                (Pack::AudioSource, false) => 80 * 6 + 80 * 16 * 3 + 3,
                (Pack::VideoControl, true) => 80 * 3 + 8,
                (Pack::VideoControl, false) => 80 * 5 + 48 + 5,
            };
        let p = frame.get(at..at + 5)?;
        (p[0] == kind as u8).then_some(p)
    })
}

/// The picture is 16:9: the VAUX control pack's display mode says so (2,
/// or 7 where the APT field is 0).
fn dv_wide(frame: &[u8]) -> bool {
    let apt = frame.get(4).map_or(0, |b| b & 7);
    pack(frame, Pack::VideoControl).is_some_and(|p| {
        let mode = p[2] & 7;
        mode == 2 || (apt == 0 && mode == 7)
    })
}

/// The AAUX source pack's sampling frequency and stereo pairs, as FFmpeg's
/// `dv_extract_audio_info` counts them: the stream type gives 1, 2 or 4
/// pairs (2 channels, 4 or 8), and 32 kHz 12-bit audio in a two-channel
/// frame is two pairs, since its frames hold two. No audio for a frequency
/// or stream type out of the table, or for no pack.
fn dv_audio(frame: &[u8]) -> Option<DvAudio> {
    const RATES: [i32; 3] = [48000, 44100, 32000];
    let p = pack(frame, Pack::AudioSource)?;
    let freq = usize::from(p[4] >> 3 & 7);
    let stype = p[3] & 0x1f;
    let twelve_bit = p[4] & 7 != 0;
    let rate = *RATES.get(freq)?;
    let pairs = match stype {
        0 if twelve_bit && freq == 2 => 2,
        0 => 1,
        2 => 2,
        3 => 4,
        _ => return None,
    };
    Some(DvAudio { pairs, rate })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame's first sequence: the DIF header (DSF, APT), the VAUX
    /// source pack's stream type, and an AAUX source pack.
    fn frame(dsf: bool, apt: u8, stype: u8, aaux: Option<[u8; 5]>) -> Vec<u8> {
        let mut f = vec![0xffu8; 12_000];
        f[..4].copy_from_slice(&[0x1f, 0x07, 0x00, 0x3f | (u8::from(dsf) << 7)]);
        f[4] = 0x68 | apt;
        f[STYPE_AT - 3..STYPE_AT + 2].copy_from_slice(&[0x60, 0xff, 0xff, 0xc0 | stype, 0xff]);
        if let Some(a) = aaux {
            let at = 80 * 6 + 80 * 16 * 3 + 3;
            f[at..at + 5].copy_from_slice(&a);
        }
        f
    }

    #[test]
    fn the_dif_header_names_ffmpegs_profile() {
        // DSF, APT, stream type: the size, rate and pixel format ffprobe gives.
        // 625/50 with the APT field set is SMPTE 314M, 4:1:1.
        let cases = [
            ((true, 0, 0), (720, 576, (25, 1), "yuv420p")),
            ((true, 1, 0), (720, 576, (25, 1), "yuv411p")),
            ((false, 1, 0), (720, 480, (30000, 1001), "yuv411p")),
            ((true, 1, 4), (720, 576, (25, 1), "yuv422p")),
            ((false, 1, 0x18), (960, 720, (60000, 1001), "yuv422p")),
        ];
        for ((dsf, apt, stype), want) in cases {
            let p = dv_profile(&frame(dsf, apt, stype, None)).unwrap();
            assert_eq!((p.width, p.height, p.rate, p.pix_fmt), want);
        }
        // A stream type no profile has; a frame cut within its first six
        // blocks (FFmpeg reads them whole).
        assert_eq!(dv_profile(&frame(true, 0, 9, None)), None);
        assert_eq!(dv_profile(&frame(true, 0, 0, None)[..479]), None);
    }

    #[test]
    fn the_aaux_source_pack_gives_ffmpegs_audio_streams() {
        let audio = |aaux: [u8; 5]| dv_frame(&frame(true, 0, 0, Some(aaux))).unwrap().audio;
        // 48 kHz 16-bit, two channels: one pair.
        assert_eq!(
            audio([0x50, 0xd8, 0x00, 0xe0, 0x80]),
            Some(DvAudio {
                pairs: 1,
                rate: 48000
            })
        );
        // 32 kHz 12-bit in a two-channel frame (a camcorder's): two pairs.
        assert_eq!(
            audio([0x50, 0xd0, 0x30, 0xe0, 0xd1]),
            Some(DvAudio {
                pairs: 2,
                rate: 32000
            })
        );
        // Four channels at 48 kHz (DVCPRO50's stream type 2); eight.
        assert_eq!(audio([0x50, 0xd8, 0, 0xe2, 0x80]).map(|a| a.pairs), Some(2));
        assert_eq!(audio([0x50, 0xd8, 0, 0xe3, 0x80]).map(|a| a.pairs), Some(4));
        // A frequency or a stream type out of the table: no audio.
        assert_eq!(audio([0x50, 0xd8, 0, 0xe0, 0x98]), None);
        assert_eq!(audio([0x50, 0xd8, 0, 0xe1, 0x80]), None);
        assert_eq!(dv_frame(&frame(true, 0, 0, None)).unwrap().audio, None);
    }

    #[test]
    fn the_vaux_control_pack_tells_a_wide_picture() {
        let mut f = frame(true, 0, 0, None);
        assert!(!dv_wide(&f));
        f[STYPE_AT + 2..STYPE_AT + 7].copy_from_slice(&[0x61, 0x33, 0xc8 | 2, 0xfc, 0xff]);
        assert!(dv_wide(&f));
    }
}
