//! Entry point: parse the command line, run the verb, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use mediadex::commands::{self, CodedError, exit};

fn main() -> ExitCode {
    let cli = mediadex::cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) if mediadex::output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mediadex: error: {e:#}");
            let code = e
                .downcast_ref::<CodedError>()
                .map(|c| c.code)
                .unwrap_or(exit::ERROR);
            ExitCode::from(code)
        }
    }
}
