#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UBSan) in build-fuzz: one per carver, and
# rule_pack, inflate, block_file, hashset_import, hash_set, block_db, ewf, filesystem for the host's
# parsers of untrusted bytes (tests/fuzz/CMakeLists.txt says what each reads). Runs each for a
# bounded time from its seed corpus (tests/fuzz/corpus/<format>/). Exits non-zero on the first finding,
# leaving the crashing input as build-fuzz/findings/<format>/crash-*.
#   scripts/fuzz.sh                 every target, 10 s each
#   scripts/fuzz.sh 60 jpeg ewf     those targets, 60 s each
# TRAWL_JOBS sets the build's parallelism (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
[[ $# -gt 0 ]] && shift
formats=("$@")
if [[ ${#formats[@]} -eq 0 ]]; then
  formats=(jpeg png gif bmp tiff riff pdf zip gzip sqlite sqlite_wal sqlite_journal isobmff 7z rar pe elf
           ogg mp3 amr adts flac matroska mpeg_ps
           rule_pack inflate block_file hashset_import hash_set block_db ewf filesystem)
fi
build=build-fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRAWL_FUZZ=ON -DTRAWL_BUILD_TESTS=OFF -DTRAWL_BUILD_BENCH=OFF -DTRAWL_CUDA=OFF >/dev/null
targets=()
for f in "${formats[@]}"; do targets+=("fuzz_$f"); done
cmake --build "$build" -j "${TRAWL_JOBS:-$(nproc)}" --target "${targets[@]}"
# Leaks from inside uninstrumented libraries that trawl cannot free, each with its reason.
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
# The file-system target runs in fork mode and goes on past out-of-memory and timeouts inside libtsk
# 4.11, which allocates what a hostile ext2 inode claims during its orphan search (gigabytes for a
# few KiB of image) and walks a huge directory inode's block pointers one by one (minutes); trawl
# cannot step in (docs/reliability.md, "Fuzzing"). The inputs are kept in findings/filesystem/
# (oom-*, timeout-*); a crash or a sanitizer report still fails the run. 3 s per input: a good one
# takes milliseconds, and each of libtsk's slow ones would otherwise cost the run 10 s.
declare -A options=([filesystem]="-fork=1 -ignore_ooms=1 -ignore_timeouts=1 -ignore_crashes=0 -timeout=3")
# libtsk also asks calloc for sizes no allocator can give (16 EiB for an ext2 orphan inode);
# outside ASan that is a NULL that TSK handles, so ASan returns NULL there too.
declare -A asan_options=([filesystem]="allocator_may_return_null=1")
for f in "${formats[@]}"; do
  work="$build/work/$f" findings="$build/findings/$f"
  rm -rf "$work" && mkdir -p "$work" "$findings"
  # New inputs go to the work folder; the committed seeds stay as they are.
  status=0
  # shellcheck disable=SC2086  # the options are words
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}${asan_options[$f]:-}" \
  "$build/tests/fuzz/fuzz_$f" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 ${options[$f]:-} \
    -artifact_prefix="$findings/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$f" 2>"$build/work/$f.log" || status=$?
  # In fork mode libFuzzer exits with the last job's code: 70 (timeout) or 71 (out-of-memory) are
  # the ignored kinds; a crash stops it at once with another code.
  if [[ -n ${options[$f]:-} && ( $status == 70 || $status == 71 ) ]]; then status=0; fi
  if [[ $status != 0 ]]; then
    echo "fuzz: $f FAILED (input in $findings/, log $build/work/$f.log)" >&2; tail -30 "$build/work/$f.log" >&2; exit 1
  fi
  # Runs: the final stats, or in fork mode the last status line ("#16935: cov: ...").
  runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/work/$f.log" | grep -o '[0-9]*$' ||
         grep -o '^#[0-9]*:' "$build/work/$f.log" | tail -1 | tr -d '#:' || true)
  echo "fuzz: $f ok (${runs:-?} runs in ${seconds}s)"
done
