//! `mediadex load FILE...`: merge dumps into the catalog, one transaction per
//! file. A file that fails (or, with `--partial`, was not whole) is reported;
//! the others still load, and the exit code is 3. A catalog found damaged
//! stops the run with exit 1, its error naming the catalog, not the dump.

use std::io::BufRead;
use std::process::ExitCode;

use super::{Context, exit};
use crate::cli::LoadArgs;
use mediadex_core::catalog::dump::{self, Merge};
use mediadex_core::catalog::{Catalog, damage};

fn merge_text(kind: &str, m: &Merge) -> String {
    format!(
        "{kind} {} new, {} updated, {} unchanged",
        m.inserted, m.updated, m.unchanged
    )
}

pub fn run(ctx: &Context, args: LoadArgs) -> anyhow::Result<ExitCode> {
    let mut cat = Catalog::open(&ctx.db)?;
    let mut failed = 0;
    for path in &args.files {
        let name = path.display().to_string();
        let result = if name == "-" {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            dump::load(&mut cat, &mut input, args.partial)
        } else {
            match std::fs::File::open(path) {
                Ok(f) => {
                    let mut input: Box<dyn BufRead> =
                        Box::new(std::io::BufReader::with_capacity(256 * 1024, f));
                    dump::load(&mut cat, &mut input, args.partial)
                }
                Err(e) => {
                    failed += 1;
                    ctx.ui.error(format_args!("could not open {name}: {e}"));
                    continue;
                }
            }
        };
        match result {
            Ok(c) => {
                if c.skipped > 0 {
                    failed += 1;
                    ctx.ui.warning(format_args!(
                        "{name}: {} implausible row(s) skipped (--partial); the first, {}",
                        c.skipped,
                        c.first_skipped.as_deref().unwrap_or("")
                    ));
                }
                if let Some(why) = &c.incomplete {
                    failed += 1;
                    ctx.ui.warning(format_args!(
                        "{name} is not a whole dump: {why}; --partial: its whole rows were loaded"
                    ));
                }
                if !ctx.ui.quiet() {
                    ctx.ui.line(&format!(
                        "load {name}: {}; {}; {}; {}; {}; {}{}",
                        merge_text("media", &c.media),
                        merge_text("recordings", &c.recordings),
                        merge_text("scans", &c.scans),
                        merge_text("fingerprints", &c.fingerprints),
                        merge_text("roots", &c.roots),
                        merge_text("history days", &c.history),
                        decisions(&c.not_duplicates)
                    ));
                }
            }
            // The catalog's own damage is no fault of this dump, and the
            // next dump would meet it too: stop, and blame the catalog.
            Err(e) if damage::damage_in(&e).is_some() => return Err(e.into()),
            Err(e) => {
                failed += 1;
                ctx.ui.error(format_args!(
                    "could not load {name}: {e}; nothing from it was loaded"
                ));
            }
        }
    }
    Ok(ExitCode::from(if failed > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    }))
}

/// `; N not-duplicate decisions …` when the dump had any.
fn decisions(m: &mediadex_core::catalog::dump::Merge) -> String {
    if m.inserted + m.updated + m.unchanged == 0 {
        String::new()
    } else {
        format!("; {}", merge_text("not-duplicate decisions", m))
    }
}
