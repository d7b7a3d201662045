//! The media half of mediadex: everything that links GStreamer or ALSA, on top
//! of mediadex-core. It builds `mediadex-media`, which scans start as their
//! probe and fingerprint workers and which `mediadex record` runs as.
//!
//! - [`probe`]: one file → its metadata document (parse-only pipeline, no decoding);
//! - [`sampling`]: one file → perceptual hashes of frames on a time grid, for `fingerprint`;
//! - `verify`: one file → its health at a level (truncation, the container's
//!   own guards, the packets parsed or decoded);
//! - [`worker`]: the worker process main (the line protocol of
//!   `mediadex_core::pool::protocol`) and the in-process prober;
//! - [`record`]: microphone capture (cpal) into WAV parts.

mod checked;
mod mp4box;
pub mod probe;
pub mod record;
pub mod sampling;
mod verify;
pub mod worker;

use std::process::ExitCode;
use std::time::Duration;

use mediadex::cli::{Cli, Command};
use mediadex::commands::{self, Context};
use mediadex_core::pool::Worker;

/// Run a verb in the media executable: the verbs that need the media libraries
/// here, every other one as `mediadex` would.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::of(&cli);
    if matches!(cli.command, Command::Record(_) | Command::Scan(_)) {
        ctx.check_db()?;
    }
    let ms = Duration::from_millis;
    match cli.command {
        Command::Record(a) => record::command::run(&ctx, a),
        Command::ProbeWorker(a) => {
            worker::run(Worker::Probe, a.jobs, ms(a.timeout_ms))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::FingerprintWorker(a) => {
            worker::run(Worker::Fingerprint, a.jobs, ms(a.timeout_ms))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::VerifyWorker(a) => {
            worker::run(Worker::Verify(a.level.into()), a.jobs, ms(a.timeout_ms))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan(a) => commands::scan::run(&ctx, a, Some(worker::probe_in_process)),
        _ => commands::run(cli),
    }
}
