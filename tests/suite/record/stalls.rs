//! A writer held up (the ring absorbs it, or counts the overrun and keeps the
//! timeline) and a device that goes silent.

use super::*;

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
