//! Reports: SQL kept in files under `sql/`, one query per file, with a header
//! comment naming it, describing it in one line and listing its parameters:
//!
//! ```sql
//! -- name: recent
//! -- description: files first seen in the last `days` days
//! -- param: days: integer = 7 -- how many days back
//! SELECT ... WHERE first_seen >= date('now', printf('-%d days', :days)) ...
//! ```
//!
//! The bundled files are compiled into the binary; `--sql-dir DIR` adds the
//! `*.sql` files of DIR, replacing bundled reports of the same name. Every
//! report runs on a [`Guarded`] connection, so a report file can only read.
//!
//! A parameter has a type, `integer`, `real` or `text` (the default, so older
//! headers without one keep working); `-p` values are parsed as that type and
//! bound as it, so `-p days=x` is an error naming the parameter and
//! `-p title=1984` binds text.
//!
//! Invariants: report names are unique and sorted; a report's parameters are
//! exactly the ones its header declares, each with a typed default; the rows of a
//! report depend only on the catalog (and, for `recent`, the UTC date), never
//! on the run, so repeated exports are byte-identical.

pub mod dir;
pub mod html;
pub mod render;
pub mod summary;

pub use dir::{Loaded, load_all};

use std::path::PathBuf;

use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use crate::catalog::guard::Guarded;
use crate::catalog::query::{self, QueryError};
use crate::output::RowSink;

/// The bundled report files, embedded at build time. A unit test checks that
/// this list and the files in `sql/` agree.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "audio-codecs",
        include_str!("../../../../sql/audio-codecs.sql"),
    ),
    (
        "audio-languages",
        include_str!("../../../../sql/audio-languages.sql"),
    ),
    (
        "bitrate-outliers",
        include_str!("../../../../sql/bitrate-outliers.sql"),
    ),
    ("containers", include_str!("../../../../sql/containers.sql")),
    ("density", include_str!("../../../../sql/density.sql")),
    (
        "directories",
        include_str!("../../../../sql/directories.sql"),
    ),
    (
        "distributions",
        include_str!("../../../../sql/distributions.sql"),
    ),
    ("duplicates", include_str!("../../../../sql/duplicates.sql")),
    (
        "frame-rates",
        include_str!("../../../../sql/frame-rates.sql"),
    ),
    ("growth", include_str!("../../../../sql/growth.sql")),
    ("hdr", include_str!("../../../../sql/hdr.sql")),
    ("history", include_str!("../../../../sql/history.sql")),
    ("hosts", include_str!("../../../../sql/hosts.sql")),
    ("largest", include_str!("../../../../sql/largest.sql")),
    ("longest", include_str!("../../../../sql/longest.sql")),
    ("problems", include_str!("../../../../sql/problems.sql")),
    (
        "quality-tiers",
        include_str!("../../../../sql/quality-tiers.sql"),
    ),
    ("recent", include_str!("../../../../sql/recent.sql")),
    ("recordings", include_str!("../../../../sql/recordings.sql")),
    (
        "resolutions",
        include_str!("../../../../sql/resolutions.sql"),
    ),
    ("savings", include_str!("../../../../sql/savings.sql")),
    ("scans", include_str!("../../../../sql/scans.sql")),
    ("similar", include_str!("../../../../sql/similar.sql")),
    ("subtitles", include_str!("../../../../sql/subtitles.sql")),
    ("summary", include_str!("../../../../sql/summary.sql")),
    ("suspicious", include_str!("../../../../sql/suspicious.sql")),
    (
        "video-codecs",
        include_str!("../../../../sql/video-codecs.sql"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{file}: line {line}: {message}")]
    Header {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("could not read report directory {path}: {source}")]
    Dir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown report {0:?}; `mediadex report --list` shows the reports there are")]
    Unknown(String),
    #[error("report {report} has no parameter {param:?}; its parameters: {known}")]
    UnknownParam {
        report: String,
        param: String,
        known: String,
    },
    /// SQL that SQLite refused, at a place in its file.
    #[error("report {report}: {file}: line {line}, column {column}: {message}")]
    SqlAt {
        report: String,
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "report {report}: parameter {param} is {kind}, got {value:?}; pass -p {param}={example}"
    )]
    BadParam {
        report: String,
        param: String,
        kind: &'static str,
        value: String,
        example: &'static str,
    },
    #[error("report {report} ({origin}): {source}")]
    Run {
        report: String,
        origin: String,
        #[source]
        source: QueryError,
    },
}

/// The type of a report parameter, declared as `-- param: NAME: TYPE = DEFAULT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Integer,
    Real,
    Text,
}

impl ParamType {
    fn parse(word: &str) -> Option<ParamType> {
        match word {
            "integer" | "int" => Some(ParamType::Integer),
            "real" | "float" => Some(ParamType::Real),
            "text" => Some(ParamType::Text),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ParamType::Integer => "integer",
            ParamType::Real => "real",
            ParamType::Text => "text",
        }
    }

    /// `raw` as an SQLite value of this type, or `None` when it is not one.
    pub fn value(self, raw: &str) -> Option<SqlValue> {
        let t = raw.trim();
        match self {
            ParamType::Integer => t.parse::<i64>().ok().map(SqlValue::Integer),
            ParamType::Real => t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(SqlValue::Real),
            ParamType::Text => Some(SqlValue::Text(raw.to_string())),
        }
    }
}

/// A parameter a report declares: its type, its default value as written and
/// what it means.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParamType,
    pub default: String,
    pub help: Option<String>,
}

impl Param {
    /// `limit: integer = 20`, as declared.
    pub fn signature(&self) -> String {
        format!("{}: {} = {}", self.name, self.kind.name(), self.default)
    }
}

/// Where a report came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Bundled,
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Bundled => write!(f, "bundled"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    pub description: String,
    pub params: Vec<Param>,
    pub sql: String,
    pub origin: Origin,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn valid_param(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parse a report file. `file` names it in errors; `stem` is the name used when
/// the header has no `-- name:` line.
pub fn parse(text: &str, file: &str, stem: &str, origin: Origin) -> Result<Report, ReportError> {
    let header_err = |line: usize, message: String| ReportError::Header {
        file: file.to_string(),
        line,
        message,
    };
    let mut name = None;
    let mut description = None;
    let mut params: Vec<Param> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else {
            break;
        };
        let comment = comment.trim();
        let Some((key, value)) = comment.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "name" => {
                if !valid_name(value) {
                    return Err(header_err(
                        i + 1,
                        format!(
                            "report name {value:?} must be lowercase letters, digits, '-' or '_'"
                        ),
                    ));
                }
                name = Some(value.to_string());
            }
            "description" => description = Some(value.to_string()),
            "param" => {
                let (spec, help) = match value.split_once(" -- ") {
                    Some((s, h)) => (s.trim(), Some(h.trim().to_string())),
                    None => (value, None),
                };
                let Some((decl, default)) = spec.split_once('=') else {
                    return Err(header_err(
                        i + 1,
                        format!("expected `-- param: NAME: TYPE = DEFAULT`, got {value:?}"),
                    ));
                };
                let (pname, kind) = match decl.split_once(':') {
                    Some((n, t)) => match ParamType::parse(t.trim()) {
                        Some(k) => (n.trim(), k),
                        None => {
                            return Err(header_err(
                                i + 1,
                                format!(
                                    "parameter type {:?} is not integer, real or text",
                                    t.trim()
                                ),
                            ));
                        }
                    },
                    None => (decl.trim(), ParamType::Text),
                };
                let default = default.trim();
                if kind.value(default).is_none() {
                    return Err(header_err(
                        i + 1,
                        format!("default {default:?} of {pname} is not {}", kind.name()),
                    ));
                }
                if !valid_param(pname) {
                    return Err(header_err(i + 1, format!("bad parameter name {pname:?}")));
                }
                if params.iter().any(|p| p.name == pname) {
                    return Err(header_err(
                        i + 1,
                        format!("parameter {pname} declared twice"),
                    ));
                }
                params.push(Param {
                    name: pname.to_string(),
                    kind,
                    default: default.to_string(),
                    help,
                });
            }
            _ => {}
        }
    }
    let name = match name {
        Some(n) => n,
        None if valid_name(stem) => stem.to_string(),
        None => {
            return Err(ReportError::File {
                file: file.to_string(),
                message: "no `-- name:` header and the file name is not a valid report name".into(),
            });
        }
    };
    let description = description.ok_or_else(|| ReportError::File {
        file: file.to_string(),
        message: "no `-- description:` header line".into(),
    })?;
    Ok(Report {
        name,
        description,
        params,
        sql: text.to_string(),
        origin,
    })
}

/// The bundled reports, sorted by name.
pub fn bundled() -> Vec<Report> {
    let mut out: Vec<Report> = BUNDLED
        .iter()
        .map(|(stem, text)| {
            parse(text, &format!("sql/{stem}.sql"), stem, Origin::Bundled)
                .expect("bundled report headers are checked by tests")
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// One bundled report by name.
pub fn bundled_one(name: &str) -> Report {
    bundled()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no bundled report {name}"))
}

/// Find a report by name.
pub fn find<'r>(reports: &'r [Report], name: &str) -> Result<&'r Report, ReportError> {
    reports
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| ReportError::Unknown(name.to_string()))
}

impl Report {
    /// The parameter values to run with: the declared defaults, overridden by
    /// `given` (`-p NAME=VALUE`). A name the report does not declare is an error.
    pub fn bind(&self, given: &[(String, String)]) -> Result<Vec<(String, String)>, ReportError> {
        for (k, _) in given {
            if !self.params.iter().any(|p| &p.name == k) {
                return Err(ReportError::UnknownParam {
                    report: self.name.clone(),
                    param: k.clone(),
                    known: if self.params.is_empty() {
                        "none".into()
                    } else {
                        self.params
                            .iter()
                            .map(Param::signature)
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                });
            }
        }
        self.params
            .iter()
            .map(|p| {
                let v = given
                    .iter()
                    .rev()
                    .find(|(k, _)| *k == p.name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| p.default.clone());
                if p.kind.value(&v).is_none() {
                    return Err(ReportError::BadParam {
                        report: self.name.clone(),
                        param: p.name.clone(),
                        kind: match p.kind {
                            ParamType::Integer => "an integer",
                            ParamType::Real => "a number",
                            ParamType::Text => "text",
                        },
                        value: v,
                        example: match p.kind {
                            ParamType::Integer => "10",
                            ParamType::Real => "0.5",
                            ParamType::Text => "TEXT",
                        },
                    });
                }
                Ok((p.name.clone(), v))
            })
            .collect()
    }

    /// Bound parameters (from [`Report::bind`]) as SQLite values of their
    /// declared types.
    fn values(&self, params: &[(String, String)]) -> Vec<(String, SqlValue)> {
        params
            .iter()
            .map(|(k, v)| {
                let kind = self
                    .params
                    .iter()
                    .find(|p| &p.name == k)
                    .map_or(ParamType::Text, |p| p.kind);
                let value = kind.value(v).unwrap_or_else(|| SqlValue::Text(v.clone()));
                (k.clone(), value)
            })
            .collect()
    }

    /// `name=value` pairs for a title line.
    pub fn describe_params(params: &[(String, String)]) -> String {
        params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Run the report with bound `params`, streaming rows into `sink`.
    /// Returns the row count.
    pub fn run(
        &self,
        g: &Guarded,
        params: &[(String, String)],
        sink: &mut dyn RowSink,
    ) -> Result<u64, ReportError> {
        let err = |source| self.run_error(source);
        let mut stmt = g
            .prepare_values(&self.sql, &self.values(params))
            .map_err(err)?;
        let columns = query::columns(&stmt);
        sink.begin(&columns).map_err(|e| err(e.into()))?;
        let n = g
            .for_each_row(&mut stmt, |row| sink.row(row))
            .map_err(err)?;
        sink.end().map_err(|e| err(e.into()))?;
        Ok(n)
    }

    /// Prepare the report's SQL with its default parameters, without running
    /// it: finds SQL that does not compile against this catalog.
    pub fn check(&self, g: &Guarded) -> Result<(), ReportError> {
        let params = self.bind(&[])?;
        g.prepare(&self.sql, &params)
            .map(drop)
            .map_err(|source| self.run_error(source))
    }

    /// A failure of the report's SQL; when SQLite points at a token, the error
    /// names the file and line.
    fn run_error(&self, source: QueryError) -> ReportError {
        if let QueryError::Sql(rusqlite::Error::SqlInputError { msg, offset, .. }) = &source
            && let Ok(offset) = usize::try_from(*offset)
            && offset <= self.sql.len()
        {
            let (line, column) = crate::catalog::query::line_column(&self.sql, offset);
            return ReportError::SqlAt {
                report: self.name.clone(),
                file: match &self.origin {
                    Origin::File(p) => p.display().to_string(),
                    Origin::Bundled => format!("sql/{}.sql", self.name),
                },
                line,
                column,
                message: msg.clone(),
            };
        }
        ReportError::Run {
            report: self.name.clone(),
            origin: self.origin.to_string(),
            source,
        }
    }

    /// Run the report and keep every row (for small results: the text summary).
    pub fn collect(&self, g: &Guarded, params: &[(String, String)]) -> Result<Rows, ReportError> {
        let mut rows = Rows::default();
        self.run(g, params, &mut rows)?;
        Ok(rows)
    }

    /// The SQL with every parameter written in as a literal, ready to paste
    /// into `sqlite3` or a report file of one's own.
    pub fn inline_sql(&self, params: &[(String, String)]) -> String {
        inline_params(&self.sql, &self.values(params))
    }
}

/// Rows kept in memory: column names and values.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Rows {
    /// The value of `column` in row `i` (Null when absent).
    pub fn get(&self, i: usize, column: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|c| self.rows.get(i).and_then(|r| r.get(c)))
            .unwrap_or(&NULL)
    }
}

impl RowSink for Rows {
    fn begin(&mut self, columns: &[String]) -> std::io::Result<()> {
        self.columns = columns.to_vec();
        Ok(())
    }
    fn row(&mut self, values: &[Value]) -> std::io::Result<()> {
        self.rows.push(values.to_vec());
        Ok(())
    }
    fn end(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A parameter value as an SQL literal: numbers bare, text quoted.
fn sql_literal(v: &SqlValue) -> String {
    match v {
        SqlValue::Integer(i) => i.to_string(),
        SqlValue::Real(f) => format!("{f:?}"),
        SqlValue::Text(t) => format!("'{}'", t.replace('\'', "''")),
        SqlValue::Null => "NULL".into(),
        SqlValue::Blob(b) => format!("X'{}'", hex::encode(b)),
    }
}

/// Replace `:name` (and `@name`, `$name`) with literals, outside string
/// literals, quoted identifiers and comments.
pub fn inline_params(sql: &str, params: &[(String, SqlValue)]) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut copy_from = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'[' => {
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b':' | b'@' | b'$'
                if b.get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') =>
            {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && ident(b[end]) {
                    end += 1;
                }
                let name = &sql[start..end];
                if let Some((_, v)) = params.iter().find(|(k, _)| k == name) {
                    out.push_str(&sql[copy_from..i]);
                    out.push_str(&sql_literal(v));
                    copy_from = end;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copy_from.min(sql.len())..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_matches_the_sql_directory() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sql");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let listed: Vec<String> = BUNDLED.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(listed, on_disk, "BUNDLED must list every sql/*.sql, sorted");
        for r in bundled() {
            // The header name is the file name, so `--sql-dir` overrides are predictable.
            let stem = BUNDLED.iter().find(|(_, t)| *t == r.sql).unwrap().0;
            assert_eq!(r.name, stem);
            assert!(!r.description.is_empty());
            assert!(r.sql.contains("ORDER BY"), "{}: explicit ORDER BY", r.name);
            for p in &r.params {
                assert!(
                    r.sql.contains(&format!(":{}", p.name)),
                    "{} declares {} but does not use it",
                    r.name,
                    p.name
                );
            }
        }
    }

    #[test]
    fn headers_parse() {
        let r = parse(
            "-- name: x\n-- description: one line\n-- param: days: integer = 7 -- how far back\n-- param: who='a b'\n\nSELECT :days, :who\n-- param: late = 1\n",
            "x.sql",
            "x",
            Origin::Bundled,
        )
        .unwrap();
        assert_eq!(r.name, "x");
        assert_eq!(
            r.params.len(),
            2,
            "params after the first statement line are not header"
        );
        assert_eq!(r.params[0].default, "7");
        assert_eq!(r.params[0].help.as_deref(), Some("how far back"));
        assert_eq!(r.params[1].default, "'a b'");
        assert_eq!(r.params[0].kind, ParamType::Integer);
        assert_eq!(
            r.params[1].kind,
            ParamType::Text,
            "text when no type is declared"
        );
        let bound = r.bind(&[("days".into(), "30".into())]).unwrap();
        assert_eq!(bound[0], ("days".into(), "30".into()));
        assert!(matches!(
            r.bind(&[("days".into(), "x".into())]),
            Err(ReportError::BadParam { .. })
        ));
        let v = r.values(&r.bind(&[("who".into(), "1984".into())]).unwrap());
        assert_eq!(v[1].1, SqlValue::Text("1984".into()), "text stays text");
        for bad in [
            "-- name: x\n-- param: n: integer = abc\nSELECT :n",
            "-- name: x\n-- param: n: date = 1\nSELECT :n",
        ] {
            assert!(matches!(
                parse(bad, "f.sql", "f", Origin::Bundled),
                Err(ReportError::Header { line: 2, .. })
            ));
        }
        assert!(matches!(
            r.bind(&[("nope".into(), "1".into())]),
            Err(ReportError::UnknownParam { .. })
        ));
        assert!(matches!(
            parse(
                "-- name: x\n-- param: oops\nSELECT 1",
                "f.sql",
                "f",
                Origin::Bundled
            ),
            Err(ReportError::Header { line: 2, .. })
        ));
        assert!(parse("SELECT 1", "f.sql", "f", Origin::Bundled).is_err());
    }

    #[test]
    fn parameters_inline_outside_strings_and_comments() {
        let sql = "SELECT ':days' AS t, :days, @who -- :days\n/* :days */ FROM x WHERE a = :days_x";
        let got = inline_params(
            sql,
            &[
                ("days".into(), SqlValue::Integer(7)),
                ("who".into(), SqlValue::Text("o'k".into())),
            ],
        );
        assert_eq!(
            got,
            "SELECT ':days' AS t, 7, 'o''k' -- :days\n/* :days */ FROM x WHERE a = :days_x"
        );
        assert_eq!(
            inline_params(":f", &[("f".into(), SqlValue::Real(0.1))]),
            "0.1"
        );
        assert_eq!(
            inline_params(":t", &[("t".into(), SqlValue::Text("1984".into()))]),
            "'1984'"
        );
    }
}
