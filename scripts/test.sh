#!/usr/bin/env bash
# README command (b): sets up, builds and runs the whole test suite. `.ci/run` calls this.
# Where nvcc exists the CUDA backend is built too (sm_90), and ptxas must report no register
# spills for the kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
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
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 900
