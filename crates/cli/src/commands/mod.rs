//! Glue between the command line and the library: one file per verb. This is the
//! only layer that touches every other module.

pub mod complete_report;
pub mod completions;
pub mod dedupe;
pub mod dump;
pub mod export;
pub mod fingerprint;
pub mod forget;
pub mod load;
pub mod page;
pub mod query;
pub mod repair;
pub mod report;
pub mod scan;
pub mod show;
pub mod show_summary;
pub mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use mediadex_core::catalog::damage::{self, Check};
use mediadex_core::ui::Ui;

/// Exit codes of the CLI contract.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const PARTIAL: u8 = 3;
    pub const INTERRUPTED: u8 = 130;
    pub const LOCKED: u8 = 75;
}

/// An error that carries its own exit code (for example 75, catalog busy).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CodedError {
    pub code: u8,
    pub message: String,
}

/// An exclusive lock on `CATALOG.<what>.lock`, one `what` (scan, export) per
/// catalog at a time. The kernel drops it when the process dies, so a killed run
/// never blocks the next; a held lock is exit 75 with a message saying why.
/// What a verb that decodes in the worker pool holds while it runs: its
/// jobs (one file per CPU unless asked: decoding is CPU-bound), the lock
/// beside the catalog, and the flag Ctrl-C and SIGTERM raise.
pub struct Decoding {
    pub jobs: usize,
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    _lock: std::fs::File,
}

/// Find the worker executable, take the lock for `what`, watch the signals.
pub fn decoding(ctx: &Context, jobs: Option<usize>, what: &str) -> anyhow::Result<Decoding> {
    use anyhow::Context as _;
    let jobs = jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        })
        .max(1);
    mediadex_core::pool::companion::media_exe()?;
    let lock = lock_beside(&ctx.db, what)?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())
            .context("could not install signal handler")?;
    }
    Ok(Decoding {
        jobs,
        stop,
        _lock: lock,
    })
}

pub fn lock_beside(db: &std::path::Path, what: &str) -> anyhow::Result<std::fs::File> {
    use anyhow::Context as _;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
    }
    lock_at(&lock_path(db, what), db, what)
}

/// `CATALOG.<what>.lock`.
pub fn lock_path(db: &std::path::Path, what: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(format!(".{what}.lock"));
    PathBuf::from(name)
}

/// Take the lock `path` for a `what` of catalog `db`. An existing lock file
/// that this user may not write is locked through a read-only handle (flock
/// needs no more).
pub fn lock_at(
    path: &std::path::Path,
    db: &std::path::Path,
    what: &str,
) -> anyhow::Result<std::fs::File> {
    use anyhow::Context as _;
    let path = path.to_path_buf();
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                if path.exists() =>
            {
                std::fs::File::open(&path)
            }
            _ => Err(e),
        })
        .with_context(|| format!("could not open lock file {}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(CodedError {
            code: exit::LOCKED,
            message: format!(
                "another {what} of catalog {} is running (lock {}); wait for it to finish and run again",
                db.display(),
                path.display()
            ),
        }
        .into()),
        Err(std::fs::TryLockError::Error(e)) => Err(anyhow::anyhow!("could not lock {}: {e}", path.display())),
    }
}

pub struct Context {
    pub db: PathBuf,
    /// The catalog path was given (`--db`, `$MEDIADEX_DB`): its directory is
    /// never created, only the default location's is.
    pub db_given: bool,
    /// `-q` (the same as `ui.quiet()`).
    pub quiet: bool,
    /// Where every verb's messages on stderr go.
    pub ui: Ui,
}

impl Context {
    pub fn of(cli: &Cli) -> Context {
        Context {
            db: cli
                .db
                .clone()
                .unwrap_or_else(mediadex_core::util::default_db_path),
            db_given: cli.db.is_some() || mediadex_core::util::db_from_env(),
            quiet: cli.quiet,
            ui: Ui::new(cli.quiet),
        }
    }

    /// A catalog path that cannot be one: a directory, or a given path whose
    /// directory does not exist (a typo, an unmounted share). Both are told
    /// before anything creates files there.
    pub fn check_db(&self) -> anyhow::Result<()> {
        use mediadex_core::util::shell_quote;
        let shown = |p: &std::path::Path| shell_quote(&p.display().to_string());
        if self.db.is_dir() {
            anyhow::bail!(
                "catalog {} is a directory; pass a file in it, e.g. --db {}",
                self.db.display(),
                shown(&self.db.join("catalog.db"))
            );
        }
        let dir = self.db.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|d| self.db_given && !d.is_dir()) {
            anyhow::bail!(
                "the directory {} of catalog {} does not exist; create it (mkdir -p {}) or pass another --db",
                dir.display(),
                self.db.display(),
                shown(dir)
            );
        }
        Ok(())
    }
}

/// Parse the command line, run the verb with `run` (this crate's [`run`], or
/// the media executable's, which handles its own verbs first), map errors to
/// exit codes.
pub fn main(run: fn(Cli) -> anyhow::Result<ExitCode>) -> ExitCode {
    use clap::Parser;
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if mediadex_core::output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            Ui::default().error(error_line(&e));
            let code = e
                .downcast_ref::<CodedError>()
                .map(|c| c.code)
                .unwrap_or(exit::ERROR);
            ExitCode::from(code)
        }
    }
}

/// An error and its causes on one line: a cause already spelled out by the
/// message above it is not repeated, nor SQLite's generic "Error code N" once
/// SQLite's own message is there, and line breaks become spaces.
pub fn error_line(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        if cause.is::<rusqlite::ffi::Error>() && !msg.is_empty() {
            continue;
        }
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || msg.contains(text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(text);
    }
    msg.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Run a verb. The verbs that need the media libraries (`record`, the worker
/// verbs, `scan --in-process`) re-execute the command line as `mediadex-media`.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::of(&cli);
    if cli.command.uses_catalog() {
        ctx.check_db()?;
    }
    let result = match cli.command {
        Command::Scan(a) => scan::run(&ctx, a, None),
        Command::Show(a) => show::run(&ctx, a),
        Command::Query(a) => query::run(&ctx, a),
        Command::Repair(a) => repair::run(&ctx, a),
        Command::Report(a) => report::run(&ctx, a),
        Command::Export(a) => export::run(&ctx, a),
        Command::Dump(a) => dump::run(&ctx, a),
        Command::Load(a) => load::run(&ctx, a),
        Command::Completions(a) => completions::completions(a),
        Command::Man => completions::man(),
        Command::CompleteReport(a) => complete_report::run(a),
        Command::Fingerprint(a) => fingerprint::run(&ctx, a),
        Command::Verify(a) => verify::run(&ctx, a),
        Command::Forget(a) => forget::run(&ctx, a),
        Command::Dedupe(a) => dedupe::run(&ctx, a),
        Command::Record(_)
        | Command::ProbeWorker(_)
        | Command::FingerprintWorker(_)
        | Command::VerifyWorker(_) => Err(mediadex_core::pool::companion::exec_media_exe()),
    };
    // An SQLite error that says the catalog file is broken becomes the one
    // message that names the catalog, whatever the verb met it doing.
    result.map_err(|e| damage::blame(&ctx.db, Check::Integrity, e))
}
