#!/usr/bin/env python3
"""Scores integrity checkers against the manifest of a corpus made by
scripts/damage-corpus.sh; bench/verify.sh runs it.

usage: verify-eval.py CORPUS_DIR RESULTS_DIR
RESULTS_DIR holds what bench/verify.sh wrote:
  times.tsv                 checker <TAB> wall_s <TAB> cpu_s <TAB> status
  ffmpeg.tsv                path (relative to CORPUS_DIR) <TAB> flagged <TAB> error lines
  LEVEL.query.json, else LEVEL.report.json   mediadex's verdicts after
                            `verify --level LEVEL`: a JSON array of objects
                            with a path and a health; a file is flagged when
                            its health is not 'clean', and has no verdict
                            when it has no row or a NULL health
  notes.txt                 lines printed above the table

A file is damaged when its kind is cut or hole (data is lost whatever a
decoder says) or when ffmpeg's full decode flags it (the manifest's
verdict); a damaged copy ffmpeg does not flag (flips in padding, say) is
left out of the scores, since no checker can be told right or wrong on it.
Prints one table; exits 0 whatever the scores (it is a report), 1 when an
input is missing.
"""
import collections
import json
import os
import sys

KINDS = ['cut', 'zero', 'flip', 'random', 'hole']
LEVELS = ['quick', 'keyframes', 'full']
MAX_MISSES = 30


def die(msg):
    sys.exit(f'verify-eval: {msg}')


if len(sys.argv) != 3:
    die('usage: verify-eval.py CORPUS_DIR RESULTS_DIR')
corpus, results = sys.argv[1:]
man_path = os.path.join(corpus, 'manifest.tsv')
if not os.path.isfile(man_path):
    die(f'{man_path} not found')
if not os.path.isfile(os.path.join(results, 'ffmpeg.tsv')):
    die(f'{results}/ffmpeg.tsv not found (run bench/verify.sh)')

rows = {}
with open(man_path) as f:
    header = f.readline().rstrip('\n').split('\t')
    for line in f:
        r = dict(zip(header, line.rstrip('\n').split('\t')))
        rows[r['path']] = r


def truth(r):
    """'damaged', 'clean-synthetic', 'clean-real' or 'silent' (left out)."""
    if r['kind'] == 'clean':
        return 'clean-real' if r['source'] == 'real' else 'clean-synthetic'
    if r['kind'] in ('cut', 'hole') or r['ffmpeg_flagged'] == '1':
        return 'damaged'
    return 'silent'


T = {p: truth(r) for p, r in rows.items()}
damaged = [p for p in rows if T[p] == 'damaged']
clean_syn = [p for p in rows if T[p] == 'clean-synthetic']
clean_real = [p for p in rows if T[p] == 'clean-real']
silent = [p for p in rows if T[p] == 'silent']

times = {}
tpath = os.path.join(results, 'times.tsv')
if os.path.isfile(tpath):
    with open(tpath) as f:
        f.readline()
        for line in f:
            c, wall, cpu, status = (line.rstrip('\n').split('\t') + ['', '', ''])[:4]
            times[c] = (float(wall), float(cpu), status)

# checker -> {path: flagged}
verdicts = {}
ff = {}
with open(os.path.join(results, 'ffmpeg.tsv')) as f:
    for line in f:
        p, flagged = line.rstrip('\n').split('\t')[:2]
        ff[p] = flagged == '1'
verdicts['ffmpeg'] = ff

root = os.path.realpath(corpus)


def rel(path):
    for base in (os.path.abspath(corpus), root):
        if path.startswith(base + os.sep):
            return path[len(base) + 1:]
    real = os.path.realpath(path)
    if real.startswith(root + os.sep):
        return real[len(root) + 1:]
    return path


def load_level(level):
    # The query first: it reads every row of the health table, clean ones too.
    for name in (f'{level}.query.json', f'{level}.report.json'):
        path = os.path.join(results, name)
        if not os.path.isfile(path):
            continue
        try:
            data = json.load(open(path))
        except ValueError:
            continue
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), [])
        items = [d for d in data if isinstance(d, dict)]
        key = next((k for k in ('path', 'file', 'media_path') if items and k in items[0]), None)
        if not items or key is None or 'health' not in items[0]:
            continue
        # One row per file is expected (the state after the last run); when a
        # file has several, those of this level. A NULL health (the check
        # itself failed: a timeout, a crash) is no verdict.
        byfile = collections.defaultdict(list)
        for d in items:
            byfile[rel(str(d[key]))].append(d)
        out = {}
        for p, ds in byfile.items():
            ds = [d for d in ds if d.get('level') == level] or ds
            hs = [d['health'] for d in ds if d.get('health') is not None]
            if hs:
                out[p] = any(h != 'clean' for h in hs)
        return out, name
    return None, None


sources = {}
for level in LEVELS:
    v, name = load_level(level)
    if v is not None:
        verdicts[level] = v
        sources[level] = name

NAMES = {'ffmpeg': 'ffmpeg full decode', 'quick': 'mediadex quick',
         'keyframes': 'mediadex keyframes', 'full': 'mediadex full'}


def pct(a, b):
    return f'{100 * a / b:5.1f}%' if b else '    -'


print(f'# Integrity checks: {len(rows)} files of {corpus}')
print(f'damaged: {len(damaged)} (every cut and hole copy, and each other damaged copy '
      f'ffmpeg\'s full decode flags); clean: {len(clean_syn)} synthetic, {len(clean_real)} real; '
      f'{len(silent)} damaged copies ffmpeg does not flag are left out of the scores')
if 'ffmpeg' in times:
    print(f'ffmpeg\'s flags in this run differ from the manifest on '
          f'{sum(ff.get(p, False) != (rows[p]["ffmpeg_flagged"] == "1") for p in rows)} files')
notes = os.path.join(results, 'notes.txt')
if os.path.isfile(notes):
    sys.stdout.write(open(notes).read())
print()
head = (f'{"checker":<20} {"damaged found":>16} {"cut found":>10} {"clean flagged":>14} '
        f'{"real flagged":>13} {"no verdict":>10} {"wall s":>8} {"CPU s":>8} {"wall/ffmpeg":>11} {"silent flagged":>15}')
print(head)
print('-' * len(head))
ffwall = times.get('ffmpeg', (0, 0, ''))[0]
scores = {}
for c in ['ffmpeg'] + LEVELS:
    if c not in verdicts:
        if c in times:
            print(f'{NAMES[c]:<20} no verdicts could be read ({times[c][2]})')
        continue
    v = verdicts[c]
    found = sum(v.get(p, False) for p in damaged)
    cuts = [p for p in damaged if rows[p]['kind'] == 'cut']
    cut_found = sum(v.get(p, False) for p in cuts)
    fp_syn = sum(v.get(p, False) for p in clean_syn)
    fp_real = sum(v.get(p, False) for p in clean_real)
    none = sum(p not in v for p in rows)
    sil = sum(v.get(p, False) for p in silent)
    wall, cpu, status = times.get(c, (float('nan'), float('nan'), '?'))
    ratio = wall / ffwall if ffwall else float('nan')
    scores[c] = dict(found=found, cut_found=cut_found, cuts=len(cuts), fp=fp_syn + fp_real, ratio=ratio)
    note = '' if status in ('ok', '') else f'  {status}'
    print(f'{NAMES[c]:<20} {found:>5}/{len(damaged):<4} {pct(found, len(damaged))} {cut_found:>4}/{len(cuts):<5}'
          f' {fp_syn:>6}/{len(clean_syn):<7} {fp_real:>6}/{len(clean_real):<6} {none:>10} {wall:>8.1f} {cpu:>8.1f}'
          f' {ratio:>11.3f} {sil:>8}/{len(silent):<6}{note}')
print('(no verdict: files of the manifest the checker said nothing about, counted as not flagged;'
      ' silent flagged: damaged copies ffmpeg does not flag that the checker flags)')

print()
print('targets:')


def mark(ok):
    return 'met' if ok else 'MISSED'


if 'full' in scores:
    s = scores['full']
    print(f'  mediadex full:  >= 99% found {mark(s["found"] >= 0.99 * len(damaged))}, '
          f'0 clean flagged {mark(s["fp"] == 0)}, wall <= ffmpeg {mark(s["ratio"] <= 1)}')
else:
    print('  mediadex full:  >= 99% found, 0 clean flagged, wall <= ffmpeg (no figures)')
if 'quick' in scores:
    s = scores['quick']
    print(f'  mediadex quick: all cut found {mark(s["cut_found"] == s["cuts"])}, '
          f'>= 50% found {mark(s["found"] >= 0.5 * len(damaged))}, '
          f'wall <= 1/20 ffmpeg {mark(s["ratio"] <= 0.05)}')
else:
    print('  mediadex quick: all cut found, >= 50% found, wall <= 1/20 ffmpeg (no figures)')

print()
print('damaged found, per kind:')
per_total = collections.Counter(rows[p]['kind'] for p in damaged)
print(f'{"checker":<20}' + ''.join(f'{k + " (" + str(per_total[k]) + ")":>15}' for k in KINDS))
for c in ['ffmpeg'] + LEVELS:
    if c not in verdicts:
        continue
    v = verdicts[c]
    cells = []
    for k in KINDS:
        ps = [p for p in damaged if rows[p]['kind'] == k]
        got = sum(v.get(p, False) for p in ps)
        cells.append(f'{got:>4} {pct(got, len(ps))}')
    print(f'{NAMES[c]:<20}' + ''.join(f'{x:>15}' for x in cells))

# Per level: a header line and at most MAX_MISSES // 3 - 1 files, so that
# the three levels take at most MAX_MISSES lines.
shown = False
for c in LEVELS:
    if c not in verdicts:
        continue
    miss = [p for p in clean_syn + clean_real if verdicts[c].get(p, False)]
    miss += [p for p in damaged if not verdicts[c].get(p, False)]
    if not miss:
        continue
    if not shown:
        print()
        print('mediadex misses (damaged not flagged, or clean flagged):')
        shown = True
    cap = MAX_MISSES // len(LEVELS) - 1
    print(f'  {c}: {len(miss)}' + (f', the first {cap}' if len(miss) > cap else ''))
    for p in miss[:cap]:
        what = 'clean, flagged' if T[p].startswith('clean') else rows[p]['kind']
        print(f'    {what:<15} {p}')
if not shown and any(c in verdicts for c in LEVELS):
    print()
    print('mediadex misses: none')
elif not any(c in verdicts for c in LEVELS):
    print()
    print('mediadex: no verdicts')
