//! Reclaiming the space of duplicates, safely: a reviewable plan
//! ([`plan`]), its application with a journal ([`apply`]), its undoing
//! ([`undo`]) and the "not the same video" decisions ([`ignore`]). The file
//! operations themselves are in [`fsops`].
//!
//! Invariants: a plan names every file with the size, mtime, device, inode
//! and sampled hash it had when planned, and nothing is done to a file that
//! no longer matches them; a kept copy is never touched and a group whose
//! kept copy changed or vanished is left whole; every action is logged in
//! the catalog before it is taken and resumed from the disk after a kill.

pub mod apply;
pub mod fsops;
pub mod ignore;
pub mod plan;
pub mod undo;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::util;

pub const PLAN_FORMAT: &str = "mediadex-dedupe-plan";
pub const PLAN_VERSION: u32 = 1;

/// A plan as written to its JSON file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub format: String,
    pub version: u32,
    /// Names the plan in the catalog's journal: a hash of its groups.
    pub id: String,
    /// The host whose files the plan acts on.
    pub host: String,
    pub created_at: String,
    #[serde(default)]
    pub prefer: Vec<String>,
    #[serde(default)]
    pub include_contained: bool,
    pub files_to_remove: u64,
    pub bytes_freed: u64,
    pub groups: Vec<Group>,
    /// Groups of `report similar` the plan leaves alone, and why.
    #[serde(default)]
    pub left_alone: Vec<LeftAlone>,
}

/// One group: the copy to keep and those to remove.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub group: i64,
    pub bytes_freed: u64,
    pub keep: Entry,
    pub remove: Vec<Entry>,
}

/// A file of a plan as it was when planned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// The path as text (invalid UTF-8 shown as `\xNN`).
    pub path: String,
    /// The exact bytes of the path, in hex, when they are not `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    pub size: u64,
    pub mtime_ns: i64,
    pub dev: u64,
    pub inode: u64,
    /// The size and sixteen sampled blocks, hashed (see `sampled`).
    pub sampled: String,
    /// The rule that decided (`higher resolution`, …; `kept` for the keeper).
    pub why: String,
    /// How the file relates to the kept copy (`duplicate`, `contained-in`;
    /// `kept`).
    pub relation: String,
    /// Its bytes are the kept copy's (same size, same XXH3-128 of all bytes).
    #[serde(default)]
    pub identical: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
}

impl Entry {
    /// The exact bytes of the path.
    pub fn path_bytes(&self) -> Result<Vec<u8>, String> {
        match &self.path_hex {
            Some(h) => hex::decode(h).map_err(|e| format!("path_hex of {}: {e}", self.path)),
            None => Ok(self.path.as_bytes().to_vec()),
        }
    }

    pub fn path_buf(&self) -> Result<PathBuf, String> {
        Ok(util::path_from_bytes(&self.path_bytes()?))
    }

    /// `path` and, when the bytes are not that text, `path_hex`.
    pub fn path_fields(bytes: &[u8]) -> (String, Option<String>) {
        let text = util::display_bytes(bytes);
        let hex = (text.as_bytes() != bytes).then(|| hex::encode(bytes));
        (text, hex)
    }
}

/// A group the plan does not act on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeftAlone {
    pub group: i64,
    pub keep: String,
    pub reason: String,
}

/// A plan file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read plan {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a mediadex dedupe plan: {message}")]
    NotAPlan { path: PathBuf, message: String },
    #[error("plan {path} was made on host {planned}, this is {here}: run it there")]
    OtherHost {
        path: PathBuf,
        planned: String,
        here: String,
    },
}

/// Read and check a plan file: its format, and that no file is both kept
/// and removed, nor removed twice.
pub fn read_plan(path: &Path) -> Result<Plan, PlanError> {
    let text = std::fs::read(path).map_err(|source| PlanError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let not_a_plan = |message: String| PlanError::NotAPlan {
        path: path.to_path_buf(),
        message,
    };
    let plan: Plan = serde_json::from_slice(&text).map_err(|e| not_a_plan(e.to_string()))?;
    if plan.format != PLAN_FORMAT {
        return Err(not_a_plan(format!("format {:?}", plan.format)));
    }
    if plan.version > PLAN_VERSION {
        return Err(not_a_plan(format!(
            "plan version {} is newer than this mediadex reads ({PLAN_VERSION}); upgrade mediadex",
            plan.version
        )));
    }
    let mut kept = std::collections::HashSet::new();
    for g in &plan.groups {
        kept.insert(g.keep.path_bytes().map_err(not_a_plan)?);
    }
    let mut removed = std::collections::HashSet::new();
    for g in &plan.groups {
        for e in &g.remove {
            let b = e.path_bytes().map_err(not_a_plan)?;
            if kept.contains(&b) {
                return Err(not_a_plan(format!("{} is both kept and removed", e.path)));
            }
            if !removed.insert(b) {
                return Err(not_a_plan(format!("{} is removed twice", e.path)));
            }
        }
    }
    Ok(plan)
}

/// The plan's id: the first 16 hex digits of the SHA-256 of its groups.
pub fn plan_id(groups: &[Group]) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(groups).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..8])
}

/// Where `--move-to DIR` puts a file: its whole path below DIR, so that
/// files keep their relative places and two never meet.
pub fn quarantine_path(dir: &Path, path_bytes: &[u8]) -> PathBuf {
    let rel = path_bytes
        .iter()
        .position(|&b| b != b'/')
        .map_or(&[][..], |i| &path_bytes[i..]);
    dir.join(util::path_from_bytes(rel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarantine_keeps_the_whole_path_below_the_directory() {
        assert_eq!(
            quarantine_path(Path::new("/q"), b"/srv/Movies/a.mkv"),
            PathBuf::from("/q/srv/Movies/a.mkv")
        );
    }

    #[test]
    fn path_fields_carry_bytes_only_when_text_cannot() {
        assert_eq!(Entry::path_fields(b"/a/b.mkv"), ("/a/b.mkv".into(), None));
        let (text, hex) = Entry::path_fields(b"/a/\xff.mkv");
        assert_eq!(hex.as_deref(), Some("2f612fff2e6d6b76"));
        assert_ne!(text.as_bytes(), b"/a/\xff.mkv");
    }
}
