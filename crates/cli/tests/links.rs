//! `mediadex` links neither GStreamer nor ALSA: its package depends on
//! mediadex-core alone, and this checks what the linker made of that.

#[path = "../../../tests/needed.rs"]
mod needed;

#[test]
fn mediadex_loads_no_media_library() {
    let libs = needed::needed_libs(env!("CARGO_BIN_EXE_mediadex").as_ref());
    assert!(libs.iter().any(|l| l.starts_with("libc.so")), "{libs:?}");
    let heavy: Vec<_> = libs.iter().filter(|l| needed::heavy(l)).collect();
    assert!(heavy.is_empty(), "mediadex links {heavy:?}");
}
