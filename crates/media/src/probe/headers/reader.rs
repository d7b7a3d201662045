//! Positioned reads of a file's headers through a few cached blocks.
//!
//! The parsers walk box and element headers a few bytes at a time, and walk
//! the same parents again for each child they look for: an MP4's `moov` is
//! some hundred reads of 1 to 20 bytes. Served from a handful of 16 KiB
//! blocks, that is a few system calls instead of a hundred per file. A read
//! larger than a block goes to the file directly.

use std::cell::RefCell;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// The size of a cached block, and how many are kept.
const BLOCK: usize = 16 << 10;
const SLOTS: usize = 8;

pub(super) struct Reader {
    file: File,
    pub(super) len: u64,
    blocks: RefCell<Blocks>,
}

/// Cached blocks by index, each with its last use; a block near the end of
/// the file holds what the file had there (it may be short).
#[derive(Default)]
struct Blocks {
    slots: Vec<Slot>,
    clock: u64,
}

struct Slot {
    index: u64,
    data: Vec<u8>,
    used: u64,
}

impl Reader {
    /// A reader of `file`, whose length is `len`.
    pub(super) fn new(file: File, len: u64) -> Reader {
        Reader {
            file,
            len,
            blocks: RefCell::default(),
        }
    }

    pub(super) fn bytes<const N: usize>(&self, at: u64) -> Option<[u8; N]> {
        let mut b = [0u8; N];
        self.fill(at, &mut b)?;
        Some(b)
    }

    pub(super) fn vec(&self, at: u64, n: usize) -> Option<Vec<u8>> {
        let mut b = vec![0u8; n];
        self.fill(at, &mut b)?;
        Some(b)
    }

    pub(super) fn u32be(&self, at: u64) -> Option<u32> {
        self.bytes::<4>(at).map(u32::from_be_bytes)
    }

    pub(super) fn u64be(&self, at: u64) -> Option<u64> {
        self.bytes::<8>(at).map(u64::from_be_bytes)
    }

    /// `out` filled from `at`, or `None` when the file ends before it is
    /// full or cannot be read.
    fn fill(&self, at: u64, out: &mut [u8]) -> Option<()> {
        if out.len() > BLOCK {
            return self.file.read_exact_at(out, at).ok();
        }
        let mut done = 0;
        while done < out.len() {
            let pos = at.checked_add(done as u64)?;
            let (index, offset) = (pos / BLOCK as u64, (pos % BLOCK as u64) as usize);
            let mut blocks = self.blocks.borrow_mut();
            let data = blocks.get(index, &self.file)?;
            let n = data.len().checked_sub(offset)?.min(out.len() - done);
            if n == 0 {
                return None;
            }
            out[done..done + n].copy_from_slice(&data[offset..offset + n]);
            done += n;
        }
        Some(())
    }
}

impl Blocks {
    /// Block `index` of `file`, read if it is not cached; the least recently
    /// used one gives way when all slots are taken.
    fn get(&mut self, index: u64, file: &File) -> Option<&[u8]> {
        self.clock += 1;
        let clock = self.clock;
        let at = match self.slots.iter().position(|s| s.index == index) {
            Some(at) => at,
            None => {
                let data = read_block(file, index * BLOCK as u64).ok()?;
                let slot = Slot {
                    index,
                    data,
                    used: clock,
                };
                if self.slots.len() < SLOTS {
                    self.slots.push(slot);
                    self.slots.len() - 1
                } else {
                    let oldest = (0..self.slots.len()).min_by_key(|&i| self.slots[i].used)?;
                    self.slots[oldest] = slot;
                    oldest
                }
            }
        };
        self.slots[at].used = clock;
        Some(&self.slots[at].data)
    }
}

/// Up to a block from `at`: less only where the file ends.
fn read_block(file: &File, at: u64) -> io::Result<Vec<u8>> {
    let mut data = vec![0u8; BLOCK];
    let mut got = 0;
    while got < BLOCK {
        match file.read_at(&mut data[got..], at + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    data.truncate(got);
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_of(b: &[u8]) -> (tempfile::NamedTempFile, Reader) {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), b).unwrap();
        let r = Reader::new(File::open(f.path()).unwrap(), b.len() as u64);
        (f, r)
    }

    #[test]
    fn reads_across_blocks_and_past_the_slots_give_the_file_bytes() {
        let b: Vec<u8> = (0..(SLOTS * 3 * BLOCK + 100) as u32)
            .map(|i| (i % 251) as u8)
            .collect();
        let (_f, r) = reader_of(&b);
        // Spanning two blocks, then enough blocks to evict the first, then back.
        let at = BLOCK as u64 - 3;
        assert_eq!(r.vec(at, 10).unwrap(), &b[at as usize..at as usize + 10]);
        for i in 0..(SLOTS * 3) as u64 {
            let at = i * BLOCK as u64 + 7;
            assert_eq!(r.u32be(at).unwrap().to_be_bytes(), b[at as usize..][..4]);
        }
        assert_eq!(r.vec(at, 10).unwrap(), &b[at as usize..at as usize + 10]);
        // A read larger than a block, straight from the file.
        assert_eq!(r.vec(5, 3 * BLOCK).unwrap(), &b[5..5 + 3 * BLOCK]);
    }

    #[test]
    fn a_read_past_the_end_is_none() {
        let b = vec![7u8; BLOCK + 10];
        let (_f, r) = reader_of(&b);
        assert_eq!(r.vec(BLOCK as u64 + 6, 4), Some(vec![7; 4]));
        assert_eq!(r.vec(BLOCK as u64 + 6, 5), None);
        assert_eq!(r.bytes::<1>(b.len() as u64), None);
        assert_eq!(r.bytes::<1>(u64::MAX), None);
        assert_eq!(r.vec(0, 0), Some(vec![]));
        assert_eq!(r.vec(u64::MAX - 1, 2 * BLOCK), None);
    }
}
