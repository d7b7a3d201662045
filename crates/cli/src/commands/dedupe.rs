//! `mediadex dedupe plan|apply|undo|ignore`: reclaim the space of
//! duplicates through a plan people can read before anything is done, with
//! every action logged in the catalog and undoable.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{Context, exit};
use crate::cli::dedupe::{ApplyArgs, DedupeArgs, DedupeCommand, IgnoreArgs, PlanArgs, UndoArgs};
use mediadex_core::catalog::Catalog;
use mediadex_core::catalog::guard::Guarded;
use mediadex_core::dedupe::apply::Mode;
use mediadex_core::dedupe::{self, Plan, PlanError};
use mediadex_core::output::human::human_bitrate;
use mediadex_core::util::{self, human_bytes};

pub fn run(ctx: &Context, args: DedupeArgs) -> anyhow::Result<ExitCode> {
    ctx.check_db()?;
    match args.command {
        DedupeCommand::Plan(a) => plan(ctx, a),
        DedupeCommand::Apply(a) => apply(ctx, a),
        DedupeCommand::Undo(a) => undo(ctx, a),
        DedupeCommand::Ignore(a) => ignore(ctx, a),
    }
}

fn plan(ctx: &Context, args: PlanArgs) -> anyhow::Result<ExitCode> {
    let prefer: Vec<String> = args
        .prefer
        .iter()
        .map(|d| util::display_path(&std::path::absolute(d).unwrap_or_else(|_| d.clone())))
        .collect();
    let cat = Catalog::open_readonly(&ctx.db)?;
    let g = Guarded::open(&ctx.db, std::time::Duration::from_secs(600))?;
    let rows = dedupe::plan::similar_rows(&g, &prefer).map_err(super::report::coded)?;
    let opts = dedupe::plan::Options {
        prefer,
        include_contained: args.include_contained,
    };
    let p = dedupe::plan::make(&cat.conn, &util::host_name(), &rows, &opts)?;
    let json = dedupe::plan::to_json(&p);
    if let Some(out) = &args.out {
        mediadex_core::atomic_file::write(out, json.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write plan {}: {e}", out.display()))?;
    }
    if let Some(html) = &args.html {
        let page = dedupe::plan::review_html(&cat.conn, &p)?;
        mediadex_core::atomic_file::write(html, page.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write review {}: {e}", html.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    if args.json || !std::io::stdout().is_terminal() {
        stdout.write_all(json.as_bytes())?;
    } else {
        stdout.write_all(table(&p).as_bytes())?;
    }
    for l in &p.left_alone {
        ctx.ui.note(format!(
            "group {} (keeps {}) left alone: {}",
            l.group, l.keep, l.reason
        ));
    }
    ctx.ui.info(&format!(
        "dedupe plan {}: {} in {} to remove, freeing {}{}",
        p.id,
        count(p.files_to_remove, "file", "files"),
        count(p.groups.len() as u64, "group", "groups"),
        human_bytes(p.bytes_freed as f64),
        match &args.out {
            Some(out) => format!(
                "; written to {} (next: mediadex dedupe apply {} --move-to DIR)",
                out.display(),
                util::shell_quote(&out.display().to_string())
            ),
            None => String::new(),
        }
    ));
    Ok(ExitCode::from(exit::OK))
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The plan as people read it: each group, its kept copy, then the others.
fn table(p: &Plan) -> String {
    let mut s = String::new();
    for g in &p.groups {
        s.push_str(&format!(
            "group {} · frees {}\n",
            g.group,
            human_bytes(g.bytes_freed as f64)
        ));
        for (kind, e) in
            std::iter::once(("keep", &g.keep)).chain(g.remove.iter().map(|e| ("remove", e)))
        {
            let why = if kind == "keep" {
                "kept".to_string()
            } else {
                format!(
                    "{}, {}{}",
                    e.relation,
                    e.why,
                    if e.identical { ", same bytes" } else { "" }
                )
            };
            s.push_str(&format!(
                "  {kind:<6}  {:>9}  {:<6}  {:>10}  {:>9}  {why}  {}\n",
                e.resolution.as_deref().unwrap_or("-"),
                e.video_codec.as_deref().unwrap_or("-"),
                e.bitrate.map_or("-".into(), |b| human_bitrate(b as f64)),
                human_bytes(e.size as f64),
                mediadex_core::output::table::visible(&e.path),
            ));
        }
    }
    if p.groups.is_empty() {
        s.push_str("nothing to remove: no group has a duplicate of its kept copy on this host\n");
    }
    s
}

/// Read a plan made on this host.
fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    let p = dedupe::read_plan(path)?;
    let here = util::host_name();
    if p.host != here {
        return Err(PlanError::OtherHost {
            path: path.to_path_buf(),
            planned: p.host,
            here,
        }
        .into());
    }
    Ok(p)
}

fn mode(args: &ApplyArgs) -> anyhow::Result<Mode> {
    Ok(match &args.move_to {
        Some(dir) => {
            if !dir.is_dir() {
                anyhow::bail!(
                    "quarantine directory {} does not exist; create it (mkdir -p {}) or pass another --move-to",
                    dir.display(),
                    util::shell_quote(&dir.display().to_string())
                );
            }
            Mode::MoveTo(std::path::absolute(dir).unwrap_or_else(|_| PathBuf::from(dir)))
        }
        None if args.hardlink => Mode::Hardlink,
        None => Mode::Delete,
    })
}

fn apply(ctx: &Context, args: ApplyArgs) -> anyhow::Result<ExitCode> {
    let p = read_plan(&args.plan)?;
    let mode = mode(&args)?;
    let _lock = super::lock_beside(&ctx.db, "scan")?;
    let mut cat = Catalog::open(&ctx.db)?;
    if let Mode::MoveTo(dir) = &mode {
        warn_inside_library(ctx, &cat, dir)?;
    }
    let unique = p
        .groups
        .iter()
        .flat_map(|g| &g.remove)
        .filter(|e| !e.identical)
        .count();
    if unique > 0 && !matches!(mode, Mode::MoveTo(_)) {
        ctx.ui.note(format!(
            "{unique} of the files to remove are not byte copies of their kept copy: `dedupe undo` cannot bring them back after --{}; --move-to can be undone",
            mode.action()
        ));
    }
    let bar = ctx.ui.progress();
    bar.start(p.files_to_remove, "dedupe");
    let out = dedupe::apply::apply(&mut cat.conn, &p, &mode, |_| bar.inc(1))?;
    bar.finish();
    for (path, why) in &out.refused {
        ctx.ui.warning(format!("refused {path}: it {why}"));
    }
    for (path, why) in &out.failed {
        ctx.ui.error(format!("{path} was left in place: {why}"));
    }
    if args.json {
        println!("{}", serde_json::to_string(&out)?);
    }
    let verb = match mode {
        Mode::MoveTo(ref d) => format!("moved to {}", d.display()),
        Mode::Hardlink => "replaced by links".into(),
        Mode::Delete => "deleted".into(),
    };
    ctx.ui.info(&format!(
        "dedupe apply {}: {} {verb} ({}){}{}{}",
        p.id,
        count(out.done, "file", "files"),
        human_bytes(out.bytes as f64),
        tail(out.already, "done before"),
        tail(out.refused.len() as u64, "refused"),
        tail(out.failed.len() as u64, "failed"),
    ));
    Ok(ExitCode::from(
        if out.refused.is_empty() && out.failed.is_empty() {
            exit::OK
        } else {
            exit::PARTIAL
        },
    ))
}

/// A quarantine under a scanned directory is scanned too: its copies come
/// back as files, and as duplicates to plan again.
fn warn_inside_library(ctx: &Context, cat: &Catalog, dir: &Path) -> anyhow::Result<()> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let roots = mediadex_core::catalog::roots::of_host(&cat.conn, &util::host_name())?;
    if let Some(root) = roots.iter().find(|r| dir.starts_with(r)) {
        ctx.ui.warning(format!(
            "quarantine {} is under the scanned directory {root}: the next scan will catalog the copies moved there; choose a directory outside the library",
            dir.display()
        ));
    }
    Ok(())
}

fn tail(n: u64, what: &str) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(", {n} {what}")
    }
}

fn undo(ctx: &Context, args: UndoArgs) -> anyhow::Result<ExitCode> {
    let p = read_plan(&args.plan)?;
    let _lock = super::lock_beside(&ctx.db, "scan")?;
    let mut cat = Catalog::open(&ctx.db)?;
    let out = dedupe::undo::undo(&mut cat.conn, &p)?;
    for (path, why) in &out.cannot {
        ctx.ui.warning(format!("cannot put back {path}: {why}"));
    }
    if args.json {
        println!("{}", serde_json::to_string(&out)?);
    }
    ctx.ui.info(&format!(
        "dedupe undo {}: {} put back{}{}",
        p.id,
        count(out.restored, "file", "files"),
        tail(out.already, "put back before"),
        tail(out.cannot.len() as u64, "cannot be"),
    ));
    Ok(ExitCode::from(if out.cannot.is_empty() {
        exit::OK
    } else {
        exit::PARTIAL
    }))
}

fn ignore(ctx: &Context, args: IgnoreArgs) -> anyhow::Result<ExitCode> {
    let (a, b) = (&args.paths[0], &args.paths[1]);
    let abs = |p: &PathBuf| std::path::absolute(p).unwrap_or_else(|_| p.clone());
    let _lock = super::lock_beside(&ctx.db, "fingerprint")?;
    let mut cat = Catalog::open(&ctx.db)?;
    let out = dedupe::ignore::ignore(&mut cat.conn, &util::host_name(), &abs(a), &abs(b))?;
    ctx.ui.info(&format!(
        "dedupe ignore: {} and {} are {}not the same video{}",
        a.display(),
        b.display(),
        if out.new { "" } else { "already known as " },
        if out.pairs_dropped > 0 {
            format!("; {} similar pair(s) dropped", out.pairs_dropped)
        } else {
            String::new()
        }
    ));
    Ok(ExitCode::from(exit::OK))
}
