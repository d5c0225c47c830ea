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
# figure is the median of N runs (default 3). Every trawl run computes MD5 and SHA-1 and has the
# other stages off (--hash md5,sha1 --block-hash none --find none --carve none): on an E01 trawl
# always computes the digests the image stores, to verify them, so the raw run does the same work.
# Prints wall time and MB/s (of image bytes), and CPU seconds (all threads) and MB per CPU-second,
# which stay meaningful on a busy machine, for:
#   1. ewfexport -f raw -t - (to /dev/null): libewf, one thread, plus the MD5 it always computes
#      (on the same thread);
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

# "wall cpu": the median wall seconds of a command over $runs runs, and the CPU seconds (user +
# system, all threads) of that run. CPU seconds show the work done even on a busy machine.
measure() {
  local runs_out=()
  for ((i = 0; i < runs; i++)); do
    rm -rf "$work/out"
    runs_out+=("$(python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.3f" % (time.monotonic() - t, r.ru_utime + r.ru_stime))' "$@")")
  done
  printf '%s\n' "${runs_out[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}
mbps() { echo "scale=0; $bytes / $1 / 1000000" | bc -l; }
row() {  # label, "wall cpu"
  local wall=${2% *} cpu=${2#* }
  printf '%-44s %7.2f s %6s MB/s   cpu %6.2f s %6s MB/cpu-s\n' "$1" "$wall" "$(mbps "$wall")" "$cpu" "$(mbps "$cpu")"
}
read_only=(--hash md5,sha1 --block-hash none --find none --carve none -q)

echo "image: $bytes bytes raw, E01 $e01_bytes bytes (deflate $compression, ratio $(echo "scale=2; $e01_bytes / $bytes" | bc -l)),"
echo "       in page cache; $(nproc) cores; median of $runs runs"
echo
m_export=$(measure ewfexport -u -q -f raw -t - "$e01")
m_one=$(measure "$trawl" scan "$e01" -o "$work/out" "${read_only[@]}" --decode-threads 1)
m_n=$(measure "$trawl" scan "$e01" -o "$work/out" "${read_only[@]}" --decode-threads "$threads")
m_raw=$(measure "$trawl" scan "$raw" -o "$work/out" "${read_only[@]}")
row "ewfexport -f raw -t - > /dev/null" "$m_export"
row "trawl scan E01, 1 decode thread" "$m_one"
row "trawl scan E01, $threads decode threads" "$m_n"
row "trawl scan raw" "$m_raw"
t_export=${m_export% *} t_one=${m_one% *} t_n=${m_n% *} t_raw=${m_raw% *}
printf 'speed-up trawl E01 %s threads / 1 thread     = %.2f\n' "$threads" "$(echo "$t_one / $t_n" | bc -l)"
printf 'speed-up trawl E01 %s threads / ewfexport    = %.2f\n' "$threads" "$(echo "$t_export / $t_n" | bc -l)"
printf 'time     trawl E01 %s threads / trawl raw    = %.2f\n' "$threads" "$(echo "$t_n / $t_raw" | bc -l)"
