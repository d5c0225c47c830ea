#!/usr/bin/env bash
# README command (b): sets up, builds and runs the whole test suite. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd "${TRAWL_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900
