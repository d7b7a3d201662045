//! `mediadex report [NAME]`: list the reports, run one in a format, print its
//! SQL, or (with no NAME) print the text summary of the library.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use super::{CodedError, Context, exit};
use crate::catalog::guard::Guarded;
use crate::cli::ReportArgs;
use crate::output::{self, Format};
use crate::report::render::TextSink;
use crate::report::{self, Report, ReportError, ReportFormat};

/// `--timeout S` as a duration; it must be positive.
pub fn timeout(seconds: f64) -> anyhow::Result<Duration> {
    if !(seconds > 0.0 && seconds.is_finite()) {
        return Err(usage("--timeout must be a positive number of seconds"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    CodedError {
        code: exit::USAGE,
        message: message.into(),
    }
    .into()
}

/// Unknown reports and parameters are usage errors (exit 2).
pub fn coded(e: ReportError) -> anyhow::Error {
    match e {
        ReportError::Unknown(_) | ReportError::UnknownParam { .. } => usage(e.to_string()),
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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.list {
        // Report files whose SQL does not compile are named too, when there
        // is a catalog to compile them against.
        if ctx.db.exists()
            && let Ok(g) = Guarded::open(&ctx.db, timeout(args.timeout)?)
        {
            loaded.set_aside(|r| r.check(&g));
        }
        list(
            &loaded.reports,
            args.format.unwrap_or(ReportFormat::Text),
            &mut out,
        )?;
        out.flush()?;
        for w in loaded.warnings() {
            eprintln!("{w}");
        }
        return Ok(ExitCode::from(if loaded.broken.is_empty() {
            exit::OK
        } else {
            exit::PARTIAL
        }));
    }
    for w in loaded.warnings() {
        eprintln!("{w}");
    }
    let reports = loaded.reports;
    let limit = timeout(args.timeout)?;
    if let Some(file) = &args.html {
        return super::page::report_html(ctx, file, limit);
    }
    let Some(name) = args.name else {
        if args.format.is_some_and(|f| f != ReportFormat::Text) || !args.params.is_empty() {
            return Err(usage(
                "the library summary is text only and takes no parameters; name a report for -f or -p (see `mediadex report --list`)",
            ));
        }
        let g = Guarded::open(&ctx.db, limit)?;
        out.write_all(report::summary::summary_text(&g)?.as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    let r = report::find(&reports, &name).map_err(coded)?;
    let params = r.bind(&args.params).map_err(coded)?;
    if args.show_sql {
        out.write_all(r.inline_sql(&params).as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let g = Guarded::open(&ctx.db, limit)?;
    let out: Box<dyn Write> = Box::new(out);
    let mut sink = match args.format.unwrap_or(ReportFormat::Text) {
        ReportFormat::Text => Box::new(TextSink::new(out, title(r, &params))),
        ReportFormat::Json => output::sink(Format::Json, out),
        ReportFormat::Ndjson => output::sink(Format::Ndjson, out),
        ReportFormat::Csv => output::sink(Format::Csv, out),
    };
    r.run(&g, &params, sink.as_mut())?;
    Ok(ExitCode::SUCCESS)
}

fn list(reports: &[Report], format: ReportFormat, out: &mut dyn Write) -> anyhow::Result<()> {
    let params = |r: &Report| {
        r.params
            .iter()
            .map(|p| format!("{}={}", p.name, p.default))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if format == ReportFormat::Text {
        let columns = ["name", "parameters", "description"].map(String::from);
        let rows: Vec<Vec<String>> = reports
            .iter()
            .map(|r| {
                let mut d = r.description.clone();
                if let report::Origin::File(p) = &r.origin {
                    d.push_str(&format!(" [{}]", p.display()));
                }
                vec![r.name.clone(), params(r), d]
            })
            .collect();
        output::write_table_aligned(out, &columns, &rows, &[false, false, false])?;
        return Ok(());
    }
    let columns = ["name", "description", "params", "source"].map(String::from);
    let fmt = match format {
        ReportFormat::Json => Format::Json,
        ReportFormat::Ndjson => Format::Ndjson,
        _ => Format::Csv,
    };
    let mut sink = output::sink(fmt, Box::new(out));
    sink.begin(&columns)?;
    for r in reports {
        let p: serde_json::Map<String, serde_json::Value> = r
            .params
            .iter()
            .map(|p| (p.name.clone(), serde_json::Value::String(p.default.clone())))
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
