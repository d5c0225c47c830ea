#!/usr/bin/env bash
# README command (a): sets up, builds, makes the bundled sample image from real files on this
# system (deterministic: the same files give the same image) and scans it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p sample
python3 scripts/make-sample.py --out sample/sample.img --manifest sample/manifest.json
rm -rf out/sample
build/host/trawl scan sample/sample.img -o out/sample --progress none
echo
echo "summary.json of the run (out/sample/):"
cat out/sample/summary.json
