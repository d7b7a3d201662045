//! The worker pool: runs requests (one path each) in `mediadex-media` worker
//! processes and survives them hanging or dying. Scans probe through it and
//! `fingerprint` hashes sampled frames through it; a new kind of work is a new
//! [`Worker`] kind.
//!
//! - [`Worker`]: the kinds of worker, each owning its hidden verb name;
//! - [`Request`]: one path with its stat and the caller's own payload, which
//!   comes back beside the worker's [`Answer`];
//! - [`supervisor`]: feeds a worker, reads its answers, enforces deadlines,
//!   replaces dead workers and blames paths only on evidence ([`death`]);
//! - [`protocol`]: both halves of the line protocol;
//! - [`companion`]: where the worker executable is.
//!
//! Invariants: each request is answered to the caller exactly once, in
//! completion order (see [`supervisor`] for how a death or a hang becomes an
//! answer); the caller's payload never crosses to the worker.

pub mod companion;
pub mod death;
pub mod protocol;
pub mod supervisor;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::catalog::files::FileStat;
pub use protocol::Answer;
pub use supervisor::MAX_OUTSIDE_ALONE;

/// A kind of worker process: what `mediadex-media` runs for a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    /// `scan`: one file → its metadata document.
    Probe,
    /// `fingerprint`: one file → perceptual hashes of frames on its time grid.
    Fingerprint,
    /// `verify`: one file → its health at a level.
    Verify(crate::verify::Level),
}

impl Worker {
    /// The hidden verb of `mediadex-media` that runs this kind of worker.
    pub const fn verb(self) -> &'static str {
        match self {
            Worker::Probe => "__probe-worker",
            Worker::Fingerprint => "__fingerprint-worker",
            Worker::Verify(_) => "__verify-worker",
        }
    }

    /// What the worker's command line says besides the verb, its jobs and
    /// its deadline.
    pub fn options(self) -> Vec<&'static str> {
        match self {
            Worker::Verify(level) => vec!["--level", level.as_str()],
            Worker::Probe | Worker::Fingerprint => Vec::new(),
        }
    }
}

/// One path for a worker. `payload` stays with the caller and is handed back
/// with the path's answer.
#[derive(Debug, Clone)]
pub struct Request<P> {
    pub path: PathBuf,
    /// The stat the caller saw: the worker answers `unstable` if it changed.
    pub stat: FileStat,
    /// What the worker may take as known of the file (see
    /// [`protocol::request_line`]).
    pub note: Option<String>,
    pub payload: P,
}

impl<P> Request<P> {
    /// A catalogued file: its path as the catalog holds it (bytes).
    pub fn catalogued(path_bytes: &[u8], stat: FileStat, payload: P) -> Request<P> {
        Request {
            path: crate::util::path_from_bytes(path_bytes),
            stat,
            note: None,
            payload,
        }
    }

    /// The same request with `note` for the worker.
    pub fn noted(mut self, note: Option<String>) -> Request<P> {
        self.note = note;
        self
    }
}

/// What the supervisor saw besides the answers: the kills from outside.
#[derive(Debug, Clone, Copy, Default)]
pub struct Casualties {
    /// Worker deaths judged to be kills from outside.
    pub outside_kills: u32,
    /// Paths given up because their worker kept being killed from outside.
    pub given_up: u32,
}

/// What stops a pool as a whole (a bad file never does: it gets an answer).
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("could not start the probe worker {exe}: {source}")]
    WorkerStart {
        exe: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the probe worker stops answering before it starts any file")]
    WorkerSilent,
    #[error(
        "the probe worker was killed from outside {times} times in a row before it started any file ({cause}); stop whatever kills it (a watchdog, a memory limit) and scan again"
    )]
    KilledFromOutside { times: u32, cause: String },
    #[error("the probe worker keeps dying before it starts any file: {cause}")]
    WorkerDies { cause: String },
}

/// How a pool runs: processes' width, the per-request deadline, the stop flag.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'s> {
    /// Requests one worker runs at once.
    pub parallel: usize,
    pub timeout: Duration,
    /// Raised by Ctrl-C / SIGTERM: the pool kills its worker and returns.
    pub stop: &'s AtomicBool,
}

impl<'s> Settings<'s> {
    pub fn new(parallel: usize, timeout: Duration, stop: &'s AtomicBool) -> Settings<'s> {
        Settings {
            parallel,
            timeout,
            stop,
        }
    }
}

/// [`run`] with `progress` showing `what`, a step per answer.
pub fn run_shown<P>(
    worker: Worker,
    requests: &[Request<P>],
    settings: Settings<'_>,
    progress: &dyn crate::progress::Progress,
    what: &str,
    mut on_done: impl FnMut(&Request<P>, Answer) -> anyhow::Result<()>,
) -> anyhow::Result<Casualties> {
    progress.start(requests.len() as u64, what);
    let result = run(worker, requests, settings, |job, done| {
        progress.inc(1);
        on_done(job, done)
    });
    progress.finish();
    result
}

/// Run every request in `worker` processes; call `on_done` once per request,
/// in completion order. Returns early (with what was answered so far) when
/// `settings.stop` is raised.
pub fn run<P>(
    worker: Worker,
    requests: &[Request<P>],
    settings: Settings<'_>,
    on_done: impl FnMut(&Request<P>, Answer) -> anyhow::Result<()>,
) -> anyhow::Result<Casualties> {
    supervisor::run(worker, requests, settings, on_done)
}
