#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder, as an
# unprivileged user (the tests may run as root, which PostgreSQL refuses), listening only on a
# Unix socket in that folder (kept short: socket paths are limited to 108 bytes), C locale (the
# order trawl's outputs are defined in), no fsync.
#   pg_server.sh start      prints DIR and the URL of an empty database "tcase" on two lines
#   pg_server.sh stop DIR   stops it and removes DIR
# Exit 77 when PostgreSQL's server programs are not installed (scripts/setup.sh installs them).
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "SKIP: PostgreSQL's server is not installed (scripts/setup.sh installs it)" >&2
  exit 77
fi
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/tpg.XXXXXX)
    chmod 755 "$dir"
    [[ $(id -u) -eq 0 ]] && chown nobody: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" --locale=C -E UTF8 -A trust -U trawl >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h "$dir" -U trawl tcase
    echo "$dir"
    echo "postgresql:///tcase?host=$dir&user=trawl"
    ;;
  stop)
    dir=${2:?DIR}
    [[ "$dir" == /tmp/tpg.* ]] || { echo "pg_server.sh: not a test server folder: $dir" >&2; exit 2; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: pg_server.sh start | stop DIR" >&2; exit 2 ;;
esac
