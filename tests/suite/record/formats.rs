//! Formats and timelines: every device sample format into every WAV format,
//! unpaced and paced, compared sample by sample with the source; and a device
//! that stalls, whose gap is measured by its own clock.

use super::*;

/// Every device format into every file format, unpaced: the device delivers
/// far faster than real time, which once lost 240-frame chunks whenever the
/// two formats differed.
#[test]
fn every_device_format_into_every_file_format_is_exact() {
    for dev in [Fmt::S16, Fmt::S32, Fmt::F32] {
        for file in ["s16", "s24", "f32"] {
            let tone = Tone::new(48000, dev, &[(440.0, 0.5)]).grid16();
            eprintln!("device {dev:?} into {file}");
            record_as(&tone, file, "500ms", 24_000);
        }
    }
}

/// The same matrix paced at real time (all at once, each from its own FIFO).
#[test]
fn every_format_pair_paced_is_exact() {
    let mut runs = Vec::new();
    for dev in [Fmt::S16, Fmt::S32, Fmt::F32] {
        for file in ["s16", "s24", "f32"] {
            runs.push(std::thread::spawn(move || paced_take(dev, file)));
        }
    }
    let failed: Vec<String> = runs
        .into_iter()
        .filter_map(|h| h.join().err())
        .map(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "panic".into())
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Half a second from a paced `dev` device into `file`, checked sample by sample.
fn paced_take(dev: Fmt, file: &str) {
    let what = format!("device {dev:?} into {file}, paced");
    let env = TestEnv::new();
    let tone = Tone::new(48000, dev, &[(440.0, 0.5)]).grid16();
    let feeder = paced_mic(&env, &tone);
    let out_path = env.path().join("paced.wav");
    let out = record_paced(
        &env,
        file,
        &["-t", "500ms", "-o", out_path.to_str().unwrap()],
    );
    drop(feeder);
    assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
    let wav = read_wav(&out_path);
    assert_same(&wav.chans[0], &tone.channel(0, 0, 24_000), &what);
    let doc = &row(&env, &out_path)["doc"];
    assert_eq!(doc["dropouts"], Value::Array(vec![]), "{what}");
}

/// A device that stalls (its clock runs on, no frames come) and then goes on:
/// the stall is measured by the device's timestamps and kept as silence of
/// that length, cause `device_gap`, with the audio on either side intact.
#[test]
fn a_stalled_device_leaves_a_measured_gap() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    let fifo = env.path().join("mic.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    fake_mic(&env, &fifo, &tone);
    let stall_at = 24 * PERIOD as u64;
    let stall = Duration::from_millis(600);
    let feeder = Feeder::start(&fifo, &tone, 60 * 48_000, Some((stall_at, stall)));
    let out_path = env.path().join("stall.wav");
    let out = record_paced(
        &env,
        "s16",
        &["-t", "2s", "--json", "-o", out_path.to_str().unwrap()],
    );
    drop(feeder);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped audio 1 time(s) by its own clock"),
        "{}",
        stderr(&out)
    );
    let wav = read_wav(&out_path);
    assert_eq!(wav.frames, 96_000);
    let doc = &row(&env, &out_path)["doc"];
    let drops = doc["dropouts"].as_array().unwrap();
    assert_eq!(drops.len(), 1, "{doc}");
    assert_eq!(drops[0]["cause"], "device_gap");
    let at = drops[0]["at_frame"].as_u64().unwrap() as usize;
    let n = drops[0]["frames"].as_u64().unwrap() as usize;
    eprintln!("stall of {stall:?} after frame {stall_at}: gap of {n} frames at {at}");
    // Where: at the stall, or a period after it (the fake device stamps a read
    // before it blocks). How long: the stall, give or take scheduling.
    let p = PERIOD;
    assert!(
        (stall_at as usize..=stall_at as usize + 2 * p).contains(&at),
        "gap at {at}"
    );
    assert!(
        (24_000..=33_600).contains(&n),
        "gap of {n} frames for a 600 ms stall"
    );
    assert_eq!(doc["device_gaps"]["lost_frames"], n);
    assert_eq!(doc["overruns"]["lost_frames"], 0);
    let x = &wav.chans[0];
    assert_same(&x[..at], &tone.channel(0, 0, at), "before the gap");
    assert!(
        x[at..at + n].iter().all(|&v| v == 0.0),
        "silence in the gap"
    );
    assert_same(
        &x[at + n..],
        &tone.channel(0, at as u64, 96_000 - at - n),
        "after the gap",
    );
}
