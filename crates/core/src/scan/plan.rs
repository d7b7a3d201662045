//! The first stage of a scan: walk every root and diff what it finds against
//! the catalog into a [`Plan`]: the paths to probe, the rows unchanged, the
//! rows gone missing, the paths the walk could not look at, the roots left
//! alone. Nothing is written here.
//!
//! Invariant: a root that cannot prove its files gone (absent, empty, on
//! another device: see [`super::roots`]) adds no missing rows and no jobs,
//! unless `--prune`; a directory the walk could not read keeps its rows.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::classify::{Decision, Reason, Rules, Seen, classify};
use super::tally::Tally;
use super::{Job, ScanOptions, Target, roots, walk};
use crate::catalog::Catalog;
use crate::catalog::files::{self, FileRecord, FileStat, PriorRow, Status};
use crate::pool::Request;
use crate::util;

/// What the walk and the diff decided, before anything is written.
#[derive(Default)]
pub struct Plan {
    /// Paths to probe.
    pub jobs: Vec<Job>,
    /// Rows whose files are unchanged: marked seen.
    pub unchanged: Vec<i64>,
    /// Rows whose files were not found under a root walked completely.
    pub missing: Vec<i64>,
    /// Rows whose files were found at new paths (see [`match_moves`]).
    pub moves: Vec<files::Moved>,
    /// The stat of each row gone missing, to find it at a new path.
    gone: std::collections::HashMap<StatKey, i64>,
    /// Paths the walk could not look at: stored as errors, without a probe.
    pub walk_errors: Vec<FileRecord>,
    /// Roots walked (and so recorded with their device).
    pub walked_roots: Vec<(String, u64)>,
    /// Roots left alone: absent, empty, unreadable or on another device.
    pub offline: Vec<roots::Offline>,
    /// Directories that could not be read; the files under them kept their state.
    pub unreadable: Vec<walk::Unreadable>,
    pub warnings: Vec<String>,
    pub skipped_links: u64,
    pub duplicate_links: u64,
    /// The counts so far: seen, unchanged, planned, missing.
    pub tally: Tally,
    /// Ctrl-C by the end of the walk: the plan is partial, none of it is
    /// probed and only its unreadable paths are written.
    pub interrupted: bool,
}

/// Where a plan is made: the catalog it diffs against and the walk's settings.
pub struct Planning<'a> {
    pub cat: &'a Catalog,
    pub db: &'a Path,
    pub host: &'a str,
    pub filter: &'a walk::Filter,
    pub opts: &'a ScanOptions,
    pub stop: &'a AtomicBool,
}

/// Walk every root and diff it against the catalog.
pub fn plan(given: &[roots::Root], p: &Planning<'_>) -> anyhow::Result<Plan> {
    let mut plan = Plan::default();
    for given_root in given {
        match given_root {
            roots::Root::Present { path, dev } => {
                if !p.root(&mut plan, path, *dev)? {
                    break;
                }
            }
            roots::Root::Absent { path, error } => p.absent(&mut plan, path, error)?,
        }
    }
    match_moves(&mut plan, p.cat)?;
    plan.tally.counts.missing = plan.missing.len() as u64;
    plan.interrupted = p.stop.load(Ordering::Relaxed);
    Ok(plan)
}

/// What identifies a file on a file system whatever its name: device,
/// inode, size and mtime.
type StatKey = (u64, u64, u64, i64);

fn key(stat: &FileStat) -> Option<StatKey> {
    (stat.ino != 0).then_some((stat.dev, stat.ino, stat.size, stat.mtime_ns))
}

/// A new path whose file has the device, inode, size and mtime of a row gone
/// missing under the roots of this scan is that file, moved or renamed; so is
/// one whose size and sampled hash are those of such a row (a move to
/// another file system). The row moves to the new path (keeping its id, first
/// sighting, document and everything keyed to it) and the file is not probed.
fn match_moves(plan: &mut Plan, cat: &Catalog) -> anyhow::Result<()> {
    if plan.gone.is_empty() {
        return Ok(());
    }
    let mut left = Vec::new();
    for job in std::mem::take(&mut plan.jobs) {
        let id = (job.payload.reason == Reason::New)
            .then(|| key(&job.stat).and_then(|k| plan.gone.remove(&k)))
            .flatten();
        match id {
            Some(id) => plan.moved(id, &job, None),
            None => left.push(job),
        }
    }
    plan.jobs = match_across_file_systems(plan, left, cat)?;
    let moved: std::collections::HashSet<i64> = plan.moves.iter().map(|m| m.id).collect();
    plan.missing.retain(|id| !moved.contains(id));
    Ok(())
}

/// The second look, for what is left: only a new file whose size is that of
/// a row still gone is hashed (never every file), and compared with the hash
/// stored when that row's file was probed. Returns the jobs still to probe.
fn match_across_file_systems(
    plan: &mut Plan,
    jobs: Vec<Job>,
    cat: &Catalog,
) -> anyhow::Result<Vec<Job>> {
    // An empty file has no identity of its own: every empty file hashes alike.
    let sizes: std::collections::HashSet<u64> = plan
        .gone
        .keys()
        .map(|k| k.2)
        .filter(|&size| size > 0)
        .collect();
    let candidate = |job: &Job| job.payload.reason == Reason::New && sizes.contains(&job.stat.size);
    if !jobs.iter().any(candidate) {
        return Ok(jobs);
    }
    let ids: Vec<i64> = plan
        .gone
        .iter()
        .filter(|(k, _)| sizes.contains(&k.2))
        .map(|(_, id)| *id)
        .collect();
    let mut by_hash: std::collections::HashMap<String, Vec<i64>> = Default::default();
    for (id, hash) in files::sampled_of(&cat.conn, &ids)? {
        by_hash.entry(hash).or_default().push(id);
    }
    let mut left = Vec::new();
    for job in jobs {
        let hash = candidate(&job)
            .then(|| std::fs::File::open(&job.path).ok())
            .flatten()
            .and_then(|f| crate::sampled::sampled_hash_of(&f, job.stat.size).ok());
        let id = hash
            .as_ref()
            .and_then(|h| by_hash.get_mut(h))
            .and_then(|ids| ids.pop());
        match id {
            Some(id) => plan.moved(id, &job, hash),
            None => left.push(job),
        }
    }
    Ok(left)
}

impl Plan {
    /// Row `id` was found at `job`'s path: a move, not a new file.
    fn moved(&mut self, id: i64, job: &Job, sampled: Option<String>) {
        self.tally.moved();
        self.moves.push(files::Moved {
            id,
            path_bytes: util::path_bytes(&job.path).to_vec(),
            root: job.payload.root.clone(),
            stat: job.stat,
            sampled,
        });
    }
}

impl Planning<'_> {
    /// Live rows the catalog holds under a root, as this scan would see them.
    fn live(&self, known: &files::KnownMap) -> u64 {
        known
            .iter()
            .filter(|(p, k)| {
                k.status != Status::Missing && self.filter.accepts(&util::path_from_bytes(p))
            })
            .count() as u64
    }

    /// A root that cannot be reached: named offline; with `--prune` its rows
    /// are marked missing.
    fn absent(&self, plan: &mut Plan, root: &Path, error: &str) -> anyhow::Result<()> {
        let known = files::known_under(&self.cat.conn, self.host, util::path_bytes(root))?;
        let catalogued = self.live(&known);
        let pruned = self.opts.prune && catalogued > 0;
        if pruned {
            plan.missing
                .extend(known_missing(&known, self.filter, None).map(|r| r.id));
        }
        plan.offline.push(roots::Offline {
            root: util::display_path(root),
            reason: error.to_string(),
            catalogued,
            pruned,
        });
        Ok(())
    }

    /// Walk a present root and diff it. False when the walk was interrupted.
    fn root(&self, plan: &mut Plan, root: &Path, dev: u64) -> anyhow::Result<bool> {
        let root_text = util::display_path(root);
        // Read what the catalog knows while the walk runs: both take a fraction of
        // a second on a large library, and a rescan is little else.
        let (known, mut walked) = std::thread::scope(|s| {
            let reader = s.spawn(|| {
                Catalog::open_readonly(self.db)
                    .and_then(|c| files::known_under(&c.conn, self.host, util::path_bytes(root)))
            });
            let walked = walk::walk(
                root,
                self.filter,
                self.opts.follow_links,
                self.opts.jobs.max(2),
                self.stop,
            );
            (reader.join().expect("catalog reader thread"), walked)
        });
        let mut known = known?;
        if self.stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let recorded = crate::catalog::roots::recorded_dev(&self.cat.conn, self.host, &root_text)?;
        let live = self.live(&known);
        if let Some(reason) = roots::offline_reason(&walked, live, recorded, dev) {
            plan.offline.push(roots::Offline {
                root: root_text.clone(),
                reason,
                catalogued: live,
                pruned: self.opts.prune,
            });
            if !self.opts.prune {
                // Nothing found there is stored either: it may be another disk.
                return Ok(true);
            }
        }
        plan.walked_roots.push((root_text.clone(), dev));
        plan.skipped_links += walked.skipped_links;
        plan.duplicate_links += walked.duplicates;
        plan.warnings.extend(walked.warnings.iter().cloned());
        let rules = Rules {
            force: self.opts.force,
            retry_failed: self.opts.retry_failed,
        };
        for entry in std::mem::take(&mut walked.entries) {
            let prior: Option<PriorRow> = known.get_mut(util::path_bytes(&entry.path)).map(|k| {
                k.seen = true;
                *k
            });
            diff(plan, entry, prior, rules, &root_text);
        }
        for row in known_missing(&known, self.filter, Some(&walked)) {
            plan.missing.push(row.id);
            if let Some(k) = row.stat.as_ref().and_then(key) {
                plan.gone.insert(k, row.id);
            }
        }
        plan.unreadable.extend(walked.unreadable);
        Ok(true)
    }
}

/// Put one walked entry where it belongs in the plan.
fn diff(plan: &mut Plan, entry: walk::Entry, prior: Option<PriorRow>, rules: Rules, root: &str) {
    plan.tally.seen();
    let seen = match (&entry.error, entry.stat) {
        (None, Some(stat)) => Seen::Stat(stat),
        (_, stat) => Seen::Unreadable(stat),
    };
    match classify(prior, seen, rules) {
        Decision::Unchanged { id } => {
            plan.tally.unchanged();
            plan.unchanged.push(id);
        }
        Decision::Unreadable { reason } => {
            plan.tally.unreadable(reason);
            plan.walk_errors.push(FileRecord {
                path_bytes: util::path_bytes(&entry.path).to_vec(),
                root: root.to_string(),
                stat: entry.stat,
                status: Status::Error,
                error: entry.error,
                doc: "{}".into(),
                probe_ms: None,
                crashes: 0,
                sampled: None,
            });
        }
        Decision::Probe {
            reason,
            prior_crashes,
        } => {
            plan.tally.planned(reason);
            plan.jobs.push(Request {
                path: entry.path,
                stat: entry.stat.expect("probed entries have a stat"),
                note: None,
                payload: Target {
                    root: root.to_string(),
                    reason,
                    prior_crashes,
                },
            });
        }
    }
}

/// Rows under a root that this walk did not find: every live accepted row not
/// seen, except those under a directory the walk could not read (`None`: the
/// root was not walked at all, so every live row).
fn known_missing<'k>(
    known: &'k files::KnownMap,
    filter: &'k walk::Filter,
    walked: Option<&'k walk::Walked>,
) -> impl Iterator<Item = &'k PriorRow> + 'k {
    known.iter().filter_map(move |(path, k)| {
        let gone = k.status != Status::Missing
            && !k.seen
            && filter.accepts(&util::path_from_bytes(path))
            && !walked.is_some_and(|w| w.under_unreadable(path));
        gone.then_some(k)
    })
}
