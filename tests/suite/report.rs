//! Reports: every bundled report against a populated catalog (real scanned
//! media plus crafted rows for the statuses, recordings, duplicates and
//! outliers a scan of the fixtures cannot produce), each output format parsed
//! back, `--sql-dir` overrides, the text summary, and the guarded connection
//! refusing every listed attack with the catalog's bytes unchanged.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::testenv::catalogs::*;
use crate::testenv::fixtures::copy_into;
use crate::testenv::{HOST, TestEnv, stderr, stdout};

mod guard;
mod sql_dir;

fn csv_header(env: &TestEnv, name: &str) -> Vec<String> {
    let out = env.run(&["report", name, "-f", "csv"]);
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    rdr.headers().unwrap().iter().map(str::to_string).collect()
}

fn col<'a>(rows: &'a [Value], key: &str, value: &str) -> &'a Value {
    rows.iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value} in {rows:?}"))
}

/// Every bundled report, with the columns it must have.
fn expected_columns() -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut all = BTreeMap::from([
        (
            "audio-codecs",
            vec![
                "audio_codec",
                "files",
                "mono",
                "stereo",
                "surround",
                "hours",
                "share",
            ],
        ),
        ("audio-languages", vec!["language", "files", "streams"]),
        (
            "bitrate-outliers",
            vec![
                "host",
                "path",
                "video_codec",
                "resolution",
                "dimensions",
                "frame_rate",
                "bitrate",
                "bpp",
                "median_bpp",
                "ratio",
                "group_files",
            ],
        ),
        (
            "containers",
            vec!["container", "files", "hours", "bytes", "share"],
        ),
        (
            "directories",
            vec!["host", "directory", "files", "hours", "bytes"],
        ),
        (
            "duplicates",
            vec![
                "kind",
                "grp",
                "files",
                "group_bytes",
                "host",
                "path",
                "size",
                "duration_s",
                "resolution",
                "container",
                "video_codec",
            ],
        ),
        ("frame-rates", vec!["frame_rate", "files", "hours", "share"]),
        ("hdr", vec!["kind", "files", "hours", "bytes", "share"]),
        (
            "hosts",
            vec!["host", "files", "missing", "hours", "bytes", "last_seen"],
        ),
        (
            "largest",
            vec![
                "host",
                "path",
                "size",
                "duration_s",
                "container",
                "video_codec",
                "resolution",
                "bitrate",
            ],
        ),
        (
            "longest",
            vec![
                "host",
                "path",
                "duration_s",
                "size",
                "container",
                "video_codec",
                "resolution",
                "bitrate",
            ],
        ),
        (
            "problems",
            vec![
                "status",
                "host",
                "path",
                "error",
                "size",
                "last_seen",
                "probed_at",
            ],
        ),
        (
            "recent",
            vec![
                "first_seen",
                "host",
                "path",
                "size",
                "duration_s",
                "container",
                "video_codec",
                "resolution",
            ],
        ),
        (
            "recordings",
            vec![
                "day",
                "recordings",
                "seconds",
                "clipped",
                "silent",
                "failed",
            ],
        ),
        (
            "resolutions",
            vec!["resolution", "files", "hours", "bytes", "share"],
        ),
        (
            "scans",
            vec![
                "started_at",
                "host",
                "status",
                "roots",
                "seen",
                "new",
                "changed",
                "unchanged",
                "missing",
                "failed",
                "probed",
                "elapsed_s",
                "finished_at",
            ],
        ),
        (
            "health",
            vec![
                "path",
                "health",
                "class",
                "first_error_s",
                "errors",
                "affected_share",
                "level",
                "detail",
                "host",
                "size",
                "container",
                "duration_s",
                "checked_at",
            ],
        ),
        (
            "similar",
            vec![
                "group",
                "files",
                "reclaimable_bytes",
                "keep",
                "why",
                "relation",
                "offset_s",
                "coverage",
                "host",
                "path",
                "duration_s",
                "resolution",
                "video_codec",
                "bitrate",
                "size",
            ],
        ),
        ("summary", vec!["status", "files", "hours", "bytes"]),
        (
            "video-codecs",
            vec![
                "video_codec",
                "files",
                "hours",
                "bytes",
                "mean_bitrate",
                "share",
            ],
        ),
    ]);
    all.extend(super::analyses::columns());
    all
}

#[test]
fn every_bundled_report_has_its_shape_and_content() {
    let env = TestEnv::new();
    copy_into(&env.lib, &[]);
    env.scan(&[], 0);
    // Language tags the fixtures carry by themselves (muxers add defaults).
    let fixture_langs = report_json(&env, "audio-languages", &[]);
    let fixture = |lang: &str, col: &str| {
        fixture_langs
            .iter()
            .find(|r| r["language"] == lang)
            .map(|r| r[col].as_i64().unwrap())
            .unwrap_or(0)
    };
    load_text(&env, "crafted.jsonl", &crafted_dump(HOST));
    let out = env.run(&["report", "--list", "-f", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = listed.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let expected = expected_columns();
    assert_eq!(
        names,
        expected.keys().copied().collect::<Vec<_>>(),
        "bundled reports"
    );
    let mut rows = BTreeMap::new();
    for (name, columns) in &expected {
        assert_eq!(&csv_header(&env, name), columns, "columns of {name}");
        let r = report_json(&env, name, &[]);
        // `similar` needs `mediadex fingerprint` first (suite::fingerprint),
        // `health` `mediadex verify` (suite::verify); the history has rows
        // once an export has run (see `analyses`).
        assert!(
            !r.is_empty() || ["similar", "health", "history"].contains(name),
            "{name} has rows on a populated catalog"
        );
        for row in &r {
            let keys: Vec<&str> = row
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                &keys, columns,
                "{name}: every JSON row has the columns in order"
            );
        }
        rows.insert(*name, r);
    }

    // 10 scanned fixtures + 20 crafted files.
    let summary = &rows["summary"];
    assert_eq!(summary[0]["status"], "all");
    assert_eq!(summary[0]["files"], 30);
    let by_status: i64 = summary[1..]
        .iter()
        .map(|r| r["files"].as_i64().unwrap())
        .sum();
    assert_eq!(by_status, 30, "statuses add up to the total");
    assert_eq!(col(summary, "status", "ok")["files"], 25);
    assert_eq!(col(summary, "status", "missing")["files"], 1);

    let ok: i64 = rows["containers"]
        .iter()
        .map(|r| r["files"].as_i64().unwrap())
        .sum();
    assert_eq!(ok, 25, "containers count the files probed successfully");
    assert_eq!(col(&rows["containers"], "container", "mp4")["files"], 12);
    let share: f64 = rows["containers"]
        .iter()
        .map(|r| r["share"].as_f64().unwrap())
        .sum();
    assert!((share - 1.0).abs() < 0.001, "shares add up to 1: {share}");

    let res = &rows["resolutions"];
    assert_eq!(col(res, "resolution", "4K")["files"], 1);
    assert_eq!(col(res, "resolution", "720p")["files"], 11);
    assert_eq!(col(res, "resolution", "1080p")["files"], 3);
    assert_eq!(
        res[0]["resolution"], "4K",
        "classes ordered from the largest"
    );
    assert_eq!(col(&rows["hdr"], "kind", "HDR10")["files"], 1);
    assert_eq!(col(&rows["hdr"], "kind", "SDR")["files"], 24);

    let langs = &rows["audio-languages"];
    assert_eq!(
        col(langs, "language", "en")["files"],
        fixture("en", "files") + 2,
        "{langs:?}"
    );
    assert_eq!(
        col(langs, "language", "fr")["files"],
        fixture("fr", "files") + 1
    );
    assert_eq!(
        col(langs, "language", "de")["streams"],
        fixture("de", "streams") + 2
    );
    assert_eq!(
        col(langs, "language", "ja")["files"],
        fixture("ja", "files") + 1
    );

    let problems = &rows["problems"];
    let order: Vec<&str> = problems
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["crashed", "timeout", "error", "unsupported", "missing"]
    );
    assert_eq!(problems[2]["error"], "no streams found");
    assert_eq!(problems[4]["error"], "not found by the last scan");

    let dups = &rows["duplicates"];
    assert_eq!(dups[0]["kind"], "size+duration");
    assert_eq!(dups[0]["files"], 2);
    let first_group: Vec<&str> = dups
        .iter()
        .filter(|r| r["grp"] == dups[0]["grp"])
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        first_group,
        ["/crafted/Shows/A/copy1.mkv", "/crafted/Shows/B/copy2.mkv"]
    );

    let outliers = &rows["bitrate-outliers"];
    assert_eq!(outliers.len(), 1, "{outliers:?}");
    assert_eq!(outliers[0]["path"], "/crafted/clips/clip07.mp4");
    assert_eq!(outliers[0]["resolution"], "720p");
    assert_eq!(outliers[0]["group_files"], 11);
    assert!(outliers[0]["ratio"].as_f64().unwrap() > 10.0);
    // A lower factor finds nothing more among files within 10% of each other.
    assert_eq!(
        report_json(&env, "bitrate-outliers", &["-p", "factor=1.5"]).len(),
        1
    );

    let largest = &rows["largest"];
    let sizes: Vec<i64> = largest
        .iter()
        .map(|r| r["size"].as_i64().unwrap())
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "largest first: {sizes:?}"
    );
    assert_eq!(
        largest[0]["path"], "/crafted/clips/clip07.mp4",
        "the outlier is the largest"
    );
    assert!(
        largest.iter().all(|r| r["path"] != "/crafted/gone.mkv"),
        "missing files are not on disk"
    );
    assert_eq!(report_json(&env, "largest", &["-p", "limit=3"]).len(), 3);
    assert_eq!(rows["longest"][0]["path"], "/crafted/Shows/A/copy1.mkv");

    // Only the fixtures were first seen in the last week; the crafted rows are from January.
    let recent = &rows["recent"];
    assert_eq!(recent.len(), 10);
    assert!(recent.iter().all(|r| {
        r["path"]
            .as_str()
            .unwrap()
            .starts_with(env.lib.to_str().unwrap())
    }));

    let dirs = &rows["directories"];
    let lib = env.lib.to_str().unwrap();
    assert_eq!(
        col(dirs, "directory", lib)["files"],
        10,
        "files directly under a root stay there"
    );
    assert_eq!(col(dirs, "directory", "/crafted/clips")["files"], 11);
    assert_eq!(col(dirs, "directory", "/crafted/Shows")["files"], 2);
    let deeper = report_json(&env, "directories", &["-p", "depth=2"]);
    assert_eq!(col(&deeper, "directory", "/crafted/Shows/A")["files"], 1);
    let roots = report_json(&env, "directories", &["-p", "depth=0"]);
    assert_eq!(
        col(&roots, "directory", "/crafted")["files"],
        19,
        "20 crafted minus the missing one"
    );

    let rec = &rows["recordings"];
    assert_eq!(rec.len(), 2);
    assert_eq!(rec[0]["day"], "2026-01-03");
    assert_eq!(rec[0]["failed"], 1);
    assert_eq!(rec[1]["day"], "2026-01-02");
    assert_eq!(rec[1]["recordings"], 3);
    assert_eq!(rec[1]["seconds"], 30.0);
    assert_eq!(rec[1]["clipped"], 1);
    assert_eq!(rec[1]["silent"], 1);

    let scans = &rows["scans"];
    assert_eq!(scans.len(), 2);
    assert_eq!(
        scans[1]["started_at"], "2026-01-01T00:00:00.000Z",
        "newest first"
    );
    assert_eq!(
        scans[1]["roots"],
        json!(["/crafted"]),
        "JSON columns come out nested"
    );
    assert_eq!(rows["hosts"].len(), 1);
    assert_eq!(rows["hosts"][0]["files"], 29);
    assert_eq!(rows["hosts"][0]["missing"], 1);
}

#[test]
fn formats_parse_back_and_text_is_for_people() {
    let env = populated();
    let json = report_json(&env, "largest", &["-p", "limit=5"]);
    assert_eq!(json.len(), 5);

    let nd = stdout(&env.run(&["report", "largest", "-p", "limit=5", "-f", "ndjson"]));
    let lines: Vec<Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, json);

    let csv_out = env
        .run(&["report", "largest", "-p", "limit=5", "-f", "csv"])
        .stdout;
    let mut rdr = csv::Reader::from_reader(csv_out.as_slice());
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 5);
    for (rec, j) in recs.iter().zip(&json) {
        assert_eq!(&rec[1], j["path"].as_str().unwrap());
        assert_eq!(rec[2].parse::<i64>().unwrap(), j["size"].as_i64().unwrap());
    }

    let text = stdout(&env.run(&["report", "largest", "-p", "limit=5"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "largest: the largest files on disk (limit=5)");
    assert_eq!(lines[1], "");
    assert!(lines[2].starts_with("host") && lines[3].starts_with("----"));
    assert_eq!(lines.len(), 4 + 5);
    assert!(
        lines[4].contains("/crafted/clips/clip07.mp4") && lines[4].contains("382.0 MiB"),
        "{}",
        lines[4]
    );
    assert!(
        lines[4].contains("1:47")
            && lines[4].contains("1280x720")
            && lines[4].contains("30.0 Mb/s"),
        "{}",
        lines[4]
    );
    // Sizes are right-aligned: they all end in the same column.
    let ends: Vec<usize> = lines[4..].iter().map(|l| l.find("iB").unwrap()).collect();
    assert!(ends.windows(2).all(|w| w[0] == w[1]), "{text}");

    let res = stdout(&env.run(&["report", "resolutions"]));
    assert!(
        res.contains("1080p") && res.contains("4K") && res.contains("%"),
        "{res}"
    );
    let summary = stdout(&env.run(&["report", "summary"]));
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("all") && l.contains("MiB")),
        "{summary}"
    );

    let empty = stdout(&env.run(&["report", "recent", "-p", "days=0", "-p", "limit=0"]));
    assert!(empty.ends_with("\n(no rows)\n"), "{empty}");
}

#[test]
fn summary_reads_in_ten_seconds() {
    let env = populated();
    let out = env.run(&["report"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let labels: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Library",
            "Status",
            "Containers",
            "Video",
            "Resolution",
            "HDR",
            "Audio",
            "Problems",
            "Recordings",
            "Last"
        ],
        "{text}"
    );
    assert!(text.lines().count() <= 12);
    assert!(text.contains("29 files on disk"), "{text}");
    assert!(
        text.contains("25 ok") && text.contains("1 missing"),
        "{text}"
    );
    assert!(text.contains("5 files: mediadex report problems"), "{text}");
    assert!(text.contains("mp4 48%"), "{text}");
    assert!(text.contains("1 clipped · 1 silent"), "{text}");
    assert!(text.contains(&format!("on {HOST}: complete")), "{text}");

    // An empty catalog says what to do.
    let empty = TestEnv::new();
    load_text(&empty, "empty.jsonl", &format!("{}\n", header()));
    let t = stdout(&empty.run(&["report"]));
    assert!(t.contains("mediadex scan DIR"), "{t}");

    let bad = env.run(&["report", "-f", "json"]);
    assert_eq!(bad.status.code(), Some(2));
}
