//! Ad hoc read-only SQL: bind `-p NAME=VALUE` parameters, refuse anything that
//! would write, and hand rows over as JSON values, one at a time, so a million-row
//! result streams instead of piling up in memory.
//!
//! JSON documents come back as nested JSON values, not strings: the columns
//! the catalog declares as JSON (`CHECK (json_valid(col))`, or generated with
//! `->` from a document), read directly or through a view, and values SQLite's JSON functions return (`json()`,
//! `json_object()`, ...: text with SQLite's JSON subtype). Other text stays
//! text, even when it looks like JSON (`SELECT '[1]'`).

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Statement};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("refusing to run a statement that writes or changes the catalog; query is read-only")]
    NotReadOnly,
    /// `statement` in the user's words (see [`super::statement`]), `why` as
    /// the guard saw it.
    #[error("refused: {statement} — {why}; queries and reports are read-only")]
    Refused { statement: String, why: String },
    #[error("interrupted after {0} s (--timeout); narrow the query or raise --timeout")]
    TimedOut(f64),
    #[error("parameter {name} has no value; pass -p {bare}=VALUE")]
    MissingParam { name: String, bare: String },
    #[error("-p {0}: the SQL has no parameter :{0}")]
    UnknownParam(String),
    /// SQLite's message with the place in the SQL where it has one; the
    /// rusqlite error is kept but not chained, so the SQL is not printed again.
    #[error("{}", sql_message(.0))]
    Sql(rusqlite::Error),
    #[error("could not write output: {0}")]
    Output(#[from] std::io::Error),
}

impl From<rusqlite::Error> for QueryError {
    fn from(e: rusqlite::Error) -> Self {
        QueryError::Sql(e)
    }
}

/// One line for an SQLite error: its own message, and for a statement that
/// does not compile, the line and column in the SQL (`sql` of a report file
/// is the whole file, so these are the file's line and column).
pub fn sql_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError {
            msg, sql, offset, ..
        } => match usize::try_from(*offset).ok().filter(|o| *o <= sql.len()) {
            Some(o) => {
                let (line, column) = line_column(sql, o);
                format!("{msg} at line {line}, column {column} of the SQL")
            }
            None => msg.clone(),
        },
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        other => other.to_string(),
    }
}

/// SQLite says `incomplete input` without a place: the place is where the
/// text ends, after its last word.
fn incomplete_at_end(e: rusqlite::Error, sql: &str) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(err, Some(msg)) if msg == "incomplete input" => {
            rusqlite::Error::SqlInputError {
                error: err,
                msg: "incomplete input (the SQL ends before its statement does)".into(),
                sql: sql.to_string(),
                offset: sql.trim_end().len() as i32,
            }
        }
        other => other,
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    let before = &text[..o];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// A parameter value as typed on the command line: integers and reals bind as
/// numbers, everything else as text.
pub fn param_value(raw: &str) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    if let Ok(i) = raw.parse::<i64>() {
        V::Integer(i)
    } else if let Ok(f) = raw.parse::<f64>()
        && f.is_finite()
    {
        V::Real(f)
    } else {
        V::Text(raw.to_string())
    }
}

/// Prepare `sql`, refuse writers, bind `params` (as typed on the command
/// line: see [`param_value`]) by name.
pub fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
    params: &[(String, String)],
) -> Result<Statement<'c>, QueryError> {
    let values: Vec<(String, rusqlite::types::Value)> = params
        .iter()
        .map(|(k, v)| (k.clone(), param_value(v)))
        .collect();
    prepare_values(conn, sql, &values)
}

/// Prepare `sql`, refuse writers, bind typed `params` by name.
pub fn prepare_values<'c>(
    conn: &'c Connection,
    sql: &str,
    params: &[(String, rusqlite::types::Value)],
) -> Result<Statement<'c>, QueryError> {
    let mut stmt = conn.prepare(sql).map_err(|e| incomplete_at_end(e, sql))?;
    if !stmt.readonly() {
        return Err(QueryError::NotReadOnly);
    }
    let mut used = vec![false; params.len()];
    for i in 1..=stmt.parameter_count() {
        let name = stmt
            .parameter_name(i)
            .map(str::to_string)
            .unwrap_or_else(|| format!("?{i}"));
        let bare = name.trim_start_matches([':', '@', '$', '?']).to_string();
        match params.iter().position(|(k, _)| *k == bare) {
            Some(pos) => {
                used[pos] = true;
                stmt.raw_bind_parameter(i, &params[pos].1)?;
            }
            None => return Err(QueryError::MissingParam { name, bare }),
        }
    }
    if let Some(pos) = used.iter().position(|u| !u) {
        return Err(QueryError::UnknownParam(params[pos].0.clone()));
    }
    Ok(stmt)
}

/// Column names of a prepared statement.
pub fn columns(stmt: &Statement) -> Vec<String> {
    stmt.column_names().map(str::to_string).collect()
}

/// For each result column: does it read a column the catalog declares as
/// holding JSON (`CHECK (json_valid(col))` in its table)?
pub fn json_columns(conn: &Connection, stmt: &Statement) -> Vec<bool> {
    let mut declared: Vec<(String, String)> = Vec::new();
    let mut out = Vec::with_capacity(stmt.column_count());
    for c in stmt.columns_with_metadata() {
        let (Some(table), Some(column)) = (c.table_name(), c.origin_name()) else {
            out.push(false);
            continue;
        };
        let schema = match declared.iter().find(|(t, _)| t == table) {
            Some((_, sql)) => sql.clone(),
            None => {
                let sql: String = conn
                    .query_row(
                        "SELECT coalesce(sql, '') FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                        [table],
                        |r| r.get(0),
                    )
                    .unwrap_or_default();
                declared.push((table.to_string(), sql.clone()));
                sql
            }
        };
        out.push(declares_json(&schema, column));
    }
    out
}

/// Does the `CREATE TABLE` text `schema` declare `column` as JSON: checked
/// with `json_valid(column)`, or generated as a JSON value of the document
/// (`GENERATED ALWAYS AS (doc -> '$.audio_languages')`: `->` gives JSON text,
/// `->>` an SQL value)?
fn declares_json(schema: &str, column: &str) -> bool {
    let compact: String = schema.split_whitespace().collect();
    if compact.contains(&format!("json_valid({column})")) {
        return true;
    }
    let upper = compact.to_ascii_uppercase();
    let column = column.to_ascii_uppercase();
    [",", "("].iter().any(|before| {
        upper
            .split(&format!("{before}{column}"))
            .skip(1)
            .filter_map(|rest| rest.split_once("GENERATEDALWAYSAS("))
            .filter(|(ty, _)| ty.chars().all(|c| c.is_ascii_alphabetic()))
            .any(|(_, expr)| {
                let expr = expr.split(")VIRTUAL").next().unwrap_or(expr);
                let expr = expr.split(")STORED").next().unwrap_or(expr);
                expr.contains("->'") && !expr.contains("->>")
            })
    })
}

/// SQLite's subtype for JSON text (`'J'`), set by `json()` and its kin.
const JSON_SUBTYPE: u32 = b'J' as u32;

/// The statement being stepped on `conn`, as a raw handle (rusqlite does not
/// hand out its statement's pointer): the only one the connection has that is
/// busy, i.e. positioned on a row. Other statements may be prepared and cached
/// on the connection, but they are not running while a query is stepped.
fn busy_statement(conn: &Connection) -> Option<*mut rusqlite::ffi::sqlite3_stmt> {
    // SAFETY: the handles are only used to walk the connection's statement
    // list and ask whether each is busy while `conn` is borrowed; nothing is
    // finalized here.
    unsafe {
        let db = conn.handle();
        let mut found = None;
        let mut p = rusqlite::ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
        while !p.is_null() {
            if rusqlite::ffi::sqlite3_stmt_busy(p) != 0 {
                if found.is_some() {
                    return None;
                }
                found = Some(p);
            }
            p = rusqlite::ffi::sqlite3_next_stmt(db, p);
        }
        found
    }
}

/// Does column `i` of the current row carry SQLite's JSON subtype?
fn has_json_subtype(stmt: Option<*mut rusqlite::ffi::sqlite3_stmt>, i: usize) -> bool {
    let Some(p) = stmt else { return false };
    // SAFETY: `p` is the statement being stepped, positioned on a row, and
    // `i` is below its column count.
    unsafe {
        let v = rusqlite::ffi::sqlite3_column_value(p, i as std::os::raw::c_int);
        !v.is_null() && rusqlite::ffi::sqlite3_value_subtype(v) == JSON_SUBTYPE
    }
}

/// Step a prepared statement, calling `on_row` with each row's values. Returns the row count.
pub fn for_each_row(
    conn: &Connection,
    stmt: &mut Statement,
    mut on_row: impl FnMut(&[Value]) -> std::io::Result<()>,
) -> Result<u64, QueryError> {
    let n = stmt.column_count();
    let json = json_columns(conn, stmt);
    let mut raw = None;
    let mut rows = stmt.raw_query();
    let mut values = Vec::with_capacity(n);
    let mut count = 0u64;
    while let Some(row) = rows.next()? {
        if count == 0 {
            // Found once it is stepping, so cached statements are not mistaken for it.
            raw = busy_statement(conn);
        }
        values.clear();
        for (i, declared) in json.iter().enumerate() {
            let v = row.get_ref(i)?;
            values.push(if *declared || has_json_subtype(raw, i) {
                to_json(v)
            } else {
                to_plain_json(v)
            });
        }
        on_row(&values)?;
        count += 1;
    }
    Ok(count)
}

/// One SQLite value as JSON, text as a string.
pub fn to_plain_json(v: ValueRef) -> Value {
    match v {
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        other => to_json(other),
    }
}

/// One SQLite value as JSON. Text holding a JSON object or array is nested.
pub fn to_json(v: ValueRef) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let trimmed = s.trim_start();
            if (trimmed.starts_with('{') || trimmed.starts_with('['))
                && let Ok(v) = serde_json::from_str::<Value>(&s)
            {
                return v;
            }
            Value::String(s.into_owned())
        }
        ValueRef::Blob(b) => Value::String(hex::encode(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_refused_and_params_bind() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t(a, doc CHECK (json_valid(doc))); INSERT INTO t VALUES (1, '{\"x\":[1,2]}'), (2, '[\"plain\"]');",
        )
        .unwrap();
        assert!(matches!(
            prepare(&conn, "DELETE FROM t", &[]),
            Err(QueryError::NotReadOnly)
        ));
        assert!(matches!(
            prepare(&conn, "SELECT * FROM t WHERE a = :a", &[]),
            Err(QueryError::MissingParam { .. })
        ));
        assert!(matches!(
            prepare(&conn, "SELECT 1", &[("zz".into(), "1".into())]),
            Err(QueryError::UnknownParam(_))
        ));
        let mut stmt = prepare(
            &conn,
            "SELECT a, doc FROM t WHERE a >= :a ORDER BY a",
            &[("a".into(), "1".into())],
        )
        .unwrap();
        let mut got = Vec::new();
        for_each_row(&conn, &mut stmt, |r| {
            got.push(r.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(got[0][1], serde_json::json!({"x": [1, 2]}));
        assert_eq!(got[1][1], serde_json::json!(["plain"]));
    }

    #[test]
    fn only_json_columns_and_json_values_nest() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE d(doc TEXT CHECK (json_valid(doc)), note TEXT);
             INSERT INTO d VALUES ('{\"a\":[1]}', '[1]');
             CREATE VIEW v AS SELECT doc AS document, note FROM d;",
        )
        .unwrap();
        let rows = |sql: &str| {
            let mut stmt = prepare(&conn, sql, &[]).unwrap();
            let mut got = Vec::new();
            for_each_row(&conn, &mut stmt, |r| {
                got.push(r.to_vec());
                Ok(())
            })
            .unwrap();
            got.remove(0)
        };
        let r = rows(
            "SELECT doc, note, '[1]' AS lit, json('[2]') AS j, json_object('k', 1) AS o FROM d",
        );
        assert_eq!(
            r[0],
            serde_json::json!({"a": [1]}),
            "a declared JSON column"
        );
        assert_eq!(r[1], serde_json::json!("[1]"), "text that looks like JSON");
        assert_eq!(r[2], serde_json::json!("[1]"));
        assert_eq!(r[3], serde_json::json!([2]), "json() returns JSON");
        assert_eq!(r[4], serde_json::json!({"k": 1}));
        conn.execute_batch(
            "CREATE TABLE g(doc TEXT, langs TEXT GENERATED ALWAYS AS (doc -> '$.l') VIRTUAL,
                 codec TEXT GENERATED ALWAYS AS (doc ->> '$.l') VIRTUAL);
             INSERT INTO g(doc) VALUES ('{\"l\":[\"eng\"]}');
             CREATE VIEW gv AS SELECT langs, codec FROM g;",
        )
        .unwrap();
        let r = rows("SELECT langs, codec FROM gv");
        assert_eq!(r[0], serde_json::json!(["eng"]), "generated with ->");
        assert_eq!(r[1], serde_json::json!("[\"eng\"]"), "->> gives SQL text");
        let r = rows("SELECT document, note FROM v");
        assert_eq!(r[0], serde_json::json!({"a": [1]}), "through a view");
        assert_eq!(r[1], serde_json::json!("[1]"));
    }
}
