#!/usr/bin/env bash
# Builds trawl and its tests with AddressSanitizer + UndefinedBehaviorSanitizer (host code; CUDA
# off) in build-asan at -O1, and runs the test suite there with LeakSanitizer on. Any report fails
# the run: ASan and UBSan halt on the first error, LSan fails a process that leaks at exit.
# Third-party libraries are not instrumented; leaks reported from inside them at exit are
# suppressed in tests/sanitizers/lsan.supp (each entry says why; trawl's own code never is).
#   scripts/sanitize.sh                 build and run every test that makes sense under ASan
#   scripts/sanitize.sh -R Reader       pass extra arguments to ctest
# Left out (ctest -E): the Slurm test (a whole cluster of daemons, slow, nothing of trawl's own
# code beyond the batch tests that do run), the install test (a consumer built against the
# installed library would need the sanitizer runtime too), the headless-Chromium report test
# (Chromium under a sanitized parent is slow and tests the HTML, not trawl's memory), the
# worst-case memory benchmark (ASan's shadow memory and quarantine break its RSS bound) and
# `trawl bench` (timings), the open-files check's own test (it preloads a library into plain
# programs, which an instrumented one cannot be); label gpu (no device code under ASan).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TRAWL_ASAN_BUILD_DIR:-build-asan}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" -DTRAWL_CUDA=OFF -DTRAWL_SANITIZE=ON -DTRAWL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "${TRAWL_JOBS:-$(nproc)}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
start=$(date +%s)
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 1200 -LE gpu \
  -E '^(slurm\.|install\.|bench\.|hermetic\.|Case\.ReportOpensInHeadlessChromium|BenchCli\.)' "$@"
echo "sanitize: tests passed under ASan + UBSan + LSan in $(($(date +%s) - start)) s"
