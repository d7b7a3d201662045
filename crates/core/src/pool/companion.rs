//! The companion executable, `mediadex-media` (crates/media): the only one that
//! links GStreamer (probing, keyframe decoding) and ALSA (recording). Loading
//! their shared libraries costs every process about 3 ms, which would more than
//! double the time of a small `query` or `report`, so `mediadex` never links
//! them; that is a Cargo fact (this crate does not depend on them), not a
//! linker accident.
//!
//! - a scan's probe workers are `mediadex-media __probe-worker` processes, and a
//!   fingerprint run's are `mediadex-media __fingerprint-worker`;
//! - `record`, `scan --in-process`, and the worker verbs given to `mediadex`
//!   re-execute the same command line as `mediadex-media`.

use std::path::PathBuf;

/// The file name of the media executable, looked for beside the running one.
pub const MEDIA_EXE: &str = "mediadex-media";

/// The media executable: this one if it is, else `mediadex-media` beside it.
pub fn media_exe() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the running executable: {e}"))?;
    if me
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(MEDIA_EXE))
    {
        return Ok(me);
    }
    let exe = me.with_file_name(MEDIA_EXE);
    if !exe.is_file() {
        anyhow::bail!(
            "{} is missing: it probes files for scans and records audio, and belongs beside {} (reinstall mediadex; see README.md, Install)",
            exe.display(),
            me.display()
        );
    }
    Ok(exe)
}

/// Replace this process with `mediadex-media` running the same command line.
/// Returns only on failure.
pub fn exec_media_exe() -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    let exe = match media_exe() {
        Ok(exe) => exe,
        Err(e) => return e,
    };
    let err = std::process::Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .exec();
    anyhow::anyhow!("could not run {}: {err}", exe.display())
}
