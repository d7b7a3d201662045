//! The arguments of `verify` and of its hidden worker verb.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{parse_jobs, parse_seconds};
use mediadex_core::verify::Level;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Only catalogued files under these directories (or these files) [default: all]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// How deep to check: quick reads every packet, keyframes also decodes the
    /// keyframes, full decodes every frame
    #[arg(long, value_enum, default_value_t = LevelArg::Quick)]
    pub level: LevelArg,

    /// Files checked at once [default: the number of CPUs]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,

    /// Seconds a single file may take before its check is marked `timeout`
    #[arg(long, value_name = "S", default_value_t = 3600.0, value_parser = parse_seconds)]
    pub timeout: f64,

    /// Check every selected file again, changed or not
    #[arg(long)]
    pub force: bool,

    /// Print the summary (with the damaged files) as a JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

/// `verify --level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Quick,
    Keyframes,
    Full,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Quick => Level::Quick,
            LevelArg::Keyframes => Level::Keyframes,
            LevelArg::Full => Level::Full,
        }
    }
}
