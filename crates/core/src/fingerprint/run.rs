//! The matching stage of `mediadex fingerprint`, over the whole catalog: the
//! frame matcher's pairs, plus byte-identical files (same size, same content
//! hash) whatever their frames, the groups, and why each file that cannot be
//! matched cannot.
//!
//! Invariants: a byte-identical copy is always grouped with its original,
//! even without a usable frame; a content hash is read from the file only for
//! files that share their size with another file of the host, and kept with
//! the fingerprint row until the file changes; a file whose bytes cannot be
//! read is named in the outcome, never a failure of the run.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use rusqlite::Connection;

use super::matcher::{self, Pair, Params, Relation, Stats};
use crate::catalog::{self, fingerprints};
use crate::util;

/// Shorter files are "too short" to be matched when they lack frames.
pub const MIN_MATCH_S: f64 = 2.0;

/// What one matching run found.
#[derive(Debug, Default)]
pub struct Matched {
    /// Files with a current fingerprint.
    pub files: usize,
    pub pairs: Vec<Pair>,
    /// (file id, group id), by file id.
    pub groups: Vec<(i64, i64)>,
    pub stats: Stats,
    /// Pairs added for byte-identical files the frames did not pair.
    pub identical_pairs: usize,
    /// Pairs left out because `dedupe ignore` said they are not the same video.
    pub ignored_pairs: usize,
    /// Files whose frames cannot be matched, by reason.
    pub unmatched: BTreeMap<&'static str, u64>,
    /// Same-size files whose bytes could not be read: (path, error).
    pub unreadable: Vec<(String, String)>,
}

/// Match every current fingerprint of the catalog and store the pairs,
/// groups and reasons; `host`'s same-size files are hashed as needed.
pub fn match_all(conn: &mut Connection, host: &str, p: &Params) -> catalog::Result<Matched> {
    let mut out = Matched {
        unreadable: hash_same_size(conn, host)?,
        ..Matched::default()
    };
    let lib = fingerprints::load_current(conn, p.min_quality)?;
    out.files = lib.files();
    let mut reasons = Vec::new();
    for (id, duration_s, usable) in lib.file_frames() {
        if let Some(why) = unmatched_reason(duration_s, usable, p) {
            *out.unmatched.entry(why).or_default() += 1;
            reasons.push((id, why));
        }
    }
    let (mut pairs, stats) = matcher::match_store(lib, p);
    let before = pairs.len();
    add_identical(&mut pairs, &fingerprints::identical(conn)?);
    out.identical_pairs = pairs.len() - before;
    out.ignored_pairs = crate::dedupe::ignore::drop_ignored(conn, host, &mut pairs)?;
    pairs.sort_by_key(|x| (x.a, x.b));
    let mut groups: Vec<(i64, i64)> = matcher::groups(&pairs).into_iter().collect();
    groups.sort_unstable();
    fingerprints::replace_pairs(conn, &pairs, &groups)?;
    fingerprints::set_unmatched(conn, &reasons)?;
    out.pairs = pairs;
    out.groups = groups;
    out.stats = stats;
    Ok(out)
}

/// Why a file with `usable` matchable frames cannot be matched, if it cannot.
pub fn unmatched_reason(duration_s: f64, usable: usize, p: &Params) -> Option<&'static str> {
    if usable >= p.min_votes {
        None
    } else if duration_s < MIN_MATCH_S {
        Some("too short")
    } else if usable == 0 {
        Some("no usable frame")
    } else {
        Some("too flat")
    }
}

/// A `duplicate` pair for every byte-identical file and the group's first,
/// unless the frames paired them already.
fn add_identical(pairs: &mut Vec<Pair>, identical: &[Vec<i64>]) {
    let known: HashSet<(i64, i64)> = pairs.iter().map(|x| (x.a, x.b)).collect();
    for g in identical {
        let first = g[0];
        for &b in &g[1..] {
            if known.contains(&(first, b)) {
                continue;
            }
            pairs.push(Pair {
                a: first,
                b,
                relation: Relation::Duplicate,
                offset_s: 0.0,
                speed: 1.0,
                coverage_a: 1.0,
                coverage_b: 1.0,
                score: 1.0,
                votes: 0,
            });
        }
    }
}

/// Hash the same-size files of `host` that have no content hash yet; the
/// files that cannot be read, with why.
fn hash_same_size(conn: &Connection, host: &str) -> catalog::Result<Vec<(String, String)>> {
    let todo: Vec<_> = fingerprints::same_size(conn, host)?
        .into_iter()
        .filter(|f| f.content_hash.is_none())
        .collect();
    let hashed: Vec<(i64, String, Result<String, String>)> = todo
        .par_iter()
        .map(|f| {
            let path = util::path_from_bytes(&f.path_bytes);
            let h = content_hash(&path, f.size).map_err(|e| e.to_string());
            (f.id, path.display().to_string(), h)
        })
        .collect();
    let mut unreadable = Vec::new();
    for (id, path, h) in hashed {
        match h {
            Ok(h) => fingerprints::set_content_hash(conn, id, &h)?,
            Err(e) => unreadable.push((path, e)),
        }
    }
    Ok(unreadable)
}

/// XXH3-128 of a file's bytes, as 32 hex digits; an error if the file no
/// longer has `size` bytes.
pub fn content_hash(path: &Path, size: u64) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut read = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        read += n as u64;
    }
    if read != size {
        return Err(std::io::Error::other(format!(
            "changed while read ({read} bytes, the catalog says {size})"
        )));
    }
    Ok(format!("{:032x}", h.digest128()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_short_flat_and_blank_files() {
        let p = Params::default();
        assert_eq!(unmatched_reason(1.5, 2, &p), Some("too short"));
        assert_eq!(unmatched_reason(60.0, 0, &p), Some("no usable frame"));
        assert_eq!(unmatched_reason(60.0, 3, &p), Some("too flat"));
        assert_eq!(unmatched_reason(1.5, p.min_votes, &p), None);
    }

    #[test]
    fn identical_files_are_paired_once_with_the_first() {
        let mut pairs = Vec::new();
        add_identical(&mut pairs, &[vec![3, 7, 9]]);
        let ab: Vec<(i64, i64)> = pairs.iter().map(|x| (x.a, x.b)).collect();
        assert_eq!(ab, [(3, 7), (3, 9)]);
        add_identical(&mut pairs, &[vec![3, 7, 9]]);
        assert_eq!(pairs.len(), 2, "pairs the frames found are not doubled");
        assert!(pairs.iter().all(|x| x.relation == Relation::Duplicate));
    }

    #[test]
    fn content_hash_reads_the_whole_file_and_checks_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, vec![7u8; 3 << 20]).unwrap();
        let mut other = vec![7u8; 3 << 20];
        other[(3 << 20) - 1] = 8;
        std::fs::write(&b, &other).unwrap();
        let ha = content_hash(&a, 3 << 20).unwrap();
        assert_eq!(ha.len(), 32);
        assert_eq!(ha, content_hash(&a, 3 << 20).unwrap());
        assert_ne!(
            ha,
            content_hash(&b, 3 << 20).unwrap(),
            "the last byte counts"
        );
        assert!(content_hash(&a, 5).is_err());
    }
}
