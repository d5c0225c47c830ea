#!/usr/bin/env bash
# Phone numbers reported on real content with nothing planted: every one is a false lead unless
# the file really holds that number. Two corpora from this machine's /usr/share, in sorted order:
# the first 400 PDFs over 20 KB (PDF drawings, font tables, glyph strings once inflated) and every
# Debian copyright file with the common licences (postal addresses, clause numbers). Prints, for
# each, the bytes, the phones reported, phones per 100 MB and the ten most frequent.
#
#   bench/phone_precision.sh            TRAWL=path/to/trawl to measure another build
set -euo pipefail
cd "$(dirname "$0")/.."
trawl=${TRAWL:-build/host/trawl}
[[ -x "$trawl" ]] || { echo "build first: scripts/build.sh" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/evidence"
find /usr/share -name '*.pdf' -size +20k -type f 2>/dev/null | LC_ALL=C sort | awk 'NR <= 400' >"$work/pdfs.list"
{ find /usr/share/doc -name copyright -type f; find /usr/share/common-licenses -type f; } 2>/dev/null | LC_ALL=C sort >"$work/copyright.list"
for corpus in pdfs copyright; do
  xargs -d '\n' cat <"$work/$corpus.list" >"$work/evidence/$corpus.raw"
  bytes=$(stat -c %s "$work/evidence/$corpus.raw")
  "$trawl" scan "$work/evidence/$corpus.raw" -o "$work/$corpus.out" --carve none --find phone --hash none >/dev/null 2>&1
  phones=$(grep -vc '^#' "$work/$corpus.out/features/phone.txt" || true)
  awk -v c="$corpus" -v n="$(wc -l <"$work/$corpus.list")" -v b="$bytes" -v p="$phones" \
    'BEGIN { printf "%-10s %5d files %6.1f MB  %7d phones  %8.1f per 100 MB\n", c, n, b / 1e6, p, p * 1e8 / b }'
  head -10 "$work/$corpus.out/features/phone_histogram.txt" | sed 's/^/    /'
done
