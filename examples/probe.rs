//! Probe files with the library's parse-only pipeline and print each document.
//!
//! `cargo run --example probe -- FILE...` (files are probed in parallel threads,
//! as the scan worker does; `PROBE_TIMEOUT_S` sets the deadline, default 10).

use std::time::Duration;

fn main() -> anyhow::Result<()> {
    mediadex::scan::probe::init()?;
    let timeout = std::env::var("PROBE_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(10.0);
    let files: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    if files.is_empty() {
        anyhow::bail!("usage: probe FILE...");
    }
    std::thread::scope(|s| {
        for f in &files {
            s.spawn(move || {
                let started = std::time::Instant::now();
                let p = mediadex::scan::probe::probe(f, Duration::from_secs_f64(timeout));
                let out = serde_json::json!({
                    "path": f.display().to_string(),
                    "status": p.status,
                    "error": p.error,
                    "ms": started.elapsed().as_secs_f64() * 1e3,
                    "doc": p.doc,
                });
                println!("{out}");
            });
        }
    });
    Ok(())
}
