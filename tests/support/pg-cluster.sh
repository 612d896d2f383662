#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests: initdb in a temporary directory, a free
# port, trust authentication for the local postgres role, fsync on (the durability tests need it).
#   tests/support/pg-cluster.sh start DIR    prints the base URL: postgresql://postgres@127.0.0.1:PORT/postgres
#   tests/support/pg-cluster.sh stop DIR
# Runs the server as the `postgres` system user (initdb refuses root); DIR is made for it.
set -euo pipefail

action=${1:-}
dir=${2:-}
[ -n "$action" ] && [ -n "$dir" ] || { echo "usage: pg-cluster.sh start|stop DIR" >&2; exit 2; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server binaries (packaging/install-deps.sh --test installs them)" >&2; exit 1; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_postgres "'$bin/initdb' -D '$dir/data' -A trust -U postgres --no-sync >'$dir/initdb.log' 2>&1" || {
      cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in $(seq 1 50); do
      port=$(( 20000 + (RANDOM % 20000) ))
      ss -ltn 2>/dev/null | grep -q ":$port " && continue
      if as_postgres "'$bin/pg_ctl' -D '$dir/data' -w -t 30 -l '$dir/server.log' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on\" start >/dev/null"; then
        echo "$port" >"$dir/port"
        echo "postgresql://postgres@127.0.0.1:$port/postgres"
        exit 0
      fi
    done
    echo "pg-cluster: could not start PostgreSQL; see $dir/server.log" >&2
    exit 1
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_postgres "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null 2>&1" || true
    ;;
  *)
    echo "usage: pg-cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
