#!/usr/bin/env bash
# The Slurm path end to end on a real single-node Slurm (local_cluster.sh): an array over five
# generated devices, one of them split into ranges, then the afterok merge job that joins the
# ranges and builds the case database. The case must equal the one from a local batch run, and
# the joined device's blocks, features and carved files must equal its whole-image run.
#   tests/slurm/test_slurm.sh TRAWL_BINARY
set -euo pipefail
trawl=$(realpath "${1:?trawl binary}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/tsl.XXXXXX)   # short: Unix socket paths are limited to 108 bytes
cluster="$tmp/c"
cleanup() { "$here/local_cluster.sh" stop "$cluster" || true; [[ -n "${TRAWL_KEEP_TMP:-}" ]] || rm -rf "$tmp"; }
trap cleanup EXIT

python3 "$here/make_devices.py" "$tmp/img" --devices 4 --size 6M --big 20M
options=(--page-size 4M --block-size 4096)

eval "$("$here/local_cluster.sh" start "$cluster")"
started=$(date +%s.%N)
TRAWL="$trawl" "$root/scripts/slurm/submit.sh" "$tmp/img/manifest.csv" "$tmp/slurm" --split 8M --wait -- "${options[@]}" \
  || { echo "FAIL: the Slurm run did not complete"; tail -n 20 "$tmp"/slurm/slurm/*.log "$cluster"/slurmctld.log; exit 1; }
echo "slurm run: $(echo "$(date +%s.%N) - $started" | bc) s"
ranges=$(ls -d "$tmp"/slurm/parts/dev-big/0* | wc -l)
[[ $ranges -ge 3 ]] || { echo "FAIL: dev-big should have been split into >= 3 ranges, got $ranges"; exit 1; }

# The same devices as a local batch, and the whole big image alone.
"$trawl" scan --manifest "$tmp/img/manifest.csv" -o "$tmp/local" -q "${options[@]}"
"$trawl" case build "$tmp"/local/dev-{a,b,c,d,big} -o "$tmp/local.db" >/dev/null
"$trawl" case correlate "$tmp/local.db" -o "$tmp/local-correlation" >/dev/null

python3 "$here/compare_cases.py" "$tmp/slurm/case.db" "$tmp/local.db" || { echo "FAIL: the Slurm case differs from the local one"; exit 1; }
for f in shared_identifiers.csv shared_identifiers.jsonl phone_near_adid.csv phone_near_adid.jsonl shared_files.csv; do
  cmp "$tmp/slurm/correlation/$f" "$tmp/local-correlation/$f" || { echo "FAIL: correlation $f differs"; exit 1; }
done
# The joined ranges against the whole-image run, file by file (timestamps aside).
diff -r -q -x summary.json -x trawl.log -x report.xml "$tmp/slurm/dev-big" "$tmp/local/dev-big" \
  || { echo "FAIL: the joined ranges differ from the whole-image run"; exit 1; }
grep -v '<start_time>' "$tmp/slurm/dev-big/carved/report.xml" > "$tmp/a.xml"
grep -v '<start_time>' "$tmp/local/dev-big/carved/report.xml" > "$tmp/b.xml"
cmp "$tmp/a.xml" "$tmp/b.xml" || { echo "FAIL: the joined carve report differs"; exit 1; }
shared=$(($(wc -l < "$tmp/slurm/correlation/shared_identifiers.jsonl") - 1))   # less the header line
echo "PASS: $ranges ranges of dev-big joined; case equal to the local batch ($shared shared identifiers)"
