//! Dedupe rows (migration 17): the journal of `dedupe apply` and `undo`,
//! the "not the same video" decisions, the sampled hashes they are matched
//! by, and the lookups a plan needs.
//!
//! Invariants: a journal row is committed before its file is touched
//! (`state = 'acting'`) and moved on only after (`done`), in a transaction
//! that also marks the file's row; every write here is its own transaction,
//! on a connection with `synchronous = FULL`, so what the journal says
//! survives a kill and a power cut.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use super::Result;
use crate::util;

/// A catalogued file, by (host, display path).
#[derive(Debug, Clone)]
pub struct Known {
    pub id: i64,
    pub path_bytes: Vec<u8>,
    pub status: String,
}

fn known_row(r: &rusqlite::Row) -> rusqlite::Result<Known> {
    Ok(Known {
        id: r.get(0)?,
        path_bytes: r.get(1)?,
        status: r.get(2)?,
    })
}

/// The row of `host`'s file whose display path is `path`.
pub fn lookup(conn: &Connection, host: &str, path: &str) -> Result<Option<Known>> {
    Ok(conn
        .query_row(
            "SELECT id, path_bytes, status FROM files WHERE host = ?1 AND path = ?2
             ORDER BY id LIMIT 1",
            params![host, path],
            known_row,
        )
        .optional()?)
}

/// The row of `host`'s file at exactly `path_bytes`.
pub fn lookup_bytes(conn: &Connection, host: &str, path_bytes: &[u8]) -> Result<Option<Known>> {
    Ok(conn
        .query_row(
            "SELECT id, path_bytes, status FROM files WHERE host = ?1 AND path_bytes = ?2",
            params![host, path_bytes],
            known_row,
        )
        .optional()?)
}

/// What was done, or is being done, to one file of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub plan_id: String,
    pub host: String,
    pub path_bytes: Vec<u8>,
    pub keep_bytes: Vec<u8>,
    /// `move`, `hardlink` or `delete`.
    pub action: String,
    pub target: Option<Vec<u8>>,
    /// `acting`, `done`, `undoing` or `undone`.
    pub state: String,
    pub size: u64,
    pub mtime_ns: i64,
    pub sampled: String,
    pub identical: bool,
    /// An undo once put the file back (perhaps under another inode); kept
    /// while an apply after it is under way, and given back if that apply
    /// is forgotten.
    pub undone: bool,
}

const ACTION_COLUMNS: &str = "plan_id, host, path_bytes, keep_bytes, action, target, state, size, mtime_ns, sampled, identical, undone_at IS NOT NULL";

fn action_row(r: &rusqlite::Row) -> rusqlite::Result<Action> {
    Ok(Action {
        plan_id: r.get(0)?,
        host: r.get(1)?,
        path_bytes: r.get(2)?,
        keep_bytes: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        state: r.get(6)?,
        size: r.get::<_, i64>(7)? as u64,
        mtime_ns: r.get(8)?,
        sampled: r.get(9)?,
        identical: r.get(10)?,
        undone: r.get(11)?,
    })
}

/// Make every later write of this connection durable at commit.
pub fn durable(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// The journal row of one file of a plan.
pub fn action(conn: &Connection, plan: &str, host: &str, path: &[u8]) -> Result<Option<Action>> {
    let sql = format!(
        "SELECT {ACTION_COLUMNS} FROM dedupe_actions WHERE plan_id = ?1 AND host = ?2 AND path_bytes = ?3"
    );
    Ok(conn
        .query_row(&sql, params![plan, host, path], action_row)
        .optional()?)
}

/// Every journal row of a plan, in the order they were written.
pub fn actions(conn: &Connection, plan: &str) -> Result<Vec<Action>> {
    let sql =
        format!("SELECT {ACTION_COLUMNS} FROM dedupe_actions WHERE plan_id = ?1 ORDER BY rowid");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([plan], action_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Log an action before it is taken: the row in state `acting`, with the
/// file's row and status (to give back on undo).
pub fn begin(conn: &mut Connection, a: &Action) -> Result<()> {
    super::write_transaction(conn, |tx| {
        let row: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, status FROM files WHERE host = ?1 AND path_bytes = ?2",
                params![a.host, a.path_bytes],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO dedupe_actions (plan_id, host, path, path_bytes, file_id, keep_bytes, action,
                 target, state, size, mtime_ns, sampled, identical, prior_status, acted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'acting', ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (plan_id, host, path_bytes) DO UPDATE SET
                 keep_bytes = excluded.keep_bytes, action = excluded.action, target = excluded.target,
                 state = 'acting', size = excluded.size, mtime_ns = excluded.mtime_ns,
                 sampled = excluded.sampled, identical = excluded.identical,
                 acted_at = excluded.acted_at",
            params![
                a.plan_id,
                a.host,
                util::display_bytes(&a.path_bytes),
                a.path_bytes,
                row.as_ref().map(|r| r.0),
                a.keep_bytes,
                a.action,
                a.target,
                a.size as i64,
                a.mtime_ns,
                a.sampled,
                a.identical,
                row.map(|r| r.1),
                util::now_utc(),
            ],
        )?;
        Ok(())
    })?;
    Ok(())
}

/// Move a journal row to `state`; with `done` the file's row becomes
/// `missing` unless the action left a file at its path (a link), with
/// `undone` it gets back the status it had.
pub fn set_state(conn: &mut Connection, a: &Action, state: &str) -> Result<()> {
    super::write_transaction(conn, |tx| {
        tx.execute(
            "UPDATE dedupe_actions SET state = ?4,
                 undone_at = CASE WHEN ?4 = 'undone' THEN ?5 ELSE undone_at END
             WHERE plan_id = ?1 AND host = ?2 AND path_bytes = ?3",
            params![a.plan_id, a.host, a.path_bytes, state, util::now_utc()],
        )?;
        let mark = match (state, a.action.as_str()) {
            ("done", "move" | "delete") => Some("'missing'"),
            ("undone", "move" | "delete") => Some("coalesce(d.prior_status, files.status)"),
            _ => None,
        };
        if let Some(status) = mark {
            tx.execute(
                &format!(
                    "UPDATE files SET status = (SELECT {status} FROM dedupe_actions d
                         WHERE d.plan_id = ?1 AND d.host = ?2 AND d.path_bytes = ?3)
                     WHERE host = ?2 AND path_bytes = ?3"
                ),
                params![a.plan_id, a.host, a.path_bytes],
            )?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Forget a logged action that was never taken (the file was left as it
/// was): the row goes, or, for a file an undo had put back, returns to
/// `undone`.
pub fn drop_action(conn: &mut Connection, a: &Action) -> Result<()> {
    super::write_transaction(conn, |tx| {
        tx.execute(
            "UPDATE dedupe_actions SET state = 'undone'
             WHERE plan_id = ?1 AND host = ?2 AND path_bytes = ?3 AND state = 'acting'
                 AND undone_at IS NOT NULL",
            params![a.plan_id, a.host, a.path_bytes],
        )?;
        tx.execute(
            "DELETE FROM dedupe_actions
             WHERE plan_id = ?1 AND host = ?2 AND path_bytes = ?3 AND state = 'acting'",
            params![a.plan_id, a.host, a.path_bytes],
        )?;
        Ok(())
    })?;
    Ok(())
}

/// Remember that the files with sampled hashes `a` and `b` are not the same
/// video; false when it was known already.
pub fn ignore(conn: &Connection, a: (&str, &str), b: (&str, &str)) -> Result<bool> {
    let (first, second) = if a.0 < b.0 { (a, b) } else { (b, a) };
    let n = conn.execute(
        "INSERT INTO not_duplicates (a, b, a_path, b_path, decided_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (a, b) DO NOTHING",
        params![first.0, second.0, first.1, second.1, util::now_utc()],
    )?;
    Ok(n > 0)
}

/// Every "not the same video" decision, as (smaller hash, larger hash).
pub fn ignored(conn: &Connection) -> Result<HashSet<(String, String)>> {
    let mut stmt = conn.prepare("SELECT a, b FROM not_duplicates")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<HashSet<_>>>()?)
}

/// A file of this host to take the sampled hash of: (id, path bytes, size).
pub type ToHash = (i64, Vec<u8>, u64);

/// The stored sampled hashes (`files.sampled`, migration 18, current for
/// the row's size and mtime) of the files `ids` (any host), by file id, and
/// the files of `host` among them that have none yet.
pub fn sampled(
    conn: &Connection,
    host: &str,
    ids: &[i64],
) -> Result<(HashMap<i64, String>, Vec<ToHash>)> {
    let mut stmt = conn.prepare_cached(
        "SELECT sampled, host, path_bytes, size, status FROM files WHERE id = ?1",
    )?;
    let (mut known, mut todo) = (HashMap::new(), Vec::new());
    for &id in ids {
        let row = stmt
            .query_row([id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        match row {
            Some((Some(h), ..)) => {
                known.insert(id, h);
            }
            Some((None, h, bytes, Some(size), status)) if h == host && status == "ok" => {
                todo.push((id, bytes, size as u64));
            }
            _ => {}
        }
    }
    Ok((known, todo))
}

/// Remember a file's sampled hash (for its row's size and mtime).
pub fn set_sampled(conn: &Connection, file_id: i64, hash: &str) -> Result<()> {
    conn.execute(
        "UPDATE files SET sampled = ?2 WHERE id = ?1",
        params![file_id, hash],
    )?;
    Ok(())
}
