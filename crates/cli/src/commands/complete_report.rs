//! `mediadex __complete-report -- WORDS...`: what the shell completion
//! scripts offer where clap's static scripts cannot know the answer: after
//! `report` the report names (bundled, and those of `--sql-dir` or
//! `$MEDIADEX_SQL_DIR`), after `report NAME -p` that report's parameters as
//! `name=` (`name=value` for a parameter with a fixed set of values), after
//! `export --report` the names and after `export -p` every report's
//! parameters. One candidate a line; nothing when there is nothing to offer.
//!
//! The words are read with the same clap definition as the parser, so an
//! option's value is never taken for the report name.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;
use mediadex_core::report::{self, Report};

use crate::cli::{Cli, CompleteReportArgs};

pub fn run(args: CompleteReportArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for c in candidates(&args.words) {
        writeln!(out, "{c}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// What a command line says so far: its verb, its first positional word
/// after the verb, its `--sql-dir`, and the option whose value comes next.
#[derive(Debug, Default, PartialEq)]
struct Typed {
    verb: Option<String>,
    name: Option<String>,
    sql_dir: Option<PathBuf>,
    pending: Option<String>,
}

fn read(words: &[String]) -> Typed {
    let mut cmd = Cli::command();
    cmd.build();
    let mut at = cmd.clone();
    let mut typed = Typed::default();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let (flag, inline) = match w.strip_prefix("--") {
            Some(long) => match long.split_once('=') {
                Some((k, v)) => (
                    at.get_arguments().find(|a| a.get_long() == Some(k)),
                    Some(v),
                ),
                None => (
                    at.get_arguments().find(|a| a.get_long() == Some(long)),
                    None,
                ),
            },
            None if w.len() == 2 && w.starts_with('-') => {
                let c = w.chars().nth(1);
                (at.get_arguments().find(|a| a.get_short() == c), None)
            }
            None if w.starts_with('-') => continue,
            None => {
                match &typed.verb {
                    None => {
                        typed.verb = Some(w.clone());
                        at = cmd
                            .find_subcommand(w)
                            .cloned()
                            .unwrap_or_else(|| at.clone());
                    }
                    Some(_) if typed.name.is_none() => typed.name = Some(w.clone()),
                    Some(_) => {}
                }
                continue;
            }
        };
        let Some(arg) = flag.filter(|a| a.get_action().takes_values()) else {
            continue;
        };
        let id = arg.get_id().to_string();
        let value = match inline {
            Some(v) => v.to_string(),
            None => match it.next() {
                Some(v) => v.clone(),
                None => {
                    typed.pending = Some(id);
                    break;
                }
            },
        };
        if id == "sql_dir" {
            typed.sql_dir = Some(PathBuf::from(value));
        }
    }
    typed
}

fn candidates(words: &[String]) -> Vec<String> {
    let typed = read(words);
    let dir = typed
        .sql_dir
        .clone()
        .or_else(|| std::env::var_os("MEDIADEX_SQL_DIR").map(PathBuf::from));
    let Ok(loaded) = report::load_all(dir.as_deref()) else {
        return Vec::new();
    };
    let reports = &loaded.reports;
    let names = || reports.iter().map(|r| r.name.clone()).collect();
    match (typed.verb.as_deref(), typed.pending.as_deref()) {
        (Some("report"), None) if typed.name.is_none() => names(),
        (Some("report"), Some("params")) => typed
            .name
            .and_then(|n| reports.iter().find(|r| r.name == n))
            .map(params)
            .unwrap_or_default(),
        (Some("export"), Some("reports")) => names(),
        (Some("export"), Some("params")) => {
            let all: BTreeSet<String> = reports.iter().flat_map(params).collect();
            all.into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// A report's parameters as the start of `-p` values.
fn params(r: &Report) -> Vec<String> {
    r.params
        .iter()
        .flat_map(|p| {
            if p.allowed.is_empty() {
                vec![format!("{}=", p.name)]
            } else {
                p.allowed
                    .iter()
                    .map(|v| format!("{}={v}", p.name))
                    .collect()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn option_values_are_not_the_report_name() {
        let t = read(&words("--db x.db report -f csv --sql-dir /r recent -p"));
        assert_eq!(t.verb.as_deref(), Some("report"));
        assert_eq!(t.name.as_deref(), Some("recent"));
        assert_eq!(t.sql_dir, Some(PathBuf::from("/r")));
        assert_eq!(t.pending.as_deref(), Some("params"));
        let t = read(&words("report --sql-dir=/r"));
        assert_eq!((t.name, t.pending), (None, None));
        assert_eq!(
            read(&words("export --report")).pending.as_deref(),
            Some("reports")
        );
    }
}
