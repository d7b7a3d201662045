//! `mediadex dump [--out FILE]`: the whole catalog as JSON Lines, to standard
//! output (also `--out -`) or atomically into FILE.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Context;
use crate::cli::DumpArgs;
use mediadex_core::atomic_file::AtomicFile;
use mediadex_core::catalog::{Catalog, dump};
use mediadex_core::util;

pub fn run(ctx: &Context, args: DumpArgs) -> anyhow::Result<ExitCode> {
    let cat = Catalog::open_readonly(&ctx.db)?;
    ctx.ui.notes(&cat.notes);
    let now = util::now_utc();
    // `--out -` is standard output, as for `load -`.
    let file = args.out.as_ref().filter(|p| p.as_os_str() != "-");
    let counts = match file {
        Some(path) => {
            let mut file = AtomicFile::create(path)
                .with_context(|| format!("could not create {}", path.display()))?;
            let counts = dump::dump(&cat, &mut file, &now)
                .with_context(|| format!("could not dump catalog {}", ctx.db.display()))?;
            file.commit()
                .with_context(|| format!("could not write {}", path.display()))?;
            counts
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(256 * 1024, stdout.lock());
            let counts = dump::dump(&cat, &mut out, &now)
                .with_context(|| format!("could not dump catalog {}", ctx.db.display()))?;
            out.flush()?;
            counts
        }
    };
    ctx.ui.info(&format!(
        "dump: {} media, {} recordings, {} scans{}",
        counts.media,
        counts.recordings,
        counts.scans,
        file.map(|p| format!(" → {}", p.display()))
            .unwrap_or_default()
    ));
    Ok(ExitCode::SUCCESS)
}
