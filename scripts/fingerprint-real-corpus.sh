#!/usr/bin/env bash
# A fingerprint evaluation set from real clips: each source clip (cut to at
# most 30 s) with the variants people end up with, plus every file of a
# negatives directory as a source of its own. Writes OUT/truth.tsv:
#   file <TAB> source <TAB> transform
#
# usage: scripts/fingerprint-real-corpus.sh SOURCES_DIR OUT [NEGATIVES_DIR]
# The sources used by the bench and how to rebuild them: bench/README-real.md.
set -euo pipefail
src=${1:?usage: fingerprint-real-corpus.sh SOURCES_DIR OUT [NEGATIVES_DIR]}
out=${2:?usage: fingerprint-real-corpus.sh SOURCES_DIR OUT [NEGATIVES_DIR]}
neg=${3:-}
mkdir -p "$out"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
truth="$out/truth.tsv"
: >"$truth"
add() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$truth"; }

for f in "$src"/*; do
    [ -f "$f" ] || continue
    name=$(basename "${f%.*}")
    ext=${f##*.}
    d=$(dur "$f")
    o="$out/$name-original.$ext"
    if awk -v d="$d" 'BEGIN { exit !(d <= 30.5) }'; then
        cp "$f" "$o"
    else
        # A longer source: its first 30 s, as an encoder with default settings
        # (x264's keyframe interval of 250) would have written them.
        o="$out/$name-original.mp4"
        ff -i "$f" -t 30 -map 0:v:0 -map '0:a:0?' -c:v libx264 -crf 18 -pix_fmt yuv420p -c:a aac "$o"
    fi
    add "$(basename "$o")" "$name" original
    d=$(dur "$o")
    v() { local t=$1; shift; ff -i "$o" "$@"; add "$(basename "${@: -1}")" "$name" "$t"; }
    v hevc -map 0:v:0 -c:v libx265 -crf 28 -x265-params log-level=none "$out/$name-hevc.mkv"
    v vp9-half -map 0:v:0 -vf "scale=trunc(iw/4)*2:trunc(ih/4)*2" -c:v libvpx-vp9 -crf 36 -b:v 0 -deadline realtime -cpu-used 8 "$out/$name-vp9.webm"
    v h264-200k-gop12 -map 0:v:0 -c:v libx264 -b:v 200k -g 12 -pix_fmt yuv420p "$out/$name-200k.mp4"
    v remux-mkv -map 0:v:0 -map '0:a?' -c copy "$out/$name-remux.mkv"
    v letterbox -map 0:v:0 -vf "scale=trunc(iw/2)*2:trunc(ih*3/8)*2,pad=iw:ih*4/3:0:(oh-ih)/2" -c:v libx264 -crf 22 -pix_fmt yuv420p "$out/$name-letterbox.mp4"
    # Trimmed: the first 15% cut off (at least 1 s), default keyframe interval.
    cut=$(awk -v d="$d" 'BEGIN { c = d * 0.15; if (c < 1) c = 1; printf "%.2f", c }')
    v trim -ss "$cut" -map 0:v:0 -c:v libx264 -crf 23 -pix_fmt yuv420p "$out/$name-trim.mp4"
    # Other containers and codecs people keep.
    v avi-mpeg4 -map 0:v:0 -c:v mpeg4 -q:v 5 "$out/$name-mpeg4.avi"
    v mpegps-ac3 -map 0:v:0 -map '0:a:0?' -c:v mpeg2video -q:v 4 -c:a ac3 -f vob "$out/$name-ps.mpg"
    v mpegts -map 0:v:0 -c:v libx264 -crf 23 -pix_fmt yuv420p -f mpegts "$out/$name-ts.ts"
    v flv -map 0:v:0 -c:v flv1 -q:v 5 "$out/$name-flv.flv"
done

if [ -n "$neg" ]; then
    for f in "$neg"/*; do
        [ -f "$f" ] || continue
        b=$(basename "$f")
        cp "$f" "$out/neg-$b"
        add "neg-$b" "neg-${b%.*}" original
    done
fi
echo "$(wc -l < "$truth") files in $out"
