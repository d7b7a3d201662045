//! `mediadex show PATH`: the stored row and document of one file, as JSON.

use std::process::ExitCode;

use super::Context;
use crate::catalog::{Catalog, files};
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
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &row)?;
            use std::io::Write;
            writeln!(out)?;
            return Ok(ExitCode::SUCCESS);
        }
    }
    anyhow::bail!(
        "{} is not in catalog {} (host {host}); scan its directory first",
        util::display_path(&abs),
        ctx.db.display()
    )
}
