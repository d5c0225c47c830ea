#!/usr/bin/env bash
# Image and block hashing against the tools users would otherwise run, side by side, with ratios.
#
#   bench/compare_hashing.sh [IMAGE] [--runs N]
#
# Without IMAGE, makes a 2 GiB random file under $TMPDIR (removed afterwards). The file is read
# once beforehand so that every run finds it in the page cache. Each figure is the median of N
# runs (default 3). Prints:
#   1. wall time of `md5sum` vs `trawl scan --hash md5,sha1,sha256` with every other stage off
#      (goal: trawl / md5sum <= 1.15, i.e. three hashes in the time of one);
#   2. `openssl speed -evp sha256` (16 KiB blocks) vs trawl's CPU block SHA-256 per core at
#      4 KiB and 16 KiB blocks (goal: >= 0.9);
#   3. when installed: hashdeep and dc3dd doing md5+sha1+sha256, for reference.
set -euo pipefail
cd "$(dirname "$0")/.."
trawl=${TRAWL:-build/host/trawl}
bench=${TRAWL_BENCH:-build/bench/trawl_bench_hashing}
runs=3
image=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    *) image=$1; shift ;;
  esac
done
[[ -x "$trawl" && -x "$bench" ]] || { echo "build first: scripts/build.sh" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -z "$image" ]]; then
  mkdir -p "$work/evidence"
  image="$work/evidence/random-2GiB.img"  # apart from the outputs: trawl refuses output beside evidence
  head -c $((2 << 30)) /dev/urandom >"$image"
fi
cat "$image" >/dev/null
bytes=$(stat -c %s "$image")

# median wall seconds of a command over $runs runs
median() {
  local times=()
  for ((i = 0; i < runs; i++)); do
    rm -rf "$work/out"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

mbps() { echo "scale=0; $bytes / $1 / 1000000" | bc -l; }

echo "image: $image ($bytes bytes, in page cache), $(nproc) cores, median of $runs runs"
echo
t_md5=$(median md5sum "$image")
t_trawl=$(median "$trawl" scan "$image" -o "$work/out" --hash md5,sha1,sha256 --block-hash none --find none --carve none -q)
printf '%-52s %8.2f s %6s MB/s\n' "md5sum" "$t_md5" "$(mbps "$t_md5")"
printf '%-52s %8.2f s %6s MB/s\n' "trawl scan --hash md5,sha1,sha256, other stages off" "$t_trawl" "$(mbps "$t_trawl")"
if command -v hashdeep >/dev/null; then
  t=$(median hashdeep -c md5,sha1,sha256 "$image")
  printf '%-52s %8.2f s %6s MB/s\n' "hashdeep -c md5,sha1,sha256" "$t" "$(mbps "$t")"
fi
if command -v dc3dd >/dev/null; then
  t=$(median dc3dd if="$image" of=/dev/null hash=md5 hash=sha1 hash=sha256)
  printf '%-52s %8.2f s %6s MB/s\n' "dc3dd hash=md5,sha1,sha256" "$t" "$(mbps "$t")"
fi
t_default=$(median "$trawl" scan "$image" -o "$work/out" --find none --carve none -q)
printf '%-52s %8.2f s %6s MB/s\n' "trawl scan, + SHA-256 of every 4 KiB block" "$t_default" "$(mbps "$t_default")"
printf 'ratio trawl(md5,sha1,sha256) / md5sum = %.3f   (goal <= 1.15)\n' "$(echo "$t_trawl / $t_md5" | bc -l)"
echo

# openssl speed prints "sha256  <16 B> ... <16384 B>" in kB/s (1000 bytes).
openssl_kbps=$(openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | awk '$1 == "sha256" {print $2}' | tr -d k)
openssl_mbps=$(echo "$openssl_kbps / 1000" | bc -l)
json=$("$bench" --benchmark_filter='BlockDigests/sha256/(4096|16384)$' --benchmark_format=json --benchmark_min_time=2 2>/dev/null)
per_core() { echo "$json" | python3 -c "import json,sys; d=json.load(sys.stdin); print([b['bytes_per_second'] for b in d['benchmarks'] if b['name'].endswith('/$1')][0] / 1e6)"; }
b4=$(per_core 4096)
b16=$(per_core 16384)
printf '%-52s %8.0f MB/s\n' "openssl speed -evp sha256 (16 KiB blocks, 1 core)" "$openssl_mbps"
printf '%-52s %8.0f MB/s  ratio %.3f\n' "trawl CPU block SHA-256, 4 KiB blocks, 1 core" "$b4" "$(echo "$b4 / $openssl_mbps" | bc -l)"
printf '%-52s %8.0f MB/s  ratio %.3f\n' "trawl CPU block SHA-256, 16 KiB blocks, 1 core" "$b16" "$(echo "$b16 / $openssl_mbps" | bc -l)"
echo "(goal: block SHA-256 per core >= 0.9 x openssl speed)"
