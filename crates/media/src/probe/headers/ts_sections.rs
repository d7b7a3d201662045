//! MPEG-TS program-specific information in a file's head: where a PID's
//! units start, its first whole section (across packets), and the PAT's
//! programs.

/// Where the first packet of `pid` in `head` from packet `from` on that
/// starts a unit lies.
pub(super) fn first_start(head: &[u8], packet: usize, pid: u16, from: usize) -> Option<usize> {
    super::ts_probe::indexed_unit_starts(head, packet)
        .find(|&(i, this, _)| i >= from && this == pid)
        .map(|(i, _, _)| i)
}

/// The first section of `pid` in `head`: from past the pointer field of
/// the packet that starts it, continued in the PID's next packets (a
/// program map of many streams spans several), as much as `head` holds.
pub(super) fn first_section(head: &[u8], packet: usize, pid: u16) -> Option<Vec<u8>> {
    let whole = |s: &[u8]| s.len() >= 3 && s.len() >= 3 + section_length(s);
    let mut out: Option<Vec<u8>> = None;
    let carried = super::ts_probe::packets(head, packet).filter(|p| p.pid == pid && p.has_payload);
    for p in carried {
        let payload = p.payload.unwrap_or_default();
        // Past the pointer field: what continues the section before it,
        // and where a new one starts.
        let pointer = usize::from(payload.first().copied().unwrap_or(0));
        let (before, from) = match p.start {
            true => (payload.get(1..1 + pointer), payload.get(1 + pointer..)),
            false => (Some(payload), None),
        };
        match out.as_mut() {
            Some(s) => s.extend_from_slice(before.unwrap_or_default()),
            None => out = from.map(<[u8]>::to_vec),
        }
        if out.as_deref().is_some_and(whole) {
            break;
        }
    }
    out
}

/// A section's length field: the bytes past it.
fn section_length(s: &[u8]) -> usize {
    u16::from_be_bytes([s[1] & 0x0F, s[2]]) as usize
}

/// The payload (past the adaptation field) of the first packet of `pid` in
/// `head` that starts a unit (a section or a PES packet); TS packets of
/// `packet` bytes (188, or 192 with M2TS's timestamp before each).
pub(super) fn unit_start(head: &[u8], packet: usize, pid: u16) -> Option<&[u8]> {
    unit_starts_of(head, packet, pid).next()
}

/// The payload of every packet of `pid` in `head` that starts a unit.
fn unit_starts_of(head: &[u8], packet: usize, pid: u16) -> impl Iterator<Item = &[u8]> {
    super::ts_probe::unit_starts(head, packet)
        .filter(move |&(this, _)| this == pid)
        .map(|(_, payload)| payload)
}

/// The PMT PIDs of a PAT section's programs (not the network PID).
pub(super) fn pat_programs(pat: &[u8]) -> Vec<u16> {
    let Some(&[_, hi, lo]) = pat.get(..3) else {
        return Vec::new();
    };
    let len = (u16::from_be_bytes([hi & 0x0F, lo]) as usize).min(pat.len());
    pat.get(8..len.saturating_sub(1))
        .unwrap_or_default()
        .chunks_exact(4)
        .filter(|e| u16::from_be_bytes([e[0], e[1]]) != 0)
        .map(|e| u16::from_be_bytes([e[2] & 0x1F, e[3]]))
        .collect()
}
