//! The export's additions beside the report files: today's row of the
//! catalog's history, written before the export's snapshot so that its own
//! `history` file holds it, and `report --html FILE` (the page without an
//! export; the page itself is `mediadex_core::export::write_page`).
//!
//! Invariants: a catalog this user cannot write gets no history row and the
//! export goes on (a read-only export stays a read-only export); the page is
//! written atomically like every export file.

use std::path::Path;
use std::process::ExitCode;

use super::Context;
use mediadex_core::catalog::guard::Guarded;
use mediadex_core::catalog::{Catalog, damage, thumbnails};
use mediadex_core::export::write_page;
use mediadex_core::report;
use mediadex_core::ui::Ui;

/// Record today's (UTC) totals in the catalog's history, when the catalog and
/// its directory may be written; a failure is a warning, not a failed export,
/// unless the catalog is damaged: that is the export's error.
pub fn record_history(db: &Path, ui: &Ui) -> anyhow::Result<()> {
    use nix::unistd::{AccessFlags, access};
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if access(db, AccessFlags::W_OK).is_err() || access(dir, AccessFlags::W_OK).is_err() {
        return Ok(());
    }
    let day = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    match Catalog::open(db).and_then(|mut c| c.record_history(&day)) {
        Err(e) if damage::damage_in(&e).is_some() => Err(e.into()),
        Err(e) => {
            ui.warning(format_args!(
                "today's totals were not added to the history of {} ({e:#}); the next export adds them",
                db.display()
            ));
            Ok(())
        }
        Ok(_) => Ok(()),
    }
}

/// `report --html FILE`: the page without an export, from one snapshot.
pub fn report_html(
    ctx: &Context,
    file: &Path,
    limit: std::time::Duration,
) -> anyhow::Result<ExitCode> {
    let mut g = Guarded::open(&ctx.db, limit)?;
    ctx.ui.notes(&g.cat.notes);
    g.begin_snapshot()?;
    write_page(
        file,
        &mut |name| report::summary::run_input(&g, name),
        &mut |files| Ok(thumbnails::thumbnails_by_path(&g.cat.conn, files)?),
        None,
    )?;
    g.end_snapshot()?;
    Ok(ExitCode::SUCCESS)
}
