//! `mediadex query SQL`: read-only SQL, rendered as a table, JSON, JSON Lines or CSV.
//! The SQL runs on a guarded connection (see `catalog::guard`) under `--timeout`.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use super::report::timeout;
use crate::catalog::guard::Guarded;
use crate::catalog::query;
use crate::cli::QueryArgs;
use crate::output;

pub fn run(ctx: &Context, args: QueryArgs) -> anyhow::Result<ExitCode> {
    let g = Guarded::open(&ctx.db, timeout(args.timeout)?)?;
    let mut stmt = g.prepare(&args.sql, &args.params)?;
    let columns = query::columns(&stmt);
    let stdout = std::io::stdout();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(stdout.lock()));
    let mut sink = output::sink(args.format, out);
    sink.begin(&columns)?;
    g.for_each_row(&mut stmt, |row| sink.row(row))?;
    sink.end()?;
    Ok(ExitCode::SUCCESS)
}
