#!/usr/bin/env bash
# Fingerprint benchmark: precision and recall per transform on an ffmpeg-made
# evaluation set (scripts/fingerprint-corpus.sh), cluster-level F1, seconds per
# file at 1080p H.264 and 720p HEVC on one worker, and matching time and peak
# memory for FP_MATCH_FILES synthetic fingerprints.
#
# usage: bench/fingerprint.sh          (make bench runs it)
# env:
#   FP_SCALE=bench        evaluation set: bench (640x360, 60 s, 6 sources) or small
#   FP_SPEED_FILES=3      files per resolution for the speed figures
#   FP_MATCH_FILES=100000 synthetic files for the matching scale test
#   FP_BIN=target/release where mediadex and the example were built
#   FP_SIZE, FP_LEN, FP_SOURCES: passed to scripts/fingerprint-corpus.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SCALE=${FP_SCALE:-bench}
SPEED_FILES=${FP_SPEED_FILES:-3}
MATCH_FILES=${FP_MATCH_FILES:-100000}
BIN=${FP_BIN:-target/release}
# The bench set is made at 640x360 unless FP_SIZE says otherwise: at 1280x720
# its 135 files take hours of encoding on two cores (640x360: 53 minutes).
if [ "$SCALE" = bench ]; then export FP_SIZE=${FP_SIZE:-640x360}; fi
OUT=bench-out/fingerprint-$SCALE${FP_SIZE:+-$FP_SIZE}
mkdir -p bench-out
if [ "$BIN" = target/release ]; then
    cargo build --release --locked --example fingerprint-match >/dev/null
fi
M="$BIN/mediadex"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

if [ ! -e "$OUT/truth.tsv" ] || [ ! -e "$OUT/done" ]; then
    rm -rf "$OUT"
    scripts/fingerprint-corpus.sh "$OUT" "$SCALE"
    touch "$OUT/done"
fi
DB=$OUT.db
rm -f "$DB"*
"$M" --db "$DB" -q scan "$OUT" || true
"$M" --db "$DB" fingerprint --force

echo
echo "## Pairwise recall per transform (original vs variant; direct pair / same group)"
sqlite3 "$DB" <<SQL
CREATE TEMP TABLE truth(file TEXT, source TEXT, transform TEXT);
.mode tabs
.import $OUT/truth.tsv truth
CREATE TEMP TABLE t AS
  SELECT m.id, t.*, fp.similar_group AS g FROM truth t
  JOIN media m ON m.path LIKE '%/' || t.file JOIN fingerprints fp ON fp.file_id = m.id;
CREATE TEMP VIEW pair AS SELECT x.id AS a, y.id AS b, x.source = y.source AS same,
  EXISTS (SELECT 1 FROM similar_pairs p WHERE p.a = min(x.id, y.id) AND p.b = max(x.id, y.id)) AS direct,
  coalesce(x.g = y.g, 0) AS grouped
  FROM t x JOIN t y ON x.id < y.id;
.mode column
.headers on
SELECT v.transform, count(*) AS pairs,
  round(avg(EXISTS (SELECT 1 FROM similar_pairs p WHERE p.a = min(o.id, v.id) AND p.b = max(o.id, v.id))), 3) AS recall_direct,
  round(avg(coalesce(o.g = v.g, 0)), 3) AS recall_grouped,
  (SELECT round(1.0 * sum(pr.same) / max(count(*), 1), 3) FROM pair pr JOIN t z ON z.id IN (pr.a, pr.b)
     WHERE z.transform = v.transform AND pr.direct) AS precision_direct
FROM t o JOIN t v ON v.source = o.source AND o.transform = 'original' AND v.transform <> 'original'
GROUP BY v.transform ORDER BY v.transform;
SELECT sum(same AND direct) AS tp_direct, sum(NOT same AND direct) AS fp_direct,
  round(1.0 * sum(same AND direct) / max(sum(direct), 1), 4) AS precision_direct,
  round(1.0 * sum(same AND direct) / max(sum(same), 1), 4) AS recall_direct,
  sum(NOT same) AS negative_pairs, sum(NOT same AND grouped) AS negatives_grouped,
  round(2.0 * sum(same AND grouped) / max(2 * sum(same AND grouped) + sum(NOT same AND grouped) + sum(same AND NOT grouped), 1), 4) AS cluster_f1
FROM pair;
.print
.print "## Recall per source (original vs its variants, direct pair)"
SELECT o.source, count(*) AS pairs,
  round(avg(EXISTS (SELECT 1 FROM similar_pairs p WHERE p.a = min(o.id, v.id) AND p.b = max(o.id, v.id))), 3) AS recall_direct
FROM t o JOIN t v ON v.source = o.source AND o.transform = 'original' AND v.transform <> 'original'
GROUP BY 1 ORDER BY 1;
.print
.print "## False pairs (files of different sources paired)"
SELECT x.file AS a, y.file AS b, p.relation, round(p.coverage_a, 2) AS coverage_a, round(p.coverage_b, 2) AS coverage_b
FROM similar_pairs p JOIN t x ON x.id = p.a JOIN t y ON y.id = p.b WHERE x.source <> y.source;
SQL


echo
echo "## vid_dup_finder_lib 0.4.0 on the same set (default tolerance; original vs variant in one group)"
if (cd bench/vdf-baseline && cargo build --release --locked --quiet --target-dir "$ROOT/target/vdf-baseline"); then
    "$ROOT/target/vdf-baseline/release/vdf-baseline" "$OUT" > "$OUT.vdf.tsv" 2> "$OUT.vdf.err" || true
    tail -n 1 "$OUT.vdf.err"
    python3 bench/vdf-eval.py "$OUT.vdf.tsv" "$OUT/truth.tsv"
else
    echo "(vid_dup_finder_lib could not be built here: baseline skipped)"
fi

echo
echo "## Seconds per file (one worker on one core, taskset -c 0, 60 s clips, keyint 250)"
SP=bench-out/fingerprint-speed
mkdir -p "$SP"
for i in $(seq 1 "$SPEED_FILES"); do
    [ -e "$SP/h264-1080p-$i.mp4" ] || ff -f lavfi -i "mandelbrot=s=1920x1080:r=25:start_x=-0.$i" -t 60 -c:v libx264 -preset veryfast -crf 23 -g 250 -pix_fmt yuv420p "$SP/h264-1080p-$i.mp4"
    [ -e "$SP/hevc-720p-$i.mkv" ] || ff -f lavfi -i "mandelbrot=s=1280x720:r=25:start_x=-0.$i" -t 60 -c:v libx265 -preset fast -crf 26 -x265-params log-level=none "$SP/hevc-720p-$i.mkv"
done
SDB=$SP.db
rm -f "$SDB"*
"$M" --db "$SDB" -q scan "$SP" || true
# Three runs: the table keeps the last one (the earlier ones warm the cache).
for _ in 1 2 3; do taskset -c 0 "$M" --db "$SDB" -q fingerprint -j 1 --force; done
sqlite3 -column -header "$SDB" "SELECT m.video_codec, m.height, count(*) AS files, round(avg(f.ms) / 1000, 3) AS s_per_file, round(avg(f.frames), 1) AS frames FROM fingerprints f JOIN media m ON m.id = f.file_id GROUP BY 1, 2" | tee "$SP.ours"

echo
echo "## vid_dup_finder_lib's recipe, decode cost only (one precise seek to 15 s, 16 frames at 6.4 fps"
echo "## to 16x16 gray, ffmpeg on one core), beside ours"
for kind in h264-1080p hevc-720p; do
    f=$(ls "$SP/$kind"-* | head -1)
    theirs=$(hyperfine -N --runs 3 --export-json /dev/stdout --style none \
        "taskset -c 0 ffmpeg -nostdin -loglevel error -threads 1 -ss 15 -i $f -vf fps=6.4,scale=16:16,format=gray -frames:v 16 -f rawvideo -y /dev/null" |
        jq '.results[0].mean')
    codec=${kind%-*} height=${kind#*-}
    ours=$(awk -v c="$codec" -v h="${height%p}" '$1 == c && $2 == h { print $4 }' "$SP.ours")
    awk -v k="$kind" -v o="$ours" -v t="$theirs" 'BEGIN { printf "%-11s theirs_s=%.3f ours_s=%.3f ours/theirs=%.2f\n", k, t, o, o / t }'
done

echo
echo "## Matching $MATCH_FILES synthetic files: 80 frames each (a 40-minute file: 40 targets of 2 keyframes),"
echo "## then 240 (an hour or more: 120 targets, the most a file gets)"
for frames in 80 240; do
    "$BIN/examples/fingerprint-match" "$MATCH_FILES" "$frames"
done
