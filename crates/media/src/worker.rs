//! The worker process main: a child (`mediadex-media __probe-worker` or
//! `__fingerprint-worker`, see `mediadex_core::pool::Worker`) that probes or
//! fingerprints the paths its parent sends on stdin, rayon-parallel, and
//! answers on stdout in the line protocol of `mediadex_core::pool::protocol`.
//!
//! The `S` line is what lets the parent blame the right path when this process
//! hangs or dies: a probe runs only after its start has been written and flushed.
//! The worker compares `stat` before and after the probe with what the walk saw,
//! and reports a file that changed under it as `unstable` (still being copied).
//!
//! With `probe` and `sampling`, this is what reaches GStreamer; only the
//! `mediadex-media` executable links it (see `mediadex_core::pool::companion`).

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::probe;
use mediadex_core::catalog::files::{FileStat, Status};
use mediadex_core::pool::Worker;
use mediadex_core::pool::protocol::{self, Answer, Asked, empty_doc};
use mediadex_core::scan::{Job, OnAnswer};
use mediadex_core::util;
use mediadex_core::verify::Level;

/// Probe `jobs` in this process (no worker isolation): the same probes a worker
/// runs, for measuring what isolation costs. A file that crashes a probe takes the
/// whole scan down here, which is why scans use worker processes.
pub(crate) fn probe_in_process(
    jobs: &[Job],
    parallel: usize,
    timeout: Duration,
    stop: &AtomicBool,
    on_done: OnAnswer<'_>,
) -> anyhow::Result<()> {
    use rayon::prelude::*;
    probe::init()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(parallel.max(1))
        .build()?;
    let (tx, rx) = crossbeam_channel::bounded::<Answer>(64);
    std::thread::scope(|s| {
        s.spawn(move || {
            pool.install(|| {
                jobs.par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (id, job)| {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            return;
                        }
                        let d = probe_one(
                            id as u64,
                            &job.path,
                            job.stat.size,
                            job.stat.mtime_ns,
                            timeout,
                        );
                        let _ = tx.send(d);
                    })
            })
        });
        for done in rx {
            let id = done.id as usize;
            on_done(&jobs[id], done)?;
        }
        Ok(())
    })
}

/// What a worker does with one request (its id, path, the size and mtime the
/// parent saw, the parent's note) by the deadline.
type OneJob = fn(&Asked, Duration) -> Answer;

/// Run the worker loop of `kind` until stdin closes. Never returns an error
/// for a bad file.
pub(crate) fn run(kind: Worker, jobs: usize, timeout: Duration) -> anyhow::Result<()> {
    let one: OneJob = match kind {
        Worker::Probe => |a, t| probe_one(a.id, &a.path, a.size, a.mtime_ns, t),
        Worker::Fingerprint => {
            |a, t| crate::sampling::fingerprint_one(a.id, &a.path, a.size, a.mtime_ns, t)
        }
        Worker::Verify(Level::Quick) => crate::verify::quick_one,
        Worker::Verify(Level::Keyframes) => crate::verify::keyframes_one,
        Worker::Verify(Level::Full) => crate::verify::full_one,
    };
    serve(jobs, timeout, one)
}

fn serve(jobs: usize, timeout: Duration, one: OneJob) -> anyhow::Result<()> {
    probe::init()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()?;
    let out = Mutex::new(std::io::stdout());
    let stdin = std::io::stdin();
    // `in_place_scope`: stdin is read on this thread, so all `jobs` pool threads
    // probe (a plain `scope` would run this loop on, and block, one of them).
    pool.in_place_scope(|scope| {
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            let Some(asked) = protocol::parse_request(&line) else {
                continue;
            };
            let out = &out;
            // The parent reads every answer: when it cannot (it is gone,
            // the pipe broken), the rest of the queue is for nobody.
            let say = move |line: String| {
                let mut o = out.lock().unwrap();
                if o.write_all(line.as_bytes())
                    .and_then(|_| o.flush())
                    .is_err()
                {
                    std::process::exit(0);
                }
            };
            scope.spawn(move |_| {
                say(protocol::started_line(asked.id));
                // A panic is a bug of ours, not the file's fault: said as
                // this file's error now, not as a timeout when nobody answers.
                let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    test_hooks(&asked.path);
                    one(&asked, timeout)
                }))
                .unwrap_or_else(|cause| {
                    Answer::failed(asked.id, Status::Error, panicked(cause.as_ref()))
                });
                say(protocol::done_line(&done));
            });
        }
    });
    Ok(())
}

/// The one-line error for a job that panicked, with the panic's message.
fn panicked(cause: &(dyn std::any::Any + Send)) -> String {
    let message = cause
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| cause.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("internal error on this file (a bug in mediadex; please report it): {message}")
}

fn probe_one(id: u64, path: &Path, size: u64, mtime_ns: i64, timeout: Duration) -> Answer {
    let mut answer = crate::checked::checked(id, path, size, mtime_ns, || {
        let p = probe::probe(path, timeout);
        let doc = match &p.doc {
            Some(d) => serde_json::value::to_raw_value(d).expect("doc serializes"),
            None => empty_doc(),
        };
        (p.status, p.error, doc)
    });
    answer.sampled = sampled(path, &answer);
    answer
}

/// The sampled hash of a probed file that kept the stat of its answer (a file
/// that changed meanwhile is probed again anyway): 16 blocks of 64 KiB, kept
/// so that a move to another file system is recognised after the file left.
fn sampled(path: &Path, answer: &Answer) -> Option<String> {
    let stat = answer.stat?;
    if matches!(answer.status, Status::Unstable | Status::Missing) {
        return None;
    }
    let f = std::fs::File::open(path).ok()?;
    let now = FileStat::from_metadata(&f.metadata().ok()?);
    (now == stat)
        .then(|| mediadex_core::sampled::sampled_hash_of(&f, stat.size).ok())
        .flatten()
}

/// Fault injection for the test suite: `MEDIADEX_TEST_CRASH_ON` / `MEDIADEX_TEST_HANG_ON`
/// hold a substring; a path containing it aborts the worker or hangs it;
/// `MEDIADEX_TEST_PANIC_ON` makes the job panic there.
/// `MEDIADEX_TEST_KILL_ON` makes the worker SIGKILL itself at such a path, as
/// a watchdog would from outside (its memory is small: nothing to blame).
/// `MEDIADEX_TEST_DELAY_ON=SUBSTRING:MS` sleeps before looking at such a path, which
/// gives a test time to change the file between the walk and the probe.
fn test_hooks(path: &Path) {
    let p = util::display_path(path);
    if let Ok(spec) = std::env::var("MEDIADEX_TEST_DELAY_ON")
        && let Some((s, ms)) = spec.rsplit_once(':')
        && !s.is_empty()
        && p.contains(s)
        && let Ok(ms) = ms.parse::<u64>()
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
    if let Ok(s) = std::env::var("MEDIADEX_TEST_CRASH_ON")
        && !s.is_empty()
        && p.contains(&s)
    {
        std::process::abort();
    }
    if let Ok(s) = std::env::var("MEDIADEX_TEST_KILL_ON")
        && !s.is_empty()
        && p.contains(&s)
    {
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    }
    if let Ok(s) = std::env::var("MEDIADEX_TEST_PANIC_ON")
        && !s.is_empty()
        && p.contains(&s)
    {
        panic!("a panic the test suite asked for");
    }
    if let Ok(s) = std::env::var("MEDIADEX_TEST_HANG_ON")
        && !s.is_empty()
        && p.contains(&s)
    {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}
