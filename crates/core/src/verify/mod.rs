//! Integrity checks (`mediadex verify`): which files are damaged, at three
//! depths.
//!
//! Core side, no GStreamer: the [`Level`]s, the verdict a worker sends back
//! ([`HealthDoc`], the document of a [`crate::pool::Answer`]) and the
//! [`engine`] that selects the catalogued files due a check, runs them in the
//! pool's [`crate::pool::Worker::Verify`] processes and stores each verdict.
//! The checks themselves run in `mediadex-media` (`mediadex_media::verify`).
//!
//! Invariants: a verdict names the level it was reached at and the size and
//! mtime of the file it was reached on; a deeper level finds everything a
//! shallower one does, so a file checked at `full` is not checked again at
//! `quick`; the same bytes give the same verdict every run.

pub mod engine;

use serde::{Deserialize, Serialize};

/// How deep a check goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Every packet read, nothing decoded: the index against the file, the
    /// container's own checksums and counters, timestamps.
    Quick,
    /// Also every keyframe (and every audio frame) decoded.
    Keyframes,
    /// Every video and audio frame decoded.
    Full,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Quick, Level::Keyframes, Level::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Quick => "quick",
            Level::Keyframes => "keyframes",
            Level::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A file's state after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Nothing wrong found at the level checked.
    Clean,
    /// Read to the end, with errors: some of it is lost.
    Damaged,
    /// Nothing of it can be played.
    Unreadable,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Clean => "clean",
            Health::Damaged => "damaged",
            Health::Unreadable => "unreadable",
        }
    }
}

/// What kind of damage was found first.
pub mod class {
    /// The file ends before its index or headers say it does.
    pub const TRUNCATED: &str = "truncated";
    /// The container's structure is broken: packets not where the index
    /// says, lost sync, a chunk that is not one.
    pub const UNREADABLE_PACKETS: &str = "unreadable packets";
    /// A checksum the container stores does not match its bytes.
    pub const CHECKSUM: &str = "checksum mismatch";
    /// Packets missing from a continuous sequence (transport stream
    /// continuity counters, Ogg page numbers).
    pub const LOST_PACKETS: &str = "lost packets";
    /// Timestamps that jump back or leave a gap.
    pub const TIMESTAMP_GAP: &str = "timestamp gap";
    /// A decoder reported errors.
    pub const DECODE_ERRORS: &str = "decode errors";
    /// Nothing could be read or played.
    pub const UNREADABLE: &str = "unreadable";
}

/// What the scan found of a file, sent with each request (the request's
/// note): a check takes it in place of probing the file again. Only for a
/// file the scan read (`ok`) at the size and mtime the check is asked at.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Known {
    /// The probe's words beside its document (why the file is truncated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The probe's document, without its tags, chapters and attachments.
    pub doc: crate::scan::document::Document,
}

/// A worker's verdict on one file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HealthDoc {
    /// `None` only in a default value; every verdict sets it.
    pub health: Option<Health>,
    /// The first kind of damage found ([`class`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Stream time of the first error, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_error_s: Option<f64>,
    /// Errors counted: every checksum, counter, packet and decoder error.
    #[serde(default)]
    pub errors: u64,
    /// The share of the duration the errors touch (0..1): the seconds with
    /// an error, or all that is missing from a cut file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected_share: Option<f64>,
    /// The first error in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
}

/// Counts errors as a check finds them: the first one's class, time and
/// words, and the whole seconds they fall in.
#[derive(Debug, Default)]
pub struct Findings {
    pub errors: u64,
    pub first: Option<(String, Option<f64>, String)>,
    seconds: std::collections::BTreeSet<u64>,
    untimed: bool,
    /// The share of the duration a cut took away.
    missing_share: f64,
}

impl Findings {
    /// One error of `class` at stream time `t` (seconds, when known).
    pub fn add(&mut self, class: &str, t: Option<f64>, detail: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first.is_none() {
            self.first = Some((class.to_string(), t, detail()));
        }
        match t {
            Some(t) if t.is_finite() && t >= 0.0 => {
                self.seconds.insert(t as u64);
            }
            _ => self.untimed = true,
        }
    }

    /// A cut file: it ends at stream time `at`, `missing` (0..1) of it gone.
    pub fn add_cut(
        &mut self,
        at: Option<f64>,
        missing: Option<f64>,
        detail: impl FnOnce() -> String,
    ) {
        self.errors += 1;
        if self.first.is_none() {
            self.first = Some((class::TRUNCATED.to_string(), at, detail()));
        }
        self.missing_share = missing.unwrap_or(0.0).clamp(0.0, 1.0);
    }

    /// The verdict over `duration_s`: clean when nothing was found.
    pub fn verdict(&self, duration_s: Option<f64>) -> HealthDoc {
        let Some((class, t, detail)) = &self.first else {
            return HealthDoc {
                health: Some(Health::Clean),
                duration_s,
                ..HealthDoc::default()
            };
        };
        let affected = duration_s.filter(|d| *d > 0.0).map(|d| {
            let secs = self.seconds.len() as f64 + if self.untimed { 1.0 } else { 0.0 };
            (secs / d.ceil().max(1.0) + self.missing_share).min(1.0)
        });
        HealthDoc {
            health: Some(Health::Damaged),
            class: Some(class.clone()),
            first_error_s: *t,
            errors: self.errors,
            affected_share: affected,
            detail: Some(detail.clone()),
            duration_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_by_depth() {
        assert!(Level::Quick < Level::Keyframes && Level::Keyframes < Level::Full);
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
    }

    #[test]
    fn findings_keep_the_first_error_and_count_seconds() {
        let mut f = Findings::default();
        assert_eq!(f.verdict(Some(10.0)).health, Some(Health::Clean));
        f.add(class::DECODE_ERRORS, Some(2.5), || "a".into());
        f.add(class::CHECKSUM, Some(2.9), || "b".into());
        f.add(class::DECODE_ERRORS, Some(7.0), || "c".into());
        let v = f.verdict(Some(10.0));
        assert_eq!(v.health, Some(Health::Damaged));
        assert_eq!(v.class.as_deref(), Some(class::DECODE_ERRORS));
        assert_eq!(v.first_error_s, Some(2.5));
        assert_eq!(v.errors, 3);
        assert_eq!(v.affected_share, Some(0.2));
        assert_eq!(v.detail.as_deref(), Some("a"));
    }
}
