#!/usr/bin/env bash
# Files in the containers and codecs of older and less common tools, written
# by ffmpeg's less used muxers, for the metadata comparison with ffprobe
# (`examples/truth.rs`): Smooth Streaming (ISMV), fragmented MP4 (empty
# moov; separate moof), F4V, iPod, PSP, 3GPP2, DVD, SVCD and VCD program
# streams, MXF OP-Atom, NUT, live WebM, M2TS, HEVC with E-AC-3 in MPEG-TS,
# RealMedia (RealVideo 1 and 2 with AC-3), SWF, ASF streaming, Matroska with
# short clusters, the intermediate and older video codecs (MJPEG, FFV1,
# HuffYUV, DNxHD, Theora, AV1, Cinepak, QuickTime Animation, PNG, v210,
# UYVY), and raw audio streams at other bit rates, rates and channel counts
# than the defaults (AC-3, E-AC-3, AAC, MP3, MP2, DTS; TrueHD and MLP).
#
# usage: scripts/ffmpeg-muxers-corpus.sh OUT
# needs ffmpeg (Debian's build: libx264, libx265, libvpx, libaom, libsvtav1,
# libtheora, libvorbis, libopus).
set -euo pipefail
out=${1:?usage: ffmpeg-muxers-corpus.sh OUT}
mkdir -p "$out"
cd "$out"
ff() { ffmpeg -nostdin -v error -y "$@"; }
V=(-f lavfi -i testsrc2=s=320x240:r=25:d=3)
A=(-f lavfi -i sine=d=3)
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a aac -f ismv ism.ismv
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a aac -movflags frag_keyframe+empty_moov frag.mp4
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a aac -movflags +faststart+frag_keyframe+separate_moof sepmoof.mp4
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a aac -f f4v f4v.f4v
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a aac -f ipod ipod.m4v
ff "${V[@]}" "${A[@]}" -c:v mpeg4 -c:a aac -f psp psp.mp4
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a aac -f 3g2 three.3g2
ff "${V[@]}" "${A[@]}" -c:v mpeg2video -c:a mp2 -f dvd dvd.vob
ff "${V[@]}" "${A[@]}" -c:v mpeg2video -s 480x576 -r 25 -c:a mp2 -ar 44100 -f svcd svcd.mpg
ff "${V[@]}" "${A[@]}" -target pal-vcd vcd.mpg
ff "${V[@]}" -c:v mpeg2video -f mxf_opatom opatom.mxf
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a libopus nut.nut
ff "${V[@]}" "${A[@]}" -c:v libvpx -c:a libvorbis -live 1 live.webm
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a ac3 -f mpegts -mpegts_m2ts_mode 1 m2ts.m2ts
ff "${V[@]}" "${A[@]}" -c:v libx265 -x265-params log-level=0 -c:a eac3 -f mpegts hevc_eac3.ts
ff "${V[@]}" "${A[@]}" -c:v rv20 -c:a ac3 -f rm real.rm
ff "${V[@]}" "${A[@]}" -c:v rv10 -c:a ac3 rv10.rm
ff "${V[@]}" "${A[@]}" -c:v flv1 -c:a mp3 -f swf swf.swf
ff "${V[@]}" "${A[@]}" -c:v wmv2 -c:a wmav2 -f asf_stream asfs.asf
ff "${V[@]}" "${A[@]}" -c:v libx264 -c:a aac -f matroska -cluster_time_limit 100 clus.mkv
ff "${V[@]}" "${A[@]}" -c:v mjpeg -c:a pcm_s16le mjpeg.avi
ff "${V[@]}" "${A[@]}" -c:v ffv1 -c:a flac ffv1.mkv
ff "${V[@]}" "${A[@]}" -c:v huffyuv -c:a pcm_s16le huffyuv.avi
ff "${V[@]}" "${A[@]}" -c:v dnxhd -s 1280x720 -b:v 90M -pix_fmt yuv422p -r 25 -c:a pcm_s24le dnx.mov
ff "${V[@]}" "${A[@]}" -c:v libtheora -c:a libvorbis theora.ogv
ff "${V[@]}" "${A[@]}" -c:v libaom-av1 -cpu-used 8 -c:a libopus av1.webm
ff "${V[@]}" "${A[@]}" -c:v libsvtav1 -c:a libopus svt.mkv 2>/dev/null
ff "${V[@]}" "${A[@]}" -c:v cinepak -c:a pcm_u8 cinepak.avi
ff "${V[@]}" -c:v qtrle qtrle.mov
ff "${V[@]}" -c:v png png.mov
ff "${V[@]}" -c:v v210 v210.mov
ff "${V[@]}" -c:v rawvideo -pix_fmt uyvy422 uyvy.avi
# Raw audio elementary streams at other settings than the defaults (bit
# rates, rates, channels), where a header estimate reads the wrong bits.
for br in 96k 384k 640k; do ff "${A[@]}" -ac 2 -c:a ac3 -b:a $br ac3_$br.ac3; done
ff "${A[@]}" -ar 32000 -ac 6 -c:a ac3 ac3_32k_6ch.ac3
for br in 96k 1024k; do ff "${A[@]}" -ac 2 -c:a eac3 -b:a $br eac3_$br.eac3; done
for br in 64k 256k; do ff "${A[@]}" -ac 2 -c:a aac -b:a $br aac_$br.aac; done
ff "${A[@]}" -ar 22050 -ac 1 -c:a aac aac_22k_mono.aac
for br in 32k 320k; do ff "${A[@]}" -c:a libmp3lame -b:a $br mp3_$br.mp3; done
ff "${A[@]}" -ar 8000 -c:a libmp3lame mp3_8k.mp3
for br in 64k 384k; do ff "${A[@]}" -ac 2 -c:a mp2 -b:a $br mp2_$br.mp2; done
for br in 384k 768k 1536k; do ff "${A[@]}" -ac 2 -c:a dca -strict -2 -b:a $br dts_$br.dts; done
ff "${A[@]}" -ar 44100 -ac 6 -c:a dca -strict -2 dts_44k_6ch.dts
ff "${A[@]}" -ac 2 -c:a truehd -strict -2 -f truehd truehd.thd
ff "${A[@]}" -ac 1 -c:a mlp -strict -2 -f mlp mono.mlp
echo "ffmpeg-muxers-corpus: $(find . -maxdepth 1 -type f | wc -l) files in $out"
