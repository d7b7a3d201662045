//! mediadex: catalog large video libraries into SQLite.
//!
//! `scan` walks and probes files (GStreamer, in worker processes) into the
//! `catalog`; `query` and reports read it back. Dependencies point one way:
//! scan → catalog; commands → everything.

pub mod catalog;
pub mod cli;
pub mod commands;
pub mod output;
pub mod progress;
pub mod record;
pub mod scan;
pub mod util;
