//! Which verbs read or write the catalog (and so need a `--db` that can be
//! one): every verb but the shell helpers and the workers, which are handed
//! paths, not a catalog.

use super::Command;

impl Command {
    /// Whether the verb opens the catalog.
    pub fn uses_catalog(&self) -> bool {
        !matches!(
            self,
            Command::Completions(_)
                | Command::Man
                | Command::CompleteReport(_)
                | Command::ProbeWorker(_)
                | Command::FingerprintWorker(_)
                | Command::VerifyWorker(_)
        )
    }
}
