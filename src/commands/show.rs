//! `mediadex show PATH`: the stored row and document of one file, as JSON: a
//! scanned file, else a recording.

use std::process::ExitCode;

use super::Context;
use crate::catalog::{Catalog, files, recordings};
use crate::cli::ShowArgs;
use crate::util;

pub fn run(ctx: &Context, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let cat = Catalog::open_readonly(&ctx.db)?;
    let abs = std::path::absolute(&args.path)?;
    // Prefer the name as given; fall back to the resolved one (symlinked parents).
    let mut candidates = vec![abs.clone()];
    if let Ok(c) = std::fs::canonicalize(&abs)
        && c != abs
    {
        candidates.push(c);
    }
    let host = args.host.unwrap_or_else(util::host_name);
    for p in &candidates {
        if let Some(row) = files::show(&cat.conn, &host, util::path_bytes(p))? {
            return print(&row);
        }
        if let Some(row) = recordings::by_path(&cat.conn, &host, util::path_bytes(p))? {
            return print(&row);
        }
    }
    anyhow::bail!(
        "{} is not in catalog {} (host {host}); scan its directory first",
        util::display_path(&abs),
        ctx.db.display()
    )
}

fn print(row: &impl serde::Serialize) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, row)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}
