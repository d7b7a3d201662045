//! Where the media libraries run. GStreamer (probing) and ALSA (recording) live
//! in a second executable, `mediadex-media`, installed beside `mediadex`: loading
//! their shared libraries costs every process about 3 ms, which would more than
//! double the time of a small `query` or `report`. So `mediadex` itself never
//! links them:
//!
//! - a scan's probe workers are `mediadex-media __probe-worker` processes;
//! - `record`, `scan --in-process`, and a worker started as
//!   `mediadex __probe-worker` re-execute the same command line as
//!   `mediadex-media`.
//!
//! `mediadex-media` runs the whole command line like `mediadex` does, after
//! registering its [`Engine`] (see `crate::media`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::cli::RecordArgs;
use crate::commands::Context;
use crate::scan::Job;
use crate::scan::protocol::Done;

/// The file name of the media executable, looked for beside the running one.
pub const MEDIA_EXE: &str = "mediadex-media";

pub type OnDone<'a> = &'a mut dyn FnMut(&Job, Done) -> anyhow::Result<()>;

/// What only the media executable can do.
pub trait Engine: Sync {
    /// Run the probe worker loop on stdin/stdout until stdin closes.
    fn worker(&self, jobs: usize, timeout: Duration) -> anyhow::Result<()>;
    /// Run the fingerprint worker loop (same protocol) until stdin closes.
    fn fingerprint_worker(&self, jobs: usize, timeout: Duration) -> anyhow::Result<()>;
    /// Probe `jobs` in this process, `parallel` at a time.
    fn in_process(
        &self,
        jobs: &[Job],
        parallel: usize,
        timeout: Duration,
        stop: &AtomicBool,
        on_done: OnDone<'_>,
    ) -> anyhow::Result<()>;
    /// `mediadex record`.
    fn record(&self, ctx: &Context, args: RecordArgs) -> anyhow::Result<ExitCode>;
}

static ENGINE: OnceLock<&'static dyn Engine> = OnceLock::new();

pub fn register(engine: &'static dyn Engine) {
    let _ = ENGINE.set(engine);
}

/// The engine of this process: `Some` in `mediadex-media` only.
pub fn get() -> Option<&'static dyn Engine> {
    ENGINE.get().copied()
}

/// The media executable: this one if it is, else `mediadex-media` beside it.
pub fn media_exe() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the running executable: {e}"))?;
    if get().is_some() {
        return Ok(me);
    }
    let exe = me.with_file_name(MEDIA_EXE);
    if !exe.is_file() {
        anyhow::bail!(
            "{} is missing: it probes files for scans and records audio, and belongs beside {} (reinstall mediadex; `cargo install` installs both)",
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
