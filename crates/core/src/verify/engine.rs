//! The `verify` engine: select the catalogued files due a check at the
//! asked level, check them in the pool's [`Worker::Verify`] processes
//! (deadlines, crash isolation, retries of the innocent) and store each
//! verdict as it arrives. The verb parses its options, takes the lock and
//! prints the [`Summary`].
//!
//! Invariants: every selected file ends with a `health` row whose status says
//! how its check ran (a worker crash or hang blames only the file that caused
//! it: `crashed` files are `unreadable`, a `timeout` has no verdict); an
//! interrupted run keeps what it stored and the next one resumes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rusqlite::Connection;
use serde::Serialize;

use super::{Health, HealthDoc, Level, class};
use crate::catalog::files::Status;
use crate::catalog::health::{self, Candidate, Outcome};
use crate::pool::{self, Request, Worker};
use crate::ui::Ui;
use crate::util;

/// What to check and how.
pub struct Options<'a> {
    /// Only files under these paths (or these files); empty: all.
    pub paths: &'a [PathBuf],
    pub level: Level,
    /// Every selected file again, checked or not.
    pub force: bool,
    /// Files checked at once.
    pub jobs: usize,
    /// How long one file may take.
    pub timeout: Duration,
    /// Set by a signal: stop feeding workers, keep what is stored.
    pub stop: &'a AtomicBool,
}

/// A damaged or unreadable file found by this run.
#[derive(Debug, Serialize)]
pub struct Finding {
    pub path: String,
    pub health: Health,
    pub class: Option<String>,
    pub first_error_s: Option<f64>,
    pub errors: u64,
    pub detail: Option<String>,
}

/// One run's figures, as `--json` prints them (the keys in this order).
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub level: Option<Level>,
    pub selected: u64,
    pub checked: u64,
    pub unchanged: u64,
    pub clean: u64,
    pub damaged: u64,
    pub unreadable: u64,
    /// Unchanged files an earlier run found damaged or unreadable.
    pub known_damaged: u64,
    /// Checks that could not reach a verdict (timeout, a file changing).
    pub failed: u64,
    pub status: BTreeMap<String, u64>,
    pub bytes: u64,
    pub seconds: f64,
    pub files_per_s: f64,
    pub interrupted: bool,
    pub outside_kills: u32,
    /// This run's damaged and unreadable files, by path.
    pub found: Vec<Finding>,
}

/// Select, check and store.
pub fn run(conn: &mut Connection, opts: &Options, ui: &Ui) -> anyhow::Result<Summary> {
    let mut s = Summary {
        level: Some(opts.level),
        ..Summary::default()
    };
    let under = util::Under::new(opts.paths);
    let mut todo: Vec<Candidate> = Vec::new();
    for c in health::candidates(conn, &util::host_name())?
        .into_iter()
        .filter(|c| under.holds(&c.path_bytes))
    {
        s.selected += 1;
        if opts.force || c.is_due(opts.level) {
            s.bytes += c.stat.size;
            todo.push(c);
        } else {
            s.unchanged += 1;
            if matches!(c.health.as_deref(), Some("damaged" | "unreadable")) {
                s.known_damaged += 1;
            }
        }
    }
    let started = Instant::now();
    check(conn, &todo, opts, ui, &mut s)?;
    s.seconds = started.elapsed().as_secs_f64();
    s.files_per_s = if s.seconds > 0.0 {
        s.checked as f64 / s.seconds
    } else {
        0.0
    };
    s.interrupted = opts.stop.load(Ordering::Relaxed);
    s.found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(s)
}

/// Check `todo` in the pool, storing each verdict as it comes.
fn check(
    conn: &mut Connection,
    todo: &[Candidate],
    opts: &Options,
    ui: &Ui,
    s: &mut Summary,
) -> anyhow::Result<()> {
    if todo.is_empty() {
        return Ok(());
    }
    let work: Vec<Request<i64>> = todo
        .iter()
        .map(|c| Request::catalogued(&c.path_bytes, c.stat, c.id).noted(c.known.clone()))
        .collect();
    let settings = pool::Settings::new(opts.jobs, opts.timeout, opts.stop);
    let progress = ui.progress();
    let result = pool::run_shown(
        Worker::Verify(opts.level),
        &work,
        settings,
        &*progress,
        "checking",
        |job, done| {
            let doc = verdict(&done)?;
            *s.status.entry(done.status.to_string()).or_default() += 1;
            s.checked += 1;
            match doc.health {
                Some(Health::Clean) => s.clean += 1,
                Some(Health::Damaged) => s.damaged += 1,
                Some(Health::Unreadable) => s.unreadable += 1,
                None => s.failed += 1,
            }
            if let Some(h @ (Health::Damaged | Health::Unreadable)) = doc.health {
                s.found.push(Finding {
                    path: util::display_path(&job.path),
                    health: h,
                    class: doc.class.clone(),
                    first_error_s: doc.first_error_s,
                    errors: doc.errors,
                    detail: done.error.clone().or_else(|| doc.detail.clone()),
                });
            }
            let o = Outcome {
                level: opts.level,
                status: done.status,
                error: done.error.as_deref(),
                stat: done.stat.unwrap_or(job.stat),
                doc: &doc,
                ms: Some(done.ms),
            };
            health::store(conn, job.payload, &o)?;
            Ok(())
        },
    );
    s.outside_kills = result?.outside_kills;
    Ok(())
}

/// The verdict an answer carries: the worker's own, or, for a check that
/// crashed its worker, `unreadable` (a file that kills the decoders plays
/// nowhere); a check cut short, or of streams GStreamer cannot read
/// (`unsupported`), has none.
fn verdict(done: &pool::Answer) -> anyhow::Result<HealthDoc> {
    Ok(match done.status {
        Status::Ok => {
            serde_json::from_str(done.doc.get()).context("verify worker sent a bad document")?
        }
        Status::Crashed | Status::Error if !done.from_outside => HealthDoc {
            health: Some(Health::Unreadable),
            class: Some(class::UNREADABLE.into()),
            errors: 1,
            detail: done.error.clone(),
            ..HealthDoc::default()
        },
        _ => HealthDoc::default(),
    })
}
