#!/usr/bin/env bash
# Generate a corpus of small but real media files with GStreamer.
#
# usage: scripts/gen-corpus.sh OUTDIR COUNT
#
# Files are encoded from videotestsrc/audiotestsrc with real encoders and
# muxers, cycling through the kinds listed in ALL_KINDS below, with varying
# resolution, frame rate, duration, test pattern and audio layout. They are
# spread over a few nested sub-directories (some with spaces and non-ASCII
# names) and named NNNN-<kind>.<ext>, e.g. 0001-h264-aac.mp4. A kind whose
# GStreamer elements are missing is skipped with a warning.
#
# The same OUTDIR/COUNT always gives the same file names and parameters.
# Re-running is cheap: files that already exist are skipped, and files are
# written under a hidden temporary name and renamed only once complete.
#
# env:
#   JOBS=2                 gst-launch-1.0 processes run at a time
#   KINDS="h264.mkv av1"   only these kinds (name or name.ext); default all
#   GEN_VERBOSE=1          print each file as it is written
#   LENGTH=short           clip lengths: short = 0.5-2 s (tests, demo);
#                          long = 10-40 s (benchmarks: closer to a real
#                          library, where a parser's cost grows with the file)
set -euo pipefail

die() { echo "gen-corpus: $*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: $0 OUTDIR COUNT"
OUTDIR=$1
COUNT=$2
[[ $COUNT =~ ^[0-9]+$ ]] || die "COUNT must be a non-negative integer, got '$COUNT'"
JOBS=${JOBS:-2}
LENGTH=${LENGTH:-short}
case $LENGTH in
  # LEN_MIN, LEN_SPAN in half seconds; intra-only kinds get 0.5-1 s × INTRA.
  short) LEN_MIN=1 LEN_SPAN=3 INTRA=1 ;;    # 0.5 .. 2 s
  long) LEN_MIN=20 LEN_SPAN=60 INTRA=10 ;;  # 10 .. 40 s (intra-only 5 .. 10 s)
  *) die "LENGTH must be short or long, got '$LENGTH'" ;;
esac
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer, got '$JOBS'"

command -v gst-launch-1.0 >/dev/null 2>&1 \
  || die "gst-launch-1.0 not found (install gstreamer1.0-tools)"
command -v gst-inspect-1.0 >/dev/null 2>&1 \
  || die "gst-inspect-1.0 not found (install gstreamer1.0-tools)"

# ---------------------------------------------------------------------------
# Kinds: name|extension|required GStreamer elements
# ---------------------------------------------------------------------------
ALL_KINDS=(
  "h264-aac|mp4|videotestsrc audiotestsrc x264enc h264parse voaacenc aacparse mp4mux"
  "h264|mkv|videotestsrc x264enc h264parse matroskamux"
  "vp8-vorbis|webm|videotestsrc audiotestsrc vp8enc vorbisenc webmmux"
  "vp9-opus|webm|videotestsrc audiotestsrc vp9enc opusenc webmmux"
  "hevc-flac|mkv|videotestsrc audiotestsrc x265enc h265parse flacenc matroskamux"
  "mpeg4-mp3|avi|videotestsrc audiotestsrc avenc_mpeg4 mpeg4videoparse lamemp3enc mpegaudioparse avimux"
  "theora-vorbis|ogv|videotestsrc audiotestsrc theoraenc vorbisenc oggmux"
  "h264-aac|ts|videotestsrc audiotestsrc x264enc h264parse voaacenc aacparse mpegtsmux"
  "mjpeg|mov|videotestsrc jpegenc qtmux"
  "mpeg2-mp2|mpg|videotestsrc audiotestsrc mpeg2enc mpegvideoparse avenc_mp2 mpegaudioparse mpegpsmux"
  "av1|mkv|videotestsrc av1enc av1parse matroskamux"
  "wmv2-wma|wmv|videotestsrc audiotestsrc avenc_wmv2 avenc_wmav2 asfmux"
  "h264-aac|flv|videotestsrc audiotestsrc x264enc h264parse voaacenc aacparse flvmux"
  "prores|mov|videotestsrc avenc_prores_ks qtmux"
  "h264-2lang|mkv|videotestsrc audiotestsrc x264enc h264parse voaacenc aacparse avenc_ac3 ac3parse taginject matroskamux"
  "hevc-aac|mp4|videotestsrc audiotestsrc x265enc h265parse voaacenc aacparse mp4mux"
  "mpeg2-ac3|ts|videotestsrc audiotestsrc mpeg2enc mpegvideoparse avenc_ac3 ac3parse mpegtsmux"
  "mpeg2-pcm|mxf|videotestsrc audiotestsrc mpeg2enc mpegvideoparse mxfmux"
)

SUBDIRS=(
  "movies/2019"
  "movies/2021/extras"
  "shows/Show Name/Season 01"
  "shows/Show Name/Season 02"
  "home/camera/2023-07-14"
  "Séries/Épisodes spéciaux"
  "misc"
)
# (plain "smpte" has a noise patch that defeats inter-frame compression)
PATTERNS=(smpte75 ball pinwheel circular gradient colors spokes bar checkers-8 zone-plate smpte100)
EASY_PATTERNS=(smpte75 ball gradient bar zone-plate smpte100)
SIZES=("160x120" "320x240" "640x360")
FPSES=(25 30 24)

declare -A HAVE=()
have_element() {
  local e=$1
  if [[ -z ${HAVE[$e]:-} ]]; then
    if gst-inspect-1.0 --exists "$e" >/dev/null 2>&1; then HAVE[$e]=1; else HAVE[$e]=0; fi
  fi
  [[ ${HAVE[$e]} == 1 ]]
}

want=" ${KINDS:-} "
KIND_NAMES=() KIND_EXTS=()
for spec in "${ALL_KINDS[@]}"; do
  IFS='|' read -r name ext elems <<<"$spec"
  id="$name.$ext"
  if [[ -n ${KINDS:-} && $want != *" $id "* && $want != *" $name "* ]]; then
    continue
  fi
  missing=()
  for e in $elems; do have_element "$e" || missing+=("$e"); done
  if ((${#missing[@]})); then
    echo "gen-corpus: skipping kind $id (missing GStreamer elements: ${missing[*]})" >&2
    continue
  fi
  KIND_NAMES+=("$name")
  KIND_EXTS+=("$ext")
done
NKINDS=${#KIND_NAMES[@]}
((NKINDS > 0)) || die "no media kind can be generated (GStreamer plugins missing?)"

# ---------------------------------------------------------------------------
# Pipeline construction
# ---------------------------------------------------------------------------

# pipeline KIND LOCATION W H FPS FRAMES PATTERN CHANNELS FREQ SEQ
# Prints a gst-launch-1.0 pipeline description as shell-quoted words
# (gst-launch-1.0 wants one pipeline token per argument).
pipeline() {
  local kind=$1 loc=$2 w=$3 h=$4 fps=$5 n=$6 pat=$7 ch=$8 freq=$9 seq=${10}
  local rate=48000
  local spb=$((rate / fps))
  local v="videotestsrc num-buffers=$n pattern=$pat ! video/x-raw,format=I420,width=$w,height=$h,framerate=$fps/1"
  local a="audiotestsrc num-buffers=$n samplesperbuffer=$spb wave=sine freq=$freq ! audio/x-raw,rate=$rate,channels=$ch ! audioconvert"
  local sink
  sink="filesink location=$(printf '%q' "$loc")"
  local x264="x264enc speed-preset=ultrafast bitrate=250 key-int-max=$fps threads=1 ! h264parse"
  local x265="x265enc speed-preset=ultrafast bitrate=200 key-int-max=$fps option-string=pools=none:frame-threads=1 ! h265parse"
  local aac="voaacenc bitrate=64000 ! aacparse"
  local title
  title="taginject tags=title=Sample-$(printf '%04d' "$seq")"
  case $kind in
    h264-aac.mp4)
      echo "$v ! $x264 ! $title ! queue ! mp4mux name=m ! $sink $a ! $aac ! queue ! m." ;;
    h264.mkv)
      echo "$v ! $x264 ! $title ! queue ! matroskamux name=m ! $sink" ;;
    vp8-vorbis.webm)
      echo "$v ! vp8enc deadline=1 cpu-used=16 target-bitrate=250000 threads=1 ! queue ! webmmux name=m ! $sink $a ! vorbisenc quality=0.1 ! queue ! m." ;;
    vp9-opus.webm)
      echo "$v ! vp9enc deadline=1 cpu-used=8 target-bitrate=250000 threads=1 ! queue ! webmmux name=m ! $sink $a ! opusenc bitrate=32000 ! queue ! m." ;;
    hevc-flac.mkv)
      echo "$v ! $x265 ! queue ! matroskamux name=m ! $sink $a ! audio/x-raw,format=S16LE ! flacenc ! queue ! m." ;;
    mpeg4-mp3.avi)
      echo "$v ! avenc_mpeg4 bitrate=300000 gop-size=$fps qmin=4 ! mpeg4videoparse ! queue ! avimux name=m ! $sink $a ! lamemp3enc target=bitrate bitrate=64 cbr=true ! mpegaudioparse ! queue ! m." ;;
    theora-vorbis.ogv)
      echo "$v ! theoraenc bitrate=250 speed-level=2 ! queue ! oggmux name=m ! $sink $a ! vorbisenc quality=0.1 ! queue ! m." ;;
    h264-aac.ts)
      echo "$v ! $x264 ! queue ! mpegtsmux name=m ! $sink $a ! $aac ! queue ! m." ;;
    mjpeg.mov)
      echo "$v ! jpegenc quality=35 ! queue ! qtmux name=m ! $sink" ;;
    mpeg2-mp2.mpg)
      echo "$v ! mpeg2enc format=3 bitrate=400 ! mpegvideoparse ! queue ! mpegpsmux name=m ! $sink $a ! avenc_mp2 bitrate=128000 ! mpegaudioparse ! queue ! m." ;;
    av1.mkv)
      echo "$v ! av1enc cpu-used=8 usage-profile=realtime target-bitrate=200 threads=1 ! av1parse ! queue ! matroskamux name=m ! $sink" ;;
    wmv2-wma.wmv)
      # avenc_* video encoders shift their output to start at 1000 h, and
      # asfmux muxes raw timestamps: start both sources there so audio and
      # video line up and the header duration is right.
      local t0=3600000000000000
      echo "${v/videotestsrc /videotestsrc timestamp-offset=$t0 } ! avenc_wmv2 bitrate=300000 ! queue" \
           "! asfmux preroll=0 packet-size=2048 name=m ! $sink" \
           "${a/audiotestsrc /audiotestsrc timestamp-offset=$t0 } ! avenc_wmav2 bitrate=64000 ! queue ! m." ;;
    h264-aac.flv)
      echo "$v ! $x264 ! queue ! flvmux name=m ! $sink $a ! $aac ! queue ! m." ;;
    prores.mov)
      echo "$v ! videoconvert ! avenc_prores_ks profile=proxy ! queue ! qtmux name=m ! $sink" ;;
    h264-2lang.mkv)
      echo "$v ! $x264 ! $title ! queue ! matroskamux name=m ! $sink" \
           "$a ! $aac ! taginject tags='language-code=eng' ! queue ! m." \
           "audiotestsrc num-buffers=$n samplesperbuffer=$spb wave=sine freq=$((freq * 3 / 2)) ! audio/x-raw,rate=$rate,channels=2 ! audioconvert" \
           "! avenc_ac3 bitrate=96000 ! ac3parse ! taginject tags='language-code=fre' ! queue ! m." ;;
    hevc-aac.mp4)
      echo "$v ! $x265 ! queue ! mp4mux name=m ! $sink $a ! $aac ! queue ! m." ;;
    mpeg2-ac3.ts)
      echo "$v ! mpeg2enc format=3 bitrate=400 ! mpegvideoparse ! queue ! mpegtsmux name=m ! $sink $a ! avenc_ac3 bitrate=96000 ! ac3parse ! queue ! m." ;;
    mpeg2-pcm.mxf)
      echo "$v ! mpeg2enc format=3 bitrate=300 ! mpegvideoparse ! queue ! mxfmux name=m ! $sink $a ! audio/x-raw,format=S16LE ! queue ! m." ;;
    *)
      echo "gen-corpus: unknown kind $kind" >&2; return 1 ;;
  esac
}

# Parameters of file number SEQ (1-based), printed as one line:
#   KIND SUBDIR_INDEX W H FPS FRAMES PATTERN CHANNELS FREQ
# Kinds cycle in order; each kind cycles through the sizes; the rest is drawn
# from a multiplicative hash of SEQ so neighbouring files differ.
params() {
  local seq=$1
  local k=$(((seq - 1) % NKINDS))
  local round=$(((seq - 1) / NKINDS))
  local kind="${KIND_NAMES[$k]}.${KIND_EXTS[$k]}"
  local h=$(((seq * 2654435761) & 0xffffffff))
  local size=${SIZES[$(((round + k) % ${#SIZES[@]}))]}
  local fps=${FPSES[$(((h >> 3) % ${#FPSES[@]}))]}
  # LEN_MIN/2 .. (LEN_MIN + LEN_SPAN)/2 seconds
  local frames=$((fps * LEN_MIN / 2 + (h >> 7) % (fps * LEN_SPAN / 2 + 1)))
  local pats=("${PATTERNS[@]}")
  local ch=$((1 + (h >> 13) % 2))
  local freq=$((220 + (h >> 15) % 660))
  local sub=$(((h >> 21) % ${#SUBDIRS[@]}))
  # Intra-only codecs (and PCM audio) grow fast: keep them short, at most
  # 320x240, and on patterns that compress well.
  case $kind in
    prores.mov|mjpeg.mov|mpeg2-pcm.mxf)
      size=${SIZES[$(((round + k) % 2))]}
      frames=$(((fps / 2 + (h >> 7) % (fps / 2 + 1)) * INTRA))
      pats=("${EASY_PATTERNS[@]}")
      if [[ $kind == *.mxf ]]; then ch=1; fi
      ;;
    av1.mkv)
      size=${SIZES[$(((round + k) % 2))]} ;;
  esac
  local pat=${pats[$(((h >> 10) % ${#pats[@]}))]}
  echo "$kind $sub ${size%x*} ${size#*x} $fps $frames $pat $ch $freq"
}

# gen_one OUT KIND W H FPS FRAMES PATTERN CHANNELS FREQ SEQ
gen_one() {
  local out=$1 kind=$2 w=$3 h=$4 fps=$5 frames=$6 pat=$7 ch=$8 freq=$9 seq=${10}
  local dir=${out%/*} name=${out##*/}
  mkdir -p "$dir"
  local tmp="$dir/.$name.part"
  local log="$dir/.$name.log"
  local pl
  pl=$(pipeline "$kind" "$tmp" "$w" "$h" "$fps" "$frames" "$pat" "$ch" "$freq" "$seq")
  # The pipeline text is shell-quoted (see pipeline()); split it into words.
  eval "set -- $pl"
  local gpid rc=0
  gst-launch-1.0 -q "$@" >"$log" 2>&1 &
  gpid=$!
  # shellcheck disable=SC2064
  trap "kill $gpid 2>/dev/null; rm -f $(printf '%q %q' "$tmp" "$log"); exit 143" TERM
  wait "$gpid" || rc=$?
  trap - TERM
  if ((rc == 0)) && [[ -s $tmp ]]; then
    mv -f "$tmp" "$out"
    rm -f "$log"
    if [[ ${GEN_VERBOSE:-0} == 1 ]]; then
      echo "  $out (${w}x${h}@${fps} ${frames}f $pat)" >&2
    fi
    return 0
  fi
  rm -f "$tmp"
  {
    echo "gen-corpus: FAILED $out"
    echo "  pipeline: gst-launch-1.0 $pl"
    sed 's/^/  | /' "$log" | tail -n 8
  } >&2
  rm -f "$log"
  return 1
}

mkdir -p "$OUTDIR"
# Leftovers of an interrupted run.
find "$OUTDIR" -type f \( -name '.*.part' -o -name '.*.log' \) -delete

on_signal() {
  trap - INT TERM
  local pids
  mapfile -t pids < <(jobs -p)
  if ((${#pids[@]})); then
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  find "$OUTDIR" -type f \( -name '.*.part' -o -name '.*.log' \) -delete 2>/dev/null || true
  echo "gen-corpus: interrupted" >&2
  exit 130
}
trap on_signal INT TERM

start=$(date +%s.%N)
done_n=0
fail_n=0
running=0

note_done() {
  done_n=$((done_n + 1))
  if ((done_n % 50 == 0)); then
    echo "gen-corpus: $done_n/$COUNT" >&2
  fi
}

reap_one() {
  if wait -n; then :; else fail_n=$((fail_n + 1)); fi
  running=$((running - 1))
  note_done
}

skipped=0
for ((seq = 1; seq <= COUNT; seq++)); do
  read -r kind sub w h fps frames pat ch freq < <(params "$seq")
  out="$OUTDIR/${SUBDIRS[$sub]}/$(printf '%04d-%s' "$seq" "$kind")"
  if [[ -s $out ]]; then
    skipped=$((skipped + 1))
    note_done
    continue
  fi
  while ((running >= JOBS)); do reap_one; done
  gen_one "$out" "$kind" "$w" "$h" "$fps" "$frames" "$pat" "$ch" "$freq" "$seq" &
  running=$((running + 1))
done
while ((running > 0)); do reap_one; done

end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
made=$((COUNT - fail_n - skipped))
extra=""
if ((skipped > 0)); then extra=" ($skipped already present)"; fi
echo "generated $made files in $secs s$extra" >&2
if ((fail_n > 0)); then
  die "$fail_n of $COUNT files failed"
fi
