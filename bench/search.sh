#!/usr/bin/env bash
# Search benchmark: cc24's /api/v1/vehicles/search over 100k vehicles against
# nginx serving a static file of the median answer size (same wrk settings, same
# run), plus the same query mix as SQL in PostgreSQL (pgbench). Loopback only;
# every process is stopped on exit. Results: build-release/bench-search.txt
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${BENCH_VEHICLES:-100000}
DURATION=${BENCH_SECONDS:-15}
CONNS=${BENCH_CONNECTIONS:-64}
OUT=build-release/bench-search.txt

[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release >/dev/null
ninja -C build-release >/dev/null
BIN=$ROOT/build-release/cc24

T=$(mktemp -d /tmp/cc24-bench.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null || true
  [ -d "$T/pg" ] && scripts/pg-test.sh stop "$T/pg" >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

echo "== seeding $N vehicles (SQLite)"
"$BIN" seed --vehicles "$N" --database-url="sqlite:$T/bench.db" --log-format=text | tail -1

PORT=$(free_port)
"$BIN" serve --database-url="sqlite:$T/bench.db" --listen="127.0.0.1:$PORT" --workers=0 \
  --log-format=text --per-ip-connections=1024 --api-rate-anonymous=0 >"$T/serve.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
BUILD_MS=$(grep -o 'search index built: [0-9]* vehicles in [0-9]* ms' "$T/serve.log" | awk '{print $(NF-1)}')

echo "== generating queries"
python3 bench/gen_queries.py "http://127.0.0.1:$PORT" "$T" 1200 24
# warm up and measure the answer sizes
head -n 200 "$T/urls.txt" | while read -r u; do curl -s -o /dev/null -w '%{size_download}\n' "http://127.0.0.1:$PORT$u"; done | sort -n >"$T/sizes"
MEDIAN=$(awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' "$T/sizes")
# request once with gzip too, as browsers do
GZ=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$PORT$(head -n1 "$T/urls.txt")")

run_wrk() { # label url [lua]
  local label=$1 url=$2
  shift 2
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url" >"$T/wrk-$label.txt" 2>&1
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$T/wrk-$label.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$T/wrk-$label.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$T/wrk-$label.txt")
  echo "$label $rps $p50 $p99"
}

echo "== wrk: cc24 search ($CONNS connections, ${DURATION}s, 1200 distinct queries)"
export URLS_FILE="$T/urls.txt"
CC=$(run_wrk cc24 "http://127.0.0.1:$PORT" -s bench/multi_url.lua)
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVE/status")
HWM_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVE/status")
grep -E 'Non-2xx|Socket errors' "$T/wrk-cc24.txt" || true

echo "== nginx static file of $MEDIAN bytes"
NPORT=$(free_port)
mkdir -p "$T/www" "$T/nginx-tmp"
head -c "$MEDIAN" /dev/urandom | base64 -w0 | head -c "$MEDIAN" >"$T/www/answer.json"
cat >"$T/nginx.conf" <<NGINX
user root;
worker_processes 2;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $T/nginx-tmp;
  proxy_temp_path $T/nginx-tmp;
  fastcgi_temp_path $T/nginx-tmp;
  uwsgi_temp_path $T/nginx-tmp;
  scgi_temp_path $T/nginx-tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NPORT;
    location / { root $T/www; default_type application/json; }
  }
}
NGINX
nginx -c "$T/nginx.conf" &
PIDS+=("$!")
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$NPORT/answer.json" >/dev/null 2>&1 && break; sleep 0.1; done
NG=$(run_wrk nginx "http://127.0.0.1:$NPORT/answer.json")

echo "== in-process index (no HTTP)"
IDX=""
[ -x build-release/bench/bench_search_index ] && IDX=$(build-release/bench/bench_search_index 100000 | tail -n 3)

echo "== PostgreSQL: the same query mix as SQL"
PG_LINE="(skipped)"
if PGURL=$(scripts/pg-test.sh start "$T/pg" 2>/dev/null); then
  "$BIN" seed --vehicles "$N" --database-url="$PGURL" --log-format=text | tail -1
  psql "$PGURL" -qc "ANALYZE" >/dev/null
  ARGS=()
  for f in $(ls "$T"/sql/q*.sql | head -n 120); do ARGS+=(-f "$f"); done # pgbench takes at most 128 scripts
  pgbench -n -c 8 -j 2 -T "$DURATION" "${ARGS[@]}" "$PGURL" >"$T/pgbench.txt" 2>&1 || true
  PG_TPS=$(awk '/^tps/ {print $3; exit}' "$T/pgbench.txt")
  PG_LAT=$(awk '/latency average/ {print $4; exit}' "$T/pgbench.txt")
  PG_LINE="$PG_TPS searches/s, mean latency $PG_LAT ms (8 clients; count + page + facet queries per search)"
fi

read -r _ CC_RPS CC_P50 CC_P99 <<<"$CC"
read -r _ NG_RPS NG_P50 NG_P99 <<<"$NG"
RATIO=$(python3 -c "print('%.1f %%' % (100.0 * float('$CC_RPS') / float('$NG_RPS')))")
PG_RATIO=""
if [ -n "${PG_TPS:-}" ]; then PG_RATIO=$(python3 -c "print('%.0fx' % (float('$CC_RPS') / float('$PG_TPS')))"); fi
{
  echo "cc24 search benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $N vehicles, wrk -t2 -c$CONNS -d${DURATION}s"
  echo
  printf '%-34s %12s %10s %10s\n' "" "req/s" "p50" "p99"
  printf '%-34s %12s %10s %10s\n' "cc24 /api/v1/vehicles/search" "$CC_RPS" "$CC_P50" "$CC_P99"
  printf '%-34s %12s %10s %10s\n' "nginx static ($MEDIAN bytes)" "$NG_RPS" "$NG_P50" "$NG_P99"
  echo
  echo "throughput ratio cc24 / nginx static: $RATIO"
  echo "median answer: $MEDIAN bytes ($GZ bytes gzipped for the first query)"
  echo "serve RSS with $N vehicles indexed: $((RSS_KB / 1024)) MB (peak $((HWM_KB / 1024)) MB)"
  echo "index build at start-up: ${BUILD_MS} ms"
  echo "PostgreSQL, same queries as SQL: $PG_LINE"
  [ -n "$PG_RATIO" ] && echo "cc24 over PostgreSQL: $PG_RATIO"
  [ -n "$IDX" ] && echo && echo "$IDX"
} | tee "$OUT"
