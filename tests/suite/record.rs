//! `record` and `repair` through a real ALSA capture device backed by a file (the
//! `file` plugin's `infile`, written as `$HOME/.asoundrc`), so the whole path
//! cpal → ring → hound → catalog runs without hardware.
//!
//! Unpaced devices read a raw file, faster than real time. Paced ones read a
//! FIFO that a feeder thread fills one device period at a time at the sample
//! rate: the plugin does one `read` per period and pads a short one with
//! silence, so whole-period writes are what keep the audio exact. Durations are
//! checked in frames, and the audio sample by sample against the source.

use std::f64::consts::PI;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::testenv::{HOST, TestEnv, stderr, stdout};

mod devices;
mod formats;
mod interrupts;
mod parts;
mod stalls;
mod tones;

/// Frames per device period in the paced tests (passed as `--period`); the
/// feeder writes exactly this many frames at a time.
const PERIOD: usize = 1024;

/// A sample format the fake device delivers natively (the `slave.format` of
/// its `plug`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fmt {
    S16,
    S24,
    S32,
    F32,
}

impl Fmt {
    fn alsa(self) -> &'static str {
        match self {
            Fmt::S16 => "S16_LE",
            Fmt::S24 => "S24_LE",
            Fmt::S32 => "S32_LE",
            Fmt::F32 => "FLOAT_LE",
        }
    }

    /// The WAV format of the same precision.
    fn name(self) -> &'static str {
        match self {
            Fmt::S16 => "s16",
            Fmt::S24 => "s24",
            Fmt::S32 => "s24",
            Fmt::F32 => "f32",
        }
    }
}

/// A tone per channel: (frequency in Hz, amplitude as a fraction of full scale).
#[derive(Clone)]
struct Tone {
    rate: u32,
    fmt: Fmt,
    chans: Vec<(f64, f64)>,
    /// Samples on the 16-bit grid whatever the device format, so that every
    /// file format holds them exactly.
    grid16: bool,
}

impl Tone {
    fn new(rate: u32, fmt: Fmt, chans: &[(f64, f64)]) -> Tone {
        Tone {
            rate,
            fmt,
            chans: chans.to_vec(),
            grid16: false,
        }
    }

    /// The same tone on the 16-bit grid.
    fn grid16(mut self) -> Tone {
        self.grid16 = true;
        self
    }

    fn channels(&self) -> usize {
        self.chans.len()
    }

    fn exact(&self, k: u64, ch: usize) -> f64 {
        let (f, a) = self.chans[ch];
        a * (2.0 * PI * f * k as f64 / self.rate as f64).sin()
    }

    /// Sample `k` of channel `ch` as the device delivers it, normalised to ±1
    /// the way a WAV reader presents it (exactly representable in every format).
    fn value(&self, k: u64, ch: usize) -> f64 {
        let x = self.exact(k, ch);
        if self.grid16 {
            return (x * 32768.0).round().min(32767.0) / 32768.0;
        }
        match self.fmt {
            Fmt::S16 => (x * 32768.0).round().min(32767.0) / 32768.0,
            Fmt::S24 => (x * 8_388_608.0).round().min(8_388_607.0) / 8_388_608.0,
            Fmt::S32 => (x * 2_147_483_648.0).round().min(2_147_483_647.0) / 2_147_483_648.0,
            Fmt::F32 => x as f32 as f64,
        }
    }

    /// Interleaved raw bytes of frames `start..start + n` in the device format.
    fn bytes(&self, start: u64, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n * self.channels() * 4);
        for k in start..start + n as u64 {
            for c in 0..self.channels() {
                let v = self.value(k, c);
                match self.fmt {
                    Fmt::S16 => out.extend_from_slice(&((v * 32768.0) as i16).to_le_bytes()),
                    // S24_LE: 24 bits in the low three bytes of a 32-bit word.
                    Fmt::S24 => out.extend_from_slice(&((v * 8_388_608.0) as i32).to_le_bytes()),
                    Fmt::S32 => {
                        out.extend_from_slice(&((v * 2_147_483_648.0) as i32).to_le_bytes())
                    }
                    Fmt::F32 => out.extend_from_slice(&(v as f32).to_le_bytes()),
                }
            }
        }
        out
    }

    /// Channel `ch` of frames `start..start + n`.
    fn channel(&self, ch: usize, start: u64, n: usize) -> Vec<f64> {
        (start..start + n as u64)
            .map(|k| self.value(k, ch))
            .collect()
    }
}

/// `$HOME/.asoundrc` for the process under test: the default capture device is
/// `fakemic`, which plays `infile` (raw, in the tone's rate, channels and format).
fn fake_mic(env: &TestEnv, infile: &Path, tone: &Tone) {
    let rc = format!(
        r#"pcm.!default {{ type asym; playback.pcm "null"; capture.pcm "fakemic" }}
pcm.fakemic {{
    type plug
    slave {{ pcm "fakemicraw"; format {}; rate {}; channels {} }}
    hint {{ show on; description "Fake microphone" }}
}}
pcm.fakemicraw {{ type file; slave.pcm "null"; file "/dev/null"; infile "{}"; format "raw" }}
"#,
        tone.fmt.alsa(),
        tone.rate,
        tone.channels(),
        infile.display()
    );
    std::fs::write(env.path().join(".asoundrc"), rc).unwrap();
}

/// An unpaced fake mic playing `seconds` of `tone` from a regular file.
fn unpaced_mic(env: &TestEnv, tone: &Tone, seconds: f64) {
    let raw = env.path().join("source.raw");
    let frames = (seconds * tone.rate as f64) as usize;
    std::fs::write(&raw, tone.bytes(0, frames)).unwrap();
    fake_mic(env, &raw, tone);
}

/// A WAV file read back with hound: spec and channels, normalised to ±1.
struct Wav {
    spec: hound::WavSpec,
    frames: usize,
    chans: Vec<Vec<f64>>,
}

fn read_wav(path: &Path) -> Wav {
    let mut r = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("{} is not a valid WAV: {e}", path.display()));
    let spec = r.spec();
    let frames = r.duration() as usize;
    let n = spec.channels as usize;
    let all: Vec<f64> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap() as f64).collect(),
        hound::SampleFormat::Int => {
            let scale = (1u64 << (spec.bits_per_sample - 1)) as f64;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f64 / scale)
                .collect()
        }
    };
    assert_eq!(all.len(), frames * n, "whole frames in {}", path.display());
    let chans = (0..n)
        .map(|c| all.iter().skip(c).step_by(n).copied().collect())
        .collect();
    Wav {
        spec,
        frames,
        chans,
    }
}

/// Frequency from rising zero crossings.
fn zero_crossing_hz(x: &[f64], rate: u32) -> f64 {
    let rising = x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    rising as f64 * rate as f64 / x.len() as f64
}

fn peak_db(x: &[f64]) -> f64 {
    20.0 * x.iter().fold(0.0f64, |m, v| m.max(v.abs())).log10()
}

fn rms_db(x: &[f64]) -> f64 {
    10.0 * (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).log10()
}

/// The catalog row of a recording, with its document parsed.
fn row(env: &TestEnv, path: &Path) -> Value {
    let rows = env.query(&format!(
        "SELECT status, frames, seconds, rate, channels, format, device, label, doc
         FROM recordings WHERE path = '{}'",
        path.to_str().unwrap().replace('\'', "''")
    ));
    assert_eq!(rows.len(), 1, "one recordings row for {}", path.display());
    rows.into_iter().next().unwrap()
}

/// Index in the source at which `x` (one channel of a recording) starts,
/// found from its first samples.
fn source_offset(tone: &Tone, ch: usize, x: &[f64], search: u64) -> u64 {
    let probe = &x[..64];
    (0..search)
        .find(|&k| tone.channel(ch, k, probe.len()) == probe)
        .expect("the recording starts with audio from the source")
}

fn wait_with_timeout(mut child: Child, limit: Duration) -> Output {
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "mediadex did not exit within {limit:?}; stderr:\n{}",
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `mediadex --db <catalog> ARGS` as a child process, with the same environment
/// as `TestEnv::cmd`.
fn spawn(env: &TestEnv, args: &[&str]) -> Child {
    Command::new(crate::testenv::exe("mediadex"))
        .arg("--db")
        .arg(&env.db)
        .args(args)
        .env("HOME", env.path())
        .env("XDG_DATA_HOME", env.path().join("xdg"))
        .env("MEDIADEX_HOST", HOST)
        .env_remove("MEDIADEX_DB")
        .env_remove("MEDIADEX_TEST_WRITER_STALL_MS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mediadex")
}

/// Writes `tone` into a FIFO at the sample rate, one device period per write.
struct Feeder {
    stop: Arc<AtomicBool>,
    written: Arc<AtomicU64>,
    handle: Option<JoinHandle<()>>,
}

impl Feeder {
    /// Feed `frames` frames (whole periods), then hold the FIFO open without
    /// writing: a device that stops delivering audio.
    fn start_until(fifo: &Path, tone: &Tone, frames: u64) -> Feeder {
        Feeder::start(fifo, tone, frames, None)
    }

    /// Feed `frames` frames, holding back for `pause` once frame `at` is due
    /// (the FIFO stays open: a device that stalls, then goes on).
    fn start(fifo: &Path, tone: &Tone, frames: u64, pause: Option<(u64, Duration)>) -> Feeder {
        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicU64::new(0));
        let (fifo, tone) = (fifo.to_path_buf(), tone.clone());
        let (stop2, written2) = (stop.clone(), written.clone());
        let handle = std::thread::spawn(move || {
            // A non-blocking open fails until the recorder opens its end; polling
            // keeps a test whose recorder never got that far from hanging here.
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut fifo_file = loop {
                match OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(&fifo)
                {
                    Ok(f) => break f,
                    Err(_) if !stop2.load(Ordering::Relaxed) && Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => return,
                }
            };
            nix::fcntl::fcntl(
                &fifo_file,
                nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::empty()),
            )
            .unwrap();
            let mut t0 = Instant::now();
            let mut k = 0u64;
            while !stop2.load(Ordering::Relaxed) && k < frames {
                if let Some((at, d)) = pause
                    && k == at
                {
                    std::thread::sleep(d);
                    t0 += d;
                }
                let chunk = tone.bytes(k, PERIOD);
                let mut at = 0;
                while at < chunk.len() {
                    match fifo_file.write(&chunk[at..]) {
                        Ok(n) => at += n,
                        // No reader: the recorder closed its end (a probe of the
                        // device before its stream opens it again). What is in
                        // the pipe stays there for the next reader.
                        Err(e)
                            if e.raw_os_error() == Some(libc::EPIPE)
                                && !stop2.load(Ordering::Relaxed) =>
                        {
                            std::thread::sleep(Duration::from_millis(2))
                        }
                        Err(_) => return, // the recorder is gone
                    }
                }
                k += PERIOD as u64;
                written2.store(k, Ordering::Relaxed);
                let due = t0 + Duration::from_secs_f64(k as f64 / tone.rate as f64);
                if let Some(d) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(d);
                }
            }
            while !stop2.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Feeder {
            stop,
            written,
            handle: Some(handle),
        }
    }

    fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// A paced fake mic: a FIFO, its `.asoundrc`, and a feeder playing at most
/// `frames` of `tone` into it.
fn paced_mic_until(env: &TestEnv, tone: &Tone, frames: u64) -> Feeder {
    let fifo = env.path().join("mic.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    fake_mic(env, &fifo, tone);
    Feeder::start_until(&fifo, tone, frames)
}

/// A paced fake mic with up to a minute of audio.
fn paced_mic(env: &TestEnv, tone: &Tone) -> Feeder {
    paced_mic_until(env, tone, 60 * tone.rate as u64)
}

/// Data frames the header of a 16-bit PCM WAV (44-byte header) declares.
fn header_frames(path: &Path, channels: u64) -> u64 {
    let b = std::fs::read(path).unwrap_or_default();
    if b.len() < 44 {
        return 0;
    }
    u32::from_le_bytes(b[40..44].try_into().unwrap()) as u64 / (2 * channels)
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Record `duration` of `tone` from an unpaced device and check the file, the
/// audio sample by sample, the frequencies, the levels and the catalog row.
fn record_and_check(tone: &Tone, duration: &str, frames: usize) {
    record_as(tone, tone.fmt.name(), duration, frames)
}

/// [`record_and_check`] into WAV format `format`, whatever the device's.
fn record_as(tone: &Tone, format: &str, duration: &str, frames: usize) {
    let env = TestEnv::new();
    unpaced_mic(&env, tone, frames as f64 / tone.rate as f64 + 0.5);
    let out_path = env.path().join("take.wav");
    let rate = tone.rate.to_string();
    let channels = tone.channels().to_string();
    let out = env.run(&[
        "record",
        "--device",
        "fakemic",
        "--duration",
        duration,
        "--rate",
        &rate,
        "--channels",
        &channels,
        "--format",
        format,
        "--label",
        "test tone",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));

    let wav = read_wav(&out_path);
    assert_eq!(wav.frames, frames, "duration counted in frames");
    assert_eq!(wav.spec.sample_rate, tone.rate);
    assert_eq!(wav.spec.channels as usize, tone.channels());
    let (bits, fmt) = match format {
        "s16" => (16, hound::SampleFormat::Int),
        "s24" => (24, hound::SampleFormat::Int),
        _ => (32, hound::SampleFormat::Float),
    };
    assert_eq!(
        (wav.spec.bits_per_sample, wav.spec.sample_format),
        (bits, fmt)
    );

    let r = row(&env, &out_path);
    assert_eq!(r["status"], "complete");
    assert_eq!(r["frames"], frames);
    assert_eq!(r["rate"], tone.rate);
    assert_eq!(r["channels"], tone.channels());
    assert_eq!(r["format"], format);
    assert_eq!(r["device"], "fakemic");
    assert_eq!(r["label"], "test tone");
    let doc = &r["doc"];
    assert_eq!(doc["end_reason"], "duration");
    assert_eq!(doc["overruns"]["lost_frames"], 0);
    assert_eq!(doc["dropouts"], Value::Array(vec![]));
    assert_eq!(doc["levels"]["clipped"], 0);
    assert_eq!(doc["levels"]["silent_share"], 0.0);
    assert!(
        (r["seconds"].as_f64().unwrap() - frames as f64 / tone.rate as f64).abs() < 1e-9,
        "{r}"
    );

    for (c, &(freq, _)) in tone.chans.iter().enumerate() {
        let x = &wav.chans[c];
        // Every sample is the source's, in order, from its first frame on.
        assert_same(x, &tone.channel(c, 0, frames), &format!("channel {c}"));
        let hz = zero_crossing_hz(x, tone.rate);
        assert!(
            (hz - freq).abs() <= freq * 0.01,
            "channel {c}: {hz} Hz, expected {freq} Hz"
        );
        let src = tone.channel(c, 0, frames);
        let lv = &doc["levels"]["channels"][c];
        let peak = lv["peak_dbfs"].as_f64().unwrap();
        assert!(
            (peak - peak_db(&src)).abs() <= 0.1,
            "channel {c}: peak {peak} dBFS, source {}",
            peak_db(&src)
        );
        let rms = lv["rms_dbfs"].as_f64().unwrap();
        assert!(
            (rms - rms_db(&src)).abs() <= 0.1,
            "channel {c}: rms {rms} dBFS, source {}",
            rms_db(&src)
        );
        assert!(lv["dc_offset"].as_f64().unwrap().abs() < 1e-3);
    }

    // `show FILE.wav` falls back to the recordings table.
    let shown = env.run(&["show", out_path.to_str().unwrap()]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["status"], "complete");
    assert_eq!(shown["doc"]["levels"], doc["levels"]);
}

/// Panics naming the first frame where `got` leaves `want`, and where in the
/// source that frame came from if it came from anywhere.
fn assert_same(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(n) = (0..got.len()).find(|&n| got[n] != want[n]) {
        let from = (0..want.len().saturating_sub(64))
            .find(|&k| got.len() >= n + 64 && want[k..k + 64] == got[n..n + 64]);
        panic!(
            "{what}: frame {n} is {} where the source has {} (it is source frame {from:?})",
            got[n], want[n]
        );
    }
}

/// `record` from the paced fake mic (48 kHz mono, whole periods) into `format`.
fn record_paced(env: &TestEnv, format: &str, args: &[&str]) -> Output {
    let period = PERIOD.to_string();
    env.cmd()
        .args([
            "record", "-d", "fakemic", "-r", "48000", "-c", "1", "-f", format,
        ])
        .args(["--period", period.as_str()])
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap()
}
