//! Many hosts: each scans into its own catalog, `dump` is the interchange, a
//! central catalog `load`s them — and DuckDB reads the same dumps directly
//! (the README's example), agreeing with `report hosts`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::testenv::fixtures::copy_into;
use crate::testenv::{TestEnv, stderr};

/// A Python with DuckDB in a venv under the target dir, made on first use
/// (DuckDB comes from PyPI; `make test` makes it the same way).
fn duckdb_python() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("duckdb-venv");
    let python = venv.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import duckdb"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready(&python) {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "duckdb"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(
            made && ready(&python),
            "could not install DuckDB into {} (python3-venv and PyPI are needed)",
            venv.display()
        );
    }
    python
}

/// Scan a small library as `host` and dump it to `out`.
fn dump_host(host: &str, files: &[&str], out: &Path) {
    let env = TestEnv::new();
    copy_into(&env.lib, files);
    let scan = env
        .cmd()
        .env("MEDIADEX_HOST", host)
        .args(["scan", "-q"])
        .arg(&env.lib)
        .output()
        .unwrap();
    assert!(scan.status.success(), "{}", stderr(&scan));
    let dump = env
        .cmd()
        .arg("dump")
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", stderr(&dump));
}

#[test]
fn duckdb_reads_the_dumps_of_many_hosts_as_report_hosts_counts_them() {
    let central = TestEnv::new();
    let a = central.path().join("nas.jsonl");
    let b = central.path().join("desk.jsonl");
    dump_host("nas", &["h264-aac.mp4", "vp8.webm", "hevc-flac.mkv"], &a);
    dump_host("desk", &["vp8.webm"], &b);

    let load = central.cmd().arg("load").arg(&a).arg(&b).output().unwrap();
    assert!(load.status.success(), "{}", stderr(&load));
    let out = central.run(&["report", "hosts", "-f", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hosts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();

    let sql = format!(
        "SELECT host, count(*) FILTER (WHERE status <> 'missing') AS files, \
                coalesce(sum(size) FILTER (WHERE status <> 'missing'), 0) AS bytes \
         FROM read_json(['{}', '{}'], format = 'newline_delimited', union_by_name = true) \
         WHERE type = 'media' GROUP BY host ORDER BY host",
        a.display(),
        b.display()
    );
    let script = format!(
        "import duckdb, json\nrows = duckdb.sql({sql:?}).fetchall()\nprint(json.dumps([{{'host': h, 'files': f, 'bytes': int(b)}} for h, f, b in rows]))"
    );
    let duck = Command::new(duckdb_python())
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(duck.status.success(), "{}", stderr(&duck));
    let duck: Vec<Value> = serde_json::from_slice(&duck.stdout).unwrap();

    assert_eq!(hosts.len(), 2, "{hosts:?}");
    assert_eq!(duck.len(), 2, "{duck:?}");
    for (r, d) in hosts.iter().zip(&duck) {
        assert_eq!(r["host"], d["host"]);
        assert_eq!(r["files"], d["files"], "{r} {d}");
        assert_eq!(r["bytes"], d["bytes"], "{r} {d}");
    }
    assert_eq!(duck[0]["host"], "desk");
    assert_eq!(duck[0]["files"], 1);
    assert_eq!(duck[1]["files"], 3);
}
