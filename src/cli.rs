//! The command line: global flags and one Args struct per verb (clap derive).
//! Verb and flag names follow the CLI contract in the design; options may be added.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "mediadex",
    version,
    about = "Catalog large video libraries: scan them into SQLite, query with SQL, report, record",
    after_help = "Examples:\n  mediadex scan ~/Videos /mnt/archive\n  mediadex query \"SELECT path, width, height FROM media WHERE video_codec = 'hevc'\"\n  mediadex show ~/Videos/holiday.mkv\n\nThe catalog is --db, else $MEDIADEX_DB, else $XDG_DATA_HOME/mediadex/catalog.db.\nExit codes: 0 ok, 1 error, 2 usage, 3 finished but some inputs failed, 75 catalog busy."
)]
pub struct Cli {
    /// Catalog file [default: $MEDIADEX_DB, else $XDG_DATA_HOME/mediadex/catalog.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// No progress bars and no summary line on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe new and changed video files under PATH... into the catalog
    #[command(
        after_help = "Examples:\n  mediadex scan ~/Videos\n  mediadex scan /mnt/nas -j 4 --exclude '**/.Trash*' --exclude '*.part'\n  mediadex scan . --ext mp3,flac --json | jq .new\n\nUnchanged files (same device, inode, size and mtime) are not probed again;\nfiles that vanished are kept and marked `missing`. Exit code 3 means the scan\nfinished but some files failed (each has a row with its status and error)."
    )]
    Scan(ScanArgs),

    /// Print the stored JSON document of a file
    #[command(after_help = "Example:\n  mediadex show ~/Videos/holiday.mkv | jq '.doc.streams[0]'")]
    Show(ShowArgs),

    /// Run read-only SQL against the catalog
    #[command(
        after_help = "Examples:\n  mediadex query \"SELECT container, count(*) AS n FROM media GROUP BY 1 ORDER BY n DESC\"\n  mediadex query \"SELECT path, duration_s FROM media WHERE height >= :h\" -p h=2160 -f csv\n  mediadex query \"SELECT path, doc FROM media LIMIT 1\" -f json | jq '.[0].doc.streams'\n\nTables and views: media, streams, scans, recordings, files, docs.\nStatements that would write are refused."
    )]
    Query(QueryArgs),

    #[command(name = "__probe-worker", hide = true)]
    ProbeWorker(ProbeWorkerArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Directories (or files) to scan
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Parallel probes [default: number of CPUs]
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Seconds a single file may take before it is marked `timeout`
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub timeout: f64,

    /// Skip paths matching GLOB (relative to the scanned root; repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Also scan files with these extensions (comma-separated or repeated)
    #[arg(long, value_name = "EXT")]
    pub ext: Vec<String>,

    /// Probe every file again, changed or not
    #[arg(long)]
    pub force: bool,

    /// Probe files that failed before even if they have not changed
    #[arg(long)]
    pub retry_failed: bool,

    /// Follow symbolic links (each file is still stored once)
    #[arg(long)]
    pub follow_links: bool,

    /// Print the summary as a JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The file, as scanned (relative paths are made absolute)
    pub path: PathBuf,

    /// Host the row was scanned on [default: this host]
    #[arg(long)]
    pub host: Option<String>,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// One SQL statement (SELECT, WITH, or a read-only PRAGMA)
    pub sql: String,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Bind :NAME in the SQL to VALUE (repeatable)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct ProbeWorkerArgs {
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
}

/// `NAME=VALUE` → (NAME, VALUE).
pub fn parse_param(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {s:?}"))?;
    let k = k.trim().trim_start_matches([':', '@', '$']);
    if k.is_empty() {
        return Err(format!("empty parameter name in {s:?}"));
    }
    Ok((k.to_string(), v.to_string()))
}
