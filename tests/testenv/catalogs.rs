//! Catalogs built for tests: crafted documents and dump lines (with their
//! trailer, computed here from the format's definition rather than by
//! mediadex), the scanned fixtures plus crafted rows ([`populated`]), and
//! reports read back as JSON.

use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::fixtures::copy_into;
use super::{HOST, TestEnv, stderr, stdout};

/// The trailer of dump `text` (header line first, no trailer yet), computed
/// here from the format's definition rather than by mediadex.
pub fn trailer_of(text: &str) -> String {
    let rows = text.split_inclusive('\n').skip(1);
    let kinds = [
        "scan",
        "media",
        "recording",
        "root",
        "history",
        "fingerprint",
        "not-duplicate",
    ];
    let mut counts = [0u64; 7];
    let mut hash = Sha256::new();
    for line in rows {
        hash.update(line.as_bytes());
        let v: Value = serde_json::from_str(line).unwrap();
        let kind = v["type"].as_str().unwrap();
        let at = kinds.iter().position(|k| *k == kind);
        counts[at.unwrap_or_else(|| panic!("row type {kind}"))] += 1;
    }
    let [
        scans,
        media,
        recordings,
        roots,
        history,
        fingerprints,
        not_duplicates,
    ] = counts;
    json!({"type": "trailer", "scans": scans, "media": media, "recordings": recordings,
           "roots": roots, "history": history, "fingerprints": fingerprints,
           "not_duplicates": not_duplicates, "sha256": hex::encode(hash.finalize())})
    .to_string()
}

/// `text` with its trailer line appended (unless it has one: a real dump).
pub fn seal(text: &str) -> String {
    if text
        .lines()
        .last()
        .is_some_and(|l| l.contains("\"type\":\"trailer\""))
    {
        return text.to_string();
    }
    format!("{text}{}\n", trailer_of(text))
}

/// Append the trailer to a dump file written without one.
pub fn seal_file(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, seal(&text)).unwrap();
}

/// A JSON document as the scanner writes it, for crafted rows.
pub fn doc(
    container: &str,
    video: Option<(&str, i64, i64, f64, Option<&str>)>,
    audio_langs: &[&str],
    duration_s: f64,
    size: i64,
) -> Value {
    let mut streams = Vec::new();
    let mut d = serde_json::Map::new();
    d.insert("container".into(), json!(container));
    d.insert("size".into(), json!(size));
    d.insert("duration_ns".into(), json!((duration_s * 1e9) as i64));
    d.insert("duration_s".into(), json!(duration_s));
    d.insert(
        "bitrate".into(),
        json!((size as f64 * 8.0 / duration_s).round() as i64),
    );
    if let Some((codec, w, h, fps, hdr)) = video {
        let mut v = json!({"codec": codec, "width": w, "height": h, "frame_rate": fps});
        if let Some(k) = hdr {
            v["hdr"] = json!(k);
        }
        d.insert("video".into(), v.clone());
        v["kind"] = json!("video");
        streams.push(v);
    }
    for (i, lang) in audio_langs.iter().enumerate() {
        let a = json!({"codec": "aac", "channels": 2, "sample_rate": 48000, "language": lang});
        if i == 0 {
            d.insert("audio".into(), a.clone());
        }
        let mut s = a;
        s["kind"] = json!("audio");
        streams.push(s);
    }
    d.insert("streams".into(), Value::Array(streams));
    Value::Object(d)
}

/// One `media` line of a dump.
pub fn media_line(
    host: &str,
    path: &str,
    status: &str,
    error: Option<&str>,
    doc: Value,
    seen: &str,
) -> Value {
    json!({
        "type": "media", "host": host, "path": path, "root": "/crafted",
        "dev": 1, "ino": 1, "size": doc["size"], "mtime_ns": 1,
        "status": status, "error": error,
        "first_seen": "2026-01-01T00:00:00.000Z", "last_seen": seen,
        "probed_at": seen, "probe_ms": 1.5, "scan": "2026-01-01T00:00:00.000Z",
        "doc": doc,
    })
}

pub fn header() -> Value {
    json!({"type": "header", "format": "mediadex-dump", "dump_version": 2})
}

/// A dump of rows a scan of the fixtures cannot produce: every failure
/// status, a missing file, an exact copy, an HDR file, a group of eleven 720p
/// clips with one far outlier, a non-UTF-8 name, and recordings on two days.
pub fn crafted_dump(host: &str) -> String {
    const T: &str = "2026-01-01T00:00:10.000Z";
    let mut lines = vec![
        header(),
        json!({"type": "scan", "host": host, "started_at": "2026-01-01T00:00:00.000Z",
               "finished_at": "2026-01-01T00:00:20.000Z", "status": "complete",
               "roots": ["/crafted"], "seen": 20, "new": 20, "changed": 0, "unchanged": 0,
               "missing": 1, "failed": 4, "probed": 20, "elapsed_s": 20.0}),
    ];
    let empty = json!({});
    for (path, status, error) in [
        ("/crafted/broken.mkv", "error", "no streams found"),
        (
            "/crafted/hang.mp4",
            "timeout",
            "probe took longer than 30 s",
        ),
        (
            "/crafted/crash.avi",
            "crashed",
            "the probe worker died on this file",
        ),
        (
            "/crafted/odd.xyz",
            "unsupported",
            "no demuxer for this type",
        ),
    ] {
        let mut l = media_line(host, path, status, Some(error), empty.clone(), T);
        l["size"] = json!(1000);
        lines.push(l);
    }
    lines.push(media_line(
        host,
        "/crafted/gone.mkv",
        "missing",
        None,
        doc(
            "mkv",
            Some(("h264", 1280, 720, 25.0, None)),
            &["en"],
            60.0,
            7_000_000,
        ),
        T,
    ));
    for path in ["/crafted/Shows/A/copy1.mkv", "/crafted/Shows/B/copy2.mkv"] {
        lines.push(media_line(
            host,
            path,
            "ok",
            None,
            doc(
                "mkv",
                Some(("h264", 1920, 1080, 25.0, None)),
                &["en", "de"],
                600.0,
                50_000_000,
            ),
            T,
        ));
    }
    lines.push(media_line(
        host,
        "/crafted/hdr.mkv",
        "ok",
        None,
        doc(
            "mkv",
            Some(("hevc", 3840, 2160, 23.976, Some("HDR10"))),
            &["ja"],
            120.0,
            90_000_000,
        ),
        T,
    ));
    // Eleven 720p25 h264 clips: ten near 0.1 bits per pixel per frame, one at 1.3.
    for i in 0..11 {
        let seconds = 100.0 + i as f64;
        let bpp = if i == 7 { 1.3 } else { 0.1 + 0.001 * i as f64 };
        let size = (bpp * 1280.0 * 720.0 * 25.0 * seconds / 8.0) as i64;
        lines.push(media_line(
            host,
            &format!("/crafted/clips/clip{i:02}.mp4"),
            "ok",
            None,
            doc(
                "mp4",
                Some(("h264", 1280, 720, 25.0, None)),
                &[],
                seconds,
                size,
            ),
            T,
        ));
    }
    let mut odd = media_line(
        host,
        "/crafted/bad\\xFFname.mkv",
        "ok",
        None,
        doc(
            "mkv",
            Some(("vp9", 640, 360, 30.0, None)),
            &["fr"],
            30.0,
            3_000_000,
        ),
        T,
    );
    odd["path_hex"] = json!(hex_of(b"/crafted/bad\xFFname.mkv"));
    lines.push(odd);
    for (i, (day, status, levels)) in [
        (
            "2026-01-02T10:00:00.000Z",
            "complete",
            json!({"levels": {"clipped": 5, "silent_share": 0.1}}),
        ),
        (
            "2026-01-02T11:00:00.000Z",
            "complete",
            json!({"levels": {"clipped": 0, "silent_share": 0.99}}),
        ),
        (
            "2026-01-02T12:00:00.000Z",
            "recovered",
            json!({"levels": {"peak_dbfs": [-3.0], "rms_dbfs": [-20.0]}}),
        ),
        ("2026-01-03T09:00:00.000Z", "failed", json!({})),
    ]
    .into_iter()
    .enumerate()
    {
        lines.push(json!({
            "type": "recording", "host": host, "path": format!("/crafted/rec{i}.wav"),
            "status": status, "device": "fakemic", "started_at": day, "ended_at": day,
            "frames": 48000 * 10, "seconds": 10.0, "rate": 48000, "channels": 1,
            "format": "s16", "label": format!("take {i}"), "doc": levels,
        }));
    }
    let mut out = String::new();
    for l in lines {
        out.push_str(&l.to_string());
        out.push('\n');
    }
    out
}

pub fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Write `text` to a file in the env and `load` it; returns stderr.
pub fn load_text(env: &TestEnv, name: &str, text: &str) -> String {
    let file = env.path().join(name);
    std::fs::write(&file, seal(text)).unwrap();
    let out = env.run(&["load", file.to_str().unwrap()]);
    assert!(out.status.success(), "load failed: {}", stderr(&out));
    stderr(&out)
}

/// The fixtures scanned, plus the crafted rows.
pub fn populated() -> TestEnv {
    let env = TestEnv::new();
    copy_into(&env.lib, &[]);
    env.scan(&[], 0);
    load_text(&env, "crafted.jsonl", &crafted_dump(HOST));
    env
}

/// `report NAME -f json` plus extra args, parsed.
pub fn report_json(env: &TestEnv, name: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["report", name, "-f", "json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert!(out.status.success(), "report {name}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("report {name} -f json is not JSON ({e}): {}", stdout(&out)))
}
