#!/usr/bin/env bash
# Rebuild the evaluation set of real media files made by other tools than
# ffmpeg and GStreamer (phones, packagers, broadcasters, muxers' test data):
# every file listed in LIST (bench/real-media.tsv: name, repository, commit,
# path, licence, class) is taken from its public repository at that commit
# and written to OUT under its name.
#
# usage: scripts/real-media-corpus.sh [LIST] OUT
#
# Needs git and network access; each repository is cloned once without its
# blobs (into OUT/.repos) and only the listed files are fetched. With
# REAL_MEDIA_MIRRORS=DIR, a bare copy DIR/OWNER+NAME/repo is read instead of
# cloning. The files stay under the licences of their repositories (column 5).
set -euo pipefail

die() { echo "real-media-corpus: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ $# -eq 1 ]]; then
  list=$here/bench/real-media.tsv
  out=$1
elif [[ $# -eq 2 ]]; then
  list=$1
  out=$2
else
  die "usage: scripts/real-media-corpus.sh [LIST] OUT"
fi
[[ -r $list ]] || die "cannot read $list"
command -v git >/dev/null || die "git not found (install git)"
mkdir -p "$out/.repos"

fetched=0 failed=0
while IFS=$'\t' read -r name repo commit path _licence _class; do
  [[ $name == file ]] && continue
  [[ -s $out/$name ]] && continue
  dir=$out/.repos/${repo//\//+}
  mirror=${REAL_MEDIA_MIRRORS:-}/${repo//\//+}/repo
  if [[ -n ${REAL_MEDIA_MIRRORS:-} && -d $mirror ]]; then
    dir=$mirror
  elif [[ ! -d $dir ]]; then
    git clone -q --filter=blob:none --no-checkout "https://github.com/$repo" "$dir" ||
      { echo "real-media-corpus: cannot clone $repo; skipping its files" >&2; mkdir -p "$dir.failed"; }
  fi
  if [[ -d $dir.failed ]] || ! git -C "$dir" show "$commit:$path" >"$out/.part" 2>/dev/null; then
    echo "real-media-corpus: $repo $commit:$path not found" >&2
    failed=$((failed + 1))
    continue
  fi
  mv "$out/.part" "$out/$name"
  fetched=$((fetched + 1))
done <"$list"
rm -f "$out/.part"
echo "real-media-corpus: $fetched fetched, $failed missing, in $out" >&2
