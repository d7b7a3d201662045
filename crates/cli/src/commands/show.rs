//! `mediadex show PATH...`: the stored row and document of files, scanned or
//! recorded. On a terminal a readable summary (see `show_summary`), else — or with `--json` — the JSON
//! documents, one after another.
//!
//! A path may be written in the `\xNN` form mediadex prints for bytes that are
//! not UTF-8. A path that is not catalogued is told apart from one that does
//! not exist at all; each failing path is reported on its own line and the
//! others are still shown (exit 3 if some failed, 1 if all did).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use std::process::ExitCode;

use serde_json::Value;

use super::show_summary::summary_text;
use super::{Context, exit};
use crate::cli::ShowArgs;
use mediadex_core::catalog::{Catalog, files, recordings};
use mediadex_core::util;

pub fn run(ctx: &Context, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let cat = Catalog::open_readonly(&ctx.db)?;
    ctx.ui.notes(&cat.notes);
    let host = args.host.clone().unwrap_or_else(util::host_name);
    let summary = !args.json && std::io::stdout().is_terminal();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = 0;
    for (i, given) in args.paths.iter().enumerate() {
        match find(&cat, &host, given)? {
            Some(row) => {
                if summary {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    out.write_all(summary_text(&row).as_bytes())?;
                } else {
                    serde_json::to_writer_pretty(&mut out, &row)?;
                    writeln!(out)?;
                }
            }
            None => {
                failed += 1;
                out.flush()?;
                ctx.ui.error(not_found(given, &host, &ctx.db));
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if failed == 0 {
        exit::OK
    } else if failed == args.paths.len() {
        exit::ERROR
    } else {
        exit::PARTIAL
    }))
}

/// Why `given` has no row: it does not exist, or it was never scanned.
fn not_found(given: &Path, host: &str, db: &Path) -> String {
    let shown = util::display_path(given);
    let exists = candidates(given)
        .iter()
        .any(|p| p.symlink_metadata().is_ok());
    if exists {
        format!(
            "{shown} is not in the catalog {} (host {host}) — scan it first: mediadex scan {}",
            db.display(),
            util::shell_quote(&shown)
        )
    } else {
        format!(
            "{shown}: no such file, and not in the catalog {}",
            db.display()
        )
    }
}

/// The names `given` may have been stored under: as given (made absolute),
/// its `\xNN` escapes decoded, and each with symlinked parents resolved.
fn candidates(given: &Path) -> Vec<PathBuf> {
    let abs = std::path::absolute(given).unwrap_or_else(|_| given.to_path_buf());
    let mut out = vec![abs.clone()];
    if let Some(raw) = unescape(util::path_bytes(&abs)) {
        out.push(util::path_from_bytes(&raw));
    }
    for p in out.clone() {
        if let Ok(c) = std::fs::canonicalize(&p)
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    out
}

/// `\xNN` sequences (as `util::display_bytes` writes them) decoded to bytes;
/// `None` when there are none.
fn unescape(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut any = false;
    while i < b.len() {
        if b[i] == b'\\'
            && b.get(i + 1) == Some(&b'x')
            && let Some(v) = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 4;
            any = true;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    any.then_some(out)
}

fn find(cat: &Catalog, host: &str, given: &Path) -> anyhow::Result<Option<Value>> {
    for p in candidates(given) {
        let bytes = util::path_bytes(&p);
        if let Some(row) = files::show(&cat.conn, host, bytes)? {
            return Ok(Some(serde_json::to_value(row)?));
        }
        if let Some(row) = recordings::by_path(&cat.conn, host, bytes)? {
            return Ok(Some(serde_json::to_value(row)?));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode() {
        assert_eq!(unescape(b"/a/\\xFFb.mkv").unwrap(), b"/a/\xFFb.mkv");
        assert_eq!(unescape(b"/a/b.mkv"), None);
        assert_eq!(unescape(b"/a/\\xZZ").as_deref(), None);
    }
}
