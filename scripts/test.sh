#!/usr/bin/env bash
# README command (b): sets up, builds and runs the whole test suite. `.ci/run` calls this.
# First the layout of the changed C++/CUDA lines (scripts/check_format.sh --ci).
# The suite runs with an open-files check (tests/hermetic): no test may read a system file that
# tests/inputs.list does not pin. Where nvcc exists the CUDA backend is built too (sm_90), and ptxas must report no register
# spills for the kernels. The fuzz targets run TRAWL_FUZZ_SECONDS each (default 5; 0 skips them).
# Then the suite runs again under AddressSanitizer + UBSan + LeakSanitizer (scripts/sanitize.sh;
# TRAWL_SANITIZE_TESTS=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Layout of the lines this branch changed (.clang-format), before anything is built: strict against
# the merge base with origin/main, skipped with a notice where there is no origin/main (header of
# scripts/check_format.sh says why it never judges HEAD~1 here).
scripts/check_format.sh --ci
build=${TRAWL_BUILD_DIR:-build}
mkdir -p "$build"
if command -v nvcc >/dev/null || [[ -x /usr/local/cuda/bin/nvcc ]]; then
  TRAWL_CUDA=${TRAWL_CUDA:-ON} scripts/build.sh -DTRAWL_PTXAS_VERBOSE=ON 2>&1 | tee "$build/build.log"
  if grep -E '[1-9][0-9]* bytes spill (stores|loads)' "$build/build.log"; then
    echo "test.sh: ptxas reports register spills in a kernel (above)" >&2
    exit 1
  fi
else
  scripts/build.sh
fi
# Every carver's libFuzzer target, bounded in time (clang, ASan + UBSan); a finding fails the run.
TRAWL_FUZZ_SECONDS=${TRAWL_FUZZ_SECONDS:-5}
if [[ "$TRAWL_FUZZ_SECONDS" != 0 ]]; then scripts/fuzz.sh "$TRAWL_FUZZ_SECONDS"; fi
# The suite runs with tests/hermetic's shim preloaded: every file it opens under /usr/share or
# /usr/lib is logged, and check_open_files.py fails the run on any system file that
# tests/inputs.list does not pin (the suite must test the same thing on every Debian machine).
open_log="$PWD/$build/open-files.log"
# Writable by all: tests run some programs as another user (PostgreSQL as nobody).
rm -f "$open_log" && : >"$open_log" && chmod 666 "$open_log"
status=0
LD_PRELOAD="$PWD/$build/tests/libtrawl_open_log.so" TRAWL_OPEN_LOG="$open_log" \
  ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 900 || status=$?
python3 tests/hermetic/check_open_files.py "$open_log" || status=1
[[ $status == 0 ]] || exit "$status"
if [[ "${TRAWL_SANITIZE_TESTS:-1}" != 0 ]]; then scripts/sanitize.sh; fi
