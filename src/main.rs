//! Entry point of `mediadex`: every verb, without GStreamer (scans probe in
//! `mediadex-probe` processes; see `scan::engine`).

use std::process::ExitCode;

fn main() -> ExitCode {
    mediadex::commands::main()
}
