#!/usr/bin/env bash
# Reading a compressed E01 (Expert Witness) image: trawl against ewfexport, and against trawl on
# the same image raw, side by side, with ratios.
#
#   bench/compare_e01.sh [--size MiB] [--runs N] [--threads N] [--compression fast|best]
#
# Makes a compressible raw image of --size MiB (default 1024) under $TMPDIR (removed afterwards):
# a realistic mix of 1 MiB stretches, a quarter random (photos, encrypted or compressed files),
# a quarter text (logs, mail, HTML), a quarter zeros (unallocated space) and a quarter
# structured binary (database pages, executables: repetitive records with varying fields).
# ewfacquire turns it into an E01 (deflate, --compression, 1.4 GiB segments, 32 KiB chunks).
# The files are read once beforehand so that every run finds them in the page cache. Each
# figure is the median of N runs (default 3). Every trawl run has all stages off but the read
# (--hash none --block-hash none --find none --carve none), so it measures reading and inflating.
# Prints wall time and MB/s (of image bytes) for:
#   1. ewfexport -f raw -t - (to /dev/null): libewf, one thread, plus the MD5 it always computes;
#   2. trawl scan on the E01 with 1 decode thread and with --threads decode threads (default nproc);
#   3. trawl scan on the raw image;
# and the ratios trawl(E01, N) / ewfexport and trawl(E01, N) / trawl(raw).
set -euo pipefail
cd "$(dirname "$0")/.."
trawl=${TRAWL:-build/host/trawl}
size_mib=1024
runs=3
threads=$(nproc)
compression=fast
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) size_mib=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --compression) compression=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x "$trawl" ]] || { echo "build first: scripts/build.sh" >&2; exit 2; }
command -v ewfacquire >/dev/null && command -v ewfexport >/dev/null || { echo "needs ewf-tools (scripts/setup.sh)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
raw="$work/disk.raw"
python3 - "$raw" "$size_mib" <<'EOF'
import os, random, struct, sys
path, mib = sys.argv[1], int(sys.argv[2])
rng = random.Random(2026)
M = 1 << 20
words = ("the of and to in is was for on that with by from at as an be this which or are have "
         "invoice payment account customer order shipped delivered error warning info debug user "
         "session login logout request response server client mail example org com net").split()
def text_block():
    lines, n = [], 0
    while n < M:
        line = "%04d-%02d-%02d %02d:%02d:%02d host%d %s user%d@example.org +33 6 %02d %02d %02d %02d\n" % (
            rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59),
            rng.randint(0, 59), rng.randint(1, 40), " ".join(rng.choice(words) for _ in range(rng.randint(4, 14))),
            rng.randint(1, 500), rng.randint(0, 99), rng.randint(0, 99), rng.randint(0, 99), rng.randint(0, 99))
        lines.append(line); n += len(line)
    return "".join(lines).encode()[:M]
def record_block():
    out = bytearray()
    while len(out) < M:
        out += struct.pack("<IIQd16s", len(out), rng.randint(0, 1000), rng.getrandbits(20), rng.random() * 100,
                           rng.choice(words).encode().ljust(16, b"\0"))
    return bytes(out[:M])
# Pools of distinct blocks, mixed in a random order (chunks are compressed independently, so
# repeating a 1 MiB block does not help the compressor).
pools = {"random": [os.urandom(M) for _ in range(16)], "text": [text_block() for _ in range(16)],
         "zero": [bytes(M)], "record": [record_block() for _ in range(16)]}
kinds = list(pools)
with open(path, "wb") as f:
    for i in range(mib):
        f.write(rng.choice(pools[rng.choice(kinds)]))
EOF
ewfacquire -u -q -t "$work/disk" -c "$compression" -f encase6 "$raw" >/dev/null
e01="$work/disk.E01"
cat "$raw" "$work"/disk.E* >/dev/null
bytes=$(stat -c %s "$raw")
e01_bytes=$(cat "$work"/disk.E* | wc -c)

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
read_only=(--hash none --block-hash none --find none --carve none -q)

echo "image: $bytes bytes raw, E01 $e01_bytes bytes (deflate $compression, ratio $(echo "scale=2; $e01_bytes / $bytes" | bc -l)),"
echo "       in page cache; $(nproc) cores; median of $runs runs"
echo
t_export=$(median ewfexport -u -q -f raw -t - "$e01")
t_one=$(median "$trawl" scan "$e01" -o "$work/out" "${read_only[@]}" --decode-threads 1)
t_n=$(median "$trawl" scan "$e01" -o "$work/out" "${read_only[@]}" --decode-threads "$threads")
t_raw=$(median "$trawl" scan "$raw" -o "$work/out" "${read_only[@]}")
printf '%-52s %8.2f s %6s MB/s\n' "ewfexport -f raw -t - > /dev/null" "$t_export" "$(mbps "$t_export")"
printf '%-52s %8.2f s %6s MB/s\n' "trawl scan E01, 1 decode thread" "$t_one" "$(mbps "$t_one")"
printf '%-52s %8.2f s %6s MB/s\n' "trawl scan E01, $threads decode threads" "$t_n" "$(mbps "$t_n")"
printf '%-52s %8.2f s %6s MB/s\n' "trawl scan raw" "$t_raw" "$(mbps "$t_raw")"
printf 'speed-up trawl E01 %s threads / 1 thread     = %.2f\n' "$threads" "$(echo "$t_one / $t_n" | bc -l)"
printf 'speed-up trawl E01 %s threads / ewfexport    = %.2f\n' "$threads" "$(echo "$t_export / $t_n" | bc -l)"
printf 'time     trawl E01 %s threads / trawl raw    = %.2f\n' "$threads" "$(echo "$t_n / $t_raw" | bc -l)"
