//! Progress on stderr: an indicatif bar when stderr is a terminal, nothing
//! otherwise (pipes, cron, tests). Callers talk to the [`Progress`] trait and never
//! check for a terminal themselves.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub trait Progress: Sync {
    /// Begin a phase of `total` steps.
    fn start(&self, total: u64, what: &str);
    fn inc(&self, n: u64);
    fn set_message(&self, msg: &str);
    fn finish(&self);
}

/// Shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64, _: &str) {}
    fn inc(&self, _: u64) {}
    fn set_message(&self, _: &str) {}
    fn finish(&self) {}
}

/// A bar with files/s and ETA.
pub struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64, what: &str) {
        self.0.reset();
        self.0.set_length(total);
        self.0.set_style(
            ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len}  {rate}  ETA {eta}")
                .expect("valid template")
                .with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} files/s", s.per_sec());
                    },
                )
                .progress_chars("=> "),
        );
        self.0.set_message(what.to_string());
    }
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
    fn set_message(&self, msg: &str) {
        if self.0.length().is_none() {
            self.0.set_style(
                ProgressStyle::with_template("{spinner} {msg}").expect("valid template"),
            );
            self.0.enable_steady_tick(Duration::from_millis(120));
        }
        self.0.set_message(msg.to_string());
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A bar if stderr is a terminal and `quiet` is off, else nothing.
pub fn for_stderr(quiet: bool) -> Box<dyn Progress> {
    if !quiet && std::io::stderr().is_terminal() {
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Box::new(Bar(pb))
    } else {
        Box::new(NoProgress)
    }
}
