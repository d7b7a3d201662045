//! The weighted tables gen_catalog draws from (containers, codecs, resolutions,
//! frame rates, languages, statuses), and its random numbers.

/// SplitMix64: small, fast, and good enough to spread synthetic values.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.f().max(1e-12);
        let v = self.f();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    pub fn pick<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total as u64) as u32;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

/// File extension, container name, description, MIME type.
pub type Container = (&'static str, &'static str, &'static str, &'static str);

pub const CONTAINERS: &[(Container, u32)] = &[
    (("mkv", "mkv", "Matroska", "video/x-matroska"), 45),
    (("mp4", "mp4", "Quicktime", "video/quicktime"), 33),
    (("avi", "avi", "AVI", "video/x-msvideo"), 5),
    (("webm", "webm", "WebM", "video/webm"), 4),
    (("mov", "mov", "Quicktime", "video/quicktime"), 4),
    (("ts", "ts", "MPEG-2 Transport Stream", "video/mpegts"), 4),
    (
        ("m2ts", "m2ts", "MPEG-2 Transport Stream", "video/mpegts"),
        2,
    ),
    (
        (
            "wmv",
            "wmv",
            "Advanced Streaming Format (ASF)",
            "video/x-ms-asf",
        ),
        2,
    ),
    (("flv", "flv", "Flash", "video/x-flv"), 1),
];

/// codec, description, typical bits per pixel per frame.
pub const VIDEO: &[((&str, &str, f64), u32)] = &[
    (("h264", "H.264 (High Profile)", 0.10), 50),
    (("hevc", "H.265 (Main 10 Profile)", 0.06), 30),
    (("vp9", "VP9", 0.06), 5),
    (("av1", "AV1", 0.05), 4),
    (("mpeg4", "MPEG-4 Video (Simple Profile)", 0.18), 4),
    (("mpeg2", "MPEG-2 Video", 0.25), 3),
    (("vc1", "VC-1", 0.15), 2),
    (("mjpeg", "Motion JPEG", 0.9), 1),
    (("theora", "Theora", 0.15), 1),
];

pub const RESOLUTIONS: &[((i64, i64), u32)] = &[
    ((720, 576), 8),
    ((720, 480), 5),
    ((640, 480), 5),
    ((1280, 720), 20),
    ((1920, 1080), 38),
    ((1920, 800), 5),
    ((2560, 1440), 4),
    ((3840, 2160), 10),
    ((3840, 1600), 2),
    ((1080, 1920), 2),
    ((7680, 4320), 1),
];

pub const FPS: &[(f64, u32)] = &[
    (24000.0 / 1001.0, 35),
    (24.0, 10),
    (25.0, 20),
    (30000.0 / 1001.0, 18),
    (30.0, 5),
    (50.0, 4),
    (60000.0 / 1001.0, 5),
    (60.0, 3),
];

pub const AUDIO: &[((&str, &str), u32)] = &[
    (("aac", "MPEG-4 AAC"), 40),
    (("ac3", "AC-3 (ATSC A/52)"), 18),
    (("eac3", "E-AC-3 (ATSC A/52B)"), 10),
    (("dts", "DTS"), 8),
    (("mp3", "MPEG-1 Layer 3 (MP3)"), 7),
    (("opus", "Opus"), 5),
    (("flac", "Free Lossless Audio Codec (FLAC)"), 5),
    (("vorbis", "Vorbis"), 4),
    (("truehd", "Dolby TrueHD"), 3),
];

/// ISO 639-2 as files write it (both the bibliographic and the terminology
/// form occur), the two-letter form, and a weight; "" is an untagged stream.
pub const LANGS: &[((&str, &str), u32)] = &[
    (("eng", "en"), 45),
    (("fre", "fr"), 8),
    (("fra", "fr"), 4),
    (("ger", "de"), 7),
    (("deu", "de"), 3),
    (("spa", "es"), 8),
    (("jpn", "ja"), 6),
    (("ita", "it"), 5),
    (("rus", "ru"), 3),
    (("por", "pt"), 3),
    (("", ""), 8),
];

pub const STATUS: &[(&str, u32)] = &[
    ("ok", 9650),
    ("missing", 150),
    ("error", 100),
    ("unsupported", 40),
    ("timeout", 30),
    ("crashed", 20),
    ("unstable", 10),
];

pub const ERRORS: &[&str] = &[
    "no streams found",
    "Could not determine type of stream",
    "Internal data stream error: not-negotiated",
    "File is truncated: moov atom not found",
];
