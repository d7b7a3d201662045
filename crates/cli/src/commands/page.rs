//! The export's additions beside the report files: today's row of the
//! catalog's history, written before the export's snapshot so that its own
//! `history` file holds it, and the HTML page (`index.html`, or
//! `report --html FILE`).
//!
//! Invariants: a catalog this user cannot write gets no history row and the
//! export goes on (a read-only export stays a read-only export); the page is
//! written atomically like every export file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Context;
use mediadex_core::atomic_file;
use mediadex_core::catalog::Catalog;
use mediadex_core::catalog::guard::Guarded;
use mediadex_core::report::{self, ReportError, Rows};

/// Name of the page in the export directory.
pub const PAGE_FILE: &str = "index.html";

/// Record today's (UTC) totals in the catalog's history, when the catalog and
/// its directory may be written; a failure is a warning, not a failed export.
pub fn record_history(db: &Path) {
    use nix::unistd::{AccessFlags, access};
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if access(db, AccessFlags::W_OK).is_err() || access(dir, AccessFlags::W_OK).is_err() {
        return;
    }
    let day = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    if let Err(e) = Catalog::open(db).and_then(|mut c| c.record_history(&day)) {
        eprintln!(
            "mediadex: warning: today's totals were not added to the history of {} ({e:#}); the next export adds them",
            db.display()
        );
    }
}

/// Render the page from `get` and write it to `target` atomically; returns
/// its bytes.
pub fn write_page(
    target: &Path,
    get: &mut dyn FnMut(&str) -> Result<Rows, ReportError>,
    json: Option<&str>,
) -> anyhow::Result<Vec<u8>> {
    let text = report::html::page_from(get, json)?;
    atomic_file::write(target, text.as_bytes())
        .with_context(|| format!("could not write {}", target.display()))?;
    Ok(text.into_bytes())
}

/// `report --html FILE`: the page without an export, from one snapshot.
pub fn report_html(
    ctx: &Context,
    file: &Path,
    limit: std::time::Duration,
) -> anyhow::Result<ExitCode> {
    let mut g = Guarded::open(&ctx.db, limit)?;
    g.begin_snapshot()?;
    write_page(file, &mut |name| report::summary::run_input(&g, name), None)?;
    g.end_snapshot()?;
    Ok(ExitCode::SUCCESS)
}
