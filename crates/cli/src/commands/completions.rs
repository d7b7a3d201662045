//! `mediadex completions SHELL` and the hidden `mediadex __man`: shell
//! completion scripts (clap_complete) and the man page (clap_mangen), both made
//! from the same clap definition as the parser, so they never disagree with it.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell as Target;

use crate::cli::{Cli, CompletionsArgs, Shell};

pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let target = match args.shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Elvish => Target::Elvish,
        Shell::Powershell => Target::PowerShell,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    clap_complete::generate(target, &mut Cli::command(), "mediadex", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn man() -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
