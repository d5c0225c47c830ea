#!/usr/bin/env bash
# Fragmented files: trawl's carving with bifragment reassembly on and off, and photorec, on one
# generated image of real files of which about 10 % are split in two (scripts/make-corpus.py).
# Prints the carve stage's busy seconds, the scan's wall seconds and its CPU seconds (user +
# system: the fairest figure on a shared machine) for trawl on/off, and per type the
# split files each recovers byte-exact (scripts/score-carving.py), with the wrong reassemblies
# (outputs marked reassembled that match no original: must be 0).
#   bench/compare_reassembly.sh [SIZE] [SEED]        default 1G, seed 1
# WORK (default /tmp/trawl-reassembly-bench) keeps the image between runs; OUT (default
# /dev/shm/trawl-reassembly-bench) holds the carved files. REPEAT (default 1) trawl runs each,
# the median kept. PHOTOREC=skip reuses $WORK/photorec.score.json from an earlier run.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
seed=${2:-1}
work=${WORK:-/tmp/trawl-reassembly-bench}
out=${OUT:-/dev/shm/trawl-reassembly-bench}
[[ -d /dev/shm ]] || out=${OUT:-$work/out}
repeat=${REPEAT:-1}
trawl=${TRAWL:-build/host/trawl}
[[ -x $trawl ]] || scripts/build.sh >/dev/null
mkdir -p "$work" "$out"
image="$work/image-$size-$seed.raw"
if [[ ! -f $image || ! -f $image.json ]]; then
  python3 scripts/make-corpus.py --size "$size" --seed "$seed" --out "$image"
fi
cat "$image" >/dev/null
abs_trawl=$(realpath "$trawl")

# trawl_run NAME ARGS...: REPEAT runs; the summary of the median (by carve busy seconds) kept.
trawl_run() {
  local name=$1
  shift
  local best=""
  for ((i = 0; i < repeat; ++i)); do
    rm -rf "${out:?}/$name"
    local cpu
    cpu=$(python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime + r.ru_stime)' "$abs_trawl" scan "$image" -o "$out/$name" --backend cpu --hash none --block-hash none --find none -q "$@")
    python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["timings"]; print(t["stages_busy_s"]["carve"], t["wall_s"], sys.argv[2])' \
      "$out/$name/summary.json" "$cpu" >>"$work/$name.times"
  done
  sort -g "$work/$name.times" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}' >"$work/$name.time"
  python3 scripts/score-carving.py "$image.json" "$out/$name" --tool "trawl $name" --json >"$work/$name.score.json"
  echo "compare: trawl $name carve busy/wall s: $(cat "$work/$name.time")" >&2
}
rm -f "$work"/on.times "$work"/off.times
trawl_run off --reassemble off
trawl_run on --reassemble on
if [[ ${PHOTOREC:-run} != skip || ! -f $work/photorec.score.json ]]; then
  scripts/setup.sh --bench-tools
  rm -rf "${out:?}/photorec"
  mkdir -p "$out/photorec"
  (cd "$out/photorec" && photorec /log /d "$out/photorec/recup" /cmd "$image" \
    partition_none,options,mode_ext2,fileopt,everything,enable,search) >"$work/photorec.log" 2>&1 || true
  python3 scripts/score-carving.py "$image.json" "$out/photorec" --tool photorec --json >"$work/photorec.score.json"
fi

python3 - "$work" "$image" <<'PY'
import json, os, sys
work, image = sys.argv[1], sys.argv[2]
s = {t: json.load(open(os.path.join(work, t + ".score.json"))) for t in ("off", "on", "photorec")}
times = {t: [float(x) for x in open(os.path.join(work, t + ".time")).read().split()] for t in ("off", "on")}
print("image: %s (%.2f GiB, %d files, %d split in two)" % (image, os.path.getsize(image) / 2**30,
      len(json.load(open(image + ".json"))["files"]), s["on"]["fragmented_total"]))
print()
print("| trawl | carve stage busy s | scan wall s | scan CPU s | contiguous byte-exact | split byte-exact | reassembled | wrong |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for t in ("off", "on"):
    print("| --reassemble %s | %.1f | %.1f | %.1f | %d / %d | %d / %d | %d | %d |" % (t, times[t][0], times[t][1], times[t][2], s[t]["exact_total"],
          s[t]["contiguous_total"], s[t]["fragmented_exact_total"], s[t]["fragmented_total"], s[t]["reassembled"],
          s[t]["reassembled_wrong"]))
print()
print("| type | split | gap <= 1 MiB | trawl on | trawl off | photorec |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for ty in sorted(s["on"]["per_type"]):
    c = s["on"]["per_type"][ty]
    if not c.get("fragmented"):
        continue
    print("| %s | %d | %d | %d | %d | %d |" % (ty, c["fragmented"], c.get("frag_1M", 0), c.get("fragmented_exact", 0),
          s["off"]["per_type"].get(ty, {}).get("fragmented_exact", 0),
          s["photorec"]["per_type"].get(ty, {}).get("fragmented_exact", 0)))
PY
