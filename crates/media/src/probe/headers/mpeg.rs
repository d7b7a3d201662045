//! MPEG program and transport streams: PES timestamps at the head and tail
//! (the duration). The program maps are read in `ts`.

use super::*;

impl Reader {
    /// PES timestamps at the head and the tail: the earliest and the latest
    /// PTS, per elementary stream, as ffprobe estimates a duration. A
    /// transport stream (`packet`: its packet size) is read by PID, program
    /// by program (each has a clock of its own; the longest span is the
    /// file's), each counting its streams' timestamps and its subtitles'
    /// where they reach less than a second past the others; program
    /// streams (no `programs`) by start codes. `cue`: one more timestamp,
    /// an SCTE-35 cue's.
    pub(super) fn pts_span(
        &self,
        cue: Option<u64>,
        packet: Option<usize>,
        programs: &[Program],
    ) -> Option<PtsSpan> {
        let all: Vec<u32> = programs.iter().flat_map(|p| p.timed.clone()).collect();
        let (head, tail) = self.pts_windows(&Timed {
            packet,
            expected: &all,
        })?;
        let whole = tail.bytes.len() as u64 + head.bytes.len() as u64 >= self.len;
        let every = [Program::default()];
        let programs = if programs.is_empty() {
            &every[..]
        } else {
            programs
        };
        programs
            .iter()
            .filter(|p| !p.timed.is_empty() || programs.len() == 1)
            .filter_map(|p| {
                let timed = Timed {
                    packet,
                    expected: &p.timed,
                };
                let span = program_span(&timed, [&head, &tail], &p.text, cue)?;
                Some(PtsSpan { whole, ..span })
            })
            .max_by(|a, b| a.seconds.total_cmp(&b.seconds))
    }

    /// The head and the tail whose PES headers time the file. Frames can
    /// be larger than a window: each end is widened (to 1 MiB) until it
    /// holds a PES header of every stream the other shows, or the program
    /// maps name. The last video frame may lie further back than the audio
    /// after it, and a stream muxed a second behind its video starts the
    /// file with timestamps earlier than the head's.
    fn pts_windows(&self, timed: &Timed) -> Option<(Window, Window)> {
        const WINDOW: u64 = 16 * 1024;
        const MOST: u64 = 1 << 20;
        // Both ends start on a packet boundary (a transport stream's
        // packets are read as packets).
        let read = |at: u64, n: u64| -> Option<Window> {
            let bytes = self.vec(at, n as usize)?;
            let stamps = keyed(&bytes, timed.packet);
            Some(Window { bytes, stamps })
        };
        let mut head = read(0, self.len.min(timed.align(WINDOW)))?;
        let mut tail = Window::default();
        let (mut head_window, mut tail_window) = (WINDOW, WINDOW);
        loop {
            let head_len = head.bytes.len() as u64;
            let tail_at = timed
                .align(self.len.saturating_sub(tail_window))
                .max(head_len);
            if let Some(t) = read(tail_at, self.len - tail_at) {
                tail = t;
            }
            let (h, t) = (timed.keys(&head.stamps), timed.keys(&tail.stamps));
            let expected = timed.expected;
            // The latest timestamp of a video with B-frames lies a few
            // frames before its last: a transport stream's tail holds
            // several frames of each video stream (FFmpeg reads 250 kB).
            let few_frames = timed.packet.is_some()
                && timed
                    .video_keys(&tail.stamps)
                    .any(|k| tail.stamps.iter().filter(|s| s.0 == k).count() < TAIL_FRAMES);
            let tail_short = (few_frames || !h.iter().chain(expected).all(|k| t.contains(k)))
                && tail_window < MOST
                && tail_at > head_len;
            let head_short = !t.iter().chain(expected).all(|k| h.contains(k))
                && head_window < MOST
                && head_len < tail_at;
            if !tail_short && !head_short {
                return Some((head, tail));
            }
            if tail_short {
                tail_window *= 4;
            }
            if head_short {
                head_window *= 4;
                head = read(0, timed.align(head_window.min(tail_at)))?;
            }
        }
    }
}

/// How many frames of each video stream a transport stream's tail holds
/// (its B-frames reorder fewer).
const TAIL_FRAMES: usize = 8;

/// One end of the file and the PES timestamps in it, read once.
#[derive(Debug, Default)]
struct Window {
    bytes: Vec<u8>,
    stamps: Vec<(u32, u8, u64)>,
}

/// One program of a transport stream: the PIDs of the streams that time
/// it, and of its subtitles and teletext.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Program {
    pub timed: Vec<u32>,
    pub text: Vec<u32>,
}

/// The span of the timestamps `timed` reads in the head and the tail
/// (`ends`), widened to its `text` PIDs' within a second of them.
fn program_span(
    timed: &Timed,
    ends: [&Window; 2],
    text: &[u32],
    cue: Option<u64>,
) -> Option<PtsSpan> {
    let [head, tail] = ends.map(|w| timed.keyed(&w.stamps));
    let pes: Vec<(u8, u64)> = head
        .iter()
        .chain(&tail)
        .map(|&(_, id, pts)| (id, pts))
        .collect();
    let stamps: Vec<u64> = pes.iter().map(|&(_, p)| p).chain(cue).collect();
    let (span, wrapped) = wrapped_span(&stamps)?;
    let subtitles: Vec<u64> = ends
        .iter()
        .flat_map(|w| &w.stamps)
        .filter(|(key, _, _)| text.contains(key))
        .map(|&(_, _, pts)| pts)
        .collect();
    let (first, span) = if wrapped {
        (0, span)
    } else {
        with_text(&stamps, &subtitles)
    };
    // A transport stream's video PES headers are found packet by packet; a
    // program stream's by start code, among its data.
    let video_tick = match timed.packet {
        Some(_) => [
            keyed_video_tick(timed, &head),
            keyed_video_tick(timed, &tail),
        ],
        None => ends.map(|w| video_tick(&w.bytes)),
    }
    .into_iter()
    .flatten()
    .min();
    let ends = (!wrapped).then(|| kind_ends(&pes, first));
    Some(PtsSpan {
        seconds: span as f64 / 90_000.0,
        wrapped,
        authoritative: false,
        video_tick,
        ends: ends.unwrap_or_default(),
        whole: false,
    })
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

    /// Whether the timestamps of `key` time the file.
    fn counts(&self, key: u32) -> bool {
        self.expected.is_empty() || self.expected.contains(&key)
    }

    /// Those of `stamps` that time the file, less lone jumps.
    fn keyed(&self, stamps: &[(u32, u8, u64)]) -> Vec<(u32, u8, u64)> {
        let kept = stamps.iter().filter(|s| self.counts(s.0)).copied();
        without_jumps(kept.collect())
    }

    /// The video streams among those of `stamps` that time the file.
    fn video_keys<'s>(&'s self, stamps: &'s [(u32, u8, u64)]) -> impl Iterator<Item = u32> + 's {
        let mut keys: Vec<u32> = stamps
            .iter()
            .filter(|s| (0xE0..=0xEF).contains(&s.1) && self.counts(s.0))
            .map(|s| s.0)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
    }

    /// The streams those timestamps are of.
    fn keys(&self, stamps: &[(u32, u8, u64)]) -> Vec<u32> {
        stamps
            .iter()
            .map(|s| s.0)
            .filter(|&k| self.counts(k))
            .collect()
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
    let stamps: Vec<u64> = video.iter().flatten().copied().collect();
    if stamps.len() < video.len() {
        // Frames spread over packs, or two in one PES (program streams):
        // trusted where more than half the MPEG-1/2 pictures have a stamp,
        // so that two neighbours do (one picture may lie past an edge).
        let pictures = b.windows(4).filter(|w| *w == [0, 0, 1, 0]).count();
        if pictures == 0 || stamps.len() * 2 <= pictures + 1 {
            return None;
        }
    }
    smallest_step(stamps)
}

/// The smallest positive step, under a second, between distinct `pts`.
fn smallest_step(mut pts: Vec<u64>) -> Option<u64> {
    pts.sort_unstable();
    pts.dedup();
    pts.windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&d| d > 0 && d < 90_000)
        .min()
}

/// The smallest positive step between distinct PTS of one video stream of
/// `stamps` that time the file (within one window, under a second).
fn keyed_video_tick(timed: &Timed, stamps: &[(u32, u8, u64)]) -> Option<u64> {
    timed
        .video_keys(stamps)
        .filter_map(|key| {
            smallest_step(stamps.iter().filter(|s| s.0 == key).map(|s| s.2).collect())
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

/// A PES header's 33-bit timestamp (PTS or DTS): five bytes, 3, 15 and 15
/// bits each followed by a marker bit; none when a marker is missing.
pub(super) fn pes_timestamp(p: &[u8]) -> Option<u64> {
    let p: &[u8; 5] = p.get(..5)?.try_into().ok()?;
    (p[0] & 1 == 1 && p[2] & 1 == 1 && p[4] & 1 == 1).then(|| {
        ((p[0] as u64 >> 1) & 7) << 30
            | (p[1] as u64) << 22
            | ((p[2] as u64) >> 1) << 15
            | (p[3] as u64) << 7
            | (p[4] as u64) >> 1
    })
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
            out.push((id, pts.and_then(pes_timestamp)));
        }
        i += 4;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TS packet of `pid` starting a video PES packet stamped `pts`.
    fn pes_packet(pid: u16, pts: u64) -> Vec<u8> {
        crate::probe::headers::ts_probe::tests::pes(pid, 0xE0, pts, &[])
    }

    #[test]
    fn each_program_is_timed_by_its_own_clock() {
        // Program A on PID 0x101, 0 to 1 s; program B on 0x201, a clock
        // hours away, 0.5 s long: the file lasts A's second.
        let mut b = Vec::new();
        for i in 0..=10u64 {
            b.extend(pes_packet(0x101, 9_000 * i));
            if i <= 5 {
                b.extend(pes_packet(0x201, 900_000_000 + 9_000 * i));
            }
        }
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &b).unwrap();
        let r = Reader::new(File::open(f.path()).unwrap(), b.len() as u64);
        let programs = [
            Program {
                timed: vec![0x101],
                text: vec![],
            },
            Program {
                timed: vec![0x201],
                text: vec![],
            },
        ];
        let span = r.pts_span(None, Some(188), &programs).unwrap();
        assert!((span.seconds - 1.0).abs() < 1e-9, "{span:?}");
        // Read as one program, the two clocks make hours of it.
        let one = [Program {
            timed: vec![0x101, 0x201],
            text: vec![],
        }];
        assert!(r.pts_span(None, Some(188), &one).unwrap().seconds > 9_000.0);
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
