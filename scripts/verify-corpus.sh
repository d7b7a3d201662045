#!/usr/bin/env bash
# Check that files made by scripts/gen-corpus.sh really hold the codecs their
# names promise, using ffprobe (and, with --decode, a full ffmpeg decode).
#
# usage: scripts/verify-corpus.sh [--decode] DIR [PER_KIND]
#
# PER_KIND (default: all) limits the check to that many files of each kind.
# Prints one line per kind and exits non-zero if any file fails.
set -euo pipefail

die() { echo "verify-corpus: $*" >&2; exit 1; }

decode=0
if [[ ${1:-} == --decode ]]; then decode=1; shift; fi
[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 [--decode] DIR [PER_KIND]"
DIR=$1
PER_KIND=${2:-0}
[[ -d $DIR ]] || die "no such directory: $DIR"
command -v ffprobe >/dev/null 2>&1 || die "ffprobe not found (install ffmpeg)"
if ((decode)); then
  command -v ffmpeg >/dev/null 2>&1 || die "ffmpeg not found (install ffmpeg)"
fi

# kind -> codecs expected, in stream order; "lang:" entries are the audio
# stream languages expected in that order.
declare -A EXPECT=(
  [h264-aac.mp4]="h264 aac"
  [h264.mkv]="h264"
  [vp8-vorbis.webm]="vp8 vorbis"
  [vp9-opus.webm]="vp9 opus"
  [hevc-flac.mkv]="hevc flac"
  [mpeg4-mp3.avi]="mpeg4 mp3"
  [theora-vorbis.ogv]="theora vorbis"
  [h264-aac.ts]="h264 aac"
  [mjpeg.mov]="mjpeg"
  [mpeg2-mp2.mpg]="mpeg2video mp2"
  [av1.mkv]="av1"
  [wmv2-wma.wmv]="wmv2 wmav2"
  [h264-aac.flv]="h264 aac"
  [prores.mov]="prores"
  [h264-2lang.mkv]="h264 aac ac3 lang:eng lang:fre"
  [hevc-aac.mp4]="hevc aac"
  [mpeg2-ac3.ts]="mpeg2video ac3"
  [mpeg2-pcm.mxf]="mpeg2video pcm_s16le"
)

declare -A seen=() ok=() bad=()
fail=0
while IFS= read -r -d '' f; do
  base=${f##*/}
  kind=${base#*-}
  [[ -n ${EXPECT[$kind]:-} ]] || continue
  n=${seen[$kind]:-0}
  if ((PER_KIND > 0 && n >= PER_KIND)); then continue; fi
  seen[$kind]=$((n + 1))

  want=() langs=()
  for w in ${EXPECT[$kind]}; do
    if [[ $w == lang:* ]]; then langs+=("${w#lang:}"); else want+=("$w"); fi
  done
  problem=""
  codecs=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$f" 2>/dev/null \
    | tr -d ',' | awk 'NF' | sort -u | tr '\n' ' ') || true
  for w in "${want[@]}"; do
    [[ " $codecs " == *" $w "* ]] || problem+=" missing codec $w (have: ${codecs% })"
  done
  if ((${#langs[@]})); then
    got=$(ffprobe -v error -select_streams a -show_entries stream_tags=language \
      -of csv=p=0 "$f" 2>/dev/null | tr '\n' ' ') || true
    [[ ${got% } == "${langs[*]}" ]] || problem+=" audio languages '${got% }' != '${langs[*]}'"
  fi
  dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f" 2>/dev/null) || true
  if ! awk -v d="$dur" 'BEGIN { exit !(d + 0 >= 0.3 && d + 0 <= 3.0) }'; then
    problem+=" duration '$dur' outside 0.3..3 s"
  fi
  if ((decode)) && [[ -z $problem ]]; then
    # Known harmless complaints of libavformat about GStreamer's muxers:
    # flvmux pads its metadata with a long "gstfiller" string, and asfmux
    # can leave a short last data packet.
    err=$(ffmpeg -nostdin -v error -i "$f" -f null - 2>&1 \
      | grep -vE 'AMF_DATA_TYPE_STRING parsing failed|invalid padsize|packet_replic_size|ff asf skip|Last message repeated' \
      | head -n 3) || true
    [[ -z $err ]] || problem+=" decode: $err"
  fi
  if [[ -n $problem ]]; then
    bad[$kind]=$((${bad[$kind]:-0} + 1))
    fail=$((fail + 1))
    echo "verify-corpus: BAD $f:$problem" >&2
  else
    ok[$kind]=$((${ok[$kind]:-0} + 1))
  fi
done < <(find "$DIR" -type f ! -name '.*' -print0 | sort -z)

total=0
for kind in $(printf '%s\n' "${!EXPECT[@]}" | sort); do
  n=${seen[$kind]:-0}
  total=$((total + n))
  if ((n == 0)); then
    printf '%-20s  none\n' "$kind"
  else
    printf '%-20s  %3d ok  %3d bad  (%s)\n' "$kind" "${ok[$kind]:-0}" "${bad[$kind]:-0}" "${EXPECT[$kind]}"
  fi
done
echo "verified $total files, $fail bad"
((fail == 0))
