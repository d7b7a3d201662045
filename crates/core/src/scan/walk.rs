//! Discovery: a parallel walk (the `ignore` crate's walker) of the scan roots that
//! yields every candidate with its `stat`, filtered by the extension allow-list
//! and `--exclude` globs.
//!
//! Invariants: paths are kept as raw bytes; symlinks are followed only when asked,
//! and then each (device, inode) is kept once; a walk error that names a
//! candidate (a symlink loop, an unreadable entry) is returned as an entry with
//! an error, so it becomes a catalog row instead of vanishing; a directory
//! that cannot be read is returned by path, so the files the catalog knows
//! under it are left as they were rather than taken for gone.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::unbounded;
use ignore::WalkState;
use ignore::overrides::{Override, OverrideBuilder};

use crate::catalog::files::FileStat;

/// Containers scanned by default (`--ext` adds more).
pub const DEFAULT_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "ts", "m2ts", "mts", "mpg", "mpeg", "wmv", "asf",
    "flv", "ogv", "3gp", "mxf", "vob", "3g2", "dv", "f4v", "m2p", "mpe", "tod", "tp", "trp",
    "divx", "ogm", "qt", "rm", "rmvb", "mk3d",
];

#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    /// `stat` of the entry (of the target when following links); None if it failed.
    pub stat: Option<FileStat>,
    /// Why the entry could not be looked at, if it could not.
    pub error: Option<String>,
}

/// What the walk found, plus what it passed over and why.
#[derive(Debug, Default)]
pub struct Walked {
    pub entries: Vec<Entry>,
    /// Symlinks not followed (without `--follow-links`).
    pub skipped_links: u64,
    /// Entries reached twice through links (same device and inode), kept once.
    pub duplicates: u64,
    /// Directories that could not be read, with why: the walk is incomplete there.
    pub unreadable: Vec<Unreadable>,
    /// Problems that name neither a candidate file nor a directory.
    pub warnings: Vec<String>,
}

/// A directory the walk could not read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unreadable {
    /// Display text of the directory.
    pub path: String,
    pub error: String,
    /// The directory as bytes, for matching catalog rows under it.
    #[serde(skip)]
    pub path_bytes: Vec<u8>,
}

impl Walked {
    /// Is `path` at or below a directory this walk could not read?
    pub fn under_unreadable(&self, path: &[u8]) -> bool {
        self.unreadable.iter().any(|u| {
            path.starts_with(&u.path_bytes)
                && (path.len() == u.path_bytes.len()
                    || u.path_bytes.ends_with(b"/")
                    || path[u.path_bytes.len()] == b'/')
        })
    }
}

/// Directories NAS boxes and desktops leave inside libraries (thumbnails,
/// recycle bins, snapshots, file-system bookkeeping): skipped unless `--hidden`,
/// like every directory whose name starts with a dot. `.Trash-*` matches by prefix.
pub const JUNK_DIRS: &[&str] = &[
    "@eaDir",
    "#recycle",
    "#snapshot",
    ".@__thumb",
    ".Trash-",
    "$RECYCLE.BIN",
    "System Volume Information",
    "lost+found",
];

/// Is a directory named `name` one that is skipped by default?
pub fn is_junk_dir(name: &[u8]) -> bool {
    name.first() == Some(&b'.')
        || JUNK_DIRS.iter().any(|j| {
            if j.ends_with('-') {
                name.starts_with(j.as_bytes())
            } else {
                name == j.as_bytes()
            }
        })
}

/// Which names are candidates: extension allow-list plus `--exclude` globs,
/// and unless `hidden`, nothing under a [`JUNK_DIRS`] or dot directory.
pub struct Filter {
    extensions: Vec<Vec<u8>>,
    excludes: Vec<(PathBuf, Override)>,
    hidden: bool,
}

impl Filter {
    pub fn new(
        roots: &[PathBuf],
        extra_ext: &[String],
        excludes: &[String],
    ) -> anyhow::Result<Filter> {
        let mut extensions: Vec<Vec<u8>> = DEFAULT_EXTENSIONS
            .iter()
            .map(|e| e.as_bytes().to_vec())
            .collect();
        for e in extra_ext {
            for part in e.split(',') {
                let part = part.trim().trim_start_matches('.').to_ascii_lowercase();
                if !part.is_empty() {
                    extensions.push(part.into_bytes());
                }
            }
        }
        let mut ex = Vec::new();
        for root in roots {
            let mut b = OverrideBuilder::new(root);
            for g in excludes {
                b.add(&format!("!{g}"))
                    .map_err(|source| super::ScanError::BadExclude {
                        glob: g.clone(),
                        source,
                    })?;
            }
            ex.push((root.clone(), b.build()?));
        }
        Ok(Filter {
            extensions,
            excludes: ex,
            hidden: false,
        })
    }

    pub fn has_extension(&self, path: &Path) -> bool {
        let Some(ext) = path.extension() else {
            return false;
        };
        let ext = ext.as_bytes().to_ascii_lowercase();
        self.extensions.contains(&ext)
    }

    /// Also walk hidden and junk directories (`--hidden`).
    pub fn with_hidden(mut self, hidden: bool) -> Filter {
        self.hidden = hidden;
        self
    }

    /// Is `path` (or a directory above it, up to its root) excluded?
    pub fn is_excluded(&self, path: &Path) -> bool {
        for (root, ov) in &self.excludes {
            if ov.is_empty() || !path.starts_with(root) {
                continue;
            }
            let mut p = Some(path);
            let mut is_dir = false;
            while let Some(cur) = p {
                if cur == root.as_path() {
                    break;
                }
                if ov.matched(cur, is_dir).is_ignore() {
                    return true;
                }
                p = cur.parent();
                is_dir = true;
            }
        }
        false
    }

    /// A catalog row under this filter: candidate if it has an allowed extension
    /// and is not excluded.
    pub fn accepts(&self, path: &Path) -> bool {
        self.has_extension(path) && !self.is_excluded(path)
    }

    fn override_for(&self, root: &Path) -> Option<Override> {
        self.excludes
            .iter()
            .find(|(r, _)| r == root)
            .map(|(_, o)| o.clone())
    }
}

/// Walk `root` with `threads` threads. `stop` ends the walk early (Ctrl-C).
pub fn walk(
    root: &Path,
    filter: &Filter,
    follow_links: bool,
    threads: usize,
    stop: &AtomicBool,
) -> Walked {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(follow_links)
        .threads(threads.max(1));
    if let Some(ov) = filter.override_for(root) {
        builder.overrides(ov);
    }
    if !filter.hidden {
        // Below the root only: a root the user names is walked whatever its name.
        builder.filter_entry(|d| {
            !(d.depth() > 0
                && d.file_type().is_some_and(|t| t.is_dir())
                && is_junk_dir(d.file_name().as_bytes()))
        });
    }
    let (tx, rx) = unbounded::<Result<Entry, (Option<PathBuf>, String)>>();
    let skipped = std::sync::atomic::AtomicU64::new(0);
    builder.build_parallel().run(|| {
        let tx = tx.clone();
        let skipped = &skipped;
        Box::new(move |res| {
            if stop.load(Ordering::Relaxed) {
                return WalkState::Quit;
            }
            match res {
                Ok(dent) => {
                    if !filter.has_extension(dent.path()) {
                        return WalkState::Continue;
                    }
                    if dent.path_is_symlink() && !follow_links {
                        skipped.fetch_add(1, Ordering::Relaxed);
                        return WalkState::Continue;
                    }
                    let _ = tx.send(Ok(entry(&dent)));
                }
                Err(err) => {
                    let _ = tx.send(match error_entry(&err, filter) {
                        Some(entry) => Ok(entry),
                        None => Err((error_dir(&err), walk_error_text(&err))),
                    });
                }
            }
            WalkState::Continue
        })
    });
    drop(tx);
    gather(rx, skipped.load(Ordering::Relaxed), follow_links)
}

/// A candidate file as the walk found it, with its `stat` and why it cannot
/// be probed, if it cannot.
fn entry(dent: &ignore::DirEntry) -> Entry {
    let path = dent.path();
    let (stat, error) = match dent.metadata() {
        // A FIFO, socket or device would block or mislead a
        // probe until --timeout: said at once instead.
        Ok(md) if !md.is_file() && !md.is_dir() => (
            Some(FileStat::from_metadata(&md)),
            Some("not a regular file (a FIFO, socket or device); not probed".into()),
        ),
        Ok(md) => (Some(FileStat::from_metadata(&md)), None),
        Err(e) => {
            // A dangling or looping link still has an lstat of its own.
            let st = std::fs::symlink_metadata(path)
                .ok()
                .map(|m| FileStat::from_metadata(&m));
            (st, Some(walk_error_text(&e)))
        }
    };
    Entry {
        path: path.to_path_buf(),
        stat,
        error,
    }
}

/// What the walk's threads sent, in a deterministic order.
fn gather(
    rx: crossbeam_channel::Receiver<Result<Entry, (Option<PathBuf>, String)>>,
    skipped_links: u64,
    follow_links: bool,
) -> Walked {
    let mut out = Walked {
        skipped_links,
        ..Default::default()
    };
    for item in rx {
        match item {
            Ok(e) => out.entries.push(e),
            Err((Some(dir), error)) => out.unreadable.push(Unreadable {
                path: crate::util::display_path(&dir),
                error,
                path_bytes: crate::util::path_bytes(&dir).to_vec(),
            }),
            Err((None, w)) => out.warnings.push(w),
        }
    }
    // Deterministic order, then one entry per path and per (device, inode) when following links.
    out.entries.sort_by(|a, b| {
        a.path
            .as_os_str()
            .as_bytes()
            .cmp(b.path.as_os_str().as_bytes())
    });
    out.entries.dedup_by(|a, b| a.path == b.path);
    out.unreadable
        .sort_by(|a, b| a.path_bytes.cmp(&b.path_bytes));
    if follow_links {
        out.duplicates = keep_one_per_inode(&mut out.entries);
    }
    out
}

/// Keep one entry per (device, inode): the one reached by its real path when
/// there is one (so following links never moves a row), else the first. Error
/// entries carry the `lstat` of the failing link, so a loop reached through two
/// paths is one row too.
fn keep_one_per_inode(entries: &mut Vec<Entry>) -> u64 {
    use std::collections::HashMap;
    let mut groups: HashMap<(bool, u64, u64), Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(s) = e.stat {
            groups
                .entry((e.error.is_some(), s.dev, s.ino))
                .or_default()
                .push(i);
        }
    }
    let is_real = |e: &Entry| {
        let parent_real = e
            .path
            .parent()
            .is_some_and(|p| std::fs::canonicalize(p).is_ok_and(|c| c == p));
        parent_real
            && (e.error.is_some() || std::fs::canonicalize(&e.path).is_ok_and(|c| c == e.path))
    };
    let mut drop = vec![false; entries.len()];
    let mut dropped = 0;
    for idx in groups.values().filter(|g| g.len() > 1) {
        let keep = idx
            .iter()
            .copied()
            .find(|&i| is_real(&entries[i]))
            .unwrap_or(idx[0]);
        for &i in idx.iter().filter(|&&i| i != keep) {
            drop[i] = true;
            dropped += 1;
        }
    }
    let mut i = 0;
    entries.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
    dropped
}

fn walk_error_text(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { path, err } => {
            format!(
                "{}: {}",
                crate::util::display_path(path),
                walk_error_text(err)
            )
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_text(err)
        }
        ignore::Error::Loop { child, .. } => {
            format!("{}: symbolic link loop", crate::util::display_path(child))
        }
        ignore::Error::Io(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// The directory a walk error is about, when it is about one.
fn error_dir(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_dir(err)
        }
        ignore::Error::WithPath { path, .. } if path.is_dir() => Some(path.clone()),
        _ => None,
    }
}

/// A walk error that names a specific entry becomes an error row for it.
fn error_entry(err: &ignore::Error, filter: &Filter) -> Option<Entry> {
    match err {
        ignore::Error::WithDepth { err, .. } => error_entry(err, filter),
        ignore::Error::Loop { child, .. } => Some(Entry {
            path: child.clone(),
            stat: std::fs::symlink_metadata(child)
                .ok()
                .map(|m| FileStat::from_metadata(&m)),
            error: Some("symbolic link loop".into()),
        }),
        ignore::Error::WithPath { path, err } => {
            // Unreadable directories are warnings; only name-level failures become rows.
            if path.is_dir() || !filter.has_extension(path) {
                return None;
            }
            Some(Entry {
                path: path.clone(),
                stat: std::fs::symlink_metadata(path)
                    .ok()
                    .map(|m| FileStat::from_metadata(&m)),
                error: Some(walk_error_text(err)),
            })
        }
        _ => None,
    }
}
