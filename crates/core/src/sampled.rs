//! A file's identity by content without reading all of it: its size and the
//! XXH3-128 of sixteen 64 KiB blocks spread evenly over it, the first and the
//! last among them (a file of at most 1 MiB is read whole). A move across
//! file systems keeps it, so does a copy; a re-encode, a trim or a rewritten
//! tag does not. `dedupe` takes it at plan time and checks it before acting,
//! and `dedupe ignore` remembers decisions by it.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// How many blocks are read, and how big each is.
pub const BLOCKS: u64 = 16;
pub const BLOCK: u64 = 64 << 10;

/// The sampled hash of the file at `path`, as `s1:` and 32 hex digits.
pub fn sampled_hash(path: &Path) -> io::Result<String> {
    let f = File::open(path)?;
    let size = f.metadata()?.len();
    sampled_hash_of(&f, size)
}

/// The sampled hash of an open file whose length is `size`; an error if it
/// holds fewer bytes than that.
pub fn sampled_hash_of(f: &File, size: u64) -> io::Result<String> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&size.to_le_bytes());
    let mut buf = vec![0u8; BLOCK as usize];
    for offset in offsets(size) {
        let len = BLOCK.min(size - offset) as usize;
        f.read_exact_at(&mut buf[..len], offset)?;
        h.update(&buf[..len]);
    }
    Ok(format!("s1:{:032x}", h.digest128()))
}

/// Where the blocks start: back to back for a small file, else spread so
/// that the first starts at 0 and the last ends at the end.
fn offsets(size: u64) -> Vec<u64> {
    if size <= BLOCKS * BLOCK {
        return (0..size.div_ceil(BLOCK)).map(|i| i * BLOCK).collect();
    }
    let span = size - BLOCK;
    (0..BLOCKS).map(|i| span * i / (BLOCKS - 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_small_files_and_span_large_ones() {
        assert!(offsets(0).is_empty());
        assert_eq!(offsets(10), [0]);
        assert_eq!(offsets(BLOCK + 1), [0, BLOCK]);
        let big = offsets(100 << 20);
        assert_eq!(big.len() as u64, BLOCKS);
        assert_eq!(big[0], 0);
        assert_eq!(big[15] + BLOCK, 100 << 20);
    }

    #[test]
    fn the_hash_follows_sampled_bytes_and_size_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        let mut bytes = vec![1u8; 8 << 20];
        std::fs::write(&p, &bytes).unwrap();
        let first = sampled_hash(&p).unwrap();
        assert!(first.starts_with("s1:") && first.len() == 35);
        bytes[0] = 2;
        std::fs::write(&p, &bytes).unwrap();
        assert_ne!(
            sampled_hash(&p).unwrap(),
            first,
            "the first byte is sampled"
        );
        bytes[0] = 1;
        bytes.push(1);
        std::fs::write(&p, &bytes).unwrap();
        assert_ne!(sampled_hash(&p).unwrap(), first, "the size counts");
        bytes.pop();
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(sampled_hash(&p).unwrap(), first);
    }

    #[test]
    fn a_file_shorter_than_said_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::write(&p, [0u8; 100]).unwrap();
        let f = File::open(&p).unwrap();
        assert!(sampled_hash_of(&f, 200).is_err());
    }
}
