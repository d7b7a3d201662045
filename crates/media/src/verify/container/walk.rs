//! The byte walkers of MPEG-TS, MPEG-PS, Ogg and FLV, over a [`Window`].

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::{Say, cut};
use mediadex_core::verify::class;

/// The most errors a walker reports for one file: past this the file is
/// garbage and counting on costs time for nothing.
const MOST: u32 = 1000;

/// A file read sequentially through a 1 MiB buffer, by absolute offset.
pub(crate) struct Window {
    file: File,
    pub size: u64,
    base: u64,
    buf: Vec<u8>,
}

const WINDOW: usize = 1 << 20;

impl Window {
    pub fn open(path: &Path) -> std::io::Result<Window> {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        Ok(Window {
            file,
            size,
            base: 0,
            buf: Vec::new(),
        })
    }

    /// `n` bytes at `at`, or `None` past the end of the file. `n` up to
    /// the window's size.
    pub fn get(&mut self, at: u64, n: usize) -> Option<&[u8]> {
        if at + n as u64 > self.size {
            return None;
        }
        let end = self.base + self.buf.len() as u64;
        if at < self.base || at + n as u64 > end {
            let len = (WINDOW.max(n) as u64).min(self.size - at) as usize;
            self.buf.resize(len, 0);
            self.file.read_exact_at(&mut self.buf, at).ok()?;
            self.base = at;
        }
        let from = (at - self.base) as usize;
        Some(&self.buf[from..from + n])
    }

    /// The next offset at or after `from` where `pattern` starts.
    pub fn find(&mut self, from: u64, pattern: &[u8]) -> Option<u64> {
        let mut at = from;
        while at < self.size {
            // The rest of the window when it holds `at` (a search from each
            // candidate on must not read the file again), else a new one.
            let end = self.base + self.buf.len() as u64;
            let n = if at >= self.base && at + pattern.len() as u64 <= end {
                end - at
            } else {
                (WINDOW as u64).min(self.size - at)
            } as usize;
            let chunk = self.get(at, n)?;
            if let Some(i) = chunk.windows(pattern.len()).position(|w| w == pattern) {
                return Some(at + i as u64);
            }
            if n < pattern.len() {
                return None;
            }
            at += (n - pattern.len() + 1) as u64;
        }
        None
    }
}

/// MPEG-TS (`packet` 188) or m2ts (192): sync bytes, whole packets, and PES
/// packets that end: one of a declared length gets all of it (a file cut at
/// a packet boundary ends inside one, as audio's always declare theirs); one
/// of unbounded length (video's) ends where its last TS packet ends in
/// stuffing, as every earlier one of its stream did.
pub(crate) fn ts(w: &mut Window, packet: u64, say: &mut Say) {
    let sync = packet - 188;
    let mut errors = 0;
    let mut at = 0;
    let mut in_sync = true;
    let mut pids: std::collections::HashMap<u16, Pes> = Default::default();
    while at + packet <= w.size && errors < MOST {
        let Some(p) = w.get(at + sync, 188) else {
            break;
        };
        let ok = p[0] == 0x47;
        if !ok && in_sync {
            errors += 1;
            say(
                at,
                class::UNREADABLE_PACKETS,
                format!("transport stream sync lost at byte {at}"),
            );
        }
        if !ok {
            // Counters start again after a resync: one loss, one error.
            pids.values_mut().for_each(|o| o.cc = None);
        }
        in_sync = ok;
        if ok && let Some((pid, want, got)) = continuity(p, &mut pids) {
            errors += 1;
            say(
                at,
                class::LOST_PACKETS,
                format!(
                    "transport stream packet at byte {at} (PID {pid:#x}): continuity counter {got}, {want} expected: packets lost"
                ),
            );
        }
        if ok {
            pes_payload(p, at, &mut pids);
        }
        at += packet;
    }
    if !w.size.is_multiple_of(packet) && errors < MOST {
        cut(say, w.size - w.size % packet, "a transport stream packet");
        return;
    }
    let short = pids.values().filter(|o| o.short()).map(|o| o.start).min();
    let unended = pids.values().filter(|o| o.unended()).map(|o| o.start).min();
    if let Some(start) = short {
        cut(
            say,
            start,
            "a PES packet (its declared length runs past the end)",
        );
    } else if let Some(start) = unended {
        cut(
            say,
            start,
            "a PES packet (its last transport stream packet is full, where every earlier one of its stream ends in stuffing)",
        );
    }
}

/// One PID's PES packets, as far as the walk has read them.
#[derive(Debug, Default)]
struct Pes {
    /// A PES packet started and is not known to have ended.
    open: bool,
    /// Where the open one starts, the bytes it declares (0: unbounded), the
    /// bytes it got.
    start: u64,
    want: u64,
    got: u64,
    /// Its latest TS packet ends in stuffing.
    padded: bool,
    /// Unbounded PES packets of this PID that ended (the next one started),
    /// and how many of them in stuffing.
    ends: u32,
    padded_ends: u32,
    /// The last bytes of its payload: an end-of-sequence code ends it too.
    tail: [u8; 5],
    /// The continuity counter of its latest packet with a payload.
    cc: Option<u8>,
}

/// Unbounded PES packets a stream must have ended in stuffing before its
/// last one is judged by its last TS packet.
const ENDS_SEEN: u32 = 8;

impl Pes {
    /// Declares more bytes than the file holds.
    fn short(&self) -> bool {
        self.open && self.want > 0 && self.got < self.want
    }

    /// Unbounded, and its last TS packet is full (no stuffing) where at
    /// least 49 in 50 of its stream's earlier ones end in stuffing, and no
    /// end-of-sequence code ends it: the file was cut inside it, at a packet
    /// boundary. A clean last PES packet that fills its last TS packet
    /// exactly (about one in 184) is told from a cut by its end code only.
    fn unended(&self) -> bool {
        self.open
            && self.want == 0
            && !self.padded
            && self.ends >= ENDS_SEEN
            && u64::from(self.padded_ends) * 50 >= u64::from(self.ends) * 49
            && !ends_sequence(&self.tail)
    }

    fn push(&mut self, payload: &[u8], padded: bool) {
        self.got += payload.len() as u64;
        self.padded = padded;
        let n = payload.len().min(5);
        self.tail.rotate_left(n);
        self.tail[5 - n..].copy_from_slice(&payload[payload.len() - n..]);
    }
}

/// MPEG-2 video's sequence_end_code, H.264's end of sequence or of stream,
/// HEVC's EOS or EOB NAL unit.
fn ends_sequence(tail: &[u8; 5]) -> bool {
    matches!(tail[1..], [0, 0, 1, 0xB7 | 0x0A | 0x0B]) || matches!(tail, [0, 0, 1, 0x48 | 0x4A, 1])
}

/// A packet with a payload whose continuity counter does not follow its
/// PID's last one (a repeated packet may repeat it; a discontinuity
/// indicator starts it again): (PID, expected, found).
fn continuity(p: &[u8], pids: &mut std::collections::HashMap<u16, Pes>) -> Option<(u16, u8, u8)> {
    let pid = (u16::from(p[1] & 0x1F) << 8) | u16::from(p[2]);
    let afc = (p[3] >> 4) & 3;
    if pid == 0x1FFF || afc & 1 == 0 {
        return None;
    }
    let cc = p[3] & 0x0F;
    let reset = afc == 3 && p[4] > 0 && p[5] & 0x80 != 0;
    let o = pids.entry(pid).or_default();
    let last = o.cc.replace(cc).filter(|_| !reset)?;
    let want = (last + 1) & 0x0F;
    (cc != want && cc != last).then_some((pid, want, cc))
}

/// Count one TS packet's payload into its PID's PES packet.
fn pes_payload(p: &[u8], at: u64, pids: &mut std::collections::HashMap<u16, Pes>) {
    let pid = (u16::from(p[1] & 0x1F) << 8) | u16::from(p[2]);
    let start = p[1] & 0x40 != 0;
    let (skip, padded) = match (p[3] >> 4) & 3 {
        1 => (4, false),
        3 => (5 + p[4] as usize, stuffed(&p[4..])),
        _ => return,
    };
    let Some(payload) = p.get(skip..).filter(|p| !p.is_empty()) else {
        return;
    };
    let o = pids.entry(pid).or_default();
    if start {
        if o.open && o.want == 0 {
            o.ends += 1;
            o.padded_ends += u32::from(o.padded);
        }
        o.open = payload.len() >= 6 && payload[..3] == [0, 0, 1];
        if o.open {
            let len = u64::from(u16::from_be_bytes([payload[4], payload[5]]));
            o.want = if len > 0 { 6 + len } else { 0 };
            o.start = at;
            o.got = 0;
        }
    }
    if o.open {
        o.push(payload, padded);
    }
}

/// An adaptation field (from its length byte) that is there to pad: it
/// announces none of the fields a packet inside a PES packet would carry
/// one for (PCR, OPCR, splice countdown, private data, extension), or holds
/// stuffing bytes past them.
fn stuffed(af: &[u8]) -> bool {
    let len = af[0] as usize;
    let Some(&flags) = af.get(1).filter(|_| len > 0) else {
        // A zero length is one byte of padding.
        return true;
    };
    if flags & 0x1F == 0 {
        return true;
    }
    let mut used = 1;
    used += if flags & 0x10 != 0 { 6 } else { 0 };
    used += if flags & 0x08 != 0 { 6 } else { 0 };
    used += if flags & 0x04 != 0 { 1 } else { 0 };
    if flags & 0x02 != 0 {
        used += 1 + af.get(1 + used).map_or(0, |&n| n as usize);
    }
    if flags & 0x01 != 0 {
        used += 1 + af.get(1 + used).map_or(0, |&n| n as usize);
    }
    used < len
}

/// MPEG-PS: packs and PES packets chained by their lengths.
pub(crate) fn ps(w: &mut Window, say: &mut Say) {
    let mut at = 0;
    let mut errors = 0;
    while at < w.size && errors < MOST {
        let Some(h) = w.get(at, 4).map(|h| [h[0], h[1], h[2], h[3]]) else {
            cut(say, at, "a program stream packet");
            return;
        };
        if h[..3] != [0, 0, 1] || h[3] < 0xB9 {
            errors += 1;
            say(
                at,
                class::UNREADABLE_PACKETS,
                format!("program stream sync lost at byte {at}"),
            );
            match w.find(at + 1, &[0, 0, 1, 0xBA]) {
                Some(next) => at = next,
                None => return,
            }
            continue;
        }
        let len = match h[3] {
            0xB9 => 4,
            0xBA => match w.get(at + 4, 10) {
                Some(p) if p[0] & 0xC0 == 0x40 => 14 + u64::from(p[9] & 7),
                Some(p) if p[0] & 0xF0 == 0x20 => 12,
                Some(_) => 14,
                None => {
                    cut(say, at, "a pack header");
                    return;
                }
            },
            _ => match w.get(at + 4, 2) {
                Some(l) => 6 + u64::from(u16::from_be_bytes([l[0], l[1]])),
                None => {
                    cut(say, at, "a PES packet");
                    return;
                }
            },
        };
        if at + len > w.size {
            cut(say, at, "a PES packet");
            return;
        }
        at += len;
    }
}

/// Ogg: page CRCs, page numbers, and the end of each stream.
pub(crate) fn ogg(w: &mut Window, say: &mut Say) {
    let mut at = 0;
    let mut errors = 0;
    // serial -> (next page number, ended)
    let mut streams: std::collections::HashMap<u32, (u32, bool)> = Default::default();
    while at < w.size && errors < MOST {
        let Some(head) = w.get(at, 27).map(<[u8]>::to_vec) else {
            cut(say, at, "an Ogg page");
            return;
        };
        if &head[..4] != b"OggS" {
            errors += 1;
            say(
                at,
                class::UNREADABLE_PACKETS,
                format!("Ogg sync lost at byte {at}"),
            );
            match w.find(at + 1, b"OggS") {
                Some(next) => at = next,
                None => return,
            }
            continue;
        }
        let nsegs = head[26] as usize;
        let Some(table) = w.get(at + 27, nsegs).map(<[u8]>::to_vec) else {
            cut(say, at, "an Ogg page");
            return;
        };
        let len = 27 + nsegs as u64 + table.iter().map(|&s| u64::from(s)).sum::<u64>();
        let Some(crc) = w.get(at, len as usize).map(ogg_crc) else {
            cut(say, at, "an Ogg page");
            return;
        };
        let serial = u32::from_le_bytes([head[14], head[15], head[16], head[17]]);
        let seq = u32::from_le_bytes([head[18], head[19], head[20], head[21]]);
        let stored = u32::from_le_bytes([head[22], head[23], head[24], head[25]]);
        if crc != stored {
            errors += 1;
            say(
                at,
                class::CHECKSUM,
                format!("Ogg page at byte {at}: checksum mismatch"),
            );
        }
        let s = streams.entry(serial).or_insert((seq, false));
        if seq != s.0 {
            errors += 1;
            say(
                at,
                class::LOST_PACKETS,
                format!("Ogg pages {} to {} missing", s.0, seq.wrapping_sub(1)),
            );
        }
        *s = (seq.wrapping_add(1), head[5] & 4 != 0);
        at += len;
    }
    if errors < MOST && !streams.is_empty() && streams.values().all(|s| !s.1) {
        cut(say, w.size, "the last Ogg page (no stream ends)");
    }
}

/// FLV: tags chained by their sizes, each followed by its size.
pub(crate) fn flv(w: &mut Window, say: &mut Say) {
    let Some(h) = w.get(0, 9) else { return };
    if &h[..3] != b"FLV" {
        return;
    }
    let mut at = u64::from(u32::from_be_bytes([h[5], h[6], h[7], h[8]])) + 4;
    while at < w.size {
        let Some(t) = w.get(at, 11).map(<[u8]>::to_vec) else {
            cut(say, at, "an FLV tag");
            return;
        };
        let size = u64::from(u32::from_be_bytes([0, t[1], t[2], t[3]]));
        let Some(back) = w.get(at + 11 + size, 4) else {
            cut(say, at, "an FLV tag");
            return;
        };
        let back = u64::from(u32::from_be_bytes([back[0], back[1], back[2], back[3]]));
        if !matches!(t[0] & 0x1F, 8 | 9 | 18) || back != 11 + size {
            say(
                at,
                class::UNREADABLE_PACKETS,
                format!("FLV tag at byte {at} is not one"),
            );
            return;
        }
        at += 11 + size + 4;
    }
}

/// The Ogg CRC-32: polynomial 0x04C11DB7, not reflected, over the page with
/// its CRC field zeroed.
fn ogg_crc(page: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut r = (i as u32) << 24;
            for _ in 0..8 {
                r = if r & 0x8000_0000 != 0 {
                    (r << 1) ^ 0x04C1_1DB7
                } else {
                    r << 1
                };
            }
            *e = r;
        }
        t
    });
    let mut crc = 0u32;
    for (i, &b) in page.iter().enumerate() {
        let b = if (22..26).contains(&i) { 0 } else { b };
        crc = (crc << 8) ^ table[((crc >> 24) as u8 ^ b) as usize];
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ogg_crc_is_crc32_with_no_reflection_nor_final_xor() {
        // CRC-32/POSIX's check value 0x765E7680, without its final xor.
        assert_eq!(ogg_crc(b"123456789"), 0x765E_7680 ^ 0xFFFF_FFFF);
    }
}
