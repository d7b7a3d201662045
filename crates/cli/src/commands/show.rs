//! `mediadex show PATH...`: the stored row and document of files, scanned or
//! recorded. On a terminal a readable summary (container, duration, size,
//! bitrate, then one line per stream), else — or with `--json` — the JSON
//! documents, one after another.
//!
//! A path may be written in the `\xNN` form mediadex prints for bytes that are
//! not UTF-8. A path that is not catalogued is told apart from one that does
//! not exist at all; each failing path is reported on its own line and the
//! others are still shown (exit 3 if some failed, 1 if all did).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use mediadex_core::output::table::visible;
use std::process::ExitCode;

use serde_json::Value;

use super::{Context, exit};
use crate::cli::ShowArgs;
use mediadex_core::catalog::{Catalog, files, recordings};
use mediadex_core::output::human::human_bitrate;
use mediadex_core::util::{self, hms, human_bytes};

pub fn run(ctx: &Context, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let cat = Catalog::open_readonly(&ctx.db)?;
    ctx.ui.notes(&cat.notes);
    let host = args.host.clone().unwrap_or_else(util::host_name);
    let summary = !args.json && std::io::stdout().is_terminal();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = 0;
    for (i, given) in args.paths.iter().enumerate() {
        match find(&cat, &host, given)? {
            Some(row) => {
                if summary {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    out.write_all(summary_text(&row).as_bytes())?;
                } else {
                    serde_json::to_writer_pretty(&mut out, &row)?;
                    writeln!(out)?;
                }
            }
            None => {
                failed += 1;
                out.flush()?;
                ctx.ui.error(not_found(given, &host, &ctx.db));
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if failed == 0 {
        exit::OK
    } else if failed == args.paths.len() {
        exit::ERROR
    } else {
        exit::PARTIAL
    }))
}

/// Why `given` has no row: it does not exist, or it was never scanned.
fn not_found(given: &Path, host: &str, db: &Path) -> String {
    let shown = util::display_path(given);
    let exists = candidates(given)
        .iter()
        .any(|p| p.symlink_metadata().is_ok());
    if exists {
        format!(
            "{shown} is not in the catalog {} (host {host}) — scan it first: mediadex scan {}",
            db.display(),
            util::shell_quote(&shown)
        )
    } else {
        format!(
            "{shown}: no such file, and not in the catalog {}",
            db.display()
        )
    }
}

/// The names `given` may have been stored under: as given (made absolute),
/// its `\xNN` escapes decoded, and each with symlinked parents resolved.
fn candidates(given: &Path) -> Vec<PathBuf> {
    let abs = std::path::absolute(given).unwrap_or_else(|_| given.to_path_buf());
    let mut out = vec![abs.clone()];
    if let Some(raw) = unescape(util::path_bytes(&abs)) {
        out.push(util::path_from_bytes(&raw));
    }
    for p in out.clone() {
        if let Ok(c) = std::fs::canonicalize(&p)
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    out
}

/// `\xNN` sequences (as `util::display_bytes` writes them) decoded to bytes;
/// `None` when there are none.
fn unescape(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut any = false;
    while i < b.len() {
        if b[i] == b'\\'
            && b.get(i + 1) == Some(&b'x')
            && let Some(v) = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 4;
            any = true;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    any.then_some(out)
}

fn find(cat: &Catalog, host: &str, given: &Path) -> anyhow::Result<Option<Value>> {
    for p in candidates(given) {
        let bytes = util::path_bytes(&p);
        if let Some(row) = files::show(&cat.conn, host, bytes)? {
            return Ok(Some(serde_json::to_value(row)?));
        }
        if let Some(row) = recordings::by_path(&cat.conn, host, bytes)? {
            return Ok(Some(serde_json::to_value(row)?));
        }
    }
    Ok(None)
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The readable view of a row: a title, labelled lines, one line per stream.
pub fn summary_text(row: &Value) -> String {
    let doc = &row["doc"];
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            lines.push((k.to_string(), v));
        }
    };
    let mut status = text(&row["status"]).unwrap_or_default();
    if let Some(e) = text(&row["error"]) {
        status.push_str(&format!(" ({e})"));
    }
    add("status", Some(status));
    let container = text(&doc["container"]).map(|c| match text(&doc["container_description"]) {
        Some(d) => format!("{c} ({d})"),
        None => c,
    });
    add("container", container.or_else(|| text(&row["format"])));
    add(
        "duration",
        num(&doc["duration_s"])
            .or_else(|| num(&row["seconds"]))
            .map(hms),
    );
    add(
        "size",
        num(&row["size"]).or_else(|| num(&doc["size"])).map(|b| {
            format!(
                "{} ({} bytes)",
                human_bytes(b),
                mediadex_core::output::human::group_digits(&format!("{b:.0}"))
            )
        }),
    );
    add("bitrate", num(&doc["bitrate"]).map(human_bitrate));
    if let (Some(r), Some(c)) = (num(&row["rate"]), num(&row["channels"])) {
        add("audio", Some(format!("{c} ch, {r} Hz")));
    }
    add("label", text(&row["label"]));
    let streams = doc["streams"].as_array().cloned().unwrap_or_default();
    for (i, s) in streams.iter().enumerate() {
        add(&format!("stream {i}"), Some(stream_line(s)));
    }
    add("host", text(&row["host"]));
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    // File names and tags may hold control characters: shown, not sent.
    let mut out = format!("{}\n", visible(&text(&row["path"]).unwrap_or_default()));
    for (k, v) in lines {
        out.push_str(&format!("  {k:width$}  {}\n", visible(&v)));
    }
    out
}

/// `video  h264  1920x1080  23.976 fps  [default]`, `audio  aac  2 ch  48000 Hz  eng  "Commentary"`.
fn stream_line(s: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(text(&s["kind"]));
    parts.extend(text(&s["codec"]));
    if let (Some(w), Some(h)) = (num(&s["width"]), num(&s["height"])) {
        parts.push(format!("{w}x{h}"));
    }
    if let Some(f) = num(&s["frame_rate"]) {
        let f = format!("{f:.3}");
        parts.push(format!(
            "{} fps",
            f.trim_end_matches('0').trim_end_matches('.')
        ));
    }
    parts.extend(text(&s["hdr"]));
    if let Some(c) = num(&s["channels"]) {
        parts.push(match text(&s["channel_layout"]) {
            Some(l) => format!("{c} ch ({l})"),
            None => format!("{c} ch"),
        });
    }
    if let Some(r) = num(&s["sample_rate"]) {
        parts.push(format!("{r} Hz"));
    }
    parts.extend(text(&s["language"]));
    if let Some(t) = text(&s["title"]) {
        parts.push(format!("{t:?}"));
    }
    let flags: Vec<&str> = ["default", "forced", "interlaced", "attached_pic"]
        .into_iter()
        .filter(|f| s[*f] == Value::Bool(true))
        .collect();
    if !flags.is_empty() {
        parts.push(format!("[{}]", flags.join(", ")));
    }
    parts.join("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode() {
        assert_eq!(unescape(b"/a/\\xFFb.mkv").unwrap(), b"/a/\xFFb.mkv");
        assert_eq!(unescape(b"/a/b.mkv"), None);
        assert_eq!(unescape(b"/a/\\xZZ").as_deref(), None);
    }
}
