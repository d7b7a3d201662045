#!/usr/bin/env bash
# An integrity-check evaluation set: clean files in every common container and
# codec, damaged copies of each (truncated, zeroed, bit-flipped, overwritten
# with random bytes, a span cut out), real third-party files that decode
# without error, and a manifest with ffmpeg's verdict on every file. The
# ground truth of bench/verify.sh (bench/README-verify.md).
#
# usage: scripts/damage-corpus.sh OUTDIR [SECONDS]
#
#   OUTDIR/clean/       one file per kind from lavfi (testsrc2 with temporal
#                       noise, a sine with noise), SECONDS long (default 8),
#                       640x360 at 25 fps, every encoder single-threaded with
#                       bit-exact flags; one MKV remuxed by mkvmerge so that
#                       a muxer other than ffmpeg's is in the set
#   OUTDIR/damaged/     14 damaged copies of each clean file (scripts/damage.py
#                       lists the kinds, places and strengths; fixed seeds)
#   OUTDIR/real-clean/  hard links to (or copies of) the files of
#                       $REAL_CLEAN_DIR that ffmpeg decodes without an error line
#   OUTDIR/manifest.tsv path (relative to OUTDIR), kind, source, container,
#                       codecs, strength, offset, ffmpeg_flagged, ffmpeg_error_lines
#   OUTDIR/ffmpeg-first-errors.tsv  path and ffmpeg's first error line, for
#                       the files it flags
#
# A codec this ffmpeg cannot encode is skipped, and said so. Clean files are
# kept when they exist (they are the slow part) and made with the same
# SECONDS; damaged copies and the manifest are always rewritten. ffmpeg runs
# under nice, two at a time.
#
# env:
#   REAL_CLEAN_DIR=/work/realclips/set   real files for OUTDIR/real-clean ("" for none)
#   JOBS=2                               parallel ffmpeg runs
set -euo pipefail

die() { echo "damage-corpus: $*" >&2; exit 1; }
[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 OUTDIR [SECONDS]"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$1
SECS=${2:-8}
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, got '$SECS'"
REAL=${REAL_CLEAN_DIR-/work/realclips/set}
JOBS=${JOBS:-2}
for c in ffmpeg ffprobe python3 mkvmerge; do
    command -v "$c" >/dev/null 2>&1 || die "$c not found"
done
t0=$(date +%s.%N)
mkdir -p "$OUT/clean" "$OUT/damaged" "$OUT/real-clean"

# Clean files made for another length are made again.
if [[ $(cat "$OUT/clean/.seconds" 2>/dev/null) != "$SECS" ]]; then
    rm -f "$OUT"/clean/*
    echo "$SECS" >"$OUT/clean/.seconds"
fi

ENCODERS=$(ffmpeg -hide_banner -encoders 2>/dev/null | awk '{ print $2 }')
have() { grep -qx "$1" <<<"$ENCODERS"; }
AV1=""
for e in libsvtav1 libaom-av1 librav1e; do
    if have "$e"; then AV1=$e; break; fi
done
case $AV1 in
    libsvtav1) AV1_ARGS="-c:v libsvtav1 -preset 10 -crf 40 -svtav1-params lp=1" ;;
    libaom-av1) AV1_ARGS="-c:v libaom-av1 -cpu-used 8 -row-mt 0 -crf 40 -b:v 0" ;;
    librav1e) AV1_ARGS="-c:v librav1e -speed 10 -qp 120 -rav1e-params threads=1" ;;
    *) AV1="AV1(libsvtav1,libaom-av1,librav1e)" AV1_ARGS="" ;;
esac

X264="-c:v libx264 -preset veryfast -crf 23 -g 50 -pix_fmt yuv420p"
X265="-c:v libx265 -preset ultrafast -crf 28 -x265-params pools=1:frame-threads=1:log-level=error -pix_fmt yuv420p"
MPEG2="-c:v mpeg2video -b:v 2500k -maxrate 4000k -bufsize 1835k -g 15 -pix_fmt yuv420p"
# name | container | codecs | encoders needed | ffmpeg output options
KINDS="
h264-aac.mp4|mp4|h264+aac|libx264 aac|$X264 -c:a aac -b:a 128k
hevc-aac.mp4|mp4|hevc+aac|libx265 aac|$X265 -tag:v hvc1 -c:a aac -b:a 128k -movflags +faststart
prores-pcm.mov|mov|prores+pcm_s16le|prores_ks pcm_s16le|-c:v prores_ks -profile:v 0 -pix_fmt yuv422p10le -c:a pcm_s16le
mjpeg-pcm.mov|mov|mjpeg+pcm_s16le|mjpeg pcm_s16le|-c:v mjpeg -q:v 5 -pix_fmt yuvj420p -c:a pcm_s16le
h264-ac3.mkv|mkv|h264+ac3|libx264 ac3|$X264 -c:a ac3 -b:a 192k
hevc-opus.mkv|mkv|hevc+opus|libx265 libopus|$X265 -c:a libopus -b:a 96k
vp9-opus.webm|webm|vp9+opus|libvpx-vp9 libopus|-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -row-mt 0 -b:v 1M -g 50 -c:a libopus -b:a 96k
av1-opus.webm|webm|av1+opus|$AV1 libopus|$AV1_ARGS -g 50 -pix_fmt yuv420p -c:a libopus -b:a 96k
mpeg4-mp3.avi|avi|mpeg4+mp3|mpeg4 libmp3lame|-c:v mpeg4 -vtag XVID -q:v 4 -g 50 -c:a libmp3lame -b:a 128k
mpeg2-mp2.mpg|mpg|mpeg2video+mp2|mpeg2video mp2|$MPEG2 -c:a mp2 -b:a 192k -f vob
h264-aac.ts|ts|h264+aac|libx264 aac|$X264 -c:a aac -b:a 128k -f mpegts
mpeg2-ac3.ts|ts|mpeg2video+ac3|mpeg2video ac3|$MPEG2 -c:a ac3 -b:a 192k -f mpegts
h264-ac3.m2ts|m2ts|h264+ac3|libx264 ac3|$X264 -c:a ac3 -b:a 192k -f mpegts -mpegts_m2ts_mode 1
h264-aac.flv|flv|h264+aac|libx264 aac|$X264 -c:a aac -b:a 128k
wmv2-wmav2.wmv|wmv|wmv2+wmav2|wmv2 wmav2|-c:v wmv2 -b:v 1500k -g 50 -c:a wmav2 -b:a 128k
theora-vorbis.ogv|ogv|theora+vorbis|libtheora libvorbis|-c:v libtheora -q:v 6 -g 50 -c:a libvorbis -q:a 4
audio.flac|flac|flac|flac|-vn -c:a flac
"
REMUX="h264-ac3.mkvmerge.mkv|mkv|h264+ac3|mkvmerge"

VIDEO="testsrc2=size=640x360:rate=25:duration=$SECS,noise=alls=4:allf=t:all_seed=1234"
AUDIO="sine=frequency=440:sample_rate=48000:duration=$SECS[s];anoisesrc=sample_rate=48000:amplitude=0.03:seed=11:duration=$SECS[n];[s][n]amix=inputs=2,aformat=channel_layouts=stereo[out0]"

encode() { # name, options
    local name=$1 opts=$2 tmp="$OUT/clean/.$1.part"
    # shellcheck disable=SC2086
    SVT_LOG=1 nice -n 10 ffmpeg -nostdin -hide_banner -loglevel error -y -filter_threads 1 \
        -f lavfi -i "$VIDEO" -f lavfi -i "$AUDIO" -map 0:v -map 1:a \
        -fflags +bitexact -flags:v +bitexact -flags:a +bitexact -threads 1 \
        $opts -t "$SECS" -f "$(fmt "$name" "$opts")" "$tmp" \
        && mv "$tmp" "$OUT/clean/$name" || { rm -f "$tmp"; echo "damage-corpus: could not make $name" >&2; }
}
# The muxer: the one named in the options, else the one of the extension.
fmt() {
    if [[ $2 =~ -f\ ([a-z0-9_]+) ]]; then echo "${BASH_REMATCH[1]}"; return; fi
    case ${1##*.} in
        mp4) echo mp4 ;; mov) echo mov ;; mkv) echo matroska ;; webm) echo webm ;;
        avi) echo avi ;; flv) echo flv ;; wmv) echo asf ;; ogv) echo ogg ;; flac) echo flac ;;
    esac
}

echo "== clean files ($SECS s, 640x360) in $OUT/clean" >&2
declare -A CONTAINER=() CODECS=()
running=0
while IFS='|' read -r name container codecs needs opts; do
    [[ -n $name ]] || continue
    missing=""
    for e in $needs; do have "$e" || missing+=" $e"; done
    if [[ -z $needs || -n $missing ]]; then
        echo "skipped $name: this ffmpeg has no encoder${missing:- for it}" >&2
        continue
    fi
    CONTAINER[$name]=$container CODECS[$name]=$codecs
    [[ -s $OUT/clean/$name ]] && continue
    if ((running >= JOBS)); then wait -n || true; running=$((running - 1)); fi
    encode "$name" "$opts" &
    running=$((running + 1))
done <<<"$KINDS"
wait
IFS='|' read -r rname rcontainer rcodecs _ <<<"$REMUX"
rsrc=h264-ac3.mkv
if [[ -s $OUT/clean/$rsrc ]]; then
    CONTAINER[$rname]=$rcontainer CODECS[$rname]=$rcodecs
    if [[ ! -s $OUT/clean/$rname ]]; then
        # --deterministic: the same segment UIDs every run; --no-date: no muxing date.
        nice -n 10 mkvmerge -q --deterministic 1234 --no-date -o "$OUT/clean/.$rname.part" "$OUT/clean/$rsrc" \
            && mv "$OUT/clean/.$rname.part" "$OUT/clean/$rname"
    fi
fi

echo "== damaged copies in $OUT/damaged" >&2
rm -f "$OUT"/damaged/*
ROWS=$(mktemp)
trap 'rm -f "$ROWS" "$ROWS".*' EXIT
for name in $(printf '%s\n' "${!CONTAINER[@]}" | sort); do
    [[ -s $OUT/clean/$name ]] || { unset "CONTAINER[$name]"; continue; }
    printf 'clean/%s\tclean\t%s\t%s\t%s\t-\t-\n' "$name" "$name" "${CONTAINER[$name]}" "${CODECS[$name]}" >>"$ROWS"
    python3 "$HERE/damage.py" copies "$OUT/clean/$name" "$OUT/damaged" \
        | awk -F'\t' -v OFS='\t' -v s="$name" -v c="${CONTAINER[$name]}" -v k="${CODECS[$name]}" \
            '{ print "damaged/" $1, $2, s, c, k, $3, $4 }' >>"$ROWS"
done

echo "== real files that ffmpeg decodes without error, from ${REAL:-nowhere}" >&2
rm -f "$OUT"/real-clean/*
if [[ -n $REAL ]]; then
    [[ -d $REAL ]] || die "no such directory: $REAL (set REAL_CLEAN_DIR, or REAL_CLEAN_DIR= for none)"
    find "$REAL" -maxdepth 1 -type f -regextype posix-extended \
        -iregex '.*\.(mp4|m4v|mov|mkv|webm|avi|mpg|mpeg|ts|m2ts|mts|flv|wmv|asf|ogv|ogg|3gp|mxf|vob)' -print0 \
        | sort -z | xargs -0 -r -n 4 -P "$JOBS" nice -n 10 python3 "$HERE/damage.py" check | sort >"$ROWS.real"
    real_bad=0
    while IFS=$'\t' read -r f flagged _ first; do
        if [[ $flagged == 1 ]]; then
            real_bad=$((real_bad + 1))
            echo "  left out ${f##*/}: $first" >&2
            continue
        fi
        b=${f##*/}
        ln "$f" "$OUT/real-clean/$b" 2>/dev/null || cp "$f" "$OUT/real-clean/$b"
        codecs=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$f" | awk 'NF' | paste -sd+)
        ext=${b##*.}
        printf 'real-clean/%s\tclean\treal\t%s\t%s\t-\t-\n' "$b" "${ext,,}" "$codecs" >>"$ROWS"
    done <"$ROWS.real"
fi

echo "== ffmpeg's verdict on every file" >&2
(cd "$OUT" && cut -f1 "$ROWS" | tr '\n' '\0' \
    | xargs -0 -r -n 8 -P "$JOBS" nice -n 10 python3 "$HERE/damage.py" check) | sort >"$ROWS.ff"
{
    printf 'path\tkind\tsource\tcontainer\tcodecs\tstrength\toffset\tffmpeg_flagged\tffmpeg_error_lines\n'
    # The rows, in order, each with ffmpeg's flag and error line count.
    awk -F'\t' -v OFS='\t' 'NR == FNR { ff[$1] = $2 OFS $3; next } { print $0, ff[$1] }' "$ROWS.ff" "$ROWS"
} >"$OUT/manifest.tsv"
awk -F'\t' -v OFS='\t' '$2 == 1 { print $1, $4 }' "$ROWS.ff" >"$OUT/ffmpeg-first-errors.tsv"

# Clean synthetic files must decode without a word from ffmpeg.
awk -F'\t' 'NR > 1 && $2 == "clean" && $8 == 1 { print "damage-corpus: WARNING: ffmpeg flags the clean file " $1 > "/dev/stderr" }' "$OUT/manifest.tsv"

echo
echo "## $OUT: files per container and kind"
printf '%-10s%8s%8s%8s%8s%8s%8s%8s\n' container clean cut zero flip random hole all
awk -F'\t' 'NR > 1 { n[$4 "\t" $2]++; c[$4] = 1 }
    END {
        split("clean cut zero flip random hole", k, " ")
        for (x in c) {
            printf "%-10s", x; s = 0
            for (i = 1; i <= 6; i++) { v = n[x "\t" k[i]] + 0; s += v; printf "%8d", v }
            printf "%8d\n", s
        }
    }' "$OUT/manifest.tsv" | sort
awk -F'\t' 'NR > 1 { n[$2]++; t++ } END { printf "%-10s%8d%8d%8d%8d%8d%8d%8d\n", "all", n["clean"], n["cut"], n["zero"], n["flip"], n["random"], n["hole"], t }' "$OUT/manifest.tsv"
echo
echo "## ffmpeg's verdict per kind (clean: flagged is a problem; damaged: cut and hole count as damaged either way)"
awk -F'\t' 'NR > 1 { key = ($3 == "real" ? "clean (real)" : ($2 == "clean" ? "clean (synthetic)" : $2)); n[key]++; f[key] += $8 }
    END { for (k in n) printf "%-18s %4d of %4d flagged\n", k, f[k], n[k] }' "$OUT/manifest.tsv" | sort
[[ -z $REAL ]] || echo "real files left out because ffmpeg flags them: $real_bad"
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "made in %.0f s\n", b - a }'
