#!/usr/bin/env bash
# Page benchmark: the public site's HTML pages over 100k vehicles, against nginx
# serving the same bytes as static files, in the same run with the same wrk
# settings (loopback only; every process is stopped on exit).
#
#   /fahrzeuge with filters  1,200 distinct realistic queries (bench/gen_queries.py,
#                            the API's query mix on the page) cycled by multi_url.lua
#   vehicle pages            500 distinct vehicles, cycled the same way
#
# Each runs twice: identity (no compression) and gzip (Accept-Encoding: gzip, nginx
# compressing on the fly). cc24 keeps anonymous pages in a 10-second microcache
# (src/web/page_cache.c); the URLs are requested once before wrk starts. A second
# instance with --page-cache-seconds=0 shows the cost of rendering every page.
# Targets (issue 4): vehicle page >= 40 % of nginx static, search pages p99 < 15 ms. Results: build-release/bench-pages.txt
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${BENCH_VEHICLES:-100000}
DURATION=${BENCH_SECONDS:-15}
CONNS=${BENCH_CONNECTIONS:-64}
OUT=build-release/bench-pages.txt

[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release >/dev/null
ninja -C build-release >/dev/null
BIN=$ROOT/build-release/cc24

T=$(mktemp -d /tmp/cc24-bench-pages.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

if [ -n "${BENCH_DB:-}" ] && [ -f "$BENCH_DB" ]; then
  cp "$BENCH_DB" "$T/bench.db"
else
  echo "== seeding $N vehicles (SQLite)"
  "$BIN" seed --vehicles "$N" --database-url="sqlite:$T/bench.db" --log-format=text | tail -1
fi

PORT=$(free_port)
"$BIN" serve --database-url="sqlite:$T/bench.db" --listen="127.0.0.1:$PORT" --workers=0 \
  --log-format=text --per-ip-connections=1024 --api-rate-anonymous=0 >"$T/serve.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
B="http://127.0.0.1:$PORT"

echo "== generating page URLs"
python3 bench/gen_queries.py "$B" "$T" 1200 24 >/dev/null
sed 's|^/api/v1/vehicles/search|/fahrzeuge|' "$T/urls.txt" >"$T/search-urls.txt"
# 500 vehicles from across the index, by their canonical URLs
: >"$T/vehicle-urls.txt"
for sort in newest price_asc price_desc mileage_asc year_desc; do
  curl -fs "$B/api/v1/vehicles/search?size=100&sort=$sort" |
    python3 -c 'import json,sys; [print(v["id"]) for v in json.load(sys.stdin)["items"]]'
done | sort -u | head -n 500 | while read -r id; do
  curl -s -o /dev/null -w '%{redirect_url}\n' "$B/fahrzeuge/x-$id" | sed "s|^$B||"
done >"$T/vehicle-urls.txt"
echo "$(wc -l <"$T/search-urls.txt") search URLs, $(wc -l <"$T/vehicle-urls.txt") vehicle URLs"

# the bytes nginx serves: a median-sized page of each kind, as cc24 rendered it
median_page() { # urls-file out-file
  head -n 200 "$1" | while read -r u; do
    printf '%s %s\n' "$(curl -s -o /dev/null -w '%{size_download}' "$B$u")" "$u"
  done | sort -n >"$T/sizes"
  local u
  u=$(awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}' "$T/sizes")
  curl -s -o "$2" "$B$u"
  wc -c <"$2"
}
mkdir -p "$T/www" "$T/nginx-tmp"
SEARCH_BYTES=$(median_page "$T/search-urls.txt" "$T/www/search.html")
VEHICLE_BYTES=$(median_page "$T/vehicle-urls.txt" "$T/www/vehicle.html")
SEARCH_GZ=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$B$(head -n1 "$T/search-urls.txt")")
VEHICLE_GZ=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$B$(head -n1 "$T/vehicle-urls.txt")")

NPORT=$(free_port)
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
  gzip on;
  gzip_comp_level 1;
  gzip_min_length 1024;
  server {
    listen 127.0.0.1:$NPORT;
    location / { root $T/www; default_type text/html; }
  }
}
NGINX
nginx -c "$T/nginx.conf" &
PIDS+=("$!")
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$NPORT/search.html" >/dev/null 2>&1 && break; sleep 0.1; done

run_wrk() { # label url [wrk args...]
  local label=$1 url=$2
  shift 2
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url" >"$T/wrk-$label.txt" 2>&1
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$T/wrk-$label.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$T/wrk-$label.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$T/wrk-$label.txt")
  bad=$(awk '/Non-2xx/ {print $NF}' "$T/wrk-$label.txt")
  echo "$label $rps $p50 $p99 ${bad:-0}"
}

# pages are microcached (10 s): warm every URL once, as steady traffic would
cat "$T/search-urls.txt" "$T/vehicle-urls.txt" | xargs -P 4 -I{} curl -s -o /dev/null "$B{}"

GZIP=(-H 'Accept-Encoding: gzip')
echo "== wrk ($CONNS connections, ${DURATION}s each)"
export URLS_FILE="$T/search-urls.txt"
R_S=$(run_wrk cc24-search "$B" -s bench/multi_url.lua)
R_SG=$(run_wrk cc24-search-gz "$B" -s bench/multi_url.lua "${GZIP[@]}")
export URLS_FILE="$T/vehicle-urls.txt"
R_V=$(run_wrk cc24-vehicle "$B" -s bench/multi_url.lua)
R_VG=$(run_wrk cc24-vehicle-gz "$B" -s bench/multi_url.lua "${GZIP[@]}")
N_S=$(run_wrk nginx-search "http://127.0.0.1:$NPORT/search.html")
N_SG=$(run_wrk nginx-search-gz "http://127.0.0.1:$NPORT/search.html" "${GZIP[@]}")
N_V=$(run_wrk nginx-vehicle "http://127.0.0.1:$NPORT/vehicle.html")
N_VG=$(run_wrk nginx-vehicle-gz "http://127.0.0.1:$NPORT/vehicle.html" "${GZIP[@]}")
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVE/status")

# the same pages rendered for every request: a second instance without the microcache
PORT0=$(free_port)
"$BIN" serve --database-url="sqlite:$T/bench.db" --listen="127.0.0.1:$PORT0" --workers=0 \
  --log-format=text --per-ip-connections=1024 --api-rate-anonymous=0 --page-cache-seconds=0 >"$T/serve0.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT0/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
B0="http://127.0.0.1:$PORT0"
curl -s -o /dev/null "$B0/fahrzeuge"
export URLS_FILE="$T/search-urls.txt"
R_S0=$(run_wrk cc24-search-nocache "$B0" -s bench/multi_url.lua)
export URLS_FILE="$T/vehicle-urls.txt"
R_V0=$(run_wrk cc24-vehicle-nocache "$B0" -s bench/multi_url.lua)

ratio() { python3 -c "print('%.1f %%' % (100.0 * float('$1') / float('$2')))"; }
row() { # label result
  read -r _ rps p50 p99 bad <<<"$2"
  printf '%-40s %10s %9s %9s %8s\n' "$1" "$rps" "$p50" "$p99" "$bad"
}
field() { echo "$1" | awk "{print \$$2}"; }
{
  echo "cc24 page benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $N vehicles, wrk -t2 -c$CONNS -d${DURATION}s"
  echo
  printf '%-40s %10s %9s %9s %8s\n' "" "req/s" "p50" "p99" "non-2xx"
  row "cc24 /fahrzeuge (1,200 filter URLs)" "$R_S"
  row "nginx static search page ($SEARCH_BYTES B)" "$N_S"
  row "cc24 /fahrzeuge, gzip" "$R_SG"
  row "nginx static search page, gzip" "$N_SG"
  row "cc24 vehicle pages (500 URLs)" "$R_V"
  row "nginx static vehicle page ($VEHICLE_BYTES B)" "$N_V"
  row "cc24 vehicle pages, gzip" "$R_VG"
  row "nginx static vehicle page, gzip" "$N_VG"
  row "cc24 /fahrzeuge, no microcache" "$R_S0"
  row "cc24 vehicle pages, no microcache" "$R_V0"
  echo
  echo "vehicle page / nginx static: $(ratio "$(field "$R_V" 2)" "$(field "$N_V" 2)") (gzip: $(ratio "$(field "$R_VG" 2)" "$(field "$N_VG" 2)"))  target >= 40 %"
  echo "search page / nginx static:  $(ratio "$(field "$R_S" 2)" "$(field "$N_S" 2)") (gzip: $(ratio "$(field "$R_SG" 2)" "$(field "$N_SG" 2)"))"
  echo "search page p99: $(field "$R_S" 4) (gzip: $(field "$R_SG" 4))  target < 15 ms"
  echo "without the microcache (every page rendered): vehicle page / nginx static $(ratio "$(field "$R_V0" 2)" "$(field "$N_V" 2)"), search page / nginx static $(ratio "$(field "$R_S0" 2)" "$(field "$N_S" 2)"), search p99 $(field "$R_S0" 4)"
  echo "page sizes: search $SEARCH_BYTES B ($SEARCH_GZ B gzipped), vehicle $VEHICLE_BYTES B ($VEHICLE_GZ B gzipped)"
  echo "serve RSS with $N vehicles indexed: $((RSS_KB / 1024)) MB"
} | tee "$OUT"
