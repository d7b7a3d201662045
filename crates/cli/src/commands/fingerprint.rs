//! `mediadex fingerprint`: the options, the lock beside the catalog and the
//! signals, then the engine (`mediadex_core::fingerprint::engine`), then the
//! summary on stderr (and stdout with `--json`).
//!
//! Invariants: the exit code says how the run ended (interrupted, some files
//! failed, or all well); the summary line always comes, but under `-q`.

use std::process::ExitCode;
use std::time::Duration;

use super::{Context, exit};
use crate::cli::FingerprintArgs;
use mediadex_core::catalog::Catalog;
use mediadex_core::fingerprint::engine::{self, Options, Summary};

pub fn run(ctx: &Context, args: FingerprintArgs) -> anyhow::Result<ExitCode> {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        anyhow::bail!("--timeout must be a positive number of seconds");
    }
    let run = super::decoding(ctx, args.jobs, "fingerprint")?;
    let mut cat = Catalog::open(&ctx.db)?;
    let opts = Options {
        paths: &args.paths,
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
    } else if s.failed > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    }))
}

/// The summary line, and what to look at when files failed or cannot be
/// matched.
fn tell(ctx: &Context, s: &Summary) {
    let ui = &ctx.ui;
    ui.info(&format!(
        "fingerprint{}: {} files: {} fingerprinted, {} unchanged, {} without video, {} failed in {:.1} s ({:.1} files/s); {} similar pairs in {} groups among {} files ({:.2} s)",
        if s.interrupted { " interrupted" } else { "" },
        s.selected,
        s.fingerprinted,
        s.unchanged,
        s.skipped_no_video,
        s.failed,
        s.fingerprint_s,
        s.files_per_s,
        s.pairs,
        s.groups,
        s.files_matched,
        s.match_s,
    ));
    let unmatched: u64 = s.unmatched.values().sum();
    if unmatched > 0 {
        let kinds: Vec<String> = s
            .unmatched
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        ui.info(&format!(
            "{unmatched} file(s) too short or too flat to match ({}); see: mediadex query \"SELECT m.path, f.unmatched FROM fingerprints f JOIN media m ON m.id = f.file_id WHERE f.unmatched IS NOT NULL\"",
            kinds.join(", ")
        ));
    }
    if s.failed > 0 {
        ui.say(format_args!(
            "{} file(s) failed; see: mediadex query \"SELECT m.path, f.status, f.error FROM fingerprints f JOIN media m ON m.id = f.file_id WHERE f.status NOT IN ('ok', 'skipped')\"",
            s.failed
        ));
    }
}
