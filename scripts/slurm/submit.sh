#!/usr/bin/env bash
# Submits a trawl run to Slurm: an array of scans (one task per image, or per range of a large
# image) and a merge job that runs after all of them succeeded and builds the case database.
#
#   scripts/slurm/submit.sh MANIFEST OUTDIR [--split SIZE] [--wait] [-- TRAWL SCAN OPTIONS...]
#
# MANIFEST: CSV label,image[,notes] (as `trawl scan --manifest`). --split 64G: images larger than
# that are scanned as ranges of 64 GiB by separate tasks (plus one task that computes the image
# hashes) and joined by `trawl merge`. Environment: TRAWL (the trawl binary, default: trawl in
# PATH), SBATCH_OPTIONS (extra sbatch options, e.g. "--partition=gpu --gres=gpu:1").
# Prints the two job ids. With --wait, returns when the merge job ended: 0 if it completed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[[ $# -ge 2 ]] || { sed -n '2,13p' "$0" >&2; exit 2; }
manifest=$1 out=$2; shift 2
split=0 wait=no
while [[ $# -gt 0 ]]; do
  case "$1" in
    --split) split=$2; shift 2 ;;
    --wait) wait=yes; shift ;;
    --) shift; break ;;
    *) echo "submit.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
page=16M
for ((i = 1; i <= $#; i++)); do [[ "${!i}" == --page-size ]] && { j=$((i + 1)); page=${!j}; }; done
count=$(python3 "$here/plan.py" "$manifest" "$out" --split "$split" --page-size "$page")
trawl_bin=${TRAWL:-$(command -v trawl || true)}
[[ -n "$trawl_bin" ]] || { echo "submit.sh: no trawl binary (set TRAWL)" >&2; exit 2; }
export TRAWL="$(realpath "$trawl_bin")" TRAWL_OUT="$out" TRAWL_OPTIONS="$*"
# shellcheck disable=SC2086
array=$(sbatch --parsable --export=ALL --chdir="$out/slurm" ${SBATCH_OPTIONS:-} --array="0-$((count - 1))" \
        "$here/trawl-task.sbatch")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --export=ALL --chdir="$out/slurm" ${SBATCH_OPTIONS:-} --dependency="afterok:$array" \
        --kill-on-invalid-dep=yes "$here/trawl-merge.sbatch")
merge=${merge%%;*}
echo "array $array ($count tasks)  merge $merge  -> $out"
[[ $wait == yes ]] || exit 0
# `sbatch --wait` reports success for a job cancelled by a failed dependency: poll its state.
while :; do
  state=$(scontrol -o show job "$merge" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)
  case "$state" in
    COMPLETED) exit 0 ;;
    FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|DEADLINE|BOOT_FAIL) echo "submit.sh: merge job $merge $state" >&2; exit 1 ;;
    "") sacct_state=$(sacct -n -X -j "$merge" -o State 2>/dev/null | head -1 | tr -d ' ' || true)
        [[ "$sacct_state" == COMPLETED ]] && exit 0
        [[ -n "$sacct_state" ]] && { echo "submit.sh: merge job $merge $sacct_state" >&2; exit 1; } ;;
  esac
  sleep 1
done
