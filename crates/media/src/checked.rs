//! One request of a worker, whatever its kind, between two looks at the file:
//! the work runs only if the file still has the size and mtime the caller saw,
//! and its answer is `unstable` (or `missing`) when the file changed while it
//! ran. The probe and the sampler both answer through it.
//!
//! Invariants: the work's own status stands only when both looks agree with
//! the caller's; the answer's time is the whole request's.

use std::path::Path;
use std::time::Instant;

use mediadex_core::catalog::files::{FileStat, Status};
use mediadex_core::pool::protocol::{Answer, empty_doc};

fn stat_now(path: &Path) -> std::io::Result<FileStat> {
    std::fs::metadata(path).map(|m| FileStat::from_metadata(&m))
}

/// Run `job` on `path` if it still has the walk's size and mtime, and report it
/// `unstable` (or `missing`) when it changed before or while `job` read it.
pub(crate) fn checked(
    id: u64,
    path: &Path,
    size: u64,
    mtime_ns: i64,
    job: impl FnOnce() -> (Status, Option<String>, Box<serde_json::value::RawValue>),
) -> Answer {
    let started = Instant::now();
    let finish = |status, error: Option<String>, doc, stat| Answer {
        id,
        status,
        error,
        doc,
        ms: started.elapsed().as_secs_f64() * 1e3,
        stat,
        sampled: None,
        from_outside: false,
    };
    let before = match stat_now(path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return finish(
                Status::Missing,
                Some("vanished before it could be probed".into()),
                empty_doc(),
                None,
            );
        }
        Err(e) => {
            return finish(
                Status::Error,
                Some(format!("cannot stat: {e}")),
                empty_doc(),
                None,
            );
        }
    };
    if before.size != size || before.mtime_ns != mtime_ns {
        return finish(
            Status::Unstable,
            Some("changed between the walk and the probe (still being written?)".into()),
            empty_doc(),
            Some(before),
        );
    }
    let (status, error, doc) = job();
    match stat_now(path) {
        Ok(after) if after.size == before.size && after.mtime_ns == before.mtime_ns => {
            finish(status, error, doc, Some(after))
        }
        Ok(after) => finish(
            Status::Unstable,
            Some("changed while it was being probed (still being written?)".into()),
            empty_doc(),
            Some(after),
        ),
        Err(_) => finish(
            Status::Missing,
            Some("vanished while it was being probed".into()),
            empty_doc(),
            None,
        ),
    }
}
