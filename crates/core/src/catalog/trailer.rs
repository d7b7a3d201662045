//! The trailer of a dump: the last line says how many rows of each type came
//! before it and the sha256 of those row lines, so `load` can tell a whole dump
//! from one cut short (an empty file from a failed `ssh … dump |`, a copy
//! that stopped at a line boundary or in the middle of a line).
//!
//! Invariants: the checksum covers the bytes of every line after the header
//! and before the trailer, newlines included, so the trailer of the same
//! catalog is always the same (the header, which carries the time of the dump,
//! is left out); the trailer is the last line, and nothing may follow it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::dump::DumpCounts;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    #[serde(rename = "type")]
    pub kind: String,
    pub scans: u64,
    pub media: u64,
    pub recordings: u64,
    /// Dump version 3 on; 0 in older trailers, which had none of these rows.
    #[serde(default)]
    pub roots: u64,
    #[serde(default)]
    pub history: u64,
    #[serde(default)]
    pub fingerprints: u64,
    /// Dump version 4 on.
    #[serde(default)]
    pub not_duplicates: u64,
    /// sha256 (hex) of the row lines.
    pub sha256: String,
}

impl Trailer {
    pub fn new(counts: DumpCounts, sha256: String) -> Trailer {
        Trailer {
            kind: "trailer".into(),
            scans: counts.scans,
            media: counts.media,
            recordings: counts.recordings,
            roots: counts.roots,
            history: counts.history,
            fingerprints: counts.fingerprints,
            not_duplicates: counts.not_duplicates,
            sha256,
        }
    }

    /// How this trailer and what was read disagree, if they do.
    pub fn mismatch(&self, read: &Trailer) -> Option<String> {
        let mut diffs = Vec::new();
        for (what, said, got) in [
            ("scan", self.scans, read.scans),
            ("media", self.media, read.media),
            ("recording", self.recordings, read.recordings),
            ("root", self.roots, read.roots),
            ("history", self.history, read.history),
            ("fingerprint", self.fingerprints, read.fingerprints),
            ("not-duplicate", self.not_duplicates, read.not_duplicates),
        ] {
            if said != got {
                diffs.push(format!("{said} {what} rows, found {got}"));
            }
        }
        if diffs.is_empty() && self.sha256 != read.sha256 {
            diffs.push(format!(
                "sha256 {} of the rows, found {}",
                self.sha256, read.sha256
            ));
        }
        (!diffs.is_empty()).then(|| format!("the trailer says {}", diffs.join(", ")))
    }
}

/// What `load` has read so far, to compare with the trailer.
#[derive(Default)]
pub struct Tally {
    pub counts: DumpCounts,
    hash: Sha256,
}

impl Tally {
    /// A row line as read (with its newline).
    pub fn line(&mut self, bytes: &[u8]) {
        self.hash.update(bytes);
    }

    pub fn read(&self) -> Trailer {
        Trailer::new(self.counts, hex::encode(self.hash.clone().finalize()))
    }
}
