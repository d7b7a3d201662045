//! Entry point of `mediadex-probe`: the same command line as `mediadex`, able to
//! probe with GStreamer. Scans start it as their worker processes.

use std::process::ExitCode;

fn main() -> ExitCode {
    mediadex::scan::worker::install();
    mediadex::commands::main()
}
