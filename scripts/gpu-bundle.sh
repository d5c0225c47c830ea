#!/usr/bin/env bash
# Prepares, on a build machine, what a GPU machine without a package registry needs to run the GPU
# checks: the trawl CLI and the backend test programs built for sm_90, plus the shared libraries
# they load that such a machine may lack (OpenSSL, libxxhash, Boost.Program_options, ...), found
# with ldd. The C and C++ runtimes and the driver's libcuda are left out: the GPU machine has its
# own, and the CUDA runtime is linked statically into libtrawl. Uncompressed that is ~80 MiB (ICU's
# data alone is 30 MiB, libtsk pulls curl, gnutls and Kerberos through afflib), over the 64 MiB
# that may travel; so the folder is packed into BUNDLE_DIR.tar.xz (~21 MiB), which must stay
# within 40 MiB, and that archive is what travels.
#
#   scripts/gpu-bundle.sh [BUNDLE_DIR]      default: build-bundle (folder and .tar.xz ignored by git)
#   scripts/gpu-bundle.sh --built BUILD_DIR [BUNDLE_DIR]
#                                           from a CUDA build already made there (the CI test)
#
# Then carry BUNDLE_DIR.tar.xz to the GPU machine and run there:
#   scripts/gpu-check.sh --bundle BUNDLE_DIR.tar.xz
# Environment: BUILD_DIR (default build-cuda), JOBS (default 1), CUDA_ARCHS (default 90).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build-cuda}
jobs=${JOBS:-1}
archs=${CUDA_ARCHS:-90}
built=0
if [[ ${1:-} == --built ]]; then
  build=${2:?--built needs a build folder}
  built=1
  shift 2
  archs=$(sed -n 's/^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=//p' "$build/CMakeCache.txt")
fi
bundle=${1:-build-bundle}

if ((!built)); then
  cmake -S . -B "$build" -G Ninja -DTRAWL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$archs" >/dev/null
  ninja -C "$build" -j"$jobs" trawl_cli trawl_cuda_tests trawl_backend_tests
fi

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
Use: scripts/gpu-check.sh --bundle $(basename "$bundle").tar.xz (or the unpacked folder)
TEXT
ls -l "$bundle/bin"
du -sh "$bundle"
archive=$bundle.tar.xz
tar -C "$(dirname "$bundle")" -cf - "$(basename "$bundle")" | xz -T"$jobs" -6 >"$archive.part"
mv "$archive.part" "$archive"
size=$(stat -c %s "$archive")
echo "gpu-bundle: $archive is $((size / 1024)) KiB"
if ((size > 40 * 1024 * 1024)); then
  echo "gpu-bundle: $archive is over 40 MiB: it must leave room for the working tree in a 64 MiB carry" >&2
  exit 1
fi
