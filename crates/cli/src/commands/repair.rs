//! `mediadex repair [FILE.wav]...`: fix the headers of WAV files an interrupted
//! recording left, and mark their catalog rows `recovered`.
//!
//! Without arguments the targets are this host's rows still in state
//! `recording`; a file whose recorder is alive (it holds the file's lock) is
//! skipped, never touched.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use serde_json::Value;

use super::{Context, exit};
use crate::cli::RepairArgs;
use mediadex_core::audio::doc::{self as recording_doc, RecordingDoc};
use mediadex_core::audio::levels::DEFAULT_SILENCE_DB;
use mediadex_core::audio::wav::{self, RepairMode, WavError};
use mediadex_core::catalog::Catalog;
use mediadex_core::catalog::recordings::{self, RecordingStatus};
use mediadex_core::util;

/// What `repair` did with one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum RepairResult {
    /// Its header now covers every whole frame on disk.
    Repaired,
    /// Nothing to fix.
    Ok,
    /// Still being recorded by another process: left alone.
    Live,
    Failed,
}

#[derive(Debug, Serialize)]
struct Repair {
    path: String,
    result: RepairResult,
    frames: Option<u64>,
    header_frames: Option<u64>,
    seconds: Option<f64>,
    /// The catalog status afterwards (when the file has a row).
    status: Option<RecordingStatus>,
    error: Option<String>,
}

pub fn run(ctx: &Context, args: RepairArgs) -> anyhow::Result<ExitCode> {
    let host = util::host_name();
    let from_catalog = args.files.is_empty();
    // `repair FILE.wav` works without a catalog; it never creates one.
    let mut cat = if from_catalog || ctx.db.exists() {
        Some(Catalog::open(&ctx.db)?)
    } else {
        None
    };
    let targets: Vec<(PathBuf, Option<recordings::Recording>)> = if from_catalog {
        let cat = cat.as_ref().expect("opened above");
        recordings::unfinished(&cat.conn, &host)?
            .into_iter()
            .map(|r| (util::path_from_bytes(&r.path_bytes), Some(r)))
            .collect()
    } else {
        let mut v = Vec::new();
        for f in &args.files {
            let abs = std::path::absolute(f)?;
            let row = match &cat {
                Some(c) => recordings::by_path(&c.conn, &host, util::path_bytes(&abs))?,
                None => None,
            };
            v.push((abs, row));
        }
        v
    };
    if targets.is_empty() {
        ctx.ui.say(format_args!(
            "no interrupted recordings to repair on host {host}"
        ));
        if args.json {
            println!("[]");
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut results = Vec::new();
    for (path, row) in targets {
        results.push(repair_one(cat.as_mut(), &path, row.as_ref()));
    }
    let failed = results
        .iter()
        .filter(|r| r.result == RepairResult::Failed)
        .count();
    if args.json {
        let mut so = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut so, &results)?;
        writeln!(so)?;
    }
    // A single file that cannot be repaired is just an error (one line, exit 1).
    if results.len() == 1 && failed == 1 && !args.json {
        anyhow::bail!(
            "{}",
            results[0]
                .error
                .clone()
                .unwrap_or_else(|| "repair failed".into())
        );
    }
    for r in &results {
        ctx.ui.say(describe(r));
    }
    if failed == 0 {
        Ok(ExitCode::SUCCESS)
    } else if failed == results.len() {
        Ok(ExitCode::from(exit::ERROR))
    } else {
        Ok(ExitCode::from(exit::PARTIAL))
    }
}

fn describe(o: &Repair) -> String {
    match o.result {
        RepairResult::Repaired => format!(
            "{}: repaired, {} frames ({}), header had {}{}",
            o.path,
            o.frames.unwrap_or(0),
            util::hms(o.seconds.unwrap_or(0.0)),
            o.header_frames.unwrap_or(0),
            o.status
                .as_ref()
                .map(|s| format!("; catalog status {s}"))
                .unwrap_or_default()
        ),
        RepairResult::Ok => format!(
            "{}: already valid, {} frames{}",
            o.path,
            o.frames.unwrap_or(0),
            o.status
                .as_ref()
                .map(|s| format!("; catalog status {s}"))
                .unwrap_or_default()
        ),
        RepairResult::Live => format!(
            "{}: still being recorded by another process; left alone",
            o.path
        ),
        RepairResult::Failed => {
            format!("{}: failed: {}", o.path, o.error.as_deref().unwrap_or("?"))
        }
    }
}

fn repair_one(
    cat: Option<&mut Catalog>,
    path: &Path,
    row: Option<&recordings::Recording>,
) -> Repair {
    let display = util::display_path(path);
    let mut out = Repair {
        path: display.clone(),
        result: RepairResult::Failed,
        frames: None,
        header_frames: None,
        seconds: None,
        status: row.map(|r| r.status),
        error: None,
    };
    // Our own recordings have their data chunk last, so every byte after the
    // header is audio; any other WAV gets the cautious reading.
    let mode = if row.is_some() {
        RepairMode::DataIsLast
    } else {
        RepairMode::Detect
    };
    let repaired = if path.exists() {
        wav::repair(path, mode)
    } else {
        Err(WavError::Open {
            path: path.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })
    };
    let r = match repaired {
        Ok(r) => r,
        Err(WavError::Busy { .. }) => {
            out.result = RepairResult::Live;
            return out;
        }
        Err(e) => {
            out.error = Some(e.to_string());
            // A recording that cannot be recovered is marked failed, with the reason.
            if let (Some(cat), Some(row)) = (cat, row)
                && row.status == RecordingStatus::Recording
            {
                mark_failed(cat, row, &e, &mut out);
            }
            return out;
        }
    };
    out.result = if r.changed {
        RepairResult::Repaired
    } else {
        RepairResult::Ok
    };
    out.frames = Some(r.frames);
    out.header_frames = Some(r.header_frames);
    let seconds = r.frames as f64 / r.rate.max(1) as f64;
    out.seconds = Some(seconds);
    if let (Some(cat), Some(row)) = (cat, row)
        && (row.status == RecordingStatus::Recording || r.changed)
    {
        mark_recovered(cat, row, path, &r, &mut out);
    }
    out
}

/// The catalog row of a recording that cannot be recovered: `failed`, with
/// the reason in its document.
fn mark_failed(cat: &mut Catalog, row: &recordings::Recording, e: &WavError, out: &mut Repair) {
    let mut doc = read_doc(row);
    doc.error = Some(e.to_string());
    doc.end_reason = Some("crashed".into());
    doc.repair = Some(recording_doc::Repair::Failed {
        at: util::now_utc(),
        result: "failed".into(),
    });
    let doc = write_doc(&doc);
    let now = util::now_utc();
    if let Err(ce) = recordings::update(
        &mut cat.conn,
        row.id,
        &recordings::Progress {
            status: RecordingStatus::Failed,
            ended_at: Some(&now),
            frames: row.frames.max(0) as u64,
            seconds: row.seconds,
            doc: &doc,
        },
    ) {
        out.error = Some(format!("{e}; and could not update the catalog: {ce}"));
    } else {
        out.status = Some(RecordingStatus::Failed);
    }
}

/// The catalog row of a repaired (or found whole) recording: `recovered`,
/// with the frames and levels of the file as it is now.
fn mark_recovered(
    cat: &mut Catalog,
    row: &recordings::Recording,
    path: &Path,
    r: &wav::Repaired,
    out: &mut Repair,
) {
    let seconds = out.seconds.unwrap_or(0.0);
    let mut doc = read_doc(row);
    let threshold = doc
        .levels
        .as_ref()
        .map_or(DEFAULT_SILENCE_DB, |l| l.silence_threshold_dbfs);
    // The live figures died with the recorder; measure the file as it is now.
    match wav::read_levels(path, threshold) {
        Ok(l) => doc.levels = Some(l),
        Err(e) => doc.levels_error = Some(e.to_string()),
    }
    doc.frames = r.frames;
    doc.seconds = seconds;
    doc.checkpoint_frames = r.frames;
    if row.status == RecordingStatus::Recording {
        doc.end_reason = Some("crashed".into());
    }
    doc.repair = Some(recording_doc::Repair::Recovered {
        at: util::now_utc(),
        header_frames: r.header_frames,
        frames: r.frames,
        dropped_bytes: r.dropped_bytes,
        levels_from: "file".into(),
    });
    let doc = write_doc(&doc);
    let now = util::now_utc();
    match recordings::update(
        &mut cat.conn,
        row.id,
        &recordings::Progress {
            status: RecordingStatus::Recovered,
            ended_at: Some(&now),
            frames: r.frames,
            seconds,
            doc: &doc,
        },
    ) {
        Ok(()) => out.status = Some(RecordingStatus::Recovered),
        Err(e) => {
            out.result = RepairResult::Failed;
            out.error = Some(format!(
                "the file was repaired but the catalog could not be updated: {e}"
            ));
        }
    }
}

/// The row's document as the recorder's type (a document that is not one
/// reads as an empty document, keys of another version kept).
fn read_doc(row: &recordings::Recording) -> RecordingDoc {
    serde_json::from_value(row.doc.clone()).unwrap_or_default()
}

fn write_doc(doc: &RecordingDoc) -> Value {
    serde_json::to_value(doc).expect("a recording document serializes")
}
