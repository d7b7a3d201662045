//! `mediadex report [NAME]`: list the reports, run one in a format, print its
//! SQL, or (with no NAME) print the text summary of the library.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use super::{CodedError, Context, exit};
use crate::cli::ReportArgs;
use mediadex_core::catalog::guard::Guarded;
use mediadex_core::output::human::text_sink;
use mediadex_core::output::table::wrap;
use mediadex_core::output::{self, Format, Style};
use mediadex_core::report::{self, Report, ReportError};

/// `--timeout S` as a duration (clap has checked that it is positive).
pub fn timeout(seconds: f64) -> anyhow::Result<Duration> {
    if !(seconds > 0.0 && seconds.is_finite()) {
        return Err(usage("--timeout must be a positive number of seconds"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    CodedError {
        code: exit::USAGE,
        message: message.into(),
    }
    .into()
}

/// How `query` and `report` write to stdout: as `output` asks (a bad
/// combination is a usage error), a table's note silenced under `-q`.
pub fn style(ctx: &Context, output: &crate::cli::OutputArgs) -> anyhow::Result<Style> {
    let mut style = output.style().map_err(usage)?;
    style.table.quiet = ctx.quiet;
    Ok(style)
}

/// Unknown reports and parameters are usage errors (exit 2).
pub fn coded(e: ReportError) -> anyhow::Error {
    match e {
        ReportError::Unknown(_)
        | ReportError::UnknownParam { .. }
        | ReportError::BadParam { .. }
        | ReportError::NotAllowed { .. } => usage(e.to_string()),
        other => other.into(),
    }
}

/// The title line of a report: name, description and the parameters used.
pub fn title(r: &Report, params: &[(String, String)]) -> String {
    if params.is_empty() {
        format!("{}: {}", r.name, r.description)
    } else {
        format!(
            "{}: {} ({})",
            r.name,
            r.description,
            Report::describe_params(params)
        )
    }
}

pub fn run(ctx: &Context, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let mut loaded = report::load_all(args.sql_dir.as_deref())?;
    let style = style(ctx, &args.output)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.list {
        // Report files whose SQL does not compile are named too, when there
        // is a catalog to compile them against.
        if ctx.db.exists()
            && let Ok(g) = Guarded::open(&ctx.db, timeout(args.timeout)?)
        {
            ctx.ui.notes(&g.cat.notes);
            loaded.set_aside(|r| r.check(&g));
        }
        list(&loaded.reports, style, &mut out)?;
        out.flush()?;
        for e in loaded.errors() {
            ctx.ui.error(e);
        }
        return Ok(ExitCode::from(if loaded.broken.is_empty() {
            exit::OK
        } else {
            exit::PARTIAL
        }));
    }
    for e in loaded.errors() {
        ctx.ui.error(e);
    }
    let reports = loaded.reports;
    let limit = timeout(args.timeout)?;
    if let Some(file) = &args.html {
        return super::page::report_html(ctx, file, limit);
    }
    let Some(name) = args.name else {
        if args.output.format().is_some_and(|f| f != Format::Table) || !args.params.is_empty() {
            return Err(usage(
                "the library summary is text only and takes no parameters; name a report for -f or -p (see `mediadex report --list`)",
            ));
        }
        let g = Guarded::open(&ctx.db, limit)?;
        ctx.ui.notes(&g.cat.notes);
        out.write_all(report::summary::summary_text(&g)?.as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    let r = report::find(&reports, &name).map_err(coded)?;
    let mut given = args.params.clone();
    if !args.prefer.is_empty() {
        if !r.params.iter().any(|p| p.name == "prefer") {
            return Err(usage(format!(
                "report {name} ranks no copies: --prefer is for `mediadex report similar`"
            )));
        }
        let dirs: Vec<String> = args
            .prefer
            .iter()
            .map(|d| {
                std::path::absolute(d)
                    .unwrap_or_else(|_| d.clone())
                    .display()
                    .to_string()
            })
            .collect();
        given.push(("prefer".into(), dirs.join("\n")));
    }
    let params = r.bind(&given).map_err(coded)?;
    if args.show_sql {
        out.write_all(r.inline_sql(&params).as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let g = Guarded::open(&ctx.db, limit)?;
    ctx.ui.notes(&g.cat.notes);
    let out: Box<dyn Write> = Box::new(out);
    let mut sink = match style.format {
        Format::Table => Box::new(text_sink(out, style.table, title(r, &params))),
        _ => output::styled(style, out),
    };
    r.run(&g, &params, sink.as_mut())?;
    Ok(ExitCode::SUCCESS)
}

/// `report --list`: in a table style, one line per report (name and
/// description) and an indented line per parameter with its type, default and
/// meaning, wrapped to the terminal (80 columns off one); otherwise rows.
fn list(reports: &[Report], style: Style, out: &mut dyn Write) -> anyhow::Result<()> {
    if style.format == Format::Table {
        let width = style.table.width.unwrap_or(80);
        let name_w = reports.iter().map(|r| r.name.len()).max().unwrap_or(0);
        let indent = name_w + 2;
        for r in reports {
            let mut d = r.description.clone();
            if let report::Origin::File(p) = &r.origin {
                d.push_str(&format!(" [{}]", p.display()));
            }
            let lines = wrap(&d, width.saturating_sub(indent).max(20));
            for (i, l) in lines.iter().enumerate() {
                let head = if i == 0 { r.name.as_str() } else { "" };
                writeln!(out, "{head:name_w$}  {l}")?;
            }
            for p in &r.params {
                let text = match &p.help {
                    Some(h) => format!("{} — {h}", p.signature()),
                    None => p.signature(),
                };
                let pad = indent + 2;
                for (i, l) in wrap(&text, width.saturating_sub(pad + 2).max(20))
                    .iter()
                    .enumerate()
                {
                    let extra = if i == 0 { "" } else { "  " };
                    writeln!(out, "{:pad$}{extra}{l}", "")?;
                }
            }
        }
        return Ok(());
    }
    let columns = ["name", "description", "params", "source"].map(String::from);
    let mut sink = output::styled(style, Box::new(out));
    sink.begin(&columns)?;
    for r in reports {
        let p: serde_json::Map<String, serde_json::Value> = r
            .params
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    serde_json::json!({"type": p.kind, "default": p.default, "help": p.help, "allowed": p.allowed}),
                )
            })
            .collect();
        sink.row(&[
            r.name.clone().into(),
            r.description.clone().into(),
            serde_json::Value::Object(p),
            r.origin.to_string().into(),
        ])?;
    }
    sink.end()?;
    Ok(())
}
