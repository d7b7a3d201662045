//! `TestEnv`: a temp dir with its own catalog, HOME and host name, and helpers to
//! run the `mediadex` binary and read JSON back. Media fixtures are generated with
//! GStreamer test sources and real encoders (see [`fixtures`]); [`catalogs`]
//! writes catalogs without scanning, [`library`] is the small library of the
//! analysis and page tests, [`browser`] the real browser the page tests load
//! the page in, and [`truth`] compares documents with ffprobe.

#![allow(dead_code)]

pub mod against;
pub mod browser;
pub mod catalogs;
pub mod fixtures;
pub mod library;
pub mod truth;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;

pub const HOST: &str = "testhost";

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    /// A library directory to put media in.
    pub lib: PathBuf,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new()
            .prefix("mediadex-test")
            .tempdir()
            .expect("tempdir");
        let db = dir.path().join("catalog.db");
        let lib = dir.path().join("lib");
        std::fs::create_dir_all(&lib).unwrap();
        TestEnv { dir, db, lib }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `mediadex --db <catalog>` with a private HOME and a fixed host name.
    pub fn cmd(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd())
    }

    /// The same command as a `std::process::Command`, for runs in the background.
    pub fn std_cmd(&self) -> std::process::Command {
        self.std_cmd_db(&self.db)
    }

    /// A background command against another catalog file.
    pub fn std_cmd_db(&self, db: &Path) -> std::process::Command {
        let mut c = std::process::Command::new(exe("mediadex"));
        c.arg("--db").arg(db);
        c.env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"))
            .env("MEDIADEX_HOST", HOST)
            // One plugin registry cache for the whole run: with HOME in a temp dir,
            // every worker would otherwise rebuild it from scratch.
            .env("GST_REGISTRY", gst_registry())
            .env_remove("MEDIADEX_DB");
        // No test hook (`MEDIADEX_TEST_*`, see the hooks in the sources) leaks in
        // from the environment the suite runs in; a test sets the ones it wants.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("MEDIADEX_TEST_") {
                c.env_remove(key);
            }
        }
        c
    }

    /// Run with `args`; return the output whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run mediadex")
    }

    /// `scan --json EXTRA... LIB`, asserting the exit code; returns the summary.
    pub fn scan(&self, extra: &[&str], expect_code: i32) -> Value {
        let mut args = vec!["scan", "--json"];
        args.extend_from_slice(extra);
        args.push(self.lib.to_str().unwrap());
        let out = self.run(&args);
        assert_eq!(
            out.status.code(),
            Some(expect_code),
            "scan exit code; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "scan --json output is not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// A file beside the catalog: the catalog's path with `suffix` appended
    /// (`-wal`, `-journal`, `.export.lock`).
    /// Copy the media files of `tests/media/<dir>` (not its README) into
    /// the library; their names, sorted, and the directory.
    pub fn copy_media(&self, dir: &str) -> (Vec<String>, PathBuf) {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/media")
            .join(dir);
        let mut names = Vec::new();
        for e in std::fs::read_dir(&from).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "md") {
                continue;
            }
            std::fs::copy(&p, self.lib.join(p.file_name().unwrap())).unwrap();
            names.push(p.file_name().unwrap().to_string_lossy().into_owned());
        }
        names.sort();
        (names, from)
    }

    pub fn db_file(&self, suffix: &str) -> PathBuf {
        let mut p = self.db.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    }

    /// The catalog files (main file and WAL) as bytes.
    pub fn catalog_bytes(&self) -> Vec<Vec<u8>> {
        ["", "-wal"]
            .iter()
            .map(|s| std::fs::read(self.db_file(s)).unwrap_or_default())
            .collect()
    }

    /// `query SQL -f json`, parsed.
    pub fn query(&self, sql: &str) -> Vec<Value> {
        let out = self.run(&["query", sql, "-f", "json"]);
        assert!(
            out.status.success(),
            "query failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("query json")
    }

    /// The `media` row of one file (by path under the library), with its document.
    pub fn row(&self, file: &Path) -> Value {
        let p = file.to_str().expect("utf-8 test path");
        let rows = self.query(&format!(
            "SELECT path, status, error, size, doc FROM media WHERE path = '{}'",
            p.replace('\'', "''")
        ));
        assert_eq!(rows.len(), 1, "one row for {p}");
        rows.into_iter().next().unwrap()
    }
}

/// Run ffmpeg with `args` (quiet, overwriting, no stdin), asserting it
/// succeeds.
pub fn ffmpeg(args: &[&str]) {
    let st = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .status()
        .expect("run ffmpeg");
    assert!(st.success(), "ffmpeg {args:?}");
}

/// Run ffmpeg with `args` (quiet, no stdin), its output (`-f FORMAT -`
/// ending `args`) written to a pipe into `out`: a file written as a
/// stream, which the muxer cannot go back into. Asserts it succeeds.
pub fn ffmpeg_piped(args: &[&str], out: &Path) {
    let st = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error"])
        .args(args)
        .stdout(std::fs::File::create(out).expect("create the output"))
        .status()
        .expect("run ffmpeg");
    assert!(st.success(), "ffmpeg {args:?} > {}", out.display());
}

pub fn gst_registry() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gst-registry.bin")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The last component of a path a query returned.
pub fn base_name(path: &Value) -> String {
    let p = path.as_str().expect("a path");
    p.rsplit('/').next().unwrap_or(p).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An executable of the workspace, beside this test binary's directory
/// (`target/<profile>/`). The suite's package does not build them: `cargo test`
/// at the repository root does, through the link tests of their own packages.
/// An executable older than the sources it is built from is refused, so that
/// `cargo test --test cli NAME` never runs the suite against a stale build.
pub fn exe(name: &str) -> PathBuf {
    static CLI: OnceLock<std::time::SystemTime> = OnceLock::new();
    static MEDIA: OnceLock<std::time::SystemTime> = OnceLock::new();
    let path = assert_cmd::cargo::cargo_bin(name);
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: run the suite with `cargo test` at the repository root, which builds both executables",
                path.display()
            )
        });
    // What each executable is built from (mediadex-media parses the command
    // line with crates/cli).
    let newest = match name {
        "mediadex-media" => *MEDIA.get_or_init(|| newest_source(&["crates/media"])),
        _ => *CLI.get_or_init(|| newest_source(&[])),
    };
    assert!(
        built >= newest,
        "{} is older than its sources: run `cargo build` (or the suite with `cargo test` at the repository root) first",
        path.display()
    );
    path
}

/// When the newest source of the core, the CLI crate and `more` was last
/// changed (their tests aside).
fn newest_source(more: &[&str]) -> std::time::SystemTime {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    let mut dirs: Vec<PathBuf> = ["crates/core", "crates/cli", "sql", "migrations"]
        .iter()
        .chain(more)
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("tests") {
                    dirs.push(p);
                }
            } else if let Ok(t) = e.metadata().and_then(|m| m.modified()) {
                newest = newest.max(t);
            }
        }
    }
    newest
}

/// The corpus that `scripts/SCRIPT DIR ARGS...` writes, generated once into a
/// cache directory under target/ named `PREFIX-<hash of the script>`: a changed
/// script regenerates it, and corpora of older versions of it are removed.
pub fn script_corpus(prefix: &str, script: &str, args: &[&str]) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts")
        .join(script);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let key = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&text));
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = base.join(format!("{prefix}-{key}"));
    let done = dir.join(".complete");
    if !done.exists() {
        for e in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = e.file_name();
            if name.to_string_lossy().starts_with(&format!("{prefix}-")) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let out = std::process::Command::new("bash")
            .arg(&path)
            .arg(&dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run scripts/{script} (needs bash): {e}"));
        assert!(
            out.status.success(),
            "scripts/{script} failed (install ffmpeg and python3: make deps-test):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&done, key).unwrap();
    }
    dir
}
