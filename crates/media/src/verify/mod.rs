//! Integrity checks (media side, GStreamer): the worker verb
//! `__verify-worker --level L` judges one file at a time (see
//! `mediadex_core::verify`).
//!
//! A check is three looks, cheapest first:
//! 1. the probe's (the scan's parse of the headers): a file nothing can read
//!    is `unreadable`; one that ends before its index or headers say is
//!    `truncated`;
//! 2. [`container`]: the container's own guards over its bytes, where it has
//!    them (MPEG-TS sync bytes and continuity counters, Ogg page checksums,
//!    Matroska CRC-32 elements, MP4 sample tables against the file);
//! 3. [`pipeline`]: every packet through GStreamer, parsed (`quick`) or
//!    decoded (`keyframes`, `full`), counting what the demuxer, the parsers
//!    and the decoders report ([`watch`]). At `quick`, a container the
//!    walkers read whole ([`container::check`] says so) is not parsed again.
//!
//! The first look is the scan's when the parent sends its document (the
//! request's note, [`Known`]): the probe runs again only for a file the scan
//! could not read.
//!
//! Invariants: a file is `clean` only when all the looks found nothing; the
//! same bytes give the same verdict every run; the call returns by its
//! deadline (a pipeline that blocks is the parent's to kill).

mod container;
mod pipeline;
mod watch;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mediadex_core::catalog::files::Status;
use mediadex_core::pool::protocol::{Answer, Asked, empty_doc};
use mediadex_core::scan::document::Document;
use mediadex_core::verify::{Health, HealthDoc, Known, Level, class};

use crate::probe;

type Failure = (Status, String);

/// The most a check's probe may take, as a scan's does by default.
const PROBE_TIME: Duration = Duration::from_secs(30);

/// What a clean verdict on an encrypted file says.
const ENCRYPTED: &str =
    "encrypted: only the container was checked (the samples cannot be read without the key)";

/// One request at `quick`.
pub(crate) fn quick_one(asked: &Asked, t: Duration) -> Answer {
    one(Level::Quick, asked, t)
}

/// One request at `keyframes`.
pub(crate) fn keyframes_one(asked: &Asked, t: Duration) -> Answer {
    one(Level::Keyframes, asked, t)
}

/// One request at `full`.
pub(crate) fn full_one(asked: &Asked, t: Duration) -> Answer {
    one(Level::Full, asked, t)
}

fn one(level: Level, a: &Asked, timeout: Duration) -> Answer {
    let deadline = Instant::now() + timeout;
    // A note that does not parse is no note: the probe runs instead.
    let known = a.note.as_deref().and_then(|n| serde_json::from_str(n).ok());
    crate::checked::checked(a.id, &a.path, a.size, a.mtime_ns, || {
        match check(&a.path, level, known, deadline) {
            Ok(doc) => {
                let raw = serde_json::value::to_raw_value(&doc).expect("a verdict serializes");
                (Status::Ok, None, raw)
            }
            Err((status, e)) => (status, Some(e), empty_doc()),
        }
    })
}

/// The document and words of the scan, as the parent sent them (the file
/// has the size and mtime they were made at: [`crate::checked`] sees to it),
/// or of a probe made now; no document: nothing can read the file.
fn look(path: &Path, known: Option<Known>, deadline: Instant) -> Result<Looked, Failure> {
    if let Some(k) = known {
        return Ok((Some(k.doc), k.error));
    }
    // The probe reads headers: it gets the scan's time, not the whole
    // check's (a demuxer that spins on a file would hold it to the end).
    let left = deadline.saturating_duration_since(Instant::now());
    let probed = probe::probe(path, left.min(PROBE_TIME));
    if probed.status == Status::Timeout {
        return Err((Status::Timeout, probed.error.unwrap_or_default()));
    }
    Ok((probed.doc.map(|d| *d), probed.error))
}

type Looked = (Option<Document>, Option<String>);

/// Judge `path` at `level`.
fn check(
    path: &Path,
    level: Level,
    known: Option<Known>,
    deadline: Instant,
) -> Result<HealthDoc, Failure> {
    watch::install();
    let left = deadline.saturating_duration_since(Instant::now());
    let (doc, error) = look(path, known, deadline)?;
    let Some(doc) = doc else {
        return Ok(unreadable(error));
    };
    let duration = doc.duration_s;
    let tracker = Arc::new(watch::Tracker::new(path));
    if doc.truncated {
        let share = match (doc.size, doc.declared_size) {
            (Some(s), Some(d)) if d > 0 => Some(s as f64 / d as f64),
            _ => None,
        };
        let at = share.zip(duration).map(|(s, d)| s * d);
        let words = error.clone().unwrap_or_else(|| "truncated".into());
        tracker
            .findings
            .lock()
            .unwrap()
            .add_cut(at, share.map(|s| 1.0 - s), || words);
    }
    let walked = container::check(path, doc.container.as_deref(), duration, &tracker);
    if doc.encrypted {
        // Samples that cannot be read without the key: the container's
        // guards are all that can be checked.
        let mut v = tracker.verdict(duration);
        v.detail.get_or_insert_with(|| ENCRYPTED.into());
        return Ok(v);
    }
    if doc.video_streams + doc.audio_streams == 0 {
        // Nothing to stream: the probe found no playable stream.
        return Ok(match doc.truncated {
            true => tracker.verdict(duration),
            false => unreadable(error),
        });
    }
    if level == Level::Quick && walked {
        // The walk read every byte the packets' parse would have.
        return Ok(tracker.verdict(duration));
    }
    match pipeline::run(path, level, deadline, &tracker) {
        pipeline::Ended::Deadline => {
            return Err((
                Status::Timeout,
                format!("not checked to the end in {} s", left.as_secs()),
            ));
        }
        pipeline::Ended::Unplayable(e) if !doc.truncated => return Ok(unreadable(Some(e))),
        pipeline::Ended::Unsupported(e) => {
            return Err((
                Status::Unsupported,
                format!("GStreamer cannot read its streams, so it was not checked ({e})"),
            ));
        }
        _ => {}
    }
    let verdict = tracker.verdict(duration);
    Ok(verdict)
}

fn unreadable(why: Option<String>) -> HealthDoc {
    HealthDoc {
        health: Some(Health::Unreadable),
        class: Some(class::UNREADABLE.into()),
        errors: 1,
        detail: why,
        ..HealthDoc::default()
    }
}
