#!/usr/bin/env bash
# Build a large library tree out of a few real media files.
#
# usage: scripts/gen-tree.sh OUTDIR COUNT SEEDDIR
#
# Copies (real copies, one inode per file) the media files found under
# SEEDDIR round-robin into OUTDIR until it holds COUNT files, ~PER_DIR
# files per directory, laid out as OUTDIR/gNN/dNNNN/NNNNNNN-<kind>.<ext>.
# Re-running is cheap: files already present with the right size are kept.
#
# env:
#   PER_DIR=500   files per directory
set -euo pipefail

die() { echo "gen-tree: $*" >&2; exit 1; }

[[ $# -eq 3 ]] || die "usage: $0 OUTDIR COUNT SEEDDIR"
OUTDIR=$1
COUNT=$2
SEEDDIR=$3
PER_DIR=${PER_DIR:-500}
[[ $COUNT =~ ^[0-9]+$ ]] || die "COUNT must be a non-negative integer, got '$COUNT'"
[[ $PER_DIR =~ ^[1-9][0-9]*$ ]] || die "PER_DIR must be a positive integer, got '$PER_DIR'"
[[ -d $SEEDDIR ]] || die "no such seed directory: $SEEDDIR"
command -v python3 >/dev/null 2>&1 || die "python3 not found (install python3)"

exec python3 - "$OUTDIR" "$COUNT" "$SEEDDIR" "$PER_DIR" <<'PY'
import os
import shutil
import sys
import time

outdir, count, seeddir, per_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])


def fail(msg):
    print(f"gen-tree: {msg}", file=sys.stderr)
    sys.exit(1)


seeds = []
for root, dirs, files in os.walk(seeddir):
    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    for name in sorted(files):
        if name.startswith("."):
            continue
        path = os.path.join(root, name)
        if os.path.isfile(path) and not os.path.islink(path):
            seeds.append(path)
if not seeds:
    fail(f"no files under {seeddir}")
seeds.sort()
# NNNN-kind.ext -> kind.ext; any other name is kept whole.
suffixes = []
sizes = []
for path in seeds:
    base = os.path.basename(path)
    head, sep, tail = base.partition("-")
    suffixes.append(tail if sep and head.isdigit() and tail else base)
    sizes.append(os.stat(path).st_size)

width = max(7, len(str(max(count - 1, 0))))
ndirs = (count + per_dir - 1) // per_dir
start = time.monotonic()
copied = kept = 0
for d in range(ndirs):
    dpath = os.path.join(outdir, f"g{d // 100:02d}", f"d{d:04d}")
    os.makedirs(dpath, exist_ok=True)
    existing = {}
    with os.scandir(dpath) as it:
        for e in it:
            if e.is_file(follow_symlinks=False):
                existing[e.name] = e.stat(follow_symlinks=False).st_size
    for i in range(d * per_dir, min(count, (d + 1) * per_dir)):
        s = i % len(seeds)
        name = f"{i:0{width}d}-{suffixes[s]}"
        if existing.get(name) == sizes[s]:
            kept += 1
        else:
            shutil.copyfile(seeds[s], os.path.join(dpath, name))
            copied += 1
        n = i + 1
        if n % 10000 == 0:
            print(f"gen-tree: {n}/{count}", file=sys.stderr, flush=True)

# Drop what an earlier run with a larger COUNT (or other seeds) left behind,
# touching only directories and files of this script's own layout.
removed = 0
expected_dirs = {os.path.join(outdir, f"g{d // 100:02d}", f"d{d:04d}") for d in range(ndirs)}
for g in sorted(os.listdir(outdir)) if os.path.isdir(outdir) else []:
    gpath = os.path.join(outdir, g)
    if not (len(g) >= 3 and g[0] == "g" and g[1:].isdigit() and os.path.isdir(gpath)):
        continue
    for dname in sorted(os.listdir(gpath)):
        dpath = os.path.join(gpath, dname)
        if not (dname[:1] == "d" and dname[1:].isdigit() and os.path.isdir(dpath)):
            continue
        d = int(dname[1:])
        lo, hi = d * per_dir, min(count, (d + 1) * per_dir)
        keep = set()
        if dpath in expected_dirs:
            keep = {f"{i:0{width}d}-{suffixes[i % len(seeds)]}" for i in range(lo, hi)}
        for name in os.listdir(dpath):
            head = name.partition("-")[0]
            if name not in keep and head.isdigit() and os.path.isfile(os.path.join(dpath, name)):
                os.unlink(os.path.join(dpath, name))
                removed += 1
        if not os.listdir(dpath):
            os.rmdir(dpath)
    if not os.listdir(gpath):
        os.rmdir(gpath)

secs = time.monotonic() - start
extra = f", {removed} stale removed" if removed else ""
print(
    f"gen-tree: {count} files in {ndirs} dirs from {len(seeds)} seeds "
    f"({copied} copied, {kept} already present{extra}) in {secs:.1f} s",
    file=sys.stderr,
)
PY
