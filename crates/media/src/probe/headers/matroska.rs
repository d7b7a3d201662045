//! Matroska/WebM: EBML variable-length integers, the segment size, and the
//! Tracks element.

use super::*;

/// Clusters and frames read for a frame rate from block timestamps.
const TIMED_CLUSTERS: usize = 4;
const TIMED_FRAMES: usize = 48;

/// The frame rate that explains `times` (ns, in decoding order): their mean
/// spacing once sorted, over the leading run without a gap (the last frames
/// in decoding order may leave holes for pictures still to come), when it
/// is a common rate (timestamps rounded to the millisecond still average to
/// it over many frames).
/// ffprobe's frame rate of a video track that states no `DefaultDuration`:
/// FFmpeg's estimate ([`super::rfps`]) over the blocks' timestamps in
/// order, in the segment's time base, each block lasting the frame the
/// codec's timing gives (the H.264 VUI's, floored to the time base; none
/// without it); where the timestamps explain no rate, the codec's own.
/// Without a whole-number time base, the common rate of the blocks' run.
fn estimate_rate(t: &mut Track, times: &[i64], scale: u64) {
    let timescale = (scale > 0 && 1_000_000_000 % scale == 0)
        .then(|| (1_000_000_000 / scale) as u32)
        .filter(|&s| s > 1);
    let Some(timescale) = timescale else {
        t.timed_frame_rate = rate_of(times);
        return;
    };
    let mut ticks: Vec<i64> = times.iter().map(|&ns| ns / scale as i64).collect();
    ticks.sort_unstable();
    ticks.dedup();
    let duration = t
        .config
        .as_deref()
        .and_then(crate::probe::bitstream::h264_vui_rate)
        .map_or(0, |(n, d)| {
            i64::from(timescale) * i64::from(d) / i64::from(n)
        });
    let frames: Vec<(i64, i64)> = ticks.iter().map(|&x| (x, duration)).collect();
    let limit = super::rfps::frames_read(timescale);
    t.timed_frame_rate = super::rfps::r_frame_rate(&frames, timescale, Some(limit));
    t.rate_from_codec = t.timed_frame_rate.is_none() && frames.len() > 2;
}

pub(super) fn rate_of(times: &[i64]) -> Option<(u32, u32)> {
    let mut t = times.to_vec();
    t.sort_unstable();
    t.dedup();
    let diffs: Vec<i64> = t.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted = diffs.clone();
    sorted.sort_unstable();
    let median = *sorted.get(sorted.len() / 2)?;
    let run = diffs.iter().take_while(|&&d| d * 2 < median * 3).count();
    if run < 8 || median <= 0 {
        return None;
    }
    super::common_rate(run as f64 * 1e9 / (t[run] - t[0]) as f64)
}

impl Reader {
    /// EBML variable-length integer at `at`: (value, length); `None` for the
    /// reserved "unknown size".
    pub(super) fn vint(&self, at: u64, keep_marker: bool) -> Option<(Option<u64>, u64)> {
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

    pub(super) fn matroska(&self, h: &mut Headers) {
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
        // Info and Tracks come before the first Cluster.
        let mut scale = 1_000_000u64;
        let mut clusters = Vec::new();
        for (id, b, e) in self.elements(body, seg_end.min(self.len), 64) {
            match id {
                0x1549_A966 => {
                    let mut duration = None;
                    for (iid, ib, ie) in self.elements(b, e, 64) {
                        match iid {
                            0x2A_D7B1 => {
                                scale = self.uint(ib, ie).filter(|s| *s > 0).unwrap_or(scale)
                            }
                            0x4489 => duration = self.float(ib, ie),
                            _ => {}
                        }
                    }
                    // Duration counts TimestampScale units, as a float.
                    h.movie_s = duration
                        .map(|d| d * scale as f64 / 1e9)
                        .filter(|d| d.is_finite() && *d > 0.0);
                }
                0x1654_AE6B => {
                    for (tid, tb, te) in self.elements(b, e, 1000) {
                        if tid == 0xAE {
                            h.tracks.push(self.matroska_track(tb, te));
                        }
                    }
                }
                0x1F43_B675 => clusters.push((b, e)),
                0x1043_A770 => h.matroska_chapters = self.matroska_chapters(b, e.min(seg_end)),
                _ => {}
            }
            if clusters.len() >= TIMED_CLUSTERS {
                break;
            }
        }
        self.time_tracks(&mut h.tracks, &clusters, scale);
    }

    /// What the first clusters' blocks tell of each video track: its rate
    /// from their timestamps where no `DefaultDuration` states it, an
    /// H.264 track's parameter sets where it has no `CodecPrivate`, and
    /// the pixel format of FFV1 that has no configuration record.
    fn time_tracks(&self, tracks: &mut [Track], clusters: &[(u64, u64)], scale: u64) {
        for t in tracks.iter_mut() {
            let avc = t.codec_id.as_deref() == Some("V_MPEG4/ISO/AVC");
            let untimed = t.handler == "video" && t.default_duration_ns.is_none();
            let unconfigured = avc && t.config.is_none();
            // FFV1 without a configuration record: version 0 or 1, whose
            // key frames state the pixel format.
            let ffv1 =
                t.codec_id.as_deref() == Some("V_FFV1") || t.codec_tag.as_deref() == Some("FFV1");
            let unrecorded = ffv1 && t.config.is_none();
            if !untimed && !unconfigured && !unrecorded {
                continue;
            }
            let (times, first) = self.block_times(clusters, t.id, scale);
            // The first frame (its first 4 KiB), after the block's timecode
            // and flags.
            let frame = first
                .filter(|_| unconfigured || unrecorded)
                .and_then(|(b, e)| self.vec(b + 3, e.saturating_sub(b + 3).min(4096) as usize));
            // No `CodecPrivate` (a browser's recording): the parameter sets
            // of the first frame.
            if unconfigured && let Some(au) = &frame {
                t.config = crate::probe::bitstream::h264_record_from_stream(au);
            }
            if unrecorded && let Some(frame) = &frame {
                t.pix_fmt = crate::probe::bitstream::ffv1_frame_pixel_format(frame);
                // Versions 0 and 1 code whole frames only.
                if t.pix_fmt.is_some() {
                    t.field_order = Some("progressive");
                }
            }
            if untimed {
                estimate_rate(t, &times, scale);
            }
        }
    }

    /// A big-endian unsigned integer element's value.
    pub(super) fn uint(&self, b: u64, e: u64) -> Option<u64> {
        self.vec(b, (e - b).min(8) as usize)
            .map(|v| v.iter().fold(0u64, |a, &x| (a << 8) | x as u64))
    }

    /// The times (ns) of the first blocks of `track` in `clusters`, and
    /// where the first block's timecode starts and the block ends.
    fn block_times(
        &self,
        clusters: &[(u64, u64)],
        track: u32,
        scale: u64,
    ) -> (Vec<i64>, Option<(u64, u64)>) {
        let mut times = Vec::new();
        let mut first = None;
        let mut queue: std::collections::VecDeque<(u64, u64)> = clusters.iter().copied().collect();
        let mut seen = 0;
        while let Some((b, e)) = queue.pop_front() {
            seen += 1;
            if seen > TIMED_CLUSTERS {
                break;
            }
            let mut base = 0i64;
            for (id, cb, ce) in self.elements(b, e.min(self.len), 2000) {
                let (block, block_end) = match id {
                    // The next cluster, read as a child of one of unknown size.
                    0x1F43_B675 => {
                        queue.push_back((cb, ce));
                        continue;
                    }
                    0xE7 => {
                        base = self.uint(cb, ce).unwrap_or(0) as i64;
                        continue;
                    }
                    0xA3 => (cb, ce),
                    0xA0 => match self.elements(cb, ce, 8).iter().find(|c| c.0 == 0xA1) {
                        Some(c) => (c.1, c.2),
                        None => continue,
                    },
                    _ => continue,
                };
                let Some((Some(n), len)) = self.vint(block, false) else {
                    continue;
                };
                if n != u64::from(track) {
                    continue;
                }
                first = first.or(Some((block + len, block_end)));
                if let Some(rel) = self.bytes::<2>(block + len) {
                    let tc = base + i64::from(i16::from_be_bytes(rel));
                    times.push(tc * scale as i64);
                }
                if times.len() >= TIMED_FRAMES {
                    return (times, first);
                }
            }
        }
        (times, first)
    }

    /// The EBML elements in `[start, end)`: (id, data start, data end). An
    /// element of unknown size (a live recording's cluster) is the last,
    /// taken to run to `end`: what follows it is read as its children.
    pub(super) fn elements(&self, start: u64, end: u64, max: usize) -> Vec<(u64, u64, u64)> {
        let mut out = Vec::new();
        let mut at = start;
        while at < end && out.len() < max {
            let Some((Some(id), n1)) = self.vint(at, true) else {
                break;
            };
            let Some((size, n2)) = self.vint(at + n1, false) else {
                break;
            };
            let data = at + n1 + n2;
            // A live recording's clusters: each runs on to the next.
            let Some(size) = size else {
                out.push((id, data, end));
                break;
            };
            out.push((id, data, data + size));
            at = data + size;
        }
        out
    }

    pub(super) fn matroska_track(&self, start: u64, end: u64) -> Track {
        let mut t = Track {
            // Absent flags have their defaults: FlagDefault 1, FlagForced 0.
            default: Some(true),
            forced: Some(false),
            ..Track::default()
        };
        let mut bcp47 = None;
        let mut private = None;
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
                0x63A2 => private = self.vec(b, ((e - b).min(4096)) as usize),
                0x41E4 => {
                    t.dolby_vision = t.dolby_vision.take().or_else(|| self.dovi_mapping(b, e))
                }
                0x22_B59C => t.language = text(),
                0x22_B59D => bcp47 = text(),
                0x536E => t.title = text().filter(|x| !x.is_empty()),
                0x88 => t.default = uint().map(|v| v != 0),
                0x23_E383 => t.default_duration_ns = uint(),
                0x55AA => t.forced = uint().map(|v| v != 0),
                0xE1 => self.matroska_audio(b, e, &mut t),
                0xE0 => {
                    let dims = self.elements(b, e.min(self.len), 50);
                    let dim = |want: u64| {
                        dims.iter()
                            .find(|(id, _, _)| *id == want)
                            .and_then(|&(_, db, de)| self.uint(db, de))
                    };
                    t.size = dim(0xB0)
                        .zip(dim(0xBA))
                        .filter(|&(w, h)| w > 0 && h > 0)
                        .map(|(w, h)| (w as u32, h as u32));
                }
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
        if t.codec_id.as_deref() == Some("V_MS/VFW/FOURCC") {
            t.codec_tag = private.as_deref().and_then(vfw_fourcc);
            // FFV1's configuration record follows the BITMAPINFOHEADER.
            if t.codec_tag.as_deref() == Some("FFV1") {
                t.config = private
                    .as_ref()
                    .and_then(|p| p.get(40..))
                    .filter(|r| !r.is_empty())
                    .map(<[u8]>::to_vec);
            }
        }
        if matches!(
            t.codec_id.as_deref(),
            Some("V_MPEG4/ISO/AVC" | "A_ALAC" | "A_FLAC" | "V_FFV1")
        ) {
            t.config = private;
        }
        t
    }
}

impl Reader {
    /// A float element's value (4 or 8 bytes).
    fn float(&self, b: u64, e: u64) -> Option<f64> {
        match e - b {
            4 => self.bytes::<4>(b).map(|v| f64::from(f32::from_be_bytes(v))),
            8 => self.bytes::<8>(b).map(f64::from_be_bytes),
            _ => None,
        }
    }

    /// A track's `Audio` element: sampling frequency (a float), channels
    /// and bit depth.
    fn matroska_audio(&self, b: u64, e: u64, t: &mut Track) {
        let (mut rate, mut channels) = (None, Some(1u16));
        for (id, ab, ae) in self.elements(b, e.min(self.len), 50) {
            match id {
                0xB5 => rate = self.float(ab, ae),
                0x9F => channels = self.uint(ab, ae).map(|c| c as u16),
                0x6264 => t.sample_bits = self.uint(ab, ae).map(|d| d as u32),
                _ => {}
            }
        }
        let rate = rate
            .filter(|r| *r >= 1.0 && *r < 1e7)
            .map(|r| r.round() as u32);
        t.sound = channels.zip(rate).filter(|&(c, _)| c > 0);
    }

    /// A `BlockAdditionMapping` of type `dvcC` or `dvvC`: its extra data
    /// is Dolby Vision's configuration record.
    fn dovi_mapping(
        &self,
        start: u64,
        end: u64,
    ) -> Option<mediadex_core::scan::document::DolbyVision> {
        let (mut kind, mut extra) = (None, None);
        for (id, b, e) in self.elements(start, end.min(self.len), 8) {
            match id {
                0x41E7 => {
                    kind = self
                        .vec(b, (e - b).min(8) as usize)
                        .map(|v| v.iter().fold(0u64, |a, &x| (a << 8) | x as u64))
                }
                0x41ED => extra = self.vec(b, (e - b).min(24) as usize),
                _ => {}
            }
        }
        let dv = matches!(kind, Some(0x6476_6343 | 0x6476_7643 | 0x6476_7743));
        extra.filter(|_| dv).and_then(|r| super::dovi::parse(&r))
    }
}

/// The fourcc of a `V_MS/VFW/FOURCC` track: `biCompression` of the
/// BITMAPINFOHEADER its CodecPrivate holds, as ffprobe's codec tag.
fn vfw_fourcc(bih: &[u8]) -> Option<String> {
    let cc = bih.get(16..20)?;
    cc.iter()
        .all(|b| b.is_ascii_graphic() || *b == b' ')
        .then(|| String::from_utf8_lossy(cc).into_owned())
}

#[cfg(test)]
mod rate_tests {
    use super::rate_of;

    /// Millisecond timestamps of 23.976 fps in decoding order with B-frames.
    #[test]
    fn rounded_timestamps_in_decoding_order_give_the_rate() {
        let pts = |k: i64| (k * 1_001_000 / 24 + 500) / 1000 * 1000 * 1000;
        let order = [
            0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11, 15, 13, 14, 18, 16, 17, 21,
        ];
        let times: Vec<i64> = order.iter().map(|&k| pts(k)).collect();
        assert_eq!(rate_of(&times), Some((24000, 1001)));
        let p25: Vec<i64> = (0..20).map(|k| k * 40_000_000).collect();
        assert_eq!(rate_of(&p25), Some((25, 1)));
        let p30: Vec<i64> = (0..20).map(|k| k * 33_333_333).collect();
        assert_eq!(rate_of(&p30), Some((30, 1)), "not 29.97, 0.1% away");
        // Too few frames, or a rate nobody uses: none.
        assert_eq!(rate_of(&p25[..5]), None);
        let odd: Vec<i64> = (0..20).map(|k| k * 37_000_000).collect();
        assert_eq!(rate_of(&odd), None);
    }

    /// An EBML element: its id's bytes, its size as an eight-byte integer
    /// (unknown: all ones), its body.
    fn element(id: &[u8], known: bool, body: &[u8]) -> Vec<u8> {
        let mut e = id.to_vec();
        if known {
            e.push(0x01);
            e.extend(&(body.len() as u64).to_be_bytes()[1..]);
        } else {
            e.extend([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        }
        e.extend_from_slice(body);
        e
    }

    /// A browser's live recording: a segment and clusters of unknown size,
    /// H.264 with no `CodecPrivate` (its parameter sets ride in the first
    /// frame, in byte-stream form) and no `DefaultDuration`, the frames
    /// stamped a millisecond or so off 30 fps, one dropped now and then.
    /// The rate is the one the in-band VUI states (the stamps explain none),
    /// as ffprobe gives it.
    #[test]
    fn a_live_recording_without_codec_private_has_its_in_band_rate() {
        use super::super::{Headers, Reader};
        let sps_pps: &[u8] = &[
            0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0x95, 0xa0, 0x28, 0x0f, 0x68, 0x40, 0x00, 0x00,
            0xfa, 0x00, 0x00, 0x3a, 0x98, 0x03, 0xc7, 0x09, 0xa8, 0, 0, 0, 1, 0x68, 0xce, 0x3c,
            0x80, 0, 0, 0, 1, 0x65, 0xb8, 0x04,
        ];
        let stamps: [i16; 48] = [
            0, 31, 64, 96, 128, 175, 207, 240, 272, 303, 336, 367, 400, 432, 464, 495, 527, 575,
            607, 640, 672, 704, 736, 768, 800, 832, 864, 896, 928, 975, 1007, 1040, 1072, 1104,
            1136, 1168, 1200, 1231, 1264, 1296, 1328, 1376, 1407, 1440, 1472, 1504, 1536, 1567,
        ];
        let ebml = element(&[0x1A, 0x45, 0xDF, 0xA3], true, &[0x42, 0x82, 0x81, 0x77]);
        let mut entry = element(&[0xD7], true, &[1]);
        entry.extend(element(&[0x83], true, &[1]));
        entry.extend(element(&[0x86], true, b"V_MPEG4/ISO/AVC"));
        let tracks = element(
            &[0x16, 0x54, 0xAE, 0x6B],
            true,
            &element(&[0xAE], true, &entry),
        );
        let mut body = tracks;
        for half in stamps.chunks(24) {
            let mut cluster = element(&[0xE7], true, &[0]);
            for (k, &t) in half.iter().enumerate() {
                let mut block = vec![0x81];
                block.extend(t.to_be_bytes());
                block.push(0x80);
                block.extend(if k == 0 && t == 0 {
                    sps_pps
                } else {
                    &[0, 0, 0, 1, 0x41][..]
                });
                cluster.extend(element(&[0xA3], true, &block));
            }
            body.extend(element(&[0x1F, 0x43, 0xB6, 0x75], false, &cluster));
        }
        let mut file = ebml;
        file.extend(element(&[0x18, 0x53, 0x80, 0x67], false, &body));
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &file).unwrap();
        let mut h = Headers::default();
        Reader::new(std::fs::File::open(f.path()).unwrap(), file.len() as u64).matroska(&mut h);
        assert_eq!(h.declared_size, None, "a live recording declares no length");
        let [t] = h.tracks.as_slice() else {
            panic!("{:?}", h.tracks)
        };
        assert!(t.config.is_some(), "the record from the first frame");
        assert_eq!(t.timed_rate("h264"), Some((30, 1)));
    }
}
