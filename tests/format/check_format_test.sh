#!/usr/bin/env bash
# scripts/check_format.sh fails on a badly formatted change and passes on a formatted one, in a
# throwaway git repository holding only .clang-format, the script and one source file. It judges
# changed lines only: an old badly formatted line that nobody touched does not fail it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The user's and the system's git settings (hooks, signing, templates) stay out of it.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
cd "$work"
git init -q --template= -b main .  # --template=: no read of /usr/share/git-core/templates
mkdir scripts
cp "$root/.clang-format" .
cp "$root/scripts/check_format.sh" scripts/
git add -A && git commit -q -m "tooling"

# An old line that does not follow .clang-format (two statements on one line), committed as is.
cat >unit.cpp <<'EOF'
#include <cstdint>

namespace trawl {

int untouched(int a) { int b = a * 2; return b; }

std::uint64_t twice(std::uint64_t x) { return 2 * x; }

}  // namespace trawl
EOF
git add unit.cpp && git commit -q -m "unit"
base=$(git rev-parse HEAD)

expect() {  # expect STATUS WHAT ARGS...: runs the check, which must exit STATUS
  local want=$1 what=$2 status=0
  shift 2
  out=$(scripts/check_format.sh "$@" 2>&1) || status=$?
  if [[ $status != "$want" ]]; then
    echo "FAIL: $what: check_format.sh $* exited $status, expected $want; it said:"
    echo "$out"
    exit 1
  fi
}

expect 0 "no change since BASE" "$base"
grep -q '^check_format: OK' <<<"$out" || { echo "FAIL: no OK line: $out"; exit 1; }

# A changed line laid out badly.
sed -i 's|^std::uint64_t twice.*|std::uint64_t twice( std::uint64_t x ){return 2*x;}|' unit.cpp
expect 1 "a badly formatted change" "$base"
grep -q '^+std::uint64_t twice(std::uint64_t x) { return 2 \* x; }' <<<"$out" ||
  { echo "FAIL: the diff does not show the formatted line: $out"; exit 1; }
grep -q '^-int untouched' <<<"$out" && { echo "FAIL: an unchanged line was judged: $out"; exit 1; }

# A change laid out as .clang-format says: passes, although the untouched line still is not.
sed -i 's|^std::uint64_t twice.*|std::uint64_t twice(std::uint64_t x) { return x + x; }|' unit.cpp
expect 0 "a formatted change" "$base"
# A pure deletion right under the untouched line judges nothing (clang-format-diff alone would
# reformat the line above the gap).
git checkout -q unit.cpp
sed -i '/^int untouched/{n;d}' unit.cpp
expect 0 "a deletion next to an untouched line" "$base"
git checkout -q unit.cpp

# The default BASE without origin/main is HEAD~1: a commit of the bad line fails, then passes
# once the fix is committed on top (HEAD~1 is then the bad commit, and the fix is the change).
sed -i 's|^std::uint64_t twice.*|std::uint64_t twice( std::uint64_t x ){return 2*x;}|' unit.cpp
git commit -q -am "bad"
expect 1 "the default base (HEAD~1) with a bad last commit"
sed -i 's|^std::uint64_t twice.*|std::uint64_t twice(std::uint64_t x) { return 2 * x; }|' unit.cpp
git commit -q -am "fixed"
expect 0 "the default base (HEAD~1) after the fix"

# A new file that git does not know yet counts as changed, every line of it.
printf 'int  added( ){return 1;}\n' >new_file.cu
expect 1 "an untracked badly formatted .cu file"
rm new_file.cu

# CI mode: skips without origin/main; with it, strict against the merge base.
expect 0 "--ci without origin/main" --ci
grep -q 'skipped' <<<"$out" || { echo "FAIL: --ci without origin/main did not say it skipped: $out"; exit 1; }
# origin/main at the first commit: unit.cpp, its untouched line too, is this branch's change.
git update-ref refs/remotes/origin/main "$(git rev-list --max-parents=0 HEAD)"
expect 1 "--ci against the merge base with origin/main" --ci
git update-ref refs/remotes/origin/main HEAD
expect 0 "--ci with nothing changed since origin/main" --ci
echo "check_format: fails on a badly formatted change (and a new file), passes on formatted ones, ignores untouched lines"
