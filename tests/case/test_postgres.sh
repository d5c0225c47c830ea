#!/usr/bin/env bash
# A shared case on a real PostgreSQL server (pg_server.sh starts one in a temporary folder):
#   1. the same scan folders give byte-identical correlation outputs on SQLite and PostgreSQL;
#   2. a loader killed in the middle of a device leaves the case without that device (and
#      without any of its rows), and `trawl case build --resume` then adds it;
#   3. two loaders at once into one fresh database (the Slurm case: each task loads its own
#      device) give the same case;
#   4. --append of a device already there, and a build over an existing case, are refused.
#   tests/case/test_postgres.sh TRAWL_BINARY          exit 0 pass, 1 fail, 77 skip (no server)
set -euo pipefail
trawl=$(realpath "${1:?trawl binary}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/tpgt.XXXXXX)
pgdir=""
cleanup() { [[ -n "$pgdir" ]] && "$here/pg_server.sh" stop "$pgdir"; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

set +e
server=$("$here/pg_server.sh" start)
rc=$?
set -e
[[ $rc -eq 77 ]] && exit 77
[[ $rc -eq 0 ]] || fail "cannot start PostgreSQL"
pgdir=$(head -1 <<<"$server")
url=$(tail -1 <<<"$server")
sql() { psql "$1" -v ON_ERROR_STOP=1 -Atqc "$2"; }

python3 "$root/tests/slurm/make_devices.py" "$tmp/img" --devices 4 --size 2M >/dev/null
"$trawl" scan --manifest "$tmp/img/manifest.csv" -o "$tmp/scans" -q --block-hash none --hash md5
# Two generated folders (bench/case_scale.py): phones near ad ids, matches in decoded streams.
python3 "$root/bench/case_scale.py" --devices 2 --occurrences 3000 --image-size 16777216 --write "$tmp/scans"
scans=("$tmp"/scans/dev0000 "$tmp"/scans/dev-{a,b,c} "$tmp"/scans/dev0001 "$tmp"/scans/dev-d)

"$trawl" case build "${scans[@]}" -o "$tmp/case.db" -q
"$trawl" case correlate "$tmp/case.db" -o "$tmp/sqlite" -q

# 2. dev-d's features come through a named pipe; the loader is killed after half of them, while
# its transaction is open.
"$trawl" case build "${scans[@]:0:5}" -o "$url" -q
cp -r "$tmp/scans/dev-d" "$tmp/killed"
rm "$tmp/killed/features/features.jsonl"
mkfifo "$tmp/killed/features/features.jsonl"
lines=$(wc -l < "$tmp/scans/dev-d/features/features.jsonl")
[[ $lines -ge 4 ]] || fail "dev-d has too few features ($lines)"
"$trawl" case build "$tmp/killed" -o "$url" --append -q &
loader=$!
exec 3>"$tmp/killed/features/features.jsonl"
head -n $((lines / 2)) "$tmp/scans/dev-d/features/features.jsonl" >&3
for _ in $(seq 100); do   # until the loader's transaction has written rows
  [[ $(sql "$url" "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = 'tcase' AND backend_xid IS NOT NULL") -ge 1 ]] && break
  sleep 0.1
done
[[ $(sql "$url" "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = 'tcase' AND backend_xid IS NOT NULL") -ge 1 ]] \
  || fail "the loader never opened its transaction"
kill -9 $loader
wait $loader 2>/dev/null || true
exec 3>&-
sleep 0.5   # the server notices the closed connection and rolls back
[[ $(sql "$url" "SELECT string_agg(label, ',' ORDER BY label) FROM devices") == "dev-a,dev-b,dev-c,dev0000,dev0001" ]] \
  || fail "a killed loader left a partial device: $(sql "$url" "SELECT string_agg(label, ',') FROM devices")"
[[ $(sql "$url" "SELECT COUNT(*) FROM occurrences WHERE device_id NOT IN (SELECT id FROM devices)") == 0 ]] \
  || fail "occurrences of no device are left"
resumed=$("$trawl" case build "${scans[@]}" -o "$url" --resume)
[[ "$resumed" == *"1 devices loaded (5 already there)"* ]] || fail "--resume: $resumed"

# 1. The outputs, byte for byte.
"$trawl" case correlate "$url" -o "$tmp/postgresql" -q
for f in shared_identifiers.csv shared_identifiers.jsonl phone_near_adid.csv phone_near_adid.jsonl shared_files.csv shared_files.jsonl; do
  cmp "$tmp/sqlite/$f" "$tmp/postgresql/$f" || fail "$f differs between SQLite and PostgreSQL"
  [[ $(wc -l < "$tmp/sqlite/$f") -ge 2 ]] || fail "$f is empty: the test data should fill it"
done
for table in devices identifiers occurrences device_identifiers carved_files; do
  a=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM $table').fetchone()[0])" "$tmp/case.db")
  b=$(sql "$url" "SELECT COUNT(*) FROM $table")
  [[ "$a" == "$b" ]] || fail "$table: $a rows in SQLite, $b in PostgreSQL"
done

# 3. Two loaders at once into a fresh database: the first creates the schema, both load.
sql "$url" "CREATE DATABASE tcase2" >/dev/null
url2=${url/tcase?/tcase2?}
"$trawl" case build "${scans[@]:0:3}" -o "$url2" --resume -q &
one=$!
"$trawl" case build "${scans[@]:3:3}" -o "$url2" --resume -q &
two=$!
wait $one || fail "the first concurrent loader failed"
wait $two || fail "the second concurrent loader failed"
"$trawl" case correlate "$url2" -o "$tmp/concurrent" -q
for f in shared_identifiers.jsonl phone_near_adid.jsonl shared_files.jsonl; do
  cmp "$tmp/sqlite/$f" "$tmp/concurrent/$f" || fail "$f differs after concurrent loads"
done

# 4. Refusals: exit 3 for a device already there, 4 for a build over an existing case.
set +e
"$trawl" case build "$tmp/scans/dev-a" -o "$url" --append 2>/dev/null; rc_append=$?
"$trawl" case build "$tmp/scans/dev-a" -o "$url" 2>/dev/null; rc_exists=$?
"$trawl" case build "$tmp/scans/dev-a" -o "$url" --force 2>/dev/null; rc_force=$?
"$trawl" case correlate "postgresql:///nosuchdb?host=$pgdir&user=trawl" 2>/dev/null; rc_nodb=$?
set -e
[[ $rc_append -eq 3 && $rc_exists -eq 4 && $rc_force -eq 2 && $rc_nodb -eq 3 ]] \
  || fail "exit codes: --append of a loaded device $rc_append (3), existing case $rc_exists (4), --force $rc_force (2), no database $rc_nodb (3)"
echo "PASS: PostgreSQL case equal to SQLite's; a killed loader left no partial device and --resume added it; concurrent loads agree"
