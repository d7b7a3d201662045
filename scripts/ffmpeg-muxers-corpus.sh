#!/usr/bin/env bash
# Files in the containers and codecs of older and less common tools, written
# by ffmpeg's less used muxers, for the metadata comparison with ffprobe
# (`examples/truth.rs`): Smooth Streaming (ISMV), fragmented MP4 (empty
# moov; separate moof), F4V, iPod, PSP, 3GPP2, DVD, SVCD and VCD program
# streams, MXF OP-Atom, NUT, live WebM, M2TS, HEVC with E-AC-3 in MPEG-TS,
# RealMedia (RealVideo 1 and 2 with AC-3), SWF, ASF streaming, Matroska with
# short clusters, and the intermediate and older video codecs (MJPEG, FFV1,
# HuffYUV, DNxHD, Theora, AV1, Cinepak, QuickTime Animation, PNG, v210,
# UYVY).
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
echo "ffmpeg-muxers-corpus: $(find . -maxdepth 1 -type f | wc -l) files in $out"
