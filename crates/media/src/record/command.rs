//! `mediadex record`: list input devices, or record one into a WAV file and the
//! catalog, with a live meter on a TTY. Ctrl-C and SIGTERM stop and finalize.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context as _;
use serde_json::json;

use crate::record::{self, EndReason, Meter, Observer, Options, PartState, device};
use mediadex::cli::RecordArgs;
use mediadex::commands::Context;
use mediadex_core::audio::levels;
use mediadex_core::catalog::{Catalog, recordings};
use mediadex_core::ui::Ui;
use mediadex_core::util;

pub fn run(ctx: &Context, args: RecordArgs) -> anyhow::Result<ExitCode> {
    if let Some(id) = &args.probe_device {
        return device_capabilities(id);
    }
    if args.list_devices {
        return list_devices(args.json);
    }
    let opts = options(ctx, &args)?;
    // The catalog is opened first so that a catalog problem shows before any audio is taken.
    let cat = Catalog::open(&ctx.db)?;
    let stop = stop_on_signals()?;
    let mut obs = CatalogObserver {
        cat,
        host: util::host_name(),
        ids: HashMap::new(),
        catalog_error: None,
        meter: (!ctx.quiet && std::io::stderr().is_terminal()).then(MeterLine::default),
    };
    let result = record::record(&opts, &stop, &mut obs);
    obs.clear_meter();
    let outcome = result?;

    let last = outcome.parts.last().expect("a recording has a part");
    let seconds = outcome.frames as f64 / outcome.rate as f64;
    if args.json {
        print_json(&outcome, &opts)?;
    }
    tell(ctx, &outcome, &opts);
    match &outcome.end {
        EndReason::DeviceLost(m) => anyhow::bail!(
            "{m} after {}; the {} frames captured were kept in {}",
            util::hms(seconds),
            outcome.frames,
            util::display_path(&last.path)
        ),
        EndReason::WriteFailed(m) => anyhow::bail!(
            "{m}; {} is valid up to its last checkpoint ({} frames)",
            util::display_path(&last.path),
            last.doc["checkpoint_frames"]
        ),
        EndReason::Duration | EndReason::Stopped => {}
    }
    if let Some(e) = obs.catalog_error {
        anyhow::bail!(
            "the recording is complete but catalog {} could not be updated ({e}); run `mediadex repair {}` to catalog it",
            ctx.db.display(),
            util::display_path(&last.path)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The recorder's options from the command line (and the test hook that
/// makes parts small).
fn options(ctx: &Context, args: &RecordArgs) -> anyhow::Result<Options> {
    let out = match &args.out {
        Some(p) => std::path::absolute(p)
            .with_context(|| format!("could not resolve --out {}", p.display()))?,
        None => {
            let p = record::default_out(&std::path::absolute(&ctx.db)?);
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).with_context(|| {
                    format!("could not create recordings directory {}", dir.display())
                })?;
            }
            p
        }
    };
    let mut opts = Options::new(out);
    opts.device = args.device.clone();
    opts.duration = args.duration;
    opts.wanted = device::Wanted {
        rate: args.rate,
        channels: args.channels,
        format: args.format.map(Into::into),
    };
    opts.period = args.period;
    opts.overwrite = args.force;
    opts.label = args.label.clone();
    opts.silence_db = args.silence_threshold;
    opts.buffer = args.buffer;
    opts.device_timeout = args.device_timeout;
    if let Some(n) = std::env::var(record::PART_BYTES_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        opts.part_bytes = n;
    }
    Ok(opts)
}

/// The first SIGINT/SIGTERM raises the returned flag; see below.
fn stop_on_signals() -> anyhow::Result<Arc<AtomicBool>> {
    // The first SIGINT/SIGTERM raises the flag (stop and finalize); a second one,
    // with the flag already up, exits at once (the file is then repairable).
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, stop.clone())
            .context("could not install signal handlers")?;
        signal_hook::flag::register(sig, stop.clone())
            .context("could not install signal handlers")?;
    }
    Ok(stop)
}

/// `--json`: the recording's summary on stdout.
fn print_json(outcome: &record::Recorded, opts: &Options) -> anyhow::Result<()> {
    let last = outcome.parts.last().expect("a recording has a part");
    let seconds = outcome.frames as f64 / outcome.rate as f64;
    let summary = json!({
        "path": util::display_path(&opts.out),
        "parts": outcome.parts.iter().map(|p| util::display_path(&p.path)).collect::<Vec<_>>(),
        "status": last.status.as_str(),
        "end_reason": outcome.end.as_str(),
        "device": outcome.device,
        "rate": outcome.rate,
        "channels": outcome.channels,
        "format": outcome.format,
        "frames": outcome.frames,
        "seconds": seconds,
        "lost_frames": outcome.lost_frames,
        "overruns": outcome.overruns,
        "ring_lost_frames": outcome.ring_lost_frames,
        "device_gaps": outcome.device_gaps,
        "device_lost_frames": outcome.device_lost_frames,
        "pace": outcome.pace,
        "xruns": outcome.xruns,
        "stream_errors": outcome.stream_errors,
        "wall_seconds": outcome.wall.as_secs_f64(),
        "levels": last.doc["levels"],
    });
    let mut so = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut so, &summary)?;
    writeln!(so)?;
    Ok(())
}

/// What was recorded, and the warnings about lost audio, on stderr.
fn tell(ctx: &Context, outcome: &record::Recorded, opts: &Options) {
    let seconds = outcome.frames as f64 / outcome.rate as f64;
    if !ctx.quiet {
        let parts = if outcome.parts.len() > 1 {
            format!(" in {} parts", outcome.parts.len())
        } else {
            String::new()
        };
        ctx.ui.say(format_args!(
            "recorded {} ({} frames, {} Hz, {} ch, {}) from {} to {}{parts}",
            util::hms(seconds),
            outcome.frames,
            outcome.rate,
            outcome.channels,
            outcome.format,
            outcome.device,
            util::display_path(&opts.out),
        ));
    }
    for line in loss_warnings(outcome) {
        ctx.ui.warning(line);
    }
    if outcome.xruns > 0 || outcome.stream_errors > 0 {
        ctx.ui.warning(format_args!(
            "device {} reported {} overrun(s) and {} other stream error(s); the audio may have gaps",
            outcome.device, outcome.xruns, outcome.stream_errors
        ));
    }
}

/// The child side of `--list-devices`: one device's capabilities as JSON.
fn device_capabilities(id: &str) -> anyhow::Result<ExitCode> {
    let _alsa = record::native::AlsaMessages::capture();
    let host = cpal::default_host();
    let dev = device::find(&host, Some(id))?;
    let caps = device::capabilities(&dev);
    let mut so = std::io::stdout().lock();
    serde_json::to_writer(&mut so, &caps)?;
    writeln!(so)?;
    Ok(ExitCode::SUCCESS)
}

/// Why frames were lost, one line per cause: the device skipped them, the
/// device delivered faster than anything live could (so the ring overflowed
/// through no fault of the disk), or the disk fell behind.
fn loss_warnings(o: &record::Recorded) -> Vec<String> {
    let secs = |f: u64| f as f64 / o.rate as f64;
    let mut out = Vec::new();
    if o.device_lost_frames > 0 {
        out.push(format!(
            "device {} skipped audio {} time(s) by its own clock; {} frames ({:.3} s) were replaced by silence (`dropouts` with cause device_gap in `mediadex show`)",
            o.device, o.device_gaps, o.device_lost_frames, secs(o.device_lost_frames)
        ));
    }
    if o.ring_lost_frames > 0 {
        let why = if o.pace > FASTER_THAN_LIVE {
            format!(
                "device {} delivered audio {:.0} times faster than real time (it is not a live source), more than the writer could take",
                o.device, o.pace
            )
        } else {
            "the disk fell behind; a larger --buffer absorbs longer stalls".to_string()
        };
        out.push(format!(
            "{} frames ({:.3} s) were lost in {} overrun(s) and replaced by silence (`dropouts` with cause ring_full in `mediadex show`): {why}",
            o.ring_lost_frames,
            secs(o.ring_lost_frames),
            o.overruns
        ));
    }
    out
}

/// Audio arriving this many times faster than real time is no live source.
const FASTER_THAN_LIVE: f64 = 1.5;

fn list_devices(as_json: bool) -> anyhow::Result<ExitCode> {
    // Enumerating opens nothing, but alsa-lib may still talk (a missing card,
    // a broken configuration): collect it rather than print it.
    let alsa = record::native::AlsaMessages::capture();
    let host = cpal::default_host();
    let devices = device::inputs(&host).map_err(|e| {
        let said = alsa.lines();
        match said.first() {
            Some(first) => anyhow::anyhow!("{e} ({first})"),
            None => e.into(),
        }
    })?;
    let caps = record::capabilities::capabilities_all(&devices);
    let mut so = std::io::stdout().lock();
    if as_json {
        serde_json::to_writer_pretty(&mut so, &caps)?;
        writeln!(so)?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = caps.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &caps {
        let mark = if c.default { '*' } else { ' ' };
        writeln!(so, "{mark} {:width$}  {}", c.id, c.name)?;
        match &c.error {
            Some(e) if c.timed_out => writeln!(so, "  {:width$}  not answering: {e}", "")?,
            Some(e) => writeln!(so, "  {:width$}  unavailable: {e}", "")?,
            None => {
                // A converting device (`plug`) accepts every format; say which
                // one it delivers, since that is what is captured.
                let native = match &c.native_formats {
                    Some(n) if !n.is_empty() && n.len() < c.formats.len() => {
                        format!(" (delivers {})", n.join(" "))
                    }
                    _ => String::new(),
                };
                writeln!(
                    so,
                    "  {:width$}  rates {}; channels {}; formats {}{native}",
                    "",
                    device::rates_text(&c.rates),
                    device::compact_list(&c.channels),
                    c.formats.join(" ")
                )?
            }
        }
    }
    writeln!(so, "(* = default input; pass the first column to --device)")?;
    Ok(ExitCode::SUCCESS)
}

/// Stores each part in the catalog and draws the live meter.
struct CatalogObserver {
    cat: Catalog,
    host: String,
    ids: HashMap<u32, i64>,
    /// The first failure to update the catalog; recording goes on regardless.
    catalog_error: Option<String>,
    meter: Option<MeterLine>,
}

impl CatalogObserver {
    fn clear_meter(&mut self) {
        if let Some(m) = &mut self.meter {
            m.clear();
        }
    }
}

impl Observer for CatalogObserver {
    fn part_started(&mut self, p: &PartState) -> anyhow::Result<()> {
        let path = util::path_bytes(&p.path);
        let id = recordings::insert(
            &mut self.cat.conn,
            &recordings::NewRecording {
                host: &self.host,
                path_bytes: path,
                status: p.status,
                device: Some(&p.device),
                started_at: &p.started_at,
                rate: p.rate,
                channels: p.channels,
                format: p.format.as_str(),
                label: p.label.as_deref(),
                doc: &p.doc,
            },
        )
        .with_context(|| {
            format!(
                "could not add {} to catalog {}",
                p.path.display(),
                self.cat.path.display()
            )
        })?;
        self.ids.insert(p.index, id);
        Ok(())
    }

    fn part_updated(&mut self, p: &PartState) {
        let Some(&id) = self.ids.get(&p.index) else {
            return;
        };
        let res = recordings::update(
            &mut self.cat.conn,
            id,
            &recordings::Progress {
                status: p.status,
                ended_at: p.ended_at.as_deref(),
                frames: p.frames,
                seconds: p.seconds(),
                doc: &p.doc,
            },
        );
        if let Err(e) = res
            && self.catalog_error.is_none()
        {
            self.clear_meter();
            // Warnings are written whatever `-q` says: no handle needed.
            Ui::default().warning(format_args!(
                "could not update catalog {}: {e}; still recording",
                self.cat.path.display()
            ));
            self.catalog_error = Some(e.to_string());
        }
    }

    fn tick(&mut self, m: &Meter) {
        if let Some(line) = &mut self.meter {
            line.draw(m);
        }
    }
}

/// One line on stderr: `● 0:12 / 2:00  L ▕██████░░░░░░▏ -12.0 dB  R …`.
#[derive(Default)]
struct MeterLine {
    drawn: bool,
}

impl MeterLine {
    const BAR: usize = 24;
    const FLOOR_DB: f64 = -60.0;

    fn draw(&mut self, m: &Meter) {
        let elapsed = util::hms(m.frames as f64 / m.rate as f64);
        let total = m
            .limit
            .map(|l| format!(" / {}", util::hms(l as f64 / m.rate as f64)))
            .unwrap_or_default();
        let mut line = format!("\u{25cf} {elapsed}{total} ");
        // Stereo gets a bar per channel; more channels share one (their loudest).
        let shown: Vec<(String, f32)> = match m.peaks.len() {
            1 => vec![(String::new(), m.peaks[0])],
            2 => vec![("L ".into(), m.peaks[0]), ("R ".into(), m.peaks[1])],
            _ => vec![(
                "max ".into(),
                m.peaks.iter().copied().fold(0.0f32, f32::max),
            )],
        };
        for (name, peak) in shown {
            let db = levels::to_dbfs(peak);
            let fill = db
                .map(|d| ((d - Self::FLOOR_DB) / -Self::FLOOR_DB).clamp(0.0, 1.0))
                .unwrap_or(0.0);
            let n = (fill * Self::BAR as f64).round() as usize;
            let clip = if peak >= levels::CLIP_LEVEL { "!" } else { " " };
            line.push_str(&format!(
                " {name}\u{2595}{}{}\u{258f}{clip}{}",
                "\u{2588}".repeat(n),
                "\u{2591}".repeat(Self::BAR - n),
                db.map(|d| format!("{d:6.1} dB"))
                    .unwrap_or_else(|| "  -inf dB".into())
            ));
        }
        if m.lost_frames > 0 {
            line.push_str(&format!("  lost {} frames", m.lost_frames));
        }
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[2K{line}");
        let _ = e.flush();
        self.drawn = true;
    }

    fn clear(&mut self) {
        if self.drawn {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K");
            let _ = e.flush();
            self.drawn = false;
        }
    }
}
