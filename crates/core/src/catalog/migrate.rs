//! Schema migrations: `schema.sql` is migration 1, later files in `migrations/`
//! are 2, 3, …. `PRAGMA user_version` holds the number applied; each migration
//! runs in its own `BEGIN IMMEDIATE` transaction together with the version bump,
//! so a crash leaves the catalog at one version or the next, never between.

use std::path::Path;

use rusqlite::Connection;

use super::{CatalogError, Result};

/// Every migration in order; index 0 is version 1.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../../../schema.sql"),
    include_str!("../../../../migrations/002_docs_typed_index.sql"),
    include_str!("../../../../migrations/003_document_columns.sql"),
    include_str!("../../../../migrations/004_scan_roots.sql"),
    include_str!("../../../../migrations/005_crash_retries_scan_errors.sql"),
    include_str!("../../../../migrations/006_scan_reprobed.sql"),
    include_str!("../../../../migrations/007_history.sql"),
    include_str!("../../../../migrations/008_fingerprints.sql"),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Bring `conn` from its current version up to [`SCHEMA_VERSION`].
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, SCHEMA_VERSION)
}

/// Apply migrations up to and including `target` (used by tests to build old catalogs).
pub fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(CatalogError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for version in (current + 1)..=target {
        let sql = MIGRATIONS[(version - 1) as usize];
        super::immediate(conn, |tx| {
            // Re-check inside the write lock: another process may have migrated meanwhile.
            let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if now >= version {
                return Ok(());
            }
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            Ok(())
        })
        .map_err(|source| CatalogError::Migration {
            path: path.to_path_buf(),
            version,
            source,
        })?;
    }
    Ok(())
}
