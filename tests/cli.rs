//! The integration suite: one binary, real GStreamer media generated at run time,
//! a real SQLite catalog in a temp dir, the real `mediadex` binary.

mod testenv;

mod suite {
    mod analyses;
    mod browser;
    mod catalog;
    mod dump;
    mod export;
    mod hostile;
    mod library;
    mod offline;
    mod page;
    mod query;
    mod readonly;
    mod record;
    mod report;
    mod scan;
    mod sqldir;
    mod trailer;
    mod unprivileged;
}
