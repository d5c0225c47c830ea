#!/usr/bin/env bash
# Many small images: one batch (`trawl scan --manifest`, images side by side, rules compiled
# once) against the same images scanned one `trawl scan` at a time, with the ratio.
#
#   bench/compare_batch.sh [--images N] [--size SIZE] [--runs R]
#
# Makes N devices (default 16) of SIZE (default 32M) with tests/slurm/make_devices.py (random
# bytes, planted identifiers, a gzip stream, a PNG), all stages on (default options). Goal:
# batch / sequential <= 0.6. Each figure is the median of R runs (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
trawl=${TRAWL:-build/host/trawl}
images=16 size=32M runs=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images) images=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "compare_batch: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$trawl" ]] || { echo "build first: scripts/build.sh" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 tests/slurm/make_devices.py "$work/img" --devices "$images" --size "$size"
cat "$work"/img/*.raw >/dev/null

median() {
  local times=()
  for ((i = 0; i < runs; i++)); do
    rm -rf "$work/out"
    local t0 t1
    t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}
sequential() {
  mkdir -p "$work/out"
  for f in "$work"/img/*.raw; do "$trawl" scan "$f" -o "$work/out/$(basename "$f")" -q; done
}
batch() { "$trawl" scan --manifest "$work/img/manifest.csv" -o "$work/out" -q; }

echo "trawl batch vs one scan per image: $images images of $size, $(nproc) cores, median of $runs"
seq_s=$(median sequential)
batch_s=$(median batch)
printf '%-34s %8.2f s\n' "$images x trawl scan IMAGE" "$seq_s" "trawl scan --manifest (batch)" "$batch_s"
printf 'ratio batch / sequential            %8.3f   (goal <= 0.6)\n' "$(echo "$batch_s / $seq_s" | bc -l)"
