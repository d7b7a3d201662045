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

#[test]
fn sine_440hz_mono_48k_s16_is_exact() {
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    record_and_check(&tone, "2s", 96_000);
}

#[test]
fn stereo_48k_f32_keeps_channels_apart() {
    let tone = Tone::new(48000, Fmt::F32, &[(440.0, 0.5), (1000.0, 0.25)]);
    record_and_check(&tone, "1500ms", 72_000);
}

#[test]
fn mono_44k1_s16() {
    let tone = Tone::new(44100, Fmt::S16, &[(440.0, 0.7)]);
    record_and_check(&tone, "2s", 88_200);
}

#[test]
fn stereo_44k1_s24() {
    let tone = Tone::new(44100, Fmt::S24, &[(440.0, 0.5), (660.0, 0.9)]);
    record_and_check(&tone, "1s", 44_100);
}

#[test]
fn default_output_goes_beside_the_catalog() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S24, &[(440.0, 0.5)]);
    unpaced_mic(&env, &tone, 1.0);
    let out = env.run(&["record", "-t", "250ms", "-r", "48000", "-c", "1", "--json"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let path = PathBuf::from(summary["path"].as_str().unwrap());
    assert_eq!(path.parent().unwrap(), env.path().join("recordings"));
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(name.ends_with("Z.wav") && name.len() == "20260101T000000Z.wav".len());
    // Left to choose, a device that converts anything (like this `plug`) is
    // recorded with 24 bits.
    assert_eq!(summary["format"], "s24");
    let wav = read_wav(&path);
    assert_eq!(wav.frames, 12_000);
    assert_eq!(wav.spec.bits_per_sample, 24);
    assert!(wav.chans[0] == tone.channel(0, 0, 12_000));
    assert_eq!(row(&env, &path)["status"], "complete");
}

#[test]
fn sigint_stops_and_finalizes() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    let feeder = paced_mic(&env, &tone);
    let out_path = env.path().join("live.wav");
    let period = PERIOD.to_string();
    let child = spawn(
        &env,
        &[
            "record",
            "-d",
            "fakemic",
            "-r",
            "48000",
            "-c",
            "1",
            "-f",
            "s16",
            "--period",
            &period,
            "-o",
            out_path.to_str().unwrap(),
        ],
    );
    wait_for("a second of audio on disk", Duration::from_secs(15), || {
        header_frames(&out_path, 1) >= 48_000
    });
    // A live recording is left alone by `repair`.
    let rep = env.run(&["repair", "--json"]);
    assert_eq!(rep.status.code(), Some(0), "{}", stderr(&rep));
    let rep: Value = serde_json::from_slice(&rep.stdout).unwrap();
    assert_eq!(rep[0]["result"], "live");
    assert_eq!(row(&env, &out_path)["status"], "recording");

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = wait_with_timeout(child, Duration::from_secs(15));
    let fed = feeder.written();
    drop(feeder);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));

    let wav = read_wav(&out_path);
    assert!(
        wav.frames >= 48_000 && wav.frames as u64 <= fed,
        "{} frames of {fed}",
        wav.frames
    );
    // Finalized: the header covers exactly the file.
    let len = std::fs::metadata(&out_path).unwrap().len();
    assert_eq!(len, 44 + wav.frames as u64 * 2);
    // Uninterrupted audio: frame n is source frame k0 + n, for every n.
    let x = &wav.chans[0];
    let k0 = source_offset(&tone, 0, x, 48_000);
    assert!(
        *x == tone.channel(0, k0, wav.frames),
        "a frame was lost or altered"
    );

    let r = row(&env, &out_path);
    assert_eq!(r["status"], "complete");
    assert_eq!(r["frames"], wav.frames);
    assert_eq!(r["doc"]["end_reason"], "stopped");
    assert_eq!(r["doc"]["overruns"]["lost_frames"], 0);
}

#[test]
fn sigkill_then_repair_recovers_every_checkpointed_frame() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5), (550.0, 0.25)]);
    let feeder = paced_mic(&env, &tone);
    let out_path = env.path().join("crash.wav");
    let period = PERIOD.to_string();
    let mut child = spawn(
        &env,
        &[
            "record",
            "-d",
            "fakemic",
            "-r",
            "48000",
            "-c",
            "2",
            "-f",
            "s16",
            "--period",
            &period,
            "-o",
            out_path.to_str().unwrap(),
        ],
    );
    // Wait until a checkpoint has put more than two seconds in the catalog.
    wait_for("a checkpoint past 2 s", Duration::from_secs(20), || {
        header_frames(&out_path, 2) >= 96_000 && {
            let q = env.run(&[
                "query",
                &format!(
                    "SELECT frames FROM recordings WHERE path = '{}'",
                    out_path.display()
                ),
                "-f",
                "json",
            ]);
            serde_json::from_slice::<Value>(&q.stdout)
                .ok()
                .and_then(|v| v[0]["frames"].as_u64())
                .is_some_and(|f| f >= 96_000)
        }
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    drop(feeder);

    let checkpointed = row(&env, &out_path)["frames"].as_u64().unwrap();
    let header_before = header_frames(&out_path, 2);
    assert!(header_before >= checkpointed);
    assert_eq!(row(&env, &out_path)["status"], "recording");

    let rep = env.run(&["repair", "--json"]);
    assert_eq!(rep.status.code(), Some(0), "{}", stderr(&rep));
    let rep: Value = serde_json::from_slice(&rep.stdout).unwrap();
    assert_eq!(rep.as_array().unwrap().len(), 1);
    assert_eq!(rep[0]["status"], "recovered");
    assert_eq!(rep[0]["header_frames"], header_before);

    let wav = read_wav(&out_path);
    assert!(
        wav.frames as u64 >= header_before,
        "{} frames after repair, {header_before} at the last checkpoint",
        wav.frames
    );
    let len = std::fs::metadata(&out_path).unwrap().len();
    assert_eq!(len, 44 + wav.frames as u64 * 4, "whole frames only");
    for c in 0..2 {
        let x = &wav.chans[c];
        let k0 = source_offset(&tone, c, x, 48_000);
        assert!(*x == tone.channel(c, k0, wav.frames), "channel {c} altered");
    }

    let r = row(&env, &out_path);
    assert_eq!(r["status"], "recovered");
    assert_eq!(r["frames"], wav.frames);
    assert_eq!(r["doc"]["end_reason"], "crashed");
    let peak = r["doc"]["levels"]["channels"][0]["peak_dbfs"]
        .as_f64()
        .unwrap();
    assert!((peak - 20.0 * 0.5f64.log10()).abs() < 0.1, "{peak}");
    // Nothing left to repair.
    let again = env.run(&["repair", "--json"]);
    assert_eq!(stdout(&again).trim(), "[]");
}

/// Record 48 kHz mono from a paced device with the writer stalled once for
/// `stall_ms`; returns the WAV, the row and the tone.
fn stalled(stall_ms: u64, duration: &str) -> (TestEnv, Wav, Value, Tone) {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    let feeder = paced_mic(&env, &tone);
    let out_path = env.path().join("stall.wav");
    let period = PERIOD.to_string();
    let out = env
        .cmd()
        .env("MEDIADEX_TEST_WRITER_STALL_MS", stall_ms.to_string())
        .args([
            "record",
            "-d",
            "fakemic",
            "-r",
            "48000",
            "-c",
            "1",
            "-f",
            "s16",
            "--period",
            period.as_str(),
            "-t",
            duration,
            "-o",
            out_path.to_str().unwrap(),
        ])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    drop(feeder);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let wav = read_wav(&out_path);
    let r = row(&env, &out_path);
    (env, wav, r, tone)
}

#[test]
fn ring_absorbs_a_500ms_writer_stall() {
    let (_env, wav, r, tone) = stalled(500, "2s");
    assert_eq!(wav.frames, 96_000);
    assert_eq!(r["status"], "complete");
    assert_eq!(r["doc"]["overruns"]["events"], 0);
    assert_eq!(r["doc"]["overruns"]["lost_frames"], 0);
    let x = &wav.chans[0];
    let k0 = source_offset(&tone, 0, x, 48_000);
    assert!(*x == tone.channel(0, k0, wav.frames), "a frame was lost");
}

#[test]
fn longer_stall_counts_overruns_and_keeps_the_timeline() {
    let (_env, wav, r, tone) = stalled(3500, "4s");
    // The duration holds: lost frames are replaced by exactly as much silence.
    assert_eq!(wav.frames, 192_000);
    assert_eq!(r["status"], "complete");
    let doc = &r["doc"];
    let lost = doc["overruns"]["lost_frames"].as_u64().unwrap();
    assert!(doc["overruns"]["events"].as_u64().unwrap() >= 1);
    // A 3.5 s stall against a 2 s ring loses about 1.5 s.
    assert!((48_000..=96_000).contains(&lost), "lost {lost}");
    let dropouts = doc["dropouts"].as_array().unwrap();
    assert!(!dropouts.is_empty());
    let sum: u64 = dropouts.iter().map(|d| d["frames"].as_u64().unwrap()).sum();
    assert_eq!(sum, lost);

    // Outside the dropouts the audio is the source's, on the source's timeline;
    // inside them it is digital silence.
    let x = &wav.chans[0];
    let k0 = source_offset(&tone, 0, x, 48_000);
    let src = tone.channel(0, k0, wav.frames);
    let mut in_gap = vec![false; wav.frames];
    for d in dropouts {
        let at = d["at_frame"].as_u64().unwrap() as usize;
        let n = d["frames"].as_u64().unwrap() as usize;
        in_gap[at..at + n].iter_mut().for_each(|g| *g = true);
    }
    for n in 0..wav.frames {
        if in_gap[n] {
            assert_eq!(x[n], 0.0, "frame {n} in a dropout");
        } else {
            assert_eq!(x[n], src[n], "frame {n} off the source timeline");
        }
    }
}

#[test]
fn silent_device_ends_the_recording_keeping_the_audio() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    // 47 periods (about a second), then nothing, with the FIFO still open.
    let fed = 47 * PERIOD as u64;
    let feeder = paced_mic_until(&env, &tone, fed);
    let out_path = env.path().join("gone.wav");
    let out = record_paced(
        &env,
        "s16",
        &[
            "--device-timeout",
            "1500ms",
            "-o",
            out_path.to_str().unwrap(),
        ],
    );
    drop(feeder);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 2, "summary and error: {err}");
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with("mediadex: error: device fakemic delivered no audio for 1.5 s"),
        "{last}"
    );
    assert!(
        last.contains(&format!("{fed} frames captured were kept")),
        "{last}"
    );

    // Everything that arrived is in a finalized file.
    let wav = read_wav(&out_path);
    assert_eq!(wav.frames as u64, fed);
    assert!(wav.chans[0] == tone.channel(0, 0, fed as usize));
    let r = row(&env, &out_path);
    assert_eq!(r["status"], "failed");
    assert_eq!(r["frames"], fed);
    assert_eq!(r["doc"]["end_reason"], "device_lost");
    assert!(
        r["doc"]["error"]
            .as_str()
            .unwrap()
            .contains("delivered no audio")
    );
}

#[test]
fn unknown_device_lists_the_available_ones() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    unpaced_mic(&env, &tone, 0.5);
    let out = env.run(&["record", "--device", "nosuch", "-t", "1s"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(r#"no input device named "nosuch""#), "{err}");
    assert!(err.contains("available:") && err.contains("fakemic") && err.contains("default"));
    assert!(
        !env.path().join("recordings").exists() || {
            std::fs::read_dir(env.path().join("recordings"))
                .unwrap()
                .next()
                .is_none()
        }
    );
}

#[test]
fn list_devices_marks_the_default() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    unpaced_mic(&env, &tone, 0.5);
    let out = env.run(&["record", "--list-devices", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let defaults: Vec<&Value> = list.iter().filter(|d| d["default"] == true).collect();
    assert_eq!(defaults.len(), 1);
    let mic = list
        .iter()
        .find(|d| d["id"] == "fakemic")
        .expect("fakemic listed");
    assert_eq!(mic["name"], "Fake microphone");
    assert!(
        mic["formats"]
            .as_array()
            .unwrap()
            .contains(&Value::from("i16"))
    );
    assert!(
        mic["channels"]
            .as_array()
            .unwrap()
            .contains(&Value::from(2))
    );
    let rates = mic["rates"].as_array().unwrap();
    assert!(
        rates
            .iter()
            .any(|r| r[0].as_u64().unwrap() <= 48_000 && r[1].as_u64().unwrap() >= 48_000)
    );

    let text = stdout(&env.run(&["record", "--list-devices"]));
    assert!(text.lines().any(|l| l.starts_with("* ")), "{text}");
    assert!(text.contains("fakemic") && text.contains("rates"));
}

#[test]
fn rolls_over_before_the_size_limit() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    unpaced_mic(&env, &tone, 2.5);
    let out_path = env.path().join("long.wav");
    // 40,000 bytes per part = 20,000 mono s16 frames: 2 s makes 5 parts.
    let out = env
        .cmd()
        .env("MEDIADEX_TEST_PART_BYTES", "40000")
        .args([
            "record",
            "-d",
            "fakemic",
            "-r",
            "48000",
            "-c",
            "1",
            "-f",
            "s16",
            "-t",
            "2s",
            "-o",
            out_path.to_str().unwrap(),
            "--json",
        ])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let parts: Vec<PathBuf> = summary["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| PathBuf::from(p.as_str().unwrap()))
        .collect();
    assert_eq!(parts.len(), 5);
    assert_eq!(parts[0], out_path);
    assert_eq!(parts[1], env.path().join("long.part2.wav"));
    let mut joined: Vec<f64> = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let w = read_wav(p);
        assert_eq!(w.frames, if i < 4 { 20_000 } else { 16_000 });
        joined.extend(&w.chans[0]);
        let r = row(&env, p);
        assert_eq!(r["status"], "complete");
        assert_eq!(r["frames"], w.frames);
        assert_eq!(r["doc"]["part"], i + 1);
    }
    assert!(
        joined == tone.channel(0, 0, 96_000),
        "parts join seamlessly"
    );
}

#[test]
fn repair_fixes_any_wav_and_needs_no_catalog() {
    let env = TestEnv::new();
    let path = env.path().join("foreign.wav");
    {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..2000 {
            w.write_sample((i % 100) as i16).unwrap();
        }
        w.finalize().unwrap();
    }
    // Sizes zeroed as by a writer that died, plus half a frame.
    let mut b = std::fs::read(&path).unwrap();
    b[4..8].copy_from_slice(&0u32.to_le_bytes());
    b[40..44].copy_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&[1, 2]);
    std::fs::write(&path, &b).unwrap();

    let out = env.run(&["repair", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(res[0]["result"], "repaired");
    assert_eq!(res[0]["frames"], 1000);
    assert_eq!(res[0]["header_frames"], 0);
    let w = read_wav(&path);
    assert_eq!(w.frames, 1000);
    assert_eq!(w.chans[0][99], 98.0 / 32768.0);
    assert!(!env.db.exists(), "repair FILE must not create a catalog");

    // Not a WAV at all: a clear one-line error, exit 1.
    let junk = env.path().join("junk.wav");
    std::fs::write(&junk, b"not audio").unwrap();
    let out = env.run(&["repair", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("junk.wav") && err.contains("not a WAV"),
        "{err}"
    );
}
