#!/usr/bin/env bash
# Known-block matching throughput: `trawl scan --known-blocks` with --block-step 512 (a lookup at
# every sector) against --block-step 4096 (block-aligned copies only), on one generated image with
# known files planted at sector offsets, and the same scan without a database for reference.
# Everything else is off (image and block hashes, carving, identifier search), CPU backend.
#   bench/compare_known.sh [SIZE] [THREADS]     default 1G, 0 (one per core)
# WORK (default /tmp/trawl-known-bench) keeps the image and the database between runs; the scans
# write to OUT (default /tmp/trawl-known-bench-out). The image is read once first, so every run
# reads it from the page cache. Median of 3 runs each, by wall time, with that run's CPU seconds
# (user + system: what the figure would be on an idle machine when the two differ).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
threads=${2:-0}
work=${WORK:-/tmp/trawl-known-bench}
out=${OUT:-/tmp/trawl-known-bench-out}
trawl=${TRAWL:-build/host/trawl}
[[ -x $trawl ]] || scripts/build.sh >/dev/null
mkdir -p "$work/known"
image="$work/image-$size.raw"
if [[ ! -f $image || ! -f $work/known.tdb ]]; then
  python3 - "$image" "$size" "$work/known" <<'PY'
import os, random, sys
path, size, known = sys.argv[1], sys.argv[2], sys.argv[3]
units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
n = int(size[:-1]) * units[size[-1]] if size[-1] in units else int(size)
rng = random.Random(1)
# 64 known files of 64 KiB..4 MiB; half of them are planted whole, at sector offsets.
files = []
for i in range(64):
    data = rng.randbytes(rng.randrange(64 << 10, 4 << 20))
    with open(os.path.join(known, f"known-{i:02d}.bin"), "wb") as f:
        f.write(data)
    files.append(data)
with open(path, "wb") as out:
    # Random bytes first, so that the image is not mostly zeros (sparse, cheap to read) ...
    chunk = 64 << 20
    for pos in range(0, n, chunk):
        out.write(rng.randbytes(min(chunk, n - pos)))
    # ... then the planted files over them.
    step = n // 40
    for k, data in enumerate(files[:32]):
        at = (k * step + rng.randrange(0, 1024) * 512) % (n - len(data))
        out.seek(at - at % 512)
        out.write(data)
PY
  "$trawl" hashdb build "$work/known" -o "$work/known.tdb"
fi
cat "$image" >/dev/null

# "wall cpu" seconds of the median (by wall time) of 3 scans
run() {
  local results=()
  for _ in 1 2 3; do
    rm -rf "$out"
    local TIMEFORMAT='%R %U %S'
    { time "$trawl" scan "$image" -o "$out" --hash none --block-hash none --carve none --find none --backend cpu \
        --threads "$threads" --progress none "$@" >"$work/last.log" 2>"$work/last.err"; } 2>"$work/time.txt"
    results+=("$(awk '{ printf "%.2f %.2f", $1, $2 + $3 }' "$work/time.txt")")
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n 2p
}

bytes=$(stat -c %s "$image")
printf '%-22s %8s %8s %10s %12s\n' "scan of $size" wall_s cpu_s "MB/s" "MB/cpu-s"
for mode in none 4096 512; do
  if [[ $mode == none ]]; then
    label="no database"
    read -r wall cpu < <(run)
  else
    label="--block-step $mode"
    read -r wall cpu < <(run --known-blocks "$work/known.tdb" --block-step "$mode")
    found=$(wc -l <"$out/known/files.jsonl")
  fi
  printf '%-22s %8.2f %8.2f %10.0f %12.0f\n' "$label" "$wall" "$cpu" "$(awk -v b="$bytes" -v t="$wall" 'BEGIN { print b / t / 1e6 }')" \
    "$(awk -v b="$bytes" -v t="$cpu" 'BEGIN { print b / t / 1e6 }')"
done
echo "known files found at step 512: $found of 32 planted ($out/known/files.jsonl)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
