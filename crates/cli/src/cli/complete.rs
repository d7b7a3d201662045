//! The arguments of the hidden `__complete-report`, which the shell
//! completion scripts call for what clap cannot know when it writes them:
//! the report names (bundled and `--sql-dir`) and each report's parameters.

use clap::Args;

#[derive(Debug, Args)]
pub struct CompleteReportArgs {
    /// The words of the command line before the one being completed,
    /// without the program name
    #[arg(last = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}
