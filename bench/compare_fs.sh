#!/usr/bin/env bash
# What file-system mapping costs: `trawl scan` of one ext4 image full of small files, with the
# mapping on (--fs auto: The Sleuth Kit walks the file system before the pass, every finding
# gets its file, files are hashed from the pass's chunks) and off (--fs off), the other options
# the same (CPU backend, the default hashes, identifier search and carving). Prints the medians
# and the ratio; also the mapping alone (--fs auto --no-file-hashes).
#   bench/compare_fs.sh [SIZE_MIB] [FILES] [DATA_MIB]   default: 1400 MiB image, 60000 files, 990 MiB of text
# WORK (default /tmp/trawl-fs-bench) keeps the image between runs; outputs go to OUT (default
# /dev/shm/trawl-fs-bench). The image is read once before the runs (page cache).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1400}
count=${2:-60000}
data_mib=${3:-990}
work=${WORK:-/tmp/trawl-fs-bench}
out=${OUT:-/dev/shm/trawl-fs-bench}
[[ -d /dev/shm ]] || out=${OUT:-$work/out}
scripts/setup.sh
trawl=${TRAWL:-build/host/trawl}
[[ -x $trawl ]] || scripts/build.sh >/dev/null
repeat=${REPEAT:-3}
mkdir -p "$work" "$out"
image="$work/ext4-$size_mib-$count-$data_mib.img"
if [[ ! -f $image ]]; then
  tree="$work/tree-$count-$data_mib"
  # Small files (DATA_MIB/FILES bytes on average, text with an e-mail address or phone number
  # in some), 100 per folder. Made once; kept until the image is made.
  [[ -f $tree/.done ]] || python3 - "$tree" "$count" "$data_mib" <<'PY'
import os, random, sys
root, count, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) << 20
rng = random.Random(1)
words = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randint(2, 9))) for _ in range(5000)]
mean = budget // count
for i in range(count):
    d = os.path.join(root, f"d{i // 100:04d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    size = rng.randint(mean // 8, mean * 15 // 8)
    text = []
    n = 0
    while n < size:
        w = rng.choice(words)
        text.append(w)
        n += len(w) + 1
        if rng.random() < 0.001:
            s = f"user{rng.randint(0, 99999)}@example-{rng.randint(0, 99)}.org" if rng.random() < 0.5 else f"+41 44 {rng.randint(200, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            text.append(s)
            n += len(s) + 1
    with open(os.path.join(d, f"f{i:06d}.txt"), "w") as f:
        f.write(' '.join(text)[:size])
open(os.path.join(root, ".done"), "w").close()
PY
  rm -f "$image.tmp"
  truncate -s "${size_mib}M" "$image.tmp"
  mkfs.ext4 -q -F -d "$tree" "$image.tmp"
  mv "$image.tmp" "$image"
  rm -rf "$tree"
fi
cat "$image" >/dev/null

# once NAME OPTIONS...: one timed run, its wall seconds appended to $work/NAME.times
once() {
  local name=$1
  shift
  rm -rf "${out:?}/$name"
  local TIMEFORMAT='%R %U %S' t
  # wall, and CPU seconds (user + system: less sensitive to other load on a shared machine)
  t=$( { time "$trawl" scan "$image" -o "$out/$name" --backend cpu -q "$@" 2>/dev/null || echo "compare_fs: $name failed" >&2; } 2>&1 )
  echo "$t" | awk '{print $1}' >>"$work/$name.times"
  echo "$t" | awk '{print $2 + $3}' >>"$work/$name.cpu"
}
median() {
  sort -g "$work/$1.times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' >"$work/$1.time"
  sort -g "$work/$1.cpu" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' >"$work/$1.cputime"
}

# Interleaved, so that a change in machine load hits every variant alike.
rm -f "$work"/*.times "$work"/*.cpu
for ((i = 0; i < repeat; ++i)); do
  once off --fs off
  once auto --fs auto
  once map-only --fs auto --no-file-hashes
done
for name in off auto map-only; do
  median "$name"
  echo "compare_fs: $name wall $(tr '\n' ' ' <"$work/$name.times")s (median $(cat "$work/$name.time")); cpu $(tr '\n' ' ' <"$work/$name.cpu")s (median $(cat "$work/$name.cputime"))" >&2
done
off=$(cat "$work/off.time")
auto=$(cat "$work/auto.time")
map=$(cat "$work/map-only.time")
files=$(python3 -c "import json;print(json.load(open('$out/auto/summary.json'))['filesystems'][0]['files'])")
hashed=$(python3 -c "import json;print(json.load(open('$out/auto/summary.json'))['filesystem']['files_hashed'])")
mapping=$(python3 -c "import json;print(round(json.load(open('$out/auto/summary.json'))['timings']['stages_busy_s'].get('filesystem', 0), 2))")
echo "image      $image ($(du -h --apparent-size "$image" | cut -f1), $files names, $hashed files hashed)"
off_cpu=$(cat "$work/off.cputime")
auto_cpu=$(cat "$work/auto.cputime")
map_cpu=$(cat "$work/map-only.cputime")
echo "                          wall (ratio)          CPU user+sys (ratio)"
echo "fs off                    ${off} s              ${off_cpu} s"
echo "fs auto                   ${auto} s ($(echo "scale=3; $auto / $off" | bc))   ${auto_cpu} s ($(echo "scale=3; $auto_cpu / $off_cpu" | bc))"
echo "fs auto --no-file-hashes  ${map} s ($(echo "scale=3; $map / $off" | bc))   ${map_cpu} s ($(echo "scale=3; $map_cpu / $off_cpu" | bc))"
echo "TSK walk before the pass: ${mapping} s"
