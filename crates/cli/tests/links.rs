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

/// The Cargo side of the same fact: neither this package nor mediadex-core
/// names a media library or the media crate among its dependencies (the
/// registry crates they use do not pull one in: `cargo tree -p mediadex`).
#[test]
fn no_media_dependency_in_the_manifests() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for manifest in ["crates/cli/Cargo.toml", "crates/core/Cargo.toml"] {
        let text = std::fs::read_to_string(root.join(manifest)).unwrap();
        let deps = text
            .split("\n[dependencies]\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{manifest} has a [dependencies] table"));
        let deps = deps.split("\n[").next().unwrap();
        let names: Vec<&str> = deps
            .lines()
            .filter_map(|l| l.split(['.', ' ', '=']).next())
            .filter(|n| !n.is_empty() && !n.starts_with('#'))
            .collect();
        assert!(
            names.len() > 3 && names.contains(&"anyhow"),
            "{manifest}: {names:?}"
        );
        assert!(names.contains(&"mediadex-core") || manifest.contains("core"));
        for name in &names {
            assert!(
                !["gstreamer", "cpal", "alsa", "mediadex-media"]
                    .iter()
                    .any(|m| name.starts_with(m)),
                "{manifest} depends on {name}"
            );
        }
    }
}
