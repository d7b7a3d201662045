//! The arguments of `dedupe` and its four subcommands.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};

#[derive(Debug, Args)]
pub struct DedupeArgs {
    #[command(subcommand)]
    pub command: DedupeCommand,
}

#[derive(Debug, Subcommand)]
pub enum DedupeCommand {
    /// Choose, for each group of duplicates, the copy to keep and those to remove
    #[command(
        after_help = "Examples:\n  mediadex dedupe plan --out plan.json\n  mediadex dedupe plan --prefer ~/Videos/masters --out plan.json --html review.html\n  mediadex dedupe apply plan.json --move-to /mnt/quarantine\n\nRun `mediadex fingerprint` first. Each group of `report similar` keeps the copy\nthat report keeps (higher resolution, then more picture for its codec, longer,\nunder a --prefer directory, older) and removes this host's copies that are the\nsame video (`duplicate`); --include-contained also removes clips and trims of the\nkept copy. A file that only overlaps another, or contains it, is never removed.\nEach file is written into the plan with its size, mtime, device, inode and a\nhash of sampled blocks, which `apply` checks again before touching it.\nOn a terminal the plan is shown as a table; elsewhere (or with --json) stdout\ngets the JSON plan. Nothing is changed on disk or in the catalog."
    )]
    Plan(PlanArgs),

    /// Carry out a plan: move, hard-link or delete the copies it removes
    #[command(
        after_help = "Examples:\n  mediadex dedupe apply plan.json --move-to /mnt/quarantine\n  mediadex dedupe apply plan.json --hardlink\n  mediadex dedupe undo plan.json\n\nEvery file is checked against the plan first (size, mtime, device, inode, sampled\nblocks); a changed or vanished one is refused and named, and a group whose kept\ncopy changed is left whole. Each action is written to the catalog before it is\ntaken, so a run that is killed is finished by running it again. --move-to keeps\neach file's whole path below DIR (so /srv/a/b.mkv goes to DIR/srv/a/b.mkv);\n--hardlink replaces the copy with a link to the kept one (same file system\nonly); --delete removes it. Exit code 3: some files were refused or failed."
    )]
    Apply(ApplyArgs),

    /// Put back what applying a plan removed
    #[command(
        after_help = "Examples:\n  mediadex dedupe undo plan.json\n\nMoved files go back from the quarantine to their places. A hard-linked or\ndeleted file is restored from the kept copy when its bytes were the kept copy's\n(a byte-identical duplicate); otherwise it is named, as it cannot be restored.\nExit code 3: some files could not be put back."
    )]
    Undo(UndoArgs),

    /// Remember that two files are not the same video
    #[command(
        after_help = "Examples:\n  mediadex dedupe ignore ~/Videos/a.mkv ~/Videos/b.mkv\n\nThe decision is kept by the content of the two files (a hash of sampled blocks),\nso it holds after either is moved or renamed, and travels in dumps. Their pair\nleaves `report similar` now, and `mediadex fingerprint` never pairs them again."
    )]
    Ignore(IgnoreArgs),
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Copies under DIR win a tie (repeatable; the first listed wins first)
    #[arg(long, value_name = "DIR")]
    pub prefer: Vec<PathBuf>,

    /// Also remove clips and trims of the kept copy (`contained-in`)
    #[arg(long)]
    pub include_contained: bool,

    /// Write the JSON plan to FILE (what `apply` and `undo` take)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Also write the plan as an offline HTML page to review: thumbnails side by side
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Print the JSON plan on stdout even on a terminal
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("mode").required(true).args(["move_to", "hardlink", "delete"])))]
pub struct ApplyArgs {
    /// The plan (`mediadex dedupe plan --out FILE`)
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    /// Move each copy below DIR, keeping its whole path
    #[arg(long, value_name = "DIR")]
    pub move_to: Option<PathBuf>,

    /// Replace each copy with a hard link to the kept one
    #[arg(long)]
    pub hardlink: bool,

    /// Delete each copy
    #[arg(long)]
    pub delete: bool,

    /// Print what was done as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The plan that was applied
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    /// Print what was done as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IgnoreArgs {
    /// The two files that are not the same video
    #[arg(value_name = "PATH", num_args = 2, required = true)]
    pub paths: Vec<PathBuf>,
}
