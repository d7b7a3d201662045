//! The arguments of `forget`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  mediadex forget --missing --dry-run\n  mediadex forget --missing --missing-for 90d\n  mediadex forget ~/Videos/old-rips\n\nA file's row goes with everything the catalog holds of it: its document,\nfingerprint, similar pairs and health. --missing drops the rows of files a scan\nfound gone (status `missing`), on every host of the catalog; with\n--missing-for, only those last seen longer ago than that. PATH drops this\nhost's rows of those files, or of every file under those directories, whatever\ntheir status (a file still there comes back with the next scan). Nothing else\never deletes rows."
)]
pub struct ForgetArgs {
    /// This host's catalogued files, or directories of them, to forget
    #[arg(value_name = "PATH", required_unless_present = "missing")]
    pub paths: Vec<PathBuf>,

    /// Forget the files scans found gone (status `missing`)
    #[arg(long, conflicts_with = "paths")]
    pub missing: bool,

    /// With --missing: only those last seen longer ago than this (90d, 2w, 12h)
    #[arg(long, value_name = "D", requires = "missing", value_parser = parse_age)]
    pub missing_for: Option<Duration>,

    /// List what would be forgotten, and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print the counts (and with --dry-run the paths) as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

/// An age: days (`90d`) and weeks (`2w`) besides the durations `record`
/// takes (`12h`, `90m`).
pub fn parse_age(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let days = |n: &str, k: u64| {
        n.parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            .map(|n| Duration::from_secs(n * k * 86_400))
            .ok_or_else(|| format!("{s:?} is not an age; try 90d, 2w or 12h"))
    };
    if let Some(n) = t.strip_suffix('d') {
        days(n, 1)
    } else if let Some(n) = t.strip_suffix('w') {
        days(n, 7)
    } else {
        super::parse_duration(t)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_age;
    use std::time::Duration;

    #[test]
    fn ages_in_days_weeks_and_hours() {
        assert_eq!(parse_age("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert!(parse_age("0d").is_err() && parse_age("xd").is_err());
    }
}
