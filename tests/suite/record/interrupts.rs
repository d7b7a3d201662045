//! Where a recording goes by default, and how it ends when it is stopped:
//! SIGINT finalizes the file; after SIGKILL, `repair` recovers every
//! checkpointed frame.

use super::*;

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
