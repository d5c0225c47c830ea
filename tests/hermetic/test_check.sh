#!/usr/bin/env bash
# The open-files check fails on a planted violation and passes on a pinned input: a process run
# with the shim preloaded reads /usr/share/common-licenses/GPL-3 (base-files, on every Debian
# machine, not pinned) and then only a pinned file of tests/inputs.list.
set -euo pipefail
shim=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# awk reads the whole list: `grep | head -n 1` under pipefail failed when head closed the pipe
# before grep's second write (SIGPIPE, exit 141, no message: about 1 run in 12 here).
pinned=$(awk '!/^#/ && NF { print $1; exit }' "$here/../inputs.list")

LD_PRELOAD=$shim TRAWL_OPEN_LOG=$log cat /usr/share/common-licenses/GPL-3 "$pinned" >/dev/null
if out=$(python3 "$here/check_open_files.py" "$log"); then
  echo "FAIL: the check passed although GPL-3 was read: $out"; exit 1
fi
grep -q '/usr/share/common-licenses/GPL-3  (by cat)' <<<"$out" || { echo "FAIL: the violation is not named: $out"; exit 1; }
grep -q "$pinned" <<<"$out" && { echo "FAIL: the pinned file was reported: $out"; exit 1; }

: >"$log"
LD_PRELOAD=$shim TRAWL_OPEN_LOG=$log python3 -c "import os; open('$pinned','rb').read(); os.listdir('/usr/share/doc')" || true
python3 "$here/check_open_files.py" "$log" >/dev/null && { echo "FAIL: a listing of /usr/share/doc passed"; exit 1; }
: >"$log"
LD_PRELOAD=$shim TRAWL_OPEN_LOG=$log python3 -c "open('$pinned','rb').read()"
python3 "$here/check_open_files.py" "$log" || { echo "FAIL: a pinned file (and python's own modules) failed the check"; exit 1; }
grep -q "$pinned" "$log" || { echo "FAIL: the shim did not log python's open"; exit 1; }
echo "open-files check: fails on GPL-3 and a listing, passes on $pinned"
