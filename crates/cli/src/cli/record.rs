//! The arguments of `record` and `repair`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{WavFormatArg, parse_duration};

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// List input devices with their sample rates, channel counts and formats, then exit
    #[arg(long)]
    pub list_devices: bool,

    /// Input device: its id or name from --list-devices [default: the default input]
    #[arg(short, long, value_name = "NAME")]
    pub device: Option<String>,

    /// How much audio to record (90s, 2m, 1h30m), counted in captured frames [default: until Ctrl-C]
    #[arg(short = 't', long, value_name = "D", value_parser = parse_duration)]
    pub duration: Option<Duration>,

    /// Sample rate [default: 48000 if the device has it, else its preferred rate]
    #[arg(short, long, value_name = "HZ", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,

    /// Channel count [default: the device's preferred count, usually 2]
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub channels: Option<u16>,

    /// Sample format of the WAV file [default: s16 from a 16-bit device, else s24]
    #[arg(short, long, value_enum)]
    pub format: Option<WavFormatArg>,

    /// Output file [default: <catalog dir>/recordings/<UTC time>.wav]
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Overwrite --out if it exists
    #[arg(long)]
    pub force: bool,

    /// A note stored with the recording
    #[arg(short, long, value_name = "TEXT")]
    pub label: Option<String>,

    /// RMS level (dBFS) under which a 50 ms window counts as silent
    #[arg(long, value_name = "DB", default_value_t = mediadex_core::audio::levels::DEFAULT_SILENCE_DB, allow_negative_numbers = true)]
    pub silence_threshold: f64,

    /// Audio held in memory while the disk is slow; longer stalls lose frames (counted, filled with silence)
    #[arg(long, value_name = "D", default_value = "2s", value_parser = parse_duration)]
    pub buffer: Duration,

    /// Give the device up as lost after this long without audio (the recording is kept, exit 1)
    #[arg(long, value_name = "D", default_value = "10s", value_parser = parse_duration)]
    pub device_timeout: Duration,

    /// Frames per device period (callback) [default: the device's choice]
    #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u32).range(1..))]
    pub period: Option<u32>,

    /// Print the summary (or the device list) as JSON on stdout
    #[arg(long)]
    pub json: bool,

    /// Describe one device as JSON (the child process behind --list-devices)
    #[arg(long, value_name = "ID", hide = true)]
    pub probe_device: Option<String>,
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    /// WAV files to repair [default: this host's recordings left in state `recording`]
    #[arg(value_name = "FILE.wav")]
    pub files: Vec<PathBuf>,

    /// Print the results as a JSON array on stdout
    #[arg(long)]
    pub json: bool,
}
