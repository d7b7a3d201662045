#!/usr/bin/env bash
# Throughput and memory benchmark of `mediadex scan` against MediaInfo,
# ExifTool and ffprobe on the same generated files, plus a 100k-file no-change
# rescan against `find`.
#
# Two corpora of BENCH_FILES files each (scripts/gen-corpus.sh):
#   library  clips of 10-40 s (intra-only kinds 5-10 s), ~0.6 MB each: closer to
#            a real library, where a parser's work grows with the file. The
#            throughput targets are judged here.
#   clips    clips of 0.5-2 s, ~40 KB each: per-file overhead alone. Reported
#            beside the first, and the seed of the 100k-file tree.
#
# usage: bench/bench.sh        (run from anywhere; works in the repo root)
#
# Results are printed and written as a markdown table to
# bench-out/results.md (bench-out/ is git-ignored).
#
# env:
#   BENCH_FILES=540          corpus size (scripts/gen-corpus.sh)
#   BENCH_TREE=100000        files in the rescan tree (scripts/gen-tree.sh)
#   BENCH_RUNS=3             timed runs per tool on the corpus
#   BENCH_AB_PAIRS=15        interleaved scan / --in-process pairs for the isolation cost
#   BENCH_SKIP_TREE=1        skip the 100k tree part
#   BENCH_SKIP_MEDIADEX=1    measure only the other tools (no build, no scan)
#   BENCH_SKIP_BUILD=1       use the existing target/release/mediadex
#   BENCH_STRICT=1           exit 1 when a target is missed
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { echo "bench: $*" >&2; exit 1; }
step() { echo; echo "== $*" >&2; }

BENCH_FILES=${BENCH_FILES:-540}
BENCH_TREE=${BENCH_TREE:-100000}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_AB_PAIRS=${BENCH_AB_PAIRS:-15}
BENCH_SKIP_TREE=${BENCH_SKIP_TREE:-0}
BENCH_SKIP_MEDIADEX=${BENCH_SKIP_MEDIADEX:-0}
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
BENCH_STRICT=${BENCH_STRICT:-0}
JOBS=2
for v in BENCH_FILES BENCH_TREE BENCH_RUNS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done

OUT=bench-out
CORPUS_LIBRARY=$OUT/corpus-long
CORPUS_CLIPS=$OUT/corpus
TREE=$OUT/tree100k
MEDIADEX=${CARGO_TARGET_DIR:-target}/release/mediadex

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found ($2)"; }
need python3 "install python3"
need mediainfo "install mediainfo"
need exiftool "install libimage-exiftool-perl"
need ffprobe "install ffmpeg"
need hyperfine "install hyperfine"
need gst-launch-1.0 "install gstreamer1.0-tools"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (install time)"
if [[ $BENCH_SKIP_MEDIADEX != 1 && $BENCH_SKIP_BUILD != 1 ]]; then
  need cargo "install the Rust toolchain"
fi

mkdir -p "$OUT"
RES=$OUT/results.tsv
: >"$RES"
# record KEY VALUE: keep a result for the report
record() { printf '%s\t%s\n' "$1" "$2" >>"$RES"; }

# hf_stat HYPERFINE_JSON FIELD: mean/stddev/min... in seconds of the first command
hf_stat() {
  python3 -c 'import json,sys; print("%.6f" % (json.load(open(sys.argv[1]))["results"][0][sys.argv[2]] or 0))' "$1" "$2"
}
# record_hf KEY HYPERFINE_JSON: record KEY_s (mean) and KEY_sd (stddev)
record_hf() {
  record "$1_s" "$(hf_stat "$2" mean)"
  record "$1_sd" "$(hf_stat "$2" stddev)"
}

# peak_rss_kb GNU_TIME_V_OUTPUT
peak_rss_kb() {
  awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$1"
}

# rc_ok RCFILE: every exit code recorded in RCFILE is 0 or 3
rc_ok() {
  [[ -s $1 ]] && ! grep -qvE '^(0|3)$' "$1"
}

record started "$(date -u '+%Y-%m-%d %H:%M UTC')"
record cpu "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores)"
record kernel "$(uname -sr)"
record v_mediainfo "$(mediainfo --Version | tail -n 1 | sed 's/.* - //')"
record v_exiftool "$(exiftool -ver)"
record v_ffprobe "$(ffprobe -version | head -n 1 | awk '{print $3}')"
record runs "$BENCH_RUNS"
record ab_pairs "$BENCH_AB_PAIRS"
record v_gstreamer "$(gst-launch-1.0 --version | sed -n 2p | awk '{print $2}')"

# ---------------------------------------------------------------------------
step "[1/5] build"
if [[ $BENCH_SKIP_MEDIADEX == 1 ]]; then
  echo "skipped (BENCH_SKIP_MEDIADEX=1)" >&2
  record skip_mediadex 1
else
  if [[ $BENCH_SKIP_BUILD != 1 ]]; then
    cargo build --release --locked --bin mediadex --bin mediadex-media
  fi
  [[ -x $MEDIADEX ]] || die "$MEDIADEX not found after the build"
  record v_mediadex "$("$MEDIADEX" --version 2>/dev/null | head -n 1 | sed 's/^mediadex //' || echo unknown)"
fi

# ---------------------------------------------------------------------------
step "[2/5] corpora of $BENCH_FILES files: $CORPUS_LIBRARY (library), $CORPUS_CLIPS (clips)"
LENGTH=long scripts/gen-corpus.sh "$CORPUS_LIBRARY" "$BENCH_FILES"
LENGTH=short scripts/gen-corpus.sh "$CORPUS_CLIPS" "$BENCH_FILES"

# ---------------------------------------------------------------------------
# throughput NAME DIR: every tool on the files under DIR; results keyed NAME_*.
throughput() {
  local name=$1 corpus=$2
  local list=$OUT/$name.list0
  find "$corpus" -type f ! -name '.*' -print0 | sort -z >"$list"
  local n
  n=$(tr -cd '\0' <"$list" | wc -c)
  ((n > 0)) || die "the corpus $corpus is empty"
  record "${name}_files" "$n"
  record "${name}_bytes" "$(xargs -0 stat -c %s <"$list" | awk '{ s += $1 } END { print s }')"
  # The issue's protocol for the peers: 2 processes, each given half of the files.
  local half=$(((n + JOBS - 1) / JOBS))
  record "${name}_half" "$half"
  step "[3/5] $name corpus throughput ($n files, $BENCH_RUNS runs each, cache warm)"
  xargs -0 cat <"$list" >/dev/null
  record "${name}_loadavg" "$(cut -d' ' -f1-3 /proc/loadavg)"
  local HF=(hyperfine --style basic --warmup 1 --runs "$BENCH_RUNS")
  local hf=$OUT/hf-$name

  if [[ $BENCH_SKIP_MEDIADEX != 1 ]]; then
    local db=$OUT/bench.db
    rm -f "$OUT/scan.rc"
    "${HF[@]}" --export-json "$hf-mediadex.json" \
      --prepare "rm -f $db $db-wal $db-shm $db-journal" \
      -n "mediadex scan" \
      "$MEDIADEX --db $db scan $corpus --json >$OUT/scan.json 2>$OUT/scan.stderr; echo \$? >>$OUT/scan.rc"
    record "${name}_scan_rcs" "$(sort -u "$OUT/scan.rc" | tr '\n' ' ' | sed 's/ $//')"
    if rc_ok "$OUT/scan.rc"; then
      record_hf "${name}_scan" "$hf-mediadex.json"
    else
      echo "bench: mediadex scan failed (exit codes: $(sort -u "$OUT/scan.rc" | tr '\n' ' '))" >&2
      tail -n 20 "$OUT/scan.stderr" >&2 || true
    fi
    record "${name}_scan_json" "$(tr -d '\n' <"$OUT/scan.json" 2>/dev/null | head -c 2000)"
    # The same scan with the probes in the scanning process (hidden --in-process):
    # same walk, same catalog writes, no worker processes. The difference is what
    # isolation costs.
    "${HF[@]}" --export-json "$hf-inproc.json" \
      --prepare "rm -f $db $db-wal $db-shm $db-journal" \
      -n "mediadex scan --in-process" \
      "$MEDIADEX --db $db scan --in-process $corpus >/dev/null 2>&1"
    record_hf "${name}_inproc" "$hf-inproc.json"
    # Two separate hyperfine blocks drift apart on a shared machine: the isolation
    # cost is judged on interleaved runs instead (scan, in-process, in-process,
    # scan, ...), median against median.
    local ab
    ab=$(python3 - "$BENCH_AB_PAIRS" "$db" "$MEDIADEX" "$corpus" <<'PY'
import os, statistics, subprocess, sys, time
pairs, db, exe, corpus = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
cmds = {"iso": [exe, "--db", db, "-q", "scan", corpus],
        "inp": [exe, "--db", db, "-q", "scan", "--in-process", corpus]}
wall = {k: [] for k in cmds}
for i in range(pairs):
    for k in (("iso", "inp") if i % 2 == 0 else ("inp", "iso")):
        for f in (db, db + "-wal", db + "-shm", db + "-journal"):
            if os.path.exists(f):
                os.remove(f)
        t = time.perf_counter()
        subprocess.run(cmds[k], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall[k].append(time.perf_counter() - t)
print(f"{statistics.median(wall['iso']):.6f} {statistics.median(wall['inp']):.6f}")
PY
    ) || ab=""
    if [[ -n $ab ]]; then
      record "${name}_ab_scan_s" "${ab% *}"
      record "${name}_ab_inproc_s" "${ab#* }"
    fi
  fi

  # The other tools: their own per-file errors do not stop the measurement.
  "${HF[@]}" -i --export-json "$hf-mediainfo.json" -n "mediainfo" \
    "xargs -0 -P $JOBS -n $half mediainfo --Output=JSON <$list >/dev/null 2>&1"
  record_hf "${name}_mediainfo" "$hf-mediainfo.json"

  "${HF[@]}" -i --export-json "$hf-exiftool.json" -n "exiftool" \
    "xargs -0 -P $JOBS -n $half exiftool -j <$list >/dev/null 2>&1"
  record_hf "${name}_exiftool" "$hf-exiftool.json"

  "${HF[@]}" -i --export-json "$hf-ffprobe.json" -n "ffprobe" \
    "xargs -0 -P $JOBS -n 1 ffprobe -v error -show_format -show_streams -of json <$list >/dev/null 2>&1"
  record_hf "${name}_ffprobe" "$hf-ffprobe.json"
}
throughput library "$CORPUS_LIBRARY"
throughput clips "$CORPUS_CLIPS"

# ---------------------------------------------------------------------------
step "[4/5] $BENCH_TREE-file tree: initial scan and no-change rescan"
if [[ $BENCH_SKIP_TREE == 1 ]]; then
  echo "skipped (BENCH_SKIP_TREE=1)" >&2
  record skip_tree 1
else
  scripts/gen-tree.sh "$TREE" "$BENCH_TREE" "$CORPUS_CLIPS"
  TREE_N=$(find "$TREE" -type f | wc -l)
  record tree_files "$TREE_N"
  # Warm the page cache for the initial scan and the dentry/inode caches.
  find "$TREE" -type f -print0 | xargs -0 cat >/dev/null

  FIND_CMD="find $TREE -type f -printf '%s %T@ %p\n' >/dev/null"
  if [[ $BENCH_SKIP_MEDIADEX != 1 ]]; then
    TDB=$OUT/tree.db
    rm -f "$TDB" "$TDB-wal" "$TDB-shm" "$TDB-journal"

    echo "initial scan (this takes a while) ..." >&2
    t0=$(date +%s.%N)
    rc=0
    /usr/bin/time -v -o "$OUT/tree-scan.time" \
      "$MEDIADEX" --db "$TDB" scan "$TREE" >"$OUT/tree-scan.out" 2>"$OUT/tree-scan.stderr" || rc=$?
    t1=$(date +%s.%N)
    record tree_scan_rc "$rc"
    record tree_scan_s "$(python3 -c 'import sys; print("%.3f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")"
    record tree_scan_rss_kb "$(peak_rss_kb "$OUT/tree-scan.time")"
    if [[ $rc != 0 && $rc != 3 ]]; then
      echo "bench: initial tree scan failed with exit code $rc" >&2
      tail -n 20 "$OUT/tree-scan.stderr" >&2 || true
    fi

    echo "no-change rescan under /usr/bin/time -v ..." >&2
    rc=0
    /usr/bin/time -v -o "$OUT/tree-rescan.time" \
      "$MEDIADEX" --db "$TDB" scan "$TREE" >"$OUT/tree-rescan.out" 2>"$OUT/tree-rescan.stderr" || rc=$?
    record tree_rescan_rc "$rc"
    record tree_rescan_rss_kb "$(peak_rss_kb "$OUT/tree-rescan.time")"

    hyperfine --style basic --warmup 1 --runs 5 -i --export-json "$OUT/hf-rescan.json" \
      -n "mediadex rescan" "$MEDIADEX --db $TDB scan $TREE >/dev/null 2>&1"
    record_hf tree_rescan "$OUT/hf-rescan.json"
  fi
  hyperfine --style basic --warmup 1 --runs 5 --export-json "$OUT/hf-find.json" \
    -n "find" "$FIND_CMD"
  record_hf find "$OUT/hf-find.json"
fi

# ---------------------------------------------------------------------------
step "[5/5] results"
status=0
python3 - "$RES" "$OUT/results.md" <<'PY' || status=$?
import sys

res_path, md_path = sys.argv[1], sys.argv[2]
r = {}
with open(res_path, encoding="utf-8") as f:
    for line in f:
        k, _, v = line.rstrip("\n").partition("\t")
        r[k] = v


def num(key):
    try:
        return float(r[key])
    except (KeyError, ValueError):
        return None


def fmt(x, nd=2):
    return "—" if x is None else f"{x:,.{nd}f}"


def fmt_t(key, nd=3):
    """mean ± stddev of a timed key, in seconds"""
    m, sd = num(key + "_s"), num(key + "_sd")
    if m is None:
        return "—"
    return f"{m:,.{nd}f} ± {sd:,.{nd}f}" if sd is not None else f"{m:,.{nd}f}"


fails = []


def verdict(ok, what):
    if ok is None:
        return "n/a"
    if not ok:
        fails.append(what)
    return "PASS" if ok else "**FAIL**"


skip_md = r.get("skip_mediadex") == "1"

out = []
out.append("## Benchmark results")
out.append("")
vers = [f"mediadex {r['v_mediadex']}" if "v_mediadex" in r else None,
        f"GStreamer {r.get('v_gstreamer', '?')}",
        f"MediaInfo {r.get('v_mediainfo', '?')}",
        f"ExifTool {r.get('v_exiftool', '?')}",
        f"ffprobe {r.get('v_ffprobe', '?')}"]
out.append(f"{r.get('started', '')}; {r.get('cpu', '')}; {r.get('kernel', '')}.  ")
out.append(", ".join(v for v in vers if v) + ".")
out.append("")

CORPORA = (
    ("library", "library corpus: clips of 10–40 s", True),
    ("clips", "short-clip corpus: clips of 0.5–2 s, per-file overhead alone", False),
)
for name, title, judged in CORPORA:
    n = num(name + "_files")
    if n is None:
        continue
    rate = {}
    for key in ("scan", "inproc", "mediainfo", "exiftool", "ffprobe"):
        s = num(f"{name}_{key}_s")
        rate[key] = n / s if s else None
    mb = (num(name + "_bytes") or 0) / 1e6
    out.append(f"### Throughput, {title} ({int(n)} generated files, {mb:.1f} MB, "
               f"page cache warm, mean of {r.get('runs', '?')} runs; "
               f"load average before: {r.get(name + '_loadavg', '?')})")
    out.append("")
    out.append("| Tool | Command | Time (s, mean ± σ) | Files/s |")
    out.append("| --- | --- | ---: | ---: |")
    if skip_md:
        out.append("| mediadex | `mediadex scan --json` (fresh catalog) | skipped | skipped |")
    else:
        rcs = r.get(name + "_scan_rcs", "")
        note = f" (exit {rcs})" if rcs and rcs != "0" else ""
        t = num(name + "_scan_s")
        out.append(f"| mediadex | `mediadex scan --json` (fresh catalog){note} | "
                   f"{fmt_t(name + '_scan') if t else 'error'} | {fmt(rate['scan'], 1)} |")
    half = r.get(name + "_half", "?")
    if rate.get("inproc"):
        out.append(f"| (mediadex without worker isolation) | `mediadex scan --in-process` (fresh catalog) | {fmt_t(name + '_inproc')} | {fmt(rate['inproc'], 1)} |")
    out.append(f"| MediaInfo | `mediainfo --Output=JSON`, 2 processes × {half} files | {fmt_t(name + '_mediainfo')} | {fmt(rate['mediainfo'], 1)} |")
    out.append(f"| ExifTool | `exiftool -j`, 2 processes × {half} files | {fmt_t(name + '_exiftool')} | {fmt(rate['exiftool'], 1)} |")
    out.append(f"| ffprobe | `ffprobe -show_format -show_streams`, 1 process per file, 2 at a time | {fmt_t(name + '_ffprobe')} | {fmt(rate['ffprobe'], 1)} |")
    out.append("")

    if not skip_md:
        out.append("| Ratio | Value | Target | Result |")
        out.append("| --- | ---: | ---: | --- |")
        for key, tool, target in (("exiftool", "ExifTool", 1.5), ("mediainfo", "MediaInfo", 3.0),
                                  ("ffprobe", "ffprobe", None)):
            ratio = rate["scan"] / rate[key] if rate["scan"] and rate[key] else None
            if target is None:
                out.append(f"| mediadex / {tool} | {fmt(ratio)}× | — | — |")
            elif judged:
                ok = ratio is not None and ratio >= target
                out.append(f"| mediadex / {tool} | {fmt(ratio)}× | ≥ {target}× | {verdict(ok, f'scan vs {tool}')} |")
            else:
                met = "met" if ratio is not None and ratio >= target else "not met"
                out.append(f"| mediadex / {tool} | {fmt(ratio)}× | (≥ {target}× on the library corpus) | {met} here |")
        ab_scan, ab_inproc = num(name + "_ab_scan_s"), num(name + "_ab_inproc_s")
        if ab_scan and ab_inproc:
            cost = ab_scan / ab_inproc - 1
            label = (f"isolation cost (median of {r.get('ab_pairs', '?')} interleaved runs each: "
                     f"scan {ab_scan:.3f} s, `--in-process` {ab_inproc:.3f} s)")
        elif rate["scan"] and rate.get("inproc"):
            cost = rate["inproc"] / rate["scan"] - 1
            label = "isolation cost (`--in-process` rate / scan rate − 1)"
        else:
            cost = None
        if cost is not None:
            if judged:
                out.append(f"| {label} | {cost * 100:+.1f}% | ≤ 10% | {verdict(cost <= 0.10, 'isolation cost')} |")
            else:
                out.append(f"| {label} | {cost * 100:+.1f}% | — | — |")
        out.append("")
    if not skip_md and r.get(name + "_scan_json"):
        out.append(f"`mediadex scan --json` summary: `{r[name + '_scan_json'].strip()}`")
        out.append("")

if r.get("skip_tree") != "1":
    tn = num("tree_files")
    out.append(f"### {int(tn):,}-file tree (copies of the short-clip corpus, ~500 files per directory)")
    out.append("")
    out.append("| Run | Time (s, mean ± σ) | Files/s | Peak RSS (MB) | Target | Result |")
    out.append("| --- | ---: | ---: | ---: | --- | --- |")
    fs = num("find_s")
    if not skip_md:
        ts, trss = num("tree_scan_s"), num("tree_scan_rss_kb")
        rc = r.get("tree_scan_rc", "")
        ok_rc = rc in ("0", "3")
        note = "" if rc == "0" else f" (exit {rc})"
        rss_mb = trss / 1024 if trss else None
        out.append(f"| initial scan{note} | {fmt(ts, 1)} | {fmt(tn / ts if ts else None, 0)} | {fmt(rss_mb, 1)} | "
                   f"RSS ≤ 200 MB | {verdict(ok_rc and rss_mb is not None and rss_mb <= 200, 'initial scan RSS')} |")
        rs, rrss = num("tree_rescan_s"), num("tree_rescan_rss_kb")
        rc = r.get("tree_rescan_rc", "")
        ok_rc = rc in ("0", "3")
        note = "" if rc == "0" else f", exit {rc}"
        rrss_mb = rrss / 1024 if rrss else None
        out.append(f"| no-change rescan (mean of 5{note}) | {fmt_t('tree_rescan')} | {fmt(tn / rs if rs else None, 0)} | {fmt(rrss_mb, 1)} | "
                   f"RSS ≤ 200 MB | {verdict(ok_rc and rrss_mb is not None and rrss_mb <= 200, 'rescan RSS')} |")
    out.append(f"| `find -type f -printf '%s %T@ %p\\n'` (mean of 5) | {fmt_t('find')} | {fmt(tn / fs if fs else None, 0)} | — | — | — |")
    if not skip_md:
        rs = num("tree_rescan_s")
        ratio = rs / fs if rs and fs else None
        out.append(f"| rescan / find | {fmt(ratio)}× | | | ≤ 3× | {verdict(ratio is not None and ratio <= 3, 'rescan vs find')} |")
    out.append("")

if skip_md:
    out.append("mediadex was not measured (BENCH_SKIP_MEDIADEX=1).")
elif fails:
    out.append("Missed targets: " + ", ".join(fails) + ".")
else:
    out.append("All targets met.")

text = "\n".join(out) + "\n"
with open(md_path, "w", encoding="utf-8") as f:
    f.write(text)
print(text)
sys.exit(2 if fails else 0)
PY
echo "(written to $OUT/results.md)" >&2
if ((status == 1)) || ((status > 2)); then
  die "could not write the report"
fi
if ((status == 2)) && [[ $BENCH_STRICT == 1 ]]; then
  exit 1
fi
