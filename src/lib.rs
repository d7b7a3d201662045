//! mediadex: catalog large video libraries into SQLite.
//!
//! `scan` walks and probes files (GStreamer, in worker processes) into the
//! `catalog`; `query` and `report` (SQL files under `sql/`) read it back.
//! Dependencies point one way: scan → catalog ← report; commands → everything.

pub mod atomic;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod fingerprint;
pub mod media;
pub mod output;
pub mod progress;
pub mod record;
pub mod report;
pub mod scan;
pub mod table;
pub mod util;
