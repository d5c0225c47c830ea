#!/usr/bin/env bash
# Prepares, on a build machine, what a GPU machine without a package registry needs to run the GPU
# checks: the trawl CLI and the backend test programs built for sm_90, plus the shared libraries
# they load that such a machine may lack (OpenSSL, libxxhash, Boost.Program_options, ...), found
# with ldd. The C and C++ runtimes and the driver's libcuda are left out: the GPU machine has its
# own, and the CUDA runtime is linked statically into libtrawl.
#
#   scripts/gpu-bundle.sh [BUNDLE_DIR]      default: build-bundle (ignored by git, < 64 MiB)
#
# Then carry BUNDLE_DIR to the GPU machine and run there:  scripts/gpu-check.sh --bundle BUNDLE_DIR
# Environment: BUILD_DIR (default build-cuda), JOBS (default 1), CUDA_ARCHS (default 90).
set -euo pipefail
cd "$(dirname "$0")/.."

bundle=${1:-build-bundle}
build=${BUILD_DIR:-build-cuda}
jobs=${JOBS:-1}
archs=${CUDA_ARCHS:-90}

cmake -S . -B "$build" -G Ninja -DTRAWL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$archs" >/dev/null
ninja -C "$build" -j"$jobs" trawl_cli trawl_cuda_tests trawl_backend_tests

programs=("$build/host/trawl" "$build/tests/backend/trawl_cuda_tests" "$build/tests/backend/trawl_backend_tests")
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"
for p in "${programs[@]}"; do
  # Debug info is most of their size and is not needed to run or to read a backtrace's names.
  strip --strip-debug -o "$bundle/bin/$(basename "$p")" "$p"
done

# Every shared library the programs load, except the system's own runtime and the GPU driver.
system_libs='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|librt\.|libpthread\.|libgcc_s\.|libstdc\+\+\.|libcuda\.|libnvidia-)'
ldd "${programs[@]}" | awk '/=> \// {print $1, $3}' | sort -u | while read -r name path; do
  if [[ "$name" =~ $system_libs ]]; then continue; fi
  # Under its SONAME (the name the programs ask for), links resolved.
  strip --strip-debug -o "$bundle/lib/$name" "$(readlink -f "$path")"
done

cat > "$bundle/README.txt" <<TEXT
trawl GPU bundle, built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m) for CUDA architectures $archs
from $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)').
bin/  trawl, trawl_cuda_tests (label gpu), trawl_backend_tests
lib/  shared libraries from ldd, minus libc/libstdc++/libgcc_s/libcuda: run with LD_LIBRARY_PATH=lib
Use: scripts/gpu-check.sh --bundle $(basename "$bundle")
TEXT
ls -l "$bundle/bin" "$bundle/lib"
du -sh "$bundle"
size=$(du -sk "$bundle" | cut -f1)
if (( size > 60 * 1024 )); then
  echo "gpu-bundle: $bundle is ${size} KiB, over the 60 MiB that leaves room in a 64 MiB carry" >&2
  exit 1
fi
