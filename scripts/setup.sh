#!/usr/bin/env bash
# Installs everything trawl needs to build and test, with apt-get, on Debian 12 / Ubuntu.
# Idempotent and quiet when all is there. Run as root (or with sudo available).
#   scripts/setup.sh                 build + test dependencies
#   scripts/setup.sh --bench-tools   also the tools the benchmarks compare against
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git python3 coreutils util-linux bc
  libssl-dev libxxhash-dev xxhash libboost-program-options-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libphonenumber-dev zlib1g-dev libsqlite3-dev
  libdeflate-dev clang libclang-rt-14-dev
  libewf-dev ewf-tools
  forensics-samples-files netpbm webp p7zip-full
  chromium
  libtsk-dev sleuthkit e2fsprogs dosfstools mtools fdisk xz-utils forensics-samples-ntfs
)
# Reliability tests: strace (evidence opened read-only), GNU time (peak RSS in
# bench/worst_case_memory.sh).
packages+=(strace time)
# scripts/check_format.sh (run by test.sh): clang-format and clang-format-diff, version 14, the one
# .clang-format was measured with.
packages+=(clang-format-14)
# PDF reassembly tests: qpdf rewrites the system's PDFs with classic xref tables.
packages+=(qpdf)
# Media carver tests (OGG, MP3, FLAC, ADTS AAC, AMR, Matroska/WebM, MPEG-PS): ffmpeg writes them all
# from its own test-signal sources.
packages+=(ffmpeg)
# Hyperscan is packaged for x86-64 only; elsewhere its API-compatible fork vectorscan (the two
# -dev packages conflict, so exactly one is asked for).
if [[ "$(dpkg --print-architecture)" == "amd64" ]]; then
  packages+=(libhyperscan-dev)
else
  packages+=(libvectorscan-dev)
fi
# Slurm for the test that runs an sbatch array on a single-node cluster (tests/slurm). Their
# packages start system services when installed; setup keeps them stopped (policy-rc.d below).
packages+=(munge slurmctld slurmd slurm-client)
# Shared case databases: libpq to build against, and the PostgreSQL server that
# tests/case/test_postgres.sh starts by itself (initdb, pg_ctl; never the system service).
packages+=(libpq-dev postgresql)
if [[ "${1:-}" == "--bench-tools" ]]; then
  packages+=(hashdeep dc3dd foremost scalpel testdisk time)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# No service may start during the install (the tests start their own daemons): a temporary
# policy-rc.d says so, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
made_policy=no
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  made_policy=yes
fi
trap '[[ $made_policy == yes ]] && $sudo rm -f "$policy"' EXIT
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
