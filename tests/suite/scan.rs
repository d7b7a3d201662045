//! Scanning real generated media: what the probe finds, incremental rescans,
//! and broken files.

use std::path::Path;

use serde_json::Value;

use crate::testenv::fixtures::{copy_into, fixtures};
use crate::testenv::{HOST, TestEnv, stderr};

fn approx(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs()
}

#[test]
fn every_fixture_is_described_exactly() {
    let env = TestEnv::new();
    copy_into(&env.lib, &[]);
    let s = env.scan(&[], 0);
    assert_eq!(s["new"], fixtures().len());
    assert_eq!(s["failed"], 0);
    for f in fixtures() {
        let row = env.row(&env.lib.join(f.name));
        assert_eq!(row["status"], "ok", "{}: {}", f.name, row["error"]);
        let doc = &row["doc"];
        assert_eq!(doc["container"], f.container, "{} container", f.name);
        let dur = doc["duration_s"]
            .as_f64()
            .unwrap_or_else(|| panic!("{} has no duration", f.name));
        assert!(
            approx(dur, f.duration_s, 0.01),
            "{}: duration {dur} vs {}",
            f.name,
            f.duration_s
        );
        assert_eq!(doc["duration_ns"].as_u64().unwrap() as f64 / 1e9, dur);
        assert_eq!(doc["size"], row["size"]);
        let streams = doc["streams"].as_array().unwrap();
        let videos: Vec<&Value> = streams.iter().filter(|s| s["kind"] == "video").collect();
        let audios: Vec<&Value> = streams.iter().filter(|s| s["kind"] == "audio").collect();
        match f.video {
            Some((codec, w, h, fps)) => {
                assert_eq!(videos.len(), 1, "{} video streams", f.name);
                let v = videos[0];
                assert_eq!(v["codec"], codec, "{} video codec", f.name);
                assert_eq!(v["width"], w, "{} width", f.name);
                assert_eq!(v["height"], h, "{} height", f.name);
                let got = v["frame_rate"]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{} has no frame rate: {v}", f.name));
                assert!(approx(got, fps, 0.001), "{} fps {got} vs {fps}", f.name);
                assert!(
                    v["codec_description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty())
                );
                // The summary the typed columns read from agrees with the stream.
                assert_eq!(doc["video"]["codec"], codec);
                assert_eq!(doc["video"]["width"], w);
            }
            None => assert!(videos.is_empty()),
        }
        assert_eq!(audios.len(), f.audio.len(), "{} audio streams", f.name);
        for (a, (codec, ch, rate, lang)) in audios.iter().zip(&f.audio) {
            assert_eq!(a["codec"], *codec, "{} audio codec", f.name);
            assert_eq!(a["channels"], *ch, "{} channels", f.name);
            assert_eq!(a["sample_rate"], *rate, "{} rate", f.name);
            if let Some(l) = lang {
                assert_eq!(a["language"], *l, "{} language", f.name);
            }
        }
    }
    // Typed columns and the streams view read the same documents.
    let rows = env.query(
        "SELECT video_codec, width, height, frame_rate FROM media WHERE path LIKE '%h264-1080p25.mkv'",
    );
    assert_eq!(rows[0]["video_codec"], "h264");
    assert_eq!(rows[0]["width"], 1920);
    assert_eq!(rows[0]["height"], 1080);
    assert_eq!(rows[0]["frame_rate"], 25.0);
    let langs = env.query(
        "SELECT language FROM streams WHERE path LIKE '%two-languages.mkv' AND kind = 'audio' ORDER BY idx",
    );
    assert_eq!(
        langs,
        vec![
            serde_json::json!({"language": "eng"}),
            serde_json::json!({"language": "fre"})
        ]
    );
}

fn probed_at(env: &TestEnv) -> Vec<(String, Option<String>)> {
    env.query("SELECT path, probed_at FROM media ORDER BY path")
        .into_iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["probed_at"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn rescans_probe_only_what_changed() {
    let env = TestEnv::new();
    copy_into(
        &env.lib,
        &["h264-aac.mp4", "vp8.webm", "mjpeg.mov", "h264.ts"],
    );
    let files: Vec<_> = ["h264-aac.mp4", "vp8.webm", "mjpeg.mov", "h264.ts"]
        .iter()
        .map(|n| env.lib.join(n))
        .collect();
    let s = env.scan(&[], 0);
    assert_eq!(
        (s["new"].as_u64(), s["probed"].as_u64()),
        (Some(4), Some(4))
    );

    // Nothing changed → nothing probed, every row still seen.
    let before = probed_at(&env);
    let seen = |env: &TestEnv| env.query("SELECT first_seen, last_seen FROM media ORDER BY path");
    let seen_before = seen(&env);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let s = env.scan(&[], 0);
    assert_eq!(s["probed"], 0);
    assert_eq!(s["unchanged"], 4);
    assert_eq!(probed_at(&env), before);
    for (a, b) in seen_before.iter().zip(seen(&env)) {
        assert_eq!(a["first_seen"], b["first_seen"]);
        assert!(
            b["last_seen"].as_str() > a["last_seen"].as_str(),
            "last_seen advances: {a} {b}"
        );
    }

    // One file rewritten → exactly that one.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let data = std::fs::read(&files[1]).unwrap();
    std::fs::write(&files[1], &data).unwrap();
    let s = env.scan(&[], 0);
    assert_eq!(s["probed"], 1);
    assert_eq!(s["changed"], 1);
    assert_eq!(s["unchanged"], 3);

    // One deleted → missing, its document kept.
    std::fs::remove_file(&files[2]).unwrap();
    let s = env.scan(&[], 0);
    assert_eq!(s["missing"], 1);
    assert_eq!(s["probed"], 0);
    let row = env.row(&files[2]);
    assert_eq!(row["status"], "missing");
    assert_eq!(row["doc"]["container"], "mov");

    // --force → all present files again, counted as probed again, not changed.
    let s = env.scan(&["--force"], 0);
    assert_eq!(s["probed"], 3);
    assert_eq!(s["reprobed"], 3, "{s}");
    assert_eq!(s["changed"], 0, "{s}");

    // A file named on the command line is scanned incrementally and keeps its root.
    let one = files[0].to_str().unwrap();
    let out = env.run(&["scan", "--json", one]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (s["new"].as_u64(), s["unchanged"].as_u64()),
        (Some(0), Some(1)),
        "{s}"
    );
    assert_eq!(s["probed"], 0, "{s}");
    let lib_root = env.lib.canonicalize().unwrap();
    let root_of_one = || {
        env.query(&format!(
            "SELECT root FROM media WHERE path = '{}'",
            one.replace('\'', "''")
        ))[0]["root"]
            .clone()
    };
    assert_eq!(root_of_one(), lib_root.to_str().unwrap());
    // ...and when it changes, it is probed and still keeps its root.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let data = std::fs::read(&files[0]).unwrap();
    std::fs::write(&files[0], &data).unwrap();
    let out = env.run(&["scan", "--json", one]);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["changed"], 1, "{s}");
    assert_eq!(root_of_one(), lib_root.to_str().unwrap());
    assert_eq!(env.query("SELECT count(*) AS n FROM media")[0]["n"], 4);
}

#[test]
fn broken_files_get_rows_and_exit_3() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["h264-aac.mp4"]);
    let garbage: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(env.lib.join("garbage.mkv"), garbage).unwrap();
    std::fs::write(env.lib.join("empty.mp4"), b"").unwrap();
    let s = env.scan(&[], 3);
    assert_eq!(s["failed"], 2);
    for name in ["garbage.mkv", "empty.mp4"] {
        let row = env.row(&env.lib.join(name));
        assert_eq!(row["status"], "error", "{name}");
        assert!(
            row["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{name} has an error message"
        );
    }
    assert_eq!(env.row(&env.lib.join("h264-aac.mp4"))["status"], "ok");
    // Failed files are remembered: not retried until they change...
    let s = env.scan(&[], 0);
    assert_eq!(s["probed"], 0);
    // ...unless asked.
    let s = env.scan(&["--retry-failed"], 3);
    assert_eq!(s["probed"], 2);
}

#[test]
fn scan_summary_line_and_bad_root() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["vp8.webm"]);
    let out = env.run(&["scan", env.lib.to_str().unwrap()]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("1 new") && err.contains("files/s"), "{err}");
    let out = env.run(&["scan", "/nonexistent/dir"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("/nonexistent/dir"));
    assert!(Path::new(&env.db).exists());
}

/// GStreamer's stock Discoverer (which decodes a frame of every stream) agrees
/// with the parse-only probe on every fixture: an independent cross-check.
#[test]
fn parse_only_probe_agrees_with_the_discoverer() {
    use gstreamer as gst;
    use gstreamer_pbutils as pbutils;
    let env = TestEnv::new();
    copy_into(&env.lib, &[]);
    env.scan(&[], 0);
    gst::init().unwrap();
    let discoverer = pbutils::Discoverer::new(gst::ClockTime::from_seconds(20)).unwrap();
    for f in fixtures() {
        let path = env.lib.join(f.name);
        let uri = gstreamer::glib::filename_to_uri(&path, None).unwrap();
        let info = discoverer.discover_uri(&uri).unwrap();
        let doc = &env.row(&path)["doc"];
        let ours = doc["duration_ns"].as_u64().unwrap() as f64;
        let theirs = info.duration().unwrap().nseconds() as f64;
        assert!(
            approx(ours, theirs, 0.01),
            "{}: duration {ours} vs discoverer {theirs}",
            f.name
        );
        let streams = doc["streams"].as_array().unwrap();
        let ours_v: Vec<&Value> = streams.iter().filter(|s| s["kind"] == "video").collect();
        let vids = info.video_streams();
        assert_eq!(ours_v.len(), vids.len(), "{} video stream count", f.name);
        for (o, t) in ours_v.iter().zip(&vids) {
            assert_eq!(o["width"], t.width(), "{} width", f.name);
            assert_eq!(o["height"], t.height(), "{} height", f.name);
            let fr = t.framerate();
            let want = fr.numer() as f64 / fr.denom() as f64;
            assert!(
                approx(o["frame_rate"].as_f64().unwrap(), want, 0.001),
                "{} fps",
                f.name
            );
        }
        let ours_a: Vec<&Value> = streams.iter().filter(|s| s["kind"] == "audio").collect();
        let auds = info.audio_streams();
        assert_eq!(ours_a.len(), auds.len(), "{} audio stream count", f.name);
        for (o, t) in ours_a.iter().zip(&auds) {
            assert_eq!(o["channels"], t.channels(), "{} channels", f.name);
            assert_eq!(o["sample_rate"], t.sample_rate(), "{} rate", f.name);
            // The Discoverer gives ISO 639-1 where one exists; the document
            // keeps the file's ISO 639-2 and that two-letter form beside it.
            if let Some(lang) = t.language() {
                assert_eq!(o["language_iso639_1"], lang.as_str(), "{} language", f.name);
            }
        }
    }
}

#[test]
fn container_tags_are_kept_with_utc_creation_time() {
    use gstreamer as gst;
    let env = TestEnv::new();
    gst::init().unwrap();
    let mut tags = gst::TagList::new();
    {
        let t = tags.get_mut().unwrap();
        t.add::<gst::tags::Title>(&"Holiday", gst::TagMergeMode::Replace);
        t.add::<gst::tags::Comment>(&"On the beach", gst::TagMergeMode::Replace);
        let when = gst::DateTime::new(2.0, 2021, 6, 1, 10, 20, 30.0).unwrap();
        t.add::<gst::tags::DateTime>(&when, gst::TagMergeMode::Replace);
    }
    for (name, mux) in [("tagged.mkv", "matroskamux"), ("tagged.mp4", "mp4mux")] {
        crate::testenv::fixtures::make_tagged(
            &format!(
                "videotestsrc num-buffers=10 ! video/x-raw,width=160,height=120,framerate=10/1 ! x264enc ! h264parse ! {mux} name=mux ! filesink location={{out}}"
            ),
            &env.lib.join(name),
            &tags,
        );
    }
    env.scan(&[], 0);
    for name in ["tagged.mkv", "tagged.mp4"] {
        let doc = &env.row(&env.lib.join(name))["doc"];
        let t = &doc["tags"];
        assert_eq!(t["title"], "Holiday", "{name}: {t}");
        assert_eq!(t["comment"], "On the beach", "{name}: {t}");
        // Both muxers store their own muxing time as the creation time: a UTC stamp
        // from the last few minutes. (The time-zone conversion itself has a unit test.)
        let created: jiff::Timestamp = t["creation_time"].as_str().unwrap().parse().unwrap();
        assert!(t["creation_time"].as_str().unwrap().ends_with('Z'));
        let age = jiff::Timestamp::now().duration_since(created).as_secs();
        assert!(
            (0..600).contains(&age),
            "{name}: creation time {created} is {age} s old"
        );
    }
}

#[test]
fn exclude_globs_and_extra_extensions() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["vp8.webm", "mjpeg.mov"]);
    let trash = env.lib.join(".Trash");
    std::fs::create_dir(&trash).unwrap();
    copy_into(&trash, &["vp8.webm"]);
    std::fs::copy(env.lib.join("vp8.webm"), env.lib.join("partial.webm.part")).unwrap();
    crate::testenv::fixtures::make(
        "audiotestsrc num-buffers=20 ! audioconvert ! lamemp3enc ! mpegaudioparse ! filesink location={out}",
        &env.lib.join("song.mp3"),
    );
    let s = env.scan(&["--exclude", ".Trash", "--exclude", "*.mov"], 0);
    assert_eq!(s["new"], 1, "{s}");
    // Excluded files already in the catalog are not reported missing.
    env.scan(&[], 0);
    let s = env.scan(&["--exclude", ".Trash", "--exclude", "*.mov"], 0);
    assert_eq!(s["missing"], 0, "{s}");
    let s = env.scan(&["--ext", "mp3,PART"], 0);
    assert_eq!(s["new"], 2, "{s}");
    assert_eq!(
        env.row(&env.lib.join("song.mp3"))["doc"]["container"],
        "mp3"
    );
    // A bad glob is a usage error naming it.
    let out = env.run(&["scan", "--exclude", "a[", env.lib.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("a["), "{}", stderr(&out));
}

/// Stream ids are random per probe; everything else in a document must agree
/// between two probes of the same file.
fn without_stream_ids(doc: &mut Value) {
    for s in doc["streams"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("stream_id");
    }
}

#[test]
fn one_job_and_many_jobs_give_the_same_catalog() {
    let env = TestEnv::new();
    copy_into(
        &env.lib,
        &["vp8.webm", "mjpeg.mov", "h264.ts", "hevc-flac.mkv"],
    );
    let docs = |env: &TestEnv| {
        let mut rows = env.query("SELECT path, doc FROM media ORDER BY path");
        for r in rows.iter_mut() {
            without_stream_ids(&mut r["doc"]);
        }
        rows
    };
    let s = env.scan(&["-j", "1", "--timeout", "10"], 0);
    assert_eq!(s["probed"], 4);
    let one = docs(&env);
    let s = env.scan(&["-j", "4", "--force"], 0);
    assert_eq!(s["probed"], 4);
    assert_eq!(one, docs(&env));
    // The benchmark's baseline without worker processes stores the same documents.
    let s = env.scan(&["--in-process", "--force"], 0);
    assert_eq!(s["probed"], 4);
    assert_eq!(one, docs(&env));
}

/// Streaming threads plug demuxers and parsers while the pipeline is still
/// starting: many probes at once, of every kind of file, must neither hang nor
/// tell two copies of one file apart.
#[test]
fn many_parallel_probes_agree_and_never_hang() {
    let env = TestEnv::new();
    let originals = copy_into(&env.lib, &[]);
    let copies = 60;
    for n in 0..copies {
        let dir = env.lib.join(format!("copy-{n}"));
        std::fs::create_dir(&dir).unwrap();
        for f in &originals {
            std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
        }
    }
    let total = originals.len() * (copies + 1);
    let s = env.scan(&["-j", "8", "--timeout", "10"], 0);
    assert_eq!(s["probed"], total);
    let rows = env.query("SELECT path, status, doc FROM media");
    assert_eq!(rows.len(), total);
    let mut by_name: std::collections::HashMap<String, Value> = Default::default();
    for r in rows {
        assert_eq!(r["status"], "ok", "{r}");
        let path = r["path"].as_str().unwrap();
        let name = Path::new(path).file_name().unwrap().to_string_lossy();
        let mut doc = r["doc"].clone();
        without_stream_ids(&mut doc);
        let first = by_name
            .entry(name.to_string())
            .or_insert_with(|| doc.clone());
        assert_eq!(*first, doc, "{path} differs from another copy");
    }
}

#[test]
fn a_missing_media_executable_is_a_clear_error() {
    let env = TestEnv::new();
    copy_into(&env.lib, &["vp8.webm"]);
    env.scan(&[], 0);
    let alone = env.path().join("bin");
    std::fs::create_dir_all(&alone).unwrap();
    let exe = alone.join("mediadex");
    std::fs::copy(crate::testenv::exe("mediadex"), &exe).unwrap();
    // A test thread forking meanwhile may hold the copy's write descriptor for
    // a moment (ETXTBSY): wait for it to close.
    let out = (0..100)
        .find_map(|_| {
            match std::process::Command::new(&exe)
                .arg("--db")
                .arg(&env.db)
                .args(["scan", env.lib.to_str().unwrap()])
                .env("MEDIADEX_HOST", HOST)
                .output()
            {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    None
                }
                other => Some(other.unwrap()),
            }
        })
        .expect("the copied executable stays busy");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mediadex-media is missing"), "{err}");
    assert!(err.contains(&alone.display().to_string()), "{err}");
    // Every other verb works without it, on the catalog a complete install made.
    let out = std::process::Command::new(&exe)
        .arg("--db")
        .arg(&env.db)
        .args(["query", "SELECT count(*) AS n FROM media", "-f", "csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n\n1\n");
}

/// An MP4 whose samples are encrypted (common encryption, as ffmpeg writes
/// it: no key needed to read the headers) is read like any other: `ok`,
/// its codec and size, and `encrypted` with the scheme.
#[test]
fn an_encrypted_mp4_is_read_and_says_so() {
    let env = TestEnv::new();
    let out = env.lib.join("cenc.mp4");
    let st = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .args(["testsrc2=s=320x240:r=25", "-t", "2", "-c:v", "libx264"])
        .args(["-encryption_scheme", "cenc-aes-ctr"])
        .args(["-encryption_key", "00112233445566778899aabbccddeeff"])
        .args(["-encryption_kid", "00112233445566778899aabbccddeeff"])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(st.success());
    env.scan(&[], 0);
    let rows = env.query(
        "SELECT status, video_codec, width, height, round(duration_s, 1) AS d,
                json_extract(doc, '$.encrypted') AS encrypted,
                json_extract(doc, '$.encryption') AS scheme
         FROM media",
    );
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        (
            r["status"].as_str(),
            r["video_codec"].as_str(),
            r["width"].as_i64(),
            r["height"].as_i64()
        ),
        (Some("ok"), Some("h264"), Some(320), Some(240)),
        "{rows:?}"
    );
    assert_eq!(r["d"].as_f64(), Some(2.0), "{rows:?}");
    assert_eq!(
        (r["encrypted"].as_i64(), r["scheme"].as_str()),
        (Some(1), Some("cenc")),
        "{rows:?}"
    );
}

/// A size field of garbage (a box declaring 36 PB after a whole file) is a
/// damaged header, not a cut file: `ok`. A file a few bytes short says so
/// with the decimals that tell it from whole ("99.96%", never "100%").
#[test]
fn an_absurd_declared_size_is_no_truncation_and_a_near_whole_file_says_how_near() {
    let env = TestEnv::new();
    let whole = env.lib.join("absurd.mp4");
    let st = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .args(["testsrc2=s=320x240:r=25", "-t", "2", "-c:v", "libx264"])
        .arg(&whole)
        .status()
        .expect("run ffmpeg");
    assert!(st.success());
    let bytes = std::fs::read(&whole).unwrap();
    // Cut 30 bytes before the end of the media data.
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap() - 4;
    let n = u32::from_be_bytes(bytes[mdat..mdat + 4].try_into().unwrap()) as usize;
    std::fs::write(env.lib.join("short.mp4"), &bytes[..mdat + n - 30]).unwrap();
    let mut absurd = bytes.clone();
    absurd.extend_from_slice(&1u32.to_be_bytes());
    absurd.extend_from_slice(b"free");
    absurd.extend_from_slice(&36_000_000_000_000_000u64.to_be_bytes());
    std::fs::write(&whole, absurd).unwrap();
    env.scan(&[], 3);
    let rows = env.query("SELECT path, status, error FROM media ORDER BY path");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["status"], "ok", "{rows:?}");
    let e = rows[1]["error"].as_str().unwrap();
    assert_eq!(rows[1]["status"], "error", "{rows:?}");
    assert!(e.contains("ends at 99.9") && !e.contains("100%"), "{e}");
}
