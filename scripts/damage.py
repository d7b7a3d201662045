#!/usr/bin/env python3
"""Damaged copies of a media file, and ffmpeg's verdict on files, for
scripts/damage-corpus.sh.

usage: damage.py copies SRC DESTDIR
           writes every damaged copy of SRC into DESTDIR and prints one line
           per copy: name <TAB> kind <TAB> strength <TAB> offset
       damage.py check FILE...
           decodes each FILE fully (ffmpeg -v error -threads 1 ... -f null -)
           and prints: file <TAB> flagged(0/1) <TAB> error lines <TAB> first line

Kinds (offset: the first byte changed, or the new length for `cut`):
  cut     the file truncated at 30%, 70% and 95% of its length
  zero    64 KiB and 4 KiB of zeros at 40% and at 75%
  flip    1, 10 and 100 single-bit flips at random in the middle 80% (so the
          headers in the first bytes are not always hit)
  random  16 KiB and 256 KiB of random bytes at 50%
  hole    32 KiB and 512 KiB cut out at 60% (the file shrinks)
A span of more than 30% of the file is scaled down to 20% of it (strength
then reads e.g. 256KiB>41943B). Every random choice is seeded from the
file name, kind and strength, so a rebuild writes the same bytes.
"""
import hashlib
import os
import random
import subprocess
import sys

KIB = 1024
CUTS = [30, 70, 95]
ZEROS = [(64, 40), (64, 75), (4, 40), (4, 75)]  # (KiB, % of the length)
FLIPS = [1, 10, 100]
RANDOMS = [(16, 50), (256, 50)]
HOLES = [(32, 60), (512, 60)]


def rng(*parts):
    digest = hashlib.sha256('\0'.join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], 'big'))


def span(size, kib):
    """Bytes of a kib-KiB span in a file of size bytes, and its label."""
    n = kib * KIB
    if n > 0.30 * size:
        n = max(1, int(0.20 * size))
        return n, f'{kib}KiB>{n}B'
    return n, f'{kib}KiB'


def place(size, n, pct):
    """Start of an n-byte span at pct% of the file, kept inside it."""
    return max(0, min(size * pct // 100, size - n))


def copies(src, destdir):
    data = open(src, 'rb').read()
    size = len(data)
    base = os.path.basename(src)
    stem, ext = os.path.splitext(base)
    out = []

    def emit(tag, kind, strength, offset, body):
        name = f'{stem}.{tag}{ext}'
        tmp = os.path.join(destdir, '.' + name + '.part')
        with open(tmp, 'wb') as f:
            f.write(body)
        os.replace(tmp, os.path.join(destdir, name))
        out.append(f'{name}\t{kind}\t{strength}\t{offset}\n')

    for pct in CUTS:
        at = size * pct // 100
        emit(f'cut-{pct}', 'cut', f'{pct}%', at, data[:at])
    for kib, pct in ZEROS:
        n, label = span(size, kib)
        at = place(size, n, pct)
        emit(f'zero-{kib}k-{pct}', 'zero', label, at, data[:at] + bytes(n) + data[at + n:])
    for count in FLIPS:
        r = rng(base, 'flip', count)
        lo, hi = size // 10, size - size // 10
        body = bytearray(data)
        spots = [r.randrange(lo, hi) for _ in range(count)]
        for at in spots:
            body[at] ^= 1 << r.randrange(8)
        emit(f'flip-{count}', 'flip', f'{count}bit', min(spots), bytes(body))
    for kib, pct in RANDOMS:
        n, label = span(size, kib)
        at = place(size, n, pct)
        noise = rng(base, 'random', kib).getrandbits(8 * n).to_bytes(n, 'little')
        emit(f'random-{kib}k', 'random', label, at, data[:at] + noise + data[at + n:])
    for kib, pct in HOLES:
        n, label = span(size, kib)
        at = place(size, n, pct)
        emit(f'hole-{kib}k', 'hole', label, at, data[:at] + data[at + n:])
    sys.stdout.write(''.join(out))


def check(files):
    for path in files:
        cmd = ['ffmpeg', '-nostdin', '-hide_banner', '-v', 'error', '-threads', '1',
               '-i', path, '-f', 'null', '-']
        try:
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
            lines = [l for l in p.stderr.decode(errors='replace').splitlines() if l.strip()]
            rc = p.returncode
        except subprocess.TimeoutExpired:
            lines, rc = ['timeout after 600 s'], -1
        if rc != 0 and not lines:
            lines = [f'exit status {rc}']
        first = lines[0].replace('\t', ' ')[:200] if lines else ''
        # One write per line, so that parallel runs do not interleave.
        os.write(1, f'{path}\t{int(bool(lines))}\t{len(lines)}\t{first}\n'.encode())


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'copies':
        copies(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 2 and sys.argv[1] == 'check':
        check(sys.argv[2:])
    else:
        sys.exit(__doc__)
