//! Scan roots: the device id each root had when it was last walked completely.
//! (How many live rows the catalog holds under a root is counted by the scan's
//! plan, from `files::known_under`.)
//!
//! Invariant: a root's device is recorded only after a walk that could prove
//! files gone (not offline, or offline and `--prune`d), so an unmounted share
//! never replaces the device it is compared against.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;

/// The device recorded for `root` on `host`, if it was ever walked completely.
pub fn recorded_dev(conn: &Connection, host: &str, root: &str) -> Result<Option<u64>> {
    Ok(conn
        .prepare_cached("SELECT dev FROM roots WHERE host = ?1 AND path = ?2")?
        .query_row(params![host, root], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|d| d as u64))
}

/// Remember that `root` was walked completely on device `dev`.
pub fn record(tx: &Transaction, host: &str, root: &str, dev: u64, now: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO roots (host, path, dev, walked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (host, path) DO UPDATE SET dev = excluded.dev, walked_at = excluded.walked_at",
    )?
    .execute(params![host, root, dev as i64, now])?;
    Ok(())
}

/// Every root of `host` the catalog knows, as scans recorded them.
pub fn of_host(conn: &Connection, host: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT path FROM roots WHERE host = ?1 ORDER BY path")?;
    let rows = stmt.query_map([host], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}
