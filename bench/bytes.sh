#!/usr/bin/env bash
# Bytes read from the media files, per file, by mediadex, MediaInfo, ExifTool
# and ffprobe on the same files — on a NAS those bytes are a scan's cost.
#
# Each tool runs under `strace -f -y` (every process and thread it starts; -y
# names the file behind each descriptor), and the bytes returned by read,
# pread64, readv, preadv and preadv2 on the media files' descriptors are summed
# per file. mmap of a media file is counted apart, as the length mapped (an
# upper bound: the pages touched are not known). Reads of anything else
# (libraries, plugin registries, the catalog) are not counted.
#
# The tools run as the benchmark runs them: mediadex scans a directory into a
# fresh catalog; MediaInfo and ExifTool get the file list in 2 processes;
# ffprobe (-show_format -show_streams) runs once per file.
#
# usage: bench/bytes.sh [CORPUS_DIR]
#   CORPUS_DIR defaults to bench-out/corpus-long, the benchmark's library corpus
#   (made by scripts/gen-corpus.sh with LENGTH=long when missing).
#
# env:
#   BYTES_FILES=N   measure the first N files of the corpus by name (0 = all;
#                   default 0). File names cycle through the kinds, so a prefix
#                   covers them evenly.
#   BENCH_FILES=540 corpus size when the corpus has to be generated
#   BENCH_SKIP_BUILD=1  use the existing target/release/mediadex
#
# Results: printed, and written to bench-out/bytes.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { echo "bytes: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found ($2)"; }
need strace "install strace"
need mediainfo "install mediainfo"
need exiftool "install libimage-exiftool-perl"
need ffprobe "install ffmpeg"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || die "python3 not found (install python3)"

CORPUS=${1:-bench-out/corpus-long}
BYTES_FILES=${BYTES_FILES:-0}
[[ $BYTES_FILES =~ ^[0-9]+$ ]] || die "BYTES_FILES must be a number, got '$BYTES_FILES'"
MEDIADEX=${CARGO_TARGET_DIR:-target}/release/mediadex
if [[ ${BENCH_SKIP_BUILD:-0} != 1 && ! -x $MEDIADEX ]]; then
  cargo build --release --locked --bin mediadex --bin mediadex-media
fi
[[ -x $MEDIADEX ]] || die "$MEDIADEX not found (make build)"

if [[ ! -d $CORPUS ]]; then
  LENGTH=long scripts/gen-corpus.sh "$CORPUS" "${BENCH_FILES:-540}"
fi

OUT=bench-out/bytes
rm -rf "$OUT"
mkdir -p "$OUT/sample"
SAMPLE=$(cd "$OUT/sample" && pwd)

# The sample: hard links (a copy where links cannot be made) under one flat
# directory, so every tool reads the same files by the same names.
LIST=$OUT/corpus.list
find "$CORPUS" -type f ! -name '.*' -printf '%f\t%p\n' | sort | cut -f2 >"$LIST"
((BYTES_FILES > 0)) && { head -n "$BYTES_FILES" "$LIST" >"$LIST.head"; mv "$LIST.head" "$LIST"; }
while IFS= read -r f; do
  ln "$f" "$SAMPLE/" 2>/dev/null || cp "$f" "$SAMPLE/"
done <"$LIST"
N=$(find "$SAMPLE" -type f | wc -l)
((N > 0)) || die "no files in $CORPUS"
find "$SAMPLE" -type f -print0 | sort -z >"$OUT/sample.list0"
HALF=$(((N + 1) / 2))
echo "bytes: $N files from $CORPUS" >&2

# Page cache warm, as in the throughput runs (strace counts what is asked of
# the kernel, cached or not).
xargs -0 cat <"$OUT/sample.list0" >/dev/null

TRACE=(strace -f -qq -s 0 -y -e trace=openat,lseek,read,pread64,readv,preadv,preadv2,mmap,execve,clone,clone3,fork,vfork)
echo "bytes: mediadex" >&2
"${TRACE[@]}" -o "$OUT/mediadex.strace" "$MEDIADEX" --db "$OUT/bytes.db" scan "$SAMPLE" >/dev/null 2>"$OUT/mediadex.stderr" \
  || [[ $? == 3 ]] || die "mediadex scan failed (see $OUT/mediadex.stderr)"
echo "bytes: mediainfo" >&2
"${TRACE[@]}" -o "$OUT/mediainfo.strace" xargs -0 -P 2 -n "$HALF" mediainfo --Output=JSON <"$OUT/sample.list0" >/dev/null 2>&1 || true
echo "bytes: exiftool" >&2
"${TRACE[@]}" -o "$OUT/exiftool.strace" xargs -0 -P 2 -n "$HALF" exiftool -j <"$OUT/sample.list0" >/dev/null 2>&1 || true
echo "bytes: ffprobe" >&2
"${TRACE[@]}" -o "$OUT/ffprobe.strace" xargs -0 -P 2 -n 1 ffprobe -v error -show_format -show_streams -of json <"$OUT/sample.list0" >/dev/null 2>&1 || true

"$PY" - "$SAMPLE" "$OUT" "$N" <<'PY'
import os
import re
import statistics
import sys
from collections import defaultdict

sample, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
prefix = sample.rstrip("/") + "/"
sizes = {f: os.path.getsize(os.path.join(sample, f)) for f in os.listdir(sample)}
EDGE = 128 * 1024  # "head" and "tail" of a file: its first and last 128 KiB

line_re = re.compile(r"^(\d+) (.*)$")
call_re = re.compile(r"^([a-z0-9_]+)\((.*)$")
resumed_re = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>(.*)$")
ret_re = re.compile(r"\)\s+=\s+(-?\d+)(?:<([^>]*)>)?")
fd_re = re.compile(r"^(\d+)<([^>]*)>")
READS = {"read", "readv", "pread64", "preadv", "preadv2"}


def parse(path):
    """Per media file: bytes read (all calls), the byte ranges read, bytes
    mapped, read calls; and bytes read per executable."""
    read, mapped, calls = defaultdict(int), defaultdict(int), defaultdict(int)
    ranges = defaultdict(list)
    by_exe = defaultdict(int)
    exe, tgid, pos, pending = {}, {}, {}, {}

    def done(pid, name, args, ret, retpath):
        g = tgid.setdefault(pid, pid)
        if name == "execve" and ret == 0:
            m = re.match(r'"([^"]*)"', args)
            if m:
                exe[g] = os.path.basename(m[1])
            return
        if name in ("clone", "clone3", "fork", "vfork"):
            if ret > 0:
                child = str(ret)
                tgid[child] = g if "CLONE_THREAD" in args else child
                exe.setdefault(tgid[child], exe.get(g, "?"))
            return
        if name == "openat":
            if ret >= 0 and retpath:
                pos[(g, ret)] = 0
            return
        m = fd_re.match(args)
        if not m:
            return
        fd, file = int(m[1]), m[2]
        if name == "lseek":
            if ret >= 0:
                pos[(g, fd)] = ret
            return
        if name == "mmap":
            return
        if name not in READS or ret <= 0 or not file.startswith(prefix):
            if name in ("read", "readv") and ret > 0:
                pos[(g, fd)] = pos.get((g, fd), 0) + ret
            return
        f = file[len(prefix):]
        if name in ("read", "readv"):
            at = pos.get((g, fd), 0)
            pos[(g, fd)] = at + ret
        else:
            # pread64(fd, buf, count, offset) = n: the offset is the last argument
            head = ret_re.split(args, maxsplit=1)[0]
            nums = re.findall(r",\s*(\d+)\s*$", head)
            at = int(nums[-1]) if nums else 0
        read[f] += ret
        calls[f] += 1
        ranges[f].append((at, at + ret))
        by_exe[exe.get(g, "?")] += ret

    with open(path, errors="replace") as fh:
        for raw in fh:
            m = line_re.match(raw.rstrip("\n"))
            if not m:
                continue
            pid, rest = m[1], m[2]
            if rest.endswith("<unfinished ...>"):
                c = call_re.match(rest)
                if c:
                    pending[pid] = (c[1], c[2])
                continue
            r = resumed_re.match(rest)
            if r:
                if pid not in pending:
                    continue
                name, args = pending.pop(pid)
                tail = r[2]
            else:
                c = call_re.match(rest)
                if not c:
                    continue
                name, args, tail = c[1], c[2], ""
            # mmap: the length of a mapping of a media file
            if name == "mmap":
                mm = re.match(r"[^,]*, (\d+), [^,]*, [^,]*, \d+<([^>]*)>", args)
                if mm and mm[2].startswith(prefix):
                    mapped[mm[2][len(prefix):]] += int(mm[1])
                continue
            t = ret_re.search(args + tail)
            if not t:
                continue
            done(pid, name, args + tail, int(t[1]), t[2])
    return read, ranges, mapped, calls, by_exe


def union(rs):
    total, end = 0, -1
    for a, b in sorted(rs):
        if b <= end:
            continue
        total += b - max(a, end) if a < end else b - a
        end = b
    return total


def split(rs, size):
    """unique bytes read in the head, the middle and the tail of a file"""
    head_end = min(size, EDGE)
    tail_start = max(head_end, size - EDGE)
    parts = [0, 0, 0]
    for lo, hi, k in ((0, head_end, 0), (head_end, tail_start, 1), (tail_start, size, 2)):
        parts[k] = union([(max(a, lo), min(b, hi)) for a, b in rs if min(b, hi) > max(a, lo)])
    return parts


def kind(name):
    return name.split("-", 1)[1] if re.match(r"^\d+-", name) else name


KB = 1024
lines = []
avg = sum(sizes.values()) / n / KB
lines.append(f"### Bytes read from the media files ({n} files, {avg:,.0f} KB each on average; strace -f -y)")
lines.append("")
lines.append("| Tool | KB/file (mean) | KB/file (median) | distinct KB/file | share of the files' bytes | read calls/file | mmap'd KB/file |")
lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
total_bytes = max(1, sum(sizes.values()))
md = None
for tool in ("mediadex", "mediainfo", "exiftool", "ffprobe"):
    read, ranges, mapped, calls, by_exe = parse(os.path.join(out, tool + ".strace"))
    if tool == "mediadex":
        md = (read, ranges, by_exe)
    total = sum(read.values())
    distinct = sum(union(ranges[f]) for f in sizes)
    med = statistics.median([read.get(f, 0) for f in sizes])
    lines.append(f"| {tool} | {total / n / KB:,.1f} | {med / KB:,.1f} | {distinct / n / KB:,.1f} | "
                 f"{100 * total / total_bytes:.1f}% | {sum(calls.values()) / n:,.1f} | {sum(mapped.values()) / n / KB:,.1f} |")
    unread = sorted(f for f in sizes if read.get(f, 0) == 0)
    if unread:
        lines.append(f"| ({tool} read nothing from {len(unread)}: {', '.join(unread[:5])}) | | | | | | |")
lines.append("")
lines.append("(KB/file counts every byte a read returned, re-reads included; distinct KB/file counts each byte of a file once.)")
lines.append("")

read, ranges, by_exe = md
groups = defaultdict(list)
for f in sizes:
    groups[kind(f)].append(f)
lines.append(f"#### mediadex: where the bytes go, per kind (distinct bytes in the first {EDGE // KB} KB, the middle, the last {EDGE // KB} KB)")
lines.append("")
lines.append("| Kind | Files | File KB | Read KB/file | Share of the file | Head KB | Middle KB | Tail KB |")
lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for k in sorted(groups, key=lambda k: -sum(read.get(f, 0) for f in groups[k]) / len(groups[k])):
    fs = groups[k]
    r = sum(read.get(f, 0) for f in fs)
    s = sum(sizes[f] for f in fs)
    parts = [sum(split(ranges[f], sizes[f])[i] for f in fs) / len(fs) / KB for i in range(3)]
    lines.append(f"| {k} | {len(fs)} | {s / len(fs) / KB:,.0f} | {r / len(fs) / KB:,.1f} | {100 * r / max(1, s):.1f}% | "
                 f"{parts[0]:,.1f} | {parts[1]:,.1f} | {parts[2]:,.1f} |")
lines.append("")
lines.append("mediadex bytes per process: " + ", ".join(
    f"{e} {v / n / KB:,.1f} KB/file" for e, v in sorted(by_exe.items(), key=lambda x: -x[1])))
text = "\n".join(lines) + "\n"
with open(os.path.join(os.path.dirname(out.rstrip("/")), "bytes.md"), "w") as fh:
    fh.write(text)
print(text)
PY
echo "(written to bench-out/bytes.md; traces in $OUT)" >&2
