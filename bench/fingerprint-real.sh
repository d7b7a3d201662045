#!/usr/bin/env bash
# Near-duplicates on real clips: mediadex beside vid_dup_finder_lib on the same
# files in one run: precision, recall (every two files of one source: re-encodes,
# resizes, remuxes, other containers, letterboxed and trimmed copies) and the
# wall time of each (mediadex: `fingerprint --force` with its default workers;
# vid_dup_finder_lib: hashing and search, as bench/vdf-baseline runs it).
#
# usage: bench/fingerprint-real.sh          (make bench runs it)
# env:
#   FP_REAL_SOURCES=DIR   real source clips (bench/README-real.md lists the
#                         ones used for the figures and how to get them);
#                         default: the suite's fixtures in tests/media
#   FP_REAL_NEGATIVES=DIR real clips that must not be grouped with anything
#   FP_BIN=target/release where mediadex was built
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${FP_BIN:-target/release}
M="$BIN/mediadex"
SRC=${FP_REAL_SOURCES:-}
NEG=${FP_REAL_NEGATIVES:-}
if [ -z "$SRC" ]; then
    SRC=bench-out/real-sources NEG=bench-out/real-negatives
    mkdir -p "$SRC" "$NEG"
    cp -u tests/media/bottle-detection.mp4 tests/media/car-detection.mp4 "$SRC"/
    cp -u tests/media/asl-*.mkv "$NEG"/
fi
OUT=bench-out/fingerprint-real-$(basename "$SRC")
if [ ! -e "$OUT/done" ]; then
    rm -rf "$OUT"
    scripts/fingerprint-real-corpus.sh "$SRC" "$OUT" "$NEG"
    touch "$OUT/done"
fi
DB=$OUT.db
rm -f "$DB"*
"$M" --db "$DB" -q scan "$OUT" || true
start=$(date +%s.%N)
"$M" --db "$DB" -q fingerprint --force || true
ours=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
sqlite3 -separator $'\t' "$DB" \
    "SELECT replace(ma.path, rtrim(ma.path, replace(ma.path, '/', '')), ''),
            replace(mb.path, rtrim(mb.path, replace(mb.path, '/', '')), '')
     FROM similar_pairs p JOIN media ma ON ma.id = p.a JOIN media mb ON mb.id = p.b" > "$OUT.ours.tsv"
# What `report similar` shows: every two files of one group.
sqlite3 -separator $'\t' "$DB" \
    "SELECT replace(ma.path, rtrim(ma.path, replace(ma.path, '/', '')), ''),
            replace(mb.path, rtrim(mb.path, replace(mb.path, '/', '')), '')
     FROM fingerprints x JOIN fingerprints y ON x.similar_group = y.similar_group AND x.file_id < y.file_id
     JOIN media ma ON ma.id = x.file_id JOIN media mb ON mb.id = y.file_id" > "$OUT.ours-groups.tsv"

theirs=""
if (cd bench/vdf-baseline && cargo build --release --locked --quiet --target-dir "$ROOT/target/vdf-baseline"); then
    start=$(date +%s.%N)
    "$ROOT/target/vdf-baseline/release/vdf-baseline" "$OUT" > "$OUT.vdf.groups" 2> "$OUT.vdf.err" || true
    theirs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    # Every two files of one group are a pair.
    awk -F'\t' '{ g[$1] = g[$1] "\t" $2 } END { for (k in g) { n = split(substr(g[k], 2), f, "\t"); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) print f[i] "\t" f[j] } }' \
        "$OUT.vdf.groups" > "$OUT.vdf.tsv"
fi

echo "## Near-duplicates on real clips: $(wc -l < "$OUT/truth.tsv") files from $SRC${NEG:+ and $NEG}"
if [ -n "$theirs" ]; then
    python3 bench/fp-eval.py "$OUT/truth.tsv" "mediadex (pairs)" "$OUT.ours.tsv" \
        "mediadex (groups)" "$OUT.ours-groups.tsv" "vid_dup_finder_lib" "$OUT.vdf.tsv"
    awk -v o="$ours" -v t="$theirs" 'BEGIN { printf "\nwall time: mediadex %.1f s, vid_dup_finder_lib %.1f s (ours/theirs %.2f)\n", o, t, o / t }'
else
    python3 bench/fp-eval.py "$OUT/truth.tsv" "mediadex (pairs)" "$OUT.ours.tsv" \
        "mediadex (groups)" "$OUT.ours-groups.tsv"
    echo "wall time: mediadex $ours s (vid_dup_finder_lib could not be built here: baseline skipped)"
fi
sqlite3 "$DB" "SELECT 'files not matchable: ' || coalesce(group_concat(n || ' ' || unmatched, ', '), 'none') FROM (SELECT unmatched, count(*) AS n FROM fingerprints WHERE unmatched IS NOT NULL GROUP BY 1)"
sqlite3 "$DB" "SELECT 'fingerprint failures: ' || count(*) FROM fingerprints WHERE status NOT IN ('ok', 'skipped')"
