//! A damaged catalog, told as such: which errors mean that the catalog file
//! itself is broken (SQLite finds its pages malformed or the file is not a
//! database; a row holds text that is not UTF-8, which mediadex never
//! writes), and the one message that names the catalog, quotes SQLite's own
//! check of it and says what to do.
//!
//! Invariants: an error counts as damage only when it comes from SQLite or
//! from reading a row, never from a dump, a report file or user SQL (their
//! mistakes are theirs, and are told as before); the check runs on a
//! connection of its own, read-only, and within [`CHECK_TIME`], so a huge
//! catalog does not keep the user waiting for the verdict.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::CatalogError;
use super::dump::DumpError;
use super::query::QueryError;

/// How long the check may take in all: `PRAGMA integrity_check` gets
/// [`INTEGRITY_TIME`] of it, then `PRAGMA quick_check` (which skips the
/// indexes) the rest.
pub const CHECK_TIME: Duration = Duration::from_secs(30);
pub const INTEGRITY_TIME: Duration = Duration::from_secs(10);

/// Which of SQLite's checks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// `PRAGMA integrity_check`, falling back to `quick_check` when it would
    /// take longer than [`INTEGRITY_TIME`].
    Integrity,
    /// `PRAGMA quick_check` alone (after a failed write: the damage shows
    /// in the pages, and it is several times faster).
    Quick,
}

/// What SQLite's check said: the pragma that ran and its first line, or why
/// it could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub pragma: &'static str,
    pub said: Result<String, String>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.said.as_deref() == Ok("ok")
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.said {
            Ok(line) => write!(f, "PRAGMA {}: {line}", self.pragma),
            Err(why) => write!(f, "PRAGMA {} cannot run on it: {why}", self.pragma),
        }
    }
}

/// A damaged catalog: its path, what was found wrong, and SQLite's check.
#[derive(Debug)]
pub struct Damage {
    pub path: PathBuf,
    pub cause: String,
    pub verdict: Verdict,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (cause, verdict) = (&self.cause, &self.verdict);
        // A file SQLite cannot read at all cannot be checked either: the
        // reason is said once.
        let how = match &verdict.said {
            Err(why) if why == cause => {
                format!("{cause}; PRAGMA {} cannot run on it", verdict.pragma)
            }
            _ => format!("{cause}; {verdict}"),
        };
        write!(
            f,
            "catalog {} is damaged ({how}); {}",
            self.path.display(),
            advice(&self.path)
        )
    }
}

/// The damage an SQLite error tells of, as words for the user; `None` when
/// the error is not about the file (a constraint, a busy lock, bad SQL).
pub fn damage_of(e: &rusqlite::Error) -> Option<String> {
    match e {
        rusqlite::Error::SqliteFailure(f, msg)
            if matches!(f.code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) =>
        {
            Some(msg.clone().unwrap_or_else(|| f.to_string()))
        }
        rusqlite::Error::Utf8Error(column, u) => Some(not_utf8(*column, u)),
        rusqlite::Error::FromSqlConversionFailure(column, _, inner) => inner
            .downcast_ref::<std::str::Utf8Error>()
            .map(|u| not_utf8(*column, u)),
        _ => None,
    }
}

fn not_utf8(column: usize, u: &std::str::Utf8Error) -> String {
    format!("text in column {column} of a row is not UTF-8 ({u})")
}

/// The damage any error in `e`'s chain tells of (see [`damage_of`]), looking
/// into the catalog's own error types, some of which keep their SQLite error
/// without chaining it.
pub fn damage_in(e: &(dyn StdError + 'static)) -> Option<String> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(found) = sql_error_of(err).and_then(damage_of) {
            return Some(found);
        }
        next = err.source();
    }
    None
}

/// The SQLite error `e` is, or holds.
fn sql_error_of<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a rusqlite::Error> {
    if let Some(s) = e.downcast_ref::<rusqlite::Error>() {
        return Some(s);
    }
    if let Some(c) = e.downcast_ref::<CatalogError>() {
        return match c {
            CatalogError::Sql(s)
            | CatalogError::Open { source: s, .. }
            | CatalogError::HotJournal { source: s, .. }
            | CatalogError::Migration { source: s, .. } => Some(s),
            _ => None,
        };
    }
    if let Some(QueryError::Sql(s)) = e.downcast_ref::<QueryError>() {
        return Some(s);
    }
    match e.downcast_ref::<DumpError>() {
        Some(DumpError::Sql(s) | DumpError::Row { source: s, .. }) => Some(s),
        Some(DumpError::Catalog(c)) => sql_error_of(c),
        _ => None,
    }
}

/// When `e` tells of damage to the catalog at `path`, the one error that says
/// so (see [`CatalogError::Damaged`]), after running `check` on it;
/// otherwise `e` unchanged.
///
/// A file that is not SQLite's at all (`--db notes.txt`) is not a damaged
/// catalog but the wrong file: its error stays "could not open catalog …:
/// file is not a database".
pub fn blame(path: &Path, check: Check, e: anyhow::Error) -> anyhow::Error {
    match damage_in(e.as_ref()) {
        Some(cause) if is_sqlite_file(path) => damaged(path, cause, check).into(),
        _ => e,
    }
}

/// Does the file at `path` start as every SQLite database does?
fn is_sqlite_file(path: &Path) -> bool {
    use std::io::Read as _;
    let mut magic = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"SQLite format 3\0")
}

/// The error for the catalog at `path`, damaged as `cause` says.
pub fn damaged(path: &Path, cause: String, check: Check) -> CatalogError {
    CatalogError::Damaged(Box::new(Damage {
        path: path.to_path_buf(),
        cause,
        verdict: verdict(path, check),
    }))
}

/// The first line of SQLite's check of the catalog at `path`, within
/// [`CHECK_TIME`]. A catalog too broken to be checked at all (its schema
/// unreadable, not a database) has the reason as its verdict.
pub fn verdict(path: &Path, check: Check) -> Verdict {
    let started = Instant::now();
    let plan: &[(&'static str, Duration)] = match check {
        Check::Integrity => &[
            ("integrity_check", INTEGRITY_TIME),
            ("quick_check", CHECK_TIME),
        ],
        Check::Quick => &[("quick_check", CHECK_TIME)],
    };
    let mut last = None;
    for &(pragma, until) in plan {
        let left = until.saturating_sub(started.elapsed());
        let said = match run_check(path, pragma, left) {
            Ok(Some(line)) => Ok(line),
            Ok(None) => {
                last = Some(pragma);
                continue;
            }
            Err(e) => Err(damage_of(&e).unwrap_or_else(|| e.to_string())),
        };
        return Verdict { pragma, said };
    }
    Verdict {
        pragma: last.unwrap_or("quick_check"),
        said: Err(format!("did not finish in {} s", CHECK_TIME.as_secs())),
    }
}

/// Run `PRAGMA <pragma>(1)` for at most `budget`: its first line, or `None`
/// when it ran out of time.
fn run_check(path: &Path, pragma: &str, budget: Duration) -> rusqlite::Result<Option<String>> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let deadline = Instant::now() + budget;
    conn.progress_handler(10_000, Some(move || Instant::now() >= deadline))?;
    let first: rusqlite::Result<String> =
        conn.query_row(&format!("PRAGMA {pragma}(1)"), [], |r| r.get(0));
    match first {
        Ok(text) => Ok(Some(first_line(&text))),
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::OperationInterrupted) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The first line that says something: SQLite starts a report on a damaged
/// file with `*** in database main ***`.
fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("*** in database"))
        .unwrap_or("")
        .to_string()
}

/// What to tell the user to do with the damaged catalog at `path`.
fn advice(path: &Path) -> String {
    let p = path.display();
    format!(
        "restore it from a backup, or save what can still be read with `mediadex --db {p} dump > saved.jsonl` and `mediadex --db NEW.db load --partial saved.jsonl`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_damage_and_bad_text_count() {
        let corrupt = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some("database disk image is malformed".into()),
        );
        assert_eq!(
            damage_of(&corrupt).as_deref(),
            Some("database disk image is malformed")
        );
        let bytes = vec![b'a', 0xFF];
        let u = String::from_utf8(bytes).unwrap_err().utf8_error();
        let text = damage_of(&rusqlite::Error::Utf8Error(2, u)).unwrap();
        assert!(
            text.starts_with("text in column 2 of a row is not UTF-8"),
            "{text}"
        );
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert_eq!(damage_of(&busy), None);
        // Wrapped the ways the catalog wraps them.
        let wrapped = anyhow::Error::from(QueryError::Sql(corrupt)).context("report x");
        assert!(damage_in(wrapped.as_ref()).is_some());
        let parse = DumpError::Parse {
            line: 3,
            message: "invalid utf-8 sequence".into(),
        };
        assert_eq!(
            damage_in(&parse),
            None,
            "a dump's own fault is not the catalog's"
        );
    }

    #[test]
    fn a_sound_catalog_checks_ok_and_the_header_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        drop(super::super::Catalog::open(&path).unwrap());
        let v = verdict(&path, Check::Integrity);
        assert!(v.ok(), "{v}");
        assert_eq!(v.pragma, "integrity_check");
        assert_eq!(
            first_line("*** in database main ***\nPage 9: btreeInitPage() returns error code 11"),
            "Page 9: btreeInitPage() returns error code 11"
        );
    }
}
