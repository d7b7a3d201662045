//! `scan`: walk the roots, diff against the catalog, probe what is new or changed
//! in worker processes, and store the outcome through the single writer.
//!
//! Invariants: every candidate path ends as exactly one row (one per host and
//! path bytes); a path whose probe hangs past its deadline or kills its worker is
//! stored as `timeout`/`crashed` and the innocent paths that were in flight with
//! it are probed again; nothing is deleted, vanished files become `missing`,
//! but only files under a root (and directory) that was walked completely: an
//! offline root or an unreadable directory leaves its rows as they were (see
//! [`roots`]); the parent process is the only writer.

pub mod classify;
pub mod death;
pub mod document;
pub mod error;
pub mod protocol;
pub mod roots;
pub mod supervisor;
pub mod walk;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::catalog::files::{self, FileRecord, FileStat, PriorRow, ScanCounts, Status};
use crate::catalog::writer::{WriteOp, Writer};
use crate::catalog::{Catalog, CatalogError};
use crate::progress::Progress;
use crate::util;
use classify::{Decision, Rules, Seen, classify};
pub use error::ScanError;

/// What a probe run calls with each job's answer, in completion order.
pub type OnAnswer<'a> = &'a mut dyn FnMut(&Job, protocol::Answer) -> anyhow::Result<()>;

/// Probing `jobs` in this process, `parallel` at a time, until done or `stop`:
/// the media crate's in-process prober, the one way a scan reaches GStreamer
/// without a worker process.
pub type InProcess = fn(
    jobs: &[Job],
    parallel: usize,
    timeout: Duration,
    stop: &AtomicBool,
    on_answer: OnAnswer<'_>,
) -> anyhow::Result<()>;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub roots: Vec<PathBuf>,
    pub jobs: usize,
    pub timeout: Duration,
    pub excludes: Vec<String>,
    pub extensions: Vec<String>,
    pub force: bool,
    pub retry_failed: bool,
    pub follow_links: bool,
    /// Walk hidden directories and NAS/desktop junk (`walk::JUNK_DIRS`) too.
    pub hidden: bool,
    /// Probe in this process instead of worker processes (no isolation; for
    /// measuring what isolation costs). Only `mediadex-media` has one to give.
    pub in_process: Option<InProcess>,
    /// Mark files missing under offline roots too.
    pub prune: bool,
}

/// The outcome of one scan run, printed by `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct ScanSummary {
    pub scan_id: i64,
    pub host: String,
    pub roots: Vec<String>,
    #[serde(flatten)]
    pub counts: ScanCounts,
    /// Outcomes of the files probed in this run, by status.
    pub probed_status: HashMap<String, u64>,
    pub unstable: u64,
    pub skipped_links: u64,
    pub duplicate_links: u64,
    pub warnings: Vec<String>,
    /// Roots left alone: absent, empty, unreadable or on another device.
    pub offline: Vec<roots::Offline>,
    /// Directories that could not be read; the files under them kept their state.
    pub unreadable: Vec<walk::Unreadable>,
    pub elapsed_s: f64,
    pub files_per_s: f64,
    pub interrupted: bool,
}

/// One path to probe.
#[derive(Debug, Clone)]
pub struct Job {
    pub path: PathBuf,
    pub root: String,
    pub stat: FileStat,
    pub is_new: bool,
    /// The file's [`PriorRow::crashes`] when it is unchanged since then, else 0.
    pub prior_crashes: u32,
    /// Unchanged, probed again because of `--force`.
    pub forced: bool,
}

/// Run a scan into the catalog at `db`. `stop` is raised by Ctrl-C / SIGTERM.
pub fn run(
    db: &std::path::Path,
    opts: &ScanOptions,
    progress: &dyn Progress,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<ScanSummary> {
    let started = Instant::now();
    let host = util::host_name();
    let given: Vec<roots::Root> = opts.roots.iter().map(|r| roots::Root::resolve(r)).collect();
    let roots: Vec<PathBuf> = given.iter().map(|r| r.path().to_path_buf()).collect();
    let filter =
        walk::Filter::new(&roots, &opts.extensions, &opts.excludes)?.with_hidden(opts.hidden);
    let mut cat = Catalog::open(db).map_err(|e| write_error(e, None, db))?;
    let roots_json = serde_json::to_string(
        &roots
            .iter()
            .map(|r| util::display_path(r))
            .collect::<Vec<_>>(),
    )?;
    let scan_id = files::scan_start(&mut cat.conn, &host, &roots_json)
        .map_err(|e| write_error(e, None, db))?;
    let writer =
        Writer::spawn(db, host.clone(), Some(scan_id)).map_err(|e| write_error(e, None, db))?;

    let mut counts = ScanCounts::default();
    let mut summary_warnings = Vec::new();
    let mut skipped_links = 0;
    let mut duplicate_links = 0;
    let mut jobs: Vec<Job> = Vec::new();
    let mut unchanged_ids: Vec<i64> = Vec::new();
    let mut missing_ids: Vec<i64> = Vec::new();
    // Paths the walk could not look at: stored as errors, without a probe.
    let mut walk_errors: Vec<FileRecord> = Vec::new();
    let rules = Rules {
        force: opts.force,
        retry_failed: opts.retry_failed,
    };
    let mut offline: Vec<roots::Offline> = Vec::new();
    let mut unreadable: Vec<walk::Unreadable> = Vec::new();
    let mut walked_roots: Vec<(String, u64)> = Vec::new();
    // Live rows the catalog holds under a root, as this scan would see them.
    let live = |known: &files::KnownMap| {
        known
            .iter()
            .filter(|(p, k)| {
                k.status != Status::Missing && filter.accepts(&util::path_from_bytes(p))
            })
            .count() as u64
    };

    progress.set_message("walking");
    for given_root in &given {
        let root = given_root.path();
        let root_text = util::display_path(root);
        let dev = match given_root {
            roots::Root::Present { dev, .. } => *dev,
            roots::Root::Absent { error, .. } => {
                let known = files::known_under(&cat.conn, &host, util::path_bytes(root))?;
                let catalogued = live(&known);
                let pruned = opts.prune && catalogued > 0;
                if pruned {
                    missing_ids.extend(known_missing(&known, &filter, None));
                }
                offline.push(roots::Offline {
                    root: root_text,
                    reason: error.clone(),
                    catalogued,
                    pruned,
                });
                continue;
            }
        };
        // Read what the catalog knows while the walk runs: both take a fraction of
        // a second on a large library, and a rescan is little else.
        let (known, mut walked) = std::thread::scope(|s| {
            let reader = s.spawn(|| {
                Catalog::open_readonly(db)
                    .and_then(|c| files::known_under(&c.conn, &host, util::path_bytes(root)))
            });
            let walked = walk::walk(root, &filter, opts.follow_links, opts.jobs.max(2), &stop);
            (reader.join().expect("catalog reader thread"), walked)
        });
        let mut known = known?;
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let recorded = crate::catalog::roots::recorded_dev(&cat.conn, &host, &root_text)?;
        if let Some(reason) = roots::offline_reason(&walked, live(&known), recorded, dev) {
            offline.push(roots::Offline {
                root: root_text.clone(),
                reason,
                catalogued: live(&known),
                pruned: opts.prune,
            });
            if !opts.prune {
                // Nothing found there is stored either: it may be another disk.
                continue;
            }
        }
        walked_roots.push((root_text.clone(), dev));
        skipped_links += walked.skipped_links;
        duplicate_links += walked.duplicates;
        summary_warnings.extend(walked.warnings.iter().cloned());
        for entry in std::mem::take(&mut walked.entries) {
            counts.seen += 1;
            let prior: Option<PriorRow> = known.get_mut(util::path_bytes(&entry.path)).map(|k| {
                k.seen = true;
                *k
            });
            let seen = match (&entry.error, entry.stat) {
                (None, Some(stat)) => Seen::Stat(stat),
                (_, stat) => Seen::Unreadable(stat),
            };
            let (is_new, forced, prior_crashes) = match classify(prior, seen, rules) {
                Decision::Unchanged { id } => {
                    counts.unchanged += 1;
                    unchanged_ids.push(id);
                    continue;
                }
                Decision::Unreadable { is_new } => {
                    if is_new {
                        counts.new += 1
                    } else {
                        counts.changed += 1
                    }
                    counts.failed += 1;
                    walk_errors.push(FileRecord {
                        path_bytes: util::path_bytes(&entry.path).to_vec(),
                        root: root_text.clone(),
                        stat: entry.stat,
                        status: Status::Error,
                        error: entry.error,
                        doc: "{}".into(),
                        probe_ms: None,
                        crashes: 0,
                    });
                    continue;
                }
                Decision::Probe {
                    is_new,
                    forced,
                    prior_crashes,
                } => (is_new, forced, prior_crashes),
            };
            let stat = entry.stat.expect("probed entries have a stat");
            if is_new {
                counts.new += 1
            } else if forced {
                counts.reprobed += 1
            } else {
                counts.changed += 1
            }
            jobs.push(Job {
                path: entry.path,
                root: root_text.clone(),
                stat,
                is_new,
                prior_crashes,
                forced,
            });
        }
        missing_ids.extend(known_missing(&known, &filter, Some(&walked)));
        unreadable.extend(walked.unreadable);
    }
    drop(cat);
    counts.missing = missing_ids.len() as u64;

    let send = |op: WriteOp| -> anyhow::Result<()> {
        if writer.send(op) {
            Ok(())
        } else {
            Err(ScanError::WriterStopped.into())
        }
    };
    let interrupted_walk = stop.load(Ordering::Relaxed);
    if !interrupted_walk {
        for chunk in unchanged_ids.chunks(20_000) {
            send(WriteOp::Seen(chunk.to_vec()))?;
        }
        for chunk in missing_ids.chunks(20_000) {
            send(WriteOp::Missing(chunk.to_vec()))?;
        }
        for (path, dev) in walked_roots {
            send(WriteOp::Root { path, dev })?;
        }
    }
    for rec in walk_errors {
        send(WriteOp::File(Box::new(rec)))?;
    }

    let mut probed_status: HashMap<String, u64> = HashMap::new();
    let mut unstable = 0;
    let mut sup_error = None;
    // Probed and stored this run: new, changed, probed again.
    let mut stored = [0u64; 3];
    if !jobs.is_empty() && !interrupted_walk {
        progress.start(jobs.len() as u64, "probing");
        let mut on_done = |job: &Job, outcome: protocol::Answer| {
            progress.inc(1);
            stored[usize::from(!job.is_new) + usize::from(job.forced)] += 1;
            *probed_status.entry(outcome.status.to_string()).or_default() += 1;
            counts.probed += 1;
            match outcome.status {
                s if s.is_failure() => counts.failed += 1,
                Status::Unstable => unstable += 1,
                _ => {}
            }
            let crashes = match outcome.status {
                Status::Crashed if outcome.from_outside => job.prior_crashes,
                Status::Crashed => job.prior_crashes + 1,
                _ => 0,
            };
            let rec = FileRecord {
                path_bytes: util::path_bytes(&job.path).to_vec(),
                root: job.root.clone(),
                stat: outcome.stat.or(Some(job.stat)),
                status: outcome.status,
                error: outcome.error,
                doc: outcome.doc.get().to_string(),
                probe_ms: Some(outcome.ms),
                crashes,
            };
            send(WriteOp::File(Box::new(rec)))
        };
        let result = match opts.in_process {
            Some(probe_all) => probe_all(&jobs, opts.jobs, opts.timeout, &stop, &mut on_done)
                .map(|()| supervisor::Report::default()),
            None => supervisor::probe_all(&jobs, opts.jobs, opts.timeout, &stop, &mut on_done),
        };
        progress.finish();
        match result {
            Ok(report) => summary_warnings.extend(outside_warning(&report)),
            Err(e) => sup_error = Some(e),
        }
    }
    let interrupted = stop.load(Ordering::Relaxed);
    if interrupted {
        // Count what was stored, not what the walk planned: files the scan did
        // not reach are left for the next one, as they were.
        let planned = |forced: bool, new: bool| {
            jobs.iter()
                .filter(|j| j.forced == forced && j.is_new == new)
                .count() as u64
        };
        counts.new -= planned(false, true) - stored[0];
        counts.changed -= planned(false, false) - stored[1];
        counts.reprobed -= planned(true, false) - stored[2];
    }
    let elapsed = started.elapsed().as_secs_f64();
    let status = if sup_error.is_some() {
        "failed"
    } else if interrupted {
        "interrupted"
    } else {
        "complete"
    };
    let _ = writer.send(WriteOp::FinishScan {
        status,
        counts: counts.clone(),
        elapsed_s: elapsed,
        offline: roots::json(&offline),
        unreadable: roots::json(&unreadable),
        error: sup_error.as_ref().map(|e| format!("{e:#}")),
    });
    if let Err(stopped) = writer.finish() {
        return Err(write_error(stopped.error, stopped.scan_marked, db));
    }
    if let Some(e) = sup_error {
        return Err(e);
    }
    Ok(ScanSummary {
        scan_id,
        host,
        roots: roots.iter().map(|r| util::display_path(r)).collect(),
        files_per_s: if elapsed > 0.0 {
            counts.probed as f64 / elapsed
        } else {
            0.0
        },
        counts,
        probed_status,
        unstable,
        skipped_links,
        duplicate_links,
        warnings: summary_warnings,
        offline,
        unreadable,
        elapsed_s: elapsed,
        interrupted,
    })
}

/// Rows under a root that this walk did not find: every live accepted row not
/// seen, except those under a directory the walk could not read (`None`: the
/// root was not walked at all, so every live row).
fn known_missing<'k>(
    known: &'k files::KnownMap,
    filter: &'k walk::Filter,
    walked: Option<&'k walk::Walked>,
) -> impl Iterator<Item = i64> + 'k {
    known.iter().filter_map(move |(path, k)| {
        let gone = k.status != Status::Missing
            && !k.seen
            && filter.accepts(&util::path_from_bytes(path))
            && !walked.is_some_and(|w| w.under_unreadable(path));
        gone.then_some(k.id)
    })
}

impl ScanSummary {
    /// Some input could not be looked at: an offline root left alone, or an
    /// unreadable directory.
    pub fn incomplete(&self) -> bool {
        self.offline.iter().any(|o| !o.pruned) || !self.unreadable.is_empty()
    }
}

/// What a user needs to hear when probe workers were killed from outside: that
/// it happened, that no file was blamed, and what became of the files.
fn outside_warning(r: &supervisor::Report) -> Option<String> {
    (r.outside_kills > 0).then(|| {
        let mut w = format!(
            "probe workers were killed from outside {} time(s) (by a signal, with memory far below the limit: a watchdog, the OOM killer acting for another process, or a kill); no file was blamed and their files were probed again",
            r.outside_kills
        );
        if r.given_up > 0 {
            w.push_str(&format!(
                ", except {} whose worker was killed {} times while probing it alone: stored as `crashed` (killed from outside), not the file's fault, probed again on the next scan",
                r.given_up,
                supervisor::MAX_OUTSIDE_ALONE
            ));
        }
        w
    })
}

/// The one message for a scan whose catalog writes failed: the cause once (the
/// error's own text, not its chain of sources, which repeats it), what became
/// of the scan's row (`marked`, when there was one), and what to do.
fn write_error(
    error: CatalogError,
    marked: Option<Result<(), String>>,
    db: &std::path::Path,
) -> anyhow::Error {
    let CatalogError::Sql(sql) = &error else {
        return error.into();
    };
    let text = match sql {
        rusqlite::Error::SqliteFailure(e, Some(msg)) if e.extended_code > 0xff => {
            format!("{msg} (SQLite error {})", e.extended_code)
        }
        other => other.to_string(),
    };
    let marked = match marked {
        Some(Ok(())) => "; the scan is marked failed in the catalog".to_string(),
        Some(Err(e)) => format!(
            "; marking the scan failed did not work either ({e}), so the next scan marks it interrupted"
        ),
        None => String::new(),
    };
    let out_of_space = matches!(
        sql.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure)
    );
    let advice = if out_of_space {
        "; free some space and run the scan again (it resumes where it stopped)"
    } else {
        ""
    };
    anyhow::anyhow!(
        "could not write catalog {}: {text}{marked}{advice}",
        db.display()
    )
}
