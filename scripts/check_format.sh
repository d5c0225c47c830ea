#!/usr/bin/env bash
# Checks that the C++/CUDA lines changed since BASE are laid out as .clang-format says; lines
# nobody touched are never judged, so no branch has to reformat whole files (other branches are
# open on them).
#   scripts/check_format.sh [BASE]   BASE: a commit; default the merge base with origin/main when
#                                    that ref exists, else HEAD~1
#   scripts/check_format.sh --ci     what scripts/test.sh runs: strict against the merge base with
#                                    origin/main; where there is no origin/main (a fresh clone
#                                    without the remote, a tarball) it skips with a one-line notice
# Prints clang-format's diff of the offending lines and exits 1 when any changed line is not
# formatted; exits 0 with one OK line otherwise; 2 on a usage error or a missing tool.
#
# Why CI does not fall back to HEAD~1: that would judge the last commit's lines, and every commit
# made before .clang-format existed (or by someone who did not run clang-format) would fail the
# suite of a clean clone. Against the merge base, a branch answers for its own lines only.
#
# "Changed" means: lines added or modified between BASE and the working tree (staged or not), and
# every line of a new file that git does not ignore. Pure deletions are left out (clang-format-diff
# would otherwise reformat the untouched line above the gap). Fix with:
#   git diff -U0 --no-color BASE -- '*.cpp' '*.hpp' '*.cu' '*.cuh' | clang-format-diff-14 -p1 -i \
#     -regex '.*\.(cpp|hpp|cu|cuh)'
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"

ci=no
if [[ "${1:-}" == "--ci" ]]; then
  ci=yes
  shift
fi
if [[ $# -gt 1 ]]; then
  echo "usage: scripts/check_format.sh [--ci] [BASE]" >&2
  exit 2
fi

if [[ $# -eq 1 ]]; then
  base=$1
elif git rev-parse --verify -q origin/main >/dev/null; then
  if ! base=$(git merge-base origin/main HEAD); then
    # A shallow clone may lack the commits that join the two.
    [[ $ci == yes ]] && { echo "check_format: skipped (origin/main and HEAD have no merge base here: a shallow clone?)"; exit 0; }
    echo "check_format: origin/main and HEAD have no merge base; give BASE" >&2
    exit 2
  fi
elif [[ $ci == yes ]]; then
  echo "check_format: skipped (no origin/main to take the merge base with; run scripts/check_format.sh BASE by hand)"
  exit 0
else
  base=HEAD~1
fi
if ! git rev-parse --verify -q "$base^{commit}" >/dev/null; then
  echo "check_format: '$base' is not a commit" >&2
  exit 2
fi

# Version 14 is what .clang-format was measured with; another version may lay out a line differently.
clang_format=$(command -v clang-format-14 || command -v clang-format || true)
format_diff=$(command -v clang-format-diff-14 || command -v clang-format-diff || true)
if [[ -z $clang_format || -z $format_diff ]]; then
  echo "check_format: clang-format and clang-format-diff are needed (scripts/setup.sh installs them)" >&2
  exit 2
fi

patterns=('*.cpp' '*.hpp' '*.cu' '*.cuh')
changes() {
  git diff -U0 --no-color --no-ext-diff "$base" -- "${patterns[@]}"
  # New files git does not know yet, as additions (`+++ b/PATH`, like the diff above).
  git ls-files -z --others --exclude-standard -- "${patterns[@]}" |
    while IFS= read -r -d '' file; do
      git diff -U0 --no-color --no-ext-diff --no-index /dev/null "$file" || true
    done
}
# Hunks that add nothing (`+N,0`) are deletions: nothing of ours to format there.
# clang-format-diff's default file pattern lacks .cu and .cuh, hence -regex.
out=$(changes | { grep -v -E '^@@ [^@]* \+[0-9]+,0 @@' || true; } |
  "$format_diff" -p1 -binary "$clang_format" -regex '.*\.(cpp|hpp|cu|cuh)')
if [[ -n $out ]]; then
  printf '%s\n' "$out"
  echo "check_format: changed lines since $(git rev-parse --short "$base") are not formatted (the diff above is what clang-format wants)" >&2
  exit 1
fi
echo "check_format: OK, every C++/CUDA line changed since $(git rev-parse --short "$base") is formatted"
