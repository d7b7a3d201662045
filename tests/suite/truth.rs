//! The differential test against ffprobe: a corpus of many kinds written by
//! ffmpeg (scripts/gen-ffmpeg-corpus.sh), scanned by the real binary, and every
//! fact ffprobe reports that the document has must agree (the field classes and
//! their tolerances are in testenv/truth.rs, shared with `make truth`).
//!
//! Every disagreement is printed as one line, `FILE: FIELD: mediadex=X
//! ffprobe=Y`, and the test fails at the end with their count, so one run shows
//! them all. Broken files are judged by how they were made: `truncated-*` must
//! be flagged `truncated` with an error text starting "truncated", and
//! `notmedia.mkv` must not be `ok`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

use crate::testenv::TestEnv;
use crate::testenv::truth::{self, Expect};

/// The ffmpeg corpus, generated once into a cache directory under target/
/// keyed by the script's content (a changed script regenerates it).
fn corpus() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    static LOCK: Mutex<()> = Mutex::new(());
    DIR.get_or_init(|| {
        let _g = LOCK.lock().unwrap();
        crate::testenv::script_corpus("ffmpeg-corpus", "gen-ffmpeg-corpus.sh", &[])
    })
}

fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

#[test]
fn every_fact_ffprobe_reports_agrees_with_the_document() {
    let corpus = corpus();
    let files = truth::corpus_files(corpus);
    assert!(
        files.len() >= 35,
        "the ffmpeg corpus has {} files, expected at least 35 kinds",
        files.len()
    );
    let env = TestEnv::new();
    for f in &files {
        std::fs::copy(f, env.lib.join(f.file_name().unwrap())).unwrap();
    }
    let ext = truth::ext_arg(&files);
    let out = env.run(&["scan", "--json", "--ext", &ext, env.lib.to_str().unwrap()]);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: BTreeMap<String, Value> = env
        .query("SELECT path, status, error, doc FROM media")
        .into_iter()
        .map(|r| {
            let name = Path::new(text(&r["path"]).unwrap_or(""))
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, r)
        })
        .collect();

    let mut lines = Vec::new();
    let mut all = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let Some(row) = rows.get(&name) else {
            lines.push(format!("{name}: row: mediadex=(absent) ffprobe=a file"));
            continue;
        };
        let expect = truth::expect_for(&name);
        let reference = match truth::ffprobe_json(f) {
            Ok(v) => Some(truth::from_ffprobe(&v)),
            Err(e) if expect == Expect::Media => {
                panic!("harness: ffprobe cannot read {name}, a file the corpus means as media: {e}")
            }
            Err(_) => None,
        };
        let doc = row["doc"].clone();
        let doc = match doc {
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::Null),
            d => d,
        };
        let cand = truth::from_mediadex(
            text(&row["status"]).unwrap_or(""),
            text(&row["error"]),
            &doc,
        );
        let who = if expect == Expect::Media {
            "ffprobe"
        } else {
            "expected"
        };
        for fact in truth::compare(&name, reference.as_ref(), &cand) {
            if !fact.agree {
                lines.push(format!(
                    "{name}: {}: mediadex={} {who}={}",
                    fact.field, fact.candidate, fact.reference
                ));
            }
            all.push(fact);
        }
    }
    let mut summary = String::new();
    for (class, (n, ok)) in truth::tally(&all) {
        summary.push_str(&format!("  {class}: {ok}/{n}\n"));
    }
    for l in &lines {
        eprintln!("{l}");
    }
    eprintln!(
        "agreement with ffprobe per field class ({} files, {} facts):\n{summary}",
        files.len(),
        all.len()
    );
    assert!(
        lines.is_empty(),
        "{} disagreements with ffprobe on {} facts (listed above, one per line)",
        lines.len(),
        all.len()
    );
}
