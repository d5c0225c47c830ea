#!/usr/bin/env bash
# The media carvers (ogg, mp3, amr, adts, flac, matroska, mpeg-ps) on random bytes: false carves
# (must be 0) and the carve stage's cost, with and without them.
#   bench/media_carving.sh [SIZE_MIB] [IMAGE]     default 1024 MiB of seeded random bytes
# IMAGE: measure on that image instead (e.g. one of scripts/make-corpus.py) for the speed part.
# Prints per media type the signature hits and carves, then the carve stage's busy seconds
# (summary.json timings.stages_busy_s.carve), median of REPEAT (default 3) runs each, for the 17
# formats before the media carvers (`--carve jpeg,...,elf`) and for `--carve all`, run in turns.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
trawl=${TRAWL:-build/host/trawl}
work=${WORK:-/tmp/trawl-media-bench}
repeat=${REPEAT:-3}
mkdir -p "$work"
out=${OUT:-$work/out}  # outside the image's folder (trawl refuses to write next to evidence)
mkdir -p "$work/images" "$out"
image=${2:-$work/images/random-$mib.raw}
if [[ ! -f $image ]]; then
  # Seeded, so every run of the script scans the same bytes.
  (openssl enc -aes-128-ctr -pass pass:trawl-media -nosalt -pbkdf2 -in /dev/zero 2>/dev/null || true) | head -c "$((mib << 20))" >"$image"
fi
cat "$image" >/dev/null
old=jpeg,png,gif,bmp,tiff,riff,pdf,zip,gzip,sqlite,sqlite-wal,sqlite-journal,isobmff,7z,rar,pe,elf
media=ogg,mp3,amr,adts,flac,matroska,mpeg-ps
scan() {  # OUT TYPES
  rm -rf "$1"
  "$trawl" scan "$image" -o "$1" --backend cpu --find none --hash none --block-hash none --carve "$2" -q
}
scan "$out/media" "$media"
python3 - "$out/media/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
per = s["carving"]["per_type"]
print("type       hits    carved (false carves on random bytes)")
for t in sorted(per):
    print("%-9s %6d %6d" % (t, per[t]["hits"], per[t]["carved"]))
print("carve stage busy s, media carvers alone: %.3f" % s["timings"]["stages_busy_s"]["carve"])
EOF
for ((i = 0; i < repeat; ++i)); do
  scan "$out/before" "$old"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings"]["stages_busy_s"]["carve"])' "$out/before/summary.json" >>"$work/before.times"
  scan "$out/after" all
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings"]["stages_busy_s"]["carve"])' "$out/after/summary.json" >>"$work/after.times"
done
python3 - "$work/before.times" "$work/after.times" <<'EOF'
import statistics, sys
b = [float(x) for x in open(sys.argv[1])][-int(__import__("os").environ.get("REPEAT", "3")):]
a = [float(x) for x in open(sys.argv[2])][-int(__import__("os").environ.get("REPEAT", "3")):]
mb, ma = statistics.median(b), statistics.median(a)
print("carve stage busy s (median): 17 formats %.3f, all %.3f: %+.1f %%" % (mb, ma, 100 * (ma / mb - 1)))
EOF
rm -f "$work/before.times" "$work/after.times"
