//! Part files: rollover before the size limit, and `repair` of any WAV file
//! without a catalog.

use super::*;

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
