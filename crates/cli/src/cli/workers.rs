//! The arguments of the hidden worker verbs `mediadex-media` runs for a pool
//! (see `mediadex_core::pool::Worker`).

use clap::Args;

use super::LevelArg;

/// `__probe-worker` and `__fingerprint-worker`.
#[derive(Debug, Args)]
pub struct ProbeWorkerArgs {
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
}

/// The hidden verb `mediadex-media` runs as a verify worker.
#[derive(Debug, Args)]
pub struct VerifyWorkerArgs {
    #[arg(long, value_enum)]
    pub level: LevelArg,
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
}
