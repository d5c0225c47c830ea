#!/usr/bin/env bash
# Two builds of trawl on the same generated inputs: every output must be the same (byte for byte,
# up to the run-dependent fields listed below), and the new build must not be slower. For a
# refactoring's acceptance: BASE is the build of the merge base, NEW the refactored one.
#
#   bench/compare_builds.sh BASE_TRAWL NEW_TRAWL [SIZE_MIB]        (SIZE_MIB default 1024)
#
# BASE_TRAWL and NEW_TRAWL: a trawl executable, or a folder holding one (DIR/trawl,
# DIR/host/trawl or DIR/build/host/trawl). Each runs with its own libtrawl: BASE_LIB / NEW_LIB
# if set, else the executable's folder when a libtrawl.so* lies beside it, is put first on
# LD_LIBRARY_PATH (a build's RUNPATH names the build tree it was linked in, e.g.
# /work/main/build/host, so a copied base executable would otherwise load the new library). The
# libtrawl each resolves to is printed, and two different executables that resolve to the same
# library are refused.
#
# Inputs (generated once into WORK/img, seeded; nothing is committed):
#   sample.img   32 MiB, scripts/make-sample.py --seed 1 (real files from /usr/share)
#   sample.NNN   the same image as a split raw set
#   carve.img    16 MiB, files of tests/carvers/make_files.py (PNG, JPEG from PPM with netpbm,
#                ZIP, gzip, PDF, text) at sector offsets between random/zero/text filler, one
#                PNG and one ZIP in two pieces, one gzip cut short, identifiers in the filler
#   disk.img     40 MiB MBR disk: ext4 (mkfs.ext4 -d, a file deleted with debugfs) and FAT
#                (mkfs.fat --offset, mtools, a file deleted with mdel), holding make_files files
#                and text with identifiers
#   disk.E01     the same disk through ewfacquire
#   dev/         tests/slurm/make_devices.py: 4 devices of 6 MiB + dev-big (40 MiB), manifest.csv
#   corpus.raw   SIZE_MIB MiB, scripts/make-corpus.py --seed 1 (mixed real files; the timing run)
#
# Commands, each run by both builds from its own output root (WORK/out/base, WORK/out/new) with
# the same relative output names and the same absolute input paths, so that no output can differ
# by a path. Their stdout, stderr and exit code are compared too (WORK/out/SIDE/_streams).
# See run_all below for the list: scan with default options (sample, disk, E01, split, stdin),
# scan with every stage and non-default geometry (hashes, block hashes, page size, margin,
# buffers, threads, regions, watchlist, --keep-invalid, --jsonl), --prefilter emulated and off,
# carving modes, file-system options, known blocks and hash sets (hashdb build, hashset import),
# `trawl verify` (raw against hashes.txt, E01), `trawl blocks`, a --range pair and
# `trawl merge`, a batch (`trawl scan --manifest`: this trawl has no `batch` command) with
# `trawl case build` (+ --append) and `trawl case correlate` on SQLite, and the timed scan.
#
# Comparison (bench/normalise_outputs.py compare): every file of both output roots, byte for
# byte, except the values below, which are replaced by "<masked>" in both before comparing (the
# key or line must still be there, in the same place). Found by diffing two runs of the SAME
# binary (run-dependent), plus the tool's version (build-dependent); none is a blanket ignore:
#   summary.json, and the JSON Lines `summary` record on stdout (--jsonl):
#       started_utc, finished_utc, throughput_MBps, timings.wall_s, timings.stages_busy_s.* (the
#       stage names are kept), tool.version
#   batch.json: wall_s, images[*].wall_s
#   batch journal.jsonl: no field; its lines are sorted first (images finish in any order, -j 2)
#   carved/report.xml, files/report.xml (DFXML): <start_time>, the creator's <version>
#   features/*.txt: the header line "# trawl-Version: ..."
#   trawl.log: compared with each line's leading UTC timestamp stripped (not skipped), and
#       "info trawl VERSION scan" and "done: N bytes in SECONDS s" masked
#   stdout of `trawl case build`: "(SECONDS s)"
#   case report.html: "trawl VERSION correlation of a case built UTC by trawl VERSION;"
#   case.db (SQLite): compared by content (schema, user_version, every row of every table; the
#       file's bytes may differ): meta.value of created_utc and created_by, devices.started_utc,
#       and devices.summary as summary.json above
#   every text output: the absolute path of its own output root (WORK/out/base or WORK/out/new)
#       replaced by <OUT> (case.db's devices.folder holds the scan folder's absolute path)
# The lists live in bench/normalise_outputs.py (MASKS, SQL_MASK, SQL_META_MASK, TEXT_MASKS).
#
# Timing: each command's wall seconds (one run each, small inputs: noisy; the build that goes
# first alternates from one command to the next) and the SIZE_MIB scan (REPEAT runs of each,
# default 3, alternating which build goes first; the median), with the ratio new / base, and that
# scan's CPU seconds (user + system: the fairer figure on a shared machine). The image is read
# once first (page cache). MAX_RATIO (default 1.10): a wall ratio of the SIZE_MIB scan above it
# counts as slower.
#
# Environment: WORK (default: a new temp folder, removed at the end unless KEEP=1), REPEAT,
# MAX_RATIO, BASE_LIB, NEW_LIB, TRAWL_BACKEND (passed to both).
# Exit code: 0 all same and not slower; 1 some output differs; 3 only slower; 2 usage.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

usage() { sed -n '2,8s/^# \{0,1\}//p' "$0" >&2; exit 2; }
[[ $# -ge 2 && $# -le 3 ]] || usage
size_mib=${3:-1024}
[[ $size_mib =~ ^[0-9]+$ && $size_mib -ge 1 ]] || { echo "compare_builds: SIZE_MIB must be a number of MiB" >&2; exit 2; }
repeat=${REPEAT:-3}
max_ratio=${MAX_RATIO:-1.10}

# find_trawl PATH: the executable (PATH itself, or inside the folder PATH).
find_trawl() {
  local p=$1
  if [[ -d $p ]]; then
    for c in "$p/trawl" "$p/host/trawl" "$p/build/host/trawl"; do
      [[ -x $c && -f $c ]] && { realpath "$c"; return; }
    done
    echo "compare_builds: no trawl executable in $p" >&2; exit 2
  fi
  [[ -x $p && -f $p ]] || { echo "compare_builds: $p is not an executable" >&2; exit 2; }
  realpath "$p"
}
# lib_dir EXE EXPLICIT: the folder to put first on LD_LIBRARY_PATH (may be empty).
lib_dir() {
  if [[ -n $2 ]]; then realpath "$2"
  elif compgen -G "$(dirname "$1")/libtrawl.so*" >/dev/null; then dirname "$1"
  fi
}
declare -A exe libdir
exe[base]=$(find_trawl "$1")
exe[new]=$(find_trawl "$2")
libdir[base]=$(lib_dir "${exe[base]}" "${BASE_LIB:-}")
libdir[new]=$(lib_dir "${exe[new]}" "${NEW_LIB:-}")

# trawl_of SIDE ARGS...: run that build's trawl with its library.
trawl_of() {
  local side=$1
  shift
  LD_LIBRARY_PATH="${libdir[$side]}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${exe[$side]}" "$@"
}
resolved_lib() {
  LD_LIBRARY_PATH="${libdir[$1]}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "${exe[$1]}" 2>/dev/null |
    awk '$1 ~ /^libtrawl/ {print $3}' | xargs -r realpath || true  # a wrapper script: none
}
declare -A lib
for side in base new; do
  lib[$side]=$(resolved_lib "$side")
  printf '%-4s %s (libtrawl: %s) %s\n' "$side" "${exe[$side]}" "${lib[$side]:-none found: static, or a wrapper script}" \
    "$(trawl_of "$side" --version 2>&1 | head -1)"
done
if [[ ${exe[base]} != "${exe[new]}" && -n ${lib[base]} && ${lib[base]} == "${lib[new]}" ]]; then
  echo "compare_builds: both executables load ${lib[base]}; set BASE_LIB / NEW_LIB" >&2
  exit 2
fi

if [[ -n ${WORK:-} ]]; then
  work=$(realpath -m "$WORK")
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/trawl-compare-builds.XXXXXX)
  [[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$work"' EXIT
fi
img=$work/img
echo "work: $work   size: $size_mib MiB   cores: $(nproc)   backend: ${TRAWL_BACKEND:-auto}"

# ---------------------------------------------------------------------------------------------
# Inputs, made once (kept in WORK/img between runs when WORK is given).
make_inputs() {
  mkdir -p "$img"
  if [[ ! -f $img/sample.img ]]; then
    python3 "$here/scripts/make-sample.py" --out "$img/sample.img.tmp" --manifest "$img/sample.json" --size 32M --seed 1 >/dev/null
    mv "$img/sample.img.tmp" "$img/sample.img"
  fi
  if [[ ! -f $img/split/sample.001 ]]; then
    rm -rf "$img/split"
    mkdir -p "$img/split"
    split -b 5000000 -d -a 3 --numeric-suffixes=1 "$img/sample.img" "$img/split/sample."
  fi
  if [[ ! -f $img/files/.done ]]; then
    rm -rf "$img/files"
    local k
    for k in png:8 zip:6 gzip:6 pdf:4 ppm:4 text:4; do
      python3 "$here/tests/carvers/make_files.py" "$img/files" "${k%%:*}" "${k##*:}" 3
    done
    for k in "$img"/files/ppm-*.ppm; do pnmtojpeg --quality=85 "$k" >"${k%.ppm}.jpg" 2>/dev/null; rm "$k"; done
    touch "$img/files/.done"
  fi
  [[ -f $img/carve.img ]] || python3 - "$img/files" "$img/carve.img" <<'PY'
# carve.img: the files at sector offsets between filler, seeded; a PNG and a ZIP in two pieces,
# a gzip cut short, identifiers in text filler.
import os, random, sys
src, out = sys.argv[1], sys.argv[2]
rng = random.Random(5)
names = sorted(n for n in os.listdir(src) if not n.startswith("."))
rng.shuffle(names)
idents = [b" +33 6 12 34 56 78 ", b" alice.carve@trawl-test.org ", b" https://drop.example.net/x/17 ",
          b" FR76 3000 6000 0112 3456 7890 189 ", b" 4111 1111 1111 1111 ", b" 0044 20 7946 0958 "]
img = bytearray()
def filler(sectors):
    k = rng.random()
    if k < 0.4:
        return rng.randbytes(sectors * 512)
    if k < 0.7:
        return bytes(sectors * 512)
    words = [b"the ", b"data ", b"file ", b"disk ", b"\n"] + idents
    t = bytearray()
    while len(t) < sectors * 512:
        t += rng.choice(words)
    return bytes(t[:sectors * 512])
split_done = set()
for n in names:
    data = open(os.path.join(src, n), "rb").read()
    img += filler(rng.randrange(1, 40))
    kind = n.split("-")[0]
    if kind in ("png", "zip") and kind not in split_done and len(data) > 20000:
        split_done.add(kind)
        cut = (len(data) // 2) // 512 * 512
        img += data[:cut] + filler(rng.randrange(8, 128)) + data[cut:]
    elif kind == "gzip" and "gzip" not in split_done:
        split_done.add("gzip")
        img += data[: len(data) * 2 // 3]
    else:
        img += data
    img += bytes(-len(img) % 512)
size = 16 << 20
assert len(img) < size, len(img)
img += filler((size - len(img)) // 512)
open(out + ".tmp", "wb").write(img)
os.rename(out + ".tmp", out)
PY
  if [[ ! -f $img/disk.img ]]; then
    local tree=$work/tree
    rm -rf "$tree"
    mkdir -p "$tree/docs/deep" "$tree/pictures" "$tree/archives" "$tree/fat"
    python3 - "$tree" <<'PY'
import random, sys
root = sys.argv[1]
rng = random.Random(11)
words = ["the", "data", "file", "disk", "report", "meeting", "call", "send"]
def text(n, planted):
    out = []
    for i in range(n):
        out.append(rng.choice(words))
        if i % 997 == 500:
            out.append(planted[(i // 997) % len(planted)])
    return " ".join(out) + "\n"
open(root + "/docs/notes.txt", "w").write(text(3000, ["alice.fs@trawl-test.org", "+41 44 668 18 00"]))
open(root + "/docs/deep/big.log", "w").write(text(400000, ["bob.fs@trawl-test.org", "https://fs.example.org/a"]))
open(root + "/gone.txt", "w").write(text(2000, ["carol.fs@trawl-test.org"]))
open(root + "/fat/a.txt", "w").write(text(1500, ["erin.fat@trawl-test.org", "+33 6 98 76 54 32"]))
open(root + "/fat/gone.txt", "w").write(text(1500, ["frank.fat@trawl-test.org"]))
PY
    cp "$img"/files/png-[0-3].png "$img"/files/*.jpg "$tree/pictures/"
    cp "$img"/files/zip-[0-2].zip "$img"/files/pdf-[01].pdf "$img"/files/gzip-[0-2].gz "$tree/archives/"
    local fat=$tree/fat
    mv "$fat" "$work/fat"
    fat=$work/fat
    cp "$img"/files/png-[45].png "$img"/files/pdf-2.pdf "$fat/"
    rm -f "$img/disk.img.tmp"
    truncate -s 40M "$img/disk.img.tmp"
    printf 'start=2048, size=40960, type=83\nstart=43008, size=38912, type=0c\n' | sfdisk -q "$img/disk.img.tmp"
    mkfs.ext4 -q -F -b 4096 -L evidence -E offset=$((2048 * 512)) -d "$tree" "$img/disk.img.tmp" 20M
    debugfs -w -R 'rm /gone.txt' "$img/disk.img.tmp?offset=$((2048 * 512))" >/dev/null 2>&1
    mkfs.fat --offset=43008 -n EVIDENCE "$img/disk.img.tmp" $((38912 / 2)) >/dev/null
    local m=$img/disk.img.tmp@@$((43008 * 512)) f
    mmd -i "$m" ::docs
    for f in "$fat"/*; do mcopy -i "$m" "$f" "::docs/$(basename "$f")"; done
    mdel -i "$m" ::docs/gone.txt
    rm -rf "$tree" "$fat"
    mv "$img/disk.img.tmp" "$img/disk.img"
  fi
  if [[ ! -f $img/disk.E01 ]]; then
    ewfacquire -u -q -t "$img/disk" -c fast -f encase6 "$img/disk.img" >/dev/null
  fi
  [[ -f $img/dev/manifest.csv ]] ||
    python3 "$here/tests/slurm/make_devices.py" "$img/dev" --devices 4 --size 6M --big 40M --seed 7
  printf '+33 6 12 34 56 78\tshared phone\nboss@cartel-example.com,boss\nalice.carve@trawl-test.org\n# comment\n' >"$img/watchlist.txt"
  (cd "$img/files" && sha256sum png-*.png zip-*.zip >"$img/known-good.sha256" && md5sum pdf-*.pdf >"$img/known-bad.md5")
  mkdir -p "$img/known-files"
  cp "$img"/files/pdf-*.pdf "$img"/files/png-[0-3].png "$img/known-files/"
  if [[ ! -f $img/corpus-$size_mib.raw ]]; then
    python3 "$here/scripts/make-corpus.py" --size "${size_mib}M" --seed 1 --out "$img/corpus-$size_mib.raw.tmp" >/dev/null
    mv "$img/corpus-$size_mib.raw.tmp.json" "$img/corpus-$size_mib.raw.json"
    mv "$img/corpus-$size_mib.raw.tmp" "$img/corpus-$size_mib.raw"
  fi
}
echo "making the inputs in $img ..."
make_inputs

# ---------------------------------------------------------------------------------------------
# Running: run SIDE NAME [<FILE] -- ARGS...  runs `trawl ARGS` of that build in WORK/out/SIDE,
# stdout/stderr/exit code into WORK/out/SIDE/_streams/NAME.*, wall seconds into $secs[SIDE,NAME],
# CPU seconds (user + system of trawl, from bash's `times`) into $cpu[SIDE,NAME].
declare -A secs cpu
names=()
run() {
  local side=$1 name=$2 input=/dev/null
  shift 2
  if [[ $1 == "<"* ]]; then input=${1#<}; shift; fi
  [[ $1 == -- ]] && shift
  local root=$work/out/$side
  mkdir -p "$root/_streams" "$work/cpu"
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  (
    cd "$root"
    r=0
    trawl_of "$side" "$@" <"$input" >"_streams/$name.stdout" 2>"_streams/$name.stderr" || r=$?
    times >"$work/cpu/$side.$name"
    exit "$r"
  ) || rc=$?
  t1=$(date +%s.%N)
  echo "$rc" >"$root/_streams/$name.rc"
  secs[$side,$name]=$(echo "$t1 - $t0" | bc)
  # `times`: the shell's user and system time, then its children's ("0m1.234s 0m0.056s").
  cpu[$side,$name]=$(sed -n 2p "$work/cpu/$side.$name" | sed -E 's/([0-9]+)m([0-9.]+)s/\1*60+\2/g; s/ /+/' | bc)
}
# both NAME ARGS...: the command with each build (base first for every second command).
both() {
  local name=$1
  shift
  names+=("$name")
  if ((${#names[@]} % 2)); then
    run base "$name" "$@"
    run new "$name" "$@"
  else
    run new "$name" "$@"
    run base "$name" "$@"
  fi
}
# in_both DIR: mkdir DIR in both output roots (for commands that write a file, not a folder).
in_both() { mkdir -p "$work/out/base/$1" "$work/out/new/$1"; }

run_all() {
  local I=$img
  rm -rf "$work/out"
  mkdir -p "$work/out/base" "$work/out/new"
  # 1. Scans of the test images.
  both scan-sample-default         scan "$I/sample.img" -o scan-sample-default -q
  both scan-sample-all-stages      scan "$I/sample.img" -o scan-sample-all-stages -q --jsonl \
    --hash md5,sha1,sha256,sha512,xxh128 --block-hash md5,sha1,sha256,xxh64 --block-size 512 \
    --page-size 2M --margin 512K --buffers 3 --threads 2 --carve all --find all \
    --regions FR,BE,CH,US --keep-invalid --watchlist "$I/watchlist.txt" --decode-max 4M
  both scan-sample-split           scan "$I/split/sample.001" -o scan-sample-split -q --hash sha256,xxh128 --block-hash xxh64
  both scan-sample-stdin "<$I/sample.img" -- scan - -o scan-sample-stdin -q --jsonl
  both scan-sample-prefilter-emulated scan "$I/sample.img" -o scan-sample-prefilter-emulated -q --backend cpu \
    --prefilter emulated --carve none
  both verify-sample               verify "$I/sample.img" --expect scan-sample-default/hashes.txt
  both blocks-sample               blocks scan-sample-all-stages/blocks.xxh64 --limit 20000
  both scan-sample-nodecode        scan "$I/sample.img" -o scan-sample-nodecode -q --no-decode --find phone,email,url \
    --carve none --block-hash none --hash sha1
  both scan-carve-default          scan "$I/carve.img" -o scan-carve-default -q --jsonl
  both scan-carve-small-pages      scan "$I/carve.img" -o scan-carve-small-pages -q --page-size 1M --margin 256K \
    --block-hash sha256,md5 --block-size 8192 --max-gap 256K --watchlist "$I/watchlist.txt"
  both scan-carve-headers          scan "$I/carve.img" -o scan-carve-headers -q --carve-mode headers --carve-align 512 \
    --max-carve-size 1M --find none --hash none --block-hash none
  both scan-carve-prefilter-off    scan "$I/carve.img" -o scan-carve-prefilter-off -q --jsonl --prefilter off
  both scan-carve-noreassemble     scan "$I/carve.img" -o scan-carve-noreassemble -q --reassemble off --carve png,zip,gzip,jpeg,pdf
  both scan-disk-default           scan "$I/disk.img" -o scan-disk-default -q --jsonl
  both scan-disk-unallocated       scan "$I/disk.img" -o scan-disk-unallocated -q --carve-unallocated-only \
    --page-size 4M --margin 64K --no-file-hashes
  both scan-disk-fs-off            scan "$I/disk.img" -o scan-disk-fs-off -q --fs off
  both scan-disk-e01               scan "$I/disk.E01" -o scan-disk-e01 -q
  both verify-e01                  verify "$I/disk.E01"
  # Known files: the stores made by each build are compared; the scans of both use a copy of the
  # base's stores (outside the output roots, so that the paths in summary.json are the same).
  in_both known
  both hashdb-build                hashdb build "$I/known-files" -o known/known.tdb --block-size 4096
  both hashset-import-good         hashset import "$I/known-good.sha256" -o known/good.ths --set good
  both hashset-import-bad          hashset import "$I/known-bad.md5" -o known/bad.ths --set bad --label known-bad
  local K=$work/known-stores
  rm -rf "$K"
  cp -r "$work/out/base/known" "$K"
  both scan-carve-known            scan "$I/carve.img" -o scan-carve-known -q --jsonl --known-blocks "$K/known.tdb" \
    --block-step 512 --hashset "$K/good.ths" --hashset "$K/bad.ths" --skip-known-good
  # Range pair and merge (page 4M: identifiers planted across 4 MiB boundaries; see make_devices.py).
  both range-p0                    scan "$I/dev/dev-big.raw" -o range-p0 -q --page-size 4M --range 0:12M
  both range-p1                    scan "$I/dev/dev-big.raw" -o range-p1 -q --page-size 4M --range 12M:0
  both range-hashes                scan "$I/dev/dev-big.raw" -o range-hashes -q --carve none --find none --block-hash none
  both range-merge                 merge range-p1 range-p0 -o range-merged --hashes range-hashes
  both range-whole                 scan "$I/dev/dev-big.raw" -o range-whole -q --page-size 4M
  # 2. Batch, then the case database.
  both batch                       scan --manifest "$I/dev/manifest.csv" -o batch -j 2 -q
  in_both case
  both case-build                  case build batch -o case/case.db
  both case-build-append           case build scan-disk-default -o case/case.db --append
  both case-correlate              case correlate case/case.db -o case-report --near 512
  both case-correlate-stdout       case correlate case/case.db --min-devices 3
  both case-schema                 case schema
}

# 3. The timed scan: REPEAT runs of each build, alternating which goes first; the outputs of the
# first run of each are compared, the median wall seconds reported.
run_timed() {
  local name=scan-corpus-default image=$img/corpus-$size_mib.raw i side
  cat "$image" >/dev/null
  names+=("$name")
  declare -A times=([base]="" [new]="") cpus=([base]="" [new]="")
  for ((i = 0; i < repeat; ++i)); do
    local order=(base new)
    ((i % 2)) && order=(new base)
    for side in "${order[@]}"; do
      local n=$name
      ((i > 0)) && n=$name.run$i
      run "$side" "$n" scan "$image" -o "$n" -q
      times[$side]+="${secs[$side,$n]} "
      cpus[$side]+="${cpu[$side,$n]} "
      if ((i > 0)); then
        # Only the first run's outputs are compared; later runs must still exit the same way.
        if ! cmp -s "$work/out/$side/_streams/$n.rc" "$work/out/$side/_streams/$name.rc"; then
          echo "DIFFERENT exit code of $side's run $((i + 1)) of $name: $(cat "$work/out/$side/_streams/$n.rc")"
          timed_rc_differs=1
        fi
        rm -rf "${work:?}/out/$side/$n" "$work/out/$side/_streams/$n".*
      fi
    done
  done
  for side in base new; do
    # shellcheck disable=SC2086 # the lists of seconds are split into arguments on purpose
    secs[$side,$name]=$(median ${times[$side]})
    # shellcheck disable=SC2086
    cpu[$side,$name]=$(median ${cpus[$side]})
    echo "$name $side: wall ${times[$side]}s (median ${secs[$side,$name]}), CPU ${cpus[$side]}s (median ${cpu[$side,$name]})"
  done
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed_rc_differs=0

echo "running both builds ..."
run_all
run_timed

echo
echo "comparing $work/out/base and $work/out/new ..."
status=0
python3 "$here/bench/normalise_outputs.py" compare "$work/out/base" "$work/out/new" || status=1
((timed_rc_differs == 0)) || status=1

echo
printf '%-32s %9s %9s %7s\n' command "base s" "new s" ratio
printf '%-32s %9s %9s %7s\n' -------------------------------- --------- --------- -------
total_b=0 total_n=0
for n in "${names[@]}"; do
  b=${secs[base,$n]} w=${secs[new,$n]}
  total_b=$(echo "$total_b + $b" | bc) total_n=$(echo "$total_n + $w" | bc)
  printf '%-32s %9.2f %9.2f %7.3f\n' "$n" "$b" "$w" "$(echo "$w / $b" | bc -l)"
done
printf '%-32s %9.2f %9.2f %7.3f\n' "all commands" "$total_b" "$total_n" "$(echo "$total_n / $total_b" | bc -l)"
t=scan-corpus-default
ratio=$(echo "${secs[new,$t]} / ${secs[base,$t]}" | bc -l)
cpu_ratio=$(echo "${cpu[new,$t]} / ${cpu[base,$t]}" | bc -l)
echo
printf 'CPU (user + system) of the %d MiB scan: base %.2f s, new %.2f s, ratio %.3f\n' "$size_mib" \
  "${cpu[base,$t]}" "${cpu[new,$t]}" "$cpu_ratio"
if (($(echo "$ratio > $max_ratio" | bc -l))); then
  printf 'speed: scan of %d MiB, wall new / base = %.3f: SLOWER (above %s)\n' "$size_mib" "$ratio" "$max_ratio"
  ((status == 0)) && status=3
else
  printf 'speed: scan of %d MiB, wall new / base = %.3f: not slower (limit %s)\n' "$size_mib" "$ratio" "$max_ratio"
fi
if ((status == 1)); then echo "outputs: DIFFERENT"; else echo "outputs: all same"; fi
exit "$status"
