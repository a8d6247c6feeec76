#!/bin/sh
# http_hello.sh — requests/s of the HTTP layer alone (300-byte answer, keep-alive).
# Usage: bench/http_hello.sh [build-dir] [wrk-connections] [seconds]
# Peer: nginx with `location /hello { return 200 "..."; }` measured the same way.
set -eu
build=${1:-build}
conns=${2:-64}
secs=${3:-5}
port=18089
"$build/bench/bench_http" "127.0.0.1:$port" 2 >/dev/null 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10; do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
wrk -t1 "-c$conns" "-d${secs}s" "http://127.0.0.1:$port/hello"
