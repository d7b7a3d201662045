//! The integration suite: one binary, real GStreamer media generated at run time,
//! a real SQLite catalog in a temp dir, the real `mediadex` binary.

mod testenv;

mod suite {
    mod catalog;
    mod dump;
    mod export;
    mod query;
    mod report;
    mod scan;
}
