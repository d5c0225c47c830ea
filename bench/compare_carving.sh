#!/usr/bin/env bash
# Carving side by side: trawl (CPU backend, hashing and identifier search off), foremost (all
# types), scalpel (every rule of /etc/scalpel/scalpel.conf) and photorec (every file type,
# non-interactive) on one generated image of real files (scripts/make-corpus.py), each timed
# and scored against the image's manifest (scripts/score-carving.py).
#   bench/compare_carving.sh [SIZE] [SEED]        default 1G, seed 1
# WORK (default /tmp/trawl-carving-bench) keeps the image between runs. Carved files go to OUT
# (default /dev/shm/trawl-carving-bench, a RAM file system, the same for every tool, so that
# creating thousands of files on a disk does not decide the timings). The image is read once
# before the runs, so every tool reads it from the page cache. trawl and foremost: median of 3.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
seed=${2:-1}
work=${WORK:-/tmp/trawl-carving-bench}
out=${OUT:-/dev/shm/trawl-carving-bench}
[[ -d /dev/shm ]] || out=${OUT:-$work/out}
scripts/setup.sh --bench-tools
trawl=${TRAWL:-build/host/trawl}
[[ -x $trawl ]] || scripts/build.sh >/dev/null
mkdir -p "$work" "$out"
image="$work/image-$size-$seed.raw"
if [[ ! -f $image || ! -f $image.json ]]; then
  python3 scripts/make-corpus.py --size "$size" --seed "$seed" --out "$image"
fi
cat "$image" >/dev/null

# run NAME REPEAT COMMAND...: the median wall seconds of REPEAT runs into $work/NAME.time (each run
# from an empty output folder), output of the last in $work/NAME.log
run() {
  local name=$1 repeat=$2
  shift 2
  local times=()
  for ((i = 0; i < repeat; ++i)); do
    rm -rf "${out:?}/$name"
    mkdir -p "$out/$name"
    sync
    local start end
    start=$(date +%s.%N)
    (cd "$out/$name" && "$@") >"$work/$name.log" 2>&1 || echo "compare: $name exited with $?" >&2
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' >"$work/$name.time"
  echo "compare: $name ${times[*]} s (median $(cat "$work/$name.time"))" >&2
}

abs_trawl=$(realpath "$trawl")
run trawl 3 "$abs_trawl" scan "$image" -o "$out/trawl/run" --backend cpu --hash none --block-hash none --find none -q
run foremost 3 foremost -t all -Q -i "$image" -o "$out/foremost/run"
# Scalpel: SCALPEL_RULES=corpus (default) uncomments the stock rules for the formats the image
# holds; SCALPEL_RULES=all uncomments every rule. With every rule, scalpel wrote 23 GB in 100 s
# for a 1 GiB image (2-byte headers such as pgp's, 50 MB per MPEG hit) until the kernel killed it
# for memory; so its output goes to disk under WORK, and a watchdog stops it past 8 GB.
rules='gif|jpg|png|bmp|tif|avi|wav|pdf|zip'
[[ ${SCALPEL_RULES:-corpus} == all ]] && rules='[a-zA-Z0-9]+'
sed -E "s/^#[[:space:]]*(($rules)[[:space:]]+[yYnN][[:space:]]+[0-9])/\\1/" /etc/scalpel/scalpel.conf >"$work/scalpel.conf"
scalpel_out="$work/scalpel-out"
rm -rf "$scalpel_out"
watch_scalpel() {
  while sleep 5; do
    [[ -d $scalpel_out ]] || continue
    if (($(du -sm "$scalpel_out" | cut -f1) > 8192)); then
      echo "compare: scalpel stopped: more than 8 GB of output" >&2
      pkill -x scalpel || true
      return
    fi
  done
}
watch_scalpel &
watchdog=$!
run scalpel 1 scalpel -c "$work/scalpel.conf" -o "$scalpel_out" "$image"
kill "$watchdog" 2>/dev/null || true
mkdir -p "$scalpel_out"
# photorec keeps its log and session file (photorec.ses, which a later run would resume) in the
# current folder: run() gives it a fresh one.
run photorec 1 photorec /log /d "$out/photorec/recup" /cmd "$image" partition_none,options,mode_ext2,fileopt,everything,enable,search

for tool in trawl foremost scalpel photorec; do
  dir="$out/$tool/run"
  [[ $tool == scalpel ]] && dir=$scalpel_out
  [[ $tool == photorec ]] && dir="$out/photorec"
  python3 scripts/score-carving.py "$image.json" "$dir" --tool "$tool" --json >"$work/$tool.score.json"
done
rm -rf "$scalpel_out"

python3 - "$work" "$image" <<'PY'
import json, os, sys
work, image = sys.argv[1], sys.argv[2]
size = os.path.getsize(image)
tools = ["trawl", "foremost", "scalpel", "photorec"]
s = {t: json.load(open(os.path.join(work, t + ".score.json"))) for t in tools}
secs = {t: float(open(os.path.join(work, t + ".time")).read()) for t in tools}
print("image: %s (%.2f GiB, %d files)" % (image, size / 2**30, len(json.load(open(image + ".json"))["files"])))
print()
print("| tool | wall s | MB/s | contiguous files byte-exact | outputs | junk (match nothing) |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for t in tools:
    junk = sum(s[t]["junk"].values())
    nested = sum(s[t]["nested"].values())
    extra = " (+%d nested, parent named)" % nested if nested else ""
    print("| %s | %.2f | %.0f | %d / %d | %d | %d%s |" % (t, secs[t], size / secs[t] / 1e6, s[t]["exact_total"],
          s[t]["contiguous_total"], s[t]["outputs"], junk, extra))
print()
types = sorted(s["trawl"]["per_type"])
print("| type | contiguous | " + " | ".join(tools) + " |")
print("| --- | ---: | " + " | ".join("---:" for _ in tools) + " |")
for ty in types:
    n = s["trawl"]["per_type"][ty].get("contiguous", 0)
    print("| %s | %d | %s |" % (ty, n, " | ".join("%d" % s[t]["per_type"].get(ty, {}).get("exact", 0) for t in tools)))
print()
print("trawl/foremost wall time: %.3f" % (secs["trawl"] / secs["foremost"]))
PY
