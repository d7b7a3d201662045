//! `mediadex export --out DIR`: every report (or the named ones) into DIR as
//! one file each, plus `summary.txt`, the page `index.html` and
//! `manifest.json`, for cron; first, today's row of the catalog's history.
//! The engine is `mediadex_core::export`; this file picks the reports, takes
//! the lock and opens the snapshot.
//!
//! Invariants: one export per catalog at a time (an flock on
//! `CATALOG.export.lock`, or on `OUT/.mediadex-export.lock` when the catalog's
//! directory is read-only, released by the kernel when the process dies); every
//! report reads the same snapshot (reports run on up to `--jobs` connections,
//! whose read transactions all start at one snapshot); nothing is printed on
//! success.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::report::{coded, timeout};
use super::{Context, exit};
use crate::cli::ExportArgs;
use mediadex_core::atomic_file;
use mediadex_core::catalog::guard::{self, Guarded};
use mediadex_core::export::{self, BrokenFile, Export, MAX_JOBS};
pub use mediadex_core::export::{MANIFEST_FILE, SUMMARY_FILE};
use mediadex_core::report::{self, Report, ReportError};

/// One export per catalog at a time (`CATALOG.export.lock`). A user who may
/// only read the catalog cannot create that file: then the lock is
/// `OUT/.mediadex-export.lock`, which still keeps two exports from writing
/// the same directory at once.
pub fn lock_export(db: &Path, out: &Path) -> anyhow::Result<std::fs::File> {
    let beside = super::lock_path(db, "export");
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let writable = nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK).is_ok();
    if beside.exists() || writable {
        super::lock_at(&beside, db, "export")
    } else {
        super::lock_at(&out.join(OUT_LOCK_FILE), db, "export")
    }
}

/// The export lock in the output directory, when the catalog's is read-only.
pub const OUT_LOCK_FILE: &str = ".mediadex-export.lock";

pub fn run(ctx: &Context, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let limit = timeout(args.timeout)?;
    let loaded = report::load_all(args.sql_dir.as_deref())?;
    for e in loaded.errors() {
        ctx.ui.error(e);
    }
    // A broken report file is a report this export could not write, unless
    // only other reports were asked for.
    let broken: Vec<BrokenFile> = if args.reports.is_empty() {
        loaded.broken.iter().map(BrokenFile::from).collect()
    } else {
        Vec::new()
    };
    let all = loaded.reports;
    let selected = select(&all, &args)?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, MAX_JOBS)
        .min(selected.len().max(1));
    let conns = (0..jobs)
        .map(|_| Guarded::open(&ctx.db, limit))
        .collect::<Result<Vec<_>, _>>()?;
    for g in &conns {
        ctx.ui.notes(&g.cat.notes);
    }
    let created = !args.out.exists();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("could not create export directory {}", args.out.display()))?;
    let failed = write_set(ctx, &args, conns, selected, broken);
    if created && failed.is_err() {
        // An export that made nothing leaves no empty directory behind.
        let _ = std::fs::remove_dir(&args.out);
    }
    Ok(ExitCode::from(if failed? > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    }))
}

/// Lock, record today's history, and write the set from one snapshot;
/// returns how many files failed.
fn write_set(
    ctx: &Context,
    args: &ExportArgs,
    mut conns: Vec<Guarded>,
    selected: Vec<&Report>,
    broken: Vec<BrokenFile>,
) -> anyhow::Result<usize> {
    let _lock = lock_export(&ctx.db, &args.out)?;
    // Safe now that we hold the lock: no other export is writing here.
    atomic_file::remove_stale_temps(&args.out)
        .with_context(|| format!("could not clean temporary files in {}", args.out.display()))?;
    super::page::record_history(&ctx.db, &ctx.ui)?;
    guard::begin_shared_snapshot(&mut conns, &ctx.db)?;
    let x = Export {
        catalog: &ctx.db,
        out: &args.out,
        format: args.format,
        params: &args.params,
        reports: &selected,
        broken,
    };
    export::export(&mut conns, x, &ctx.ui)
}

/// The reports named (all when none is), each once, in name order; a `-p`
/// that none of them declares is a usage error.
fn select<'r>(all: &'r [Report], args: &ExportArgs) -> anyhow::Result<Vec<&'r Report>> {
    let mut selected: Vec<&Report> = if args.reports.is_empty() {
        all.iter().collect()
    } else {
        args.reports
            .iter()
            .map(|n| report::find(all, n))
            .collect::<Result<_, _>>()
            .map_err(coded)?
    };
    selected.sort_by(|a, b| a.name.cmp(&b.name));
    selected.dedup_by(|a, b| a.name == b.name);
    // `-p` applies to every selected report that declares the parameter.
    for (k, _) in &args.params {
        if !selected
            .iter()
            .any(|r| r.params.iter().any(|p| &p.name == k))
        {
            return Err(coded(ReportError::UnknownParam {
                report: "export".into(),
                param: k.clone(),
                known: "those declared by the exported reports (see `mediadex report --list`)"
                    .into(),
            }));
        }
    }
    Ok(selected)
}
