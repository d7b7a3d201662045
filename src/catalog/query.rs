//! Ad hoc read-only SQL: bind `-p NAME=VALUE` parameters, refuse anything that
//! would write, and hand rows over as JSON values, one at a time, so a million-row
//! result streams instead of piling up in memory.
//!
//! JSON documents stored as TEXT come back as nested JSON values, not strings.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Statement};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("refusing to run a statement that writes or changes the catalog; query is read-only")]
    NotReadOnly,
    #[error("refused: {0}; queries and reports are read-only")]
    Refused(String),
    #[error("interrupted after {0} s (--timeout); narrow the query or raise --timeout")]
    TimedOut(f64),
    #[error("parameter {name} has no value; pass -p {bare}=VALUE")]
    MissingParam { name: String, bare: String },
    #[error("-p {0}: the SQL has no parameter :{0}")]
    UnknownParam(String),
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("could not write output: {0}")]
    Output(#[from] std::io::Error),
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

/// Prepare `sql`, refuse writers, bind `params` by name.
pub fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
    params: &[(String, String)],
) -> Result<Statement<'c>, QueryError> {
    let mut stmt = conn.prepare(sql)?;
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
                stmt.raw_bind_parameter(i, param_value(&params[pos].1))?;
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

/// Step a prepared statement, calling `on_row` with each row's values. Returns the row count.
pub fn for_each_row(
    stmt: &mut Statement,
    mut on_row: impl FnMut(&[Value]) -> std::io::Result<()>,
) -> Result<u64, QueryError> {
    let n = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut values = Vec::with_capacity(n);
    let mut count = 0u64;
    while let Some(row) = rows.next()? {
        values.clear();
        for i in 0..n {
            values.push(to_json(row.get_ref(i)?));
        }
        on_row(&values)?;
        count += 1;
    }
    Ok(count)
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
            "CREATE TABLE t(a, doc); INSERT INTO t VALUES (1, '{\"x\":[1,2]}'), (2, 'plain');",
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
        for_each_row(&mut stmt, |r| {
            got.push(r.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(got[0][1], serde_json::json!({"x": [1, 2]}));
        assert_eq!(got[1][1], serde_json::json!("plain"));
    }
}
