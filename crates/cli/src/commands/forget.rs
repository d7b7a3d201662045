//! `mediadex forget`: drop the rows of files that are gone (`--missing`) or
//! of the given paths, with everything the catalog holds of them, and say
//! how many; `--dry-run` lists them on stdout (`HOST:PATH`, a line each) and
//! changes nothing.
//!
//! Invariants: the selection is deleted in one transaction; the lock a scan
//! takes is held, so no scan writes rows while they go.

use std::process::ExitCode;

use super::{Context, exit};
use crate::cli::ForgetArgs;
use mediadex_core::catalog::{Catalog, forget};
use mediadex_core::util;

pub fn run(ctx: &Context, args: ForgetArgs) -> anyhow::Result<ExitCode> {
    let _lock = super::lock_beside(&ctx.db, "scan")?;
    let mut cat = Catalog::open(&ctx.db)?;
    let f = if args.missing {
        let before = args.missing_for.map(|age| {
            let age = jiff::SignedDuration::try_from(age).unwrap_or(jiff::SignedDuration::MAX);
            let at = jiff::Timestamp::now()
                .checked_sub(age)
                .unwrap_or(jiff::Timestamp::MIN);
            util::format_timestamp(at)
        });
        forget::missing(&mut cat.conn, before.as_deref(), args.dry_run)?
    } else {
        let under = util::Under::new(&args.paths);
        forget::paths(&mut cat.conn, &util::host_name(), &under, args.dry_run)?
    };
    if args.json {
        println!("{}", serde_json::to_string(&f)?);
    }
    if args.dry_run && !args.json {
        for p in &f.paths {
            println!("{}", mediadex_core::output::table::visible(p));
        }
    }
    let n = |k: u64, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    ctx.ui.info(&format!(
        "forget{}: {} {} ({}, {})",
        if args.dry_run { " --dry-run" } else { "" },
        if args.dry_run {
            "would drop"
        } else {
            "dropped"
        },
        n(f.files, "file", "files"),
        n(f.fingerprints, "fingerprint", "fingerprints"),
        n(f.health, "health check", "health checks"),
    ));
    if f.files == 0 && !args.missing {
        ctx.ui
            .warning("no catalogued file of this host is at or under those paths");
        return Ok(ExitCode::from(exit::PARTIAL));
    }
    Ok(ExitCode::from(exit::OK))
}
