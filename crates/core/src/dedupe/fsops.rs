//! The file operations of dedupe, each safe against a kill at any moment:
//! checking a file against its plan entry, moving it (a rename, or across
//! file systems a copy under a temporary name, synced, renamed into place,
//! checked, and only then the original removed), replacing it with a hard
//! link to the kept copy (a link under a temporary name renamed over it),
//! and restoring a file from the kept copy.
//!
//! Invariants: no operation leaves a path half-written: what appears at a
//! final path was complete before it appeared; a temporary name ends in
//! `.mediadex-part`, `.mediadex-link` or `.mediadex-restore` and is cleared
//! by a rerun.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::Entry;
use crate::atomic_file::sync_dir;
use crate::catalog::files::FileStat;
use crate::sampled;

/// Why a file no longer matches its plan entry, in words, or None if it does.
pub fn differs(path: &Path, e: &Entry) -> Option<String> {
    differs_but_inode(path, e, true)
}

/// [`differs`], with the device and inode compared only if `inode`: a file
/// an undo put back across file systems is the same bytes under a new inode.
pub fn differs_but_inode(path: &Path, e: &Entry, inode: bool) -> Option<String> {
    let md = match fs::symlink_metadata(path) {
        Ok(md) => md,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Some("vanished".into()),
        Err(err) => return Some(format!("cannot be read ({err})")),
    };
    if !md.file_type().is_file() {
        return Some("is no longer a regular file".into());
    }
    let now = FileStat::from_metadata(&md);
    if now.size != e.size {
        return Some(format!(
            "changed size since the plan ({} bytes, planned {})",
            now.size, e.size
        ));
    }
    if now.mtime_ns != e.mtime_ns {
        return Some("was modified since the plan".into());
    }
    if inode && (now.dev, now.ino) != (e.dev, e.inode) {
        return Some("was replaced by another file since the plan".into());
    }
    match sampled::sampled_hash(path) {
        Ok(h) if h == e.sampled => None,
        Ok(_) => Some("changed content since the plan".into()),
        Err(err) => Some(format!("cannot be read ({err})")),
    }
}

/// (device, inode) of a path, not following a final symlink.
pub fn identity(path: &Path) -> io::Result<(u64, u64)> {
    let md = fs::symlink_metadata(path)?;
    Ok((md.dev(), md.ino()))
}

/// Whether something is at `path` (a dangling symlink counts).
pub fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// The temporary name a copy to `dest` is written under.
pub fn part_path(dest: &Path) -> PathBuf {
    with_suffix(dest, ".mediadex-part")
}

/// Move `src` to `dest` (which must not exist), making its directories.
/// Across file systems: copy, sync, rename into place, compare the sampled
/// hashes, then remove `src`.
pub fn move_file(src: &Path, dest: &Path) -> io::Result<()> {
    if exists(dest) {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists already", dest.display()),
        ));
    }
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir)?;
    }
    match fs::rename(src, dest) {
        Ok(()) => {
            sync_dir(dest)?;
            sync_dir(src)
        }
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            copy_into_place(src, dest)?;
            finish_copied_move(src, dest)
        }
        Err(e) => Err(e),
    }
}

/// The last step of a move across file systems, also after a kill: `dest`
/// is whole (it was renamed into place after a sync), so once its sampled
/// hash is `src`'s, `src` goes.
pub fn finish_copied_move(src: &Path, dest: &Path) -> io::Result<()> {
    let (a, b) = (sampled::sampled_hash(src)?, sampled::sampled_hash(dest)?);
    if a != b {
        return Err(io::Error::other(format!(
            "the copy {} differs from {}; both are kept",
            dest.display(),
            src.display()
        )));
    }
    fs::remove_file(src)?;
    sync_dir(src)
}

/// Copy `src` to `dest` under a temporary name beside it, with `src`'s
/// permissions and modification time, synced, then renamed into place.
pub fn copy_into_place(src: &Path, dest: &Path) -> io::Result<()> {
    let part = part_path(dest);
    let result = (|| {
        let _ = fs::remove_file(&part);
        let mut from = File::open(src)?;
        let md = from.metadata()?;
        let mut to = File::create_new(&part)?;
        io::copy(&mut from, &mut to)?;
        to.set_permissions(md.permissions())?;
        to.set_modified(md.modified()?)?;
        to.sync_all()?;
        fs::rename(&part, dest)?;
        sync_dir(dest)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&part);
    }
    result
}

/// Replace `path` with a hard link to `keep`: a link under a temporary name
/// beside `path`, renamed over it. Fails across file systems.
pub fn replace_with_link(keep: &Path, path: &Path) -> io::Result<()> {
    let tmp = with_suffix(path, ".mediadex-link");
    let _ = fs::remove_file(&tmp);
    fs::hard_link(keep, &tmp)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(path)
}

/// Put a copy of `keep` at `path` (replacing a link to it there, if any),
/// with the modification time `mtime_ns`; the copy's sampled hash must be
/// `expect`.
pub fn restore_from(keep: &Path, path: &Path, mtime_ns: i64, expect: &str) -> io::Result<()> {
    let staged = with_suffix(path, ".mediadex-restore");
    copy_into_place(keep, &staged)?;
    let result = (|| {
        let t = std::time::UNIX_EPOCH
            + std::time::Duration::new(
                mtime_ns.div_euclid(1_000_000_000) as u64,
                mtime_ns.rem_euclid(1_000_000_000) as u32,
            );
        let f = File::options().write(true).open(&staged)?;
        f.set_modified(t)?;
        f.sync_all()?;
        if sampled::sampled_hash(&staged)? != expect {
            return Err(io::Error::other(format!(
                "the kept copy {} no longer has the removed file's bytes",
                keep.display()
            )));
        }
        fs::rename(&staged, path)?;
        sync_dir(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&staged);
    }
    result
}

/// Remove `path` and sync its directory.
pub fn delete(path: &Path) -> io::Result<()> {
    fs::remove_file(path)?;
    sync_dir(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &Path) -> Entry {
        let md = fs::metadata(path).unwrap();
        let st = FileStat::from_metadata(&md);
        Entry {
            path: path.display().to_string(),
            path_hex: None,
            size: st.size,
            mtime_ns: st.mtime_ns,
            dev: st.dev,
            inode: st.ino,
            sampled: sampled::sampled_hash(path).unwrap(),
            why: String::new(),
            relation: "duplicate".into(),
            identical: false,
            resolution: None,
            video_codec: None,
            bitrate: None,
            duration_s: None,
        }
    }

    #[test]
    fn a_changed_or_vanished_file_differs_from_its_entry() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.mkv");
        fs::write(&p, vec![5u8; 200_000]).unwrap();
        let e = entry(&p);
        assert_eq!(differs(&p, &e), None);
        fs::write(&p, vec![6u8; 200_000]).unwrap();
        assert!(differs(&p, &e).is_some());
        fs::remove_file(&p).unwrap();
        assert_eq!(differs(&p, &e).as_deref(), Some("vanished"));
    }

    #[test]
    fn moves_links_and_restores_keep_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (keep, dup) = (dir.path().join("keep.mkv"), dir.path().join("dup.mkv"));
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&keep, &bytes).unwrap();
        fs::write(&dup, &bytes).unwrap();
        let e = entry(&dup);
        let dest = dir.path().join("q/sub/dup.mkv");
        move_file(&dup, &dest).unwrap();
        assert!(!exists(&dup) && fs::read(&dest).unwrap() == bytes);
        assert!(move_file(&keep, &dest).is_err(), "never over a file");
        move_file(&dest, &dup).unwrap();
        replace_with_link(&keep, &dup).unwrap();
        assert_eq!(identity(&dup).unwrap(), identity(&keep).unwrap());
        restore_from(&keep, &dup, e.mtime_ns, &e.sampled).unwrap();
        assert_ne!(identity(&dup).unwrap(), identity(&keep).unwrap());
        assert_eq!(fs::read(&dup).unwrap(), bytes);
        let md = fs::metadata(&dup).unwrap();
        assert_eq!(FileStat::from_metadata(&md).mtime_ns, e.mtime_ns);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("mediadex"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
