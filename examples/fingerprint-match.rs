//! Matching time and memory at library scale, on synthetic fingerprints:
//! `cargo run --release --example fingerprint-match -- FILES [FRAMES_PER_FILE]`.
//! A tenth of the files are noisy re-encodes, trims or clips of another file,
//! the rest unrelated; prints the time, the peak RSS and whether every planted
//! pair was found. `-- --db CATALOG` matches a real catalog's fingerprints and
//! prints the pairs instead (for tuning).

use std::time::Instant;

use mediadex_core::fingerprint::Frame;
use mediadex_core::fingerprint::matcher::{FrameStore, Params, match_store};

fn rng(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// Overwrite `field` with the value of the environment variable `name`, if set.
fn env<T: std::str::FromStr>(name: &str, field: &mut T) -> anyhow::Result<()>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    if let Ok(v) = std::env::var(name) {
        *field = v.parse()?;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut p = Params::default();
    // Matcher parameters from the environment, for tuning on a real catalog.
    env("MIN_VOTES", &mut p.min_votes)?;
    env("MIN_SEEDS", &mut p.min_seeds)?;
    env("MIN_SUPPORT", &mut p.min_support)?;
    env("MIN_SPREAD", &mut p.min_spread)?;
    env("MAX_DISTANCE", &mut p.max_distance)?;
    env("MIN_QUALITY", &mut p.min_quality)?;
    env("BIN_S", &mut p.bin_s)?;
    env("STOP_FILES", &mut p.stop_files)?;
    env("MAX_SELF_SHARE", &mut p.max_self_share)?;
    if args.first().map(String::as_str) == Some("--db") {
        let cat = mediadex_core::catalog::Catalog::open_readonly(std::path::Path::new(&args[1]))?;
        let lib = mediadex_core::catalog::fingerprints::load_current(&cat.conn, p.min_quality)?;
        let (pairs, stats) = match_store(lib, &p);
        for pr in &pairs {
            println!(
                "{}\t{}\t{}\t{:.1}\t{:.4}\t{:.2}\t{:.2}\t{:.2}\t{}",
                pr.a,
                pr.b,
                pr.relation.as_str(),
                pr.offset_s,
                pr.speed,
                pr.coverage_a,
                pr.coverage_b,
                pr.score,
                pr.votes
            );
        }
        eprintln!("{stats:?}");
        return Ok(());
    }
    let n: usize = args
        .first()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let per: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(40);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    // Frames go straight into the matcher's flat library, as the catalog
    // loads them: a file is 16 bytes a frame there, never a Vec of its own.
    let mut lib = FrameStore::new(p.min_quality);
    let mut planted = Vec::new();
    let mut prev: Vec<Frame> = Vec::new();
    for id in 0..n as i64 {
        if id % 10 == 9 {
            // A copy of the previous file: other keyframe times, a trim, noise.
            let cut = (rng(&mut seed) % 4) as usize;
            lib.add_file(id, (per - cut) as f64 * 15.0);
            for f in &prev[cut..] {
                let mut h = f.hash;
                for _ in 0..(rng(&mut seed) % 4) {
                    h ^= 1 << (rng(&mut seed) % 64);
                }
                lib.add_frame(&Frame {
                    t_ms: f.t_ms - cut as i64 * 15_000 + 300,
                    hash: h,
                    quality: 0.8,
                });
            }
            planted.push((id - 1, id));
            continue;
        }
        prev = (0..per)
            .map(|k| Frame {
                t_ms: k as i64 * 15_000,
                hash: rng(&mut seed),
                quality: 0.8,
            })
            .collect();
        lib.add_file(id, per as f64 * 15.0);
        for f in &prev {
            lib.add_frame(f);
        }
    }
    let t = Instant::now();
    let (pairs, stats) = match_store(lib, &p);
    let secs = t.elapsed().as_secs_f64();
    let found: std::collections::HashSet<(i64, i64)> = pairs.iter().map(|p| (p.a, p.b)).collect();
    let recall =
        planted.iter().filter(|x| found.contains(x)).count() as f64 / planted.len().max(1) as f64;
    let rss_kb = std::fs::read_to_string("/proc/self/status")?
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmHWM:")
                .map(|v| v.trim().trim_end_matches(" kB").trim().to_string())
        })
        .unwrap_or_default();
    println!(
        "files={n} frames={} matching_s={secs:.2} peak_rss_mb={:.0} pairs={} planted_recall={recall:.3} false_pairs={}",
        stats.frames,
        rss_kb.parse::<f64>().unwrap_or(0.0) / 1024.0,
        pairs.len(),
        pairs.len() - planted.iter().filter(|x| found.contains(x)).count()
    );
    Ok(())
}
