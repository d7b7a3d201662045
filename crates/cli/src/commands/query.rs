//! `mediadex query SQL`: read-only SQL, rendered as a table, JSON, JSON Lines,
//! CSV or TSV. The SQL runs on a guarded connection (see `catalog::guard`)
//! under `--timeout`; its errors name the catalog and the place in the SQL.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Context;
use super::report::timeout;
use crate::cli::QueryArgs;
use mediadex_core::catalog::guard::Guarded;
use mediadex_core::catalog::query;
use mediadex_core::output;

pub fn run(ctx: &Context, args: QueryArgs) -> anyhow::Result<ExitCode> {
    let style = super::report::style(ctx, &args.output)?;
    let g = Guarded::open(&ctx.db, timeout(args.timeout)?)?;
    ctx.ui.notes(&g.cat.notes);
    let on = || format!("query on catalog {}", ctx.db.display());
    let mut stmt = g.prepare(&args.sql, &args.params).with_context(on)?;
    let columns = query::columns(&stmt);
    let stdout = std::io::stdout();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(stdout.lock()));
    let mut sink = output::styled(style, out);
    sink.begin(&columns)?;
    g.for_each_row(&mut stmt, |row| sink.row(row))
        .with_context(on)?;
    sink.end()?;
    Ok(ExitCode::SUCCESS)
}
