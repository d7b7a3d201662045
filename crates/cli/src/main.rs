//! Entry point of `mediadex`: every verb, from mediadex-core alone. Scans probe
//! in `mediadex-media` worker processes, and `record` runs as `mediadex-media`
//! (see `mediadex_core::companion`), so this executable links neither GStreamer
//! nor ALSA.

use std::process::ExitCode;

fn main() -> ExitCode {
    mediadex::commands::main(mediadex::commands::run)
}
