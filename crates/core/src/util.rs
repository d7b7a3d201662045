//! Small shared helpers: lossless path bytes, display text for any name, UTC
//! timestamps and the host name that identifies this machine's rows.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The exact bytes of a path (Unix paths are arbitrary bytes, not text).
pub fn path_bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

/// Rebuild a path from its stored bytes.
pub fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(bytes))
}

/// Display text for a name: valid UTF-8 is kept as is, every invalid byte becomes
/// `\xNN`, so two different names never look the same by accident of `U+FFFD`.
pub fn display_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// What makes a path one no file can have (a catalog or a dump may hold
/// one: a loaded row, a hand-edited dump).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathFlaw {
    Empty,
    Nul,
    Relative,
}

/// The flaw of `bytes` as a path, if any.
pub fn path_flaw(bytes: &[u8]) -> Option<PathFlaw> {
    if bytes.is_empty() {
        Some(PathFlaw::Empty)
    } else if bytes.contains(&0) {
        Some(PathFlaw::Nul)
    } else if bytes[0] != b'/' {
        Some(PathFlaw::Relative)
    } else {
        None
    }
}

/// The catalog paths a verb's PATH arguments select: each as an absolute
/// path's bytes, without a trailing slash. [`is_under`] tells the files in
/// them; no PATH selects every file.
#[derive(Debug, Clone, Default)]
pub struct Under(Vec<Vec<u8>>);

impl Under {
    pub fn new(paths: &[PathBuf]) -> Under {
        Under(
            paths
                .iter()
                .map(|p| {
                    let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
                    let mut b = path_bytes(&abs).to_vec();
                    while b.len() > 1 && b.ends_with(b"/") {
                        b.pop();
                    }
                    b
                })
                .collect(),
        )
    }

    /// `path` is one of the paths or inside one of them (or there are none).
    pub fn holds(&self, path: &[u8]) -> bool {
        self.0.is_empty()
            || self.0.iter().any(|p| {
                path == p.as_slice()
                    || (path.starts_with(p)
                        && (p.ends_with(b"/") || path.get(p.len()) == Some(&b'/')))
            })
    }
}

pub fn display_path(path: &Path) -> String {
    display_bytes(path_bytes(path))
}

/// Now, in UTC, as ISO-8601 with milliseconds: `2026-11-24T05:11:00.123Z`.
pub fn now_utc() -> String {
    format_timestamp(jiff::Timestamp::now())
}

pub fn format_timestamp(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The name rows from this machine are stored under (`$MEDIADEX_HOST` overrides).
pub fn host_name() -> String {
    if let Ok(h) = std::env::var("MEDIADEX_HOST")
        && !h.is_empty()
    {
        return h;
    }
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// `path` as a shell reads it back as one word: bare when it holds only
/// characters no shell treats specially, else in single quotes, an embedded
/// single quote written `'\''`.
pub fn shell_quote(path: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c);
    if !path.is_empty() && path.chars().all(plain) {
        return path.to_string();
    }
    format!("'{}'", path.replace('\'', r"'\''"))
}

/// Whether the catalog path was chosen by the user (`$MEDIADEX_DB`), not the
/// default location that mediadex creates on first use.
pub fn db_from_env() -> bool {
    std::env::var_os("MEDIADEX_DB").is_some_and(|p| !p.is_empty())
}

/// The default catalog path: `$MEDIADEX_DB`, else `$XDG_DATA_HOME/mediadex/catalog.db`,
/// else `~/.local/share/mediadex/catalog.db`.
pub fn default_db_path() -> PathBuf {
    if let Some(p) = std::env::var_os("MEDIADEX_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("mediadex").join("catalog.db")
}

/// Write one line to stderr in a single `write` call, so that output of other
/// processes sharing the terminal (`scan --json | jq`) cannot land inside it.
pub fn say(line: &str) {
    use std::io::Write;
    let mut buf = String::with_capacity(line.len() + 1);
    buf.push_str(line);
    buf.push('\n');
    let _ = std::io::stderr().lock().write_all(buf.as_bytes());
}

/// Seconds as `h:mm:ss` (or `m:ss` under an hour).
pub fn hms(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Bytes in binary units: `1.5 GiB`.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", UNITS[i])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// A writer that passes bytes through and keeps their sha256 (of what was
/// accepted, so a short write hashes only what went out).
pub struct Sha256Writer<W: std::io::Write> {
    inner: W,
    hash: sha2::Sha256,
}

impl<W: std::io::Write> Sha256Writer<W> {
    pub fn new(inner: W) -> Sha256Writer<W> {
        use sha2::Digest;
        Sha256Writer {
            inner,
            hash: sha2::Sha256::new(),
        }
    }

    /// The hex sha256 of what passed through.
    pub fn finish(self) -> String {
        use sha2::Digest;
        hex::encode(self.hash.finalize())
    }
}

impl<W: std::io::Write> std::io::Write for Sha256Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Bytes as standard base64 with padding (RFC 4648), for `data:` URIs.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_escapes_invalid_bytes_only() {
        assert_eq!(display_bytes(b"a/\xFFb\xc3\xbc.mkv"), "a/\\xFFb\u{fc}.mkv");
        assert_eq!(display_bytes("plain #%.mp4".as_bytes()), "plain #%.mp4");
    }

    #[test]
    fn path_bytes_round_trip() {
        let raw = b"/tmp/x\xFF\xFE y.mp4";
        assert_eq!(path_bytes(&path_from_bytes(raw)), raw);
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("/a/b_c-1.mkv"), "/a/b_c-1.mkv");
        assert_eq!(shell_quote("/a/Big Buck (2008)"), "'/a/Big Buck (2008)'");
        assert_eq!(shell_quote("/a/it's"), r"'/a/it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn human_units() {
        assert_eq!(hms(3725.4), "1:02:05");
        assert_eq!(hms(65.0), "1:05");
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(512.0), "512 B");
    }

    #[test]
    fn base64_is_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xd8, 0xff]), "/9j/");
    }
}
