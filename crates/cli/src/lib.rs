//! The command line of both executables: [`cli`] is its clap definition, and
//! [`commands`] one file per verb, on top of mediadex-core. `mediadex` runs
//! [`commands::run`]; `mediadex-media` runs its own verbs (`record`, the
//! workers, `scan --in-process`) and hands every other one to it.

pub mod cli;
pub mod commands;
