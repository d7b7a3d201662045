#!/usr/bin/env python3
"""Pairwise precision and recall of a near-duplicate finder against a truth.tsv
(file <TAB> source <TAB> transform, as scripts/fingerprint-*corpus.sh write it).

usage: fp-eval.py TRUTH.tsv NAME PAIRS.tsv [NAME PAIRS.tsv ...]
PAIRS.tsv: "a<TAB>b" lines (file names) of the pairs a tool reports; a tool
that reports groups is given as every pair within each group.
Prints one row per tool: true pairs found of all true pairs (every two files
of one source: original and variants, variants with each other), false
pairs, precision, recall, and the recall per transform (original against
that variant)."""
import sys, itertools, collections

truth = {}
for line in open(sys.argv[1]):
    f, s, t = line.rstrip('\n').split('\t')
    truth[f] = (s, t)
files = sorted(truth)
positives = {(a, b) for a, b in itertools.combinations(files, 2) if truth[a][0] == truth[b][0]}
rows = []
transforms = sorted({t for s, t in truth.values() if t != 'original'})
for name, path in zip(sys.argv[2::2], sys.argv[3::2]):
    found = set()
    for line in open(path):
        parts = line.rstrip('\n').split('\t')
        if len(parts) < 2:
            continue
        a, b = sorted(parts[:2])
        if a in truth and b in truth and a != b:
            found.add((a, b))
    tp = len(found & positives)
    fp = len(found - positives)
    prec = tp / max(tp + fp, 1)
    rec = tp / max(len(positives), 1)
    per = collections.defaultdict(lambda: [0, 0])
    for a, b in positives:
        ta, tb = truth[a][1], truth[b][1]
        if 'original' in (ta, tb) and ta != tb:
            t = tb if ta == 'original' else ta
            per[t][1] += 1
            per[t][0] += (a, b) in found
    rows.append((name, tp, len(positives), fp, prec, rec, per))
    bad = sorted(found - positives)
    if bad:
        more = f" and {len(bad) - 8} more" if len(bad) > 8 else ""
        print(f"{name}: false pairs: " + "; ".join(f"{a} ~ {b}" for a, b in bad[:8]) + more)
print(f"{'tool':<22} {'true pairs':>12} {'false':>6} {'precision':>10} {'recall':>7}")
for name, tp, pos, fp, prec, rec, _ in rows:
    print(f"{name:<22} {tp:>5} of {pos:<5} {fp:>6} {prec:>10.3f} {rec:>7.3f}")
print()
print("recall per transform (original against it): " + ", ".join(n for n, *_ in rows))
for t in transforms:
    print(f"  {t:<18} " + "  ".join(f"{r[6][t][0]:>3}/{r[6][t][1]:<3}" for r in rows))
