//! `mediadex fingerprint`: pick the catalogued videos whose fingerprint is
//! missing or stale, sample and hash their keyframes in `__fingerprint-worker`
//! processes (the scan's supervisor: deadlines, crash isolation, retries of the
//! innocent), store each result as it arrives, then match every current
//! fingerprint and replace the similar pairs.
//!
//! Invariants: every selected file ends with a `fingerprints` row whose status
//! says what happened (a worker crash or hang blames only the file that
//! caused it); a file is fingerprinted again only when its size, mtime or the
//! recipe version changed, or with `--force`; an interrupted run keeps what it
//! stored and the next run resumes.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;

use super::{Context, exit};
use crate::cli::FingerprintArgs;
use mediadex_core::catalog::Catalog;
use mediadex_core::catalog::files::Status;
use mediadex_core::catalog::fingerprints::{self, Candidate, Outcome};
use mediadex_core::fingerprint::FpDoc;
use mediadex_core::fingerprint::matcher::Params;
use mediadex_core::fingerprint::run;
use mediadex_core::pool::{self, Request, Worker};
use mediadex_core::util;

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

pub fn run(ctx: &Context, args: FingerprintArgs) -> anyhow::Result<ExitCode> {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        anyhow::bail!("--timeout must be a positive number of seconds");
    }
    // Decoding is CPU-bound: one file per CPU.
    let jobs = args
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        })
        .max(1);
    mediadex_core::pool::companion::media_exe()?;
    let _lock = super::lock_beside(&ctx.db, "fingerprint")?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())
            .context("could not install signal handler")?;
    }
    let mut cat = Catalog::open(&ctx.db)?;
    let prefixes: Vec<Vec<u8>> = args
        .paths
        .iter()
        .map(|p| {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            let mut b = util::path_bytes(&abs).to_vec();
            while b.len() > 1 && b.ends_with(b"/") {
                b.pop();
            }
            b
        })
        .collect();
    let under = |c: &Candidate| {
        prefixes.is_empty()
            || prefixes.iter().any(|p| {
                c.path_bytes == *p
                    || (c.path_bytes.starts_with(p)
                        && (p.ends_with(b"/") || c.path_bytes.get(p.len()) == Some(&b'/')))
            })
    };
    let mut s = Summary::default();
    let mut todo: Vec<Candidate> = Vec::new();
    for c in fingerprints::candidates(&cat.conn, &util::host_name())?
        .into_iter()
        .filter(|c| under(c))
    {
        s.selected += 1;
        if !(args.force || c.is_due()) {
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
            };
            fingerprints::store(&mut cat.conn, c.id, &o)?;
        } else {
            todo.push(c);
        }
    }

    let started = Instant::now();
    let work: Vec<Request<i64>> = todo
        .iter()
        .map(|c| Request {
            path: util::path_from_bytes(&c.path_bytes),
            stat: c.stat,
            payload: c.id,
        })
        .collect();
    let progress = mediadex_core::progress::for_stderr(ctx.quiet);
    if !work.is_empty() {
        progress.start(work.len() as u64, "hashing");
        let conn = &mut cat.conn;
        let settings = pool::Settings {
            parallel: jobs,
            timeout: Duration::from_secs_f64(args.timeout),
            stop: &stop,
        };
        let result = pool::run(Worker::Fingerprint, &work, settings, |job, done| {
            progress.inc(1);
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
            };
            fingerprints::store(conn, job.payload, &o)?;
            Ok(())
        });
        progress.finish();
        let report = result?;
        s.outside_kills = report.outside_kills;
    }
    s.fingerprint_s = started.elapsed().as_secs_f64();
    s.files_per_s = if s.fingerprint_s > 0.0 {
        work.len() as f64 / s.fingerprint_s
    } else {
        0.0
    };
    s.interrupted = stop.load(Ordering::Relaxed);

    if !s.interrupted {
        let t = Instant::now();
        progress.set_message("matching");
        let m = run::match_all(&mut cat.conn, &util::host_name(), &Params::default())?;
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
            util::say(&format!(
                "mediadex: warning: {path}: could not read it to compare with same-size files: {e}"
            ));
        }
        s.match_s = t.elapsed().as_secs_f64();
    }

    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    }
    if !ctx.quiet {
        eprintln!(
            "fingerprint{}: {} files: {} fingerprinted, {} unchanged, {} without video, {} failed in {:.1} s ({:.1} files/s); {} similar pairs in {} groups among {} files ({:.2} s)",
            if s.interrupted { " interrupted" } else { "" },
            s.selected,
            s.fingerprinted,
            s.unchanged,
            s.skipped_no_video,
            s.failed,
            s.fingerprint_s,
            s.files_per_s,
            s.pairs,
            s.groups,
            s.files_matched,
            s.match_s,
        );
        let unmatched: u64 = s.unmatched.values().sum();
        if unmatched > 0 {
            let kinds: Vec<String> = s
                .unmatched
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect();
            eprintln!(
                "{unmatched} file(s) too short or too flat to match ({}); see: mediadex query \"SELECT m.path, f.unmatched FROM fingerprints f JOIN media m ON m.id = f.file_id WHERE f.unmatched IS NOT NULL\"",
                kinds.join(", ")
            );
        }
        if s.failed > 0 {
            eprintln!(
                "mediadex: {} file(s) failed; see: mediadex query \"SELECT m.path, f.status, f.error FROM fingerprints f JOIN media m ON m.id = f.file_id WHERE f.status NOT IN ('ok', 'skipped')\"",
                s.failed
            );
        }
    }
    Ok(ExitCode::from(if s.interrupted {
        exit::INTERRUPTED
    } else if s.failed > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    }))
}
