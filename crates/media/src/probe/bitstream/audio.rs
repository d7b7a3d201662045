//! Audio headers: MPEG audio frames, AAC's AudioSpecificConfig, AC-3/E-AC-3
//! sync frames, TrueHD's major sync, DTS-HD's extension substream, and the
//! bit depth of lossless codecs (FLAC, ALAC).

use super::*;

/// The facts of an MPEG audio frame header (ISO/IEC 11172-3, 13818-3).
#[derive(Debug, PartialEq)]
pub struct MpegAudioHeader {
    pub rate: i32,
    pub channels: i32,
    pub bitrate: u64,
}

pub fn mpeg_audio_header(b: &[u8]) -> Option<MpegAudioHeader> {
    // The first frame sync within the first bytes (ID3 or junk may come first).
    let at = (0..b.len().saturating_sub(3).min(4096))
        .find(|&i| b[i] == 0xFF && b[i + 1] & 0xE0 == 0xE0 && (b[i + 1] >> 1) & 3 != 0)?;
    let f = mpeg_audio_frame(u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))?;
    Some(MpegAudioHeader {
        rate: f.rate as i32,
        channels: if f.mono { 1 } else { 2 },
        bitrate: f.bitrate,
    })
}

/// One MPEG audio frame header word, decoded.
#[derive(Debug, PartialEq)]
pub struct MpegAudioFrame {
    /// 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5.
    pub version: u32,
    /// 1, 2 or 3.
    pub layer: u32,
    pub rate: u32,
    /// 0 for the free format.
    pub bitrate: u64,
    pub padding: bool,
    pub mono: bool,
}

/// The frame header word `h`, if it is one: a sync, and no reserved
/// version, layer, sampling rate or bit rate.
pub fn mpeg_audio_frame(h: u32) -> Option<MpegAudioFrame> {
    let version = (h >> 19) & 3; // 0: MPEG 2.5, 2: MPEG 2, 3: MPEG 1
    let layer_bits = (h >> 17) & 3;
    let bitrate_index = ((h >> 12) & 0xF) as usize;
    let rate_index = ((h >> 10) & 3) as usize;
    if h & 0xFFE0_0000 != 0xFFE0_0000
        || version == 1
        || layer_bits == 0
        || rate_index == 3
        || bitrate_index == 15
    {
        return None;
    }
    let layer = 4 - layer_bits;
    let base = [44100, 48000, 32000][rate_index];
    let rate = match version {
        3 => base,
        2 => base / 2,
        _ => base / 4,
    };
    const V1: [[u64; 15]; 3] = [
        [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ],
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ],
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ],
    ];
    const V2: [[u64; 15]; 2] = [
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];
    let kbps = if version == 3 {
        V1[layer as usize - 1][bitrate_index]
    } else {
        V2[if layer == 1 { 0 } else { 1 }][bitrate_index]
    };
    Some(MpegAudioFrame {
        version,
        layer,
        rate,
        bitrate: kbps * 1000,
        padding: (h >> 9) & 1 == 1,
        mono: (h >> 6) & 3 == 3,
    })
}

/// The facts of an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3, 1.6.2.1).
#[derive(Debug, PartialEq)]
pub struct AudioConfig {
    pub object_type: u32,
    pub rate: i32,
    /// `None` when a program config element carries the layout.
    pub channels: Option<i32>,
}

/// MPEG-4 audio's sampling frequencies by index (AudioSpecificConfig,
/// ADTS headers).
pub const AAC_RATES: [i32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

pub fn audio_specific_config(b: &[u8]) -> Option<AudioConfig> {
    let mut bits = Bits::new(b);
    let object = |bits: &mut Bits| -> Option<u32> {
        let o = bits.u(5)?;
        if o == 31 {
            Some(32 + bits.u(6)?)
        } else {
            Some(o)
        }
    };
    let rate = |bits: &mut Bits| -> Option<i32> {
        let i = bits.u(4)?;
        if i == 15 {
            Some(bits.u(24)? as i32)
        } else {
            AAC_RATES.get(i as usize).copied()
        }
    };
    let mut object_type = object(&mut bits)?;
    let mut sample_rate = rate(&mut bits)?;
    let config = bits.u(4)?;
    // Explicit SBR / PS: the output rate is the extension's, the object type the core's.
    let explicit_sbr = object_type == 5 || object_type == 29;
    if explicit_sbr {
        sample_rate = rate(&mut bits)?;
        object_type = object(&mut bits)?;
    }
    // Backward-compatible SBR (iTunes' HE-AAC): after the core's
    // GASpecificConfig, sync extension 0x2B7 names SBR and its output rate,
    // and 0x548 after it parametric stereo.
    let mut stereo = false;
    if !explicit_sbr && matches!(object_type, 1..=4) && config != 0 {
        let ga = (|| {
            bits.u(1)?;
            if bits.u(1)? == 1 {
                bits.u(14)?;
            }
            bits.u(1)
        })();
        if ga.is_some()
            && bits.u(11) == Some(0x2B7)
            && object(&mut bits) == Some(5)
            && bits.u(1) == Some(1)
        {
            sample_rate = rate(&mut bits)?;
            stereo = bits.u(11) == Some(0x548) && bits.u(1) == Some(1);
        }
    }
    let channels = match config {
        // A program config element after the GASpecificConfig carries the
        // layout.
        0 if matches!(object_type, 1..=4) => pce_channels(&mut bits),
        // Mono with explicit SBR: ffmpeg's decoder assumes parametric
        // stereo may follow and gives two channels.
        1 if explicit_sbr || stereo => Some(2),
        1..=6 => Some(config as i32),
        7 | 12 | 14 => Some(8),
        11 => Some(7),
        13 => Some(24),
        _ => None,
    };
    Some(AudioConfig {
        object_type,
        rate: sample_rate,
        channels,
    })
}

/// The channels of the program config element that follows a
/// GASpecificConfig (frame length, core coder and extension flags; ISO/IEC
/// 14496-3, 4.4.1.1): each front, side and back element is one channel or
/// a pair, plus the LFE elements.
fn pce_channels(bits: &mut Bits) -> Option<i32> {
    bits.u(1)?;
    if bits.u(1)? == 1 {
        bits.u(14)?;
    }
    bits.u(1)?;
    // Element tag, object type, rate index.
    bits.u(4 + 2 + 4)?;
    let (front, side, back) = (bits.u(4)?, bits.u(4)?, bits.u(4)?);
    let lfe = bits.u(2)?;
    // Associated data and coupling channel element counts.
    bits.u(3 + 4)?;
    for width in [4, 4, 3] {
        // Mono and stereo mixdowns (an element number each), the matrix
        // mixdown (an index and a flag).
        if bits.u(1)? == 1 {
            bits.u(width)?;
        }
    }
    let mut channels = 0;
    for _ in 0..front + side + back {
        channels += if bits.u(1)? == 1 { 2 } else { 1 };
        bits.u(4)?;
    }
    let n = channels + lfe as i32;
    (n > 0).then_some(n)
}

/// Channels and rate of a LOAS/LATM stream, from the AudioSpecificConfig
/// of the first StreamMuxConfig (ISO/IEC 14496-3, 1.7.3): version 0 only,
/// the first program's first layer.
pub fn latm_config(b: &[u8]) -> Option<(i32, i32)> {
    let at = b
        .windows(2)
        .take(4096)
        .position(|w| w[0] == 0x56 && w[1] & 0xE0 == 0xE0)?;
    let mut r = Bits::new(b.get(at + 3..)?);
    // useSameStreamMux, then audioMuxVersion: a config follows, version 0.
    if r.u(1)? != 0 || r.u(1)? != 0 {
        return None;
    }
    // allStreamsSameTimeFraming, numSubFrames, numProgram, numLayer.
    r.u(1 + 6 + 4 + 3)?;
    let asc: Vec<u8> = (0..8).map_while(|_| r.u(8).map(|v| v as u8)).collect();
    let c = audio_specific_config(&asc)?;
    Some((c.channels?, c.rate))
}

/// Bits per sample of FLAC (STREAMINFO after the `fLaC` marker) or ALAC (the
/// ALACSpecificConfig, bare or inside its `alac` box).
pub fn lossless_bit_depth(codec: &str, config: &[u8]) -> Option<u32> {
    match codec {
        "flac" => {
            let at = config.windows(4).position(|w| w == b"fLaC")? + 4;
            // Block header (4), min/max block size (4), min/max frame size (6).
            let mut r = Bits::new(config.get(at + 4 + 10..)?);
            r.u(20 + 3)?;
            Some(r.u(5)? + 1)
        }
        "alac" => {
            let at = if config.get(4..8) == Some(b"alac") {
                12
            } else {
                0
            };
            config.get(at + 5).map(|&b| b as u32).filter(|&b| b > 0)
        }
        _ => None,
    }
}

/// The sample size a FLAC frame header states (code 0 defers to the
/// STREAMINFO, which a container without one leaves unknown).
pub fn flac_frame_depth(frame: &[u8]) -> Option<u32> {
    (frame.first()? == &0xFF && frame.get(1)? & 0xFE == 0xF8).then_some(())?;
    match (frame.get(3)? >> 1) & 7 {
        1 => Some(8),
        2 => Some(12),
        4 => Some(16),
        5 => Some(20),
        6 => Some(24),
        7 => Some(32),
        _ => None,
    }
}

/// MPEG-4 ALS (lossless, audio object type 36) in an AudioSpecificConfig:
/// the channels, rate and sample size of its `ALS\0` configuration, which
/// ffmpeg's decoder gives (the outer config's rate field is not the rate).
pub fn als_config(asc: &[u8]) -> Option<(i32, i32, u32)> {
    (audio_specific_config(asc)?.object_type == 36).then_some(())?;
    let at = asc.windows(4).position(|w| w == b"ALS\0")? + 4;
    let c = asc.get(at..at + 11)?;
    let rate = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    let channels = i32::from(u16::from_be_bytes([c[8], c[9]])) + 1;
    let bits = 8 * (u32::from((c[10] >> 2) & 7) + 1);
    (rate > 0 && bits <= 32).then_some((channels, rate as i32, bits))
}

/// Channels of an AC-3 or E-AC-3 sync frame (ATSC A/52, 5.4 and E.1.2):
/// the coding mode plus the LFE channel.
pub fn ac3_channels(b: &[u8]) -> Option<i32> {
    const MODES: [i32; 8] = [2, 1, 2, 3, 3, 4, 4, 5];
    let at = b.windows(2).take(4096).position(|w| w == [0x0B, 0x77])?;
    let f = b.get(at..)?;
    let bsid = f.get(5)? >> 3;
    let mut r = Bits::new(f);
    if bsid <= 10 {
        // sync (16), crc1 (16), fscod (2), frmsizecod (6), bsid (5), bsmod (3).
        r.u(16 + 16 + 2 + 6 + 5 + 3)?;
        let acmod = r.u(3)? as usize;
        if acmod & 1 == 1 && acmod != 1 {
            r.u(2)?;
        }
        if acmod & 4 != 0 {
            r.u(2)?;
        }
        if acmod == 2 {
            r.u(2)?;
        }
        Some(MODES[acmod] + r.u(1)? as i32)
    } else {
        // sync (16), strmtyp (2), substreamid (3), frmsiz (11), fscod (2),
        // numblkscod or fscod2 (2).
        r.u(16 + 2 + 3 + 11 + 2 + 2)?;
        let acmod = r.u(3)? as usize;
        Some(MODES[acmod] + r.u(1)? as i32)
    }
}

/// Sampling rate of an AC-3 or E-AC-3 sync frame: `fscod`, and for
/// E-AC-3's reduced rates `fscod2`.
pub fn ac3_rate(b: &[u8]) -> Option<i32> {
    let at = b.windows(2).take(4096).position(|w| w == [0x0B, 0x77])?;
    let f = b.get(at..)?;
    let fscod = f.get(4)? >> 6;
    match (fscod, f.get(5)? >> 3) {
        (0..=2, _) => Some([48000, 44100, 32000][fscod as usize]),
        (_, 11..=16) => [24000, 22050, 16000].get((f[4] >> 4 & 3) as usize).copied(),
        _ => None,
    }
}

/// Channels and sampling rate of a TrueHD major sync (the first access
/// unit's): the 8-channel presentation when the stream carries one, else the
/// 6- or 2-channel one, as ffmpeg's parser picks.
/// Blu-ray LPCM's (`pcm_bluray`) channels and rate, from the 4-byte header
/// each PES payload starts with (its size, then the channel assignment and
/// rate index, then the sample size), as FFmpeg's decoder reads it.
pub fn bluray_lpcm(b: &[u8]) -> Option<(i32, i32)> {
    const CHANNELS: [i32; 12] = [0, 1, 0, 2, 3, 3, 4, 4, 5, 6, 7, 8];
    let (assignment, rate) = (b.get(2)? >> 4, b.get(2)? & 0x0F);
    let channels = *CHANNELS.get(usize::from(assignment)).filter(|&&c| c > 0)?;
    let rate = match rate {
        1 => 48_000,
        4 => 96_000,
        5 => 192_000,
        _ => return None,
    };
    Some((channels, rate))
}

/// DVD LPCM's (`pcm_dvd`) channels, rate and sample size, from the header
/// mpegpsdemux leaves before the samples: the first access unit's offset
/// (2 bytes), then 3 bytes whose second holds the quantisation, the rate
/// index and the channels less one, as FFmpeg's decoder reads it.
pub fn dvd_lpcm(b: &[u8]) -> Option<(i32, i32, u32)> {
    let h = *b.get(3)?;
    let bits = [16, 20, 24].get(usize::from(h >> 6)).copied()?;
    let rate = [48_000, 96_000, 44_100, 32_000][usize::from((h >> 4) & 3)];
    Some((i32::from(h & 7) + 1, rate, bits))
}

pub fn truehd_major_sync(b: &[u8]) -> Option<(i32, i32)> {
    // L/R, C, LFE, Ls/Rs, Lvh/Rvh, Lc/Rc, Lrs/Rrs, Cs, Ts, Lsd/Rsd, Lw/Rw, Cvh, LFE2.
    const COUNT: [i32; 13] = [2, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 1, 1];
    let at = b
        .windows(4)
        .take(64)
        .position(|w| w == [0xF8, 0x72, 0x6F, 0xBA])?;
    let mut r = Bits::new(b.get(at + 4..)?);
    let ratebits = r.u(4)?;
    r.u(4 + 2 + 2)?;
    let first = r.u(5)?;
    r.u(2)?;
    let second = r.u(13)?;
    let channels = |map: u32| {
        (0..13)
            .map(|i| COUNT[i] * ((map >> i) & 1) as i32)
            .sum::<i32>()
    };
    let n = if second != 0 {
        channels(second)
    } else {
        channels(first)
    };
    let rate = mlp_rate(ratebits)?;
    (n > 0).then_some((n, rate))
}

/// An MLP major sync (`F8 72 6F BB`, at the start of `b`'s access unit):
/// channels, rate and bits per sample as FFmpeg's decoder gives them, from
/// group 1's quantisation and rate (group 2's follow, 11 bits, then the
/// channel arrangement).
pub fn mlp_major_sync(b: &[u8]) -> Option<(u32, i32, u32)> {
    // Channels of each channel arrangement code (FFmpeg's `mlp_channels`).
    const CHANNELS: [u32; 21] = [
        1, 2, 3, 4, 3, 4, 5, 3, 4, 5, 4, 5, 6, 4, 5, 4, 5, 6, 5, 5, 6,
    ];
    let at = b
        .windows(4)
        .take(64)
        .position(|w| w == [0xF8, 0x72, 0x6F, 0xBB])?;
    let mut r = Bits::new(b.get(at + 4..)?);
    let bits = [16, 20, 24].get(r.u(4)? as usize).copied();
    r.u(4)?;
    let rate = mlp_rate(r.u(4)?);
    r.u(4 + 11)?;
    let channels = CHANNELS.get(r.u(5)? as usize).copied()?;
    Some((channels, rate?, bits?))
}

/// A TrueHD or MLP major sync's rate code: 48 or 44.1 kHz times a power of
/// two (15: none).
fn mlp_rate(code: u32) -> Option<i32> {
    (code != 0xF).then(|| (if code & 8 != 0 { 44100 } else { 48000 }) << (code & 7))
}

/// A DTS core frame header (big-endian, 16-bit words; ETSI TS 102 114,
/// 5.3.1): after the sync word, the frame type, deficit sample count, CRC
/// flag, block count, frame size and channel arrangement, the `SFREQ` code
/// and the `RATE` (bit rate) code.
pub struct DtsCore {
    /// The sampling rate `SFREQ` names; none for a reserved code.
    pub rate: Option<i32>,
    /// The `RATE` code (an index into the standard's bit rates).
    pub bit_rate_code: u32,
}

pub fn dts_core(b: &[u8]) -> Option<DtsCore> {
    const RATES: [i32; 16] = [
        0, 8000, 16000, 32000, 0, 0, 11025, 22050, 44100, 0, 0, 12000, 24000, 48000, 0, 0,
    ];
    if b.get(..4)? != [0x7F, 0xFE, 0x80, 0x01] {
        return None;
    }
    let mut r = Bits::new(b.get(4..)?);
    r.u(1 + 5 + 1 + 7 + 14 + 6)?;
    let rate = Some(RATES[r.u(4)? as usize]).filter(|&rate| rate > 0);
    Some(DtsCore {
        rate,
        bit_rate_code: r.u(5)?,
    })
}

/// Channels and sampling rate of a DTS-HD extension substream's first asset
/// (ETSI TS 102 114, 7.4 and 7.5: the header, then the asset descriptor's
/// `nuTotalNumChs` and `nuMaxSampleRate`): what a decoder of the whole
/// stream gives (8 for a 7.1 Master Audio or DTS:X bed over a 5.1 core,
/// 96 kHz over a 48 kHz core), where the core frame tells only the core's.
pub fn dts_hd_asset(b: &[u8]) -> Option<(i32, i32)> {
    exss_asset(b).map(|a| (a.channels, a.rate))
}

/// The bit depth of a lossless DTS-HD stream (Master Audio, DTS:X): the
/// asset's PCM resolution, when its extension substream carries the
/// lossless (XLL) extension, as ffprobe gives it; lossy DTS has none.
pub fn dts_hd_lossless_depth(b: &[u8]) -> Option<u32> {
    const XLL_SYNC: [u8; 4] = [0x41, 0xA2, 0x95, 0x47];
    let a = exss_asset(b)?;
    let substream = b.get(a.start..(a.start + a.size).min(b.len()))?;
    substream
        .windows(4)
        .any(|w| w == XLL_SYNC)
        .then_some(a.bits)
}

/// The facts of a DTS-HD extension substream's first asset, and where the
/// substream lies.
struct ExssAsset {
    channels: i32,
    rate: i32,
    bits: u32,
    start: usize,
    size: usize,
}

fn exss_asset(b: &[u8]) -> Option<ExssAsset> {
    const RATES: [i32; 16] = [
        8000, 16000, 32000, 64000, 128000, 22050, 44100, 88200, 176400, 352800, 12000, 24000,
        48000, 96000, 192000, 384000,
    ];
    let at = b
        .windows(4)
        .take(1 << 16)
        .position(|w| w == [0x64, 0x58, 0x20, 0x25])?;
    let mut r = Bits::new(b.get(at + 4..)?);
    r.u(8)?;
    let index = r.u(2)? as usize;
    let long = r.u(1)? == 1;
    let size_bits = if long { 20 } else { 16 };
    r.u(if long { 12 } else { 8 })?;
    let size = r.u(size_bits)? as usize + 1;
    let fixed = r.u(1)? == 1;
    let assets = if fixed {
        r.u(2 + 3)?;
        if r.u(1)? == 1 {
            r.u(32 + 4)?;
        }
        let presentations = r.u(3)? as usize + 1;
        let assets = r.u(3)? as usize + 1;
        let mut masks = Vec::new();
        for _ in 0..presentations {
            masks.push(r.u(index + 1)?);
        }
        for mask in masks {
            for ss in 0..=index {
                if (mask >> ss) & 1 == 1 {
                    r.u(8)?;
                }
            }
        }
        if r.u(1)? == 1 {
            r.u(2)?;
            let bits = (r.u(2)? as usize + 1) << 2;
            let configs = r.u(2)? as usize + 1;
            r.u(bits * configs)?;
        }
        assets
    } else {
        1
    };
    for _ in 0..assets {
        r.u(size_bits)?;
    }
    // The first asset's descriptor: its size and index, then the static fields.
    r.u(9 + 3)?;
    if !fixed {
        return None;
    }
    if r.u(1)? == 1 {
        r.u(4)?;
    }
    if r.u(1)? == 1 {
        r.u(24)?;
    }
    if r.u(1)? == 1 {
        let text = r.u(10)? as usize + 1;
        r.u(8 * text)?;
    }
    let bits = r.u(5)? + 1;
    let rate = RATES[r.u(4)? as usize];
    let channels = r.u(8)? as i32 + 1;
    Some(ExssAsset {
        channels,
        rate,
        bits,
        start: at,
        size,
    })
}
