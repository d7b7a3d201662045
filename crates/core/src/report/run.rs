//! Running a report: binding its parameters, on a guarded (read-only)
//! connection, into any row sink; and the SQL text with the values inlined
//! (`--show-sql`).

use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use super::{Origin, Param, ParamType, Report, ReportError};
use crate::catalog::guard::Guarded;
use crate::catalog::query::{self, QueryError};
use crate::output::RowSink;

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
                if p.kind.value(&v).is_some() && !p.accepts(&v) {
                    return Err(ReportError::NotAllowed {
                        report: self.name.clone(),
                        param: p.name.clone(),
                        value: v,
                        allowed: p.allowed.join(", "),
                        example: p.default.clone(),
                    });
                }
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
    pub(super) fn values(&self, params: &[(String, String)]) -> Vec<(String, SqlValue)> {
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
