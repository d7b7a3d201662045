//! The shared libraries an executable asks the dynamic loader for (`readelf -d`),
//! for the link tests of both executables.

use std::path::Path;

pub fn needed_libs(exe: &Path) -> Vec<String> {
    let out = std::process::Command::new("readelf")
        .arg("-d")
        .arg(exe)
        .output()
        .expect("run readelf (binutils)");
    assert!(out.status.success(), "readelf -d {}", exe.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| l.split('[').nth(1))
        .map(|l| l.trim_end_matches(']').to_string())
        .collect()
}

/// Libraries that cost a process about 3 ms to load: more than a small query takes.
pub fn heavy(lib: &str) -> bool {
    ["libgst", "libglib", "libgobject", "libasound"]
        .iter()
        .any(|p| lib.starts_with(p))
}
