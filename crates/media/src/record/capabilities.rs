//! `record --list-devices` without hanging: each device's capabilities are read
//! by a child process (`mediadex record --probe-device ID`), a few at a time,
//! each with a deadline.
//!
//! Why processes and not threads: reading capabilities opens the device, and an
//! open can block forever (a stuck USB or Bluetooth device; an ALSA `file`
//! device whose `infile` is a FIFO with no writer). cpal serialises every open
//! behind one process-wide lock (some ALSA plugins are not reentrant), so one
//! stuck open on a thread would hold up every later one in the process; a child
//! that misses its deadline is killed instead, and the listing goes on.
//!
//! Invariants: the listing ends within about the deadline per batch whatever
//! the devices do; every enumerated device is listed, a stuck one marked as
//! such; alsa-lib's own messages never reach the terminal (each child collects
//! them and hands them back with its answer).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::device::{Capabilities, InputDevice};

/// How long one device may take to describe itself.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Devices probed at once.
const PARALLEL: usize = 8;

/// The capabilities of every device, in order, each read in a child process.
pub fn capabilities_all(devices: &[InputDevice]) -> Vec<Capabilities> {
    let mut out: Vec<Option<Capabilities>> = vec![None; devices.len()];
    let exe = std::env::current_exe();
    let mut running: Vec<(usize, Child, Instant)> = Vec::new();
    let mut next = 0;
    while next < devices.len() || !running.is_empty() {
        while running.len() < PARALLEL && next < devices.len() {
            let dev = &devices[next];
            let spawned = exe.as_ref().map_err(|e| e.to_string()).and_then(|exe| {
                Command::new(exe)
                    .args(["record", "--probe-device", &dev.id])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| e.to_string())
            });
            match spawned {
                Ok(child) => running.push((next, child, Instant::now())),
                Err(e) => out[next] = Some(failed(dev, format!("could not start a probe: {e}"))),
            }
            next += 1;
        }
        std::thread::sleep(Duration::from_millis(10));
        running.retain_mut(|(i, child, started)| {
            let dev = &devices[*i];
            match child.try_wait() {
                Ok(Some(_)) => {
                    out[*i] = Some(answer(dev, child));
                    false
                }
                Ok(None) if started.elapsed() < PROBE_TIMEOUT => true,
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let mut c = failed(
                        dev,
                        format!(
                            "did not answer within {} s (stuck opening the device?); skipped",
                            PROBE_TIMEOUT.as_secs()
                        ),
                    );
                    c.timed_out = true;
                    out[*i] = Some(c);
                    false
                }
                Err(e) => {
                    out[*i] = Some(failed(dev, format!("lost its probe: {e}")));
                    false
                }
            }
        });
    }
    out.into_iter()
        .map(|c| c.expect("every device answered or was marked"))
        .collect()
}

/// What a finished child said about `dev`.
fn answer(dev: &InputDevice, child: &mut Child) -> Capabilities {
    let mut text = String::new();
    if let Some(mut so) = child.stdout.take() {
        let _ = so.read_to_string(&mut text);
    }
    match serde_json::from_str::<Capabilities>(&text) {
        Ok(mut c) => {
            // The child knows the device only by id; this process knows whether
            // it is the default.
            c.default = dev.is_default;
            c
        }
        Err(_) => failed(dev, "its probe failed (crashed?)".into()),
    }
}

fn failed(dev: &InputDevice, error: String) -> Capabilities {
    Capabilities::unread(dev, Some(error))
}
