//! Where probing happens. GStreamer lives in a second executable,
//! `mediadex-probe`, installed beside `mediadex`: loading GStreamer's shared
//! libraries costs every process about 3 ms, which would more than double the time
//! of a small `query` or `report`. So `mediadex` itself never links it:
//!
//! - a scan's probe workers are `mediadex-probe __probe-worker` processes;
//! - `scan --in-process` and a worker started as `mediadex __probe-worker`
//!   re-execute the same command line as `mediadex-probe`.
//!
//! `mediadex-probe` runs the whole command line like `mediadex` does, after
//! registering the GStreamer engine with [`register`].

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::Job;
use super::protocol::Done;

/// The file name of the probing executable, looked for beside the running one.
pub const PROBE_EXE: &str = "mediadex-probe";

pub type OnDone<'a> = &'a mut dyn FnMut(&Job, Done) -> anyhow::Result<()>;

/// The probing side of a scan.
pub trait Engine: Sync {
    /// Run the worker loop on stdin/stdout until stdin closes.
    fn worker(&self, jobs: usize, timeout: Duration) -> anyhow::Result<()>;
    /// Probe `jobs` in this process, `parallel` at a time.
    fn in_process(
        &self,
        jobs: &[Job],
        parallel: usize,
        timeout: Duration,
        stop: &AtomicBool,
        on_done: OnDone<'_>,
    ) -> anyhow::Result<()>;
}

static ENGINE: OnceLock<&'static dyn Engine> = OnceLock::new();

pub fn register(engine: &'static dyn Engine) {
    let _ = ENGINE.set(engine);
}

/// The engine of this process: `Some` in `mediadex-probe` only.
pub fn get() -> Option<&'static dyn Engine> {
    ENGINE.get().copied()
}

/// The executable that probes: this one if it can, else `mediadex-probe` beside it.
pub fn probe_exe() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the running executable: {e}"))?;
    if get().is_some() {
        return Ok(me);
    }
    let exe = me.with_file_name(PROBE_EXE);
    if !exe.is_file() {
        anyhow::bail!(
            "{} is missing: it probes files for scans and belongs beside {} (reinstall mediadex; `cargo install` installs both)",
            exe.display(),
            me.display()
        );
    }
    Ok(exe)
}

/// Replace this process with `mediadex-probe` running the same command line.
/// Returns only on failure.
pub fn exec_probe_exe() -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    let exe = match probe_exe() {
        Ok(exe) => exe,
        Err(e) => return e,
    };
    let err = std::process::Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .exec();
    anyhow::anyhow!("could not run {}: {err}", exe.display())
}
