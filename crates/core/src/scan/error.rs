//! What stops a scan, as types: each message names the cause and what to do.
//! (A file that cannot be probed does not stop a scan; it becomes a row with
//! a status; what stops the worker pool is [`crate::pool::PoolError`].)

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("--exclude {glob:?} is not a valid glob: {source}")]
    BadExclude {
        glob: String,
        #[source]
        source: ignore::Error,
    },
    #[error("the catalog writer stopped")]
    WriterStopped,
}
