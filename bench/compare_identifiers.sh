#!/usr/bin/env bash
# Identifier search throughput per core, against grep -P with equivalent patterns on the same
# image, and against bulk_extractor's published 3-5 MB/s per core (it is not packaged in Debian 12;
# ../shared/notes/baselines.md has figures measured elsewhere: 6.2-6.9 MB/s on 2 threads).
#
#   bench/compare_identifiers.sh [IMAGE] [--size 256M]
#
# Without IMAGE, builds a mixed image (real files from /usr/share: binaries, compressed and text,
# plus random filler) with scripts/make-sample.py. trawl runs with every other stage off and one
# worker thread, so its MB/s is per core. Goal: >= 200 MB/s per core with all built-in rules.
set -euo pipefail
cd "$(dirname "$0")/.."
trawl=${TRAWL:-build/host/trawl}
size=256M
image=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    *) image=$1; shift ;;
  esac
done
[[ -x "$trawl" ]] || { echo "build first: scripts/build.sh" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -z "$image" ]]; then
  mkdir -p "$work/evidence"
  image="$work/evidence/mixed.img"  # apart from the outputs: trawl refuses output beside evidence
  python3 scripts/make-sample.py --out "$image" --manifest "$work/manifest.json" --size "$size" --seed 7
fi
cat "$image" >/dev/null
bytes=$(stat -c %s "$image")

seconds() {  # wall seconds of a command, median of 3
  local times=()
  for _ in 1 2 3; do
    rm -rf "$work/out"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}
row() { printf '%-58s %7.2f s %8.1f MB/s\n' "$1" "$2" "$(echo "$bytes / $2 / 1000000" | bc -l)"; }

off="--hash none --block-hash none --carve none --threads 1 --progress none"
echo "image: $image ($bytes bytes, page cache), 1 core each, median of 3"
t_all=$(seconds "$trawl" scan "$image" -o "$work/out" $off)
t_nodecode=$(seconds "$trawl" scan "$image" -o "$work/out" $off --no-decode)
t_phone=$(seconds "$trawl" scan "$image" -o "$work/out" $off --no-decode --find phone)
busy() {  # bytes / the identifier stage's busy seconds (no start-up, no rule compilation)
  rm -rf "$work/out"
  "$trawl" scan "$image" -o "$work/out" $off "$@" >/dev/null 2>&1 || true
  python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['timings']['stages_busy_s']['identifiers'])" "$work/out/summary.json"
}
row "trawl, all built-in rules, + gzip/zlib/ZIP decoding" "$t_all"
row "trawl, all built-in rules (ASCII, UTF-16LE, full-width)" "$t_nodecode"
row "trawl, phone rules only" "$t_phone"
row "  identifier stage alone (busy time), all rules + decoding" "$(busy)"
row "  identifier stage alone (busy time), all rules" "$(busy --no-decode)"

# grep -P, one core, the ASCII forms only of phone, e-mail and URL patterns (no UTF-16, no
# full-width, no validation): already less work than trawl does.
phone='(?:\+|00)[ ]?\(?[1-9](?:[ .\-/()]{0,2}\d){6,14}|\(?0[1-9](?:[ .\-/()]{0,2}\d){7,11}|(?:1[ .\-]?)?\(?[2-9]\d\d\)?[ .\-]?[2-9]\d\d[ .\-]?\d{4}'
email='[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}'
url='(?:https?|ftp)://[A-Za-z0-9\-.]+(?::\d{1,5})?(?:/[A-Za-z0-9\-._~%!$&*+,;=:@/?#]*)?'
# Counted through wc: GNU grep stops at the first match when its output is /dev/null.
grep_all() { LC_ALL=C grep -aoP "$phone|$email|$url" "$image" | wc -l; }
t_grep=$(seconds grep_all)
row "grep -aoP (phone|email|url, ASCII only)" "$t_grep"
printf 'bulk_extractor 2.x, published: 3-5 MB/s per core (all scanners); email+accts only: ~19 MB/s per core\n'
printf 'trawl / grep -P = %.1fx\n' "$(echo "$t_grep / $t_nodecode" | bc -l)"
rm -rf "$work/out"
"$trawl" scan "$image" -o "$work/out" $off >/dev/null 2>&1 || true
python3 - "$work/out/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
ids = s.get("identifiers", {})
busy = s["timings"]["stages_busy_s"]["identifiers"]
searched = s["image"]["size"] + ids.get("decoded_bytes", 0)
print("found:", ", ".join(f"{k} {v}" for k, v in sorted(ids.get("counts", {}).items())),
      f"| {ids.get('decoded_streams', 0)} compressed streams decoded to {ids.get('decoded_bytes', 0) / 1e6:.0f} MB;",
      f"bytes searched (image + decoded) per busy second: {searched / busy / 1e6:.0f} MB/s")
EOF
