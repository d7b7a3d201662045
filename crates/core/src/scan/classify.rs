//! The incremental rule: what a scan does with one walked path, given what the
//! catalog knew of it before ([`PriorRow`]) and the scan's options.
//!
//! Invariants: an unchanged, settled row is never probed again unless asked
//! (`--force`, `--retry-failed`) or due its one crash retry; a path the walk
//! could not `stat` is stored as an error without a probe; a file still being
//! written (`unstable`) or come back (`missing`) is always probed.

use crate::catalog::files::{FileStat, PriorRow, Status};

/// The options [`classify`] reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rules {
    pub force: bool,
    pub retry_failed: bool,
}

/// Why a path is looked at again (probed, or stored as unreadable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The catalog has no row for it.
    New,
    /// Its size or mtime changed since its row was stored.
    Changed,
    /// Unchanged and settled, probed again only because of `--force`.
    Forced,
    /// Unchanged, but its row is unsettled (`unstable`, `missing`), a failure
    /// with `--retry-failed`, or a crash due its one retry.
    Retry,
}

/// What to do with one walked path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do: the row stays, marked seen.
    Unchanged { id: i64 },
    /// The walk could not look at it: store an error row, without a probe.
    Unreadable { reason: Reason },
    /// Probe it.
    Probe {
        reason: Reason,
        /// The row's crash count when the file is unchanged since, else 0.
        prior_crashes: u32,
    },
}

/// How the walk saw a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Looked at: its `stat`.
    Stat(FileStat),
    /// Named by the walk as unreadable, with the `stat` it got, if any.
    Unreadable(Option<FileStat>),
}

/// Decide for one walked path.
pub fn classify(prior: Option<PriorRow>, seen: Seen, rules: Rules) -> Decision {
    let stat = match seen {
        Seen::Stat(stat) => stat,
        Seen::Unreadable(stat) => {
            let unchanged = prior.is_some_and(|k| k.stat == stat && k.status == Status::Error);
            return match prior {
                Some(k) if unchanged && !rules.retry_failed && !rules.force => {
                    Decision::Unchanged { id: k.id }
                }
                None => Decision::Unreadable {
                    reason: Reason::New,
                },
                Some(_) if unchanged => Decision::Unreadable {
                    reason: Reason::Retry,
                },
                Some(_) => Decision::Unreadable {
                    reason: Reason::Changed,
                },
            };
        }
    };
    let Some(k) = prior else {
        return Decision::Probe {
            reason: Reason::New,
            prior_crashes: 0,
        };
    };
    let same = k.stat == Some(stat);
    let settled = !matches!(k.status, Status::Unstable | Status::Missing);
    let retry = (k.status.is_failure() && rules.retry_failed) || k.crash_retry_due();
    if same && settled && !retry && !rules.force {
        return Decision::Unchanged { id: k.id };
    }
    let reason = if !same {
        Reason::Changed
    } else if settled && !retry {
        Reason::Forced
    } else {
        Reason::Retry
    };
    Decision::Probe {
        reason,
        prior_crashes: if same && k.status == Status::Crashed {
            k.crashes
        } else {
            0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(size: u64) -> FileStat {
        FileStat {
            dev: 1,
            ino: 2,
            size,
            mtime_ns: 3,
        }
    }

    fn row(status: Status, size: Option<u64>, crashes: u32) -> Option<PriorRow> {
        Some(PriorRow {
            id: 9,
            stat: size.map(stat),
            status,
            crashes,
            seen: false,
        })
    }

    const PLAIN: Rules = Rules {
        force: false,
        retry_failed: false,
    };
    const FORCE: Rules = Rules {
        force: true,
        retry_failed: false,
    };
    const RETRY: Rules = Rules {
        force: false,
        retry_failed: true,
    };

    fn probe(reason: Reason, prior_crashes: u32) -> Decision {
        Decision::Probe {
            reason,
            prior_crashes,
        }
    }

    #[test]
    fn new_paths_are_probed() {
        assert_eq!(
            classify(None, Seen::Stat(stat(5)), PLAIN),
            probe(Reason::New, 0)
        );
        assert_eq!(
            classify(None, Seen::Unreadable(None), PLAIN),
            Decision::Unreadable {
                reason: Reason::New
            }
        );
    }

    #[test]
    fn unchanged_rows_stay_unless_forced() {
        let ok = row(Status::Ok, Some(5), 0);
        assert_eq!(
            classify(ok, Seen::Stat(stat(5)), PLAIN),
            Decision::Unchanged { id: 9 }
        );
        assert_eq!(
            classify(ok, Seen::Stat(stat(5)), FORCE),
            probe(Reason::Forced, 0)
        );
        assert_eq!(
            classify(ok, Seen::Stat(stat(5)), RETRY),
            Decision::Unchanged { id: 9 }
        );
    }

    #[test]
    fn a_changed_stat_is_probed_again() {
        let ok = row(Status::Ok, Some(5), 0);
        assert_eq!(
            classify(ok, Seen::Stat(stat(6)), PLAIN),
            probe(Reason::Changed, 0)
        );
        assert_eq!(
            classify(ok, Seen::Stat(stat(6)), FORCE),
            probe(Reason::Changed, 0)
        );
    }

    #[test]
    fn failures_wait_for_retry_failed() {
        let failed = row(Status::Error, Some(5), 0);
        assert_eq!(
            classify(failed, Seen::Stat(stat(5)), PLAIN),
            Decision::Unchanged { id: 9 }
        );
        assert_eq!(
            classify(failed, Seen::Stat(stat(5)), RETRY),
            probe(Reason::Retry, 0)
        );
    }

    #[test]
    fn unsettled_rows_are_always_probed() {
        for status in [Status::Unstable, Status::Missing] {
            let r = row(status, Some(5), 0);
            assert_eq!(
                classify(r, Seen::Stat(stat(5)), PLAIN),
                probe(Reason::Retry, 0)
            );
        }
    }

    #[test]
    fn a_crash_is_retried_once_then_remembered() {
        let once = row(Status::Crashed, Some(5), 1);
        assert_eq!(
            classify(once, Seen::Stat(stat(5)), PLAIN),
            probe(Reason::Retry, 1)
        );
        let twice = row(Status::Crashed, Some(5), 2);
        assert_eq!(
            classify(twice, Seen::Stat(stat(5)), PLAIN),
            Decision::Unchanged { id: 9 }
        );
        // A changed file starts its count again.
        assert_eq!(
            classify(twice, Seen::Stat(stat(6)), PLAIN),
            probe(Reason::Changed, 0)
        );
    }

    #[test]
    fn an_unreadable_path_stays_an_error_until_asked() {
        let err = row(Status::Error, None, 0);
        assert_eq!(
            classify(err, Seen::Unreadable(None), PLAIN),
            Decision::Unchanged { id: 9 }
        );
        assert_eq!(
            classify(err, Seen::Unreadable(None), RETRY),
            Decision::Unreadable {
                reason: Reason::Retry
            }
        );
        let ok = row(Status::Ok, Some(5), 0);
        assert_eq!(
            classify(ok, Seen::Unreadable(None), PLAIN),
            Decision::Unreadable {
                reason: Reason::Changed
            }
        );
    }
}
