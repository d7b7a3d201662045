//! Pure tones at the common rates, channel counts and formats, recorded and
//! compared sample by sample with the source.

use super::*;

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

/// `show` on a terminal tells a recording's WAV sample format (not as its
/// container) and the levels measured while it was captured: a sine of
/// amplitude 0.5 peaks at −6.0 dBFS and has an RMS of −9.0 dBFS, one of 0.25
/// −12.0 and −15.1.
#[test]
fn show_tells_a_recordings_format_and_levels() {
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5), (1000.0, 0.25)]);
    let env = TestEnv::new();
    unpaced_mic(&env, &tone, 1.5);
    let wav = env.path().join("take.wav");
    let out = env.run(&[
        "record",
        "--device",
        "fakemic",
        "--duration",
        "1s",
        "--rate",
        "48000",
        "--channels",
        "2",
        "--format",
        "s16",
        "--out",
        wav.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tty = crate::suite::terminal::on_terminal(&env, 200, &["show", wav.to_str().unwrap()]);
    for want in [
        "container  wav, s16 (16-bit integer PCM)",
        "audio      2 ch, 48000 Hz",
        "levels     peak -6.0 dBFS, RMS -9.0 / -15.1 dBFS, clipped 0, silent 0.0 s (0%)",
    ] {
        assert!(tty.contains(want), "{want} in {tty}");
    }
}
