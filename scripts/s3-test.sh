#!/usr/bin/env bash
# A throw-away S3 server for tests (s3rver from node_modules, wrapped by
# scripts/s3-server.js so it verifies SigV4 signatures and payload hashes and
# stores atomically), in DIR, on a random free loopback port, with one bucket
# (cc24-test) and one key pair made up here.
#   scripts/s3-test.sh start DIR     prints the media store URL (also written to DIR/url)
#   scripts/s3-test.sh stop DIR      stops it and removes DIR
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
bucket=cc24-test

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
  command -v node >/dev/null || { echo "s3-test: node not found (scripts/deps.sh)" >&2; exit 1; }
  [ -f "$root/node_modules/s3rver/package.json" ] ||
    { echo "s3-test: node_modules/s3rver missing (npm ci)" >&2; exit 1; }
  mkdir -p "$dir/data" "$dir/tmp"
  access=cc24test$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
  secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    : >"$dir/server.log"
    node "$root/scripts/s3-server.js" --port "$port" --dir "$dir/data" --tmp "$dir/tmp" \
      --bucket "$bucket" --access-key "$access" --secret-key "$secret" \
      >"$dir/server.out" 2>"$dir/server.log" </dev/null &
    echo $! >"$dir/pid"
    for _ in $(seq 1 100); do
      if grep -q '^listening ' "$dir/server.out" 2>/dev/null &&
        curl -s -o /dev/null "http://127.0.0.1:$port/"; then
        url="s3://$bucket?endpoint=http://127.0.0.1:$port&region=us-east-1&access_key=$access&secret_key=$secret"
        echo "$url" >"$dir/url"
        echo "$port" >"$dir/port"
        echo "$url"
        exit 0
      fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.1
    done
    kill "$(cat "$dir/pid")" 2>/dev/null || true
    wait "$(cat "$dir/pid")" 2>/dev/null || true
  done
  cat "$dir/server.log" >&2 2>/dev/null || true
  exit 1
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
