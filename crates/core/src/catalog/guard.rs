//! Guarded connections for SQL that users write: `query`, bundled reports and
//! report files from `--sql-dir`.
//!
//! Invariants: such SQL cannot change the catalog or anything else on disk.
//! Several independent layers make sure of it, so one mistake is not enough:
//! the connection is opened read-only with `query_only`; the DEFENSIVE flag is
//! set; no database may be attached (`SQLITE_LIMIT_ATTACHED` = 0); an
//! authorizer refuses ATTACH/DETACH, every write and schema change, transaction
//! control, `load_extension`, and any PRAGMA that is not a known read-only one;
//! statements that SQLite itself does not call read-only are refused before
//! they run; and a progress handler interrupts a statement that runs past its
//! time limit (an endless recursive CTE, say).
//!
//! The only transaction control allowed is our own: [`Guarded::begin_snapshot`]
//! opens one read transaction so that several reports see the same catalog,
//! and [`begin_shared_snapshot`] starts several connections at one snapshot.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::{Connection, ErrorCode, OpenFlags, Statement};
use serde_json::Value;

use super::query::{self, QueryError};
use super::statement;
use super::{Catalog, Result};

/// PRAGMAs that only read, allowed with or without an argument
/// (`PRAGMA table_info(media)`, `PRAGMA integrity_check(10)`).
const READ_PRAGMAS_WITH_ARG: &[&str] = &[
    "foreign_key_check",
    "foreign_key_list",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "quick_check",
    "table_info",
    "table_list",
    "table_xinfo",
];

/// PRAGMAs that read a setting when given no value and change it when given one:
/// allowed only without a value.
const READ_PRAGMAS_NO_ARG: &[&str] = &[
    "application_id",
    "collation_list",
    "compile_options",
    "data_version",
    "database_list",
    "encoding",
    "freelist_count",
    "function_list",
    "journal_mode",
    "module_list",
    "page_count",
    "page_size",
    "pragma_list",
    "schema_version",
    "user_version",
];

/// Functions refused even though SQLite may know them: loading code, and the
/// FTS3 tokenizer hook that takes a raw pointer.
const REFUSED_FUNCTIONS: &[&str] = &["load_extension", "fts3_tokenizer"];

/// How many virtual-machine steps pass between two looks at the clock: often
/// enough to stop within milliseconds, rare enough to cost nothing measurable.
const PROGRESS_STEPS: i32 = 10_000;

#[derive(Default)]
struct GuardState {
    /// Set while we run our own BEGIN/COMMIT, which the authorizer otherwise refuses.
    internal: AtomicBool,
    /// Why the authorizer last said no, for the error message.
    refused: Mutex<Option<String>>,
    /// When the running statement must stop.
    deadline: Mutex<Option<Instant>>,
    timed_out: AtomicBool,
}

/// A read-only catalog connection that is safe to hand user SQL.
pub struct Guarded {
    pub cat: Catalog,
    state: Arc<GuardState>,
    timeout: Duration,
    in_snapshot: bool,
}

impl Guarded {
    /// Open `path` read-only and put every guard in place. `timeout` limits
    /// each statement's run time.
    pub fn open(path: &Path, timeout: Duration) -> Result<Guarded> {
        let mut cat = Catalog::open_readonly(path)?;
        let state = Arc::new(GuardState::default());
        cat.conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
        cat.conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, false)?;
        cat.conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
        let auth_state = Arc::clone(&state);
        cat.conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            authorize(&auth_state, ctx)
        }))?;
        let progress_state = Arc::clone(&state);
        cat.conn.progress_handler(
            PROGRESS_STEPS,
            Some(move || {
                let deadline = *progress_state.deadline.lock().expect("deadline lock");
                match deadline {
                    Some(d) if Instant::now() >= d => {
                        progress_state.timed_out.store(true, Ordering::SeqCst);
                        true
                    }
                    _ => false,
                }
            }),
        )?;
        Ok(Guarded {
            cat,
            state,
            timeout,
            in_snapshot: false,
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Prepare user SQL: refused actions and non-read-only statements are
    /// errors; `-p` parameters are bound by name.
    pub fn prepare(
        &self,
        sql: &str,
        params: &[(String, String)],
    ) -> Result<Statement<'_>, QueryError> {
        self.state.refused.lock().expect("refused lock").take();
        query::prepare(&self.cat.conn, sql, params).map_err(|e| self.explain(e, sql))
    }

    /// [`Guarded::prepare`] with parameters already typed (report parameters).
    pub fn prepare_values(
        &self,
        sql: &str,
        params: &[(String, rusqlite::types::Value)],
    ) -> Result<Statement<'_>, QueryError> {
        self.state.refused.lock().expect("refused lock").take();
        query::prepare_values(&self.cat.conn, sql, params).map_err(|e| self.explain(e, sql))
    }

    /// Run a prepared statement to the end under the time limit, calling
    /// `on_row` for each row. Returns the row count.
    pub fn for_each_row(
        &self,
        stmt: &mut Statement,
        on_row: impl FnMut(&[Value]) -> std::io::Result<()>,
    ) -> Result<u64, QueryError> {
        self.state.timed_out.store(false, Ordering::SeqCst);
        *self.state.deadline.lock().expect("deadline lock") = Some(Instant::now() + self.timeout);
        let out = query::for_each_row(&self.cat.conn, stmt, on_row);
        *self.state.deadline.lock().expect("deadline lock") = None;
        out.map_err(|e| self.explain(e, stmt.expanded_sql().as_deref().unwrap_or("")))
    }

    /// Start one read transaction and pin its snapshot now, so that every
    /// statement until [`Guarded::end_snapshot`] sees the catalog as it was at
    /// this moment, whatever a concurrent scan commits meanwhile.
    pub fn begin_snapshot(&mut self) -> Result<()> {
        if self.in_snapshot {
            return Ok(());
        }
        self.internal(|conn| {
            conn.execute_batch("BEGIN DEFERRED")?;
            // A deferred transaction takes its snapshot at the first read.
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
        })?;
        self.in_snapshot = true;
        Ok(())
    }

    /// End the read transaction started by [`Guarded::begin_snapshot`].
    pub fn end_snapshot(&mut self) -> Result<()> {
        if !self.in_snapshot {
            return Ok(());
        }
        self.in_snapshot = false;
        self.internal(|conn| conn.execute_batch("COMMIT"))
    }

    fn internal<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.state.internal.store(true, Ordering::SeqCst);
        let out = f(&self.cat.conn);
        self.state.internal.store(false, Ordering::SeqCst);
        Ok(out?)
    }

    /// Replace SQLite's bare "not authorized" and "interrupted" with what
    /// happened; a refusal names the statement of `sql` it is about.
    fn explain(&self, e: QueryError, sql: &str) -> QueryError {
        let QueryError::Sql(sql_err) = &e else {
            return e;
        };
        // A refused function surfaces as a plain SQLITE_ERROR, not SQLITE_AUTH:
        // whatever the code, a refusal recorded by the authorizer is the cause.
        let refused = |why: String| QueryError::Refused {
            statement: statement::refused_statement(sql),
            why,
        };
        if let Some(why) = self.state.refused.lock().expect("refused lock").take() {
            return refused(why);
        }
        let code = match sql_err {
            rusqlite::Error::SqliteFailure(err, _) => Some(err.code),
            rusqlite::Error::SqlInputError { error, .. } => Some(error.code),
            _ => None,
        };
        match code {
            Some(ErrorCode::AuthorizationForStatementDenied) => refused("not authorized".into()),
            Some(ErrorCode::OperationInterrupted)
                if self.state.timed_out.load(Ordering::SeqCst) =>
            {
                QueryError::TimedOut(self.timeout.as_secs_f64())
            }
            _ => e,
        }
    }
}

/// How many times [`begin_shared_snapshot`] lines its readers up before it
/// falls back to holding the write lock while they start.
const SNAPSHOT_TRIES: u32 = 20;

/// Start one read transaction on every connection in `conns`, all at the same
/// snapshot, so that work spread over them sees one state of the catalog.
///
/// A reader in WAL mode waits for no writer, and neither does this: a witness
/// connection reads `PRAGMA data_version` before and after the readers start,
/// and that value changes exactly when another connection committed in
/// between. When it did not change, every reader started at the snapshot the
/// witness saw first; when it did, the readers start again. A writer that
/// holds its transaction open (a scan between commits) costs nothing, since
/// what it has not committed is in no snapshot. Only when commits keep
/// slipping in [`SNAPSHOT_TRIES`] times does it hold the write lock on the side
/// while the readers start (`BEGIN IMMEDIATE`, then rolled back, writing
/// nothing); when that lock cannot be taken (a read-only file, say), all but
/// the first connection are dropped and the work runs on one, which is
/// consistent by itself.
pub fn begin_shared_snapshot(conns: &mut Vec<Guarded>, path: &Path) -> Result<()> {
    if conns.len() > 1 {
        let witness = Catalog::open_readonly(path)?;
        let version = |c: &Connection| -> Result<i64> {
            Ok(c.pragma_query_value(None, "data_version", |r| r.get(0))?)
        };
        for _ in 0..SNAPSHOT_TRIES {
            let before = version(&witness.conn)?;
            conns.iter_mut().try_for_each(|g| g.begin_snapshot())?;
            if version(&witness.conn)? == before {
                return Ok(());
            }
            conns.iter_mut().try_for_each(|g| g.end_snapshot())?;
        }
        let barrier = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|c| {
            c.busy_timeout(super::BUSY_TIMEOUT)?;
            c.execute_batch("BEGIN IMMEDIATE")?;
            Ok(c)
        });
        match barrier {
            Ok(writer) => {
                let out = conns.iter_mut().try_for_each(|g| g.begin_snapshot());
                let _ = writer.execute_batch("ROLLBACK");
                return out;
            }
            Err(_) => conns.truncate(1),
        }
    }
    match conns.first_mut() {
        Some(g) => g.begin_snapshot(),
        None => Ok(()),
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        let _ = self.end_snapshot();
    }
}

/// The authorizer: allow reading, refuse everything else, and say why.
fn authorize(state: &GuardState, ctx: AuthContext<'_>) -> Authorization {
    let refuse = |why: String| {
        *state.refused.lock().expect("refused lock") = Some(why);
        Authorization::Deny
    };
    match ctx.action {
        AuthAction::Select | AuthAction::Read { .. } | AuthAction::Recursive => {
            Authorization::Allow
        }
        AuthAction::Function { function_name } => {
            if REFUSED_FUNCTIONS
                .iter()
                .any(|f| f.eq_ignore_ascii_case(function_name))
            {
                refuse(format!("{function_name}() is not allowed"))
            } else {
                Authorization::Allow
            }
        }
        AuthAction::Pragma {
            pragma_name,
            pragma_value,
        } => {
            let name = pragma_name.to_ascii_lowercase();
            let allowed = READ_PRAGMAS_WITH_ARG.contains(&name.as_str())
                || (pragma_value.is_none() && READ_PRAGMAS_NO_ARG.contains(&name.as_str()));
            if allowed {
                Authorization::Allow
            } else {
                refuse(match pragma_value {
                    Some(v) => format!("it changes state (sets {pragma_name} to {v})"),
                    None => format!("PRAGMA {pragma_name} is not a known read-only PRAGMA"),
                })
            }
        }
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. }
            if state.internal.load(Ordering::SeqCst) =>
        {
            Authorization::Allow
        }
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            refuse("transaction control (BEGIN, COMMIT, SAVEPOINT) is not allowed".into())
        }
        AuthAction::Attach { filename } => refuse(format!("ATTACH {filename:?} is not allowed")),
        AuthAction::Detach { .. } => refuse("DETACH is not allowed".into()),
        // SQLite writes the schema table for CREATE, DROP and ALTER.
        AuthAction::Insert { table_name }
        | AuthAction::Update { table_name, .. }
        | AuthAction::Delete { table_name }
            if is_schema_table(table_name) =>
        {
            refuse("it changes the catalog's tables".into())
        }
        AuthAction::Insert { table_name } => refuse(format!("it adds rows to {table_name}")),
        AuthAction::Update { table_name, .. } => refuse(format!("it changes rows of {table_name}")),
        AuthAction::Delete { table_name } => refuse(format!("it deletes rows of {table_name}")),
        other => refuse(format!(
            "{} changes the schema or the file",
            action_name(&other)
        )),
    }
}

fn is_schema_table(name: &str) -> bool {
    [
        "sqlite_master",
        "sqlite_schema",
        "sqlite_temp_master",
        "sqlite_temp_schema",
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(name))
}

fn action_name(a: &AuthAction) -> String {
    let dbg = format!("{a:?}");
    dbg.split([' ', '{', '('])
        .next()
        .unwrap_or("statement")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let cat = Catalog::open(&path).unwrap();
        cat.conn
            .execute_batch(
                "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
                 VALUES ('h', '/a.mkv', CAST('/a.mkv' AS BLOB), '/', 'ok', 't');
                 INSERT INTO file_seen (file_id, last_seen) VALUES (1, 't');
                 INSERT INTO docs (file_id, doc) VALUES (1, '{\"container\":\"mkv\"}');",
            )
            .unwrap();
        drop(cat);
        (dir, path)
    }

    fn run(g: &Guarded, sql: &str) -> Result<u64, QueryError> {
        let mut stmt = g.prepare(sql, &[])?;
        g.for_each_row(&mut stmt, |_| Ok(()))
    }

    #[test]
    fn reads_pass_and_everything_else_is_refused() {
        let (_dir, path) = catalog();
        let g = Guarded::open(&path, Duration::from_secs(5)).unwrap();
        assert_eq!(run(&g, "SELECT container FROM media").unwrap(), 1);
        assert_eq!(run(&g, "PRAGMA table_info(media)").unwrap(), 37);
        assert_eq!(run(&g, "PRAGMA user_version").unwrap(), 1);
        for (sql, why) in [
            ("PRAGMA user_version = 7", "changes state"),
            ("PRAGMA query_only = 0", "changes state"),
            ("PRAGMA writable_schema = 1", "changes state"),
            ("ATTACH 'x.db' AS x", "ATTACH"),
            ("SELECT load_extension('x')", "load_extension"),
            ("BEGIN", "transaction"),
        ] {
            match run(&g, sql) {
                Err(QueryError::Refused { statement, why: m }) => {
                    assert!(m.contains(why), "{sql}: {m}");
                    assert_eq!(statement, sql, "the statement in the user's words");
                }
                other => panic!("{sql}: {other:?}"),
            }
        }
    }

    #[test]
    fn shared_snapshots_agree_while_a_writer_commits() {
        let (_dir, path) = catalog();
        let mut conns: Vec<Guarded> = (0..3)
            .map(|_| Guarded::open(&path, Duration::from_secs(5)).unwrap())
            .collect();
        begin_shared_snapshot(&mut conns, &path).unwrap();
        assert_eq!(conns.len(), 3);
        let w = Catalog::open(&path).unwrap();
        w.conn
            .execute_batch(
                "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
                 VALUES ('h', '/b.mkv', CAST('/b.mkv' AS BLOB), '/', 'ok', 't')",
            )
            .unwrap();
        for g in &conns {
            assert_eq!(
                run(g, "SELECT * FROM files").unwrap(),
                1,
                "the snapshot, not the commit"
            );
        }
        for g in &mut conns {
            g.end_snapshot().unwrap();
            assert_eq!(run(g, "SELECT * FROM files").unwrap(), 2);
        }
    }

    #[test]
    fn shared_snapshots_do_not_wait_for_an_open_write_transaction() {
        let (_dir, path) = catalog();
        let mut w = Catalog::open(&path).unwrap();
        let tx = rusqlite::Transaction::new(&mut w.conn, rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        tx.execute_batch(
            "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
             VALUES ('h', '/b.mkv', CAST('/b.mkv' AS BLOB), '/', 'ok', 't')",
        )
        .unwrap();
        let mut conns: Vec<Guarded> = (0..3)
            .map(|_| Guarded::open(&path, Duration::from_secs(5)).unwrap())
            .collect();
        let t = Instant::now();
        begin_shared_snapshot(&mut conns, &path).unwrap();
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(conns.len(), 3, "no fall back to one connection");
        for g in &conns {
            assert_eq!(
                run(g, "SELECT * FROM files").unwrap(),
                1,
                "committed rows only"
            );
        }
        tx.commit().unwrap();
        for g in &conns {
            assert_eq!(
                run(g, "SELECT * FROM files").unwrap(),
                1,
                "still the snapshot"
            );
        }
    }

    #[test]
    fn shared_snapshots_agree_while_commits_keep_coming() {
        let (_dir, path) = catalog();
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (path, stop) = (path.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let w = Catalog::open(&path).unwrap();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    w.conn
                        .execute(
                            "INSERT INTO files (host, path, path_bytes, root, status, first_seen)
                             VALUES ('h', ?1, CAST(?1 AS BLOB), '/', 'ok', 't')",
                            [format!("/f{i}.mkv")],
                        )
                        .unwrap();
                }
                i
            })
        };
        let count = |g: &Guarded| -> i64 {
            g.cat
                .conn
                .query_row("SELECT count(*) FROM files", [], |r| r.get(0))
                .unwrap()
        };
        for _ in 0..30 {
            let mut conns: Vec<Guarded> = (0..3)
                .map(|_| Guarded::open(&path, Duration::from_secs(5)).unwrap())
                .collect();
            begin_shared_snapshot(&mut conns, &path).unwrap();
            std::thread::sleep(Duration::from_millis(2));
            let seen: Vec<i64> = conns.iter().map(count).collect();
            assert!(seen.iter().all(|n| *n == seen[0]), "{seen:?}");
        }
        stop.store(true, Ordering::SeqCst);
        assert!(writer.join().unwrap() > 0);
    }

    #[test]
    fn endless_statements_are_interrupted() {
        let (_dir, path) = catalog();
        let g = Guarded::open(&path, Duration::from_millis(200)).unwrap();
        let t = Instant::now();
        let r = run(
            &g,
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
        );
        assert!(matches!(r, Err(QueryError::TimedOut(_))), "{r:?}");
        assert!(t.elapsed() < Duration::from_secs(3));
        // The connection is still usable afterwards.
        assert_eq!(run(&g, "SELECT 1").unwrap(), 1);
    }
}
