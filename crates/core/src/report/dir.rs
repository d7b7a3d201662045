//! Report files of `--sql-dir`: added to the bundled reports, replacing those
//! of the same name.
//!
//! Invariant: one bad file (unreadable, a name that is not a report name, a
//! bad header, a name another file of the directory already has) fails alone:
//! it is set aside in [`Loaded::broken`] with an error naming it (and the line,
//! where there is one), and every other report stays usable.

use std::path::{Path, PathBuf};

use super::{Origin, Report, ReportError, bundled, parse};

/// The reports there are, and the files of `--sql-dir` that could not be used.
#[derive(Debug, Default)]
pub struct Loaded {
    pub reports: Vec<Report>,
    pub broken: Vec<ReportError>,
}

/// Bundled reports plus those of `sql_dir`, which replace bundled ones by name.
/// Only a directory that cannot be listed is an error of its own.
pub fn load_all(sql_dir: Option<&Path>) -> Result<Loaded, ReportError> {
    let mut all = bundled();
    let Some(dir) = sql_dir else {
        return Ok(Loaded {
            reports: all,
            broken: Vec::new(),
        });
    };
    let dir_err = |source| ReportError::Dir {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(dir_err)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(dir_err)?;
    files.retain(|p| p.extension().is_some_and(|e| e == "sql") && p.is_file());
    files.sort();
    let mut from_dir: Vec<Report> = Vec::new();
    let mut broken = Vec::new();
    for path in files {
        match parse_file(&path, &from_dir) {
            Ok(r) => from_dir.push(r),
            Err(e) => broken.push(e),
        }
    }
    for r in from_dir {
        match all.iter_mut().find(|b| b.name == r.name) {
            Some(slot) => *slot = r,
            None => all.push(r),
        }
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Loaded {
        reports: all,
        broken,
    })
}

fn parse_file(path: &Path, earlier: &[Report]) -> Result<Report, ReportError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::File {
        file: file.clone(),
        message: format!("could not read: {e}"),
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let r = parse(&text, &file, &stem, Origin::File(path.to_path_buf()))?;
    if let Some(other) = earlier.iter().find(|o| o.name == r.name) {
        return Err(ReportError::File {
            file,
            message: format!("report {} is also defined in {}", r.name, other.origin),
        });
    }
    Ok(r)
}

impl Loaded {
    /// Set aside the reports from files whose SQL does not compile (`check`
    /// fails), adding their errors to [`Loaded::broken`].
    pub fn set_aside(&mut self, check: impl Fn(&Report) -> Result<(), ReportError>) {
        let mut kept = Vec::with_capacity(self.reports.len());
        for r in std::mem::take(&mut self.reports) {
            match (&r.origin, check(&r)) {
                (Origin::File(_), Err(e)) => self.broken.push(e),
                _ => kept.push(r),
            }
        }
        self.reports = kept;
    }

    /// One error per broken file, for the user (`Ui::error`).
    pub fn errors(&self) -> impl Iterator<Item = String> + '_ {
        self.broken
            .iter()
            .map(|e| format!("{e}; this report file was skipped"))
    }
}
