//! Writing a dump: the header, every table from one read snapshot, the trailer.

use std::io::Write;

use rusqlite::Transaction;
use serde::Serialize;

use super::lines::*;
use super::*;
use crate::catalog::Catalog;
use crate::catalog::thumbnails::Thumbnail;
use crate::catalog::trailer::Trailer;
use crate::util;

/// Serialize `line` with `type` first and the raw JSON fields `extra` last.
pub(super) fn write_line<T: Serialize>(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    kind: &str,
    line: &T,
    extra: &[(&str, &str)],
) -> std::io::Result<()> {
    buf.clear();
    serde_json::to_writer(&mut *buf, line)?;
    // `buf` holds `{...}` with at least one field: put its inside after `type`.
    out.write_all(b"{\"type\":")?;
    serde_json::to_writer(&mut *out, kind)?;
    out.write_all(b",")?;
    out.write_all(&buf[1..buf.len() - 1])?;
    // A raw field with nothing in it (a file never checked) is left out.
    for (k, v) in extra.iter().filter(|(_, v)| *v != "null") {
        out.write_all(b",")?;
        serde_json::to_writer(&mut *out, k)?;
        out.write_all(b":")?;
        out.write_all(v.as_bytes())?;
    }
    out.write_all(b"}\n")
}

/// Write one `kind` line per row of `sql`; `line` maps a row to the line's
/// fields, and each of `raw_keys` takes the stored JSON text of the column of
/// that name. Returns the row count.
pub(super) fn write_table<T: Serialize>(
    tx: &Transaction,
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    kind: &str,
    raw_keys: &[&str],
    sql: &str,
    line: impl Fn(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Result<u64, DumpError> {
    let mut stmt = tx.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let fields = line(r)?;
        let raw: Vec<String> = raw_keys
            .iter()
            .map(|k| r.get_ref(*k).map(json_text))
            .collect::<rusqlite::Result<_>>()?;
        let extra: Vec<(&str, &str)> = raw_keys
            .iter()
            .copied()
            .zip(raw.iter().map(String::as_str))
            .collect();
        write_line(out, buf, kind, &fields, &extra)?;
        n += 1;
    }
    Ok(n)
}

/// Write the whole catalog to `out` as JSON Lines, from one read snapshot.
pub fn dump(
    cat: &Catalog,
    out: &mut dyn Write,
    generated_at: &str,
) -> Result<DumpCounts, DumpError> {
    let header = Header {
        kind: "header".into(),
        format: DUMP_FORMAT.into(),
        dump_version: DUMP_VERSION,
        tool: "mediadex".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema_version: cat.schema_version()?,
        generated_at: generated_at.into(),
        catalog: cat.path.display().to_string(),
    };
    serde_json::to_writer(&mut *out, &header).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;

    let tx = cat.conn.unchecked_transaction()?;
    let mut buf = Vec::with_capacity(4096);
    let top = out;
    let mut hashing = util::Sha256Writer::new(&mut *top);
    let out = &mut hashing;
    let scans = scans(&tx, out, &mut buf)?;
    let media = media(&tx, out, &mut buf)?;
    let recordings = recordings(&tx, out, &mut buf)?;
    let roots = roots(&tx, out, &mut buf)?;
    let history = history(&tx, out, &mut buf)?;
    let fingerprints = fingerprints(&tx, out, &mut buf)?;
    let not_duplicates = not_duplicates(&tx, out, &mut buf)?;
    let counts = DumpCounts {
        scans,
        media,
        recordings,
        roots,
        history,
        fingerprints,
        not_duplicates,
    };
    tx.commit()?;
    let trailer = Trailer::new(counts, hashing.finish());
    serde_json::to_writer(&mut *top, &trailer).map_err(std::io::Error::from)?;
    top.write_all(b"\n")?;
    top.flush()?;
    Ok(counts)
}

/// The `scan` lines: every scan row.
fn scans(tx: &Transaction, out: &mut dyn Write, buf: &mut Vec<u8>) -> Result<u64, DumpError> {
    write_table(
        tx,
        out,
        buf,
        "scan",
        &["roots"],
        "SELECT host, started_at, finished_at, status, roots, seen, new, changed, unchanged,
                missing, failed, probed, elapsed_s, offline, unreadable
         FROM scans ORDER BY host, started_at, id",
        |r| {
            let line = ScanLine {
                host: r.get("host")?,
                started_at: r.get("started_at")?,
                finished_at: r.get("finished_at")?,
                status: r.get("status")?,
                seen: r.get("seen")?,
                new: r.get("new")?,
                changed: r.get("changed")?,
                unchanged: r.get("unchanged")?,
                missing: r.get("missing")?,
                failed: r.get("failed")?,
                probed: r.get("probed")?,
                elapsed_s: r.get("elapsed_s")?,
                offline: json_list(r.get("offline")?),
                unreadable: json_list(r.get("unreadable")?),
            };
            Ok(line)
        },
    )
}

/// The `media` lines: every file row with its document.
fn media(tx: &Transaction, out: &mut dyn Write, buf: &mut Vec<u8>) -> Result<u64, DumpError> {
    write_table(
        tx,
        out,
        buf,
        "media",
        &["doc", "health"],
        "SELECT f.host, f.path, f.path_bytes, f.root, f.dev, f.ino, f.size, f.mtime_ns, f.status,
                f.error, f.first_seen, coalesce(fs.last_seen, f.first_seen) AS last_seen, f.probed_at,
                f.probe_ms, s.started_at AS scan, coalesce(d.doc, '{}') AS doc,
                CASE WHEN h.file_id IS NOT NULL THEN json_object(
                    'size', h.size, 'mtime_ns', h.mtime_ns, 'level', h.level, 'status', h.status,
                    'health', h.health, 'class', h.class, 'first_error_s', h.first_error_s,
                    'errors', h.errors, 'affected_share', h.affected_share, 'detail', h.detail,
                    'checked_at', h.checked_at, 'ms', h.ms) END AS health
         FROM files f
         LEFT JOIN file_seen fs ON fs.file_id = f.id
         LEFT JOIN docs d ON d.file_id = f.id
         LEFT JOIN health h ON h.file_id = f.id
         LEFT JOIN scans s ON s.id = f.scan_id AND s.host = f.host
         ORDER BY f.host, f.path_bytes",
        |r| {
            let path: String = r.get("path")?;
            let bytes = raw_bytes(r.get_ref("path_bytes")?);
            let line = MediaLine {
                host: r.get("host")?,
                path_hex: path_hex(&path, bytes),
                path,
                root: r.get("root")?,
                dev: r.get("dev")?,
                ino: r.get("ino")?,
                size: r.get("size")?,
                mtime_ns: r.get("mtime_ns")?,
                status: r.get("status")?,
                error: r.get("error")?,
                first_seen: r.get("first_seen")?,
                last_seen: r.get("last_seen")?,
                probed_at: r.get("probed_at")?,
                probe_ms: r.get("probe_ms")?,
                scan: r.get("scan")?,
            };
            Ok(line)
        },
    )
}

/// The `recording` lines.
fn recordings(tx: &Transaction, out: &mut dyn Write, buf: &mut Vec<u8>) -> Result<u64, DumpError> {
    write_table(
        tx,
        out,
        buf,
        "recording",
        &["doc"],
        "SELECT host, path, path_bytes, status, device, started_at, ended_at, frames, seconds,
                rate, channels, format, label, doc
         FROM recordings ORDER BY host, path_bytes",
        |r| {
            let path: String = r.get("path")?;
            let bytes = raw_bytes(r.get_ref("path_bytes")?);
            let line = RecordingLine {
                host: r.get("host")?,
                path_hex: path_hex(&path, bytes),
                path,
                status: r.get("status")?,
                device: r.get("device")?,
                started_at: r.get("started_at")?,
                ended_at: r.get("ended_at")?,
                frames: r.get("frames")?,
                seconds: r.get("seconds")?,
                rate: r.get("rate")?,
                channels: r.get("channels")?,
                format: r.get("format")?,
                label: r.get("label")?,
            };
            Ok(line)
        },
    )
}

/// The `root` lines: each walked root with its device.
fn roots(tx: &Transaction, out: &mut dyn Write, buf: &mut Vec<u8>) -> Result<u64, DumpError> {
    write_table(
        tx,
        out,
        buf,
        "root",
        &[],
        "SELECT host, path, dev, walked_at FROM roots ORDER BY host, path",
        |r| {
            Ok(RootLine {
                host: r.get("host")?,
                path: r.get("path")?,
                dev: r.get("dev")?,
                walked_at: r.get("walked_at")?,
            })
        },
    )
}

/// The `history` lines: one per export day.
fn history(tx: &Transaction, out: &mut dyn Write, buf: &mut Vec<u8>) -> Result<u64, DumpError> {
    write_table(
        tx,
        out,
        buf,
        "history",
        &["by_status", "by_codec", "by_resolution"],
        "SELECT day, files, bytes, seconds, by_status, by_codec, by_resolution
         FROM history ORDER BY day",
        |r| {
            Ok(HistoryLine {
                day: r.get("day")?,
                files: r.get("files")?,
                bytes: r.get("bytes")?,
                seconds: r.get("seconds")?,
            })
        },
    )
}

/// The `fingerprint` lines, with each file's hashes and thumbnail.
fn fingerprints(
    tx: &Transaction,
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
) -> Result<u64, DumpError> {
    write_table(
        tx,
        out,
        buf,
        "fingerprint",
        &["hashes"],
        "SELECT f.host, f.path, f.path_bytes, fp.version, fp.size, fp.mtime_ns, fp.status,
                fp.error, fp.duration_s, fp.fingerprinted_at, fp.ms,
                (SELECT json_group_array(json_array(t_ms, hash, quality))
                 FROM (SELECT t_ms, hash, quality FROM fingerprint_frames
                       WHERE file_id = fp.file_id ORDER BY t_ms)) AS hashes,
                t.jpeg AS thumb_jpeg, t.width AS thumb_width, t.height AS thumb_height,
                t.t_ms AS thumb_t_ms
         FROM fingerprints fp JOIN files f ON f.id = fp.file_id
              LEFT JOIN thumbnails t ON t.file_id = fp.file_id
         ORDER BY f.host, f.path_bytes",
        |r| {
            let path: String = r.get("path")?;
            let bytes = raw_bytes(r.get_ref("path_bytes")?);
            Ok(FingerprintLine {
                host: r.get("host")?,
                path_hex: path_hex(&path, bytes),
                path,
                version: r.get("version")?,
                size: r.get("size")?,
                mtime_ns: r.get("mtime_ns")?,
                status: r.get("status")?,
                error: r.get("error")?,
                duration_s: r.get("duration_s")?,
                fingerprinted_at: r.get("fingerprinted_at")?,
                ms: r.get("ms")?,
                thumbnail: match r.get::<_, Option<Vec<u8>>>("thumb_jpeg")? {
                    Some(jpeg) => Some(Thumbnail {
                        jpeg,
                        width: r.get("thumb_width")?,
                        height: r.get("thumb_height")?,
                        t_ms: r.get("thumb_t_ms")?,
                    }),
                    None => None,
                },
            })
        },
    )
}

/// The `not-duplicate` lines: every "not the same video" decision.
fn not_duplicates(
    tx: &Transaction,
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
) -> Result<u64, DumpError> {
    write_table(
        tx,
        out,
        buf,
        "not-duplicate",
        &[],
        "SELECT a, b, a_path, b_path, decided_at FROM not_duplicates ORDER BY a, b",
        |r| {
            Ok(NotDuplicateLine {
                a: r.get("a")?,
                b: r.get("b")?,
                a_path: r.get("a_path")?,
                b_path: r.get("b_path")?,
                decided_at: r.get("decided_at")?,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::dump::merge::freshness;

    #[test]
    fn lines_put_type_first_and_raw_json_last() {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        let line = RecordingLine {
            host: "h".into(),
            path: "/a".into(),
            path_hex: path_hex("/a\\xFF", b"/a\xFF"),
            status: "complete".into(),
            device: None,
            started_at: "t".into(),
            ended_at: None,
            frames: 1,
            seconds: 0.5,
            rate: 48000,
            channels: 1,
            format: "s16".into(),
            label: None,
        };
        write_line(
            &mut out,
            &mut buf,
            "recording",
            &line,
            &[("doc", "{\"a\":[1,2.5]}")],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(
            "{\"type\":\"recording\",\"host\":\"h\",\"path\":\"/a\",\"path_hex\":\"2f61ff\""
        ));
        assert!(text.ends_with(",\"doc\":{\"a\":[1,2.5]}}\n"), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["doc"]["a"][1], 2.5);
        assert_eq!(path_hex("/ok", b"/ok"), None);
    }

    #[test]
    fn freshness_is_the_latest_time() {
        assert_eq!(
            freshness([Some("2026-01-02"), None, Some("2026-01-03")]),
            "2026-01-03"
        );
    }
}
