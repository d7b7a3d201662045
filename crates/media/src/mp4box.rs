//! MP4 boxes held in memory, and where a track's sample tables place its
//! samples: the one reading of `stsz`/`stz2`, `stsc` and `stco`/`co64` that the
//! probe (where the last sample ends) and the integrity check (every
//! sample inside the file) share.

use std::ops::ControlFlow;

/// A box header in `h`: type, header length, box length (`left`: the bytes
/// to the end of what holds it, for a size of 0).
pub(crate) fn box_header(h: &[u8], left: u64) -> Option<([u8; 4], u64, u64)> {
    let size = u64::from(u32::from_be_bytes(h.get(..4)?.try_into().ok()?));
    let kind: [u8; 4] = h.get(4..8)?.try_into().ok()?;
    let (head, len) = match size {
        0 => (8, left),
        1 => (16, u64::from_be_bytes(h.get(8..16)?.try_into().ok()?)),
        n => (8, n),
    };
    (len >= head).then_some((kind, head, len))
}

/// The child boxes of `body` (a box's data): type and data.
pub(crate) fn children(body: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 8 <= body.len() {
        let Some((kind, head, len)) = box_header(&body[at..], (body.len() - at) as u64) else {
            break;
        };
        let end = at.saturating_add(len as usize).min(body.len());
        out.push((kind, &body[(at + head as usize).min(end)..end]));
        at = end;
    }
    out
}

/// The box at `path` below `body`: its data.
pub(crate) fn child<'a>(body: &'a [u8], path: &[&[u8; 4]]) -> Option<&'a [u8]> {
    let mut cur = body;
    for want in path {
        cur = children(cur).into_iter().find(|(k, _)| k == *want)?.1;
    }
    Some(cur)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Each sample of the `stbl` box data `stbl`, in table order: its offset
/// and size (from `stsz`, or the compact `stz2`), until `f` breaks. None when a table is missing or shorter than
/// it says (the samples already given were read).
pub(crate) fn each_sample(
    stbl: &[u8],
    mut f: impl FnMut(u64, u64) -> ControlFlow<()>,
) -> Option<()> {
    let (sizes, compact) = match child(stbl, &[b"stsz"]) {
        Some(t) => (t, false),
        None => (child(stbl, &[b"stz2"])?, true),
    };
    let count = be32(sizes, 8)? as usize;
    // `stsz`: a size for all, or one of 32 bits each. `stz2`: the field
    // size (4, 8 or 16 bits) in the last byte of its second word.
    let (fixed, bits) = match compact {
        false => (be32(sizes, 4)?, 32),
        true => (0, *sizes.get(7)?),
    };
    let sample_size = |i: usize| -> Option<u64> {
        if fixed != 0 {
            return Some(u64::from(fixed));
        }
        let byte = |at: usize| sizes.get(12 + at).copied().map(u64::from);
        match bits {
            4 => byte(i / 2).map(|b| if i.is_multiple_of(2) { b >> 4 } else { b & 0xF }),
            8 => byte(i),
            16 => Some(byte(2 * i)? << 8 | byte(2 * i + 1)?),
            32 => be32(sizes, 12 + 4 * i).map(u64::from),
            _ => None,
        }
    };
    let chunks: Vec<u64> = match (child(stbl, &[b"stco"]), child(stbl, &[b"co64"])) {
        (Some(t), _) => (0..be32(t, 4)? as usize)
            .map(|i| be32(t, 8 + 4 * i).map(u64::from))
            .collect::<Option<_>>()?,
        (None, Some(t)) => (0..be32(t, 4)? as usize)
            .map(|i| be64(t, 8 + 8 * i))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    let stsc = child(stbl, &[b"stsc"])?;
    let runs: Vec<(usize, u32)> = (0..be32(stsc, 4)? as usize)
        .map(|i| Some((be32(stsc, 8 + 12 * i)? as usize, be32(stsc, 12 + 12 * i)?)))
        .collect::<Option<_>>()?;
    let mut done = 0;
    for (r, &(first, per)) in runs.iter().enumerate() {
        let last = runs
            .get(r + 1)
            .map_or(chunks.len(), |n| n.0.saturating_sub(1));
        for chunk in first.max(1)..=last.min(chunks.len()) {
            let mut at = chunks[chunk - 1];
            for _ in 0..per {
                if done == count {
                    return Some(());
                }
                let n = sample_size(done)?;
                done += 1;
                if f(at, n).is_break() {
                    return Some(());
                }
                // An offset past any file (a damaged `co64`): the walk ends.
                at = at.checked_add(n)?;
            }
        }
    }
    Some(())
}

/// A sample-to-chunk table whose last run starts past the chunk offsets
/// (FFmpeg refuses such a file: "contradictionary STSC and STCO"): the
/// chunk it names and how many there are.
pub(crate) fn contradictory_chunks(stbl: &[u8]) -> Option<(usize, usize)> {
    let offsets = child(stbl, &[b"stco"]).or_else(|| child(stbl, &[b"co64"]))?;
    let chunks = be32(offsets, 4)? as usize;
    let stsc = child(stbl, &[b"stsc"])?;
    let runs = be32(stsc, 4)? as usize;
    let last = be32(stsc, 8 + 12 * runs.checked_sub(1)?)? as usize;
    // No chunk at all is a track FFmpeg skips, not a file it refuses.
    (chunks > 0 && last > chunks).then_some((last, chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_to_chunk_run_past_the_chunks_contradicts_them() {
        // stsc: runs from chunks 1 and `last`; stco: `chunks` offsets.
        let stbl = |last: u32, chunks: u32| {
            let mut stsc = vec![0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
            stsc.extend(last.to_be_bytes());
            stsc.extend([0, 0, 0, 1, 0, 0, 0, 1]);
            let mut stco = vec![0, 0, 0, 0];
            stco.extend(chunks.to_be_bytes());
            stco.extend((0..chunks).flat_map(|i| (100 * i).to_be_bytes()));
            [table(b"stsc", &stsc), table(b"stco", &stco)].concat()
        };
        assert_eq!(contradictory_chunks(&stbl(16413, 29)), Some((16413, 29)));
        assert_eq!(contradictory_chunks(&stbl(29, 29)), None);
        // A track with no chunk (a file cut to its headers) is skipped.
        assert_eq!(contradictory_chunks(&stbl(5, 0)), None);
    }

    /// A box of `kind` holding `body`.
    fn table(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((8 + body.len()) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn a_walk_stops_when_told_even_in_a_table_of_billions() {
        // stsz: a fixed size of 10 bytes and 4,294,967,295 samples, all in
        // one chunk at offset 1,000 (stsc), with one chunk (stco).
        let mut stbl = table(b"stsz", &[0, 0, 0, 0, 0, 0, 0, 10, 0xFF, 0xFF, 0xFF, 0xFF]);
        stbl.extend(table(
            b"stsc",
            &[
                0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1,
            ],
        ));
        stbl.extend(table(b"stco", &[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x03, 0xE8]));
        let mut seen = Vec::new();
        let walked = each_sample(&stbl, |at, n| {
            seen.push((at, n));
            if seen.len() < 3 {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        });
        assert_eq!(walked, Some(()));
        assert_eq!(seen, [(1000, 10), (1010, 10), (1020, 10)]);
    }

    #[test]
    fn compact_sample_sizes_are_read_at_every_field_size() {
        // One chunk at 100 holding every sample (stsc, stco).
        let rest = [
            table(
                b"stsc",
                &[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1],
            ),
            table(b"stco", &[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 100]),
        ]
        .concat();
        for (bits, fields, sizes) in [
            (4, vec![0x21, 0x30], [2, 1, 3]),
            (8, vec![7, 8, 9], [7, 8, 9]),
            (16, vec![1, 0, 0, 2, 0, 3], [256, 2, 3]),
        ] {
            let mut body = vec![0, 0, 0, 0, 0, 0, 0, bits, 0, 0, 0, 3];
            body.extend(fields);
            let stbl = [table(b"stz2", &body), rest.clone()].concat();
            let mut seen = Vec::new();
            each_sample(&stbl, |at, n| {
                seen.push((at, n));
                ControlFlow::Continue(())
            });
            let want = [(100, sizes[0]), (100 + sizes[0], sizes[1])];
            assert_eq!(seen[..2], want, "{bits} bits");
            assert_eq!(seen.len(), 3, "{bits} bits");
        }
    }

    #[test]
    fn an_offset_at_the_end_of_the_address_space_ends_the_walk() {
        // Two samples of 10 bytes in one chunk 5 bytes short of 2^64.
        let mut stbl = table(b"stsz", &[0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2]);
        stbl.extend(table(
            b"stsc",
            &[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1],
        ));
        let mut co64 = vec![0, 0, 0, 0, 0, 0, 0, 1];
        co64.extend((u64::MAX - 5).to_be_bytes());
        stbl.extend(table(b"co64", &co64));
        let mut seen = 0;
        let walked = each_sample(&stbl, |_, _| {
            seen += 1;
            ControlFlow::Continue(())
        });
        assert_eq!((walked, seen), (None, 1));
    }
}
