//! Files replaced atomically: written under a temporary name in the target's
//! own directory, flushed and fsynced, renamed over the target, and the
//! directory fsynced so the rename itself survives a power cut.
//!
//! Invariants: at every instant the target is absent or a complete version
//! (the previous one or the new one), never a partial file; a temporary file is
//! removed when writing fails or is abandoned (dropped without `commit`); one
//! killed mid-write (SIGKILL, power cut) is left behind under a recognisable
//! name, `.NAME.mediadex-tmp`, which [`remove_stale_temps`] deletes.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The suffix of every temporary file this module creates.
pub const TEMP_SUFFIX: &str = ".mediadex-tmp";

/// The temporary name for `target`: `dir/.NAME.mediadex-tmp`.
pub fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}{TEMP_SUFFIX}"))
}

/// A file being written that replaces its target only on [`AtomicFile::commit`].
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Start writing a new version of `target` (its directory must exist).
    /// Only one writer per target may run at a time (callers hold a lock).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let temp = temp_path(target);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            out: Some(BufWriter::with_capacity(256 * 1024, file)),
        })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    pub fn temp(&self) -> &Path {
        &self.temp
    }

    /// Flush and fsync the temporary file, without replacing the target yet.
    pub fn sync(&mut self) -> io::Result<()> {
        let out = self.out.as_mut().expect("not committed");
        out.flush()?;
        out.get_ref().sync_all()
    }

    /// Make the new version the target: fsync, rename, fsync the directory.
    pub fn commit(mut self) -> io::Result<()> {
        self.sync()?;
        drop(self.out.take());
        std::fs::rename(&self.temp, &self.target)?;
        sync_dir(&self.target)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.as_mut().expect("not committed").write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.as_mut().expect("not committed").write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.as_mut().expect("not committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// fsync the directory holding `path`, so a rename in it is durable.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// Write `bytes` as the new version of `target`.
pub fn write(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(target)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Delete temporary files left in `dir` by a writer that was killed. Only
/// call this while holding the lock that keeps other writers out of `dir`.
/// Returns how many were removed.
pub fn remove_stale_temps(dir: &Path) -> io::Result<usize> {
    let mut n = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(TEMP_SUFFIX) && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        write(&target, b"old").unwrap();
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"half").unwrap();
            f.sync().unwrap();
            assert!(temp_path(&target).exists());
            assert_eq!(std::fs::read(&target).unwrap(), b"old");
            // Dropped without commit: abandoned.
        }
        assert!(!temp_path(&target).exists());
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        write(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        std::fs::write(temp_path(&target), b"stale").unwrap();
        std::fs::write(dir.path().join(".keep-me"), b"x").unwrap();
        assert_eq!(remove_stale_temps(dir.path()).unwrap(), 1);
        assert!(dir.path().join(".keep-me").exists());
    }
}
