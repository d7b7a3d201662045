//! The one voice of mediadex on stderr: a [`Ui`] handle owns `-q`, the
//! `mediadex: error/warning/note` prefixes, whole-line writes and the progress
//! bar. Commands make one from the command line; engines take it (or return
//! notes for the caller to give it, as the catalog does).
//!
//! Invariants: every line goes out in a single `write` (so that output of
//! other processes sharing the terminal, as in `scan --json | jq`, cannot
//! land inside it); errors and warnings are always written, notes and
//! informational lines only without `-q`; a note is written once per process.

use std::collections::HashSet;
use std::fmt::Display;
use std::sync::Mutex;

use crate::progress::{self, Progress};

/// `mediadex: KIND: MESSAGE`, the one spelling of the prefixes, for the few
/// places that write a line without a [`Ui`] at hand (the table renderer's
/// note beside its output).
pub fn prefixed(kind: &str, message: impl Display) -> String {
    format!("mediadex: {kind}: {message}")
}

/// How mediadex talks to the user on stderr.
#[derive(Debug, Default)]
pub struct Ui {
    quiet: bool,
    /// Notes already written: each is said once.
    said: Mutex<HashSet<String>>,
}

impl Ui {
    pub fn new(quiet: bool) -> Ui {
        Ui {
            quiet,
            said: Mutex::default(),
        }
    }

    /// `-q`: only errors and warnings.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Write `text` as one whole line, whatever `-q` says.
    pub fn line(&self, text: &str) {
        crate::util::say(text);
    }

    /// A line that only says how things went: not under `-q`.
    pub fn info(&self, text: &str) {
        if !self.quiet {
            self.line(text);
        }
    }

    /// `mediadex: error: …`: something failed (the run may go on).
    pub fn error(&self, message: impl Display) {
        self.line(&prefixed("error", message));
    }

    /// `mediadex: warning: …`: something the user should look at.
    pub fn warning(&self, message: impl Display) {
        self.line(&prefixed("warning", message));
    }

    /// `mediadex: …`: a message of mediadex's own that is neither an error
    /// nor a warning (a count of failures, a file's outcome); not under `-q`.
    pub fn say(&self, message: impl Display) {
        self.info(&format!("mediadex: {message}"));
    }

    /// `mediadex: note: …`, once per process, and not under `-q`.
    pub fn note(&self, message: impl Display) {
        let message = message.to_string();
        if self.quiet
            || !self
                .said
                .lock()
                .expect("notes lock")
                .insert(message.clone())
        {
            return;
        }
        self.line(&prefixed("note", message));
    }

    /// Every note of `notes` (see [`Ui::note`]).
    pub fn notes(&self, notes: &[String]) {
        for n in notes {
            self.note(n);
        }
    }

    /// The progress bar on stderr: hidden under `-q` and off a terminal.
    pub fn progress(&self) -> Box<dyn Progress> {
        progress::for_stderr(self.quiet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_spelled_once_and_notes_said_once() {
        assert_eq!(prefixed("warning", "x"), "mediadex: warning: x");
        let ui = Ui::new(false);
        ui.note("once");
        ui.note("once");
        assert_eq!(ui.said.lock().unwrap().len(), 1);
        let quiet = Ui::new(true);
        quiet.note("not said");
        assert!(quiet.quiet() && quiet.said.lock().unwrap().is_empty());
    }
}
