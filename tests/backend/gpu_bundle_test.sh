#!/usr/bin/env bash
# The GPU bundle (scripts/gpu-bundle.sh) is what travels to a GPU machine that has no package
# registry. This test makes it from the CUDA build under test, unpacks it into an empty folder and
# fails unless: the archive is within 40 MiB; with LD_LIBRARY_PATH naming the bundle's lib/ alone,
# `trawl --version` and `trawl_cuda_tests --gtest_list_tests` run; and every library that ldd
# resolves for the bundle's programs and libraries lies inside the bundle, except the C and C++
# runtimes and the driver (libc, libm, ld-linux, libstdc++, libgcc_s, libcuda), which the GPU
# machine has of its own.
#   gpu_bundle_test.sh BUILD_DIR SCRATCH_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
scratch=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$scratch"
mkdir -p "$scratch/unpacked"

JOBS=$(nproc) "$repo/scripts/gpu-bundle.sh" --built "$build" "$scratch/bundle" >"$scratch/bundle.log" 2>&1 ||
  { cat "$scratch/bundle.log"; echo "gpu_bundle_test: gpu-bundle.sh failed" >&2; exit 1; }
archive=$scratch/bundle.tar.xz
size=$(stat -c %s "$archive")
echo "bundle archive: $((size / 1024)) KiB"
((size <= 40 * 1024 * 1024)) || { echo "gpu_bundle_test: the archive is over 40 MiB" >&2; exit 1; }

tar -C "$scratch/unpacked" -xJf "$archive"
root=$scratch/unpacked/bundle
export LD_LIBRARY_PATH=$root/lib
"$root/bin/trawl" --version
"$root/bin/trawl_cuda_tests" --gtest_list_tests >"$scratch/list.txt"
grep -q '^CudaParity\.' "$scratch/list.txt" || { echo "gpu_bundle_test: no CudaParity tests listed" >&2; exit 1; }

system='^/(usr/)?lib(64)?/(x86_64-linux-gnu/|aarch64-linux-gnu/)?(ld-linux[-a-z0-9_.]*|libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|libcuda|libnvidia-[a-z0-9-]*)\.so'
outside=0
for f in "$root"/bin/* "$root"/lib/*; do
  while read -r line; do
    if [[ $line == *"not found"* ]]; then echo "gpu_bundle_test: $(basename "$f"): $line" >&2; outside=1; continue; fi
    path=$(sed -n 's/.*=> \(\/[^ ]*\).*/\1/p' <<<"$line")
    [[ -z $path || $path == "$root"/* || $path =~ $system ]] && continue
    echo "gpu_bundle_test: $(basename "$f") loads $path from outside the bundle" >&2
    outside=1
  done < <(ldd "$f" 2>&1)
done
((outside == 0)) || exit 1
echo "gpu_bundle_test: every library the bundle's programs load is inside it (runtimes and driver aside)"
