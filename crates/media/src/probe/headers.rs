//! Container headers read directly, for what GStreamer's demuxers do not pass on:
//! the length a file declares (so a cut file is told as truncated), MP4 brands,
//! and per track the stored fourcc, language, sample count and frame timing.
//!
//! Cheap by design: box and chunk headers are read with positioned reads of a
//! few bytes each, skipping payloads; nothing here reads media data. Every
//! reader stops at the first thing it does not understand and returns what it
//! has: a missing fact stays absent, it is never guessed.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// What the headers say.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Headers {
    /// The length the headers declare, when it is more than the file holds.
    pub declared_size: Option<u64>,
    pub major_brand: Option<String>,
    pub compatible_brands: Vec<String>,
    pub tracks: Vec<Track>,
    /// Raw ADTS AAC: the duration its size and the first frames' bit rate
    /// give, as ffprobe estimates it (there is no index to read).
    pub estimated_duration_s: Option<f64>,
    /// Track ids in GStreamer's stream ids are hexadecimal (MPEG-TS PIDs).
    pub track_ids_hex: bool,
    /// MPEG-TS and MPEG-PS: the time from the first to the last presentation
    /// timestamp, from the head and the tail of the file.
    pub pts_span_s: Option<f64>,
    /// MP4 Nero chapters (`udta/chpl`): start in seconds and title.
    pub chapters: Vec<(f64, Option<String>)>,
}

/// One track as its container header describes it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Track {
    /// The container's own track number (MP4 track id, AVI stream index).
    pub id: u32,
    /// `vide`, `soun`, … (MP4 handler) or `vids`, `auds`, … (AVI stream type).
    pub handler: String,
    pub codec_tag: Option<String>,
    /// MP4 `mdhd` language, ISO 639-2/T packed in three letters.
    pub language: Option<String>,
    pub frames: Option<u64>,
    pub duration_s: Option<f64>,
    /// Sample durations of a video track are not all the same.
    pub variable_frame_rate: Option<bool>,
    /// Frames per second an AVI or ASF header states.
    pub frame_rate: Option<(u32, u32)>,
    /// Field order from an MP4 `fiel` box, in ffprobe's words.
    pub field_order: Option<&'static str>,
    /// Matroska `CodecID`.
    pub codec_id: Option<String>,
    pub title: Option<String>,
    pub default: Option<bool>,
    pub forced: Option<bool>,
}

/// Read the headers of `path` for a container of the given short name.
/// `timed`: the demuxer told the duration, so MPEG-TS timestamps need not be
/// read (program streams' are read whatever GStreamer says: it estimates them).
pub fn read(path: &Path, container: &str, timed: bool) -> Headers {
    let Ok(file) = File::open(path) else {
        return Headers::default();
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return Headers::default();
    };
    let r = Reader { file, len };
    let mut h = Headers::default();
    match container {
        "mp4" | "mov" | "3gp" | "3g2" | "m4a" | "mj2" => r.mp4(&mut h),
        "mkv" | "webm" => r.matroska(&mut h),
        "avi" | "wav" => r.riff(&mut h),
        "asf" => r.asf(&mut h),
        "aac" if !timed => h.estimated_duration_s = r.adts_estimate(),
        "ts" | "m2ts" => {
            if !timed {
                h.pts_span_s = r.pts_span();
            }
            h.tracks = r.ts_program(if container == "m2ts" { 192 } else { 188 });
            h.track_ids_hex = true;
        }
        "mpeg-ps" => h.pts_span_s = r.pts_span(),
        _ => {}
    }
    h.declared_size = h.declared_size.filter(|&d| d > len);
    h
}

/// ffprobe's spelling of a fourcc: printable characters as they are, others as
/// `[N]`.
pub fn fourcc_string(b: [u8; 4]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_alphanumeric() || b" .-_".contains(&c) {
                (c as char).to_string()
            } else {
                format!("[{c}]")
            }
        })
        .collect()
}

struct Reader {
    file: File,
    len: u64,
}

impl Reader {
    fn bytes<const N: usize>(&self, at: u64) -> Option<[u8; N]> {
        let mut b = [0u8; N];
        self.file.read_exact_at(&mut b, at).ok()?;
        Some(b)
    }

    fn vec(&self, at: u64, n: usize) -> Option<Vec<u8>> {
        let mut b = vec![0u8; n];
        self.file.read_exact_at(&mut b, at).ok()?;
        Some(b)
    }

    fn u32be(&self, at: u64) -> Option<u32> {
        self.bytes::<4>(at).map(u32::from_be_bytes)
    }

    fn u64be(&self, at: u64) -> Option<u64> {
        self.bytes::<8>(at).map(u64::from_be_bytes)
    }

    /// The boxes in `[start, end)`: (type, payload start, box end).
    fn boxes(&self, start: u64, end: u64) -> Vec<([u8; 4], u64, u64)> {
        let mut out = Vec::new();
        let mut at = start;
        while at + 8 <= end.min(self.len) && out.len() < 10_000 {
            let Some(h) = self.bytes::<8>(at) else { break };
            let size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
            let kind = [h[4], h[5], h[6], h[7]];
            let (size, header) = match size {
                1 => match self.u64be(at + 8) {
                    Some(s) => (s, 16),
                    None => break,
                },
                // Size 0: the box runs to the end of the file.
                0 => (end.min(self.len) - at, 8),
                s => (s, 8),
            };
            if size < header {
                break;
            }
            out.push((kind, at + header, at + size));
            at += size;
        }
        out
    }

    fn mp4(&self, h: &mut Headers) {
        let top = self.boxes(0, u64::MAX);
        for &(kind, body, end) in &top {
            if end > self.len {
                h.declared_size = Some(h.declared_size.unwrap_or(0).max(end));
            }
            match &kind {
                b"ftyp" => {
                    let n = ((end.min(self.len)).saturating_sub(body)).min(256) as usize;
                    if let Some(b) = self.vec(body, n) {
                        if b.len() >= 4 {
                            h.major_brand = Some(brand(&b[0..4]));
                        }
                        h.compatible_brands = b
                            .get(8..)
                            .unwrap_or(&[])
                            .chunks_exact(4)
                            .map(brand)
                            .collect();
                    }
                }
                b"moov" if end <= self.len => {
                    // The movie's timescale, which track header durations use.
                    let scale = self.child(body, end, &[b"mvhd"]).and_then(|(m, _)| {
                        let v = self.bytes::<1>(m)?[0];
                        self.u32be(m + if v == 1 { 20 } else { 12 })
                    });
                    for (k, tb, te) in self.boxes(body, end) {
                        if &k == b"trak"
                            && let Some(t) = self.mp4_track(tb, te, scale.unwrap_or(0))
                        {
                            h.tracks.push(t);
                        }
                        if &k == b"udta"
                            && let Some((c, ce)) = self.child(tb, te, &[b"chpl"])
                        {
                            h.chapters = self.chpl(c, ce);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Nero chapters: version and flags, (version 1) four more bytes, a count,
    /// then per chapter a start in 100 ns units and a length-prefixed title.
    fn chpl(&self, body: u64, end: u64) -> Vec<(f64, Option<String>)> {
        let mut out = Vec::new();
        let Some(version) = self.bytes::<1>(body).map(|b| b[0]) else {
            return out;
        };
        let mut at = body + if version == 1 { 8 } else { 4 };
        let Some(n) = self.bytes::<1>(at).map(|b| b[0]) else {
            return out;
        };
        at += 1;
        for _ in 0..n {
            let (Some(start), Some(len)) = (self.u64be(at), self.bytes::<1>(at + 8)) else {
                break;
            };
            let len = len[0] as usize;
            if at + 9 + len as u64 > end {
                break;
            }
            let title = self
                .vec(at + 9, len)
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .filter(|t| !t.is_empty());
            out.push((start as f64 / 1e7, title));
            at += 9 + len as u64;
        }
        out
    }

    fn child(&self, body: u64, end: u64, path: &[&[u8; 4]]) -> Option<(u64, u64)> {
        let (first, rest) = path.split_first()?;
        let (_, b, e) = self
            .boxes(body, end)
            .into_iter()
            .find(|(k, _, _)| &k == first)?;
        if rest.is_empty() {
            Some((b, e))
        } else {
            self.child(b, e, rest)
        }
    }

    fn mp4_track(&self, body: u64, end: u64, movie_scale: u32) -> Option<Track> {
        let mut t = Track::default();
        let (tkhd, _) = self.child(body, end, &[b"tkhd"])?;
        let version = self.bytes::<1>(tkhd)?[0];
        // tkhd flags: 1 = enabled, which players (and ffprobe) take as default.
        t.default = Some(self.bytes::<4>(tkhd)?[3] & 1 == 1);
        t.id = self.u32be(tkhd + if version == 1 { 20 } else { 12 })?;
        // The track's presentation length (after its edit list), as ffprobe
        // gives a stream's duration; the media header's length comes second.
        let tkhd_duration = if version == 1 {
            self.u64be(tkhd + 28)?
        } else {
            self.u32be(tkhd + 20)? as u64
        };
        if movie_scale > 0 && tkhd_duration > 0 && tkhd_duration != u32::MAX as u64 {
            t.duration_s = Some(tkhd_duration as f64 / movie_scale as f64);
        }
        let (mdia, mdia_end) = self.child(body, end, &[b"mdia"])?;
        if let Some((mdhd, _)) = self.child(mdia, mdia_end, &[b"mdhd"]) {
            let v = self.bytes::<1>(mdhd)?[0];
            let (scale, dur, lang) = if v == 1 {
                (self.u32be(mdhd + 20)?, self.u64be(mdhd + 24)?, mdhd + 32)
            } else {
                (
                    self.u32be(mdhd + 12)?,
                    self.u32be(mdhd + 16)? as u64,
                    mdhd + 20,
                )
            };
            if t.duration_s.is_none() && scale > 0 && dur > 0 && dur != u32::MAX as u64 {
                t.duration_s = Some(dur as f64 / scale as f64);
            }
            let packed = u16::from_be_bytes(self.bytes::<2>(lang)?);
            // Values below 0x400 are Macintosh language codes, not ISO 639.
            if packed >= 0x400 {
                let code: String = [10u16, 5, 0]
                    .iter()
                    .map(|s| (((packed >> s) & 0x1f) as u8 + 0x60) as char)
                    .collect();
                if code.chars().all(|c| c.is_ascii_lowercase()) {
                    t.language = Some(code);
                }
            }
        }
        if let Some((hdlr, _)) = self.child(mdia, mdia_end, &[b"hdlr"]) {
            t.handler = brand(&self.bytes::<4>(hdlr + 8)?);
        }
        let (stbl, stbl_end) = self.child(mdia, mdia_end, &[b"minf", b"stbl"])?;
        if let Some((stsd, stsd_end)) = self.child(stbl, stbl_end, &[b"stsd"])
            && let Some(&(k, entry, entry_end)) = self.boxes(stsd + 8, stsd_end).first()
        {
            t.codec_tag = Some(fourcc_string(k));
            if t.handler == "vide" {
                // A visual sample entry's boxes follow its 78 bytes of fields;
                // `fiel` gives the field count and order (QuickTime).
                let fiel = self
                    .boxes(entry + 78, entry_end)
                    .into_iter()
                    .find(|(k, _, _)| k == b"fiel");
                if let Some((_, f, _)) = fiel
                    && let Some([count, detail]) = self.bytes::<2>(f)
                {
                    t.field_order = match (count, detail) {
                        (1, _) => Some("progressive"),
                        (2, 1) => Some("tt"),
                        (2, 6) => Some("bb"),
                        (2, 9) => Some("tb"),
                        (2, 14) => Some("bt"),
                        _ => None,
                    };
                }
            }
        }
        if let Some((stsz, _)) = self.child(stbl, stbl_end, &[b"stsz"]) {
            t.frames = self.u32be(stsz + 8).map(u64::from).filter(|&n| n > 0);
        }
        if t.handler == "vide"
            && let Some((stts, stts_end)) = self.child(stbl, stbl_end, &[b"stts"])
        {
            // One run of equal sample durations is a constant rate; a last
            // sample of another length (common at the end of a stream) is too.
            let n = self.u32be(stts + 4)?;
            if stts + 8 + 8 * n as u64 <= stts_end && n <= 4096 {
                let mut deltas = Vec::new();
                for i in 0..n as u64 {
                    deltas.push((
                        self.u32be(stts + 8 + 8 * i)?,
                        self.u32be(stts + 12 + 8 * i)?,
                    ));
                }
                let body: Vec<_> = if deltas.len() > 1 && deltas.last()?.0 == 1 {
                    deltas[..deltas.len() - 1].to_vec()
                } else {
                    deltas
                };
                t.variable_frame_rate = Some(body.windows(2).any(|w| w[0].1 != w[1].1));
            }
        }
        Some(t)
    }

    /// EBML variable-length integer at `at`: (value, length); `None` for the
    /// reserved "unknown size".
    fn vint(&self, at: u64, keep_marker: bool) -> Option<(Option<u64>, u64)> {
        let first = self.bytes::<1>(at)?[0];
        let n = first.leading_zeros() as u64 + 1;
        if n > 8 {
            return None;
        }
        let rest = self.vec(at + 1, (n - 1) as usize)?;
        let mut v = if keep_marker {
            first as u64
        } else {
            (first as u64) & (0xff >> n)
        };
        for b in rest {
            v = (v << 8) | b as u64;
        }
        let all_ones = !keep_marker && v == (1u64 << (7 * n)) - 1;
        Some(((!all_ones).then_some(v), n))
    }

    fn matroska(&self, h: &mut Headers) {
        // EBML header, then the Segment: its declared size says where the file ends.
        let Some((Some(id), idn)) = self.vint(0, true) else {
            return;
        };
        if id != 0x1A45_DFA3 {
            return;
        }
        let Some((Some(size), sn)) = self.vint(idn, false) else {
            return;
        };
        let seg = idn + sn + size;
        let Some((Some(seg_id), n1)) = self.vint(seg, true) else {
            return;
        };
        if seg_id != 0x1853_8067 {
            return;
        }
        let Some((seg_size, n2)) = self.vint(seg + n1, false) else {
            return;
        };
        let body = seg + n1 + n2;
        let seg_end = match seg_size {
            Some(s) => {
                h.declared_size = Some(body + s);
                body + s
            }
            None => self.len,
        };
        // The Tracks element comes before the first Cluster.
        for (id, b, e) in self.elements(body, seg_end.min(self.len), 64) {
            match id {
                0x1654_AE6B => {
                    for (tid, tb, te) in self.elements(b, e, 1000) {
                        if tid == 0xAE {
                            h.tracks.push(self.matroska_track(tb, te));
                        }
                    }
                    break;
                }
                0x1F43_B675 => break,
                _ => {}
            }
        }
    }

    /// The EBML elements in `[start, end)`: (id, data start, data end). Stops at
    /// an element of unknown size.
    fn elements(&self, start: u64, end: u64, max: usize) -> Vec<(u64, u64, u64)> {
        let mut out = Vec::new();
        let mut at = start;
        while at < end && out.len() < max {
            let Some((Some(id), n1)) = self.vint(at, true) else {
                break;
            };
            let Some((Some(size), n2)) = self.vint(at + n1, false) else {
                break;
            };
            let data = at + n1 + n2;
            out.push((id, data, data + size));
            at = data + size;
        }
        out
    }

    fn matroska_track(&self, start: u64, end: u64) -> Track {
        let mut t = Track {
            // Absent flags have their defaults: FlagDefault 1, FlagForced 0.
            default: Some(true),
            forced: Some(false),
            ..Track::default()
        };
        let mut bcp47 = None;
        for (id, b, e) in self.elements(start, end.min(self.len), 200) {
            let n = (e - b).min(1024) as usize;
            let text = || {
                self.vec(b, n).map(|v| {
                    String::from_utf8_lossy(&v)
                        .trim_end_matches('\0')
                        .to_string()
                })
            };
            let uint = || {
                self.vec(b, n.min(8))
                    .map(|v| v.iter().fold(0u64, |a, &x| (a << 8) | x as u64))
            };
            match id {
                0xD7 => t.id = uint().unwrap_or(0) as u32,
                0x86 => t.codec_id = text(),
                0x22_B59C => t.language = text(),
                0x22_B59D => bcp47 = text(),
                0x536E => t.title = text().filter(|x| !x.is_empty()),
                0x88 => t.default = uint().map(|v| v != 0),
                0x55AA => t.forced = uint().map(|v| v != 0),
                0x83 => {
                    t.handler = match uint() {
                        Some(1) => "video",
                        Some(2) => "audio",
                        Some(0x11) => "subtitle",
                        _ => "",
                    }
                    .into()
                }
                _ => {}
            }
        }
        // Language defaults to "eng" when the element is absent (Matroska spec).
        if t.language.is_none() && bcp47.is_none() {
            t.language = Some("eng".into());
        }
        t.language = t.language.or(bcp47);
        t
    }

    fn riff(&self, h: &mut Headers) {
        // RIFF chunks follow one another (AVI files past 1 GiB add `AVIX` ones).
        let mut at = 0u64;
        while at + 12 <= self.len {
            let Some(head) = self.bytes::<12>(at) else {
                break;
            };
            if &head[0..4] != b"RIFF" {
                break;
            }
            let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as u64;
            let end = at + 8 + size + (size & 1);
            if end > self.len {
                h.declared_size = Some(at + 8 + size);
            }
            if at == 0 && &head[8..12] == b"AVI " {
                self.avi_streams(12, end.min(self.len), h);
            }
            at = end;
        }
    }

    fn avi_streams(&self, start: u64, end: u64, h: &mut Headers) {
        let chunks = |from: u64, to: u64| {
            let mut out = Vec::new();
            let mut at = from;
            while at + 8 <= to && out.len() < 1000 {
                let Some(c) = self.bytes::<8>(at) else { break };
                let size = u32::from_le_bytes([c[4], c[5], c[6], c[7]]) as u64;
                out.push(([c[0], c[1], c[2], c[3]], at + 8, size));
                at += 8 + size + (size & 1);
            }
            out
        };
        let Some(&(_, hdrl, hsize)) = chunks(start, end)
            .iter()
            .find(|(k, b, _)| k == b"LIST" && self.bytes::<4>(*b).is_some_and(|t| &t == b"hdrl"))
        else {
            return;
        };
        let mut index = 0;
        for (k, body, size) in chunks(hdrl + 4, hdrl + hsize) {
            if &k != b"LIST" || self.bytes::<4>(body).is_none_or(|t| &t != b"strl") {
                continue;
            }
            // 1-based, as avidemux numbers its streams.
            let mut t = Track {
                id: index + 1,
                ..Track::default()
            };
            index += 1;
            for (ck, cb, _) in chunks(body + 4, body + size) {
                match &ck {
                    b"strh" => {
                        let Some(s) = self.bytes::<36>(cb) else {
                            continue;
                        };
                        t.handler = brand(&s[0..4]);
                        let scale = u32::from_le_bytes([s[20], s[21], s[22], s[23]]);
                        let rate = u32::from_le_bytes([s[24], s[25], s[26], s[27]]);
                        let length = u32::from_le_bytes([s[32], s[33], s[34], s[35]]);
                        if t.handler == "vids" {
                            if scale > 0 && rate > 0 {
                                t.frame_rate = Some((rate, scale));
                            }
                            t.frames = Some(length as u64).filter(|&n| n > 0);
                        }
                    }
                    b"strf" if t.handler == "vids" => {
                        if let Some(b) = self.bytes::<4>(cb + 16) {
                            t.codec_tag = Some(fourcc_string(b));
                        }
                    }
                    b"strf" if t.handler == "auds" => {
                        if let Some(b) = self.bytes::<2>(cb) {
                            t.codec_tag = Some(fourcc_string([b[0], b[1], 0, 0]));
                        }
                    }
                    _ => {}
                }
            }
            h.tracks.push(t);
        }
    }

    /// PES timestamps in the first and last 64 KiB: the earliest and the latest
    /// PTS, per elementary stream, as ffprobe estimates a duration. TS
    /// packets are read by PID; program streams by start codes.
    fn pts_span(&self) -> Option<f64> {
        const WINDOW: u64 = 16 * 1024;
        let head = self.vec(0, self.len.min(WINDOW) as usize)?;
        // Frames can be larger than the window: widen it (to 1 MiB) until the
        // tail holds a PES header of every stream.
        let mut tail = Vec::new();
        let mut window = WINDOW;
        loop {
            let tail_at = self.len.saturating_sub(window).max(head.len() as u64);
            tail = self
                .vec(tail_at, (self.len - tail_at) as usize)
                .unwrap_or(tail);
            // Every stream the head shows must show in the tail too: the last
            // video frame may lie further back than the audio after it.
            let tail_ids: Vec<u8> = pes_timestamps(&tail).iter().map(|(id, _)| *id).collect();
            let whole = pes_timestamps(&head)
                .iter()
                .all(|(id, _)| tail_ids.contains(id));
            if tail_at == head.len() as u64 || whole || window >= 1 << 20 {
                break;
            }
            window *= 4;
        }
        let first = pes_timestamps(&head).into_iter().map(|(_, p)| p).min()?;
        let last = pes_timestamps(&head)
            .into_iter()
            .chain(pes_timestamps(&tail))
            .map(|(_, p)| if p < first { p + (1u64 << 33) } else { p })
            .max()?;
        Some((last - first) as f64 / 90_000.0)
    }

    /// ADTS frames in the first 16 KiB: their mean length and the sampling
    /// rate give the bit rate, and the file's size the duration.
    fn adts_estimate(&self) -> Option<f64> {
        const RATES: [u32; 13] = [
            96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
        ];
        let b = self.vec(0, self.len.min(16 * 1024) as usize)?;
        let mut at = b
            .windows(2)
            .position(|w| w[0] == 0xFF && w[1] & 0xF6 == 0xF0)?;
        let (mut frames, mut bytes, mut rate) = (0u64, 0u64, 0u32);
        while at + 7 <= b.len() && b[at] == 0xFF && b[at + 1] & 0xF6 == 0xF0 {
            rate = *RATES.get(((b[at + 2] >> 2) & 0xF) as usize)?;
            let len = (((b[at + 3] & 3) as usize) << 11)
                | ((b[at + 4] as usize) << 3)
                | (b[at + 5] as usize >> 5);
            if len < 7 {
                break;
            }
            frames += 1;
            bytes += len as u64;
            at += len;
        }
        if frames < 2 || rate == 0 {
            return None;
        }
        let bitrate = bytes as f64 * 8.0 * rate as f64 / (frames as f64 * 1024.0);
        Some(self.len as f64 * 8.0 / bitrate)
    }

    /// MPEG-TS: the first program's elementary streams (PAT → PMT), with the
    /// language their descriptors give (ISO 639, DVB subtitling, teletext).
    fn ts_program(&self, packet: usize) -> Vec<Track> {
        // Muxers write the PAT and PMT first: the first 32 KiB hold them.
        let Some(head) = self.vec(0, self.len.min(32 * 1024) as usize) else {
            return Vec::new();
        };
        let prefix = packet - 188;
        // The payload of the first packet of `pid` that starts a section.
        let section = |pid: u16| -> Option<&[u8]> {
            head.chunks_exact(packet).find_map(|p| {
                let p = &p[prefix..];
                let this = u16::from_be_bytes([p[1] & 0x1F, p[2]]);
                if p[0] != 0x47 || this != pid || p[1] & 0x40 == 0 {
                    return None;
                }
                let mut at = 4;
                if p[3] & 0x20 != 0 {
                    at += 1 + p[4] as usize;
                }
                let pointer = *p.get(at)? as usize;
                p.get(at + 1 + pointer..)
            })
        };
        let pmt_pid = section(0).and_then(|pat| {
            let len = (u16::from_be_bytes([pat[1] & 0x0F, pat[2]]) as usize).min(pat.len());
            pat.get(8..len.saturating_sub(1))?
                .chunks_exact(4)
                .find(|e| u16::from_be_bytes([e[0], e[1]]) != 0)
                .map(|e| u16::from_be_bytes([e[2] & 0x1F, e[3]]))
        });
        let Some(pmt) = pmt_pid.and_then(section) else {
            return Vec::new();
        };
        let end = (3 + (u16::from_be_bytes([pmt[1] & 0x0F, pmt[2]]) as usize)).min(pmt.len()) - 4;
        let info = u16::from_be_bytes([pmt[10] & 0x0F, pmt[11]]) as usize;
        let mut at = 12 + info;
        let mut tracks = Vec::new();
        while at + 5 <= end {
            let pid = u16::from_be_bytes([pmt[at + 1] & 0x1F, pmt[at + 2]]);
            let es_len = u16::from_be_bytes([pmt[at + 3] & 0x0F, pmt[at + 4]]) as usize;
            let mut d = at + 5;
            let mut language = None;
            while d + 2 <= (at + 5 + es_len).min(end) {
                let (tag, len) = (pmt[d], pmt[d + 1] as usize);
                if matches!(tag, 0x0A | 0x56 | 0x59) && len >= 3 {
                    language = pmt
                        .get(d + 2..d + 5)
                        .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase());
                }
                d += 2 + len;
            }
            tracks.push(Track {
                id: pid as u32,
                language: language.filter(|l| l.chars().all(|c| c.is_ascii_lowercase())),
                ..Track::default()
            });
            at += 5 + es_len;
        }
        tracks
    }

    fn asf(&self, h: &mut Headers) {
        const HEADER: [u8; 16] = guid("75B22630-668E-11CF-A6D9-00AA0062CE6C");
        const FILE_PROPERTIES: [u8; 16] = guid("8CABDCA1-A947-11CF-8EE4-00C00C205365");
        let Some(head) = self.bytes::<30>(0) else {
            return;
        };
        if head[0..16] != HEADER {
            return;
        }
        let size = u64::from_le_bytes(head[16..24].try_into().unwrap());
        let objects = |from: u64, to: u64| {
            let mut out = Vec::new();
            let mut at = from;
            while at + 24 <= to.min(self.len) && out.len() < 1000 {
                let Some(o) = self.bytes::<24>(at) else { break };
                let s = u64::from_le_bytes(o[16..24].try_into().unwrap());
                if s < 24 {
                    break;
                }
                out.push((<[u8; 16]>::try_from(&o[0..16]).unwrap(), at, s));
                at += s;
            }
            out
        };
        for (g, at, _) in objects(30, size) {
            if g == FILE_PROPERTIES
                && let Some(b) = self.bytes::<8>(at + 40)
            {
                let declared = u64::from_le_bytes(b);
                // Zero while a file is being written (broadcast flag).
                if declared > 0 {
                    h.declared_size = Some(declared);
                }
            }
        }
    }
}

/// (stream id, PTS) of every PES header with a timestamp in `b`, found by
/// start code: in TS payloads and program streams alike a PES header starts
/// `00 00 01` and a stream id (0xBD private, 0xC0-0xEF audio and video).
fn pes_timestamps(b: &[u8]) -> Vec<(u8, u64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 14 <= b.len() {
        if b[i] != 0 || b[i + 1] != 0 || b[i + 2] != 1 {
            i += 1;
            continue;
        }
        let id = b[i + 3];
        if id == 0xBD || (0xC0..=0xEF).contains(&id) {
            let h = &b[i + 6..];
            let pts = if h[0] & 0xC0 == 0x80 {
                // MPEG-2 PES: flags, header length, then the PTS if flagged.
                (h[1] & 0x80 != 0).then(|| &h[3..8])
            } else {
                // MPEG-1: stuffing, an optional buffer size, then '0010'/'0011'.
                let mut j = 0;
                while j < h.len() && h[j] == 0xFF && j < 16 {
                    j += 1;
                }
                if j + 1 < h.len() && h[j] & 0xC0 == 0x40 {
                    j += 2;
                }
                (j + 5 <= h.len() && h[j] & 0xE0 == 0x20).then(|| &h[j..j + 5])
            };
            if let Some(p) = pts
                && p[0] & 1 == 1
                && p[2] & 1 == 1
                && p[4] & 1 == 1
            {
                let v = ((p[0] as u64 >> 1) & 7) << 30
                    | (p[1] as u64) << 22
                    | ((p[2] as u64) >> 1) << 15
                    | (p[3] as u64) << 7
                    | (p[4] as u64) >> 1;
                out.push((id, v));
            }
        }
        i += 4;
    }
    out
}

/// An ASF GUID as it is stored: its text form with the first three groups
/// little-endian.
const fn guid(text: &str) -> [u8; 16] {
    const fn hex(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => c - b'A' + 10,
        }
    }
    let t = text.as_bytes();
    let mut bytes = [0u8; 16];
    let (mut i, mut n) = (0, 0);
    while i < t.len() {
        if t[i] == b'-' {
            i += 1;
            continue;
        }
        bytes[n] = hex(t[i]) << 4 | hex(t[i + 1]);
        n += 1;
        i += 2;
    }
    let mut out = bytes;
    // Groups of 4, 2 and 2 bytes are little-endian on disk.
    let order = [3, 2, 1, 0, 5, 4, 7, 6];
    let mut k = 0;
    while k < 8 {
        out[k] = bytes[order[k]];
        k += 1;
    }
    out
}

fn brand(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourccs_as_ffprobe_spells_them() {
        assert_eq!(fourcc_string(*b"avc1"), "avc1");
        assert_eq!(fourcc_string([0x55, 0, 0, 0]), "U[0][0][0]");
    }

    #[test]
    fn pes_timestamps_of_mpeg2_and_mpeg1_headers() {
        // 90,000 ticks = 1 s: '0010' marker, 33 bits in 3/15/15 with marker bits.
        let pts = |v: u64, prefix: u8| {
            [
                prefix | (((v >> 30) as u8 & 7) << 1) | 1,
                (v >> 22) as u8,
                (((v >> 15) as u8) << 1) | 1,
                (v >> 7) as u8,
                ((v as u8) << 1) | 1,
            ]
        };
        let mut b = vec![0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5];
        b.extend(pts(90_000, 0x20));
        b.extend([0, 0, 1, 0xC0, 0, 0, 0xFF, 0xFF]);
        b.extend(pts(180_000, 0x20));
        b.extend([0u8; 8]);
        assert_eq!(pes_timestamps(&b), vec![(0xE0, 90_000), (0xC0, 180_000)]);
    }

    #[test]
    fn asf_guids_are_stored_little_endian() {
        let g = guid("75B22630-668E-11CF-A6D9-00AA0062CE6C");
        assert_eq!(&g[..8], &[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]);
        assert_eq!(&g[8..], &[0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C]);
    }

    #[test]
    fn a_cut_matroska_file_declares_more_than_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mkv");
        // EBML header (empty), Segment of 1000 bytes, of which 10 are present.
        let mut b = vec![0x1A, 0x45, 0xDF, 0xA3, 0x80];
        b.extend([0x18, 0x53, 0x80, 0x67, 0x40 | 0x03, 0xE8]);
        b.extend([0u8; 10]);
        std::fs::write(&p, &b).unwrap();
        let h = read(&p, "mkv", true);
        assert_eq!(h.declared_size, Some(11 + 1000));
    }
}
