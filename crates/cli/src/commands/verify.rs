//! `mediadex verify`: the options, the lock beside the catalog and the
//! signals, then the engine (`mediadex_core::verify::engine`), then what it
//! found on stderr (and the summary on stdout with `--json`).
//!
//! Invariants: the exit code says how the run ended (interrupted; damaged
//! or unreadable files among those selected, found by this run or an
//! earlier one, or checks that failed; all clean); every
//! damaged file found is said, under `-q` too, up to [`NAMED`] of them.

use std::process::ExitCode;
use std::time::Duration;

use super::{Context, exit};
use crate::cli::VerifyArgs;
use mediadex_core::catalog::Catalog;
use mediadex_core::verify::engine::{self, Finding, Options, Summary};

/// Damaged files named one per line; the rest are counted.
const NAMED: usize = 20;

pub fn run(ctx: &Context, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let run = super::decoding(ctx, args.jobs, "verify")?;
    let mut cat = Catalog::open(&ctx.db)?;
    let opts = Options {
        paths: &args.paths,
        level: args.level.into(),
        force: args.force,
        jobs: run.jobs,
        timeout: Duration::from_secs_f64(args.timeout),
        stop: &run.stop,
    };
    let s = engine::run(&mut cat.conn, &opts, &ctx.ui)?;
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    }
    tell(ctx, &s);
    Ok(ExitCode::from(if s.interrupted {
        exit::INTERRUPTED
    } else if s.damaged + s.unreadable + s.known_damaged + s.failed > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    }))
}

/// The damaged files, then the summary line.
fn tell(ctx: &Context, s: &Summary) {
    let ui = &ctx.ui;
    for f in s.found.iter().take(NAMED) {
        ui.warning(finding(f));
    }
    if s.found.len() > NAMED {
        ui.warning(format_args!(
            "{} more damaged or unreadable files; see: mediadex report health",
            s.found.len() - NAMED
        ));
    }
    ui.info(&format!(
        "verify {}{}: {} files: {} checked, {} unchanged; {} clean, {} damaged, {} unreadable, {} not judged in {:.1} s ({:.1} files/s)",
        s.level.map_or("", |l| l.as_str()),
        if s.interrupted { " interrupted" } else { "" },
        s.selected,
        s.checked,
        s.unchanged,
        s.clean,
        s.damaged,
        s.unreadable,
        s.failed,
        s.seconds,
        s.files_per_s,
    ));
    if s.known_damaged > 0 {
        ui.warning(format_args!(
            "{} unchanged file(s) found damaged or unreadable before; see: mediadex report health",
            s.known_damaged
        ));
    }
    if s.failed > 0 {
        ui.say(format_args!(
            "{} check(s) could not finish; see: mediadex query \"SELECT m.path, h.status, h.detail FROM health h JOIN media m ON m.id = h.file_id WHERE h.health IS NULL\"",
            s.failed
        ));
    }
}

/// `PATH: damaged (decode errors from 12.3 s, 4 errors): the first error`.
fn finding(f: &Finding) -> String {
    let mut what = f.class.clone().unwrap_or_default();
    if let Some(t) = f.first_error_s {
        what.push_str(&format!(" from {}", mediadex_core::util::hms(t)));
    }
    if f.errors > 1 {
        what.push_str(&format!(", {} errors", f.errors));
    }
    let detail = f
        .detail
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    format!(
        "{}: {} ({}){detail}",
        mediadex_core::output::table::visible(&f.path),
        f.health.as_str(),
        what.trim()
    )
}
