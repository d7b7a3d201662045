//! Probe files in this process with the library's parse-only pipeline and print
//! each document as a JSON line — the same work a scan's worker does, without
//! worker processes or a catalog (the benchmark uses it to price isolation).
//!
//! `cargo run --release --example probe -- [-j N] FILE...`, or `--list FILE` for
//! a newline-separated list. `PROBE_TIMEOUT_S` sets the deadline (default 30).

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

fn main() -> anyhow::Result<()> {
    mediadex_media::probe::init()?;
    let timeout = std::env::var("PROBE_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(30.0);
    let mut jobs = 2;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("-j") => {
                jobs = args
                    .next()
                    .and_then(|v| v.to_str()?.parse().ok())
                    .unwrap_or(2)
            }
            Some("--list") => {
                let list = std::fs::read_to_string(args.next().expect("--list FILE"))?;
                files.extend(list.lines().filter(|l| !l.is_empty()).map(PathBuf::from));
            }
            _ => files.push(a.into()),
        }
    }
    if files.is_empty() {
        anyhow::bail!("usage: probe [-j N] [--list FILE] FILE...");
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let started = Instant::now();
    let out = std::sync::Mutex::new(std::io::stdout());
    pool.install(|| {
        files.par_iter().for_each(|f| {
            let t = Instant::now();
            let p = mediadex_media::probe::probe(f, Duration::from_secs_f64(timeout));
            let line = serde_json::json!({
                "path": f.display().to_string(),
                "status": p.status,
                "error": p.error,
                "ms": t.elapsed().as_secs_f64() * 1e3,
                "doc": p.doc,
            });
            let _ = writeln!(out.lock().unwrap(), "{line}");
        })
    });
    eprintln!(
        "probed {} files in {:.3} s ({:.0} files/s, {jobs} threads)",
        files.len(),
        started.elapsed().as_secs_f64(),
        files.len() as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}
