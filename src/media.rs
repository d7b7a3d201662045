//! The [`Engine`] of `mediadex-media`: the only module that reaches both the
//! GStreamer probe worker and ALSA capture. Only `mediadex-media` calls
//! [`install`], so the `mediadex` executable links neither library.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::cli::RecordArgs;
use crate::commands::Context;
use crate::engine::{Engine, OnDone};
use crate::scan::Job;

struct Media;

impl Engine for Media {
    fn worker(&self, jobs: usize, timeout: Duration) -> anyhow::Result<()> {
        crate::scan::worker::run(jobs, timeout)
    }

    fn fingerprint_worker(&self, jobs: usize, timeout: Duration) -> anyhow::Result<()> {
        crate::scan::worker::serve(jobs, timeout, crate::scan::keyframes::fingerprint_one)
    }

    fn in_process(
        &self,
        jobs: &[Job],
        parallel: usize,
        timeout: Duration,
        stop: &AtomicBool,
        on_done: OnDone<'_>,
    ) -> anyhow::Result<()> {
        crate::scan::worker::probe_in_process(jobs, parallel, timeout, stop, on_done)
    }

    fn record(&self, ctx: &Context, args: RecordArgs) -> anyhow::Result<ExitCode> {
        crate::commands::record::run(ctx, args)
    }
}

/// Make this process the media executable: called first thing by `mediadex-media`.
pub fn install() {
    crate::engine::register(&Media);
}
