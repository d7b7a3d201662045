//! The catalog: the only Rust code that speaks SQL.
//!
//! Invariants: every connection gets the same pragmas (WAL, busy timeout, foreign
//! keys, `synchronous=NORMAL`); the schema is `schema.sql` applied as migration 1
//! plus the numbered files in `migrations/`, versioned by `PRAGMA user_version`;
//! every write transaction starts with `BEGIN IMMEDIATE`, so a writer never fails
//! half-way with `SQLITE_BUSY` on lock upgrade. Scans write through the single
//! [`writer::Writer`] thread; readers use [`Catalog::open_readonly`], and SQL
//! written by users (queries, report files) runs only on a [`guard::Guarded`]
//! connection.

pub mod damage;
pub mod dedupe;
pub mod dump;
pub mod files;
pub mod fingerprints;
pub mod forget;
pub mod guard;
pub mod health;
pub mod history;
pub mod migrate;
pub mod query;
pub mod recordings;
pub mod roots;
pub mod statement;
pub mod thumbnails;
pub mod trailer;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use migrate::{MIGRATIONS, SCHEMA_VERSION};

/// How long a connection waits for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("could not open catalog {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "catalog {path} holds an unfinished write left by a killed process, and rolling it back needs write access ({source}); run any mediadex command once as a user who can write the catalog"
    )]
    HotJournal {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("could not create directory {path} for the catalog: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "catalog {path} has schema version {found}, newer than this mediadex understands ({known}); upgrade mediadex"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("could not read catalog {path}: {source}; check its permissions or pass another --db")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("catalog {path} does not exist; run `mediadex scan DIR` first or pass --db")]
    Missing { path: PathBuf },
    #[error("migration {version} failed on {path}: {source}")]
    Migration {
        path: PathBuf,
        version: i64,
        #[source]
        source: rusqlite::Error,
    },
    /// The writer thread died mid-write (a bug); the open transaction is lost,
    /// what was committed before it is kept.
    #[error("the catalog writer thread panicked; what it committed before is kept")]
    WriterPanicked,
    /// The file itself is broken (see [`damage`]): one line that names it,
    /// says how, quotes SQLite's check and says what to do.
    #[error("{0}")]
    Damaged(Box<damage::Damage>),
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

pub type Result<T, E = CatalogError> = std::result::Result<T, E>;

/// An open catalog connection with its path.
pub struct Catalog {
    pub conn: Connection,
    pub path: PathBuf,
    /// What the caller should tell the user about how this catalog was opened
    /// (read as it is on disk, not brought up to date): the catalog prints
    /// nothing itself, the caller's `Ui` does (or not, under `-q`).
    pub notes: Vec<String>,
}

impl Catalog {
    /// Open (creating if needed) a catalog for writing, bringing its schema up to date.
    pub fn open(path: &Path) -> Result<Catalog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| CatalogError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| CatalogError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mut cat = Catalog {
            conn,
            path: path.to_path_buf(),
            notes: Vec::new(),
        };
        cat.apply_pragmas().map_err(|e| name_the_file(e, path))?;
        migrate::migrate(&mut cat.conn, path).map_err(|e| name_the_file(e, path))?;
        Ok(cat)
    }

    /// Open an existing catalog read-only. The file is never created, and only
    /// written to bring an older schema up to date (see [`Catalog::upgrade_for_reading`]).
    ///
    /// A reader of a WAL catalog needs its `-shm` and `-wal` files, which it
    /// creates when they are absent. When it cannot (the directory is not
    /// writable: a read-only share, another user's catalog), the catalog is
    /// opened as immutable instead, which reads the main file alone: that is
    /// the whole catalog when no writer has it open, and a note (in
    /// [`Catalog::notes`]) says that a scan running meanwhile will not be seen.
    pub fn open_readonly(path: &Path) -> Result<Catalog> {
        if !path.exists() {
            return Err(CatalogError::Missing {
                path: path.to_path_buf(),
            });
        }
        // SQLite says only "unable to open database file"; the OS says why.
        if let Err(source) = std::fs::File::open(path) {
            return Err(CatalogError::Unreadable {
                path: path.to_path_buf(),
                source,
            });
        }
        let cat = Self::open_readonly_as_is(path)?;
        Self::upgrade_for_reading(cat)
    }

    /// [`Catalog::open_readonly`] without the upgrade.
    fn open_readonly_as_is(path: &Path) -> Result<Catalog> {
        match Self::open_readonly_with(path, false) {
            Err(e) if needs_immutable(&e) => {
                let mut cat = Self::open_readonly_with(path, true)?;
                cat.notes.push(format!(
                    "catalog {} is read as it is on disk (its directory is not writable for the files a reader shares with writers): changes of a scan running meanwhile will not be seen",
                    path.display()
                ));
                Ok(cat)
            }
            other => other,
        }
    }

    /// A catalog written by an older mediadex lacks the tables and views that
    /// reports of this one read (`media_ok`, `doc_streams`, …). When the file
    /// can be written, it is migrated first, as any writing command would, and
    /// opened read-only again; when it cannot, it is read as it is and a note
    /// says why a report may not find a table.
    fn upgrade_for_reading(cat: Catalog) -> Result<Catalog> {
        let version = cat.schema_version()?;
        if version >= SCHEMA_VERSION {
            return Ok(cat);
        }
        let path = cat.path.clone();
        let mut cat = if std::fs::OpenOptions::new().write(true).open(&path).is_ok() {
            drop(cat);
            let failed = Catalog::open(&path).err().map(|e| e.to_string());
            let mut cat = Self::open_readonly_as_is(&path)?;
            cat.notes.splice(0..0, failed);
            cat
        } else {
            cat
        };
        let now = cat.schema_version()?;
        if now < SCHEMA_VERSION {
            cat.notes.push(format!(
                "catalog {} has schema version {now} and this mediadex reads version {SCHEMA_VERSION}; it could not be brought up to date here, so reports that read newer tables will fail: run `mediadex scan` once where the catalog is writable",
                path.display()
            ));
        }
        Ok(cat)
    }

    fn open_readonly_with(path: &Path, immutable: bool) -> Result<Catalog> {
        let open = || -> Result<(Connection, i64)> {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = if immutable {
                Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
            } else {
                Connection::open_with_flags(path, flags)
            }
            .map_err(|source| CatalogError::Open {
                path: path.to_path_buf(),
                source,
            })?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.pragma_update(None, "foreign_keys", true)?;
            conn.pragma_update(None, "query_only", true)?;
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            Ok((conn, version))
        };
        let (conn, version) = match open() {
            Err(CatalogError::Sql(rusqlite::Error::SqliteFailure(e, _)))
                if e.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK =>
            {
                roll_back_hot_journal(path)?;
                open()?
            }
            other => other.map_err(|e| name_the_file(e, path))?,
        };
        if version > SCHEMA_VERSION {
            return Err(CatalogError::TooNew {
                path: path.to_path_buf(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        Ok(Catalog {
            conn,
            path: path.to_path_buf(),
            notes: Vec::new(),
        })
    }

    fn apply_pragmas(&self) -> Result<()> {
        apply_pragmas(&self.conn)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`, returning its lines ("ok" when sound).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// Did a read-only open fail only because the WAL index could not be created?
fn needs_immutable(e: &CatalogError) -> bool {
    let code = match e {
        CatalogError::Sql(rusqlite::Error::SqliteFailure(f, _))
        | CatalogError::Open {
            source: rusqlite::Error::SqliteFailure(f, _),
            ..
        } => f.extended_code,
        _ => return false,
    };
    code == rusqlite::ffi::SQLITE_CANTOPEN
        || code == rusqlite::ffi::SQLITE_READONLY_CANTINIT
        || code == rusqlite::ffi::SQLITE_READONLY_DIRECTORY
        || code == rusqlite::ffi::SQLITE_READONLY
}

/// `file:PATH?immutable=1`, with the path percent-encoded where a URI needs it.
fn immutable_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for &b in abs.as_os_str().as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(b as char)
            }
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// A bare SQLite error met while opening `path` ("file is not a database")
/// as an error that names the file.
fn name_the_file(e: CatalogError, path: &Path) -> CatalogError {
    match e {
        CatalogError::Sql(source) => CatalogError::Open {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    }
}

/// A writer killed in the middle of a rollback-journal transaction (a `load`
/// into an empty catalog) leaves a hot journal, which a read-only connection
/// cannot play back. Opening the file for writing once rolls it back to the
/// last committed state; nothing else is written.
fn roll_back_hot_journal(path: &Path) -> Result<()> {
    let fail = |source| CatalogError::HotJournal {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(fail)?;
    Ok(())
}

/// The per-connection settings every read-write connection gets.
pub fn apply_pragmas(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "cache_size", -32768)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Run `f` inside `BEGIN IMMEDIATE … COMMIT`, rolling back on error.
pub fn write_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let tx = rusqlite::Transaction::new(conn, rusqlite::TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}
