//! `verify` on real clips (tests/media) and damaged copies of them: cut
//! short, a run zeroed, bits flipped. Each level finds what it should, no
//! clean file is flagged, the verdicts are stored, kept when nothing
//! changed, the same every run, and carried by dump and load; a file that
//! crashes or hangs its check costs only itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::testenv::{TestEnv, base_name, stderr};

fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/media")
        .join(name)
}

/// The library: three real clips, and of two of them (H.264 + AAC in MP4;
/// H.264 in Matroska with CRC-32 elements) a copy cut at 60%, one with 64 KiB
/// zeroed at the middle, one with ten bits flipped.
fn library(env: &TestEnv) {
    for name in ["car-detection.mp4", "bottle-detection.mp4", "asl-book.mkv"] {
        std::fs::copy(real(name), env.lib.join(name)).unwrap();
    }
    for name in ["car-detection.mp4", "asl-book.mkv"] {
        let data = std::fs::read(real(name)).unwrap();
        let n = data.len();
        let (stem, ext) = name.rsplit_once('.').unwrap();
        let out = |kind: &str, bytes: &[u8]| {
            std::fs::write(env.lib.join(format!("{stem}.{kind}.{ext}")), bytes).unwrap()
        };
        out("cut", &data[..n * 6 / 10]);
        let mut zero = data.clone();
        zero[n / 2..n / 2 + 65536].fill(0);
        out("zero", &zero);
        let mut flip = data.clone();
        for k in 0..10 {
            let at = n / 10 + k * (n * 8 / 10) / 10 + 77;
            flip[at] ^= 1 << (k % 8);
        }
        out("flip", &flip);
    }
}

/// `verify --json ARGS`, asserting the exit code; the summary.
fn verify(env: &TestEnv, args: &[&str], code: i32) -> Value {
    let mut all = vec!["verify", "--json", "-j", "2"];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert_eq!(
        out.status.code(),
        Some(code),
        "verify {args:?}: {}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("verify --json")
}

/// File name → (level, health, class) of the health rows.
fn verdicts(env: &TestEnv) -> BTreeMap<String, (String, String, String)> {
    env.query(
        "SELECT m.path, h.level, coalesce(h.health, '-') AS health, coalesce(h.class, '-') AS class
         FROM health h JOIN media m ON m.id = h.file_id",
    )
    .into_iter()
    .map(|r| {
        let name = base_name(&r["path"]);
        let s = |k: &str| r[k].as_str().unwrap().to_string();
        (name, (s("level"), s("health"), s("class")))
    })
    .collect()
}

fn health_of(v: &BTreeMap<String, (String, String, String)>, name: &str) -> String {
    v.get(name).map(|x| x.1.clone()).unwrap_or_default()
}

const CLEAN: [&str; 3] = ["car-detection.mp4", "bottle-detection.mp4", "asl-book.mkv"];

#[test]
fn each_level_finds_what_it_reads_and_flags_no_clean_file() {
    let env = TestEnv::new();
    library(&env);
    // The scan already tells the two cut copies as truncated (exit 3).
    env.scan(&[], 3);
    let s = verify(&env, &[], 3);
    assert_eq!(
        (s["level"].as_str(), s["checked"].as_u64()),
        (Some("quick"), Some(9))
    );
    let v = verdicts(&env);
    for name in CLEAN {
        assert_eq!(health_of(&v, name), "clean", "{name}: {v:?}");
    }
    // Quick reads every packet: the cuts, the CRC-32 of every Matroska
    // cluster, the H.264 units that are not units.
    for name in ["car-detection.cut.mp4", "asl-book.cut.mkv"] {
        assert_eq!(v[name].1, "damaged", "{name}");
        assert_eq!(v[name].2, "truncated", "{name}");
    }
    for name in ["asl-book.zero.mkv", "asl-book.flip.mkv"] {
        assert_eq!(
            (v[name].1.as_str(), v[name].2.as_str()),
            ("damaged", "checksum mismatch")
        );
    }
    assert_eq!(health_of(&v, "car-detection.zero.mp4"), "damaged");
    // Ten flipped bits in MP4's media data only show when decoded.
    assert_eq!(health_of(&v, "car-detection.flip.mp4"), "clean");
    // A deeper level checks every file again; full finds every copy.
    let s = verify(&env, &["--level", "full"], 3);
    assert_eq!(
        (s["checked"].as_u64(), s["damaged"].as_u64()),
        (Some(9), Some(6))
    );
    let v = verdicts(&env);
    assert_eq!(v["car-detection.flip.mp4"].2, "decode errors");
    for (name, (level, health, _)) in &v {
        assert_eq!(level, "full");
        let clean = CLEAN.contains(&name.as_str());
        assert_eq!(health == "clean", clean, "{name}: {health}");
    }
    // The damaged files are named on stderr, and listed by `report health`.
    let out = env.run(&["report", "health", "-f", "json"]);
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 6);
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().take(2).collect();
    assert_eq!(keys, ["path", "health"]);
    assert!(
        rows.iter()
            .all(|r| r["errors"].as_i64().unwrap() >= 1 && r["first_error_s"].as_f64().is_some())
    );
    let summary = String::from_utf8(env.run(&["report"]).stdout).unwrap();
    assert!(summary.contains("6 damaged · 0 unreadable"), "{summary}");
}

#[test]
fn verdicts_are_kept_until_the_file_changes_and_the_same_every_run() {
    let env = TestEnv::new();
    library(&env);
    // The scan already tells the two cut copies as truncated (exit 3).
    env.scan(&[], 3);
    verify(&env, &["--level", "full"], 3);
    let first = verdicts(&env);
    let rows = |env: &TestEnv| {
        env.query(
            "SELECT m.path, h.health, h.class, h.errors, h.first_error_s, h.affected_share
             FROM health h JOIN media m ON m.id = h.file_id ORDER BY m.path",
        )
    };
    let before = rows(&env);
    // A shallower level is already covered; the known damage still counts.
    let s = verify(&env, &["--level", "quick"], 3);
    assert_eq!(
        (s["checked"].as_u64(), s["known_damaged"].as_u64()),
        (Some(0), Some(6))
    );
    assert_eq!(verdicts(&env), first);
    // The same bytes, the same verdict, error counts and times included.
    verify(&env, &["--level", "full", "--force"], 3);
    assert_eq!(rows(&env), before);
    // A file that changes is checked again, alone; a clean selection exits 0.
    let clip = env.lib.join("bottle-detection.mp4");
    std::fs::copy(real("car-detection.mp4"), &clip).unwrap();
    env.scan(&[], 0);
    let s = verify(&env, &["--level", "full", clip.to_str().unwrap()], 0);
    assert_eq!(
        (s["selected"].as_u64(), s["checked"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn a_check_that_crashes_or_hangs_costs_only_its_file() {
    let env = TestEnv::new();
    for name in CLEAN {
        std::fs::copy(real(name), env.lib.join(name)).unwrap();
    }
    env.scan(&[], 0);
    let out = env
        .cmd()
        .env("MEDIADEX_TEST_CRASH_ON", "bottle-detection")
        .env("MEDIADEX_TEST_HANG_ON", "asl-book")
        .args(["verify", "--json", "-j", "2", "--timeout", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rows = env
        .query("SELECT m.path, h.status, h.health FROM health h JOIN media m ON m.id = h.file_id");
    let by: BTreeMap<String, (Value, Value)> = rows
        .into_iter()
        .map(|r| {
            let name = base_name(&r["path"]);
            (name, (r["status"].clone(), r["health"].clone()))
        })
        .collect();
    assert_eq!(
        by["bottle-detection.mp4"],
        ("crashed".into(), "unreadable".into())
    );
    assert_eq!(by["asl-book.mkv"], ("timeout".into(), Value::Null));
    assert_eq!(by["car-detection.mp4"], ("ok".into(), "clean".into()));
    // A check that timed out is tried again by the next run.
    let s = verify(&env, &[], 3);
    assert_eq!(s["checked"].as_u64(), Some(1));
    assert_eq!(health_of(&verdicts(&env), "asl-book.mkv"), "clean");
}

#[test]
fn health_goes_through_dump_and_load() {
    let env = TestEnv::new();
    library(&env);
    // The scan already tells the two cut copies as truncated (exit 3).
    env.scan(&[], 3);
    verify(&env, &[], 3);
    let dump = env.path().join("d.jsonl");
    let out = env.run(&["dump", "--out", dump.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let other = env.path().join("other.db");
    let out = env
        .std_cmd_db(&other)
        .args(["load", dump.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = "SELECT m.path, h.level, h.status, h.health, h.class, h.errors, h.first_error_s,
                      h.affected_share, h.detail, h.checked_at, h.size, h.mtime_ns
               FROM health h JOIN media m ON m.id = h.file_id ORDER BY m.path";
    let q = |db: &Path| {
        let out = env
            .std_cmd_db(db)
            .args(["query", sql, "-f", "json"])
            .output()
            .unwrap();
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
    };
    let mine = q(&env.db);
    assert_eq!(mine.len(), 9);
    assert_eq!(q(&other), mine);
}

/// A run killed with SIGKILL once some verdicts are stored keeps them; the
/// next run checks only the rest.
#[test]
fn a_killed_run_keeps_its_verdicts_and_the_next_does_the_rest() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::time::{Duration, Instant};

    let env = TestEnv::new();
    library(&env);
    env.scan(&[], 3);
    // Each file waits a while in the worker, so the kill finds the run half done.
    let mut child = env
        .std_cmd()
        .args(["verify", "-j", "1"])
        .env("MEDIADEX_TEST_DELAY_ON", "/:300")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stored = || {
        env.query("SELECT count(*) AS n FROM health")[0]["n"]
            .as_u64()
            .unwrap()
    };
    let t = Instant::now();
    while stored() < 2 {
        assert!(t.elapsed() < Duration::from_secs(30), "nothing stored");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).unwrap();
    child.wait().unwrap();
    let kept = stored();
    assert!((2..9).contains(&kept), "{kept} verdicts kept");
    let s = verify(&env, &[], 3);
    assert_eq!(s["unchanged"].as_u64(), Some(kept), "{s}");
    assert_eq!(s["checked"].as_u64(), Some(9 - kept), "{s}");
}

/// Files GStreamer can only partly read are not called damaged: an
/// encrypted one gets the container's checks (its samples need the key), one
/// whose codec GStreamer cannot decode (VVC) no verdict at `full`. Several
/// copies of the VVC file checked at once, three times: each gets that
/// verdict every time (in some runs qtdemux's push waited on decodebin's
/// blocked pad for good, and the check ended as "no data" after 10 s).
#[test]
fn encrypted_and_undecodable_files_are_not_called_damaged() {
    let env = TestEnv::new();
    for name in ["prog_8s_enc_dashinit.mp4", "cbcs_audio.mp4"] {
        std::fs::copy(real(&format!("mp4ff/{name}")), env.lib.join(name)).unwrap();
    }
    for k in 0..6 {
        let copy = env.lib.join(format!("vvc_{k}.mp4"));
        std::fs::copy(real("mp4ff/vvc_400kbps_2s.mp4"), copy).unwrap();
    }
    env.scan(&[], 0);
    for run in 0..3 {
        let s = verify(&env, &["--level", "full", "--force"], 3);
        assert_eq!(
            (s["damaged"].as_u64(), s["unreadable"].as_u64()),
            (Some(0), Some(0)),
            "run {run}: {s}"
        );
        undecodable_not_judged(&env);
    }
}

fn undecodable_not_judged(env: &TestEnv) {
    let rows = env.query(
        "SELECT m.path, h.status, h.health, h.detail FROM health h JOIN media m ON m.id = h.file_id",
    );
    assert_eq!(rows.len(), 8);
    for r in &rows {
        let name = base_name(&r["path"]);
        let detail = r["detail"].as_str().unwrap_or("");
        if name.starts_with("vvc") {
            assert_eq!(
                (r["status"].as_str(), &r["health"]),
                (Some("unsupported"), &Value::Null)
            );
            assert!(detail.contains("not checked"), "{detail}");
        } else {
            assert_eq!(r["health"], "clean", "{name}: {detail}");
            assert!(detail.starts_with("encrypted"), "{name}: {detail}");
        }
    }
}

/// `ffmpeg ARGS... OUT`, asserting it succeeds.
fn ffmpeg(args: &[&str], out: &Path) {
    let st = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .arg(out)
        .status()
        .expect("run ffmpeg");
    assert!(st.success(), "ffmpeg {args:?}");
}

/// A transport stream whose video PES packets declare no length (as ffmpeg
/// writes them), cut where a TS packet ends, inside such a PES packet: no
/// partial packet, no declared length short, yet `quick` tells it cut (its
/// last PES packet's last TS packet is full, where every earlier one ends
/// in stuffing); the whole file stays clean.
#[test]
fn a_transport_stream_cut_at_a_packet_boundary_is_truncated_at_quick() {
    let env = TestEnv::new();
    let whole = env.lib.join("clip.ts");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=25",
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-g",
            "25",
            "-f",
            "mpegts",
        ],
        &whole,
    );
    let bytes = std::fs::read(&whole).unwrap();
    let packet = |i: usize| &bytes[i * 188..(i + 1) * 188];
    let pid = |p: &[u8]| (u16::from(p[1] & 0x1F) << 8) | u16::from(p[2]);
    let unit_start = |p: &[u8]| p[1] & 0x40 != 0;
    let n = bytes.len() / 188;
    // From the middle on: a PES packet that starts at packet k and goes on
    // over k + 1 and k + 2; the cut keeps k and k + 1.
    let k = (n / 2..n - 3)
        .find(|&k| {
            let (a, b, c) = (packet(k), packet(k + 1), packet(k + 2));
            unit_start(a)
                && a[4..].windows(4).any(|w| w == [0, 0, 1, 0xE0])
                && pid(b) == pid(a)
                && pid(c) == pid(a)
                && !unit_start(b)
                && !unit_start(c)
        })
        .expect("a video PES packet over three TS packets");
    std::fs::write(env.lib.join("clip.cut.ts"), &bytes[..(k + 2) * 188]).unwrap();
    env.scan(&[], 0);
    verify(&env, &[], 3);
    let rows = env.query(
        "SELECT m.path, h.health, h.class, h.detail FROM health h JOIN media m ON m.id = h.file_id",
    );
    let by: BTreeMap<String, &Value> = rows.iter().map(|r| (base_name(&r["path"]), r)).collect();
    assert_eq!(by["clip.ts"]["health"], "clean", "{rows:?}");
    let cut = by["clip.cut.ts"];
    assert_eq!(
        (cut["health"].as_str(), cut["class"].as_str()),
        (Some("damaged"), Some("truncated")),
        "{rows:?}"
    );
    assert!(
        cut["detail"].as_str().unwrap().contains("PES packet"),
        "{rows:?}"
    );
}

/// `quick` reads an MP4's sample tables against its bytes: 16 KiB of random
/// bytes over the media data break the NAL units of the H.264 samples there
/// (the packets' parse passed over them), and the whole file stays clean.
#[test]
fn random_bytes_over_mp4_samples_are_found_at_quick() {
    let env = TestEnv::new();
    let name = "car-detection.mp4";
    std::fs::copy(real(name), env.lib.join(name)).unwrap();
    let mut data = std::fs::read(real(name)).unwrap();
    let at = data.len() / 2;
    // xorshift64: the same bytes every run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in &mut data[at..at + 16384] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(env.lib.join("car-detection.random.mp4"), &data).unwrap();
    env.scan(&[], 0);
    verify(&env, &[], 3);
    let v = verdicts(&env);
    assert_eq!(health_of(&v, name), "clean", "{v:?}");
    assert_eq!(
        v["car-detection.random.mp4"],
        (
            "quick".into(),
            "damaged".into(),
            "unreadable packets".into()
        ),
        "{v:?}"
    );
    let detail = env.query(
        "SELECT detail FROM health h JOIN media m ON m.id = h.file_id WHERE m.path LIKE '%random%'",
    );
    assert!(
        detail[0]["detail"].as_str().unwrap().contains("NAL unit"),
        "{detail:?}"
    );
}
