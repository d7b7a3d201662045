//! MPEG program and transport streams: PES timestamps at the head and tail
//! (the duration), and the ADTS duration estimate. The program maps are
//! read in `ts`.

use super::*;

impl Reader {
    /// PES timestamps at the head and the tail: the earliest and the latest
    /// PTS, per elementary stream, as ffprobe estimates a duration. TS
    /// (`packet`: its packet size; `expected`: the PIDs of its program
    /// maps' streams that time it, when it has maps) is read by PID, and
    /// only those PIDs count, and its `text` PIDs (subtitles) where they
    /// reach less than a second past the others, as FFmpeg counts them;
    /// program streams by start codes. `cue`: one more timestamp, an
    /// SCTE-35 cue's.
    pub(super) fn pts_span(
        &self,
        cue: Option<u64>,
        packet: Option<usize>,
        expected: &[u32],
        text: &[u32],
    ) -> Option<PtsSpan> {
        let timed = Timed { packet, expected };
        let (head, tail) = self.pts_windows(&timed)?;
        let whole = tail.len() as u64 + head.len() as u64 >= self.len;
        let pes: Vec<(u8, u64)> = timed
            .keyed(&head)
            .into_iter()
            .chain(timed.keyed(&tail))
            .map(|(_, id, pts)| (id, pts))
            .collect();
        let stamps: Vec<u64> = pes.iter().map(|&(_, p)| p).chain(cue).collect();
        let (span, wrapped) = wrapped_span(&stamps)?;
        let subtitles: Vec<u64> = [&head, &tail]
            .into_iter()
            .flat_map(|b| keyed(b, packet))
            .filter(|(key, _, _)| text.contains(key))
            .map(|(_, _, pts)| pts)
            .collect();
        let (first, span) = if wrapped {
            (0, span)
        } else {
            with_text(&stamps, &subtitles)
        };
        // A transport stream's video PES headers are found packet by
        // packet; a program stream's by start code, among its data.
        let tick = |b: &[u8]| match packet {
            Some(_) => keyed_video_tick(&timed.keyed(b)),
            None => video_tick(b),
        };
        let video_tick = [tick(&head), tick(&tail)].into_iter().flatten().min();
        let ends = (!wrapped).then(|| kind_ends(&pes, first));
        Some(PtsSpan {
            seconds: span as f64 / 90_000.0,
            wrapped,
            authoritative: false,
            video_tick,
            ends: ends.unwrap_or_default(),
            whole,
        })
    }

    /// The head and the tail whose PES headers time the file. Frames can
    /// be larger than a window: each end is widened (to 1 MiB) until it
    /// holds a PES header of every stream the other shows, or the program
    /// maps name. The last video frame may lie further back than the audio
    /// after it, and a stream muxed a second behind its video starts the
    /// file with timestamps earlier than the head's.
    fn pts_windows(&self, timed: &Timed) -> Option<(Vec<u8>, Vec<u8>)> {
        const WINDOW: u64 = 16 * 1024;
        const MOST: u64 = 1 << 20;
        // Both ends start on a packet boundary (a transport stream's
        // packets are read as packets).
        let mut head = self.vec(0, self.len.min(timed.align(WINDOW)) as usize)?;
        let mut tail = Vec::new();
        // A transport stream's tail is read as FFmpeg reads it, 250 kB at
        // least: the latest timestamp of a video with B-frames lies a few
        // frames before its last.
        let first_tail = if timed.packet.is_some() {
            256 * 1024
        } else {
            WINDOW
        };
        let (mut head_window, mut tail_window) = (WINDOW, first_tail);
        loop {
            let tail_at = timed
                .align(self.len.saturating_sub(tail_window))
                .max(head.len() as u64);
            tail = self
                .vec(tail_at, (self.len - tail_at) as usize)
                .unwrap_or(tail);
            let (h, t) = (timed.keys(&head), timed.keys(&tail));
            let expected = timed.expected;
            let tail_short = !h.iter().chain(expected).all(|k| t.contains(k))
                && tail_window < MOST
                && tail_at > head.len() as u64;
            let head_short = !t.iter().chain(expected).all(|k| h.contains(k))
                && head_window < MOST
                && (head.len() as u64) < tail_at;
            if !tail_short && !head_short {
                return Some((head, tail));
            }
            if tail_short {
                tail_window *= 4;
            }
            if head_short {
                head_window *= 4;
                head = self.vec(0, timed.align(head_window.min(tail_at)) as usize)?;
            }
        }
    }

    /// Raw ADTS: the duration FFmpeg estimates, the file's size after a
    /// leading ID3 tag over the bit rate its AAC parser averages while
    /// the stream is probed ([`adts_bit_rate`]).
    pub(super) fn adts_estimate(&self) -> Option<f64> {
        const READ: u64 = 1 << 20;
        let head = self.vec(0, self.len.min(READ) as usize)?;
        let start = id3_len(&head).unwrap_or(0);
        let bit_rate = adts_bit_rate(head.get(start..)?)?;
        Some((self.len - start as u64) as f64 * 8.0 / bit_rate as f64)
    }
}

/// The length of the ID3v2 tag `b` starts with (header, syncsafe size,
/// footer), if it starts with one.
fn id3_len(b: &[u8]) -> Option<usize> {
    if b.get(..3)? != b"ID3" {
        return None;
    }
    let size = b
        .get(6..10)?
        .iter()
        .fold(0usize, |v, &x| v << 7 | usize::from(x & 0x7F));
    let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

/// The bit rate (bit/s) FFmpeg's AAC parser ends with for the ADTS frames
/// of `b`: each frame's own rate (its bits over its samples' time, in
/// whole bits), averaged frame by frame in integers, as FFmpeg does. It
/// averages the frames it reads while probing: 50 (its `max_ts_probe`,
/// raw AAC having no timestamps), or 5 s of them when an ID3 tag holds a
/// picture (a stream that never gets a frame keeps it reading). ID3 tags
/// between frames (HLS timed metadata) are passed over.
fn adts_bit_rate(b: &[u8]) -> Option<i64> {
    const RATES: [i64; 13] = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
    ];
    let (mut at, mut frames, mut average, mut samples) = (0usize, 0i64, 0i64, 0i64);
    let mut picture = false;
    loop {
        if let Some(tag) = id3_len(&b[at.min(b.len())..]) {
            picture |= b
                .get(at..at + tag)
                .is_some_and(|t| t.windows(4).any(|w| w == b"APIC"));
            at += tag;
            continue;
        }
        let Some(h) = b
            .get(at..at + 7)
            .filter(|h| h[0] == 0xFF && h[1] & 0xF6 == 0xF0)
        else {
            break;
        };
        let rate = *RATES.get(usize::from((h[2] >> 2) & 0xF))?;
        let len = (usize::from(h[3] & 3) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
        let frame_samples = 1024 * (i64::from(h[6] & 3) + 1);
        if len < 7 || (frames >= 50 && !picture) || samples >= 5 * rate {
            break;
        }
        frames += 1;
        samples += frame_samples;
        let own = len as i64 * 8 * rate / frame_samples;
        average += (own - average) / frames;
        at += len;
    }
    (frames > 0 && average > 0).then_some(average)
}

/// How a file's PES timestamps are read: a transport stream's (`packet`
/// bytes a packet) by PID, of the `expected` PIDs where the program maps
/// name some; a program stream's by stream id.
struct Timed<'a> {
    packet: Option<usize>,
    expected: &'a [u32],
}

impl Timed<'_> {
    /// `at`, back to a packet boundary.
    fn align(&self, at: u64) -> u64 {
        self.packet.map_or(at, |p| at / p as u64 * p as u64)
    }

    /// The timestamps of `b` that time the file, less lone jumps.
    fn keyed(&self, b: &[u8]) -> Vec<(u32, u8, u64)> {
        let mut k = keyed(b, self.packet);
        k.retain(|(key, _, _)| self.expected.is_empty() || self.expected.contains(key));
        without_jumps(k)
    }

    /// The streams those timestamps are of.
    fn keys(&self, b: &[u8]) -> Vec<u32> {
        self.keyed(b).iter().map(|k| k.0).collect()
    }
}

/// (stream, stream id, PTS) of every PES header with a timestamp in `b`: a
/// transport stream's (`packet` bytes a packet, `b` starting at one) by
/// PID, a program stream's by stream id.
fn keyed(b: &[u8], packet: Option<usize>) -> Vec<(u32, u8, u64)> {
    let Some(packet) = packet else {
        return pes_timestamps(b)
            .into_iter()
            .map(|(id, pts)| (u32::from(id), id, pts))
            .collect();
    };
    super::ts_probe::unit_starts(b, packet)
        .filter(|(_, payload)| payload.starts_with(&[0, 0, 1]))
        .filter_map(|(pid, payload)| {
            let &(id, pts) = pes_timestamps(payload).first()?;
            Some((u32::from(pid), id, pts))
        })
        .collect()
}

/// `stamps` (stream, stream id, PTS, in file order) less each that jumps
/// more than a minute from its stream's one before (a damaged header, or a
/// lone packet of another clock): FFmpeg's estimate passes over such a
/// jump. The clock's wrap is no jump.
fn without_jumps(stamps: Vec<(u32, u8, u64)>) -> Vec<(u32, u8, u64)> {
    const MINUTE: i64 = 60 * 90_000;
    const WRAP: i64 = 1 << 33;
    let mut before: Vec<(u32, u64)> = Vec::new();
    stamps
        .into_iter()
        .filter(|&(key, _, pts)| {
            let previous = before.iter_mut().find(|(k, _)| *k == key);
            match previous {
                None => {
                    before.push((key, pts));
                    true
                }
                Some((_, last)) => {
                    let step = (pts as i64 - *last as i64).rem_euclid(WRAP);
                    let step = if step >= WRAP / 2 { step - WRAP } else { step };
                    let kept = step.abs() <= MINUTE;
                    if kept {
                        *last = pts;
                    }
                    kept
                }
            }
        })
        .collect()
}

/// The time from the first to the last presentation timestamp of a file, in
/// 90 kHz ticks, and whether the 33-bit clock wrapped between them.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct PtsSpan {
    pub seconds: f64,
    pub wrapped: bool,
    /// The container's duration is this span (MPEG-TS, as ffprobe reads it),
    /// whatever the demuxer estimated.
    pub authoritative: bool,
    /// The shortest step between two video frames' timestamps in the head or
    /// the tail (90 kHz ticks): the frame duration the timestamps show.
    pub video_tick: Option<u64>,
    /// Where the last video and the last audio timestamp lie, seconds from
    /// the first timestamp (unless the clock wraps): each stream ends a
    /// frame of its own after its last, as ffprobe ends it.
    pub ends: KindEnds,
    /// The head and the tail read cover the whole file: every timestamp
    /// was seen, so no reset of the clock lies unseen between them.
    pub whole: bool,
}

/// The last video and audio timestamps, seconds from the first of all.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct KindEnds {
    pub video_s: Option<f64>,
    pub audio_s: Option<f64>,
}

/// Where the last video and audio timestamps of `pes` lie after `first`
/// (the clock not wrapping between them).
fn kind_ends(pes: &[(u8, u64)], first: u64) -> KindEnds {
    let last = |video: bool| {
        pes.iter()
            .filter(|(id, _)| (0xE0..=0xEF).contains(id) == video)
            .map(|&(_, p)| p.saturating_sub(first) as f64 / 90_000.0)
            .reduce(f64::max)
    };
    KindEnds {
        video_s: last(true),
        audio_s: last(false),
    }
}

/// The first timestamp and the span of `stamps` (a clock that does not
/// wrap), widened to the `subtitles`' where they start or end less than a
/// second (90,000 ticks) beyond them; further off, a subtitle follows
/// another clock, and FFmpeg leaves it out.
fn with_text(stamps: &[u64], subtitles: &[u64]) -> (u64, u64) {
    let (mut first, mut last) = (
        stamps.iter().copied().min().unwrap_or(0),
        stamps.iter().copied().max().unwrap_or(0),
    );
    if let Some(&t) = subtitles.iter().min()
        && t < first
        && first - t < 90_000
    {
        first = t;
    }
    if let Some(&t) = subtitles.iter().max()
        && t > last
        && t - last < 90_000
    {
        last = t;
    }
    (first, last - first)
}

impl PtsSpan {
    /// The frame rate the video timestamps show.
    pub fn stamped_fps(&self) -> Option<f64> {
        Some(90_000.0 / self.video_tick.filter(|&t| t > 0)? as f64)
    }
}

/// The smallest positive step between distinct video PTS in `b` (within one
/// window: no step spans a gap in the file); none unless most frames there
/// carry a PTS (a stream stamped only now and then would show a step of
/// several frames).
fn video_tick(b: &[u8]) -> Option<u64> {
    let video: Vec<Option<u64>> = pes_headers(b)
        .into_iter()
        .filter(|(id, _)| (0xE0..=0xEF).contains(id))
        .map(|(_, p)| p)
        .collect();
    let mut stamps: Vec<u64> = video.iter().flatten().copied().collect();
    if stamps.len() < video.len() {
        // Frames spread over packs, or two in one PES (program streams):
        // trusted where more than half the MPEG-1/2 pictures have a stamp,
        // so that two neighbours do (one picture may lie past an edge).
        let pictures = b.windows(4).filter(|w| *w == [0, 0, 1, 0]).count();
        if pictures == 0 || stamps.len() * 2 <= pictures + 1 {
            return None;
        }
    }
    stamps.sort_unstable();
    stamps.dedup();
    stamps
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&d| d > 0 && d < 90_000)
        .min()
}

/// The smallest positive step between distinct PTS of one video stream of
/// `stamps` (within one window, under a second).
fn keyed_video_tick(stamps: &[(u32, u8, u64)]) -> Option<u64> {
    let mut keys: Vec<u32> = stamps
        .iter()
        .filter(|(_, id, _)| (0xE0..=0xEF).contains(id))
        .map(|s| s.0)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let mut pts: Vec<u64> = stamps.iter().filter(|s| s.0 == key).map(|s| s.2).collect();
            pts.sort_unstable();
            pts.dedup();
            pts.windows(2)
                .map(|w| w[1] - w[0])
                .filter(|&d| d > 0 && d < 90_000)
                .min()
        })
        .min()
}

/// The span of `stamps` (in file order, 33-bit PTS) on the wrapping clock:
/// each is taken relative to the first, modulo 2^33 and signed (frames
/// before it in presentation order come out negative), so a clock that
/// wraps inside the file neither adds 2^33 / 90 kHz (26.5 hours) to it nor
/// cuts it short; whether some timestamp lies past a wrap.
pub(super) fn wrapped_span(stamps: &[u64]) -> Option<(u64, bool)> {
    const WRAP: i64 = 1 << 33;
    let &reference = stamps.first()?;
    let rel = |p: u64| {
        let d = (p as i64 - reference as i64).rem_euclid(WRAP);
        if d >= WRAP / 2 { d - WRAP } else { d }
    };
    let (lo, hi) = stamps
        .iter()
        .map(|&p| rel(p))
        .fold((i64::MAX, i64::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let wrapped = stamps
        .iter()
        .any(|&p| (reference as i64 + rel(p)) != p as i64);
    Some(((hi - lo) as u64, wrapped))
}

/// (stream id, PTS) of every PES header with a timestamp in `b`, found by
/// start code: in TS payloads and program streams alike a PES header starts
/// `00 00 01` and a stream id (0xBD private, 0xC0-0xEF audio and video,
/// 0xFD extended: Blu-ray's AC-3, DTS and TrueHD).
pub(super) fn pes_timestamps(b: &[u8]) -> Vec<(u8, u64)> {
    pes_headers(b)
        .into_iter()
        .filter_map(|(id, pts)| Some((id, pts?)))
        .collect()
}

/// (stream id, PTS if any) of every PES header in `b`.
fn pes_headers(b: &[u8]) -> Vec<(u8, Option<u64>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 14 <= b.len() {
        if b[i] != 0 || b[i + 1] != 0 || b[i + 2] != 1 {
            i += 1;
            continue;
        }
        let id = b[i + 3];
        if id == 0xBD || id == 0xFD || (0xC0..=0xEF).contains(&id) {
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
            let v = pts
                .filter(|p| p[0] & 1 == 1 && p[2] & 1 == 1 && p[4] & 1 == 1)
                .map(|p| {
                    ((p[0] as u64 >> 1) & 7) << 30
                        | (p[1] as u64) << 22
                        | ((p[2] as u64) >> 1) << 15
                        | (p[3] as u64) << 7
                        | (p[4] as u64) >> 1
                });
            out.push((id, v));
        }
        i += 4;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ADTS frame of `len` bytes at 44.1 kHz, one raw data block.
    fn adts(len: usize) -> Vec<u8> {
        let mut f = vec![0xFF, 0xF1, 0x50, 0x40 | (len >> 11) as u8];
        f.extend([(len >> 3) as u8, ((len & 7) << 5) as u8 | 0x1F, 0xFC]);
        f.resize(len, 0);
        f
    }

    #[test]
    fn adts_bit_rate_is_ffmpegs_running_average_of_fifty_frames() {
        // A 30-byte first frame, then 200-byte frames (68,906 bit/s each):
        // the integer running average over 50 frames, the 51st unread.
        let mut b = adts(30);
        for _ in 0..60 {
            b.extend(adts(200));
        }
        let (mut average, own) = (30 * 8 * 44100 / 1024, 200 * 8 * 44100 / 1024);
        for n in 2..=50 {
            average += (own - average) / n;
        }
        assert_eq!(adts_bit_rate(&b), Some(average));
        // An ID3 tag holding a picture after the first frame: every frame
        // (under 5 s of them) is averaged, the tag passed over.
        let tag = b"ID3\x04\0\0\0\0\0\x08APIC\0\0\0\0";
        assert_eq!(id3_len(tag), Some(tag.len()));
        let mut tagged = adts(30);
        tagged.extend(tag);
        tagged.extend(&b[30..]);
        for n in 51..=61 {
            average += (own - average) / n;
        }
        assert_eq!(adts_bit_rate(&tagged), Some(average));
        assert_eq!(adts_bit_rate(b"no frames"), None);
    }

    #[test]
    fn blu_ray_audio_timestamps_count() {
        // A PES header of stream id 0xFD (extended: Blu-ray's AC-3) with a
        // PTS of 47042.
        let pts = 47042u64;
        let b = [
            0,
            0,
            1,
            0xFD,
            0,
            0,
            0x81,
            0x81,
            5,
            0x21 | ((pts >> 29) as u8 & 0x0E),
            (pts >> 22) as u8,
            ((pts >> 14) as u8) | 1,
            (pts >> 7) as u8,
            ((pts << 1) as u8) | 1,
            0,
        ];
        assert_eq!(pes_timestamps(&b), [(0xFD, pts)]);
    }

    #[test]
    fn a_lone_timestamp_a_minute_off_its_stream_is_passed_over() {
        let wrap = 1u64 << 33;
        let stamps = vec![
            (0x65, 0xE0, 100_000),
            (0x64, 0xC0, 90_000),
            (0x65, 0xE0, 480_000_000),
            (0x65, 0xE0, 103_600),
            // Back a second, then across the wrap: steps of 91,000 and
            // 3,000 ticks.
            (0x64, 0xC0, wrap - 1_000),
            (0x64, 0xC0, 2_000),
        ];
        let kept: Vec<u64> = without_jumps(stamps).iter().map(|s| s.2).collect();
        assert_eq!(kept, [100_000, 90_000, 103_600, wrap - 1_000, 2_000]);
    }

    #[test]
    fn a_clock_that_wraps_inside_the_file_is_followed_across() {
        let wrap = 1u64 << 33;
        // 1.3 s before the wrap, to 1.7 s after it: 3 s.
        let s = [wrap - 117_000, wrap - 90_000, 10_000, 153_000];
        assert_eq!(wrapped_span(&s), Some((270_000, true)));
        // A B-frame before the first PTS in presentation order.
        assert_eq!(wrapped_span(&[9_000, 3_000, 21_000]), Some((18_000, false)));
        // Wrapped in the head itself: not 26.5 hours.
        let w = wrapped_span(&[wrap - 3_000, 6_000, wrap - 6_000, 9_000]).unwrap();
        assert_eq!(w, (15_000, true));
        assert_eq!(wrapped_span(&[]), None);
    }
}
