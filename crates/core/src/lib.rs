//! mediadex without the media libraries and without the command line: what
//! both executables are built on. See ARCHITECTURE.md at the top of the
//! repository for the whole map.
//!
//! - [`scan`] walks libraries, decides what to probe, and probes it through
//!   the [`pool`] of worker processes (`mediadex-media`, see
//!   [`pool::companion`]) that `fingerprint` uses too;
//! - [`catalog`] is the only module that speaks SQL: schema, migrations, the
//!   single writer, dumps;
//! - [`report`] runs the SQL files of `sql/`; [`output`] writes rows (JSON,
//!   JSON Lines, CSV, TSV, the aligned table, human units) and the report's
//!   HTML page draws them; [`export`] writes them all to a directory;
//! - [`dedupe`] plans, applies and undoes the removal of duplicates;
//! - [`sampled`] names a file by a hash of sampled blocks (moves, dedupe);
//! - [`ui`] is how every verb talks to the user on stderr;
//! - [`audio`] holds the WAV part files the recorder writes, their repair and
//!   level meters; [`fingerprint`] the perceptual hashes and their matching;
//!   [`verify`] the integrity checks' levels, verdicts and engine.
//!
//! The verbs on top of all of them are the `mediadex` crate (crates/cli).

pub mod atomic_file;
pub mod audio;
pub mod catalog;
pub mod dedupe;
pub mod export;
pub mod fingerprint;
pub mod output;
pub mod pool;
pub mod progress;
pub mod report;
pub mod sampled;
pub mod scan;
pub mod ui;
pub mod util;
pub mod verify;
