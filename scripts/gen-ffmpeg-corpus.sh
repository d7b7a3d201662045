#!/usr/bin/env bash
# Generate, with ffmpeg, a corpus of small media files of many kinds: the
# ground truth for the differential test against ffprobe (tests/suite/truth.rs)
# and for `make truth`.
#
# usage: scripts/gen-ffmpeg-corpus.sh OUTDIR
#
# One file per kind, named by kind (aac-mono.mp4, dnxhr-lb.mov, ...), from
# lavfi test sources (testsrc2, sine), 1-2 s, small sizes, every encoder run
# single-threaded with bit-exact flags. Most real libraries were muxed by
# ffmpeg (or HandBrake, which uses libavformat), so these are the files a
# scanner meets most; the set covers the kinds listed in issue 11 and a few
# more. Besides the media:
#   truncated-*   the first 70% of a file (an incomplete download or copy)
#   notmedia.mkv  a plain text file with a media extension
#
# Kinds this ffmpeg cannot make (noted where they would be):
#   VC-1 (ffmpeg has no VC-1 encoder; WMV2 stands in for the WMV family).
#   A display-matrix rotation (ffmpeg 5.1 cannot write one): rotate90.mp4 is
#   written plain and the video track's tkhd matrix is patched to a 90° turn.
#   Bitmap subtitles from text (ffmpeg converts only text->text or
#   bitmap->bitmap): a tiny HDMV PGS stream is written by hand (python3), then
#   copied (hdmv_pgs_subtitle) or transcoded to dvd_subtitle and dvb_subtitle.
#   Opus with a long pre-skip: an ffmpeg-made file's OpusHead patched.
#
# Idempotent: a file that exists is kept; files are written under a hidden
# name and renamed when complete. Needs ffmpeg (Debian ffmpeg 5.1 has every
# encoder used here) and /usr/bin/python3 (standard library only).
#
# env:
#   GEN_VERBOSE=1   print each file as it is written
set -euo pipefail

die() { echo "gen-ffmpeg-corpus: $*" >&2; exit 1; }
[[ $# -eq 1 ]] || die "usage: $0 OUTDIR"
OUT=$1
command -v ffmpeg >/dev/null 2>&1 || die "ffmpeg not found (install ffmpeg)"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || die "python3 not found (install python3)"
mkdir -p "$OUT"
SRC=$OUT/.src
mkdir -p "$SRC"

FF=(ffmpeg -nostdin -hide_banner -loglevel error -y -threads 1 -filter_threads 1)
# Output options every file gets: no encoder/creation-time noise, one thread.
# (Codec flags are a single option: a kind that sets -flags:v adds +bitexact
# itself, see gen.)
BX=(-fflags +bitexact -threads 1)

# Inputs. Test sources are synthetic, so every run encodes the same frames.
v() { # v [SIZE [RATE [SECONDS]]]
  echo "-f lavfi -i testsrc2=size=${1:-320x240}:rate=${2:-25}:duration=${3:-1}"
}
a() { # a [RATE [SECONDS [FREQ]]]
  echo "-f lavfi -i sine=frequency=${3:-440}:sample_rate=${1:-48000}:duration=${2:-1}"
}
H264=(-c:v libx264 -preset ultrafast -pix_fmt yuv420p -x264-params threads=1:log-level=error)
X265=(-c:v libx265 -preset ultrafast)
X265P=pools=none:frame-threads=1:log-level=error
AAC=(-c:a aac -b:a 64k)

# gen NAME FFMPEG-ARGS...: run ffmpeg with the arguments, writing OUT/NAME
# (the muxer follows from NAME's extension unless the arguments name one).
gen() {
  local name=$1
  shift
  [[ -e $OUT/$name ]] && return 0
  local tmp
  tmp=$(dirname "$OUT/$name")/.part-$(basename "$name")
  [[ ${GEN_VERBOSE:-0} == 1 ]] && echo "$name" >&2
  local flags=(-flags:v +bitexact -flags:a +bitexact)
  [[ " $* " == *" -flags:v "* ]] && flags=(-flags:a +bitexact)
  # (chapters keep their titles only with the metadata mapped)
  [[ " $* " == *" -map_chapters "* ]] || flags+=(-map_metadata -1)
  "${FF[@]}" "$@" "${BX[@]}" "${flags[@]}" "$tmp" || die "ffmpeg failed for $name"
  mv "$tmp" "$OUT/$name"
}

# truncate NAME SOURCE: the first 70% of OUT/SOURCE as OUT/NAME.
truncate_to() {
  local name=$1 src=$2
  [[ -e $OUT/$name ]] && return 0
  local size
  size=$(stat -c %s "$OUT/$src")
  head -c $((size * 70 / 100)) "$OUT/$src" >"$OUT/.part-$name"
  mv "$OUT/.part-$name" "$OUT/$name"
}

# ---------------------------------------------------------------------------
# Sources: subtitles (text and bitmap), chapters, attachments.
# ---------------------------------------------------------------------------
cat >"$SRC/subs.srt" <<'EOF'
1
00:00:00,200 --> 00:00:00,900
Hello, world.

2
00:00:01,100 --> 00:00:01,800
Second line.
EOF
cat >"$SRC/chapters.txt" <<'EOF'
;FFMETADATA1
[CHAPTER]
TIMEBASE=1/1000
START=0
END=700
title=Opening
[CHAPTER]
TIMEBASE=1/1000
START=700
END=1400
title=Middle part
[CHAPTER]
TIMEBASE=1/1000
START=1400
END=2000
title=End credits
EOF
printf 'mediadex test attachment\n' >"$SRC/notes.txt"
[[ -e $SRC/cover.png ]] || "${FF[@]}" -f lavfi -i "testsrc2=size=160x120:rate=1:duration=1" -frames:v 1 -c:v png "${BX[@]}" -flags:v +bitexact "$SRC/cover.png"
[[ -e $SRC/cover.jpg ]] || "${FF[@]}" -f lavfi -i "testsrc2=size=160x120:rate=1:duration=1" -frames:v 1 -c:v mjpeg -pix_fmt yuvj420p "${BX[@]}" -flags:v +bitexact "$SRC/cover.jpg"

# A raw HDMV PGS stream (two captions on a 320x240 canvas): ffmpeg has no PGS
# encoder, and bitmap subtitles cannot be made from text.
[[ -e $SRC/subs.sup ]] || "$PY" - "$SRC/subs.sup" <<'PY'
import struct, sys

W, H, OW, OH = 320, 240, 120, 24
X, Y = (W - OW) // 2, H - OH - 16


def seg(pts, kind, data):
    return b"PG" + struct.pack(">IIBH", pts, 0, kind, len(data)) + data


def display(pts, number, show):
    pcs = struct.pack(">HHBHBBB", W, H, 0x10, number, 0x80 if show else 0x00, 0, 0)
    pcs += bytes([1]) + struct.pack(">HBBHH", 0, 0, 0, X, Y) if show else bytes([0])
    out = seg(pts, 0x16, pcs)  # presentation composition
    out += seg(pts, 0x17, bytes([1]) + struct.pack(">BHHHH", 0, X, Y, OW, OH))  # window
    if show:
        # palette: 0 transparent, 1 white, 2 blue (Y, Cr, Cb, alpha)
        out += seg(pts, 0x14, bytes([0, 0, 0, 16, 128, 128, 0, 1, 235, 128, 128, 255, 2, 41, 110, 240, 255]))
        rle = b""
        for y in range(OH):
            colour = 1 if 4 <= y < OH - 4 else 2
            rle += bytes([0x00, 0xC0 | (OW >> 8), OW & 0xFF, colour, 0x00, 0x00])
        ods = struct.pack(">HBB", 0, 0, 0xC0) + (len(rle) + 4).to_bytes(3, "big")
        out += seg(pts, 0x15, ods + struct.pack(">HH", OW, OH) + rle)  # object
    return out + seg(pts, 0x80, b"")  # end of display set


t = lambda s: int(s * 90000)
data = display(t(0.2), 0, True) + display(t(0.9), 1, False) + display(t(1.1), 2, True) + display(t(1.8), 3, False)
with open(sys.argv[1], "wb") as f:
    f.write(data)
PY

# ---------------------------------------------------------------------------
# AAC mono / stereo / 5.1 with H.264 in every container that takes AAC.
# ffmpeg writes 2 as the channel count of an MP4/3GP sample entry whatever the
# layout (the field is "reserved" there); the AudioSpecificConfig in the esds
# is the truth.
# ---------------------------------------------------------------------------
for ext in mp4 mov 3gp mkv ts; do
  gen "aac-mono.$ext" $(v) $(a) "${H264[@]}" "${AAC[@]}" -ac 1
  gen "aac-stereo.$ext" $(v) $(a 44100) "${H264[@]}" "${AAC[@]}" -ac 2
  gen "aac-5.1.$ext" $(v) $(a) "${H264[@]}" "${AAC[@]}" -b:a 192k -ac 6
done
gen aac-lc.m4a $(a 44100 2) "${AAC[@]}" -ac 2 -movflags +faststart
gen aac-adts.aac $(a 44100) "${AAC[@]}" -ac 2

# ---------------------------------------------------------------------------
# FLV: MP3 at 48 kHz (the FLV header can only say 44.1 kHz for it), MP3 at
# 44.1 kHz, AAC, Sorenson Spark.
# ---------------------------------------------------------------------------
gen mp3-48k.flv $(v) $(a 48000) "${H264[@]}" -c:a libmp3lame -b:a 128k -ac 2
gen mp3-44k.flv $(v) $(a 44100) "${H264[@]}" -c:a libmp3lame -b:a 128k -ac 2
gen aac.flv $(v) $(a 44100) "${H264[@]}" "${AAC[@]}" -ac 2
# Flash: no GStreamer element reads SWF; its streams from its tags.
gen flv1-mp3.swf $(v 320x240 25 0.4) $(a 44100 0.4) -c:v flv1 -c:a libmp3lame -b:a 64k -ac 1
gen flv1-mp3.flv $(v) $(a 22050) -c:v flv -b:v 300k -c:a libmp3lame -b:a 64k -ac 1

# ---------------------------------------------------------------------------
# Professional and legacy video.
# ---------------------------------------------------------------------------
gen dnxhr-lb.mov $(v 640x360) $(a) -c:v dnxhd -profile:v dnxhr_lb -pix_fmt yuv422p -c:a pcm_s16le
gen prores.mov $(v) $(a) -c:v prores_ks -profile:v 2 -pix_fmt yuv422p10le -c:a pcm_s24le
gen div3-mp3.avi $(v) $(a 44100) -c:v msmpeg4 -vtag DIV3 -b:v 300k -c:a libmp3lame -b:a 128k -ac 2
gen xvid-mp3.avi $(v) $(a 44100) -c:v mpeg4 -vtag XVID -b:v 300k -c:a libmp3lame -b:a 128k -ac 2
# The same remuxed by mkvmerge, as most real MKVs are written: MPEG-4 Part 2
# from AVI goes into a V_MS/VFW/FOURCC track (a BITMAPINFOHEADER).
if [[ ! -e $OUT/xvid-mkvmerge.mkv ]]; then
  command -v mkvmerge >/dev/null || die "mkvmerge missing (Debian package mkvtoolnix)"
  mkvmerge -q -o "$OUT/.part-xvid-mkvmerge.mkv" "$OUT/xvid-mp3.avi" || die "mkvmerge failed"
  mv "$OUT/.part-xvid-mkvmerge.mkv" "$OUT/xvid-mkvmerge.mkv"
fi
gen mjpeg-pcm.avi $(v) $(a) -c:v mjpeg -pix_fmt yuvj420p -q:v 5 -c:a pcm_s16le -ac 2
gen mpeg2-mp2.mpg $(v 720x576) $(a) -f dvd -c:v mpeg2video -b:v 2M -c:a mp2 -b:a 192k -ac 2
# 12 fps MPEG-2: the sequence header says 24, its extension halves it.
gen mpeg2-12fps.mpg $(v 320x240 12) -f vob -c:v mpeg2video -b:v 500k
# 10 fps MPEG-2: the header and its extension say 20, each frame repeated;
# the timestamps, and ffprobe, say 10.
gen mpeg2-10fps.mpg $(v 320x240 10 3) -f vob -c:v mpeg2video -b:v 500k
gen mpeg1-mp2.mpg $(v 352x288) $(a 44100) -f mpeg -c:v mpeg1video -b:v 1M -c:a mp2 -b:a 128k -ac 2
gen mpeg2-pcm.mxf $(v 720x576) $(a) -c:v mpeg2video -b:v 4M -c:a pcm_s16le -ac 1
gen dv-pal.dv $(v 720x576 25 0.4) $(a 48000 0.4) -vf setfield=bff -flags:v +ildct+bitexact -c:v dvvideo -pix_fmt yuv420p -c:a pcm_s16le -ac 2
gen dv-pal.avi $(v 720x576 25 0.4) $(a 48000 0.4) -vf setfield=bff -flags:v +ildct+bitexact -c:v dvvideo -pix_fmt yuv420p -c:a pcm_s16le -ac 2
gen dv-ntsc.mov $(v 720x480 30000/1001 0.4) $(a 48000 0.4) -vf setfield=bff -flags:v +ildct+bitexact -c:v dvvideo -pix_fmt yuv411p -c:a pcm_s16le -ac 2
gen h263-aac.3gp $(v 176x144 15) $(a 16000) -c:v h263 -b:v 100k "${AAC[@]}" -ac 1
gen wmv2-wmav2.wmv $(v) $(a 44100) -c:v wmv2 -b:v 300k -c:a wmav2 -b:a 64k -ac 2
# VC-1 / WMV3: ffmpeg has no encoder for it — not made.

# ---------------------------------------------------------------------------
# Modern video.
# ---------------------------------------------------------------------------
# Full-range H.264 (as webcams and phones write it): ffprobe's yuvj420p.
gen h264-full-range.mkv $(v) -c:v libx264 -preset ultrafast -pix_fmt yuvj420p -x264-params threads=1:log-level=error
gen hevc-10bit.mkv $(v) $(a) "${X265[@]}" -pix_fmt yuv420p10le -x265-params "$X265P" -c:a libopus -b:a 64k -ac 2
gen hevc-aac.mp4 $(v) $(a) "${X265[@]}" -pix_fmt yuv420p -x265-params "$X265P" -tag:v hvc1 "${AAC[@]}" -ac 2
# FFV1 version 3 (archives' lossless codec): the pixel format from its
# range-coded configuration record, 10-bit 4:2:2 and 12-bit RGB.
gen ffv1-v3-yuv422p10.mkv $(v 160x120 25 0.2) -c:v ffv1 -level 3 -slices 4 -pix_fmt yuv422p10le
gen ffv1-v3-gbrp12.mkv $(v 160x120 25 0.2) -c:v ffv1 -level 3 -pix_fmt gbrp12le
# FFV1 version 1, ffmpeg's default: no record, the format in each key frame.
gen ffv1-v1-yuv422p10.mkv $(v 160x120 25 0.2) -c:v ffv1 -level 1 -pix_fmt yuv422p10le
# Frame-by-frame picture codecs: PNG in QuickTime (its format from each
# frame's IHDR), HuffYUV in AVI (from its bits per pixel).
gen png-rgb24.mov $(v 160x120 25 0.2) -c:v png -pix_fmt rgb24
gen png-rgba64.mov $(v 160x120 25 0.2) -c:v png -pix_fmt rgba64be
gen huffyuv.avi $(v 160x120 25 0.2) -c:v huffyuv -pix_fmt yuv422p
gen av1.mkv $(v 320x240 25 0.4) -c:v libaom-av1 -usage realtime -cpu-used 8 -row-mt 0 -tiles 1x1 -b:v 200k
gen av1-opus.mp4 $(v 320x240 25 0.4) $(a 48000 0.4) -c:v libaom-av1 -usage realtime -cpu-used 8 -row-mt 0 -tiles 1x1 -b:v 200k -c:a libopus -b:a 64k -ac 2
gen vp9-opus.webm $(v) $(a) -c:v libvpx-vp9 -deadline good -cpu-used 5 -lag-in-frames 0 -b:v 200k -c:a libopus -b:a 64k -ac 2
gen vp8-vorbis.webm $(v) $(a 44100) -c:v libvpx -deadline good -cpu-used 5 -lag-in-frames 0 -b:v 200k -c:a libvorbis -ac 2
gen theora-vorbis.ogv $(v) $(a 44100) -c:v libtheora -q:v 5 -c:a libvorbis -ac 2
gen mpeg4-aac.mp4 $(v) $(a) -c:v mpeg4 -b:v 300k "${AAC[@]}" -ac 2

# HDR10: BT.2020 / PQ with mastering display and content light level (in the
# HEVC SEI; ffmpeg 5.1 writes no container-level mastering metadata for an
# encoded stream).
HDR="$X265P:hdr10=1:repeat-headers=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc"
HDR="$HDR:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400"
HDRC=(-color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -color_range tv)
for ext in mkv mp4; do
  gen "hdr10.$ext" $(v) "${X265[@]}" -pix_fmt yuv420p10le -x265-params "$HDR" "${HDRC[@]}"
done

# Dolby Vision 8.4 (an HLG base layer with RPUs): HLG HEVC with a Dolby
# Vision configuration record (`dvvC`) put into its sample entry, as phones
# write it; and the same remuxed by mkvmerge (a BlockAdditionMapping).
gen .src/hlg.mp4 $(v) "${X265[@]}" -pix_fmt yuv420p10le -x265-params "$X265P" \
  -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -color_range tv -tag:v hvc1
if [[ ! -e $OUT/dovi84.mp4 ]]; then
  "$PY" - "$OUT/.src/hlg.mp4" "$OUT/.part-dovi84.mp4" <<'PY' || die "dvvC insertion failed"
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
def find(path, start, end, chain):
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        if kind == path[0]:
            chain = chain + [start]
            if len(path) == 1:
                return chain, start + size
            skip = {b"stsd": 16}.get(kind, 8)
            return find(path[1:], start + skip, start + size, chain)
        start += size
    sys.exit("no " + "/".join(p.decode() for p in path))
chain, at = find([b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"hvc1"], 0, len(data), [])
# version 1.0; profile 8, level 4, RPU and BL present; compatibility id 4 (HLG).
record = bytes([1, 0]) + struct.pack(">H", (8 << 9) | (4 << 3) | 0b101) + bytes([4 << 4]) + bytes(19)
box = struct.pack(">I4s", 8 + len(record), b"dvvC") + record
data[at:at] = box
for start in chain:
    struct.pack_into(">I", data, start, struct.unpack(">I", data[start:start + 4])[0] + len(box))
if data.find(b"mdat") > chain[0]:
    sys.exit("moov before mdat: chunk offsets would move")
open(sys.argv[2], "wb").write(data)
PY
  mv "$OUT/.part-dovi84.mp4" "$OUT/dovi84.mp4"
fi
if [[ ! -e $OUT/dovi84.mkv ]]; then
  mkvmerge -q -o "$OUT/.part-dovi84.mkv" "$OUT/dovi84.mp4" || die "mkvmerge failed"
  mv "$OUT/.part-dovi84.mkv" "$OUT/dovi84.mkv"
fi

# The same in MPEG-TS, as broadcasters and streaming packagers send it: the
# PMT's DOVI video stream descriptor (tag 0xB0), put into every PMT.
gen .src/dovi84-plain.ts -i "$OUT/dovi84.mp4" -c copy
if [[ ! -e $OUT/dovi84.ts ]]; then
  "$PY" - "$OUT/.src/dovi84-plain.ts" "$OUT/.part-dovi84.ts" <<'PY' || die "DOVI descriptor insertion failed"
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
def crc32_mpeg(b):
    crc = 0xFFFFFFFF
    for x in b:
        crc ^= x << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc
# version 1.0; profile 8, level 4, RPU and BL present; compatibility id 4.
descriptor = bytes([0xB0, 5, 1, 0]) + struct.pack(">H", (8 << 9) | (4 << 3) | 0b101) + bytes([0x4F])
packets = [data[i:i + 188] for i in range(0, len(data), 188)]
pat = next(p for p in packets if (p[1] & 0x1F) << 8 | p[2] == 0 and p[1] & 0x40)
pat_section = pat[5 + pat[4]:]
pmt_pid = (pat_section[10] & 0x1F) << 8 | pat_section[11]
patched = 0
for i in range(0, len(data), 188):
    p = data[i:i + 188]
    if (p[1] & 0x1F) << 8 | p[2] != pmt_pid or not p[1] & 0x40:
        continue
    off = 5 + p[4]
    length = (p[off + 1] & 0x0F) << 8 | p[off + 2]
    body = bytes(p[off:off + 3 + length - 4])
    at = 12 + ((body[10] & 0x0F) << 8 | body[11])
    out = bytearray(body[:at])
    while at < len(body):
        kind, es_len = body[at], (body[at + 3] & 0x0F) << 8 | body[at + 4]
        info = body[at + 5:at + 5 + es_len] + (descriptor if kind == 0x24 else b"")
        out += body[at:at + 3] + struct.pack(">H", 0xF000 | len(info)) + info
        at += 5 + es_len
    length = len(out) + 1
    out[1], out[2] = (out[1] & 0xF0) | length >> 8, length & 0xFF
    out += struct.pack(">I", crc32_mpeg(out))
    packet = bytes(p[:off]) + bytes(out)
    data[i:i + 188] = packet + b"\xFF" * (188 - len(packet))
    patched += 1
if not patched:
    sys.exit("no PMT found")
open(sys.argv[2], "wb").write(data)
PY
  mv "$OUT/.part-dovi84.ts" "$OUT/dovi84.ts"
fi

# ISO PCM (ISO/IEC 23003-5, `ipcm`), as recent recorders write it: a
# QuickTime `twos` entry turned into `ipcm`, its `chan` box into a `pcmC`
# box (big- and little-endian) and a `free` box of the same total size.
gen .src/twos.mov $(a 48000 1) -ac 2 -c:a pcm_s16be
for order in be le; do
  [[ -e $OUT/ipcm-$order.mov ]] && continue
  "$PY" - "$OUT/.src/twos.mov" "$OUT/.part-ipcm-$order.mov" "$order" <<'PY' || die "ipcm rewrite failed"
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"twos")
chan = data.find(b"chan", at)
if at < 0 or chan < 0 or int.from_bytes(data[chan - 4:chan], "big") != 24:
    sys.exit("no twos entry with a 24-byte chan box")
data[at:at + 4] = b"ipcm"
flags = 1 if sys.argv[3] == "le" else 0
boxes = (14).to_bytes(4, "big") + b"pcmC" + bytes(4) + bytes([flags, 16])
boxes += (10).to_bytes(4, "big") + b"free" + bytes(2)
data[chan - 4:chan + 20] = boxes
open(sys.argv[2], "wb").write(data)
PY
  mv "$OUT/.part-ipcm-$order.mov" "$OUT/ipcm-$order.mov"
done

# Interlaced: 1080i H.264 (top field first) and 576i MPEG-2 in MPEG-TS.
gen h264-1080i-tff.ts $(v 1920x1080 25 0.24) -vf setfield=tff -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
  -flags:v +ildct+ilme+bitexact -x264-params threads=1:log-level=error:tff=1
gen mpeg2-576i-tff.ts $(v 720x576 25 0.4) $(a 48000 0.4) -vf setfield=tff -c:v mpeg2video -b:v 4M -flags:v +ildct+ilme+bitexact -top 1 \
  -c:a mp2 -b:a 192k -ac 2

# ---------------------------------------------------------------------------
# Audio.
# ---------------------------------------------------------------------------
gen ac3-5.1.mkv $(v) $(a) "${H264[@]}" -c:a ac3 -b:a 384k -ac 6
gen eac3-5.1.mp4 $(v) $(a) "${H264[@]}" -c:a eac3 -b:a 384k -ac 6
# TrueHD in MP4: the sample entry says 2 channels and no rate; the major
# sync of the first access unit says 5.1 at 48 kHz.
gen truehd-5.1.mp4 $(a) -c:a truehd -strict -2 -ac 6
gen flac.mkv $(v) $(a 44100) "${H264[@]}" -c:a flac -ac 2
gen flac-24bit.flac $(a 96000) -c:a flac -sample_fmt s32 -bits_per_raw_sample 24 -ac 2
gen pcm.mov $(v) $(a) "${H264[@]}" -c:a pcm_s16le -ac 2
gen pcm-s24.wav $(a) -c:a pcm_s24le -ac 2
gen pcm.wav $(a 44100) -c:a pcm_s16le -ac 1
# G.711 at a rate and channel count its decoder's caps leave out: the
# channels and rate from the fmt chunk.
gen alaw-96k-4ch.wav $(a 96000) -c:a pcm_alaw -ac 4
gen pcm.aiff $(a 44100) -c:a pcm_s16be -ac 2
gen alac.m4a $(a 44100) -c:a alac -ac 2
gen mp3.mp3 $(a 44100) -c:a libmp3lame -b:a 128k -ac 2
gen opus.opus $(a) -c:a libopus -b:a 64k -ac 2
# A voice recording's Opus: its header keeps the 16 kHz source rate, but
# Opus always decodes at 48 kHz, which ffprobe gives.
gen opus-16k.opus $(a 16000) -c:a libopus -b:a 24k -ac 1
gen vorbis.ogg $(a 44100) -c:a libvorbis -ac 1

# ---------------------------------------------------------------------------
# Subtitles of every codec, with languages and titles.
# ---------------------------------------------------------------------------
SUB_META=(-metadata:s:s:0 language=eng -metadata:s:s:0 "title=English subtitles")
gen subrip.mkv $(v 320x240 25 2) -i "$SRC/subs.srt" -i "$SRC/subs.srt" -map 0:v -map 1 -map 2 "${H264[@]}" \
  -c:s srt "${SUB_META[@]}" -metadata:s:s:1 language=fre -metadata:s:s:1 "title=Français forcé" -disposition:s:1 forced
gen ass.mkv $(v 320x240 25 2) -i "$SRC/subs.srt" -map 0:v -map 1 "${H264[@]}" -c:s ass \
  -metadata:s:s:0 language=ger -metadata:s:s:0 "title=Deutsch (ASS)"
gen webvtt.mkv $(v 320x240 25 2) -i "$SRC/subs.srt" -map 0:v -map 1 "${H264[@]}" -c:s webvtt "${SUB_META[@]}"
gen webvtt.webm $(v 320x240 25 2) -i "$SRC/subs.srt" -map 0:v -map 1 -c:v libvpx -deadline good -cpu-used 5 -lag-in-frames 0 -b:v 200k \
  -c:s webvtt -metadata:s:s:0 language=spa -metadata:s:s:0 "title=Español"
gen mov_text.mp4 $(v 320x240 25 2) -i "$SRC/subs.srt" -map 0:v -map 1 "${H264[@]}" -c:s mov_text "${SUB_META[@]}"
gen hdmv_pgs_subtitle.mkv $(v 320x240 25 2) -i "$SRC/subs.sup" -map 0:v -map 1 "${H264[@]}" -c:s copy \
  -metadata:s:s:0 language=jpn -metadata:s:s:0 "title=PGS Japanese"
gen dvd_subtitle.mkv $(v 320x240 25 2) -fix_sub_duration -i "$SRC/subs.sup" -map 0:v -map 1 "${H264[@]}" -c:s dvdsub \
  -metadata:s:s:0 language=ita -metadata:s:s:0 "title=VobSub Italiano"
gen dvb_subtitle.ts $(v 320x240 25 2) -fix_sub_duration -i "$SRC/subs.sup" -map 0:v -map 1 "${H264[@]}" -c:s dvbsub \
  -metadata:s:s:0 language=dut
# Transport streams whose 33-bit clocks wrap (2^33 / 90 kHz = 95,443.7 s):
# the program clock at the start, the timestamps 1.3 s into the file.
gen ts-pcr-wrap.ts $(v 320x240 25 3) $(a 48000 3) "${H264[@]}" "${AAC[@]}" -output_ts_offset 95442.5
gen ts-pts-wrap.ts $(v 320x240 25 3) $(a 48000 3) "${H264[@]}" "${AAC[@]}" -output_ts_offset 95441.0
# DTS in a transport stream: tsdemux gives it no pad (alone, no pad at all);
# the program map still lists it.
gen ts-h264-dts.ts $(v 320x240 25 2) $(a 48000 2) "${H264[@]}" -c:a dca -strict -2
gen ts-dts-only.ts $(a 48000 2) -c:a dca -strict -2
# H.264 whose VUI claims 1,000,000 fps (a tick rate of 2 MHz) for frames
# stamped 1/30 s apart: the timestamps' rate stands. A one-frame stream: its
# duration is that frame's.
gen ts-vui-rate.ts $(v 320x240 30 0.5) "${H264[@]}" -bsf:v h264_metadata=tick_rate=2000000/1
gen ts-one-frame.ts $(v 320x240 25 0.04) "${H264[@]}"
# The same in FLV (a VUI of 600 fps for 60; no metadata to say otherwise).
gen flv-vui-rate.flv $(v 320x240 60 0.5) "${H264[@]}" -bsf:v h264_metadata=tick_rate=1200/1 -flvflags no_metadata
# DTS ahead of MP2 in the program map: ffprobe's first audio is the DTS.
gen ts-dts-mp2.ts $(v 320x240 25 1) $(a 48000 1) $(a 48000 1 550) -map 0 -map 1 -map 2 "${H264[@]}" \
  -c:a:0 dca -c:a:1 mp2 -ac 2 -strict -2
# Two programs (a broadcast multiplex): tsdemux exposes the first, ffprobe
# lists the streams of both.
gen ts-two-programs.ts $(v 320x240 25 1) $(a 48000 1) -map 0:v -map 1:a "${H264[@]}" "${AAC[@]}" \
  -program title=A:st=0 -program title=B:st=1
# Three programs of video alone, H.264 and MPEG-2: the pictures of the two
# tsdemux does not expose are sized from their sequence headers.
gen ts-three-video-programs.ts $(v 320x240 25 1) $(v 352x288 25 1) $(v 176x144 25 1) \
  -map 0:v -map 1:v -map 2:v "${H264[@]}" -c:v:2 mpeg2video \
  -program title=A:st=0 -program title=B:st=1 -program title=C:st=2
# AAC in LATM (as broadcasters send it): ffprobe's aac_latm.
gen ts-aac-latm.ts $(v 320x240 25 1) $(a 48000 1) "${H264[@]}" "${AAC[@]}" -mpegts_flags latm

# Matroska whose video track states no DefaultDuration (as some muxers write
# it): the frame rate is the one its block timestamps, rounded to the
# millisecond and in decoding order (B-frames), explain. The element is
# turned into a Void element of the same length.
gen .src/with-default-duration.mkv $(v 320x240 24000/1001 3) "${H264[@]}" -bf 3 -write_crc32 0
if [[ ! -e $OUT/mkv-no-default-duration.mkv ]]; then
  "$PY" - "$OUT/.src/with-default-duration.mkv" "$OUT/.part-mkv-no-default-duration.mkv" <<'PYEOF' || die "could not patch DefaultDuration"
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(bytes([0x23, 0xE3, 0x83]))
assert at > 0 and data[at + 3] & 0x80, "no DefaultDuration with a one-byte size"
n = 4 + (data[at + 3] & 0x7F)
data[at:at + n] = bytes([0xEC, 0x80 | (n - 2)]) + bytes(n - 2)
open(sys.argv[2], "wb").write(data)
PYEOF
  mv "$OUT/.part-mkv-no-default-duration.mkv" "$OUT/mkv-no-default-duration.mkv"
fi

# ---------------------------------------------------------------------------
# Several audio tracks with languages (English, French and German under both
# ISO 639-2 forms, one untagged) and titles.
# ---------------------------------------------------------------------------
langs() { # langs FRENCH GERMAN: four audio tracks, the last untagged
  LANGS=(-map 0:v -map 1:a -map 2:a -map 3:a -map 4:a
    -metadata:s:a:0 language=eng -metadata:s:a:0 "title=English stereo"
    -metadata:s:a:1 "language=$1" -metadata:s:a:1 "title=Français"
    -metadata:s:a:2 "language=$2" -metadata:s:a:2 "title=Deutsch"
    -metadata:s:a:3 "title=Commentary")
}
langs fre ger
gen audio-languages.mkv $(v) $(a) $(a 48000 1 550) $(a 48000 1 660) $(a 48000 1 770) "${H264[@]}" "${LANGS[@]}" \
  "${AAC[@]}" -ac 2
langs fra deu
gen audio-languages.mp4 $(v) $(a) $(a 48000 1 550) $(a 48000 1 660) $(a 48000 1 770) "${H264[@]}" "${LANGS[@]}" \
  "${AAC[@]}" -ac 2

# ---------------------------------------------------------------------------
# Chapters, attachments, cover art.
# ---------------------------------------------------------------------------
for ext in mkv mp4; do
  gen "chapters.$ext" $(v 320x240 25 2) $(a 48000 2) -i "$SRC/chapters.txt" -map 0:v -map 1:a -map_chapters 2 \
    "${H264[@]}" "${AAC[@]}" -ac 2
done
gen attachments.mkv $(v) $(a) "${H264[@]}" "${AAC[@]}" -ac 2 \
  -attach "$SRC/cover.png" -metadata:s:t:0 mimetype=image/png -metadata:s:t:0 filename=cover.png \
  -attach "$SRC/notes.txt" -metadata:s:t:1 mimetype=text/plain -metadata:s:t:1 filename=notes.txt
gen cover-art.mp4 $(v) $(a) -i "$SRC/cover.jpg" -map 0:v -map 1:a -map 2:v "${H264[@]}" -c:v:1 copy \
  -disposition:v:1 attached_pic "${AAC[@]}" -ac 2
gen cover-art.m4a $(a 44100) -i "$SRC/cover.png" -map 0:a -map 1:v -c:v copy -disposition:v:0 attached_pic "${AAC[@]}" -ac 2

# ---------------------------------------------------------------------------
# A 90° display-matrix rotation: ffmpeg 5.1 cannot write one, so the video
# track's tkhd matrix of a plain MP4 is patched to the matrix phones write for
# a portrait recording ({0, 1, 0; -1, 0, 0; height, 0, 1}: turn 90° clockwise).
# ---------------------------------------------------------------------------
if [[ ! -e $OUT/rotate90.mp4 ]]; then
  rm -f "$OUT/.src/plain.mp4"
  "${FF[@]}" $(v) $(a) "${H264[@]}" "${AAC[@]}" -ac 2 "${BX[@]}" -flags:v +bitexact -flags:a +bitexact -map_metadata -1 "$SRC/plain.mp4"
  "$PY" - "$SRC/plain.mp4" "$OUT/.part-rotate90.mp4" <<'PY' || die "could not patch rotate90.mp4"
import struct, sys

data = bytearray(open(sys.argv[1], "rb").read())


def boxes(start, end):
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[start + 8:start + 16])[0], 16
        elif size == 0:
            size = end - start
        yield kind, start, start + header, start + size
        start += size


patched = 0
for kind, _, body, end in boxes(0, len(data)):
    if kind != b"moov":
        continue
    for tkind, _, tbody, tend in boxes(body, end):
        if tkind != b"trak":
            continue
        inner = {k: (b, e) for k, _, b, e in boxes(tbody, tend)}
        mdia = {k: (b, e) for k, _, b, e in boxes(*inner[b"mdia"])}
        hb = mdia[b"hdlr"][0]
        if data[hb + 8:hb + 12] != b"vide":
            continue
        tb = inner[b"tkhd"][0]
        version = data[tb]
        m = tb + 4 + (32 if version == 1 else 20) + 16  # matrix after the times, ids and layer/volume
        height = struct.unpack(">I", data[m + 40:m + 44])[0]  # 16.16 fixed, after the matrix and width
        data[m:m + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, height, 0, 0x40000000)
        patched += 1
if patched != 1:
    sys.exit(f"expected one video track, patched {patched}")
open(sys.argv[2], "wb").write(data)
PY
  mv "$OUT/.part-rotate90.mp4" "$OUT/rotate90.mp4"
fi

# Opus with a long pre-skip (ffmpeg's encoder writes 312 samples; other
# encoders more): the OpusHead's pre-skip set to 0.5 s and the page's CRC
# made again. ffprobe's length counts the pre-skip, GStreamer's does not.
if [[ ! -e $OUT/opus-preskip.opus ]]; then
  gen .src/opus-plain.opus $(a 48000 2) -c:a libopus -b:a 32k -ac 1
  "$PY" - "$SRC/opus-plain.opus" "$OUT/.part-opus-preskip.opus" <<'PY' || die "could not patch opus-preskip.opus"
import struct, sys

data = bytearray(open(sys.argv[1], "rb").read())
assert data[:4] == b"OggS" and data[28:36] == b"OpusHead"
data[38:40] = struct.pack("<H", 24000)


def crc(page):
    c = 0
    for b in page:
        c ^= b << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else c << 1
            c &= 0xFFFFFFFF
    return c


end = 27 + data[26] + sum(data[27:27 + data[26]])
data[22:26] = b"\0\0\0\0"
data[22:26] = struct.pack("<I", crc(data[:end]))
open(sys.argv[2], "wb").write(data)
PY
  mv "$OUT/.part-opus-preskip.opus" "$OUT/opus-preskip.opus"
fi

# Mirrored display matrices (a phone's front camera, an editor's flip): a
# horizontal flip (ffprobe: 180°) and a flip with a quarter turn (270°).
gen .src/plain-mirror.mp4 $(v) "${H264[@]}"
for m in mirror-h mirror-r90; do
  [[ -e $OUT/$m.mp4 ]] && continue
  "$PY" - "$SRC/plain-mirror.mp4" "$OUT/.part-$m.mp4" "$m" <<'PY' || die "could not patch $m.mp4"
import struct, sys

data = bytearray(open(sys.argv[1], "rb").read())
matrix = {
    "mirror-h": (-0x10000, 0, 0, 0, 0x10000, 0, 320 << 16, 0, 0x40000000),
    "mirror-r90": (0, -0x10000, 0, -0x10000, 0, 0, 240 << 16, 320 << 16, 0x40000000),
}[sys.argv[3]]
at = data.find(b"tkhd") + 4
version = data[at]
m = at + 4 + (32 if version == 1 else 20) + 16
data[m:m + 36] = struct.pack(">9i", *matrix)
open(sys.argv[2], "wb").write(data)
PY
  mv "$OUT/.part-$m.mp4" "$OUT/$m.mp4"
done

# ---------------------------------------------------------------------------
# Broken files: truncated at 70% (an incomplete download or copy) and a text
# file with a media extension.
# ---------------------------------------------------------------------------
gen .src/whole.mkv $(v 320x240 25 2) $(a 48000 2) "${H264[@]}" "${AAC[@]}" -ac 2
gen .src/whole.mp4 $(v 320x240 25 2) $(a 48000 2) "${H264[@]}" "${AAC[@]}" -ac 2
gen .src/whole-faststart.mp4 $(v 320x240 25 2) $(a 48000 2) "${H264[@]}" "${AAC[@]}" -ac 2 -movflags +faststart
gen .src/whole.avi $(v 320x240 25 2) $(a 44100 2) -c:v mpeg4 -vtag XVID -b:v 500k -c:a libmp3lame -b:a 128k -ac 2
truncate_to truncated-mkv.mkv .src/whole.mkv
truncate_to truncated-mp4.mp4 .src/whole.mp4
truncate_to truncated-faststart.mp4 .src/whole-faststart.mp4
truncate_to truncated-avi.avi .src/whole.avi

if [[ ! -e $OUT/notmedia.mkv ]]; then
  printf 'This is a plain text file, not a Matroska file.\nIt only has a media extension.\n' >"$OUT/.part-notmedia.mkv"
  mv "$OUT/.part-notmedia.mkv" "$OUT/notmedia.mkv"
fi
