//! `scan`: walk the roots, diff against the catalog, probe what is new or changed
//! in worker processes, and store the outcome through the single writer.
//!
//! A scan runs in three stages: [`plan::plan`] walks and diffs into a
//! [`plan::Plan`] (nothing written yet), [`probe`] writes the plan and probes
//! its jobs through the [`crate::pool`] into a [`tally::Tally`], and [`finish`]
//! closes the scan row and makes the [`ScanSummary`].
//!
//! Invariants: every candidate path ends as exactly one row (one per host and
//! path bytes); a path whose probe hangs past its deadline or kills its worker is
//! stored as `timeout`/`crashed` and the innocent paths that were in flight with
//! it are probed again; nothing is deleted, vanished files become `missing`,
//! but only files under a root (and directory) that was walked completely: an
//! offline root or an unreadable directory leaves its rows as they were (see
//! [`roots`]); the parent process is the only writer.
pub mod classify;
pub mod document;
pub mod error;
pub mod plan;
pub mod protocol;
pub mod roots;
pub mod tally;
pub mod walk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::catalog::damage::{self, Check};
use crate::catalog::files::{self, FileRecord, ScanCounts, Status};
use crate::catalog::writer::{WriteOp, Writer};
use crate::catalog::{Catalog, CatalogError};
use crate::pool::{self, Answer, Casualties, Request, Worker};
use crate::progress::Progress;
use crate::util;
pub use classify::Reason;
pub use error::ScanError;
use plan::{Plan, Planning};
use tally::Tally;

/// What a probe run calls with each job's answer, in completion order.
pub type OnAnswer<'a> = &'a mut dyn FnMut(&Job, Answer) -> anyhow::Result<()>;

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
    /// Outcomes of the files probed in this run, by status (in name order).
    pub probed_status: BTreeMap<String, u64>,
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

/// What the scan keeps beside a path it probes.
#[derive(Debug, Clone)]
pub struct Target {
    pub root: String,
    pub reason: Reason,
    /// The file's [`files::PriorRow::crashes`] when it is unchanged since then, else 0.
    pub prior_crashes: u32,
}

/// One path to probe.
pub type Job = Request<Target>;

/// The scan being run: its row, and what its stages share.
struct Scan<'a> {
    db: &'a Path,
    host: String,
    scan_id: i64,
    roots: Vec<PathBuf>,
    started: Instant,
    writer: Writer,
}

impl Scan<'_> {
    fn send(&self, op: WriteOp) -> anyhow::Result<()> {
        if self.writer.send(op) {
            Ok(())
        } else {
            Err(ScanError::WriterStopped.into())
        }
    }
}

/// Run a scan into the catalog at `db`. `stop` is raised by Ctrl-C / SIGTERM.
pub fn run(
    db: &Path,
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
    progress.set_message("walking");
    let plan = plan::plan(
        &given,
        &Planning {
            cat: &cat,
            db,
            host: &host,
            filter: &filter,
            opts,
            stop: &stop,
        },
    )?;
    drop(cat);
    let scan = Scan {
        db,
        host,
        scan_id,
        roots,
        started,
        writer,
    };
    // A writer that stopped on the plan's writes says why from `finish`.
    let (tally, error) = match write_plan(&scan, &plan) {
        Ok(()) => probe(&scan, &plan, opts, progress, &stop),
        Err(e) => (plan.tally.clone(), Some(e)),
    };
    finish(scan, plan, tally, error, stop.load(Ordering::Relaxed))
}

/// Store what the plan settled without a probe: rows seen, rows missing, the
/// roots walked (all only when the walk was complete), and unreadable paths.
fn write_plan(scan: &Scan<'_>, plan: &Plan) -> anyhow::Result<()> {
    if !plan.interrupted {
        for chunk in plan.unchanged.chunks(20_000) {
            scan.send(WriteOp::Seen(chunk.to_vec()))?;
        }
        for chunk in plan.missing.chunks(20_000) {
            scan.send(WriteOp::Missing(chunk.to_vec()))?;
        }
        for chunk in plan.moves.chunks(20_000) {
            scan.send(WriteOp::Moved(chunk.to_vec()))?;
        }
        for (path, dev) in &plan.walked_roots {
            scan.send(WriteOp::Root {
                path: path.clone(),
                dev: *dev,
            })?;
        }
    }
    for rec in &plan.walk_errors {
        scan.send(WriteOp::File(Box::new(rec.clone())))?;
    }
    Ok(())
}

/// Probe the plan's jobs (in worker processes, or in this one) and store each
/// answer as it comes. Returns the counts, and the error that stopped the
/// probing, if one did (the scan row still gets closed).
fn probe(
    scan: &Scan<'_>,
    plan: &Plan,
    opts: &ScanOptions,
    progress: &dyn Progress,
    stop: &AtomicBool,
) -> (Tally, Option<anyhow::Error>) {
    let mut tally = plan.tally.clone();
    if plan.jobs.is_empty() || plan.interrupted {
        return (tally, None);
    }
    progress.start(plan.jobs.len() as u64, "probing");
    let mut on_done = |job: &Job, answer: Answer| {
        progress.inc(1);
        tally.answered(job.payload.reason, &answer);
        scan.send(WriteOp::File(Box::new(record(job, answer))))
    };
    let result = match opts.in_process {
        Some(probe_all) => probe_all(&plan.jobs, opts.jobs, opts.timeout, stop, &mut on_done)
            .map(|()| Casualties::default()),
        None => pool::run(
            Worker::Probe,
            &plan.jobs,
            pool::Settings {
                parallel: opts.jobs,
                timeout: opts.timeout,
                stop,
            },
            &mut on_done,
        ),
    };
    progress.finish();
    match result {
        Ok(casualties) => {
            tally.casualties = casualties;
            (tally, None)
        }
        Err(e) => (tally, Some(e)),
    }
}

/// The row a probe's answer becomes.
fn record(job: &Job, answer: Answer) -> FileRecord {
    let t = &job.payload;
    let crashes = match answer.status {
        Status::Crashed if answer.from_outside => t.prior_crashes,
        Status::Crashed => t.prior_crashes + 1,
        _ => 0,
    };
    FileRecord {
        path_bytes: util::path_bytes(&job.path).to_vec(),
        root: t.root.clone(),
        stat: answer.stat.or(Some(job.stat)),
        status: answer.status,
        error: answer.error,
        doc: answer.doc.get().to_string(),
        probe_ms: Some(answer.ms),
        crashes,
        sampled: answer.sampled,
    }
}

/// Close the scan row with its counts and status, wait for the writer, and
/// make the summary.
fn finish(
    scan: Scan<'_>,
    plan: Plan,
    mut tally: Tally,
    error: Option<anyhow::Error>,
    interrupted: bool,
) -> anyhow::Result<ScanSummary> {
    if interrupted {
        // Files the scan did not reach are left for the next one, as they were.
        tally.interrupted();
    }
    let elapsed = scan.started.elapsed().as_secs_f64();
    let status = if error.is_some() {
        "failed"
    } else if interrupted {
        "interrupted"
    } else {
        "complete"
    };
    let _ = scan.writer.send(WriteOp::FinishScan {
        status,
        counts: tally.counts.clone(),
        elapsed_s: elapsed,
        offline: roots::json(&plan.offline),
        unreadable: roots::json(&plan.unreadable),
        error: error.as_ref().map(|e| format!("{e:#}")),
    });
    if let Err(stopped) = scan.writer.finish() {
        return Err(write_error(stopped.error, stopped.scan_marked, scan.db));
    }
    if let Some(e) = error {
        return Err(e);
    }
    let mut warnings = plan.warnings;
    warnings.extend(outside_warning(&tally.casualties));
    Ok(ScanSummary {
        scan_id: scan.scan_id,
        host: scan.host,
        roots: scan.roots.iter().map(|r| util::display_path(r)).collect(),
        files_per_s: if elapsed > 0.0 {
            tally.counts.probed as f64 / elapsed
        } else {
            0.0
        },
        counts: tally.counts,
        probed_status: tally.probed_status,
        unstable: tally.unstable,
        skipped_links: plan.skipped_links,
        duplicate_links: plan.duplicate_links,
        warnings,
        offline: plan.offline,
        unreadable: plan.unreadable,
        elapsed_s: elapsed,
        interrupted,
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
fn outside_warning(r: &Casualties) -> Option<String> {
    (r.outside_kills > 0).then(|| {
        let mut w = format!(
            "probe workers were killed from outside {} time(s) (by a signal, with memory far below the limit: a watchdog, the OOM killer acting for another process, or a kill); no file was blamed and their files were probed again",
            r.outside_kills
        );
        if r.given_up > 0 {
            w.push_str(&format!(
                ", except {} whose worker was killed {} times while probing it alone: stored as `crashed` (killed from outside), not the file's fault, probed again on the next scan",
                r.given_up,
                pool::MAX_OUTSIDE_ALONE
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
    db: &Path,
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
        // A write that fails for another reason may have met a damaged
        // page: SQLite's quick check tells, and then that is the message.
        let verdict = damage::verdict(db, Check::Quick);
        if let Some(cause) =
            damage::damage_of(sql).or_else(|| (!verdict.ok()).then(|| text.clone()))
        {
            return CatalogError::Damaged(Box::new(damage::Damage {
                path: db.to_path_buf(),
                cause: format!("a write failed: {cause}{marked}"),
                verdict,
            }))
            .into();
        }
        ""
    };
    anyhow::anyhow!(
        "could not write catalog {}: {text}{marked}{advice}",
        db.display()
    )
}
