//! The `fingerprint` engine, beside the scan's: select the catalogued videos
//! whose fingerprint is missing or stale, sample and hash their frames in the
//! pool's [`Worker::Fingerprint`] processes (deadlines, crash isolation,
//! retries of the innocent), store each result as it arrives, then match
//! every current fingerprint ([`super::run`]). The verb parses its options,
//! takes the lock and prints the [`Summary`].
//!
//! Invariants: every selected file ends with a `fingerprints` row whose status
//! says what happened (a worker crash or hang blames only the file that
//! caused it); a file is fingerprinted again only when its size, mtime or the
//! recipe version changed, or with `force`; an interrupted run keeps what it
//! stored, skips the matching, and the next run resumes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rusqlite::Connection;
use serde::Serialize;

use super::FpDoc;
use super::matcher::Params;
use crate::catalog::files::Status;
use crate::catalog::fingerprints::{self, Candidate, Outcome};
use crate::pool::{self, Request, Worker};
use crate::ui::Ui;
use crate::util;

/// What to fingerprint and how.
pub struct Options<'a> {
    /// Only files under these paths (or these files); empty: all.
    pub paths: &'a [PathBuf],
    /// Every selected file again, changed or not.
    pub force: bool,
    /// Workers at once.
    pub jobs: usize,
    /// How long one file may take.
    pub timeout: Duration,
    /// Set by a signal: stop feeding workers, keep what is stored.
    pub stop: &'a AtomicBool,
}

/// One run's figures, as `--json` prints them (the keys in this order).
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub selected: u64,
    pub fingerprinted: u64,
    pub unchanged: u64,
    pub skipped_no_video: u64,
    pub failed: u64,
    pub status: BTreeMap<String, u64>,
    pub frames: u64,
    pub files_matched: u64,
    pub stop_frames: u64,
    pub pairs: u64,
    pub groups: u64,
    pub relations: BTreeMap<String, u64>,
    /// Pairs of byte-identical files added beside the frame matches.
    pub identical_pairs: u64,
    /// Files whose frames cannot be matched, by reason.
    pub unmatched: BTreeMap<String, u64>,
    pub fingerprint_s: f64,
    pub match_s: f64,
    pub files_per_s: f64,
    pub interrupted: bool,
    /// Worker deaths judged to be kills from outside (their files were retried).
    pub outside_kills: u32,
}

/// Select, sample, store and match; warnings (a same-size file that could
/// not be read) go to `ui`.
pub fn run(conn: &mut Connection, opts: &Options, ui: &Ui) -> anyhow::Result<Summary> {
    let mut s = Summary::default();
    let todo = select(conn, opts, &mut s)?;
    let started = Instant::now();
    sample(conn, &todo, opts, ui, &mut s)?;
    s.fingerprint_s = started.elapsed().as_secs_f64();
    s.files_per_s = if s.fingerprint_s > 0.0 {
        todo.len() as f64 / s.fingerprint_s
    } else {
        0.0
    };
    s.interrupted = opts.stop.load(Ordering::Relaxed);
    if !s.interrupted {
        let t = Instant::now();
        matching(conn, ui, &mut s)?;
        s.match_s = t.elapsed().as_secs_f64();
    }
    Ok(s)
}

/// The files to sample: this host's `ok` files under the paths that are due
/// (or all of them with `force`); those the catalog knows have no video are
/// stored as `skipped` here.
fn select(
    conn: &mut Connection,
    opts: &Options,
    s: &mut Summary,
) -> anyhow::Result<Vec<Candidate>> {
    let under = util::Under::new(opts.paths);
    let mut todo = Vec::new();
    for c in fingerprints::candidates(conn, &util::host_name())?
        .into_iter()
        .filter(|c| under.holds(&c.path_bytes))
    {
        s.selected += 1;
        if !(opts.force || c.is_due()) {
            s.unchanged += 1;
        } else if c.no_video {
            s.skipped_no_video += 1;
            let o = Outcome {
                status: None,
                error: Some("no video stream"),
                stat: c.stat,
                duration_s: None,
                frames: &[],
                ms: None,
                thumbnail: None,
            };
            fingerprints::store(conn, c.id, &o)?;
        } else {
            todo.push(c);
        }
    }
    Ok(todo)
}

/// Sample `todo` in the pool, storing each answer as it comes.
fn sample(
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
        .map(|c| Request::catalogued(&c.path_bytes, c.stat, c.id))
        .collect();
    let settings = pool::Settings::new(opts.jobs, opts.timeout, opts.stop);
    let progress = ui.progress();
    let result = pool::run_shown(
        Worker::Fingerprint,
        &work,
        settings,
        &*progress,
        "hashing",
        |job, done| {
            let doc: FpDoc = if done.status == Status::Ok {
                serde_json::from_str(done.doc.get())
                    .context("fingerprint worker sent a bad document")?
            } else {
                FpDoc::default()
            };
            *s.status.entry(done.status.to_string()).or_default() += 1;
            if done.status.is_failure() {
                s.failed += 1;
            } else if done.status == Status::Ok {
                s.fingerprinted += 1;
                s.frames += doc.frames.len() as u64;
            }
            let o = Outcome {
                status: Some(done.status),
                error: done.error.as_deref().or(doc.note.as_deref()),
                stat: done.stat.unwrap_or(job.stat),
                duration_s: doc.duration_s,
                frames: &doc.frames,
                ms: Some(done.ms),
                thumbnail: doc.thumbnail.as_ref(),
            };
            fingerprints::store(conn, job.payload, &o)?;
            Ok(())
        },
    );
    s.outside_kills = result?.outside_kills;
    Ok(())
}

/// Match every current fingerprint and count what came of it.
fn matching(conn: &mut Connection, ui: &Ui, s: &mut Summary) -> anyhow::Result<()> {
    let m = super::run::match_all(conn, &util::host_name(), &Params::default())?;
    s.files_matched = m.files as u64;
    s.stop_frames = m.stats.stop_frames as u64;
    s.pairs = m.pairs.len() as u64;
    s.identical_pairs = m.identical_pairs as u64;
    let mut g: Vec<i64> = m.groups.iter().map(|x| x.1).collect();
    g.sort_unstable();
    g.dedup();
    s.groups = g.len() as u64;
    for p in &m.pairs {
        *s.relations
            .entry(p.relation.as_str().to_string())
            .or_default() += 1;
    }
    s.unmatched = m
        .unmatched
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    for (path, e) in &m.unreadable {
        ui.warning(format!(
            "{path}: could not read it to compare with same-size files: {e}"
        ));
    }
    Ok(())
}
