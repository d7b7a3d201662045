//! The single writer: one thread owns the read-write connection and commits
//! what producers send it over a bounded channel, in batches.
//!
//! Invariants: a batch is one `BEGIN IMMEDIATE` transaction of at most
//! [`BATCH_ROWS`] operations or [`BATCH_TIME`] of waiting, so a crash loses at most
//! the open batch and never leaves half a file; after the first error the
//! writer stops taking work, rolls the batch back, marks its scan `failed`
//! with the reason in one tiny transaction of its own (which often still fits
//! where a batch did not: a full disk), and reports both from
//! [`Writer::finish`].

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use rusqlite::Connection;

use super::files::{self, FileRecord, ScanCounts};
use super::{CatalogError, Result};
use crate::util;

pub const BATCH_ROWS: usize = 512;
pub const BATCH_TIME: Duration = Duration::from_millis(250);

pub enum WriteOp {
    File(Box<FileRecord>),
    Missing(Vec<i64>),
    Seen(Vec<i64>),
    /// Rows whose files were found at new paths.
    Moved(Vec<files::Moved>),
    /// A root walked completely, on this device.
    Root {
        path: String,
        dev: u64,
    },
    FinishScan {
        status: &'static str,
        counts: ScanCounts,
        elapsed_s: f64,
        /// JSON arrays of the roots left alone and the directories not read.
        offline: String,
        unreadable: String,
        /// Why the scan failed, when it did.
        error: Option<String>,
    },
}

/// Why the writer stopped, and what became of its scan's row.
#[derive(Debug)]
pub struct Stopped {
    pub error: CatalogError,
    /// `Ok` when the scan row was marked `failed` with the reason; the error of
    /// that last write otherwise. `None` for a writer with no scan.
    pub scan_marked: Option<std::result::Result<(), String>>,
}

pub struct Writer {
    tx: Option<Sender<WriteOp>>,
    handle: Option<JoinHandle<Result<u64, Stopped>>>,
}

impl Writer {
    /// Open a write connection to `path` and start the writer thread.
    pub fn spawn(path: &Path, host: String, scan_id: Option<i64>) -> Result<Writer> {
        let conn = Connection::open(path).map_err(|source| CatalogError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        super::apply_pragmas(&conn)?;
        let (tx, rx) = bounded::<WriteOp>(4096);
        let path: PathBuf = path.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("catalog-writer".into())
            .spawn(move || run(conn, &path, &host, scan_id, rx))
            .expect("spawn writer thread");
        Ok(Writer {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Queue an operation. Returns false if the writer has stopped (its error
    /// comes from [`Writer::finish`]).
    pub fn send(&self, op: WriteOp) -> bool {
        self.tx.as_ref().is_some_and(|tx| tx.send(op).is_ok())
    }

    /// Close the queue, wait for the last commit, and return rows written.
    pub fn finish(mut self) -> Result<u64, Stopped> {
        self.tx.take();
        self.handle
            .take()
            .expect("finish once")
            .join()
            .unwrap_or_else(|_| {
                Err(Stopped {
                    error: CatalogError::WriterPanicked,
                    scan_marked: None,
                })
            })
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn run(
    mut conn: Connection,
    _path: &Path,
    host: &str,
    scan_id: Option<i64>,
    rx: Receiver<WriteOp>,
) -> Result<u64, Stopped> {
    let out = write_all(&mut conn, host, scan_id, &rx);
    // Dropping the queue first makes the producers' next send fail at once.
    drop(rx);
    out.map_err(|error| {
        // The failed batch was rolled back when its transaction was dropped.
        let scan_marked = scan_id.map(|id| {
            let reason = format!("could not write the catalog: {error}");
            let mark = |conn: &mut Connection| {
                super::write_transaction(conn, |tx| files::scan_failed(tx, id, &reason))
            };
            // A checkpoint between two tries may hand back room in the WAL.
            mark(&mut conn)
                .or_else(|_| {
                    let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
                    mark(&mut conn)
                })
                .map_err(|e| e.to_string())
        });
        Stopped { error, scan_marked }
    })
}

fn write_all(
    conn: &mut Connection,
    host: &str,
    scan_id: Option<i64>,
    rx: &Receiver<WriteOp>,
) -> Result<u64> {
    let mut written = 0u64;
    while let Ok(first) = rx.recv() {
        let tx = rusqlite::Transaction::new(conn, rusqlite::TransactionBehavior::Immediate)?;
        let now = util::now_utc();
        apply(&tx, host, scan_id, &now, first)?;
        let mut n = 1;
        let started = Instant::now();
        while n < BATCH_ROWS {
            let left = BATCH_TIME.saturating_sub(started.elapsed());
            match rx.recv_timeout(left) {
                Ok(op) => {
                    apply(&tx, host, scan_id, &now, op)?;
                    n += 1;
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        tx.commit()?;
        written += n as u64;
    }
    // Hand the WAL back to the main file while nobody else needs the lock.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
    Ok(written)
}

fn apply(
    tx: &rusqlite::Transaction,
    host: &str,
    scan_id: Option<i64>,
    now: &str,
    op: WriteOp,
) -> Result<()> {
    match op {
        WriteOp::File(rec) => {
            files::upsert(tx, host, scan_id, now, &rec)?;
        }
        WriteOp::Missing(ids) => {
            files::mark_missing(tx, &ids, scan_id)?;
        }
        WriteOp::Seen(ids) => {
            files::touch_seen(tx, &ids, now)?;
        }
        WriteOp::Moved(moves) => {
            files::move_rows(tx, &moves, scan_id, now)?;
        }
        WriteOp::Root { path, dev } => {
            super::roots::record(tx, host, &path, dev, now)?;
        }
        WriteOp::FinishScan {
            status,
            counts,
            elapsed_s,
            offline,
            unreadable,
            error,
        } => {
            if let Some(id) = scan_id {
                files::scan_finish(
                    tx,
                    id,
                    status,
                    &counts,
                    elapsed_s,
                    (&offline, &unreadable),
                    error.as_deref(),
                )?;
            }
        }
    }
    Ok(())
}
