//! Generate a synthetic catalog for benchmarks: N media rows with realistic
//! documents (containers, codecs, resolutions, frame rates, HDR, bit depth,
//! interlacing, audio and subtitle streams with ISO 639-2 languages or none,
//! the documents' language lists, stream bitrates where containers state
//! them, sizes that follow bitrates), a few percent of failures and missing
//! files, odd `ok` files (audio only, no duration, variable frame rate,
//! truncated), planted duplicates and bitrate outliers, two hosts, scans and
//! recordings.
//!
//! ```text
//! cargo run --release --example gen_catalog -- --db bench-out/catalog.db --rows 1000000
//! ```
//!
//! The output depends only on `--rows` and `--seed`, except for timestamps,
//! which are relative to now (so the `recent` report finds something). Rows go
//! in through one transaction with prepared statements, as `load` writes them.

use std::path::PathBuf;
use std::time::Instant;

use mediadex_core::catalog::Catalog;
use rusqlite::params;
use serde_json::{Map, Value, json};

#[path = "gen_catalog_tables.rs"]
mod tables;

use tables::*;

fn ts(epoch_s: f64) -> String {
    let t = jiff::Timestamp::from_millisecond((epoch_s * 1000.0) as i64).expect("timestamp");
    mediadex_core::util::format_timestamp(t)
}

/// One generated file: its size and its document, already serialized (kept
/// as text so that a duplicate is a cheap copy).
#[derive(Clone)]
struct Media {
    size: i64,
    bitrate: i64,
    doc: String,
}

/// A stream's language fields, as the probe writes them (absent when untagged).
fn language(s: &mut Map<String, Value>, lang: (&str, &str)) {
    if !lang.0.is_empty() {
        s.insert("language".into(), json!(lang.0));
        s.insert("language_iso639_1".into(), json!(lang.1));
    }
}

/// Distinct languages in stream order, as the probe lists them.
fn add_language(list: &mut Vec<String>, lang: (&str, &str)) {
    if !lang.0.is_empty() && !list.iter().any(|l| l == lang.0) {
        list.push(lang.0.to_string());
    }
}

fn media(rng: &mut Rng, container: Container, kind: usize) -> Media {
    let (vcodec, vdesc, bpp0) = *rng.pick(VIDEO);
    let (w, h) = *rng.pick(RESOLUTIONS);
    let fps = *rng.pick(FPS);
    let seconds = match kind {
        0 => rng.range(80.0, 180.0) * 60.0,     // films
        1 => rng.range(20.0, 62.0) * 60.0,      // episodes
        _ => (rng.range(1.0, 8.0)).exp() + 3.0, // home videos: seconds to an hour
    };
    let frames = (seconds * fps).round().max(1.0) as i64;
    let duration_ns = (frames as f64 * 1e9 / fps).round() as i64;
    let duration_s = duration_ns as f64 / 1e9;
    // A few files are compressed far harder or far more lightly than their peers.
    let outlier = match rng.below(400) {
        0 => 12.0,
        1 => 1.0 / 12.0,
        _ => 1.0,
    };
    // Odd files, as real libraries have them: audio only in a video
    // container, no duration (a live capture), a variable frame rate (phones),
    // truncated downloads.
    let no_video = rng.below(400) == 0;
    let no_duration = rng.below(500) == 0;
    let variable_rate = kind == 2 && rng.below(60) == 0;
    let truncated = rng.below(300) == 0;
    // Matroska and WebM store no stream bitrates; muxers often leave them out
    // elsewhere too.
    let stream_bitrates = !matches!(container.1, "mkv" | "webm") || rng.below(3) == 0;
    let bpp = bpp0 * (0.35 * rng.normal()).exp() * outlier;
    let video_bps = if no_video {
        0.0
    } else {
        bpp * (w * h) as f64 * fps
    };
    let mut streams = Vec::new();
    let mut video = Map::new();
    if !no_video {
        let hdr_capable = matches!(vcodec, "hevc" | "av1" | "vp9") && w >= 3840;
        let bit_depth = if hdr_capable || (vcodec == "hevc" && rng.below(3) == 0) {
            10
        } else {
            8
        };
        let interlaced = matches!(vcodec, "mpeg2" | "h264" | "vc1")
            && h <= 1080
            && matches!(container.1, "ts" | "m2ts" | "mpeg-ps" | "mkv")
            && rng.below(4) == 0;
        video.insert("codec".into(), json!(vcodec));
        video.insert("width".into(), json!(w));
        video.insert("height".into(), json!(h));
        if !variable_rate {
            video.insert("frame_rate".into(), json!(fps));
        }
        video.insert("bit_depth".into(), json!(bit_depth));
        video.insert("interlaced".into(), json!(interlaced));
        let mut vs = Map::new();
        vs.insert("kind".into(), json!("video"));
        vs.insert("codec".into(), json!(vcodec));
        vs.insert("codec_description".into(), json!(vdesc));
        vs.insert(
            "stream_id".into(),
            json!(format!("{:016x}/001", rng.next())),
        );
        vs.insert("width".into(), json!(w));
        vs.insert("height".into(), json!(h));
        if variable_rate {
            vs.insert("variable_frame_rate".into(), json!(true));
        } else {
            vs.insert("frame_rate".into(), json!(fps));
        }
        vs.insert("pixel_aspect_ratio".into(), json!("1:1"));
        vs.insert("interlaced".into(), json!(interlaced));
        vs.insert(
            "field_order".into(),
            json!(if interlaced { "tt" } else { "progressive" }),
        );
        vs.insert("bit_depth".into(), json!(bit_depth));
        if hdr_capable {
            let hdr = match rng.below(10) {
                0..=4 => Some("HDR10"),
                5 => Some("Dolby Vision"),
                6 => Some("HLG"),
                _ => None,
            };
            if let Some(k) = hdr {
                video.insert("hdr".into(), json!(k));
                vs.insert("hdr".into(), json!(k));
                vs.insert(
                    "colorimetry".into(),
                    json!({"range": "limited", "matrix": "bt2020", "transfer": if k == "HLG" { "arib-std-b67" } else { "smpte2084" }, "primaries": "bt2020"}),
                );
            }
        }
        if !vs.contains_key("colorimetry") {
            vs.insert(
                "colorimetry".into(),
                json!({"range": "limited", "matrix": "bt709", "transfer": "bt709", "primaries": "bt709"}),
            );
        }
        if stream_bitrates {
            vs.insert("bitrate".into(), json!(video_bps.round() as i64));
        }
        vs.insert("default".into(), json!(true));
        streams.push(Value::Object(vs));
    }

    let n_audio = match rng.below(10) {
        0 if !no_video => 0,
        0..=6 => 1,
        7 | 8 => 2,
        _ => 3,
    };
    let mut audio_bps = 0.0;
    let mut audio_summary = None;
    let mut audio_languages = Vec::new();
    for i in 0..n_audio {
        let (acodec, adesc) = *rng.pick(AUDIO);
        let channels = match rng.below(100) {
            0 => 1,
            1..=59 => 2,
            60..=95 => 6,
            _ => 8,
        };
        let rate = if rng.below(5) == 0 { 44100 } else { 48000 };
        let lang = *rng.pick(LANGS);
        let bps = match acodec {
            "flac" | "truehd" => 900_000.0 * channels as f64 / 2.0,
            "dts" => 1_509_000.0,
            _ => 96_000.0 * channels as f64 / 2.0 + rng.range(0.0, 64_000.0),
        };
        audio_bps += bps;
        let mut a = Map::new();
        a.insert("kind".into(), json!("audio"));
        a.insert("codec".into(), json!(acodec));
        a.insert("codec_description".into(), json!(adesc));
        a.insert("channels".into(), json!(channels));
        a.insert("sample_rate".into(), json!(rate));
        language(&mut a, lang);
        add_language(&mut audio_languages, lang);
        if stream_bitrates || !matches!(acodec, "flac" | "truehd" | "opus" | "vorbis") {
            a.insert("bitrate".into(), json!(bps.round() as i64));
        }
        a.insert("default".into(), json!(i == 0));
        if i == 0 {
            let mut s = Map::new();
            s.insert("codec".into(), json!(acodec));
            s.insert("channels".into(), json!(channels));
            s.insert("sample_rate".into(), json!(rate));
            if !lang.0.is_empty() {
                s.insert("language".into(), json!(lang.0));
            }
            audio_summary = Some(s);
        }
        streams.push(Value::Object(a));
    }
    let n_subs = if no_video { 0 } else { rng.below(4) };
    let mut subtitle_languages = Vec::new();
    for _ in 0..n_subs {
        let lang = *rng.pick(LANGS);
        let mut s = Map::new();
        s.insert("kind".into(), json!("subtitle"));
        s.insert(
            "codec".into(),
            json!(match container.0 {
                "mp4" | "mov" => "mov_text",
                "ts" | "m2ts" => "dvb_subtitle",
                _ if rng.below(4) == 0 => "hdmv_pgs_subtitle",
                _ => "subrip",
            }),
        );
        language(&mut s, lang);
        add_language(&mut subtitle_languages, lang);
        if rng.below(10) == 0 {
            s.insert("forced".into(), json!(true));
        }
        streams.push(Value::Object(s));
    }
    let bitrate = video_bps + audio_bps;
    let size = (bitrate * duration_s / 8.0).round().max(1.0) as i64;
    let mut doc = Map::new();
    doc.insert("container".into(), json!(container.1));
    doc.insert("container_description".into(), json!(container.2));
    doc.insert("mime_type".into(), json!(container.3));
    doc.insert("size".into(), json!(size));
    let overall = (size as f64 * 8.0 / duration_s).round() as i64;
    if !no_duration {
        doc.insert("duration_ns".into(), json!(duration_ns));
        doc.insert("duration_s".into(), json!(duration_s));
        doc.insert("bitrate".into(), json!(overall));
    }
    if !no_video {
        doc.insert("video".into(), Value::Object(video));
    }
    if let Some(a) = audio_summary {
        doc.insert("audio".into(), Value::Object(a));
    }
    doc.insert("video_streams".into(), json!(if no_video { 0 } else { 1 }));
    doc.insert("audio_streams".into(), json!(n_audio));
    doc.insert("subtitle_streams".into(), json!(n_subs));
    if !audio_languages.is_empty() {
        doc.insert("audio_languages".into(), json!(audio_languages));
    }
    if !subtitle_languages.is_empty() {
        doc.insert("subtitle_languages".into(), json!(subtitle_languages));
    }
    if truncated {
        let declared = size + (size as f64 * rng.range(0.05, 0.6)) as i64;
        doc.insert("truncated".into(), json!(true));
        doc.insert("declared_size".into(), json!(declared));
        doc.insert("missing_bytes".into(), json!(declared - size));
    }
    doc.insert(
        "tags".into(),
        json!({"encoder": if rng.below(2) == 0 { "libebml v1.4.2 + libmatroska v1.6.4" } else { "Lavf58.76.100" }}),
    );
    doc.insert("streams".into(), Value::Array(streams));
    Media {
        size,
        bitrate: overall,
        doc: Value::Object(doc).to_string(),
    }
}

fn main() -> anyhow::Result<()> {
    let mut db = PathBuf::from("bench-out/catalog.db");
    let mut rows: u64 = 1_000_000;
    let mut seed: u64 = 42;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--db" => db = PathBuf::from(args.next().expect("--db PATH")),
            "--rows" => rows = args.next().expect("--rows N").parse()?,
            "--seed" => seed = args.next().expect("--seed N").parse()?,
            "-h" | "--help" => {
                println!("usage: gen_catalog [--db PATH] [--rows N] [--seed N]");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other}; see --help"),
        }
    }
    if db.exists() {
        anyhow::bail!("{} exists; remove it first", db.display());
    }
    let started = Instant::now();
    let mut cat = Catalog::open(&db)?;
    // A throwaway file: durability does not matter while it is being built,
    // so skip the journal (and the second copy of every page it costs).
    cat.conn.pragma_update(None, "journal_mode", "OFF")?;
    cat.conn.pragma_update(None, "synchronous", "OFF")?;
    cat.conn.pragma_update(None, "cache_size", -262_144)?;
    let now = jiff::Timestamp::now().as_second() as f64;
    let day = 86_400.0;
    let mut rng = Rng(seed);
    let tx = cat.conn.transaction()?;
    {
        // Scans: one a day for the last 200 days, per host.
        let mut scan = tx.prepare(
            "INSERT INTO scans (host, started_at, finished_at, status, roots, seen, new, changed,
                                unchanged, missing, failed, probed, elapsed_s)
             VALUES (?1, ?2, ?3, 'complete', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let mut last_scan = std::collections::HashMap::new();
        for (host, roots) in [
            (
                "nas",
                r#"["/srv/media/Movies","/srv/media/Shows","/srv/media/Home Videos"]"#,
            ),
            ("laptop", r#"["/home/ana/Videos"]"#),
        ] {
            for d in (0..200).rev() {
                let start = now - d as f64 * day - 3.0 * 3600.0;
                let elapsed = rng.range(20.0, 400.0);
                let n = rows as i64 / 2;
                scan.execute(params![
                    host,
                    ts(start),
                    ts(start + elapsed),
                    roots,
                    n,
                    rng.below(300) as i64,
                    rng.below(50) as i64,
                    n - 300,
                    rng.below(20) as i64,
                    rng.below(10) as i64,
                    rng.below(350) as i64,
                    elapsed
                ])?;
                last_scan.insert(host, tx.last_insert_rowid());
            }
        }
        let mut file = tx.prepare(
            "INSERT INTO files (host, path, path_bytes, root, dev, ino, size, mtime_ns, status, error,
                                first_seen, probed_at, probe_ms, scan_id)
             VALUES (?1, ?2, ?3, ?4, 2049, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?13, ?14)",
        )?;
        let mut seen = tx.prepare("INSERT INTO file_seen (file_id, last_seen) VALUES (?1, ?2)")?;
        let mut doc = tx.prepare("INSERT INTO docs (file_id, doc) VALUES (?1, ?2)")?;
        let mut previous: Vec<Media> = Vec::new();
        for i in 0..rows {
            let host = if rng.below(10) < 7 { "nas" } else { "laptop" };
            let container = *rng.pick(CONTAINERS);
            let kind = rng.below(3) as usize;
            let (root, dir, name) = match (host, kind) {
                ("nas", 0) => {
                    let film = i / 2;
                    let year = 1950 + rng.below(75);
                    (
                        "/srv/media/Movies".to_string(),
                        format!("Film {film:07} ({year})"),
                        format!("Film {film:07} ({year}) part {}", i % 2 + 1),
                    )
                }
                ("nas", 1) => {
                    let show = i / 240;
                    let season = (i / 12) % 20 + 1;
                    (
                        "/srv/media/Shows".to_string(),
                        format!("Show {show:05}/Season {season:02}"),
                        format!("Show {show:05} - S{season:02}E{:02} #{i}", i % 12 + 1),
                    )
                }
                ("nas", _) => (
                    "/srv/media/Home Videos".to_string(),
                    format!("{}/{:02}", 2000 + (i / 20_000) % 26, (i / 1_700) % 12 + 1),
                    format!("VID_{i:08}"),
                ),
                _ => (
                    "/home/ana/Videos".to_string(),
                    ["Downloads", "Talks", "Phone", "Edits"][(i % 4) as usize].to_string(),
                    format!("clip-{i:08}"),
                ),
            };
            let path = format!("{root}/{dir}/{name}.{}", container.0);
            // Planted duplicates: an exact copy of a recent file, or the same
            // video at the same resolution encoded again.
            let m = match (rng.below(1000), previous.is_empty()) {
                (0..=4, false) => previous[rng.below(previous.len() as u64) as usize].clone(),
                (5..=7, false) => {
                    let p = &previous[rng.below(previous.len() as u64) as usize];
                    let ratio = rng.range(0.4, 0.9);
                    let size = (p.size as f64 * ratio) as i64;
                    let bitrate = (p.bitrate as f64 * ratio).round() as i64;
                    // The top-level size and bitrate come before any stream's.
                    let doc = p
                        .doc
                        .replacen(
                            &format!("\"size\":{},", p.size),
                            &format!("\"size\":{size},"),
                            1,
                        )
                        .replacen(
                            &format!("\"bitrate\":{},", p.bitrate),
                            &format!("\"bitrate\":{bitrate},"),
                            1,
                        );
                    Media { size, bitrate, doc }
                }
                _ => media(&mut rng, container, kind),
            };
            let status = *rng.pick(STATUS);
            let first = now - rng.range(0.0, 3.0 * 365.0) * day;
            let probed = first + rng.range(0.0, 30.0);
            let last = if status == "missing" {
                probed + rng.range(0.0, now - probed)
            } else {
                now - rng.range(0.0, 1.0) * day
            };
            let failed = matches!(status, "error" | "unsupported" | "timeout" | "crashed");
            let error = match status {
                "timeout" => Some("probe took longer than 30 s".to_string()),
                "crashed" => Some("the probe worker died (signal 11) on this file".to_string()),
                "unsupported" => Some("no decoder for video/x-unknown".to_string()),
                "error" => Some(ERRORS[rng.below(ERRORS.len() as u64) as usize].to_string()),
                _ => None,
            };
            let doc_text = if failed { "{}" } else { m.doc.as_str() };
            let bytes = path.as_bytes();
            file.execute(params![
                host,
                path,
                bytes,
                root,
                1_000_000 + i as i64,
                m.size,
                (first * 1e9) as i64,
                status,
                error,
                ts(first),
                ts(last),
                Some(ts(probed)),
                rng.range(5.0, 80.0),
                last_scan[host],
            ])?;
            let id = tx.last_insert_rowid();
            // ?11 of the files statement (the last sighting) lives in file_seen.
            seen.execute(params![id, ts(last)])?;
            doc.execute(params![id, doc_text])?;
            if previous.len() < 2000 {
                previous.push(m);
            } else {
                let slot = rng.below(2000) as usize;
                previous[slot] = m;
            }
            if (i + 1) % 200_000 == 0 {
                eprintln!("{} rows, {:.1} s", i + 1, started.elapsed().as_secs_f64());
            }
        }
        // Recordings: a few a day over the last year.
        let mut rec = tx.prepare(
            "INSERT INTO recordings (host, path, path_bytes, status, device, started_at, ended_at,
                                     frames, seconds, rate, channels, format, label, doc)
             VALUES ('laptop', ?1, ?2, ?3, 'default', ?4, ?5, ?6, ?7, 48000, ?8, 's16', ?9, ?10)",
        )?;
        for i in 0..(rows / 500).max(10) {
            let start = now - rng.range(0.0, 365.0) * day;
            let seconds = (rng.range(1.0, 8.0)).exp();
            let frames = (seconds * 48000.0) as i64;
            let status = if rng.below(50) == 0 {
                "failed"
            } else {
                "complete"
            };
            let channels = if rng.below(3) == 0 { 2 } else { 1 };
            let clipped = if rng.below(8) == 0 { rng.below(500) } else { 0 };
            let silent = if rng.below(15) == 0 {
                rng.range(0.95, 1.0)
            } else {
                rng.range(0.0, 0.4)
            };
            let levels = json!({
                "levels": {
                    "peak_dbfs": [rng.range(-30.0, 0.0)],
                    "rms_dbfs": [rng.range(-50.0, -10.0)],
                    "clipped": clipped,
                    "silent_share": silent,
                },
                "overruns": 0,
                "label": format!("take {i}"),
            });
            let path = format!("/home/ana/Recordings/rec-{i:06}.wav");
            rec.execute(params![
                path,
                path.as_bytes(),
                status,
                ts(start),
                ts(start + seconds),
                frames,
                frames as f64 / 48000.0,
                channels,
                format!("take {i}"),
                levels.to_string()
            ])?;
        }
    }
    tx.commit()?;
    // Back to the catalog's own mode. No ANALYZE: real catalogs have no
    // planner statistics either.
    cat.conn.pragma_update(None, "journal_mode", "WAL")?;
    eprintln!(
        "{}: {rows} media rows in {:.1} s",
        db.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
