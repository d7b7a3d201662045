//! "Not the same video": `dedupe ignore A B` remembers it by the content of
//! the two files (their sampled hashes), and the matcher drops any pair of
//! files with those contents, wherever they are now.
//!
//! Invariants: a decision holds after a move or rename of either file and
//! after a dump/load merge; sampled hashes are read only for files in a
//! similar pair, and only when some decision exists.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;
use rusqlite::Connection;

use crate::catalog::{self, dedupe as journal, fingerprints};
use crate::fingerprint::matcher::{self, Pair};
use crate::{sampled, util};

/// What `ignore` did.
#[derive(Debug, serde::Serialize)]
pub struct Ignored {
    /// A new decision (false: it was known).
    pub new: bool,
    /// Similar pairs the decision removed from the catalog now.
    pub pairs_dropped: usize,
}

/// Why two paths cannot be told apart as "not the same video".
#[derive(Debug, thiserror::Error)]
pub enum IgnoreError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} and {1} hold the same bytes: they are the same video")]
    SameBytes(String, String),
    #[error("{0}")]
    Catalog(#[from] catalog::CatalogError),
}

/// Remember that the files at `a` and `b` are not the same video, and drop
/// their pair (and regroup) now if the catalog has one.
pub fn ignore(
    conn: &mut Connection,
    host: &str,
    a: &Path,
    b: &Path,
) -> Result<Ignored, IgnoreError> {
    let hash = |p: &Path| {
        sampled::sampled_hash(p).map_err(|source| IgnoreError::Read {
            path: util::display_path(p),
            source,
        })
    };
    let (ha, hb) = (hash(a)?, hash(b)?);
    let (da, db) = (util::display_path(a), util::display_path(b));
    if ha == hb {
        return Err(IgnoreError::SameBytes(da, db));
    }
    let new = journal::ignore(conn, (&ha, &da), (&hb, &db))?;
    let pairs_dropped = regroup(conn, host)?;
    Ok(Ignored { new, pairs_dropped })
}

/// Drop the stored pairs the decisions forbid and regroup what remains;
/// how many were dropped.
pub fn regroup(conn: &mut Connection, host: &str) -> catalog::Result<usize> {
    let mut pairs = fingerprints::pairs(conn)?;
    let dropped = drop_ignored(conn, host, &mut pairs)?;
    if dropped > 0 {
        let mut groups: Vec<(i64, i64)> = matcher::groups(&pairs).into_iter().collect();
        groups.sort_unstable();
        fingerprints::replace_pairs(conn, &pairs, &groups)?;
    }
    Ok(dropped)
}

/// Remove from `pairs` those whose two files were said not to be the same
/// video; how many were removed. This host's files in a pair without a
/// sampled hash are hashed (and it is kept) first.
pub fn drop_ignored(
    conn: &Connection,
    host: &str,
    pairs: &mut Vec<Pair>,
) -> catalog::Result<usize> {
    let decided = journal::ignored(conn)?;
    if decided.is_empty() || pairs.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = pairs
        .iter()
        .flat_map(|p| [p.a, p.b])
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let (mut known, todo) = journal::sampled(conn, host, &ids)?;
    let hashed: Vec<(i64, Option<String>)> = todo
        .into_par_iter()
        .map(|(id, bytes, size)| {
            let f = std::fs::File::open(util::path_from_bytes(&bytes));
            (id, f.and_then(|f| sampled::sampled_hash_of(&f, size)).ok())
        })
        .collect();
    for (id, h) in hashed {
        if let Some(h) = h {
            journal::set_sampled(conn, id, &h)?;
            known.insert(id, h);
        }
    }
    let before = pairs.len();
    pairs.retain(|p| !forbidden(&known, &decided, p.a, p.b));
    Ok(before - pairs.len())
}

fn forbidden(
    known: &HashMap<i64, String>,
    decided: &HashSet<(String, String)>,
    a: i64,
    b: i64,
) -> bool {
    match (known.get(&a), known.get(&b)) {
        (Some(x), Some(y)) => {
            let key = if x < y { (x, y) } else { (y, x) };
            decided.contains(&(key.0.clone(), key.1.clone()))
        }
        _ => false,
    }
}
