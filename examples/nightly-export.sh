#!/usr/bin/env bash
# Nightly job: rescan the library, then export every report for dashboards
# and scripts. Quiet on success, so cron mails only when something is wrong.
#
# usage: nightly-export.sh LIBRARY_DIR... -- OUT_DIR
#   e.g. nightly-export.sh /srv/media /mnt/archive -- /srv/www/mediadex
#
# crontab (every night at 03:15):
#   15 3 * * *  /usr/local/bin/nightly-export.sh /srv/media -- /srv/www/mediadex
#
# env:
#   MEDIADEX=mediadex     the binary to run
#   MEDIADEX_DB=...       the catalog (default: ~/.local/share/mediadex/catalog.db)
#   BACKUP_DIR=           if set, also keep a compressed dump there (7 kept)
set -euo pipefail

die() { echo "nightly-export: $*" >&2; exit 1; }

MEDIADEX=${MEDIADEX:-mediadex}
libraries=()
while [[ $# -gt 0 && $1 != -- ]]; do libraries+=("$1"); shift; done
[[ $# -eq 2 && ${#libraries[@]} -gt 0 ]] || die "usage: $0 LIBRARY_DIR... -- OUT_DIR"
out=$2

# Scan. Exit 3 means the scan finished but some inputs failed. Files that
# could not be probed are in the catalog with their error, and in
# problems.json below: that is not a failure of the job. A root that is
# offline (an unmounted share, an absent or empty directory) is: nothing under
# it was looked at, so the job exports what the catalog holds and then fails,
# naming the root. `scan --json` lists such roots under "offline". 75:
# another scan is running; export what the catalog holds anyway.
rc=0
offline=
summary=$("$MEDIADEX" -q scan --json "${libraries[@]}") || rc=$?
case $rc in
  0) ;;
  3)
    if [[ $summary != *'"offline":[]'* ]]; then
      offline=$(grep -o '"root":"[^"]*"' <<<"$summary" | cut -d'"' -f4 | paste -sd' ' -) || true
      offline=${offline:-"(see the warnings above)"}
      echo "nightly-export: offline, not scanned: $offline; exporting the catalog as it is" >&2
    fi
    ;;
  75) echo "nightly-export: a scan was already running; exporting the catalog as it is" >&2 ;;
  *) die "scan failed (exit $rc)" ;;
esac

# Export: one file per report, summary.txt and manifest.json, each replaced
# atomically. Exit 3: some reports failed (their previous files stay).
"$MEDIADEX" -q export --out "$out"

if [[ -n ${BACKUP_DIR:-} ]]; then
  mkdir -p "$BACKUP_DIR"
  backup=$BACKUP_DIR/catalog-$(date -u +%F).jsonl.gz
  "$MEDIADEX" -q dump | gzip -c > "$backup.part"
  mv "$backup.part" "$backup"
  # Keep the newest seven.
  ls -1t "$BACKUP_DIR"/catalog-*.jsonl.gz | tail -n +8 | xargs -r rm --
fi

[[ -z $offline ]] || die "library root(s) offline: $offline; mount them and run again"
