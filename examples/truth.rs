//! `make truth`: how often mediadex and MediaInfo agree with ffprobe, per field
//! class, on a corpus written by ffmpeg (scripts/gen-ffmpeg-corpus.sh).
//!
//! `cargo run --release --example truth -- [--mediadex BIN] [--details FILE] CORPUS_DIR`
//!
//! Scans the corpus's files (a copy in a temp dir) with BIN (default
//! target/release/mediadex) into a temp catalog, runs ffprobe and
//! `mediainfo --Output=JSON` on every file, and prints a table of facts compared
//! and agreement per class for both tools. The fact classes, the mapping of each
//! tool's output to them and the tolerances are the differential test's
//! (tests/testenv/truth.rs, included here by path). `--details FILE` writes
//! every disagreement of both tools, one per line.

#[path = "../tests/testenv/truth/mod.rs"]
mod truth;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

fn main() -> anyhow::Result<()> {
    let mut mediadex = PathBuf::from("target/release/mediadex");
    let mut details: Option<PathBuf> = None;
    let mut corpus: Option<PathBuf> = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--mediadex") => mediadex = args.next().context("--mediadex BIN")?.into(),
            Some("--details") => details = Some(args.next().context("--details FILE")?.into()),
            Some("-h" | "--help") => {
                println!("usage: truth [--mediadex BIN] [--details FILE] CORPUS_DIR");
                return Ok(());
            }
            _ => corpus = Some(a.into()),
        }
    }
    let corpus = corpus.context("usage: truth [--mediadex BIN] [--details FILE] CORPUS_DIR")?;
    let files = truth::corpus_files(&corpus);
    if files.is_empty() {
        bail!("no files in {}", corpus.display());
    }

    // mediadex: scan a copy (the corpus directory also holds hidden sources).
    let tmp = tempfile::Builder::new()
        .prefix("mediadex-truth")
        .tempdir()?;
    let lib = tmp.path().join("lib");
    std::fs::create_dir_all(&lib)?;
    for f in &files {
        std::fs::copy(f, lib.join(f.file_name().unwrap()))?;
    }
    let db = tmp.path().join("catalog.db");
    let scan = Command::new(&mediadex)
        .arg("--db")
        .arg(&db)
        .args(["scan", "--json", "--ext", &truth::ext_arg(&files)])
        .arg(&lib)
        .output()
        .with_context(|| format!("run {}", mediadex.display()))?;
    if !matches!(scan.status.code(), Some(0 | 3)) {
        bail!("scan failed: {}", String::from_utf8_lossy(&scan.stderr));
    }
    let q = Command::new(&mediadex)
        .arg("--db")
        .arg(&db)
        .args([
            "query",
            "SELECT path, status, error, doc FROM media",
            "-f",
            "json",
        ])
        .output()?;
    let rows: Vec<Value> = serde_json::from_slice(&q.stdout).context("query output")?;
    let rows: BTreeMap<String, Value> = rows
        .into_iter()
        .map(|r| (name_of(Path::new(r["path"].as_str().unwrap_or(""))), r))
        .collect();

    let mut md_facts = Vec::new();
    let mut mi_facts = Vec::new();
    // The same facts, less those both tools tell alike and ffprobe
    // otherwise (often ffprobe's own placeholders).
    let (mut md_kept, mut mi_kept, mut shared) = (Vec::new(), Vec::new(), 0);
    let mut lines = Vec::new();
    for f in &files {
        let name = name_of(f);
        let expect = truth::expect_for(&name);
        let reference = match truth::ffprobe_json(f) {
            Ok(v) => Some(truth::from_ffprobe(&v)),
            Err(e) if expect == truth::Expect::Media => {
                eprintln!("truth: ffprobe cannot read {name} ({e}); skipped");
                continue;
            }
            Err(_) => None,
        };
        let who = if expect == truth::Expect::Media {
            "ffprobe"
        } else {
            "expected"
        };
        let md = match rows.get(&name) {
            Some(row) => {
                let doc = match &row["doc"] {
                    Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                    d => d.clone(),
                };
                truth::from_mediadex(
                    row["status"].as_str().unwrap_or(""),
                    row["error"].as_str(),
                    &doc,
                )
            }
            None => truth::Facts::default(),
        };
        let md = truth::compare(&name, reference.as_ref(), &md);
        let mi = truth::mediainfo_json(f)
            .map(|v| truth::from_mediainfo(&v))
            .unwrap_or_default();
        let mi = truth::compare(&name, reference.as_ref(), &mi);
        shared += shared_misses(&md, &mi).len();
        for fact in &md {
            if !fact.agree {
                lines.push(format!(
                    "mediadex  {name}: {}: mediadex={} {who}={}",
                    fact.field, fact.candidate, fact.reference
                ));
            }
        }
        for fact in &mi {
            if !fact.agree {
                lines.push(format!(
                    "mediainfo {name}: {}: mediainfo={} {who}={}",
                    fact.field, fact.candidate, fact.reference
                ));
            }
        }
        let kept = |facts: &[truth::Fact], other: &[truth::Fact]| -> Vec<truth::Fact> {
            let left_out = shared_misses(facts, other);
            facts
                .iter()
                .filter(|f| !left_out.contains(f.field.as_str()))
                .cloned()
                .collect()
        };
        md_kept.extend(kept(&md, &mi));
        mi_kept.extend(kept(&mi, &md));
        md_facts.extend(md);
        mi_facts.extend(mi);
    }

    let md = truth::tally(&md_facts);
    let mi = truth::tally(&mi_facts);
    let pct = |(n, ok): (usize, usize)| {
        if n == 0 {
            "—".to_string()
        } else {
            format!("{:.1}%", ok as f64 * 100.0 / n as f64)
        }
    };
    let share = |(n, ok): (usize, usize)| format!("{} ({ok}/{n})", pct((n, ok)));
    let mut out = String::new();
    out.push_str(&format!(
        "### Agreement with ffprobe ({} files of {}; {})\n\n",
        files.len(),
        corpus.display(),
        version("mediainfo", &["--Version"]).unwrap_or_else(|| "MediaInfo ?".into())
    ));
    out.push_str("| Field class | Facts | mediadex | MediaInfo | Ahead |\n");
    out.push_str("| --- | ---: | ---: | ---: | --- |\n");
    let (mut tn, mut tmd, mut tmi_n, mut tmi) = (0, 0, 0, 0);
    for class in truth::CLASSES {
        let a = md.get(class).copied().unwrap_or((0, 0));
        let b = mi.get(class).copied().unwrap_or((0, 0));
        if a.0 == 0 && b.0 == 0 {
            continue;
        }
        tn += a.0;
        tmd += a.1;
        tmi_n += b.0;
        tmi += b.1;
        let facts = if a.0 == b.0 {
            a.0.to_string()
        } else {
            format!("{} / {}", a.0, b.0)
        };
        let ra = if a.0 > 0 {
            a.1 as f64 / a.0 as f64
        } else {
            0.0
        };
        let rb = if b.0 > 0 {
            b.1 as f64 / b.0 as f64
        } else {
            0.0
        };
        let ahead = if (ra - rb).abs() < 1e-9 {
            "="
        } else if ra > rb {
            "mediadex"
        } else {
            "MediaInfo"
        };
        out.push_str(&format!(
            "| {class} | {facts} | {} | {} | {ahead} |\n",
            share(a),
            share(b)
        ));
    }
    out.push_str(&format!(
        "| **total** | {} | **{}** ({tmd}/{tn}) | **{}** ({tmi}/{tmi_n}) | |\n",
        if tn == tmi_n {
            tn.to_string()
        } else {
            format!("{tn} / {tmi_n}")
        },
        pct((tn, tmd)),
        pct((tmi_n, tmi))
    ));
    let kept = |facts: &[truth::Fact]| (facts.len(), facts.iter().filter(|f| f.agree).count());
    let (a, b) = (kept(&md_kept), kept(&mi_kept));
    out.push_str(&format!(
        "| total, less the {shared} facts both tell alike and ffprobe otherwise | {} | {} | {} | |\n",
        a.0,
        share(a),
        share(b)
    ));
    if let Some(path) = details {
        let mut f = std::fs::File::create(&path)?;
        for l in &lines {
            writeln!(f, "{l}")?;
        }
        out.push_str(&format!(
            "\n({} disagreements, one per line, in {})\n",
            lines.len(),
            path.display()
        ));
    }
    print!("{out}");
    Ok(())
}

/// The fields of `facts` (one file's) that disagree with ffprobe exactly as
/// the same fields of `other` do: mediadex and MediaInfo tell the same
/// value and ffprobe another (often a placeholder of ffprobe's: 0
/// channels, a time base for a rate). Left out of the second total: such a
/// fact tells more of ffprobe than of either tool.
fn shared_misses<'a>(
    facts: &'a [truth::Fact],
    other: &[truth::Fact],
) -> std::collections::HashSet<&'a str> {
    facts
        .iter()
        .filter(|f| !f.agree)
        .filter(|f| {
            other
                .iter()
                .any(|o| !o.agree && o.field == f.field && o.candidate == f.candidate)
        })
        .map(|f| f.field.as_str())
        .collect()
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn version(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().rev().find(|l| !l.trim().is_empty())?;
    Some(last.replace("MediaInfoLib - v", "MediaInfo "))
}
