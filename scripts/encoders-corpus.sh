#!/usr/bin/env bash
# Files written by the encoders and muxers music and video libraries are
# filled with besides ffmpeg and GStreamer, for the metadata comparison with
# ffprobe (`examples/truth.rs`): LAME (CBR, VBR with its Xing/LAME frame,
# ABR, mono 22 kHz, a cover, no tag), opusenc (a cover and chapters in the
# Vorbis comment, mono at 24 kbit/s), oggenc, the reference FLAC encoder
# (16 and 24 bits, a picture, Ogg FLAC, no padding or seek table), SoX
# (AIFF, AIFF-C, 32-bit float, 8-bit unsigned, µ-law, IMA ADPCM, GSM,
# Sun AU, CAF, Wave64, six channels) and x264's own Matroska and FLV writers
# (top field first, 29.97 fps with B-pyramid, 4:4:4, 10 bits).
#
# usage: scripts/encoders-corpus.sh OUT
# needs ffmpeg (for the sources), lame, opus-tools, vorbis-tools, flac, sox
# and x264.
set -euo pipefail
out=${1:?usage: encoders-corpus.sh OUT}
for tool in ffmpeg lame opusenc oggenc flac sox x264; do
  command -v "$tool" >/dev/null || { echo "encoders-corpus: $tool not found" >&2; exit 1; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
ff() { ffmpeg -nostdin -v error -y "$@"; }
ff -f lavfi -i "sine=f=440:d=7,aformat=channel_layouts=stereo" -ar 44100 -c:a pcm_s16le "$src/s44.wav"
ff -f lavfi -i "sine=f=440:d=7" -ar 48000 -c:a pcm_s24le "$src/m48_24.wav"
ff -f lavfi -i "sine=f=300:d=5" -ar 22050 -c:a pcm_s16le "$src/m22.wav"
ff -f lavfi -i testsrc2=s=320x240:r=25:d=4 -pix_fmt yuv420p -f yuv4mpegpipe "$src/v.y4m"
ff -f lavfi -i testsrc2=s=320x240:r=30000/1001:d=4 -pix_fmt yuv420p -f yuv4mpegpipe "$src/v2997.y4m"
ff -f lavfi -i color=red:s=64x64 -frames:v 1 "$src/cover.jpg"
cd "$out"
s44=$src/s44.wav m48=$src/m48_24.wav m22=$src/m22.wav cover=$src/cover.jpg
lame --quiet -b 128 "$s44" lame_cbr128.mp3
lame --quiet -V 2 "$s44" lame_v2.mp3
lame --quiet --abr 96 "$s44" lame_abr96.mp3
lame --quiet -m m -V 5 "$m22" lame_mono22.mp3
lame --quiet --ti "$cover" --tt Title -b 192 "$s44" lame_cover.mp3
lame --quiet -V 0 -t "$s44" lame_notag.mp3
opusenc --quiet "$s44" opusenc.opus
opusenc --quiet --bitrate 24 "$m22" opusenc_mono22k.opus
opusenc --quiet --picture "$cover" --title T --comment CHAPTER001=00:00:00.000 \
  --comment CHAPTER001NAME=A --comment CHAPTER002=00:00:03.000 "$m48" opusenc_pic_ch.opus
oggenc --quiet "$s44" -o oggenc.ogg
oggenc --quiet -q 0 "$m22" -o oggenc_mono22.ogg
flac --silent -f "$s44" -o flac16.flac
flac --silent -f "$m48" -o flac24.flac
flac --silent -f --picture="$cover" "$s44" -o flac_pic.flac
flac --silent -f --ogg "$s44" -o flac_in.oga
flac --silent -f --no-padding --no-seektable "$m22" -o flac_bare.flac
sox "$s44" sox.aiff
sox "$s44" -e floating-point -b 32 sox_float.wav
sox "$s44" -b 8 -e unsigned sox_u8.wav
sox "$m48" sox_24.aiff
sox "$s44" -e mu-law sox_ulaw.wav
sox "$s44" -e ima-adpcm sox_ima.wav
sox "$s44" sox.au
sox "$s44" sox.aifc
sox "$s44" sox.caf
sox "$s44" -r 8000 -e gsm sox_gsm.wav
sox "$s44" sox.w64
sox "$s44" -c 6 sox_6ch.wav
x264 --quiet "$src/v.y4m" -o x264.mkv 2>/dev/null
x264 --quiet "$src/v.y4m" -o x264.flv 2>/dev/null
x264 --quiet --tff "$src/v.y4m" -o x264_tff.mkv 2>/dev/null
x264 --quiet --bframes 3 --b-pyramid normal "$src/v2997.y4m" -o x264_2997.mkv 2>/dev/null
x264 --quiet --output-csp i444 "$src/v.y4m" -o x264_444.mkv 2>/dev/null
x264 --quiet --output-depth 10 "$src/v.y4m" -o x264_10.mkv 2>/dev/null
x264 --quiet --fps 30000/1001 --force-cfr "$src/v2997.y4m" -o x264_2997.flv 2>/dev/null
echo "encoders-corpus: $(find "$out" -maxdepth 1 -type f | wc -l) files in $out"
