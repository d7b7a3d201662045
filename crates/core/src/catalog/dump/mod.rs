//! The whole catalog as JSON Lines, and back: `dump` writes it, `load` merges
//! one or more dumps into a catalog (this is also how catalogs scanned on
//! several hosts become one).
//!
//! Format: a header line (`"type":"header"`, format name and version, tool and
//! schema version), then one object per row with a `type` of `scan`, `media`,
//! `recording`, `root`, `history`, `fingerprint` or `not-duplicate`, in that order, each sorted
//! by its identity, then a trailer line
//! with the row counts and a checksum (see [`super::trailer`]). Documents are nested
//! JSON, copied byte for byte; a fingerprint line carries the file's
//! thumbnail (`thumbnail`, its JPEG as hex digits), byte for byte too. A path is `path` (display text) plus `path_hex`
//! (its exact bytes) whenever the bytes are not exactly that text.
//!
//! Invariants: a dump reads one snapshot; the same catalog always dumps to the
//! same lines after the header; loading is idempotent (the same dump twice
//! changes nothing) and "newer wins" row by row, so merge order does not
//! matter; one input file loads in one transaction, all of it or none, and
//! only if its trailer matches what was read (`--partial` loads the whole
//! lines of a dump that is cut short, or written before trailers existed).
//! Row identities: media, recordings and fingerprints by (host, path bytes),
//! scans by (host, started_at), roots by (host, path), history by day,
//! "not the same video" decisions by their two sampled hashes. Similar
//! pairs are not dumped: they follow from the fingerprints, and the next
//! `mediadex fingerprint` matches the loaded ones.

mod lines;
mod load;
mod merge;
mod write;

pub use load::load;
pub use write::dump;

use serde::Serialize;

pub const DUMP_FORMAT: &str = "mediadex-dump";
/// 2: the dump ends with a trailer. Version 1 dumps have none.
/// 3: roots, the export history and fingerprints are dumped too.
/// 4: "not the same video" decisions (`not-duplicate` lines).
pub const DUMP_VERSION: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("line {line}: {message}")]
    Parse { line: u64, message: String },
    #[error("line {line}: {source}")]
    Row {
        line: u64,
        #[source]
        source: rusqlite::Error,
    },
    /// A row no catalog could hold (an empty or relative path, a NUL byte,
    /// a negative size, a document that is not an object, …): the whole load
    /// fails, or with `--partial` the row is skipped and counted.
    #[error("line {line}: {message}")]
    Implausible { line: u64, message: String },
    #[error(
        "line {line}: dump format version {found} is newer than this mediadex reads ({DUMP_VERSION}); upgrade mediadex"
    )]
    TooNew { line: u64, found: u32 },
    /// The dump is not whole: cut short, empty, or without a matching trailer.
    #[error("{0}")]
    Incomplete(String),
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Rows written by [`dump`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DumpCounts {
    pub scans: u64,
    pub media: u64,
    pub recordings: u64,
    pub roots: u64,
    pub history: u64,
    pub fingerprints: u64,
    pub not_duplicates: u64,
}

/// What [`load`] did with the rows of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Merge {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Merge {
    fn count(&mut self, outcome: Merged) {
        match outcome {
            Merged::Inserted => self.inserted += 1,
            Merged::Updated => self.updated += 1,
            Merged::Unchanged => self.unchanged += 1,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadCounts {
    pub scans: Merge,
    pub media: Merge,
    pub recordings: Merge,
    pub roots: Merge,
    pub history: Merge,
    pub fingerprints: Merge,
    pub not_duplicates: Merge,
    /// With `--partial`: why the dump was not whole (what was left out).
    pub incomplete: Option<String>,
    /// With `--partial`: implausible rows skipped, and the first one's reason.
    pub skipped: u64,
    pub first_skipped: Option<String>,
}

#[derive(Clone, Copy)]
enum Merged {
    Inserted,
    Updated,
    Unchanged,
}
