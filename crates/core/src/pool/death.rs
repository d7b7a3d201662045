//! Why a probe worker died, as far as the parent can tell, and how much of it
//! can be blamed on the file it was probing.
//!
//! A parser that dereferences garbage raises SIGSEGV, SIGBUS, SIGFPE or SIGILL
//! itself, and a failed assertion SIGABRT: such a death while one file is probed
//! alone is evidence against that file. A SIGKILL is what the OOM killer, a
//! watchdog or an administrator sends; when the worker's resident memory was
//! far below what the machine (or its cgroup) allows, memory cannot have been
//! the reason, so the kill came from outside and blames nobody. Anything else
//! (a SIGKILL near the memory limit, an unexpected exit status) is ambiguous:
//! it convicts a file only when it happens twice with that file alone.

use std::process::ExitStatus;

use nix::sys::signal::Signal;

/// A worker counts as "far below" the memory limit under this fraction of it.
const FAR_BELOW: u64 = 4;

/// What a worker's death says about the file(s) it was probing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// A signal a parser raises itself: one death alone convicts.
    Parser,
    /// Killed from outside (a SIGKILL or SIGTERM far below the memory limit): nobody.
    Outside,
    /// Could be the file: two deaths alone convict.
    Ambiguous,
}

/// The verdict on one death, with the text stored for a convicted file.
#[derive(Debug, Clone)]
pub struct Death {
    pub blame: Blame,
    /// The signal's name, or the exit status.
    pub cause: String,
    pub text: String,
}

/// Judge a worker's exit. `rss` is its resident memory when last looked at,
/// `limit` what the machine allows (see [`memory_limit`]).
pub fn judge(status: std::io::Result<ExitStatus>, rss: u64, limit: u64) -> Death {
    use std::os::unix::process::ExitStatusExt;
    let st = match status {
        Ok(st) => st,
        Err(e) => {
            return Death {
                blame: Blame::Ambiguous,
                cause: e.to_string(),
                text: format!("the probe died: {e}"),
            };
        }
    };
    let Some(sig) = st.signal() else {
        return Death {
            blame: Blame::Ambiguous,
            cause: st.to_string(),
            text: format!("the probe exited unexpectedly ({st})"),
        };
    };
    let signal = Signal::try_from(sig).ok();
    let name = signal.map_or("?", |s| s.as_str());
    let text = format!("the probe crashed (signal {sig}, {name})");
    let blame = match signal {
        Some(
            Signal::SIGSEGV | Signal::SIGABRT | Signal::SIGBUS | Signal::SIGFPE | Signal::SIGILL,
        ) => Blame::Parser,
        Some(Signal::SIGKILL | Signal::SIGTERM | Signal::SIGINT | Signal::SIGHUP)
            if rss.saturating_mul(FAR_BELOW) < limit =>
        {
            Blame::Outside
        }
        _ => Blame::Ambiguous,
    };
    Death {
        blame,
        cause: name.to_string(),
        text,
    }
}

/// Resident memory of process `pid` in bytes (0 when it cannot be read).
pub fn rss_of(pid: u32) -> u64 {
    let Ok(statm) = std::fs::read_to_string(format!("/proc/{pid}/statm")) else {
        return 0;
    };
    let pages: u64 = statm
        .split_ascii_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page.max(4096) as u64
}

/// The memory this process may use: the machine's, or its cgroup's limit when
/// that is lower (a container's OOM killer acts at the cgroup limit).
pub fn memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(u64::MAX, |kb| kb * 1024);
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("0::"))
                .map(str::to_string)
        })
        .and_then(|rel| {
            std::fs::read_to_string(format!("/sys/fs/cgroup{}/memory.max", rel.trim())).ok()
        })
        .and_then(|v| v.trim().parse::<u64>().ok());
    cgroup.map_or(total, |c| c.min(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    fn by_signal(sig: i32) -> std::io::Result<ExitStatus> {
        Ok(ExitStatus::from_raw(sig))
    }

    #[test]
    fn signals_are_judged_by_who_raises_them() {
        let gib = 1 << 30;
        let j = |sig, rss| judge(by_signal(sig), rss, 8 * gib).blame;
        assert_eq!(j(libc::SIGSEGV, 0), Blame::Parser);
        assert_eq!(j(libc::SIGABRT, 7 * gib), Blame::Parser);
        assert_eq!(j(libc::SIGKILL, 100 << 20), Blame::Outside);
        assert_eq!(j(libc::SIGKILL, 7 * gib), Blame::Ambiguous);
        assert_eq!(j(libc::SIGUSR1, 0), Blame::Ambiguous);
        let exited = judge(Ok(ExitStatus::from_raw(1 << 8)), 0, 8 * gib);
        assert_eq!(exited.blame, Blame::Ambiguous);
        assert!(
            judge(by_signal(libc::SIGKILL), 0, gib)
                .text
                .contains("SIGKILL")
        );
    }

    #[test]
    fn this_process_has_memory_and_a_limit() {
        assert!(rss_of(std::process::id()) > 0);
        assert!(memory_limit() > 1 << 20);
    }
}
