//! Offline roots: telling a root that was walked completely (and so can prove
//! files gone) from one that is absent, empty, unreadable or on another device
//! than before — an unmounted share, or another file system mounted in its place.
//!
//! Invariant: under an offline root nothing is marked missing and nothing found
//! there is stored, unless the user asks for it with `--prune`; the scan names
//! every offline root and exits 3.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::walk::Walked;

/// A scan root as given, resolved.
pub enum Root {
    /// It exists: its canonical path and its device id.
    Present { path: PathBuf, dev: u64 },
    /// It cannot be reached: its absolute path and why.
    Absent { path: PathBuf, error: String },
}

impl Root {
    pub fn resolve(given: &Path) -> Root {
        let found =
            std::fs::canonicalize(given).and_then(|c| std::fs::metadata(&c).map(|m| (c, m.dev())));
        match found {
            Ok((path, dev)) => Root::Present { path, dev },
            Err(e) => Root::Absent {
                path: std::path::absolute(given).unwrap_or_else(|_| given.to_path_buf()),
                error: match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file or directory".into(),
                    _ => e.to_string(),
                },
            },
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Root::Present { path, .. } | Root::Absent { path, .. } => path,
        }
    }
}

/// A root the scan left alone (or, with `--prune`, walked anyway).
#[derive(Debug, Clone, Serialize)]
pub struct Offline {
    pub root: String,
    pub reason: String,
    /// Rows under the root that the catalog holds and are not `missing`.
    pub catalogued: u64,
    /// `--prune`: its vanished files were marked missing all the same.
    pub pruned: bool,
}

/// Why a present root that the catalog holds `catalogued` live rows under
/// cannot prove any of them gone, if it cannot.
pub fn offline_reason(
    walked: &Walked,
    catalogued: u64,
    recorded_dev: Option<u64>,
    dev: u64,
) -> Option<String> {
    if catalogued == 0 {
        return None;
    }
    if let Some(was) = recorded_dev.filter(|&was| was != dev) {
        return Some(format!(
            "it is on another device than when it was last scanned (device {dev}, was {was}): \
             a file system that is not mounted, or another one mounted in its place?"
        ));
    }
    if walked.entries.is_empty() {
        return Some(match walked.unreadable.first() {
            Some(u) => format!("it could not be read ({}: {})", u.path, u.error),
            None => "it is empty: a file system that is not mounted?".into(),
        });
    }
    None
}

/// The warning printed for an offline root.
pub fn warning(o: &Offline) -> String {
    if o.pruned {
        format!(
            "{} is offline: {}; --prune: files no longer found under it were marked missing",
            o.root, o.reason
        )
    } else if o.catalogued == 0 {
        format!("{} was not scanned: {}", o.root, o.reason)
    } else {
        format!(
            "{} is offline: {}; its {} catalogued files were left as they were (scan with --prune if they are really gone)",
            o.root, o.reason, o.catalogued
        )
    }
}

/// JSON text of a list, for the scan row.
pub fn json<T: Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).expect("serializes")
}
