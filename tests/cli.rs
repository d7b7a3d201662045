//! The integration suite: one binary, real GStreamer media generated at run time,
//! a real SQLite catalog in a temp dir, the real `mediadex` binary.

mod testenv;

mod suite {
    mod analyses;
    mod androidx;
    mod audio_files;
    mod broadcast;
    mod catalog;
    mod completions;
    mod containers;
    mod dedupe;
    mod dump;
    mod edges;
    mod export;
    mod fingerprint;
    mod forget;
    mod hdr;
    mod hostile;
    mod hosts;
    mod moves;
    mod offline;
    mod outside;
    mod packaged;
    mod page;
    mod program;
    mod query;
    mod readonly;
    mod realworld;
    mod record;
    mod report;
    mod scan;
    mod segments;
    mod show;
    mod suggest;
    mod terminal;
    mod thumbnails;
    mod trailer;
    mod truth;
    mod unprivileged;
    mod verify;
}
