#!/usr/bin/env bash
# A throw-away Redis for tests, in DIR, on a random free loopback port, without
# persistence.
#   scripts/redis-test.sh start DIR     prints the URL (also written to DIR/url)
#   scripts/redis-test.sh stop DIR      stops it and removes DIR
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

server=$(command -v redis-server || true)
[ -x "$server" ] || { echo "redis-test: redis-server not found" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
  mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    "$server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --protected-mode yes
    for _ in $(seq 1 50); do
      if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
        echo "redis://127.0.0.1:$port" >"$dir/url"
        echo "$port" >"$dir/port"
        echo "redis://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.1
    done
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  done
  cat "$dir/redis.log" >&2 2>/dev/null || true
  exit 1
  ;;
stop)
  if [ -f "$dir/redis.pid" ]; then
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
