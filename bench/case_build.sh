#!/usr/bin/env bash
# How long `trawl case build` and `trawl case correlate` take on a case of many devices:
# DEVICES generated 4 MiB images (default 16), each with 6,250 identifiers (phones, e-mails,
# URLs, advertising ids) drawn from one pool of 8,000, so that most are shared; ~100k feature
# records in all. Each image is scanned (identifiers only), then the case is built RUNS times
# (default 3) and correlated once; prints wall, user and system seconds of each.
#   bench/case_build.sh [DEVICES] [RUNS]
# WORK (default /tmp/trawl-case-bench) keeps the images and scans between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-16}
runs=${2:-3}
work=${WORK:-/tmp/trawl-case-bench}
trawl=$(realpath "${TRAWL:-build/host/trawl}")
[[ -x $trawl ]] || { echo "build trawl first (scripts/build.sh)" >&2; exit 2; }
mkdir -p "$work"
cd "$work"
if [[ ! -d scans-$devices ]]; then
  python3 - "$devices" <<'PY'
import random, sys
devices = int(sys.argv[1])
r = random.Random(7)
pool = []
for i in range(8000):
    k = r.randrange(4)
    if k == 0:
        pool.append(b" +33 6 %02d %02d %02d %02d " % tuple(r.randrange(100) for _ in range(4)))
    elif k == 1:
        pool.append(b" user%d@mail%d.example.com " % (i, i % 50))
    elif k == 2:
        pool.append(b" https://site%d.example.org/p/%d " % (i % 300, i))
    else:
        pool.append(b" gaid=%08x-%04x-4%03x-8%03x-%012x " % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(12),
                                                         r.getrandbits(12), r.getrandbits(48)))
for d in range(devices):
    rr = random.Random(100 + d)
    image = bytearray(rr.randbytes(4 << 20))
    step = (4 << 20) // 6300
    for j in range(6250):
        text = pool[rr.randrange(len(pool))]
        image[j * step:j * step + len(text)] = text
    open("img%02d.raw" % d, "wb").write(image)
PY
  for image in img*.raw; do
    "$trawl" scan "$image" -o "scans-$devices/${image%.raw}" --carve none --block-hash none --hash md5 -q 2>/dev/null
  done
fi
echo "features: $(cat scans-"$devices"/*/features/features.jsonl | wc -l) records in $devices folders"
for ((i = 1; i <= runs; i++)); do
  rm -f case.db
  /usr/bin/time -f "case build: wall %e s, user %U s, sys %S s, max RSS %M KB" "$trawl" case build scans-"$devices"/* -o case.db -q
done
echo "database: $(stat -c %s case.db) bytes"
/usr/bin/time -f "case correlate: wall %e s, user %U s, sys %S s, max RSS %M KB" "$trawl" case correlate case.db -o report --force -q
