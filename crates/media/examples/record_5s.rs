//! Record five seconds from an input device into a WAV file with the mediadex
//! library, and print the levels measured on the way.
//!
//!     cargo run --example record_5s -- [OUT.wav] [DEVICE]
//!
//! No catalog is involved: the observer below just prints each checkpoint.
//! Ctrl-C stops early and still leaves a finalized file.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use mediadex_core::audio::WavFormat;
use mediadex_media::record::{self, Observer, Options, PartState};

struct Print;

impl Observer for Print {
    fn part_started(&mut self, part: &PartState) -> anyhow::Result<()> {
        println!("recording {} from {}", part.path.display(), part.device);
        Ok(())
    }

    fn part_updated(&mut self, part: &PartState) {
        println!(
            "  {:>6.2} s  {}  peak {} dBFS",
            part.seconds(),
            part.status.as_str(),
            part.doc["levels"]["peak_dbfs"]
        );
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = std::path::absolute(PathBuf::from(
        args.next().unwrap_or_else(|| "record_5s.wav".into()),
    ))?;
    let mut opts = Options::new(out);
    opts.device = args.next();
    opts.duration = Some(Duration::from_secs(5));
    opts.wanted.format = Some(WavFormat::S16);
    opts.overwrite = true;

    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, stop.clone())?;

    let outcome = record::record(&opts, &stop, &mut Print)?;
    let last = outcome.parts.last().expect("one part at least");
    println!(
        "{} frames at {} Hz, {} channel(s), ended by {}",
        outcome.frames,
        outcome.rate,
        outcome.channels,
        outcome.end.as_str()
    );
    println!("{:#}", last.doc["levels"]);
    if outcome.lost_frames > 0 {
        println!(
            "{} frames were lost and replaced by silence",
            outcome.lost_frames
        );
    }
    Ok(())
}
