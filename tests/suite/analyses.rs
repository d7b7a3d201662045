//! The analyses: `savings`, `density`, `growth`, `history`, `subtitles`,
//! `quality-tiers`, `suspicious` and `distributions`, each on the catalog of
//! `library` with values worked out by hand; and the edge cases: an empty
//! catalog, a catalog of failed files only, one resolution class.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::testenv::TestEnv;
use crate::testenv::catalogs::report_json;
use crate::testenv::library::{BASE, GIB, Spec, line};
use crate::testenv::library::{catalog, library};

/// The columns of each report this file covers, for the shape test of every
/// bundled report.
pub(crate) fn columns() -> BTreeMap<&'static str, Vec<&'static str>> {
    BTreeMap::from([
        (
            "density",
            vec![
                "host",
                "directory",
                "files",
                "hours",
                "bytes",
                "gib_per_hour",
                "median_bytes",
                "codecs",
            ],
        ),
        (
            "distributions",
            vec!["metric", "bucket", "lower", "upper", "files", "share"],
        ),
        (
            "growth",
            vec![
                "month",
                "files",
                "bytes",
                "hours",
                "total_files",
                "total_bytes",
                "total_hours",
            ],
        ),
        (
            "history",
            vec![
                "day",
                "files",
                "bytes",
                "hours",
                "by_status",
                "by_codec",
                "by_resolution",
            ],
        ),
        (
            "quality-tiers",
            vec![
                "section", "tier", "files", "hours", "bytes", "host", "path", "score", "profile",
            ],
        ),
        (
            "savings",
            vec![
                "scope",
                "host",
                "path",
                "video_codec",
                "resolution",
                "files",
                "bytes",
                "estimated_bytes",
                "saved_bytes",
                "saved_share",
            ],
        ),
        ("subtitles", vec!["kind", "language", "files", "streams"]),
        (
            "suspicious",
            vec![
                "reason",
                "host",
                "path",
                "container",
                "size",
                "duration_s",
                "bitrate",
                "detail",
            ],
        ),
    ])
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("an integer, not {v}"))
}

fn find<'a>(rows: &'a [Value], pairs: &[(&str, Value)]) -> &'a Value {
    rows.iter()
        .find(|r| pairs.iter().all(|(k, v)| &r[*k] == v))
        .unwrap_or_else(|| panic!("no row with {pairs:?} in {rows:#?}"))
}

fn close(got: &Value, want: f64, what: &str) {
    let g = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
    assert!((g - want).abs() <= 2.0, "{what}: {g} != {want}");
}

#[test]
fn savings_estimates_each_file_and_the_total() {
    let env = catalog(library());
    let rows = report_json(&env, "savings", &[]);
    // 1080p h264, 25 fps, 1 h: 1920 x 1080 x 25 x 0.06 bit/s video + 160 kbit/s audio.
    let e1080 = (1920.0 * 1080.0 * 25.0 * 0.06 + 160_000.0) * 3600.0 / 8.0;
    // SD mpeg4, 30 min at 0.09.
    let esd = (720.0 * 480.0 * 25.0 * 0.09 + 160_000.0) * 1800.0 / 8.0;
    let all = &rows[0];
    assert_eq!(all["scope"], "all");
    assert!(all["path"].is_null());
    // The hevc file is already there; the truncated 720p file is already
    // smaller than its estimate; the audio-only file has no duration.
    assert_eq!(all["files"], 5);
    let now = 3 * GIB + 2 * GIB + 10 * GIB + 700_000_000 + 50_000_000;
    assert_eq!(all["bytes"], now);
    let after = 2.0 * e1080 + (10 * GIB) as f64 + esd + 50_000_000.0;
    close(&all["estimated_bytes"], after, "estimated total");
    close(&all["saved_bytes"], now as f64 - after, "saved total");
    let files: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "/lib/Show A/s01e01.mkv",
            "/lib/Show A/s01e02.mkv",
            "/lib/Movies/m.avi"
        ],
        "files that shrink, the largest saving first"
    );
    let e1 = &rows[1];
    assert_eq!(e1["resolution"], "1080p");
    assert_eq!(e1["video_codec"], "h264");
    close(&e1["estimated_bytes"], e1080, "s01e01");
    close(&e1["saved_bytes"], (3 * GIB) as f64 - e1080, "s01e01 saved");
    close(&rows[3]["estimated_bytes"], esd, "the SD movie");

    // AV1 takes the hevc file too, at its own table (4K: 0.030).
    let av1 = report_json(&env, "savings", &["-p", "target=av1"]);
    let e4k = (3840.0 * 2160.0 * 23.976 * 0.030 + 160_000.0) * 3600.0 / 8.0;
    let hevc = find(&av1, &[("path", json!("/lib/Show B/e1.mp4"))]);
    close(&hevc["estimated_bytes"], e4k, "4K to av1");
    // A fixed GiB per hour for every file.
    let gph = report_json(&env, "savings", &["-p", "gib_per_hour=1", "-p", "limit=1"]);
    assert_eq!(gph.len(), 2, "the total and one file");
    close(
        &gph[1]["estimated_bytes"],
        (1.0 * GIB as f64 * 8.0 / 3600.0 + 160_000.0) * 3600.0 / 8.0,
        "1 GiB/h",
    );
}

/// The `tier` rows of `quality-tiers`: each tier with its count of files.
fn tier_counts(q: &[Value]) -> Vec<(&str, i64)> {
    q.iter()
        .filter(|r| r["section"] == "tier")
        .map(|r| (r["tier"].as_str().unwrap(), int(&r["files"])))
        .collect()
}

#[test]
fn density_growth_and_quality_tiers() {
    let env = catalog(library());

    let d = report_json(&env, "density", &[]);
    let show_a = find(&d, &[("directory", json!("/lib/Show A"))]);
    assert_eq!(show_a["files"], 2, "the missing episode does not count");
    assert_eq!(show_a["gib_per_hour"], 2.5);
    assert_eq!(show_a["median_bytes"], (5 * GIB) / 2);
    assert_eq!(show_a["codecs"], json!({"h264": 2}));
    let movies = find(&d, &[("directory", json!("/lib/Movies"))]);
    // The audio-only file has no duration: left out.
    assert_eq!(movies["files"], 2);
    assert_eq!(movies["codecs"], json!({"h264": 1, "mpeg4": 1}));
    assert_eq!(d[0]["directory"], "/lib/Show B", "densest first");
    let deep = report_json(&env, "density", &["-p", "depth=0", "-p", "min_files=5"]);
    assert_eq!(deep.len(), 1);
    assert_eq!(deep[0]["directory"], "/lib");
    assert_eq!(deep[0]["files"], 5);

    let g = report_json(&env, "growth", &[]);
    let months: Vec<(&str, i64, i64)> = g
        .iter()
        .map(|r| {
            (
                r["month"].as_str().unwrap(),
                int(&r["files"]),
                int(&r["total_files"]),
            )
        })
        .collect();
    // On disk: January an episode and the failed file (the missing episode
    // is gone), February 2 files, March 3.
    assert_eq!(
        months,
        [("2026-01", 2, 2), ("2026-02", 2, 4), ("2026-03", 3, 7)]
    );
    assert_eq!(g[0]["bytes"], 3 * GIB + 1000);
    assert_eq!(g[1]["total_bytes"], 15 * GIB + 1000);
    assert_eq!(g[1]["total_hours"], 3.0);

    let q = report_json(&env, "quality-tiers", &[]);
    let tiers = tier_counts(&q);
    // score = resolution + encoding (codec-weighted bits per pixel per frame)
    // + 10-bit + HDR + audio (see sql/quality-tiers.sql):
    // 4K hevc 10-bit HDR10 6ch at 23.9 Mb/s: bpp 0.12 x 1.5 → 42+35+5+5+10 = 97;
    // 1080p h264 stereo, 3 GiB an hour (7.2 Mb/s, bpp 0.138): 35+35+8 = 78;
    // the same, 2 GiB (4.8 Mb/s, bpp 0.092): 35+30+8 = 73;
    // SD mpeg4 stereo at 3.1 Mb/s of which the audio claims more than all
    // (half counted, bpp 0.18 x 0.65 = 0.117): 5+35+8 = 48;
    // 720p h264 mono at 0.67 Mb/s (bpp 0.029): 25+10+4 = 39.
    assert_eq!(
        tiers,
        [("excellent", 1), ("good", 2), ("fair", 1), ("poor", 1)]
    );
    let ups: Vec<(&str, i64, &str)> = q
        .iter()
        .filter(|r| r["section"] == "upgrade")
        .map(|r| {
            (
                r["path"].as_str().unwrap(),
                int(&r["score"]),
                r["profile"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ups,
        [(
            "/lib/Movies/cut.mp4",
            39,
            "720p SDR h264 8-bit 1ch 0.029bpp"
        )],
        "the poor files"
    );
    let more = report_json(&env, "quality-tiers", &["-p", "upgrade_below=50"]);
    let ups: Vec<&str> = more
        .iter()
        .filter(|r| r["section"] == "upgrade")
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        ups,
        ["/lib/Movies/cut.mp4", "/lib/Movies/m.avi"],
        "lowest score first"
    );
    let fewer = report_json(&env, "quality-tiers", &["-p", "upgrade_below=39"]);
    assert_eq!(fewer.len(), 4, "four tiers and no candidate");
}

/// What people keep scores as they would rate it: a 1080p H.264 file at
/// 8 Mb/s with stereo sound is good (no upgrade candidate), a 480p MPEG-2
/// file at 1 Mb/s is poor, a DVD fair.
#[test]
fn quality_tiers_rate_a_typical_1080p_h264_good_and_low_bitrate_mpeg2_poor() {
    // An hour at B bit/s is B x 450 bytes.
    let env = catalog(vec![
        line(
            &Spec {
                path: "/lib/web-rip.mkv",
                video: Some(("h264", 1920, 1080, 23.976, 8, None)),
                audio: &[(2, Some("eng"))],
                size: 8_000_000 * 450,
                ..BASE
            },
            "ok",
        ),
        line(
            &Spec {
                path: "/lib/old-capture.mpg",
                container: "mpeg-ps",
                video: Some(("mpeg2video", 720, 480, 29.97, 8, None)),
                audio: &[(2, None)],
                size: 1_000_000 * 450,
                ..BASE
            },
            "ok",
        ),
        line(
            &Spec {
                path: "/lib/dvd.mkv",
                video: Some(("mpeg2video", 720, 480, 29.97, 8, None)),
                audio: &[(2, None)],
                size: 6_000_000 * 450,
                ..BASE
            },
            "ok",
        ),
    ]);
    let q = report_json(&env, "quality-tiers", &[]);
    let tiers = tier_counts(&q);
    assert_eq!(
        tiers,
        [("excellent", 0), ("good", 1), ("fair", 1), ("poor", 1)]
    );
    let ups: Vec<(&str, &str, i64)> = q
        .iter()
        .filter(|r| r["section"] == "upgrade")
        .map(|r| {
            (
                r["path"].as_str().unwrap(),
                r["tier"].as_str().unwrap(),
                int(&r["score"]),
            )
        })
        .collect();
    // bpp 1e6 / (720 x 480 x 29.97) x 0.5 = 0.048: 5+17+8.
    assert_eq!(ups, [("/lib/old-capture.mpg", "poor", 30)]);
}

#[test]
fn subtitles_suspicious_and_distributions() {
    let env = catalog(library());

    let s = report_json(&env, "subtitles", &[]);
    let got: Vec<(&str, Value, i64, i64)> = s
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap(),
                r["language"].clone(),
                int(&r["files"]),
                int(&r["streams"]),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("language", json!("(untagged)"), 1, 1),
            ("language", json!("eng"), 1, 1),
            ("language", json!("ger"), 1, 1),
            // s01e02, the movie, the truncated file; not the audio-only one.
            ("no subtitles", Value::Null, 3, 0),
            ("audio untagged", Value::Null, 1, 1),
            ("subtitles untagged", Value::Null, 1, 1),
        ]
    );

    let odd = report_json(&env, "suspicious", &[]);
    let got: Vec<(&str, &str)> = odd
        .iter()
        .map(|r| (r["reason"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("no duration", "/lib/Movies/audio-only.mkv"),
            ("no video stream", "/lib/Movies/audio-only.mkv"),
            ("size too small", "/lib/Movies/m.avi"),
            ("truncated", "/lib/Movies/cut.mp4"),
        ]
    );
    assert_eq!(odd[3]["detail"], "100000000 bytes declared");
    // The movie's size is a fifth of what its streams claim: not 6 times off.
    let loose = report_json(&env, "suspicious", &["-p", "factor=6"]);
    assert!(loose.iter().all(|r| r["reason"] != "size too small"));

    let d = report_json(&env, "distributions", &[]);
    let metrics: Vec<&str> = d.iter().map(|r| r["metric"].as_str().unwrap()).collect();
    let count = |m: &str| metrics.iter().filter(|x| **x == m).count();
    assert_eq!(
        (
            count("size"),
            count("duration"),
            count("bitrate"),
            count("bpp")
        ),
        (10, 11, 8, 7),
        "every bucket, empty ones too"
    );
    let bucket =
        |m: &str, b: &str| int(&find(&d, &[("metric", json!(m)), ("bucket", json!(b))])["files"]);
    assert_eq!(
        bucket("size", "2-5 GiB"),
        2,
        "3 GiB and 2 GiB: lower bound included"
    );
    assert_eq!(bucket("size", "5-10 GiB"), 0);
    assert_eq!(bucket("size", "10-20 GiB"), 1);
    assert_eq!(bucket("size", "< 100 MiB"), 2);
    assert_eq!(bucket("duration", "1-1.5 h"), 3);
    assert_eq!(bucket("duration", "30-45 min"), 1);
    assert_eq!(bucket("duration", "10-20 min"), 1);
    let first = find(
        &d,
        &[("metric", json!("size")), ("bucket", json!("1-2 GiB"))],
    );
    assert_eq!(first["lower"], GIB);
    assert_eq!(first["upper"], 2 * GIB);
    let last = find(&d, &[("metric", json!("bpp")), ("bucket", json!(">= 1"))]);
    assert!(last["upper"].is_null());
    let shares: f64 = d
        .iter()
        .filter(|r| r["metric"] == "size")
        .map(|r| r["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-3, "{shares}");
}

/// Every analysis on `env`: (name, rows).
fn all_of(env: &TestEnv) -> BTreeMap<&'static str, Vec<Value>> {
    columns()
        .keys()
        .map(|name| (*name, report_json(env, name, &[])))
        .collect()
}

#[test]
fn on_an_empty_catalog_and_on_failed_files_only() {
    let empty = TestEnv::new();
    empty.run(&["scan", empty.lib.to_str().unwrap()]);
    let failed = catalog(
        library()
            .into_iter()
            .filter(|l| l["status"] == "error")
            .collect(),
    );
    for env in [&empty, &failed] {
        let r = all_of(env);
        for name in ["density", "growth", "history", "suspicious"] {
            let rows = &r[name];
            // The failed file is on disk: growth counts it, bytes and all.
            if name == "growth" && env.path() == failed.path() {
                assert_eq!(rows.len(), 1);
                assert_eq!(rows[0]["bytes"], 1000);
                continue;
            }
            assert!(rows.is_empty(), "{name}: {rows:?}");
        }
        assert_eq!(r["savings"].len(), 1);
        assert_eq!(r["savings"][0]["files"], 0);
        assert_eq!(r["savings"][0]["saved_bytes"], 0);
        let tiers = &r["quality-tiers"];
        assert_eq!(tiers.len(), 4);
        assert!(tiers.iter().all(|t| t["files"] == 0));
        let subs = &r["subtitles"];
        assert_eq!(subs.len(), 3);
        assert!(subs.iter().all(|t| t["files"] == 0));
        let dist = &r["distributions"];
        assert_eq!(dist.len(), 36);
        assert!(
            dist.iter()
                .all(|t| t["files"] == 0 && t["share"].as_f64() == Some(0.0))
        );
    }
}

#[test]
fn one_resolution_class() {
    let same = |path: &'static str, size: i64| {
        line(
            &Spec {
                path,
                video: Some(("h264", 1280, 720, 30.0, 8, None)),
                audio: &[(2, Some("eng"))],
                size,
                ..BASE
            },
            "ok",
        )
    };
    let env = catalog(vec![same("/lib/a.mkv", GIB), same("/lib/b.mkv", 3 * GIB)]);
    let q = report_json(&env, "quality-tiers", &[]);
    // 720p h264 stereo at 30 fps, an hour: 1 GiB is 2.4 Mb/s (bpp 0.086),
    // 25+30+8 = 63, fair; 3 GiB is 7.2 Mb/s (bpp 0.26), 25+35+8 = 68, good.
    assert_eq!(
        tier_counts(&q),
        [("excellent", 0), ("good", 1), ("fair", 1), ("poor", 0)]
    );
    let s = report_json(&env, "savings", &[]);
    assert!(s[1..].iter().all(|r| r["resolution"] == "720p"));
    let d = report_json(&env, "density", &["-p", "depth=0"]);
    assert_eq!(
        d[0]["median_bytes"],
        2 * GIB,
        "mean of the two middle sizes"
    );
}

#[test]
fn each_export_day_leaves_one_history_row() {
    let env = catalog(library());
    let out = env.path().join("out");
    for _ in 0..2 {
        let o = env.run(&["export", "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", crate::testenv::stderr(&o));
    }
    let h = report_json(&env, "history", &[]);
    assert_eq!(h.len(), 1, "{h:?}");
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    assert_eq!(h[0]["day"], today);
    // On disk: every file but the missing one.
    assert_eq!(h[0]["files"], 7);
    assert_eq!(
        h[0]["by_status"],
        json!({"error": {"files": 1, "bytes": 1000}, "missing": {"files": 1, "bytes": GIB},
               "ok": {"files": 6, "bytes": 15 * GIB + 751_000_000}})
    );
    assert_eq!(h[0]["by_codec"]["h264"]["files"], 3);
    assert_eq!(h[0]["by_resolution"]["4K"]["bytes"], 10 * GIB);
    let exported: Vec<Value> =
        serde_json::from_slice(&std::fs::read(out.join("history.json")).unwrap()).unwrap();
    assert_eq!(exported, h, "the export's own row is in its history.json");
}
