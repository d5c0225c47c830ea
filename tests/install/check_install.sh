#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a small program that embeds the engine
# through find_package(trawl); the program hashes a file and must agree with sha256sum.
set -euo pipefail
build=$1
consumer=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
head -c 100000 /dev/urandom >"$work/disk.raw"
got=$("$work/build/embed" "$work/disk.raw")
want=$(sha256sum "$work/disk.raw" | cut -d' ' -f1)
[[ "$got" == "$want" ]] || { echo "embedded scan gave $got, sha256sum $want"; exit 1; }
# The installed CLI runs too (it finds the library through its RPATH).
"$work/prefix/bin/trawl" --version
echo "installed package OK"
