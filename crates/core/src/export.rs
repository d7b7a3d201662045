//! The export engine: every selected report into its own file in one
//! directory, plus the text summary, the HTML page and `manifest.json`, all
//! from one read snapshot. `mediadex export` (crates/cli) is the glue: it
//! picks the reports, takes the lock and opens the snapshot.
//!
//! Invariants: every report reads the same snapshot (the caller opens it on
//! every connection); each file is replaced atomically and a failed report
//! leaves its previous file untouched; no file is put in place before every
//! file was made, so a catalog found damaged half-way (the export's one
//! error) leaves the directory as it was; the manifest is written last and names
//! the sha256 of every file it lists; report files hold no timestamps, so an
//! unchanged catalog exports to the same bytes. Reports run longest first, as
//! the previous manifest in the directory timed them (each entry's `seconds`),
//! so that no long report starts last; the manifest lists them by name
//! whatever the order.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::atomic_file::{self, AtomicFile};
use crate::catalog::guard::Guarded;
use crate::catalog::{damage, thumbnails};
use crate::output::{self, Format, RowSink};
use crate::report::{self, Origin, Report, ReportError, Rows};
use crate::ui::Ui;
use crate::util;

/// Name of the page in the export directory.
pub const PAGE_FILE: &str = "index.html";

/// Name of the text summary file in the export directory.
pub const SUMMARY_FILE: &str = "summary.txt";
/// Name of the manifest in the export directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Feeds rows to a file's sink and keeps a copy for the text summary.
struct Tee<'a, 'b> {
    sink: &'a mut dyn RowSink,
    copy: Option<&'b mut Rows>,
}

impl RowSink for Tee<'_, '_> {
    fn begin(&mut self, columns: &[String]) -> std::io::Result<()> {
        if let Some(c) = self.copy.as_deref_mut() {
            c.begin(columns)?;
        }
        self.sink.begin(columns)
    }
    fn row(&mut self, values: &[serde_json::Value]) -> std::io::Result<()> {
        if let Some(c) = self.copy.as_deref_mut() {
            c.row(values)?;
        }
        self.sink.row(values)
    }
    fn end(&mut self) -> std::io::Result<()> {
        self.sink.end()
    }
}

#[derive(Serialize)]
struct Manifest {
    tool: &'static str,
    version: &'static str,
    schema_version: i64,
    generated_at: String,
    catalog: String,
    format: &'static str,
    argv: Vec<String>,
    reports: Vec<Entry>,
    summary: Option<FileEntry>,
    page: Option<FileEntry>,
    failed: usize,
    /// Report files of `--sql-dir` that could not be used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    broken_files: Vec<BrokenFile>,
}

#[derive(Serialize)]
pub struct BrokenFile {
    file: String,
    error: String,
}

impl From<&ReportError> for BrokenFile {
    fn from(e: &ReportError) -> BrokenFile {
        let file = match e {
            ReportError::Header { file, .. } | ReportError::File { file, .. } => file.clone(),
            ReportError::SqlAt { file, .. } => file.clone(),
            _ => String::new(),
        };
        BrokenFile {
            file,
            error: e.to_string(),
        }
    }
}

#[derive(Serialize)]
struct Entry {
    name: String,
    description: String,
    source: String,
    params: serde_json::Map<String, serde_json::Value>,
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// How long the report took, for the next export's order.
    seconds: f64,
}

#[derive(Serialize)]
struct FileEntry {
    file: String,
    sha256: String,
}

/// Test hook: with `MEDIADEX_TEST_EXPORT_PAUSE=GATE`, each worker stops once
/// its first report's new file is written but not yet in place, creates
/// `GATE.ready`, and waits (up to a minute) until GATE is deleted. Lets the
/// tests write to the catalog, or kill the export, at that moment.
fn test_pause() {
    let Some(gate) = std::env::var_os("MEDIADEX_TEST_EXPORT_PAUSE") else {
        return;
    };
    let gate = PathBuf::from(gate);
    let mut ready = gate.clone().into_os_string();
    ready.push(".ready");
    let _ = std::fs::write(&ready, b"");
    let start = std::time::Instant::now();
    while gate.exists() && start.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Run one report into a new version of `target`, keeping its rows in `copy`
/// if given. Returns (rows, sha256, the new version, not yet in place).
fn write_report(
    g: &Guarded,
    r: &Report,
    params: &[(String, String)],
    format: Format,
    target: &Path,
    pause: bool,
    copy: Option<&mut Rows>,
) -> anyhow::Result<(u64, String, AtomicFile)> {
    let mut file = AtomicFile::create(target).with_context(|| {
        format!(
            "could not create {}",
            atomic_file::temp_path(target).display()
        )
    })?;
    let mut hashing = util::Sha256Writer::new(&mut file);
    let rows = {
        let mut sink = output::sink(format, Box::new(&mut hashing));
        let mut tee = Tee {
            sink: sink.as_mut(),
            copy,
        };
        r.run(g, params, &mut tee)?
    };
    let sha = hashing.finish();
    if pause {
        file.sync()
            .with_context(|| format!("could not write {}", file.temp().display()))?;
        test_pause();
    }
    Ok((rows, sha, file))
}

/// Reports run at once at most, whatever the number of CPUs: beyond a few,
/// they only compete for the disk and the page cache.
pub const MAX_JOBS: usize = 4;

/// What became of one report: its manifest entry, and its new file (not yet
/// in place) with the rows kept for the summary, or the error.
struct ReportRun {
    entry: Entry,
    result: anyhow::Result<Written>,
}

/// A report written: its rows and sha256 (already in its entry), the rows
/// kept for the summary, and the new file, put in place once every file of
/// the export was made.
struct Written {
    copy: Option<Rows>,
    file: AtomicFile,
}

/// Run one report of the export into its file (`pause`: see [`test_pause`]).
fn export_one(g: &Guarded, r: &Report, x: &Export<'_>, pause: bool) -> ReportRun {
    let ext = x.format.extension();
    let given: Vec<(String, String)> = x
        .params
        .iter()
        .filter(|(k, _)| r.params.iter().any(|p| &p.name == k))
        .cloned()
        .collect();
    let file = format!("{}.{ext}", r.name);
    let mut entry = Entry {
        name: r.name.clone(),
        description: r.description.clone(),
        source: r.origin.to_string(),
        params: serde_json::Map::new(),
        file: file.clone(),
        rows: None,
        sha256: None,
        error: None,
        seconds: 0.0,
    };
    let start = std::time::Instant::now();
    let result = r
        .bind(&given)
        .map_err(anyhow::Error::from)
        .and_then(|params| {
            entry.params = params
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            let keep = r.origin == Origin::Bundled
                && given.is_empty()
                && (report::summary::INPUTS.contains(&r.name.as_str())
                    || report::html::INPUTS.contains(&r.name.as_str()));
            let mut copy = Rows::default();
            let (rows, sha, file) = write_report(
                g,
                r,
                &params,
                x.format,
                &x.out.join(&file),
                pause,
                keep.then_some(&mut copy),
            )?;
            entry.rows = Some(rows);
            entry.sha256 = Some(sha);
            Ok(Written {
                copy: keep.then_some(copy),
                file,
            })
        });
    entry.seconds = (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    ReportRun { entry, result }
}

/// Each report's `seconds` in the manifest an earlier export left in `out`.
fn previous_seconds(out: &Path) -> std::collections::HashMap<String, f64> {
    let Ok(text) = std::fs::read(out.join(MANIFEST_FILE)) else {
        return Default::default();
    };
    let Ok(m) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return Default::default();
    };
    m["reports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["name"].as_str()?.to_string(), r["seconds"].as_f64()?)))
        .collect()
}

/// The order to run `names` in: those never timed first (they may be long),
/// then the longest first; ties keep the given order.
fn run_order(names: &[&str], previous: &std::collections::HashMap<String, f64>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    let key = |i: usize| previous.get(names[i]).copied().unwrap_or(f64::INFINITY);
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    order
}

/// Render the page from `get` and write it to `target` atomically; returns
/// its bytes.
pub fn write_page(
    target: &Path,
    get: &mut dyn FnMut(&str) -> Result<Rows, ReportError>,
    pictures: report::html::Pictures<'_>,
    json: Option<&str>,
) -> anyhow::Result<Vec<u8>> {
    let text = report::html::page_from(get, pictures, json)?;
    atomic_file::write(target, text.as_bytes())
        .with_context(|| format!("could not write {}", target.display()))?;
    Ok(text.into_bytes())
}

/// What to export, and where.
pub struct Export<'a> {
    /// The catalog, as the manifest names it.
    pub catalog: &'a Path,
    pub out: &'a Path,
    pub format: Format,
    /// `-p NAME=VALUE`, applied to every report that declares NAME.
    pub params: &'a [(String, String)],
    /// The reports, each once, in name order.
    pub reports: &'a [&'a Report],
    /// Report files of `--sql-dir` that could not be used: each a failure.
    pub broken: Vec<BrokenFile>,
}

/// Export into `x.out` from `conns`, every one of them already in the shared
/// snapshot (`guard::begin_shared_snapshot`), which this ends. Each file that
/// could not be written is an error on `ui`; returns how many failed.
///
/// Every file is made before any is put in place: a catalog found damaged on
/// the way (see [`damage`]) is the error, and the directory is left as it was.
pub fn export(conns: &mut [Guarded], x: Export<'_>, ui: &Ui) -> anyhow::Result<usize> {
    let generated_at = util::now_utc();
    let mut outcomes = run_reports(conns, &x);
    if let Some(i) = outcomes.iter().position(|o| is_damage(&o.result)) {
        return Err(outcomes.swap_remove(i).result.err().expect("an error"));
    }
    // Rows of the bundled reports the text summary is made of, kept as they
    // were written so that the summary does not run them a second time.
    let mut for_summary: std::collections::HashMap<String, Rows> = Default::default();
    let mut entries = Vec::new();
    let mut made = Vec::new();
    let mut failed = x.broken.len();
    for (outcome, r) in outcomes.into_iter().zip(x.reports) {
        let mut entry = outcome.entry;
        match outcome.result {
            Ok(w) => {
                if let Some(copy) = w.copy {
                    for_summary.insert(r.name.clone(), copy);
                }
                made.push((entries.len(), w.file));
            }
            Err(e) => {
                failed += 1;
                report_failed(ui, &x, &mut entry, &e);
            }
        }
        entries.push(entry);
    }
    let g = &mut conns[0];
    let page = page_entry(g, &x, &for_summary, ui)?;
    let summary = summary_entry(g, &x, &mut for_summary, ui)?;
    let schema_version = g.cat.schema_version()?;
    for g in conns.iter_mut() {
        g.end_snapshot()?;
    }
    for (i, file) in made {
        if let Err(e) = file.commit() {
            failed += 1;
            let e = anyhow::Error::from(e).context(format!(
                "could not write {}",
                x.out.join(&entries[i].file).display()
            ));
            report_failed(ui, &x, &mut entries[i], &e);
        }
    }
    let page = put_in_place(page, ui)?;
    let summary = put_in_place(summary, ui)?;
    failed += usize::from(page.is_none()) + usize::from(summary.is_none());
    let manifest = Manifest {
        tool: "mediadex",
        version: env!("CARGO_PKG_VERSION"),
        schema_version,
        generated_at,
        catalog: std::path::absolute(x.catalog)
            .unwrap_or_else(|_| x.catalog.to_path_buf())
            .display()
            .to_string(),
        format: x.format.extension(),
        argv: std::env::args().collect(),
        reports: entries,
        summary,
        page,
        failed,
        broken_files: x.broken,
    };
    let mut text = serde_json::to_vec_pretty(&manifest)?;
    text.push(b'\n');
    let target = x.out.join(MANIFEST_FILE);
    atomic_file::write(&target, &text)
        .with_context(|| format!("could not write {}", target.display()))?;
    Ok(failed)
}

/// Did this come to grief on a damaged catalog?
fn is_damage<T>(r: &anyhow::Result<T>) -> bool {
    r.as_ref()
        .is_err_and(|e| damage::damage_in(e.as_ref()).is_some())
}

/// A report whose file could not be made or put in place: said on `ui`, and
/// its entry says why (and no longer gives rows or a sha256).
fn report_failed(ui: &Ui, x: &Export<'_>, entry: &mut Entry, e: &anyhow::Error) {
    ui.error(format_args!(
        "{}: {e:#}; its previous file, if any, was left in place",
        x.out.join(&entry.file).display()
    ));
    entry.rows = None;
    entry.sha256 = None;
    entry.error = Some(format!("{e:#}"));
}

/// The page or the summary, made: its manifest entry and its new file.
type Made = Option<(FileEntry, AtomicFile)>;

/// Put a made page or summary in place; its entry, or None (and an error on
/// `ui`) when it was not made or could not be written.
fn put_in_place(made: Made, ui: &Ui) -> anyhow::Result<Option<FileEntry>> {
    let Some((entry, file)) = made else {
        return Ok(None);
    };
    let target = file.target().to_path_buf();
    match file.commit() {
        Ok(()) => Ok(Some(entry)),
        Err(e) => {
            ui.error(format_args!("could not write {}: {e}", target.display()));
            Ok(None)
        }
    }
}

/// `text` as the new version of `target`, not yet in place.
fn new_version(target: &Path, file: &str, text: &[u8]) -> anyhow::Result<(FileEntry, AtomicFile)> {
    let mut f = AtomicFile::create(target)
        .and_then(|mut f| f.write_all(text).map(|()| f))
        .with_context(|| format!("could not write {}", target.display()))?;
    f.sync()
        .with_context(|| format!("could not write {}", target.display()))?;
    Ok((
        FileEntry {
            file: file.into(),
            sha256: hex::encode(Sha256::digest(text)),
        },
        f,
    ))
}

/// Run every report into its file: handed out longest first to one worker
/// per connection; each worker writes its files and hands back the outcome in
/// its slot. The outcomes come back in the order of `x.reports`.
fn run_reports(conns: &mut [Guarded], x: &Export<'_>) -> Vec<ReportRun> {
    let names: Vec<&str> = x.reports.iter().map(|r| r.name.as_str()).collect();
    let order = run_order(&names, &previous_seconds(x.out));
    let next = AtomicUsize::new(0);
    let outcomes: Vec<Mutex<Option<ReportRun>>> =
        x.reports.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        // `&mut`: a connection is Send but not Sync, so each worker owns one.
        for g in conns.iter_mut() {
            let (next, outcomes, order) = (&next, &outcomes, &order);
            scope.spawn(move || {
                let mut first = true;
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let outcome = export_one(&*g, x.reports[i], x, first);
                    first = false;
                    *outcomes[i].lock().expect("outcome lock") = Some(outcome);
                }
            });
        }
    });
    outcomes
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("outcome lock")
                .expect("every report was run")
        })
        .collect()
}

/// Make the page; None (and an error on `ui`) when it could not be, an
/// error when the catalog is damaged.
fn page_entry(
    g: &Guarded,
    x: &Export<'_>,
    for_summary: &std::collections::HashMap<String, Rows>,
    ui: &Ui,
) -> anyhow::Result<Made> {
    let target = x.out.join(PAGE_FILE);
    let made = report::html::page_from(
        &mut |name| match for_summary.get(name) {
            Some(rows) => Ok(rows.clone()),
            None => report::summary::run_input(g, name),
        },
        &mut |files| Ok(thumbnails::thumbnails_by_path(&g.cat.conn, files)?),
        Some(x.format.extension()),
    )
    .and_then(|text| new_version(&target, PAGE_FILE, text.as_bytes()));
    made_or_said(made, &target, ui)
}

/// Make the text summary; None (and an error on `ui`) when it could not be,
/// an error when the catalog is damaged or the file could not be written.
fn summary_entry(
    g: &Guarded,
    x: &Export<'_>,
    for_summary: &mut std::collections::HashMap<String, Rows>,
    ui: &Ui,
) -> anyhow::Result<Made> {
    let target = x.out.join(SUMMARY_FILE);
    let made = report::summary::summary_from(&mut |name| match for_summary.remove(name) {
        Some(rows) => Ok(rows),
        None => report::summary::run_input(g, name),
    });
    match made {
        Ok(text) => new_version(&target, SUMMARY_FILE, text.as_bytes()).map(Some),
        Err(e) => made_or_said(Err(e.into()), &target, ui),
    }
}

/// A page or summary made, or its error said on `ui` (None), or, when the
/// catalog is damaged, that error.
fn made_or_said(
    made: anyhow::Result<(FileEntry, AtomicFile)>,
    target: &Path,
    ui: &Ui,
) -> anyhow::Result<Made> {
    match made {
        Ok(m) => Ok(Some(m)),
        Err(e) if damage::damage_in(e.as_ref()).is_some() => Err(e),
        Err(e) => {
            ui.error(format_args!("{}: {e:#}", target.display()));
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_run_untimed_first_then_longest_first() {
        let names = ["a", "b", "c", "d", "e"];
        let previous: std::collections::HashMap<String, f64> =
            [("a", 0.5), ("b", 4.0), ("d", 4.0), ("e", 9.0)]
                .into_iter()
                .map(|(n, s)| (n.to_string(), s))
                .collect();
        assert_eq!(run_order(&names, &previous), [2, 4, 1, 3, 0]);
        assert_eq!(run_order(&names, &Default::default()), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn timings_come_from_the_previous_manifest_and_anything_else_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(previous_seconds(dir.path()).is_empty());
        std::fs::write(dir.path().join(MANIFEST_FILE), b"{not json").unwrap();
        assert!(previous_seconds(dir.path()).is_empty());
        std::fs::write(
            dir.path().join(MANIFEST_FILE),
            br#"{"reports": [{"name": "x", "seconds": 1.5}, {"name": "y"}, {"seconds": 2}]}"#,
        )
        .unwrap();
        let got = previous_seconds(dir.path());
        assert_eq!(got.len(), 1);
        assert_eq!(got["x"], 1.5);
    }
}
