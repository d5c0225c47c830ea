#!/usr/bin/env bash
# Peak memory and time of `trawl scan` with default options on a worst-case image
# (bench/make_worst_case.py: a signature start every 3 or 4 bytes, endless digit runs, ZIP
# archives holding gzip members back to back, holes). Prints peak RSS (GNU time) and wall time,
# and fails when the RSS passes the bound documented in docs/reliability.md.
#   bench/worst_case_memory.sh                 4 GiB image
#   bench/worst_case_memory.sh 256M            a smaller one (CI: the test bench.worst_case_memory)
#   bench/worst_case_memory.sh --linear 256M   also twice that size: fails when the time more than
#                                              2.5x (a stage that is quadratic in the input)
# TRAWL (default build/host/trawl), WORK (default a temporary folder; the image is kept there).
set -euo pipefail
cd "$(dirname "$0")/.."
linear=0
[[ "${1:-}" == "--linear" ]] && { linear=1; shift; }
size=${1:-4G}
trawl=$(realpath "${TRAWL:-build/host/trawl}")
[[ -x "$trawl" ]] || { echo "build first: scripts/build.sh" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (scripts/setup.sh installs it)" >&2; exit 2; }
work=${WORK:-$(mktemp -d)}
[[ -n "${WORK:-}" ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/evidence"

# The bound (docs/reliability.md): the chunk ring, buffers x (page + 2 x margin) = 6 x 18 MiB,
# plus per-stage bounds: decoding 2 x 16 MiB per identifier worker (a stream and one inside
# it), the carve stage's 64 queued jobs and 1 MiB write buffer per writer, and the fixed part
# (Hyperscan databases and scratch, libphonenumber's metadata, the binary): 1 GiB in all.
bound_kb=${TRAWL_RSS_BOUND_KB:-$((1024 * 1024))}

# Runs one scan; prints "SECONDS RSS_KB".
measure() {
  local image=$1 out=$2
  rm -rf "$out"
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$trawl" scan "$image" -o "$out" -q || {
    local rc=$?
    echo "worst_case_memory: trawl scan failed (exit $rc)" >&2
    exit 1
  }
  cat "$work/time.txt"
}

run_size() {
  local s=$1 image="$work/evidence/worst-case-$1.raw"
  [[ -f "$image" ]] || python3 bench/make_worst_case.py "$image" "$s"
  read -r seconds rss_kb < <(measure "$image" "$work/out-$s")
  echo "worst_case_memory: $s image: peak RSS $((rss_kb / 1024)) MiB (bound $((bound_kb / 1024)) MiB), wall ${seconds} s" \
       "($(nproc) cores; trawl $(basename "$trawl"))"
  if ((rss_kb > bound_kb)); then
    echo "worst_case_memory: peak RSS over the bound" >&2
    exit 1
  fi
  last_seconds=$seconds
}

run_size "$size"
if ((linear)); then
  first=$last_seconds
  bytes=$(python3 -c "import sys; t=sys.argv[1]; u={'K':1<<10,'M':1<<20,'G':1<<30}; print(int(t[:-1])*u[t[-1].upper()] if t[-1].upper() in u else int(t))" "$size")
  run_size "$((bytes * 2))"
  ratio=$(echo "scale=2; $last_seconds / $first" | bc -l)
  echo "worst_case_memory: twice the size took ${ratio}x the time"
  if (($(echo "$ratio > 2.5" | bc -l))); then
    echo "worst_case_memory: time grows faster than the input (quadratic stage?)" >&2
    exit 1
  fi
fi
