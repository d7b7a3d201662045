//! The first payload of a transport stream's elementary streams: the bytes
//! of its first PES packets (a codec header the demuxer may never read),
//! past the head when a stream starts late, and for video the first PES
//! with a sequence header when the file starts in a group of pictures.

use super::*;

impl Reader {
    /// `pid`'s first PES payload within the first MiB that `headed` accepts.
    pub(super) fn headed_payload(
        &self,
        packet: usize,
        pid: u16,
        headed: fn(&[u8]) -> bool,
    ) -> Option<Vec<u8>> {
        self.payload_from(packet, pid, 0, headed)
    }

    /// `pid`'s first PES payload past the first 32 KiB, within the first MiB.
    pub(super) fn later_payload(&self, packet: usize, pid: u16) -> Option<Vec<u8>> {
        self.payload_from(packet, pid, 32 * 1024, |_| true)
    }

    /// `pid`'s first PES payload from `from` (back to a packet boundary)
    /// within the first MiB that `accept` takes, read a chunk at a time.
    fn payload_from(
        &self,
        packet: usize,
        pid: u16,
        from: u64,
        accept: fn(&[u8]) -> bool,
    ) -> Option<Vec<u8>> {
        let chunk = packet * 1024;
        let mut at = from / packet as u64 * packet as u64;
        while at < self.len.min(1 << 20) {
            let n = chunk.min((self.len - at) as usize) / packet * packet;
            let b = self.vec(at, n)?;
            let found = super::ts_probe::packets(&b, packet).find_map(|p| {
                (p.start && p.pid == pid)
                    .then(|| pes_payload(&b[p.index * packet..], packet, pid))
                    .flatten()
                    .filter(|body| accept(body))
            });
            if found.is_some() {
                return found;
            }
            at += n.max(packet) as u64;
        }
        None
    }
}

/// For a video stream type, whether a payload holds its sequence header
/// (MPEG-1/2) or sequence parameter set (H.264, HEVC).
pub(super) fn parameter_sets(stream_type: u8) -> Option<fn(&[u8]) -> bool> {
    fn codes(b: &[u8]) -> impl Iterator<Item = u8> + '_ {
        b.windows(4).filter(|w| w[..3] == [0, 0, 1]).map(|w| w[3])
    }
    Some(match stream_type {
        0x01 | 0x02 => |b| codes(b).any(|c| c == 0xB3),
        0x1b => |b| codes(b).any(|c| c & 0x1F == 7),
        0x24 => |b| codes(b).any(|c| (c >> 1) & 0x3F == 33),
        _ => return None,
    })
}

/// The first 4 KiB of `pid`'s elementary stream in `head`: the payloads
/// of its PES packets from the first, past their headers, from as many TS
/// packets as carry them (enough for a video sequence header, or a DTS-HD
/// extension substream after its core, which Blu-ray puts in a PES packet
/// of its own).
pub(super) fn pes_payload(head: &[u8], packet: usize, pid: u16) -> Option<Vec<u8>> {
    const MAX: usize = 4096;
    let mut body = Vec::new();
    let mut pes: Option<Vec<u8>> = None;
    for p in super::ts_probe::packets(head, packet).filter(|p| p.pid == pid) {
        if p.start
            && let Some(done) = pes.take()
            && (!pes_body(&done, &mut body) || body.len() >= MAX)
        {
            break;
        }
        let payload = p.payload.unwrap_or_default();
        match pes.as_mut() {
            Some(o) => o.extend_from_slice(payload),
            None if p.start => pes = Some(payload.to_vec()),
            None => {}
        }
        if pes
            .as_ref()
            .is_some_and(|o| body.len() + o.len() >= MAX + 64)
        {
            break;
        }
    }
    if let Some(last) = pes {
        pes_body(&last, &mut body);
    }
    (!body.is_empty()).then(|| body[..body.len().min(MAX)].to_vec())
}

/// Append the body of the PES packet `pes` (past its header) to `body`;
/// false when it is no PES packet.
fn pes_body(pes: &[u8], body: &mut Vec<u8>) -> bool {
    if pes.get(..3) != Some(&[0, 0, 1][..]) {
        return false;
    }
    match pes.get(8).and_then(|&n| pes.get(9 + n as usize..)) {
        Some(b) => {
            body.extend_from_slice(b);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streams_payload_runs_across_its_pes_packets() {
        // Two TS packets of PID 0x100, each starting a PES packet with a
        // header of 3 bytes (flags, none), then its body.
        let ts = |body: &[u8]| {
            let mut p = vec![0x47, 0x41, 0x00, 0x10, 0, 0, 1, 0xBD, 0, 0, 0x80, 0, 0];
            p.extend_from_slice(body);
            p.resize(188, 0xFF);
            p
        };
        let head = [ts(&[0x7f, 0xfe, 0x80, 0x01]), ts(&[0x64, 0x58, 0x20, 0x25])].concat();
        let body = pes_payload(&head, 188, 0x100).unwrap();
        assert_eq!(&body[..4], [0x7f, 0xfe, 0x80, 0x01]);
        assert_eq!(&body[175..179], [0x64, 0x58, 0x20, 0x25]);
        assert_eq!(pes_payload(&head, 188, 0x101), None);
    }

    #[test]
    fn video_cut_in_a_group_of_pictures_is_told_by_its_first_headed_pes() {
        let pes = |body: &[u8]| super::super::ts_probe::tests::pes(0x101, 0xE0, 0, body);
        // A group of pictures' slices, 5 KiB of them (past what a first
        // payload holds), then an access unit with its SPS.
        let mut b: Vec<u8> = (0..30).flat_map(|_| pes(&[0, 0, 1, 0x41, 0x9A])).collect();
        b.extend(pes(&[0, 0, 1, 0x09, 0x10, 0, 0, 1, 0x67, 0x64]));
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &b).unwrap();
        let r = Reader::new(File::open(f.path()).unwrap(), b.len() as u64);
        let h264 = parameter_sets(0x1b).unwrap();
        assert!(!h264(&pes_payload(&b, 188, 0x101).unwrap()));
        let headed = r.headed_payload(188, 0x101, h264).unwrap();
        assert!(h264(&headed));
        assert!(parameter_sets(0x0f).is_none());
    }
}
