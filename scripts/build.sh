#!/usr/bin/env bash
# Configures and builds trawl in build/ (Release with debug info). CUDA: AUTO unless TRAWL_CUDA is set.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TRAWL_BUILD_DIR:-build}
# nvcc is usually outside PATH on machines with the CUDA toolkit.
[[ -x /usr/local/cuda/bin/nvcc ]] && export PATH="$PATH:/usr/local/cuda/bin"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAWL_CUDA="${TRAWL_CUDA:-AUTO}" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
