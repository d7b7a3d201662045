//! `mediadex scan`: lock, run the scan, print the summary, pick the exit code.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context as _;

use super::{Context, exit};
use crate::cli::ScanArgs;
use mediadex_core::scan::{self, ScanOptions};
use mediadex_core::ui::Ui;

/// `in_process` is the in-process prober, which only `mediadex-media` has:
/// without it, `--in-process` re-executes the command line as that.
pub fn run(
    ctx: &Context,
    args: ScanArgs,
    in_process: Option<scan::InProcess>,
) -> anyhow::Result<ExitCode> {
    // Two probes per CPU: a probe spends much of its time waiting for
    // GStreamer's streaming threads, so one per CPU leaves the CPUs idle
    // (540 short clips on 2 CPUs: 827 ms with -j 2, 670 ms with -j 4).
    let jobs = args
        .jobs
        .unwrap_or_else(|| {
            2 * std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        })
        .max(1);
    if args.in_process && in_process.is_none() {
        return Err(mediadex_core::pool::companion::exec_media_exe());
    }
    refuse_unscanned_files(&args.paths, &args.ext)?;
    // Fail before touching the catalog when the media executable is missing.
    mediadex_core::pool::companion::media_exe()?;
    let _lock = lock_scan(&ctx.db)?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())
            .context("could not install signal handler")?;
    }
    let opts = ScanOptions {
        roots: args.paths,
        jobs,
        timeout: Duration::from_secs_f64(args.timeout),
        excludes: args.exclude,
        extensions: args.ext,
        force: args.force,
        retry_failed: args.retry_failed,
        follow_links: args.follow_links,
        hidden: args.hidden,
        in_process: in_process.filter(|_| args.in_process),
        prune: args.prune,
    };
    let progress = ctx.ui.progress();
    let s = scan::run(&ctx.db, &opts, progress.as_ref(), stop)?;
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    }
    tell(&ctx.ui, &s);
    Ok(ExitCode::from(if s.interrupted {
        exit::INTERRUPTED
    } else if s.counts.failed > 0 || s.incomplete() {
        exit::PARTIAL
    } else {
        exit::OK
    }))
}

/// The scan's warnings on stderr, also under `-q` (each needs action: a root
/// offline, a directory unreadable), then its summary line (not under `-q`).
fn tell(ui: &Ui, s: &scan::ScanSummary) {
    for w in &s.warnings {
        ui.warning(w);
    }
    for o in &s.offline {
        ui.warning(scan::roots::warning(o));
    }
    for u in &s.unreadable {
        ui.warning(format_args!(
            "could not read directory {}: {}; the files under it were left as they were",
            u.path, u.error
        ));
    }
    if ui.quiet() {
        return;
    }
    let c = &s.counts;
    // Each line in one write: `scan --json | jq` shares the terminal.
    ui.line(&format!(
        "scan{}: {} files: {} new, {} changed{}, {} unchanged, {}{} missing, {} failed{}{} in {:.1} s ({:.0} files/s probed)",
        if s.interrupted { " interrupted" } else { "" },
        c.seen,
        c.new,
        c.changed,
        if c.reprobed > 0 {
            format!(", {} probed again (--force)", c.reprobed)
        } else {
            String::new()
        },
        c.unchanged,
        if c.moved > 0 {
            format!("{} moved, ", c.moved)
        } else {
            String::new()
        },
        c.missing,
        c.failed,
        if s.unstable > 0 {
            format!(", {} still being written", s.unstable)
        } else {
            String::new()
        },
        offline_text(s),
        s.elapsed_s,
        s.files_per_s,
    ));
    if c.failed > 0 {
        ui.say(format_args!(
            "{} file(s) failed; see: mediadex query \"SELECT path, status, error FROM media WHERE scan_id = {} AND status NOT IN ('ok','missing')\"",
            c.failed, s.scan_id
        ));
    }
}

/// The summary line's note of roots left offline and directories not read.
fn offline_text(s: &scan::ScanSummary) -> String {
    let left: Vec<&str> = s
        .offline
        .iter()
        .filter(|o| !o.pruned)
        .map(|o| o.root.as_str())
        .collect();
    let mut text = String::new();
    if !left.is_empty() {
        text.push_str(&format!(", offline: {}", left.join(", ")));
    }
    if !s.unreadable.is_empty() {
        text.push_str(&format!(", {} unreadable directories", s.unreadable.len()));
    }
    text
}

/// A file named on the command line that the scan would pass over (its
/// extension is not scanned) is a usage error, before anything is written:
/// a scan that says `0 files` hides why.
fn refuse_unscanned_files(paths: &[std::path::PathBuf], ext: &[String]) -> anyhow::Result<()> {
    use mediadex_core::util::{display_path, shell_quote};
    let filter = scan::walk::Filter::new(&[], ext, &[])?;
    let Some(file) = paths
        .iter()
        .find(|p| p.is_file() && !filter.has_extension(p))
    else {
        return Ok(());
    };
    let shown = display_path(file);
    let message = match file.extension() {
        Some(e) => {
            let e = e.to_string_lossy().to_ascii_lowercase();
            format!(
                "{shown}: files ending in .{e} are not scanned; add the extension: mediadex scan --ext {} {}",
                shell_quote(&e),
                shell_quote(&shown)
            )
        }
        None => format!(
            "{shown}: a file without an extension is not scanned (scan takes files by their extension; see mediadex scan --help)"
        ),
    };
    Err(super::CodedError {
        code: exit::USAGE,
        message,
    }
    .into())
}

/// One scan per catalog at a time (`CATALOG.scan.lock`).
pub fn lock_scan(db: &std::path::Path) -> anyhow::Result<std::fs::File> {
    super::lock_beside(db, "scan")
}
