//! Entry point of `mediadex-media`: the same command line as `mediadex`, able to
//! probe with GStreamer and record with ALSA. Scans start it as their workers;
//! `mediadex record` runs as it.

use std::process::ExitCode;

fn main() -> ExitCode {
    mediadex::commands::main(mediadex_media::run)
}
