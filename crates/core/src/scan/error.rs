//! What stops a scan, as types: each message names the cause and what to do.
//! (A file that cannot be probed does not stop a scan; it becomes a row with
//! a status.)

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("--exclude {glob:?} is not a valid glob: {source}")]
    BadExclude {
        glob: String,
        #[source]
        source: ignore::Error,
    },
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
    #[error("the catalog writer stopped")]
    WriterStopped,
}
