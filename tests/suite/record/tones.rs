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
