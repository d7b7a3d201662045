//! The command line: global flags and one Args struct per verb (clap derive).
//! Verb and flag names are a contract with users' scripts (README.md, Commands):
//! options may be added, never renamed or removed. Both executables parse it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

mod catalog;
mod complete;
pub mod dedupe;
mod forget;
mod record;
mod values;
mod verify;
mod workers;
pub use record::{RecordArgs, RepairArgs};
pub use values::{FormatArg, WavFormatArg};
pub use verify::{LevelArg, VerifyArgs};
pub use workers::{ProbeWorkerArgs, VerifyWorkerArgs};
pub use {complete::CompleteReportArgs, forget::ForgetArgs};

use mediadex_core::output::table::TableOptions;
use mediadex_core::output::{Format, Style};
use mediadex_core::pool::Worker;

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
        after_help = "Examples:\n  mediadex scan ~/Videos\n  mediadex scan /mnt/nas -j 4 --exclude '**/.Trash*' --exclude '*.part'\n  mediadex scan . --ext mp3,flac --json | jq .new\n\nUnchanged files (same device, inode, size and mtime) are not probed again;\nfiles that vanished are kept and marked `missing`. A root that is absent,\nempty, unreadable or on another device than before is offline: nothing under\nit is marked missing unless --prune is given. Exit code 3 means the scan\nfinished but some files failed (each has a row with its status and error),\nor a root was offline or a directory unreadable."
    )]
    Scan(ScanArgs),

    /// Describe catalogued files (scanned or recorded): a summary on a terminal, else JSON
    #[command(
        after_help = "Examples:\n  mediadex show ~/Videos/holiday.mkv\n  mediadex show ~/Videos/holiday.mkv --json | jq '.doc.streams[0]'\n  mediadex show ~/takes/a.wav | jq '.doc.levels'\n\nOff a terminal (or with --json) each file's row and document is printed as\none JSON object after another. Exit 3 if some paths are not catalogued, 1 if none are."
    )]
    Show(ShowArgs),

    /// Run read-only SQL against the catalog
    #[command(
        after_help = "Examples:\n  mediadex query \"SELECT container, count(*) AS n FROM media GROUP BY 1 ORDER BY n DESC\"\n  mediadex query \"SELECT path, duration_s FROM media WHERE height >= :h\" -p h=2160 -f csv\n  mediadex query \"SELECT path, doc FROM media LIMIT 1\" -f json | jq '.[0].doc.streams'\n\nTables and views: media (media_ok: the ok files only, faster for the whole library), streams, scans, recordings, files, docs.\nStatements that would write are refused."
    )]
    Query(QueryArgs),

    /// Record from a microphone to WAV and catalog the recording
    #[command(
        after_help = "Examples:\n  mediadex record --list-devices\n  mediadex record --duration 90s --label \"interview, room 2\"\n  mediadex record -d hw:CARD=USB,DEV=0 -r 48000 -c 2 -f s24 -o ~/takes/a.wav\n  mediadex record --duration 1h30m --silence-threshold -50\n\nWithout --duration it records until Ctrl-C or SIGTERM, which stop and finalize\nthe file (exit 0); a second Ctrl-C quits at once (run `mediadex repair` then).\nThe WAV header is brought up to date and synced every second, so a crash\nloses at most about a second; `mediadex repair` recovers the rest. Files\nroll over to NAME.part2.wav, ... before WAV's 4 GiB limit. Frames the disk\ncould not take in time are replaced by silence, counted and listed with\nthe recording (`mediadex show FILE.wav`). Default output:\n<catalog dir>/recordings/<UTC time>.wav. Exit 1 if the device disappears\n(what was captured is kept and finalized)."
    )]
    Record(RecordArgs),

    /// Fix WAV files left by an interrupted recording, and their catalog rows
    #[command(
        after_help = "Examples:\n  mediadex repair\n  mediadex repair ~/takes/a.wav old/broken.wav --json\n\nWithout FILE it repairs every recording of this host still marked\n`recording` whose recorder is gone (a live recording is left alone). The data\nsize in the header is set from the file length, whole frames only, and the\ncatalog row is marked `recovered` with levels measured from the file.\nExit 3 if some files could not be repaired, 1 if none could."
    )]
    Repair(RepairArgs),
    /// Run a report from sql/*.sql; with no NAME, print a summary of the library
    #[command(
        after_help = "Examples:\n  mediadex report                      # the library at a glance\n  mediadex report --list\n  mediadex report largest -p limit=50\n  mediadex report recent -p days=1 -f csv > today.csv\n  mediadex report duplicates -f json | jq '.[].path'\n  mediadex report directories -p depth=2 --show-sql | sqlite3 -json catalog.db\n  mediadex report my-report --sql-dir ~/.config/mediadex/sql\n\nA report file is one SQL query with a header comment:\n  -- name: my-report\n  -- description: one line\n  -- param: days: integer = 7 -- what it means (integer, real or text)\n  -- param: target: text in (hevc, av1) = hevc -- a fixed set of values\nFiles in --sql-dir add reports or replace bundled ones of the same name.\nReports, like `query`, can only read the catalog."
    )]
    Report(ReportArgs),

    /// Write every report (or the named ones) to files in DIR, for cron
    #[command(
        after_help = "Examples:\n  mediadex -q export --out /srv/reports\n  mediadex export --out /srv/reports -f ndjson --report problems --report recent -p days=1\n\nWrites NAME.json (or .ndjson, .csv) per report, summary.txt and manifest.json\n(versions, generated_at, and per report its rows, file name and sha256). All\nreports read one snapshot of the catalog; each file is replaced atomically, so a\nreader sees the old version or the new one, never half a file. Prints nothing on\nsuccess. Exit codes: 0 ok, 3 some reports failed (the rest were written),\n75 another export of this catalog is running."
    )]
    Export(ExportArgs),

    /// Write the whole catalog as JSON Lines (media, recordings, scans)
    #[command(
        after_help = "Examples:\n  mediadex dump --out catalog.jsonl\n  mediadex dump | gzip > catalog-$(date +%F).jsonl.gz\n  ssh nas mediadex dump | mediadex load -\n\nThe first line is a header (format and versions), the last a trailer (row\ncounts and the sha256 of the rows); every other line is one row with a `type`\nof scan, media or recording. Documents are nested JSON."
    )]
    Dump(DumpArgs),

    /// Merge dumps into the catalog (idempotent; the newer row wins)
    #[command(
        after_help = "Examples:\n  mediadex --db all.db load nas.jsonl laptop.jsonl\n  zcat old.jsonl.gz | mediadex load -\n\nRows are matched by host and path: a row missing from the catalog is added, a\nnewer one (by last seen, probed or scanned) replaces it, an older or equal one is\nskipped, so loading the same dump twice changes nothing. Each FILE loads in one\ntransaction: all of it or none. A FILE whose trailer is missing or does not match\n(empty, cut short, altered) is refused; --partial loads its whole rows instead.\nExit code 3: some FILEs failed or were incomplete (others loaded)."
    )]
    Load(LoadArgs),

    /// Fingerprint catalogued videos (keyframe perceptual hashes) and find the similar ones
    #[command(
        after_help = "Examples:\n  mediadex fingerprint\n  mediadex fingerprint ~/Videos/series -j 2 --timeout 120\n  mediadex report similar --prefer ~/Videos\n\nDecodes the frames of each `ok` video at the moments of a time grid (four a\nsecond in clips of up to 30 s, the step doubling with the length so that a\nfile gets at most 120), hashes them, and matches all fingerprints:\nre-encodes, remuxes, resizes, trims and clips of the same content end up in\none group of `report similar`, and so do byte-identical copies. Files too\nshort or too flat to match are counted and named in table `fingerprints`\n(column `unmatched`). A file is fingerprinted again only when its size or\nmtime changes. Exit code 3 means some files failed (each has its status in\ntable `fingerprints`)."
    )]
    Fingerprint(FingerprintArgs),

    /// Check catalogued files for damage (cut, corrupt, undecodable) and record their health
    #[command(
        after_help = "Examples:\n  mediadex verify\n  mediadex verify ~/Videos/series --level full -j 2\n  mediadex report health\n\nquick reads every packet of each file without decoding: the index against the\nfile size, the container's own checksums and counters (Matroska CRC-32, MPEG-TS\ncontinuity, Ogg pages), packets and timestamps; cut and garbled files show\nhere, at the speed of the disk. keyframes also decodes every keyframe and all\naudio; full decodes every frame and counts what the decoders report. Each\nfile's verdict (clean, damaged or unreadable, with the kind of damage, the\ntime of the first error and the share of the duration touched) is stored in\ntable `health`; a file is checked again when it changes or a deeper level is\nasked. Exit code 3 means damaged or unreadable files were found (or some\nchecks failed)."
    )]
    Verify(VerifyArgs),

    /// Drop the catalog rows of files that are gone, or of the given paths
    Forget(ForgetArgs),

    /// Reclaim the space of duplicates: plan, apply, undo, ignore
    #[command(
        after_help = "Examples:\n  mediadex fingerprint\n  mediadex dedupe plan --out plan.json --html review.html\n  mediadex dedupe apply plan.json --move-to /mnt/quarantine\n  mediadex dedupe undo plan.json\n  mediadex dedupe ignore a.mkv b.mkv\n\n`plan` changes nothing. `apply` checks every file against the plan, writes each\naction to the catalog before taking it, and is finished by running it again\nafter a kill; `undo` puts back what it moved (and byte copies it linked or\ndeleted). See `mediadex dedupe <COMMAND> --help`."
    )]
    Dedupe(dedupe::DedupeArgs),

    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(
        after_help = "Examples:\n  mediadex completions bash > ~/.local/share/bash-completion/completions/mediadex\n  mediadex completions zsh > ~/.zfunc/_mediadex\n  mediadex completions fish > ~/.config/fish/completions/mediadex.fish"
    )]
    Completions(CompletionsArgs),

    /// Print the man page (roff) on standard output
    #[command(name = "__man", hide = true)]
    Man,
    #[command(name = "__complete-report", hide = true)]
    CompleteReport(CompleteReportArgs),

    #[command(name = Worker::Probe.verb(), hide = true)]
    ProbeWorker(ProbeWorkerArgs),

    #[command(name = Worker::Fingerprint.verb(), hide = true)]
    FingerprintWorker(ProbeWorkerArgs),

    #[command(name = Worker::Verify(mediadex_core::verify::Level::Quick).verb(), hide = true)]
    VerifyWorker(VerifyWorkerArgs),
}

#[derive(Debug, Args)]
pub struct FingerprintArgs {
    /// Only catalogued files under these directories (or these files) [default: all]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Files decoded at once [default: the number of CPUs]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,

    /// Seconds a single file may take before it is marked `timeout`
    #[arg(long, value_name = "S", default_value_t = 60.0, value_parser = parse_seconds)]
    pub timeout: f64,

    /// Fingerprint every file again, changed or not
    #[arg(long)]
    pub force: bool,

    /// Print the summary as a JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Directories (or files) to scan
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Parallel probes [default: twice the number of CPUs]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,

    /// Seconds a single file may take before it is marked `timeout`
    #[arg(long, value_name = "S", default_value_t = 30.0, value_parser = parse_seconds)]
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

    /// Mark files missing even under a root that looks offline (absent, empty,
    /// unreadable or on another device than before): the library is really gone
    #[arg(long)]
    pub prune: bool,

    /// Also walk hidden directories and what NAS boxes and desktops leave in
    /// libraries (@eaDir, #recycle, #snapshot, .@__thumb, .Trash-*, $RECYCLE.BIN,
    /// System Volume Information, lost+found), skipped by default
    #[arg(long)]
    pub hidden: bool,

    /// Print the summary as a JSON object on stdout
    #[arg(long)]
    pub json: bool,

    /// Probe in this process, without worker isolation: a file that crashes or
    /// hangs GStreamer takes the scan with it. Only for measuring what isolation costs.
    #[arg(long, hide = true)]
    pub in_process: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Files as scanned (relative paths are made absolute; the `\xNN` form
    /// mediadex prints for bytes that are not UTF-8 is accepted)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Host the row was scanned on [default: this host]
    #[arg(long)]
    pub host: Option<String>,

    /// Print the stored JSON documents (the default off a terminal)
    #[arg(long)]
    pub json: bool,
}

/// The output format flags of `query` and `report`, with sqlite-utils' shortcuts.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format [default: table]
    #[arg(short, long, value_enum)]
    pub format: Option<FormatArg>,

    /// Shortcut for -f csv
    #[arg(long, conflicts_with_all = ["format", "tsv", "nl", "json"])]
    pub csv: bool,

    /// Shortcut for -f tsv
    #[arg(long, conflicts_with_all = ["format", "csv", "nl", "json"])]
    pub tsv: bool,

    /// Shortcut for -f ndjson (one JSON object per line)
    #[arg(long, conflicts_with_all = ["format", "csv", "tsv", "json"])]
    pub nl: bool,

    /// Shortcut for -f json
    #[arg(long, conflicts_with_all = ["format", "csv", "tsv", "nl"])]
    pub json: bool,

    /// Leave out the header row (table, csv, tsv)
    #[arg(long)]
    pub no_headers: bool,

    /// Print every cell whole, even when the table is wider than the terminal
    #[arg(long)]
    pub no_trunc: bool,
}

impl OutputArgs {
    /// The format asked for, if any.
    pub fn format(&self) -> Option<Format> {
        if self.csv {
            Some(Format::Csv)
        } else if self.tsv {
            Some(Format::Tsv)
        } else if self.nl {
            Some(Format::Ndjson)
        } else if self.json {
            Some(Format::Json)
        } else {
            self.format.map(Format::from)
        }
    }

    /// How to write to stdout; `--no-headers` with a JSON format is an error.
    pub fn style(&self) -> Result<Style, String> {
        let format = self.format().unwrap_or(Format::Table);
        if self.no_headers && matches!(format, Format::Json | Format::Ndjson) {
            return Err(
                "--no-headers applies to table, csv and tsv output; JSON has no header row".into(),
            );
        }
        Ok(Style {
            format,
            table: TableOptions::for_stdout(!self.no_headers, self.no_trunc),
        })
    }
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// One SQL statement (SELECT, WITH, or a read-only PRAGMA)
    pub sql: String,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Bind :NAME in the SQL to VALUE (repeatable)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,

    /// Stop the query after S seconds
    #[arg(long, value_name = "S", default_value_t = 60.0, value_parser = parse_seconds)]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report to run [default: a text summary of the library]
    pub name: Option<String>,

    /// List the reports with their parameters and descriptions
    #[arg(long, conflicts_with_all = ["name", "show_sql"])]
    pub list: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Set a report parameter (repeatable)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,

    /// Also load report files from DIR (replacing bundled ones by name)
    #[arg(long, value_name = "DIR", env = "MEDIADEX_SQL_DIR")]
    pub sql_dir: Option<PathBuf>,

    /// `similar`: keep copies under DIR when nothing else tells them apart
    /// (repeatable, the first the most preferred)
    #[arg(long, value_name = "DIR")]
    pub prefer: Vec<PathBuf>,

    /// Print the report's SQL with its parameters filled in, instead of running it
    #[arg(long, requires = "name")]
    pub show_sql: bool,

    /// Write the library's page (the export's index.html) to FILE instead
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "list", "show_sql", "format", "params"])]
    pub html: Option<PathBuf>,

    /// Stop the report after S seconds
    #[arg(long, value_name = "S", default_value_t = 60.0, value_parser = parse_seconds)]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Directory to write the report files into (created if needed)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// File format of the reports: json, ndjson, csv or tsv
    #[arg(short, long, value_name = "FORMAT", default_value = "json", value_parser = parse_export_format)]
    pub format: Format,

    /// Export only this report (repeatable) [default: every report]
    #[arg(long = "report", value_name = "NAME")]
    pub reports: Vec<String>,

    /// Set a parameter of every exported report that declares it (repeatable)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,

    /// Also load report files from DIR (replacing bundled ones by name)
    #[arg(long, value_name = "DIR", env = "MEDIADEX_SQL_DIR")]
    pub sql_dir: Option<PathBuf>,

    /// Stop a report that runs longer than S seconds (the others still run)
    #[arg(long, value_name = "S", default_value_t = 600.0, value_parser = parse_seconds)]
    pub timeout: f64,

    /// Reports to run at once [default: number of CPUs, at most 4]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Write to FILE (replaced atomically) instead of standard output (`-`: standard output)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Dump files to merge, in order (`-` reads standard input)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Load the whole rows of a dump that is cut short or has no trailer
    /// (written by an older mediadex) instead of refusing it
    #[arg(long)]
    pub partial: bool,
}

/// `export --format`: one of the output formats a machine reads back.
pub fn parse_export_format(s: &str) -> Result<Format, String> {
    use clap::ValueEnum;
    match FormatArg::from_str(s, true).map(Format::from) {
        Ok(f) if f.is_machine() => Ok(f),
        _ => Err(format!(
            "{s:?} is not an export format; use json, ndjson, csv or tsv"
        )),
    }
}

/// `--timeout S`: a positive, finite number of seconds.
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        Ok(_) => Err(format!("must be a positive number of seconds, got {s}")),
        Err(_) => Err(format!("expected a number of seconds, got {s:?}")),
    }
}

/// `-j N`: at least one.
pub fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("expected a whole number of at least 1, got {s:?}")),
    }
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

/// `90s`, `2m`, `1h30m`, `1.5` (seconds), `PT2M`: a positive duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let d = if let Ok(secs) = s.parse::<f64>() {
        Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))?
    } else {
        let sd: jiff::SignedDuration = s
            .parse()
            .map_err(|_| format!("{s:?} is not a duration; try 90s, 2m or 1h30m"))?;
        Duration::try_from(sd).map_err(|_| format!("{s:?} is negative"))?
    };
    if d.is_zero() {
        return Err(format!("{s:?} is zero"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn fingerprint_checks_its_values_as_scan_does() {
        for verb in ["scan", "fingerprint", "verify"] {
            for bad in [["--timeout", "0"], ["--timeout", "x"], ["-j", "0"]] {
                let err = Cli::try_parse_from(["mediadex", verb, bad[0], bad[1], "/x"])
                    .expect_err("a bad value is refused");
                assert_eq!(err.exit_code(), 2, "{verb} {bad:?}: {err}");
            }
        }
    }

    #[test]
    fn the_worker_verbs_are_the_pool_s() {
        use mediadex_core::verify::Level;
        for kind in [
            Worker::Probe,
            Worker::Fingerprint,
            Worker::Verify(Level::Full),
        ] {
            let mut args = vec!["mediadex", kind.verb()];
            args.extend(kind.options());
            args.extend(["--jobs", "2"]);
            let cli = Cli::try_parse_from(args).expect("the hidden verb parses");
            assert!(matches!(
                (kind, cli.command),
                (Worker::Probe, Command::ProbeWorker(_))
                    | (Worker::Fingerprint, Command::FingerprintWorker(_))
                    | (
                        Worker::Verify(Level::Full),
                        Command::VerifyWorker(VerifyWorkerArgs {
                            level: LevelArg::Full,
                            ..
                        })
                    )
            ));
        }
    }
}
