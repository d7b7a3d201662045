#!/usr/bin/env bash
# Files written by mkvmerge and HandBrake with the features real files carry,
# for the metadata comparison with ffprobe (`examples/truth.rs`). The sources
# are made here with ffmpeg (H.264, 10-bit HEVC, interlaced MPEG-2; AC-3 5.1,
# E-AC-3, DTS 5.1, TrueHD, FLAC, Opus, AAC, ALAC, 24-bit PCM; SRT and ASS).
#
# mkvmerge: thirteen tracks with languages, names and flags; HDR10 colour and
# mastering metadata; a field order; TrueHD, FLAC, ALAC and PCM together;
# DTS with forced and hearing-impaired subtitles, chapters and an attachment;
# a display aspect ratio and cropping; no DefaultDuration; stereo 3D; audio
# delayed and advanced; WebM Opus.
# HandBrake: AC-3 passthrough with an SRT track and chapters in MP4 (moov
# first); FLAC and Opus in MKV; x265 10-bit with E-AC-3; decombed and kept
# interlaced MPEG-2; custom anamorphic; VP9 in WebM; an iPod MP4 with mono AAC.
#
# usage: scripts/muxers-features-corpus.sh OUT
# needs ffmpeg, mkvmerge (mkvtoolnix) and HandBrakeCLI (handbrake-cli).
set -euo pipefail
out=${1:?usage: muxers-features-corpus.sh OUT}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
ff() { ffmpeg -nostdin -v error -y "$@"; }
tone=(-f lavfi -i "sine=f=440:d=8")
six=(-af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0")
ff -f lavfi -i testsrc2=s=1280x720:r=25:d=8 -c:v libx264 -pix_fmt yuv420p v264.h264
ff -f lavfi -i testsrc2=s=1280x720:r=24000/1001:d=8 -c:v libx265 -pix_fmt yuv420p10le \
    -x265-params log-level=0 v265.hevc
ff -f lavfi -i testsrc2=s=720x576:r=25:d=8 -c:v mpeg2video -flags +ilme+ildct -top 1 -b:v 4M vint.m2v
ff "${tone[@]}" "${six[@]}" -c:a ac3 a51.ac3
ff "${tone[@]}" -ac 2 -c:a eac3 a.eac3
ff "${tone[@]}" "${six[@]}" -strict -2 -c:a dca a.dts
ff -f lavfi -i "sine=f=440:d=8:sample_rate=48000" -ac 2 -strict -2 -c:a truehd a.thd
ff "${tone[@]}" -ac 2 -c:a flac a.flac
ff "${tone[@]}" -ac 2 -c:a libopus a.opus
ff "${tone[@]}" -ac 2 -c:a aac a.m4a
ff "${tone[@]}" -ac 2 -c:a alac alac.m4a
ff "${tone[@]}" -ac 2 -c:a pcm_s24le a.wav
ff -f lavfi -i color=red:s=32x32 -frames:v 1 cover.png
printf '1\n00:00:01,000 --> 00:00:03,000\nHello\n\n2\n00:00:04,000 --> 00:00:06,000\nWorld\n' >s.srt
ff -i s.srt s.ass
cat >ch.xml <<'XML'
<?xml version="1.0"?>
<Chapters><EditionEntry>
<ChapterAtom><ChapterTimeStart>00:00:00.000</ChapterTimeStart><ChapterDisplay><ChapterString>Start</ChapterString><ChapterLanguage>eng</ChapterLanguage></ChapterDisplay></ChapterAtom>
<ChapterAtom><ChapterTimeStart>00:00:04.000</ChapterTimeStart><ChapterDisplay><ChapterString>Middle</ChapterString><ChapterLanguage>eng</ChapterLanguage></ChapterDisplay></ChapterAtom>
</EditionEntry></Chapters>
XML

mkv() { mkvmerge -q "$@"; }
many=()
for l in eng fra deu spa ita por nld swe nor dan fin pol; do
  many+=(--language "0:$l" --track-name "0:Audio-$l" --default-track-flag 0:no a.m4a)
done
mkv -o "$out/mkv-many-audio.mkv" --default-duration 0:25fps v264.h264 "${many[@]}"
mkv -o "$out/mkv-hdr10.mkv" --default-duration 0:24000/1001p --colour-matrix-coefficients 0:9 \
    --colour-range 0:1 --colour-transfer-characteristics 0:16 --colour-primaries 0:9 \
    --max-content-light 0:1000 --max-frame-light 0:400 --max-luminance 0:1000 --min-luminance 0:0.005 \
    --chromaticity-coordinates 0:0.708,0.292,0.170,0.797,0.131,0.046 \
    --white-colour-coordinates 0:0.3127,0.3290 v265.hevc a.eac3
mkv -o "$out/mkv-interlaced.mkv" --field-order 0:1 vint.m2v a51.ac3
mkv -o "$out/mkv-lossless.mkv" --default-duration 0:25fps v264.h264 a.thd a.flac alac.m4a a.wav
mkv -o "$out/mkv-dts-subs.mkv" --default-duration 0:25fps v264.h264 --language 0:fre a.dts \
    --language 0:eng --forced-display-flag 0:yes s.srt --language 0:jpn --hearing-impaired-flag 0:yes s.ass \
    --chapters ch.xml --attachment-mime-type image/png --attach-file cover.png
mkv -o "$out/mkv-aspect.mkv" --default-duration 0:25fps --aspect-ratio 0:21/9 --cropping 0:10,10,10,10 \
    v264.h264 a.opus
mkv -o "$out/mkv-novideo-dd.mkv" v264.h264 a.opus
mkv -o "$out/mkv-stereo3d.mkv" --default-duration 0:25fps --stereo-mode 0:side_by_side_left_first v264.h264
mkv -o "$out/webm-opus.webm" --webm a.opus
mkv -o "$out/mkv-sync.mkv" --default-duration 0:25fps v264.h264 --sync 0:500 a51.ac3 --sync 0:-200 a.eac3

ff -f lavfi -i testsrc2=s=1280x720:r=25:d=8 -f lavfi -i "sine=f=440:d=8" -f lavfi -i "sine=f=660:d=8" \
    -map 0 -map 1 -map 2 -c:v libx264 -c:a:0 ac3 -ac:a:0 6 -c:a:1 aac \
    -metadata:s:a:0 language=eng -metadata:s:a:1 language=fra src.mkv
ff -f lavfi -i testsrc2=s=720x576:r=25:d=8 -f lavfi -i "sine=d=8" -c:v mpeg2video -flags +ilme+ildct \
    -top 1 -b:v 4M -c:a aac srcint.mkv
hb() { nice HandBrakeCLI --no-dvdnav "$@" >/dev/null 2>&1; }
hb -i src.mkv -o "$out/hb-mp4-passthru.mp4" -e x264 -q 30 --audio 1,2 -E copy:ac3,av_aac \
    --srt-file s.srt --srt-lang eng -m --optimize
hb -i src.mkv -o "$out/hb-mkv-flac.mkv" -e x264 -q 30 --audio 1,2 -E flac24,opus --srt-file s.srt -m
hb -i src.mkv -o "$out/hb-x265-10.mp4" -e x265_10bit -q 30 --encoder-preset ultrafast -E eac3
hb -i srcint.mkv -o "$out/hb-decomb.mp4" -e x264 -q 30 --comb-detect --decomb -E av_aac
hb -i srcint.mkv -o "$out/hb-interlaced-keep.mkv" -e mpeg2 -q 10 -E ac3
hb -i src.mkv -o "$out/hb-anamorphic.mp4" -e x264 -q 30 --custom-anamorphic --pixel-aspect 4:3 -w 960 -E av_aac
hb -i src.mkv -o "$out/hb-vp9.webm" -e VP9 -q 40 -E opus
hb -i src.mkv -o "$out/hb-ipod.m4v" -e x264 -q 30 --ipod-atom -E av_aac --mixdown mono
ls "$out"
