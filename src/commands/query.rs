//! `mediadex query SQL`: read-only SQL, rendered as a table, JSON, JSON Lines or CSV.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::catalog::{Catalog, query};
use crate::cli::QueryArgs;
use crate::output;

pub fn run(ctx: &Context, args: QueryArgs) -> anyhow::Result<ExitCode> {
    let cat = Catalog::open_readonly(&ctx.db)?;
    let mut stmt = query::prepare(&cat.conn, &args.sql, &args.params)?;
    let columns = query::columns(&stmt);
    let stdout = std::io::stdout();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(stdout.lock()));
    let mut sink = output::sink(args.format, out);
    sink.begin(&columns)?;
    query::for_each_row(&mut stmt, |row| sink.row(row))?;
    sink.end()?;
    Ok(ExitCode::SUCCESS)
}
