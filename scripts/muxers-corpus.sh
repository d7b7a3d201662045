#!/usr/bin/env bash
# Files written by other muxers than ffmpeg and GStreamer, for the metadata
# comparison with ffprobe (`examples/truth.rs`): mkvmerge remuxes (with and
# without lacing, a forced DefaultDuration, several inputs with a language,
# WebM, a split) and HandBrake transcodes (x264 in MP4, x265 in MKV, a
# rotated source, AC-3 audio, variable frame rate, VP9 in WebM).
#
# usage: scripts/muxers-corpus.sh SOURCES_DIR OUT
# SOURCES_DIR holds the real clips of bench/README-real.md (testvideo.mp4,
# issue-134-rotate.mp4, issue-236-split-copy.mkv, car-detection.mp4,
# fades.mp4 and counter.mp4 from PySceneDetect's tests/resources); needs
# mkvmerge (mkvtoolnix) and HandBrakeCLI (handbrake-cli).
set -euo pipefail
src=${1:?usage: muxers-corpus.sh SOURCES_DIR OUT}
out=${2:?usage: muxers-corpus.sh SOURCES_DIR OUT}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
s() { ls "$src"/*"$1" | head -1; }
mkvmerge -q -o "$out/mkvm-testvideo.mkv" "$(s testvideo.mp4)"
mkvmerge -q -o "$out/mkvm-rotate.mkv" "$(s issue-134-rotate.mp4)"
mkvmerge -q -o "$out/mkvm-split-nodd.mkv" --default-duration 0:25fps "$(s issue-236-split-copy.mkv)"
mkvmerge -q --disable-lacing -o "$out/mkvm-nolace-car.mkv" "$(s car-detection.mp4)"
ffmpeg -nostdin -v error -y -i "$(s testvideo.mp4)" -f lavfi -i sine=f=440:d=10 -map 0:v -map 1:a \
    -c:v copy -c:a libvorbis -t 10 "$tmp/tv-vorbis.mkv"
mkvmerge -q -o "$out/mkvm-vorbis-multi.mkv" "$tmp/tv-vorbis.mkv" --language 0:fre "$(s fades.mp4)"
ffmpeg -nostdin -v error -y -i "$(s counter.mp4)" -c:v libvpx-vp9 -b:v 300k -an "$tmp/counter.webm"
mkvmerge -q -w -o "$out/mkvm-webm.webm" "$tmp/counter.webm"
mkvmerge -q -o "$out/mkvm-split-parts.mkv" --split duration:00:00:05 "$(s counter.mp4)"
hb() { nice HandBrakeCLI "$@" >/dev/null 2>&1; }
hb -i "$(s testvideo.mp4)" -o "$out/hb-x264-mp4.mp4" -Z "Very Fast 480p30" --stop-at seconds:6
hb -i "$(s car-detection.mp4)" -o "$out/hb-x265-mkv.mkv" -f av_mkv -e x265 -q 28 --encoder-preset ultrafast --stop-at seconds:6
hb -i "$(s issue-134-rotate.mp4)" -o "$out/hb-rotate.mp4" -e x264 --encoder-preset ultrafast -q 30 --stop-at seconds:6
hb -i "$tmp/tv-vorbis.mkv" -o "$out/hb-ac3.mkv" -f av_mkv -e x264 --encoder-preset ultrafast -E ac3 -B 192 --stop-at seconds:6
hb -i "$(s fades.mp4)" -o "$out/hb-vfr.mp4" -e x264 --encoder-preset ultrafast --vfr -q 30 --stop-at seconds:6
hb -i "$(s counter.mp4)" -o "$out/hb-webm.webm" -f av_webm -e VP9 -q 40 --encoder-preset veryfast --stop-at seconds:4
ls "$out"
