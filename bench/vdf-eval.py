#!/usr/bin/env python3
# Pairwise figures of vid_dup_finder_lib's groups (bench/vdf-baseline) against a
# truth.tsv of scripts/fingerprint-corpus.sh: usage: vdf-eval.py GROUPS.tsv TRUTH.tsv
import sys, collections, itertools
truth={}
for l in open(sys.argv[2]):
    f,s,t=l.rstrip('\n').split('\t'); truth[f]=(s,t)
grp={}
for l in open(sys.argv[1]):
    g,f=l.rstrip('\n').split('\t'); grp.setdefault(f,set()).add(g)
def same(a,b): return bool(grp.get(a,set()) & grp.get(b,set()))
per=collections.defaultdict(lambda:[0,0]); persrc=collections.defaultdict(lambda:[0,0])
for f,(s,t) in truth.items():
    if t=='original': continue
    o=[x for x,(s2,t2) in truth.items() if s2==s and t2=='original']
    if not o: continue
    hit=same(o[0],f); per[t][0]+=hit; per[t][1]+=1; persrc[s][0]+=hit; persrc[s][1]+=1
tp=fp=pos=0
for a,b in itertools.combinations(truth,2):
    s=truth[a][0]==truth[b][0]; g=same(a,b)
    pos+=s; tp+=s and g; fp+=(not s) and g
print("per transform:", {t:f"{h}/{n}" for t,(h,n) in sorted(per.items())})
print("per source:", {t:f"{h}/{n}" for t,(h,n) in sorted(persrc.items())})
print(f"pairs same-source grouped {tp}/{pos} recall={tp/pos:.3f}; false pairs {fp}; precision={tp/max(tp+fp,1):.4f}")
