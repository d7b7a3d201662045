//! Reports: SQL kept in files under `sql/`, one query per file, with a header
//! comment naming it, describing it in one line and listing its parameters:
//!
//! ```sql
//! -- name: recent
//! -- description: files first seen in the last `days` days
//! -- param: days: integer = 7 -- how many days back
//! SELECT ... WHERE first_seen >= date('now', printf('-%d days', :days)) ...
//! ```
//!
//! The bundled files are compiled into the binary; `--sql-dir DIR` adds the
//! `*.sql` files of DIR, replacing bundled reports of the same name. Every
//! report runs on a [`Guarded`] connection, so a report file can only read.
//!
//! A parameter has a type, `integer`, `real` or `text` (the default, so older
//! headers without one keep working); `-p` values are parsed as that type and
//! bound as it, so `-p days=x` is an error naming the parameter and
//! `-p title=1984` binds text.
//!
//! Invariants: report names are unique and sorted; a report's parameters are
//! exactly the ones its header declares, each with a typed default; the rows of a
//! report depend only on the catalog (and, for `recent`, the UTC date), never
//! on the run, so repeated exports are byte-identical.

pub mod define;
pub mod dir;
pub mod html;
pub mod run;
pub mod summary;

pub use define::{Origin, Param, ParamType, Report, parse};
pub use dir::{Loaded, load_all};
pub use run::{Rows, inline_params};

use std::path::PathBuf;

use crate::catalog::query::QueryError;

/// The bundled report files, embedded at build time. A unit test checks that
/// this list and the files in `sql/` agree.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "audio-codecs",
        include_str!("../../../../sql/audio-codecs.sql"),
    ),
    (
        "audio-languages",
        include_str!("../../../../sql/audio-languages.sql"),
    ),
    (
        "bitrate-outliers",
        include_str!("../../../../sql/bitrate-outliers.sql"),
    ),
    ("containers", include_str!("../../../../sql/containers.sql")),
    ("density", include_str!("../../../../sql/density.sql")),
    (
        "directories",
        include_str!("../../../../sql/directories.sql"),
    ),
    (
        "distributions",
        include_str!("../../../../sql/distributions.sql"),
    ),
    ("duplicates", include_str!("../../../../sql/duplicates.sql")),
    (
        "frame-rates",
        include_str!("../../../../sql/frame-rates.sql"),
    ),
    ("growth", include_str!("../../../../sql/growth.sql")),
    ("hdr", include_str!("../../../../sql/hdr.sql")),
    ("health", include_str!("../../../../sql/health.sql")),
    ("history", include_str!("../../../../sql/history.sql")),
    ("hosts", include_str!("../../../../sql/hosts.sql")),
    ("largest", include_str!("../../../../sql/largest.sql")),
    ("longest", include_str!("../../../../sql/longest.sql")),
    ("problems", include_str!("../../../../sql/problems.sql")),
    (
        "quality-tiers",
        include_str!("../../../../sql/quality-tiers.sql"),
    ),
    ("recent", include_str!("../../../../sql/recent.sql")),
    ("recordings", include_str!("../../../../sql/recordings.sql")),
    (
        "resolutions",
        include_str!("../../../../sql/resolutions.sql"),
    ),
    ("savings", include_str!("../../../../sql/savings.sql")),
    ("scans", include_str!("../../../../sql/scans.sql")),
    ("similar", include_str!("../../../../sql/similar.sql")),
    ("subtitles", include_str!("../../../../sql/subtitles.sql")),
    ("summary", include_str!("../../../../sql/summary.sql")),
    ("suspicious", include_str!("../../../../sql/suspicious.sql")),
    (
        "video-codecs",
        include_str!("../../../../sql/video-codecs.sql"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{file}: line {line}: {message}")]
    Header {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("could not read report directory {path}: {source}")]
    Dir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown report {0:?}; `mediadex report --list` shows the reports there are")]
    Unknown(String),
    #[error("report {report} has no parameter {param:?}; its parameters: {known}")]
    UnknownParam {
        report: String,
        param: String,
        known: String,
    },
    /// SQL that SQLite refused, at a place in its file.
    #[error("report {report}: {file}: line {line}, column {column}: {message}")]
    SqlAt {
        report: String,
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "report {report}: parameter {param} is {kind}, got {value:?}; pass -p {param}={example}"
    )]
    BadParam {
        report: String,
        param: String,
        kind: &'static str,
        value: String,
        example: &'static str,
    },
    #[error(
        "report {report}: parameter {param} is one of {allowed}, got {value:?}; pass e.g. -p {param}={example}"
    )]
    NotAllowed {
        report: String,
        param: String,
        value: String,
        allowed: String,
        example: String,
    },
    #[error("report {report} ({origin}): {source}")]
    Run {
        report: String,
        origin: String,
        #[source]
        source: QueryError,
    },
}

/// The bundled reports, sorted by name.
pub fn bundled() -> Vec<Report> {
    let mut out: Vec<Report> = BUNDLED
        .iter()
        .map(|(stem, text)| {
            parse(text, &format!("sql/{stem}.sql"), stem, Origin::Bundled)
                .expect("bundled report headers are checked by tests")
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// One bundled report by name.
pub fn bundled_one(name: &str) -> Report {
    bundled()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no bundled report {name}"))
}

/// Find a report by name.
pub fn find<'r>(reports: &'r [Report], name: &str) -> Result<&'r Report, ReportError> {
    reports
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| ReportError::Unknown(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value as SqlValue;

    #[test]
    fn bundled_list_matches_the_sql_directory() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sql");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let listed: Vec<String> = BUNDLED.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(listed, on_disk, "BUNDLED must list every sql/*.sql, sorted");
        for r in bundled() {
            // The header name is the file name, so `--sql-dir` overrides are predictable.
            let stem = BUNDLED.iter().find(|(_, t)| *t == r.sql).unwrap().0;
            assert_eq!(r.name, stem);
            assert!(!r.description.is_empty());
            assert!(r.sql.contains("ORDER BY"), "{}: explicit ORDER BY", r.name);
            for p in &r.params {
                assert!(
                    r.sql.contains(&format!(":{}", p.name)),
                    "{} declares {} but does not use it",
                    r.name,
                    p.name
                );
            }
        }
    }

    #[test]
    fn headers_parse() {
        let r = parse(
            "-- name: x\n-- description: one line\n-- param: days: integer = 7 -- how far back\n-- param: who='a b'\n\nSELECT :days, :who\n-- param: late = 1\n",
            "x.sql",
            "x",
            Origin::Bundled,
        )
        .unwrap();
        assert_eq!(r.name, "x");
        assert_eq!(
            r.params.len(),
            2,
            "params after the first statement line are not header"
        );
        assert_eq!(r.params[0].default, "7");
        assert_eq!(r.params[0].help.as_deref(), Some("how far back"));
        assert_eq!(r.params[1].default, "'a b'");
        assert_eq!(r.params[0].kind, ParamType::Integer);
        assert_eq!(
            r.params[1].kind,
            ParamType::Text,
            "text when no type is declared"
        );
        let bound = r.bind(&[("days".into(), "30".into())]).unwrap();
        assert_eq!(bound[0], ("days".into(), "30".into()));
        assert!(matches!(
            r.bind(&[("days".into(), "x".into())]),
            Err(ReportError::BadParam { .. })
        ));
        let v = r.values(&r.bind(&[("who".into(), "1984".into())]).unwrap());
        assert_eq!(v[1].1, SqlValue::Text("1984".into()), "text stays text");
        for bad in [
            "-- name: x\n-- param: n: integer = abc\nSELECT :n",
            "-- name: x\n-- param: n: date = 1\nSELECT :n",
        ] {
            assert!(matches!(
                parse(bad, "f.sql", "f", Origin::Bundled),
                Err(ReportError::Header { line: 2, .. })
            ));
        }
        assert!(matches!(
            r.bind(&[("nope".into(), "1".into())]),
            Err(ReportError::UnknownParam { .. })
        ));
        assert!(matches!(
            parse(
                "-- name: x\n-- param: oops\nSELECT 1",
                "f.sql",
                "f",
                Origin::Bundled
            ),
            Err(ReportError::Header { line: 2, .. })
        ));
        assert!(parse("SELECT 1", "f.sql", "f", Origin::Bundled).is_err());
    }

    #[test]
    fn a_text_parameter_may_take_a_fixed_set_of_values() {
        let r = parse(
            "-- name: x\n-- description: d\n-- param: target: text in (hevc, av1) = hevc -- codec\nSELECT :target",
            "f.sql",
            "f",
            Origin::Bundled,
        )
        .unwrap();
        let p = &r.params[0];
        assert_eq!(p.allowed, ["hevc", "av1"]);
        assert_eq!(p.help.as_deref(), Some("codec"));
        assert_eq!(p.signature(), "target: text in (hevc, av1) = hevc");
        assert_eq!(
            r.bind(&[("target".into(), "av1".into())]).unwrap()[0].1,
            "av1"
        );
        let e = r.bind(&[("target".into(), "h266".into())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "report x: parameter target is one of hevc, av1, got \"h266\"; pass e.g. -p target=hevc"
        );
        for bad in [
            "-- name: x\n-- param: t: text in (a, b) = c\nSELECT :t",
            "-- name: x\n-- param: t: text in a, b = a\nSELECT :t",
            "-- name: x\n-- param: n: integer in (1, x) = 1\nSELECT :n",
        ] {
            assert!(matches!(
                parse(bad, "f.sql", "f", Origin::Bundled),
                Err(ReportError::Header { line: 2, .. })
            ));
        }
    }

    #[test]
    fn parameters_inline_outside_strings_and_comments() {
        let sql = "SELECT ':days' AS t, :days, @who -- :days\n/* :days */ FROM x WHERE a = :days_x";
        let got = inline_params(
            sql,
            &[
                ("days".into(), SqlValue::Integer(7)),
                ("who".into(), SqlValue::Text("o'k".into())),
            ],
        );
        assert_eq!(
            got,
            "SELECT ':days' AS t, 7, 'o''k' -- :days\n/* :days */ FROM x WHERE a = :days_x"
        );
        assert_eq!(
            inline_params(":f", &[("f".into(), SqlValue::Real(0.1))]),
            "0.1"
        );
        assert_eq!(
            inline_params(":t", &[("t".into(), SqlValue::Text("1984".into()))]),
            "'1984'"
        );
    }
}
