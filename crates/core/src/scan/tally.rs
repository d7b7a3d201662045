//! The scan's counting: what the plan promised (new, changed, probed again),
//! what the probes answered, and the correction of an interrupted run.
//!
//! Invariant: the counts stored in the scan row and printed describe what was
//! stored, not what was planned: when a run is interrupted, the files it did
//! not reach are taken out of `new`/`changed`/`reprobed` (they are left for the
//! next scan, as they were).

use std::collections::BTreeMap;

use super::classify::Reason;
use crate::catalog::files::{ScanCounts, Status};
use crate::pool::{Answer, Casualties};

/// Counts of one scan as it goes.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub counts: ScanCounts,
    /// Outcomes of the files probed in this run, by status.
    pub probed_status: BTreeMap<String, u64>,
    pub unstable: u64,
    /// Probe jobs planned, and answered (stored), by reason.
    planned: [u64; 4],
    stored: [u64; 4],
    /// What the pool's workers suffered (kills from outside).
    pub casualties: Casualties,
}

fn slot(reason: Reason) -> usize {
    match reason {
        Reason::New => 0,
        Reason::Changed => 1,
        Reason::Forced => 2,
        Reason::Retry => 3,
    }
}

impl Tally {
    /// One more path the walk found.
    pub fn seen(&mut self) {
        self.counts.seen += 1;
    }

    /// A walked path left as its row was.
    pub fn unchanged(&mut self) {
        self.counts.unchanged += 1;
    }

    /// A path stored as an error without a probe (the walk could not look at it).
    pub fn unreadable(&mut self, reason: Reason) {
        self.count(reason);
        self.counts.failed += 1;
    }

    /// A new path planned for a probe turned out to be a known file moved
    /// there: not probed, counted as moved instead of new.
    pub fn moved(&mut self) {
        self.planned[slot(Reason::New)] -= 1;
        self.counts.new -= 1;
        self.counts.moved += 1;
    }

    /// A path to probe.
    pub fn planned(&mut self, reason: Reason) {
        self.count(reason);
        self.planned[slot(reason)] += 1;
    }

    fn count(&mut self, reason: Reason) {
        match reason {
            Reason::New => self.counts.new += 1,
            Reason::Forced => self.counts.reprobed += 1,
            Reason::Changed | Reason::Retry => self.counts.changed += 1,
        }
    }

    /// A probe's answer, about to be stored.
    pub fn answered(&mut self, reason: Reason, answer: &Answer) {
        self.stored[slot(reason)] += 1;
        *self
            .probed_status
            .entry(answer.status.to_string())
            .or_default() += 1;
        self.counts.probed += 1;
        match answer.status {
            s if s.is_failure() => self.counts.failed += 1,
            Status::Unstable => self.unstable += 1,
            _ => {}
        }
    }

    /// The run stopped early: count what was stored, not what was planned.
    pub fn interrupted(&mut self) {
        let missed = |reasons: &[Reason]| -> u64 {
            reasons
                .iter()
                .map(|&r| self.planned[slot(r)] - self.stored[slot(r)])
                .sum()
        };
        let (new, changed, forced) = (
            missed(&[Reason::New]),
            missed(&[Reason::Changed, Reason::Retry]),
            missed(&[Reason::Forced]),
        );
        self.counts.new -= new;
        self.counts.changed -= changed;
        self.counts.reprobed -= forced;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_run_counts_what_it_stored() {
        let mut t = Tally::default();
        for r in [Reason::New, Reason::New, Reason::Changed, Reason::Retry] {
            t.planned(r);
        }
        t.planned(Reason::Forced);
        t.unreadable(Reason::New);
        let ok = Answer::failed(0, Status::Ok, String::new());
        t.answered(Reason::New, &ok);
        t.answered(Reason::Retry, &ok);
        t.interrupted();
        assert_eq!(
            (t.counts.new, t.counts.changed, t.counts.reprobed),
            (2, 1, 0)
        );
        assert_eq!((t.counts.probed, t.counts.failed), (2, 1));
        assert_eq!(t.probed_status.get("ok"), Some(&2));
    }
}
