#!/usr/bin/env bash
# The GPU checks in one command, for a GPU machine without a package registry (one H200 lent for
# minutes: see docs/performance.md). In about 5 minutes it
#   1. gets binaries: a bundle carried from a build machine (scripts/gpu-bundle.sh; the .tar.xz or
#      its unpacked folder), or else a build from source here with -DCMAKE_CUDA_ARCHITECTURES=90;
#   2. runs the GPU tests (ctest -L gpu: CUDA backend == CPU backend, byte for byte) and the host
#      backend tests that do not need the CLI's build path;
#   3. runs `trawl bench --backend cuda --size 4G --json $OUT/bench.json`;
#   4. runs the 4 GiB generated-image parity test (TRAWL_GPU_BIG_TEST=1);
#   5. runs compute-sanitizer memcheck (with leak check) on the small parity tests, where installed;
# and prints a short table last. Logs go to $OUT when set (the device tool brings that folder
# back), else to build-gpu-check/. Exit status: 0 when every step that ran passed.
# Without a CUDA device every GPU step says so ("skipped": no usable CUDA device) and the table
# shows SKIP: that is how far the script goes on a machine without a GPU.
#
#   scripts/gpu-check.sh [--bundle DIR|ARCHIVE]  default: build-bundle.tar.xz or build-bundle if
#                                                present, else build from source
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
deadline=$((started + 300))  # 5 minutes

bundle=""
if [[ -f build-bundle.tar.xz ]]; then bundle=build-bundle.tar.xz; elif [[ -d build-bundle/bin ]]; then bundle=build-bundle; fi
while (($#)); do
  case "$1" in
    --bundle) bundle=${2:?--bundle needs a folder}; shift 2 ;;
    --build) bundle=""; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done

out=${OUT:-$root/build-gpu-check}
mkdir -p "$out"
log=$out/gpu-check.log
exec 3>&1 4>&2
exec > >(tee "$log") 2>&1
tee_pid=$!

steps=()  # "name|result|seconds|note"
failed=0
record() {  # name result seconds note
  steps+=("$1|$2|$3|$4")
  [[ $2 == FAIL ]] && failed=1
  return 0
}
# Seconds a step may take: its own limit, or what is left before the deadline.
budget() {
  local left=$((deadline - $(date +%s)))
  ((left < $1)) && echo $((left > 5 ? left : 5)) || echo "$1"
}
# run_step NAME LIMIT COMMAND...: runs with a timeout and records PASS, FAIL or SKIP (everything
# that ran was skipped: gtest's "[  SKIPPED ] N tests" or ctest's "(Skipped)"), with the time.
steplog=$(mktemp)
run_step() {
  local name=$1 limit t0 rc note=""
  limit=$(budget "$2")
  shift 2
  echo
  echo "=== $name (limit ${limit}s): $*"
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$steplog"
  rc=${PIPESTATUS[0]}
  local seconds=$(($(date +%s) - t0))
  local skipped ran
  skipped=$(grep -c '(Skipped)$' "$steplog")
  ran=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$steplog" | tail -1)
  if ((skipped == 0)); then
    skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) tests\{0,1\}, listed below:.*/\1/p' "$steplog" | tail -1)
    ran=$(sed -n 's/^\[==========\] \([0-9]*\) tests\{0,1\} from .* ran\..*/\1/p' "$steplog" | tail -1)
  fi
  skipped=${skipped:-0}
  ((skipped > 0)) && note="$skipped of ${ran:-?} skipped"
  if ((rc == 0)); then
    if ((skipped > 0 && skipped == ${ran:-0})); then record "$name" SKIP "$seconds" "$note"; else record "$name" PASS "$seconds" "$note"; fi
  elif ((rc == 124 || rc == 137)); then record "$name" FAIL "$seconds" "timed out after ${limit}s"
  else record "$name" FAIL "$seconds" "exit $rc${note:+, $note}"
  fi
  return "$rc"
}

echo "=== trawl gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), $(nproc) cores"
git rev-parse --short HEAD 2>/dev/null | sed 's/^/commit /'
# Read-only queries; nothing here changes the card's settings.
nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.current,pcie.link.gen.max,pcie.link.width.current \
  --format=csv 2>&1 || echo "nvidia-smi: not available"
command -v nvcc >/dev/null && nvcc --version | tail -1

# --- 1. binaries -------------------------------------------------------------------------------
trawl="" cuda_tests="" backend_tests="" ctest_dir=""
if [[ -n $bundle && -f $bundle ]]; then
  unpacked=$(mktemp -d)
  t0=$(date +%s)
  # Python's tarfile where the machine has no xz program.
  if tar -C "$unpacked" -xJf "$bundle" ||
     python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle" "$unpacked"; then
    echo "=== unpacked $bundle in $(($(date +%s) - t0)) s"
    bundle=$(find "$unpacked" -mindepth 1 -maxdepth 1 -type d | head -1)
  else
    echo "gpu-check: cannot unpack $bundle; building from source instead"; bundle=""
  fi
fi
if [[ -n $bundle ]]; then
  bundle=$(cd "$bundle" && pwd)
  export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "=== bundle $bundle"; cat "$bundle/README.txt" 2>/dev/null
  # What the programs load from outside the bundle: the C and C++ runtimes and the driver only.
  ldd "$bundle"/bin/* | awk '/=> \// {print $3}' | grep -v "^$bundle/" | sort -u | sed 's/^/loaded from the system: /'
  if ldd "$bundle/bin/trawl" "$bundle/bin/trawl_cuda_tests" | grep "not found"; then
    echo "gpu-check: the bundle lacks libraries here; building from source instead"; bundle=""
  elif ! "$bundle/bin/trawl" --version; then
    echo "gpu-check: the bundled trawl does not run here; building from source instead"; bundle=""
  else
    trawl=$bundle/bin/trawl cuda_tests=$bundle/bin/trawl_cuda_tests backend_tests=$bundle/bin/trawl_backend_tests
    record binaries PASS 0 "carried bundle"
  fi
fi
if [[ -z $bundle ]]; then
  build=$root/build-gpu
  if run_step "configure" 120 cmake -S . -B "$build" -G Ninja -DTRAWL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
       -DTRAWL_BUILD_BENCH=OFF -DTRAWL_PTXAS_VERBOSE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
     run_step "build" 300 ninja -C "$build" ${JOBS:+-j"$JOBS"} trawl_cli trawl_cuda_tests trawl_backend_tests; then
    trawl=$build/host/trawl cuda_tests=$build/tests/backend/trawl_cuda_tests
    backend_tests=$build/tests/backend/trawl_backend_tests ctest_dir=$build
  fi
fi

# Without a device there is nothing more to learn here: say so in one line and stop at that.
if [[ -n $cuda_tests ]] && ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
  echo "gpu-check: no CUDA device on this machine (nvidia-smi lists none): binaries ready, device steps not run"
  record device SKIP 0 "no CUDA device here"
  cuda_tests="" no_device=1
fi

if [[ -n $cuda_tests ]]; then
  # --- 2. tests ----------------------------------------------------------------------------------
  if [[ -z $ctest_dir ]]; then
    # A bundle has no build tree: describe its GPU tests to ctest the way gtest_discover_tests does.
    ctest_dir=$(mktemp -d)
    "$cuda_tests" --gtest_list_tests | awk '/^[^ ]/ {suite=$1} /^  / {print suite $1}' | while read -r t; do
      printf 'add_test([=[%s]=] "%s" "--gtest_filter=%s")\n' "$t" "$cuda_tests" "$t"
      printf 'set_tests_properties([=[%s]=] PROPERTIES LABELS gpu TIMEOUT 600 SKIP_REGULAR_EXPRESSION "\\\\[  SKIPPED \\\\]")\n' "$t"
    done > "$ctest_dir/CTestTestfile.cmake"
  fi
  run_step "ctest -L gpu" 120 ctest --test-dir "$ctest_dir" -L gpu --output-on-failure
  # ctest lists skipped tests but not why: the reasons are in its log.
  grep -A1 ': Skipped$' "$ctest_dir/Testing/Temporary/LastTest.log" 2>/dev/null | grep -v -e ': Skipped$' -e '^--$' | sort | uniq -c |
    sed 's/^/skip reason: /'
  run_step "backend host tests" 60 "$backend_tests" --gtest_brief=1 \
    "--gtest_filter=BackendChoice.*:EmulatedParity.*:PcieLink.*"

  # --- 3. bench ----------------------------------------------------------------------------------
  run_step "bench 4G" 120 "$trawl" bench --backend cuda --size 4G --json "$out/bench.json"

  # --- 4. big image --------------------------------------------------------------------------------
  TRAWL_GPU_BIG_TEST=1 run_step "big-image parity" 120 "$cuda_tests" "--gtest_filter=CudaParity.Big*"

  # --- 5. memcheck -------------------------------------------------------------------------------
  if command -v compute-sanitizer >/dev/null; then
    run_step "memcheck" 90 compute-sanitizer --tool memcheck --leak-check full --error-exitcode 9 \
      "$cuda_tests" --gtest_brief=1 \
      "--gtest_filter=CudaParity.Every*:CudaParity.Each*:CudaParity.Signature*:CudaParity.KnownBlockLookup*:CudaParity.Identifier*"
  else
    record memcheck SKIP 0 "compute-sanitizer not installed"
  fi

elif [[ -z ${no_device:-} ]]; then
  record tests FAIL 0 "no binaries: see the build step above"
fi

# --- summary, printed last ---------------------------------------------------------------------------
echo
echo "=== trawl gpu-check summary ($(($(date +%s) - started)) s; logs in $out)"
printf '%-20s %-6s %8s  %s\n' step result seconds note
for s in "${steps[@]}"; do
  IFS='|' read -r name result seconds note <<<"$s"
  printf '%-20s %-6s %8s  %s\n' "$name" "$result" "$seconds" "$note"
done
if [[ -f $out/bench.json ]] && command -v python3 >/dev/null; then
  python3 - "$out/bench.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
g = j.get("gpu") or {}
p = g.get("pcie") or {}
print(f"gpu {g.get('name','?')} driver {g.get('driver_version','?')} PCIe gen {p.get('generation','?')} x{p.get('width','?')}"
      f" | cpu {j['cpu']['model']} ({j['cpu']['cores']} cores) | backend {j['backend']}")
print("GB/s: " + "  ".join(f"{k} {v['gbps']:.2f}" for k, v in j["stages"].items()))
PY
fi
# Let tee write the last lines before the caller collects the log.
exec 1>&3 2>&4 3>&- 4>&-
wait "$tee_pid" 2>/dev/null
exit $failed
