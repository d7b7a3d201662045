//! Entry point of `mediadex`: every verb, without GStreamer or ALSA (scans probe
//! and `record` records in `mediadex-media` processes; see `engine`).

use std::process::ExitCode;

fn main() -> ExitCode {
    mediadex::commands::main()
}
