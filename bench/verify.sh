#!/usr/bin/env bash
# Integrity checks on a corpus of clean and damaged files: a full ffmpeg
# decode of every file beside `mediadex verify` at each level (quick,
# keyframes, full), on the same files with the same parallelism in one run.
# Scores each checker against the corpus manifest (bench/verify-eval.py):
# damaged files found, clean files flagged, wall time against ffmpeg's.
#
# usage: bench/verify.sh [CORPUS_DIR]
#   CORPUS_DIR   made by scripts/damage-corpus.sh (default: bench-out/verify-corpus,
#                made when missing); bench/README-verify.md describes both
# env:
#   MEDIADEX=target/release/mediadex   the binary under test
#   VERIFY_JOBS=2                      ffmpeg processes at once, and mediadex -j
#   VERIFY_LEVELS="quick keyframes full"
#   VERIFY_SKIP_MEDIADEX=1             ffmpeg's half only
#
# Results: bench-out/verify-<corpus name>/ (per-file verdicts, times, the
# catalog) and the table on stdout.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
die() { echo "verify-bench: $*" >&2; exit 1; }
M=${MEDIADEX:-target/release/mediadex}
JOBS=${VERIFY_JOBS:-2}
LEVELS=${VERIFY_LEVELS:-quick keyframes full}
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (install time)"
command -v ffmpeg >/dev/null 2>&1 || die "ffmpeg not found (install ffmpeg)"

CORPUS=${1:-bench-out/verify-corpus}
if [[ $# -eq 0 && ! -s $CORPUS/manifest.tsv ]]; then
    scripts/damage-corpus.sh "$CORPUS"
fi
[[ -s $CORPUS/manifest.tsv ]] || die "$CORPUS/manifest.tsv not found (make it with scripts/damage-corpus.sh $CORPUS)"
CORPUS=$(cd "$CORPUS" && pwd)
R=bench-out/verify-$(basename "$CORPUS")
rm -rf "$R"
mkdir -p "$R/ffmpeg-log"
printf 'checker\twall_s\tcpu_s\tstatus\n' >"$R/times.tsv"
# seconds: the last line of /usr/bin/time -f '%e %U %S' output, as "wall cpu".
seconds() { tail -n 1 "$1" | awk '{ printf "%.2f\t%.2f", $1, $2 + $3 }'; }
n=$(($(wc -l <"$CORPUS/manifest.tsv") - 1))
echo "== $n files of $CORPUS, $JOBS at a time (load average before: $(cut -d' ' -f1-3 /proc/loadavg))" >&2

# ffmpeg: each file's stderr and exit status kept under its line number, read
# after the timed run so that the timing holds ffmpeg's work alone.
echo "== ffmpeg -v error -threads 1 -i F -f null -" >&2
tail -n +2 "$CORPUS/manifest.tsv" | cut -f1 | awk -v d="$CORPUS" '{ printf "%d%c%s/%s%c", NR, 0, d, $0, 0 }' >"$R/ffmpeg-input"
/usr/bin/time -f '%e %U %S' -o "$R/ffmpeg.time" \
    xargs -0 -n 2 -P "$JOBS" sh -c \
    'ffmpeg -nostdin -hide_banner -v error -threads 1 -i "$2" -f null - >/dev/null 2>"$0/$1.err"; echo $? >"$0/$1.rc"' \
    "$R/ffmpeg-log" <"$R/ffmpeg-input" || true
printf 'ffmpeg\t%s\tok\n' "$(seconds "$R/ffmpeg.time")" >>"$R/times.tsv"
# path <TAB> flagged (an error line or a non-zero exit) <TAB> error lines
tail -n +2 "$CORPUS/manifest.tsv" | cut -f1 | awk -v d="$R/ffmpeg-log" -v OFS='\t' '{
    lines = 0; err = d "/" NR ".err"; rcf = d "/" NR ".rc"
    while ((getline l < err) > 0) if (l ~ /[^ \t]/) lines++
    close(err); rc = 1; if ((getline rc < rcf) > 0) close(rcf)
    print $0, (lines > 0 || rc != 0) ? 1 : 0, lines
}' >"$R/ffmpeg.tsv"

# A line of notes.txt is printed by the scorer above its table.
note() { echo "$*" | tee -a "$R/notes.txt" >&2; }
if [[ ${VERIFY_SKIP_MEDIADEX:-0} == 1 ]]; then
    note "mediadex: skipped (VERIFY_SKIP_MEDIADEX=1): ffmpeg's figures only"
elif [[ ! -x $M ]]; then
    note "mediadex: $M not found (build it: make build): ffmpeg's figures only"
elif ! "$M" verify --help >/dev/null 2>&1; then
    note "mediadex: $M has no 'verify' command yet: ffmpeg's figures only"
else
    DB=$R/catalog.db
    # --ext flac: the corpus has FLAC files among its kinds.
    rc=0; "$M" --db "$DB" -q scan --ext flac "$CORPUS" || rc=$?
    [[ $rc == 0 || $rc == 3 ]] || die "mediadex scan failed (exit $rc)"
    use_report=0
    if "$M" --db "$DB" report --list 2>/dev/null | grep -qE '^health([[:space:]]|$)'; then use_report=1; fi
    for L in $LEVELS; do
        echo "== mediadex verify --level $L --force -j $JOBS" >&2
        rc=0
        /usr/bin/time -f '%e %U %S' -o "$R/$L.time" \
            "$M" --db "$DB" -q verify --level "$L" --force -j "$JOBS" "$CORPUS" 2>"$R/$L.stderr" || rc=$?
        if [[ $rc == 0 || $rc == 3 ]]; then status=ok; else status="failed (exit $rc)"; note "mediadex verify --level $L: exit $rc: $(tail -n 1 "$R/$L.stderr")"; fi
        printf '%s\t%s\t%s\n' "$L" "$(seconds "$R/$L.time")" "$status" >>"$R/times.tsv"
        # Both forms of the verdicts when they can be had; the scorer takes
        # the first that lists files with their health.
        if ((use_report)); then
            "$M" --db "$DB" -q report health -f json >"$R/$L.report.json" 2>/dev/null || rm -f "$R/$L.report.json"
        fi
        "$M" --db "$DB" -q query -f json \
            "SELECT m.path, h.health, h.level, h.status, h.class, h.errors FROM health h JOIN media m ON m.id = h.file_id" \
            >"$R/$L.query.json" 2>/dev/null || rm -f "$R/$L.query.json"
    done
fi

python3 bench/verify-eval.py "$CORPUS" "$R" | tee "$R/results.txt"
