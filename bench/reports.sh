#!/usr/bin/env bash
# Benchmark the bundled reports on a synthetic catalog of ROWS media rows
# (default 1,000,000): mediadex against the sqlite3 shell running the same SQL
# (`mediadex report NAME --show-sql`, parameters filled in) with -json on the
# same file; then a full export, a dump and a load of the whole catalog.
#
# usage: bench/reports.sh [ROWS]
#
# Then the same export during a scan of SCAN_FILES generated files into a copy
# of the catalog, beside an export alone and one beside a CPU load of one busy
# loop per CPU (what the scan costs in CPU alone): during ≈ beside-load means
# the export waits for nothing but CPU; the target is during ≤ 1.5× alone.
#
# The catalog is generated once into bench-out/catalog-ROWS.db (by
# examples/gen_catalog.rs) and reused by later runs. Prints a markdown table,
# also written to bench-out/reports.md.
#
# env:
#   RUNS=3        the least hyperfine runs per report and tool (after one warm-up;
#                 fast reports run for about 3 s each, for a steadier mean)
#   OUT=bench-out where the catalog, dumps and results go
#   TARGET=1.2    the largest acceptable mediadex/sqlite3 time ratio
#   SCAN_FILES=100000  files in the tree scanned during the export (0: skip)
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "bench/reports.sh: $*" >&2; exit 1; }

ROWS=${1:-1000000}
RUNS=${RUNS:-3}
OUT=${OUT:-bench-out}
TARGET=${TARGET:-1.2}
SCAN_FILES=${SCAN_FILES:-100000}
[[ $ROWS =~ ^[0-9]+$ ]] || die "ROWS must be a number, got '$ROWS'"
for tool in sqlite3 hyperfine jq cargo; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (install it first)"
done

mkdir -p "$OUT/sql" "$OUT/hyperfine"
cargo build --release --quiet --bin mediadex --example gen_catalog
M=$PWD/target/release/mediadex
DB=$OUT/catalog-$ROWS.db

gen_note="reused"
if [[ ! -f $DB ]]; then
  rm -f "$DB.part" "$DB.part-wal" "$DB.part-shm"
  start=$(date +%s.%N)
  target/release/examples/gen_catalog --db "$DB.part" --rows "$ROWS"
  end=$(date +%s.%N)
  mv "$DB.part" "$DB"
  gen_note=$(printf "generated in %.1f s" "$(echo "$end - $start" | bc)")
fi
# Warm the page cache: both tools then read the file from memory.
cat "$DB" > /dev/null
load_before=$(cut -d' ' -f1 /proc/loadavg)

pass() { # pass VALUE LIMIT → PASS if VALUE <= LIMIT
  if (( $(echo "$1 <= $2" | bc -l) )); then echo PASS; else echo FAIL; fi
}
mean() { # mean JSON COMMAND-NAME
  jq -r --arg n "$2" '.results[] | select(.command == $n) | .mean' "$1"
}

report_rows=()
fails=0
for name in $("$M" --db "$DB" report --list -f csv | tail -n +2 | cut -d, -f1); do
  sql=$OUT/sql/$name.sql
  "$M" --db "$DB" report "$name" --show-sql > "$sql"
  # Same rows from both, or the comparison means nothing.
  ours=$("$M" --db "$DB" report "$name" -f json | jq length)
  theirs=$(sqlite3 -json "$DB" < "$sql" | jq -s 'if length == 0 then 0 else .[0] | length end')
  [[ $ours == "$theirs" ]] || die "$name: mediadex gives $ours rows, sqlite3 $theirs"
  json=$OUT/hyperfine/$name.json
  hyperfine --style none --warmup 1 --min-runs "$RUNS" --export-json "$json" \
    -n mediadex "$M --db $DB report $name -f json > /dev/null" \
    -n sqlite3 "sqlite3 -json $DB < $sql > /dev/null" > /dev/null
  m=$(mean "$json" mediadex)
  s=$(mean "$json" sqlite3)
  ratio=$(echo "scale=3; $m / $s" | bc -l)
  verdict=$(pass "$ratio" "$TARGET")
  [[ $verdict == PASS ]] || fails=$((fails + 1))
  report_rows+=("$(printf "| %s | %s | %.3f | %.3f | %.2f | %s |" "$name" "$ours" "$m" "$s" "$ratio" "$verdict")")
  echo "$name: mediadex $m s, sqlite3 $s s" >&2
done

one_run() { # one_run NAME PREPARE COMMAND → seconds
  local json=$OUT/hyperfine/$1.json
  hyperfine --style none --runs 1 --prepare "$2" --export-json "$json" -n "$1" "$3" > /dev/null
  mean "$json" "$1"
}
# The nightly case: the directory holds last night's export, whose manifest
# times each report (the longest run first). A first export makes it; the
# second, into the same directory, is the one timed.
rm -rf "$OUT/export"
"$M" --db "$DB" -q export --out "$OUT/export"
export_s=$(one_run export "cat $DB" "$M --db $DB -q export --out $OUT/export")
dump_s=$(one_run dump "rm -f $OUT/dump.jsonl" "$M --db $DB -q dump --out $OUT/dump.jsonl")
load_s=$(one_run load "rm -f $OUT/loaded.db $OUT/loaded.db-wal $OUT/loaded.db-shm" "$M --db $OUT/loaded.db -q load $OUT/dump.jsonl")
# The loaded catalog dumps to the same lines.
"$M" --db "$OUT/loaded.db" -q dump --out "$OUT/dump2.jsonl"
cmp -s <(tail -n +2 "$OUT/dump.jsonl") <(tail -n +2 "$OUT/dump2.jsonl") || die "dump → load → dump differs"
rm -f "$OUT/dump2.jsonl"
reports=$(jq '.reports | length' "$OUT/export/manifest.json")

seconds() { # seconds COMMAND... → wall time of one run
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
during_rows=()
if (( SCAN_FILES > 0 )); then
  # A copy, so that the scan leaves the reused catalog as it was.
  SDB=$OUT/scan-catalog.db
  rm -f "$SDB" "$SDB-wal" "$SDB-shm"
  cp "$DB" "$SDB"
  [[ -d $OUT/corpus ]] || LENGTH=short scripts/gen-corpus.sh "$OUT/corpus" 540
  scripts/gen-tree.sh "$OUT/tree-$SCAN_FILES" "$SCAN_FILES" "$OUT/corpus"
  cargo build --release --quiet --bin mediadex-media
  ex() { "$M" --db "$SDB" -q export --out "$OUT/export-during"; }
  alone_s=$(seconds ex)
  burners=()
  for _ in $(seq "$(nproc)"); do (while :; do :; done) & burners+=($!); done
  cpu_s=$(seconds ex)
  kill "${burners[@]}"; wait "${burners[@]}" 2>/dev/null || true
  "$M" --db "$SDB" -q scan "$OUT/tree-$SCAN_FILES" > /dev/null 2>&1 &
  scan_pid=$!
  # Until the scan is probing and committing its batches.
  for _ in $(seq 600); do
    n=$("$M" --db "$SDB" query "SELECT count(*) AS n FROM files WHERE scan_id = (SELECT max(id) FROM scans)" -f csv | tail -1)
    (( n >= 2000 )) && break
    sleep 0.2
  done
  during_s=$(seconds ex)
  still=$(kill -0 "$scan_pid" 2>/dev/null && echo yes || echo "no (it ended first: use more SCAN_FILES)")
  kill -INT "$scan_pid" 2>/dev/null || true
  wait "$scan_pid" || true
  rm -f "$SDB" "$SDB-wal" "$SDB-shm"
  ratio_s=$(echo "scale=2; $during_s / $alone_s" | bc -l)
  verdict=$(pass "$ratio_s" 1.5)
  [[ $verdict == PASS ]] || fails=$((fails + 1))
  during_rows+=("$(printf "| %.1f | %.1f | %.1f | %.2f | %.2f | %s | %s |" "$alone_s" "$cpu_s" "$during_s" \
    "$(echo "$cpu_s / $alone_s" | bc -l)" "$(echo "$during_s / $cpu_s" | bc -l)" "$still" "$verdict")")
fi
# The page must stay small whatever the catalog: tables are cut, charts aggregate.
page_bytes=$(stat -c %s "$OUT/export/index.html")
page_mb=$(awk -v b="$page_bytes" 'BEGIN { printf "%.2f", b / 1e6 }')
for v in "$(pass "$export_s" 30)" "$(pass "$dump_s" 60)" "$(pass "$load_s" 60)" "$(pass "$page_mb" 2)"; do
  [[ $v == PASS ]] || fails=$((fails + 1))
done

{
  echo "Reports on a catalog of $ROWS media rows ($gen_note; $(du -h "$DB" | cut -f1)),"
  echo "$(nproc) CPUs (load average $load_before before, $(cut -d' ' -f1 /proc/loadavg) after)," \
       "mediadex with SQLite $("$M" --db "$DB" query 'SELECT sqlite_version() AS v' -f csv | tail -1)," \
       "sqlite3 shell $(sqlite3 --version | cut -d' ' -f1); mean of at least $RUNS runs (about 3 s of runs for fast reports) after a warm-up."
  echo
  echo "| report | rows | mediadex (s) | sqlite3 -json (s) | ratio | ≤ ${TARGET}x |"
  echo "|---|---:|---:|---:|---:|---|"
  printf '%s\n' "${report_rows[@]}"
  echo
  echo "| operation | time (s) | target | |"
  echo "|---|---:|---|---|"
  printf "| export (%s reports + summary.txt + index.html) | %.1f | < 30 s | %s |\n" "$reports" "$export_s" "$(pass "$export_s" 30)"
  printf "| index.html size (MB) | %s | < 2 MB | %s |\n" "$page_mb" "$(pass "$page_mb" 2)"
  printf "| dump (%s rows) | %.1f | < 60 s | %s |\n" "$ROWS" "$dump_s" "$(pass "$dump_s" 60)"
  printf "| load into an empty catalog | %.1f | < 60 s | %s |\n" "$load_s" "$(pass "$load_s" 60)"
  if (( ${#during_rows[@]} > 0 )); then
    echo
    echo "Export during a scan of $SCAN_FILES files (seconds; CPU: beside one busy loop per CPU, no writer):"
    echo
    echo "| alone | beside CPU load | during the scan | CPU contention (load/alone) | writer (during/load) | scan still running | during ≤ 1.5× alone |"
    echo "|---:|---:|---:|---:|---:|---|---|"
    printf '%s\n' "${during_rows[@]}"
  fi
} | tee "$OUT/reports.md"

exit $(( fails > 0 ? 1 : 0 ))
