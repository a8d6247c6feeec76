#!/usr/bin/env bash
# A throw-away PostgreSQL for tests, as the `postgres` system user (PostgreSQL
# refuses to run as root), in DIR, on a random free loopback port.
#   scripts/pg-test.sh start DIR     prints the URL (also written to DIR/url)
#   scripts/pg-test.sh stop DIR      stops it and removes DIR
#   scripts/pg-test.sh createdb DIR NAME
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|createdb DIR [NAME]" >&2; exit 2; }

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/pg_ctl" ] || { echo "pg-test: PostgreSQL server binaries not found" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  chmod 700 "$dir"
  as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -h 127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB -c max_connections=200" \
      start >/dev/null 2>&1; then
      break
    fi
    port=""
  done
  [ -n "$port" ] || { cat "$dir/server.log" >&2; exit 1; }
  as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc "CREATE DATABASE cc24_test" postgres >/dev/null
  url="postgres://postgres@127.0.0.1:$port/cc24_test"
  echo "$url" >"$dir/url"
  echo "$port" >"$dir/port"
  echo "$url"
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
createdb)
  name=${3:?name}
  port=$(cat "$dir/port")
  as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc "CREATE DATABASE $name" postgres >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/$name"
  ;;
*)
  echo "usage: $0 start|stop|createdb DIR [NAME]" >&2
  exit 2
  ;;
esac
