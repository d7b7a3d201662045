#!/usr/bin/env bash
# Generate a fingerprint evaluation set with ffmpeg: synthetic sources (lavfi),
# positive variants of each, and hard negatives. Writes OUT/truth.tsv:
#   file <TAB> source <TAB> transform
# Files of the same source show the same content (positives); files of
# different sources do not (negatives, some of them hard: two non-overlapping
# parts of one long clip are two sources).
#
# usage: scripts/fingerprint-corpus.sh OUT [small|bench]
# env (a quicker set with every transform): FP_SIZE=WxH, FP_LEN=seconds,
#   FP_SOURCES="mandel cells ..." (bench sources to keep)
set -euo pipefail
out=${1:?usage: fingerprint-corpus.sh OUT [small|bench]}
scale=${2:-small}
mkdir -p "$out"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
x264() { echo -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 25 "$@"; }

if [ "$scale" = bench ]; then W=1280 H=720 LEN=60; else W=320 H=240 LEN=20; fi
if [ -n "${FP_SIZE:-}" ]; then W=${FP_SIZE%x*} H=${FP_SIZE#*x}; fi
LEN=${FP_LEN:-$LEN}
truth="$out/truth.tsv"
: >"$truth"
add() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$truth"; }

declare -A SRC=(
    [mandel]="mandelbrot=s=${W}x${H}:r=25"
    [cells]="cellauto=s=${W}x${H}:r=25:rule=18:scroll=1,boxblur=2"
    [spiral]="mandelbrot=s=${W}x${H}:r=25:start_x=-0.7436447860:start_y=0.1318252536:start_scale=0.6:end_scale=0.06:end_pts=400:inner=period"
)
if [ "$scale" = bench ]; then
    # Smooth gradients are the hard case of a DCT hash: few edges, so the
    # low-frequency signs flip with small changes.
    # Cells of life change faster than keyframes come: a hard case too.
    SRC[life]="life=s=$((W / 4))x$((H / 4)):r=25:mold=25:ratio=0.3:seed=3:life_color=#e0c020:death_color=#203060,scale=${W}:${H},boxblur=2"
    SRC[grad]="gradients=s=${W}x${H}:r=25:speed=0.03:n=5:seed=7"
    SRC[testsrc]="testsrc2=s=${W}x${H}:r=25,hue=H=t/3"
fi

if [ -n "${FP_SOURCES:-}" ]; then
    for name in "${!SRC[@]}"; do
        [[ " $FP_SOURCES " == *" $name "* ]] || unset "SRC[$name]"
    done
fi
for name in "${!SRC[@]}"; do
    s="$out/$name-original.mkv"
    ff -f lavfi -i "${SRC[$name]}" -t "$LEN" $(x264 -crf 14) "$s"
    add "$(basename "$s")" "$name" original
    v() { local t=$1; shift; ff -i "$s" "$@"; add "$(basename "${@: -1}")" "$name" "$t"; }
    v x264-crf32 $(x264 -crf 32) "$out/$name-x264.mp4"
    v x265 -c:v libx265 -crf 30 -g 25 -x265-params log-level=none "$out/$name-x265.mkv"
    v downscale -vf scale=$((W / 2)):$((H / 2)) $(x264 -crf 26) "$out/$name-small.mp4"
    v remux -c copy "$out/$name-remux.mp4"
    v trim-3s -ss 3 $(x264 -crf 24) "$out/$name-trim3.mkv"
    v subclip-40 -ss $((LEN * 3 / 10)) -t $((LEN * 4 / 10)) $(x264 -crf 24) "$out/$name-clip40.mkv"
    v letterbox -vf "scale=$W:$((H * 3 / 4)),pad=$W:$H:0:$((H / 8))" $(x264 -crf 24) "$out/$name-letterbox.mp4"
    if [ "$scale" = bench ]; then
        v vp9 -c:v libvpx-vp9 -crf 40 -b:v 0 -deadline realtime -cpu-used 8 -g 50 "$out/$name-vp9.webm"
        v av1 -c:v libsvtav1 -crf 45 -preset 12 -g 50 "$out/$name-av1.mkv"
        v x264-crf40 $(x264 -crf 40) "$out/$name-x264-40.mp4"
        v gop-250 -c:v libx264 -preset veryfast -crf 24 -g 250 "$out/$name-gop250.mp4"
        v speed-23.976 -vf "setpts=PTS*25/23.976" -r 24000/1001 $(x264 -crf 24) "$out/$name-ntsc.mkv"
        v speed-25 -vf "setpts=PTS*23.976/25" -r 25 $(x264 -crf 24) "$out/$name-pal.mkv"
        v trim-1s -ss 1 $(x264 -crf 24) "$out/$name-trim1.mkv"
        v trim-10s -ss 10 $(x264 -crf 24) "$out/$name-trim10.mkv"
        v subclip-30 -ss 5 -t $((LEN * 3 / 10)) $(x264 -crf 24) "$out/$name-clip30.mkv"
        v subclip-70 -ss 8 -t $((LEN * 7 / 10)) $(x264 -crf 24) "$out/$name-clip70.mkv"
        v pillarbox -vf "scale=$((W * 3 / 4)):$H,pad=$W:$H:$((W / 8)):0" $(x264 -crf 24) "$out/$name-pillar.mp4"
        v crop-5 -vf "crop=iw*0.95:ih*0.95,scale=$W:$H" $(x264 -crf 24) "$out/$name-crop.mp4"
        v logo -vf "drawbox=x=iw-120:y=20:w=100:h=40:color=white@0.8:t=fill" $(x264 -crf 24) "$out/$name-logo.mp4"
    fi
done

# Hard negatives: two non-overlapping parts of one long clip (same generator,
# same look), as two sources.
long="$out/long.mkv"
# maxiter 1000 (7189 by default): the whole set is in view, and its inside
# iterated 7189 times a pixel took over 20 minutes of CPU at 640x360.
ff -f lavfi -i "mandelbrot=s=${W}x${H}:r=25:start_scale=2:end_scale=0.02:maxiter=1000" -t $((LEN * 2 + 10)) $(x264 -crf 14) "$long"
ff -i "$long" -t "$LEN" -c copy "$out/longpart-a.mkv"
ff -ss $((LEN + 10)) -i "$long" -t "$LEN" $(x264 -crf 18) "$out/longpart-b.mkv"
add longpart-a.mkv long-a original
add longpart-b.mkv long-b original
rm "$long"
if [ "$scale" = bench ]; then
    # Episodes sharing a 15 s intro, then different content; dark videos.
    # The intro is its own content (not the testsrc source's: the episodes
    # would then really contain part of another source).
    ff -f lavfi -i "mandelbrot=s=${W}x${H}:r=25:start_x=-1.25:start_y=0.02:start_scale=0.4" -t 15 $(x264 -crf 18) "$out/intro.mkv"
    for ep in 1 2 3; do
        ff -f lavfi -i "gradients=s=${W}x${H}:r=25:speed=0.04:seed=$((ep * 31))" -t 45 $(x264 -crf 18) "$out/body$ep.mkv"
        ff -i "$out/intro.mkv" -i "$out/body$ep.mkv" -filter_complex "[0:v][1:v]concat=n=2:v=1" $(x264 -crf 20) "$out/episode$ep.mkv"
        add "episode$ep.mkv" "episode$ep" original
        rm "$out/body$ep.mkv"
    done
    rm "$out/intro.mkv"
    for d in 1 2; do
        ff -f lavfi -i "mandelbrot=s=${W}x${H}:r=25:start_x=-$d.2,eq=brightness=-0.35" -t "$LEN" $(x264 -crf 20) "$out/dark$d.mkv"
        add "dark$d.mkv" "dark$d" original
    done
    # Slideshows: stills held 4 s each, from two places of one generator (same
    # look, few distinct pictures, every keyframe on a still).
    for d in 1 2; do
        ff -f lavfi -i "mandelbrot=s=${W}x${H}:r=0.25:start_x=-0.$((d * 4)):start_scale=$d" -t "$LEN" -vf fps=25 $(x264 -crf 20) "$out/slides$d.mkv"
        add "slides$d.mkv" "slides$d" original
    done
fi
