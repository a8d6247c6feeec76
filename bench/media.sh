#!/usr/bin/env bash
# Media benchmark (issue 9), every figure against its peer in the same run, loopback only:
#
#   variants   a 12 MP JPEG (4000 x 3000, made here from a demo photo with sensor-like
#              noise, ~4 MB) -> the 8 standard variants (320/640/1280/2048, JPEG q82
#              progressive + WebP q80, metadata stripped): cc24's pipeline in process
#              (build-release/bench/bench_media, the call the variants job makes) vs
#              vipsthumbnail making the same 8 files (8 runs, its shrink-on-load each
#              time) vs ImageMagick convert making them in one process. Wall time (best of
#              3) and peak RSS (/usr/bin/time). Targets: <= 1.2x vipsthumbnail, >= 5x
#              faster than ImageMagick.
#   /img hit   a stored variant (640 px WebP) through GET /img/SIG/w:640/f:webp/ID,
#              wrk -t2 -c64, vs nginx serving the same bytes as a static file. Target
#              >= 50 % of nginx.
#   /img miss  20 distinct sizes of the 12 MP photo (w:601..620, WebP), each rendered
#              once by the CDN (curl, sequential) vs vipsthumbnail making the same 20 files.
#   upload     30 distinct 12 MP JPEGs (~4 MB each) in one multipart request with curl;
#              total time and the server's peak RSS before and after (VmHWM), with the
#              job workers off so that only the upload path is measured. Target: RSS
#              grows by < 64 MB.
#
# Results: build-release/bench-media.txt. Settings: BENCH_SECONDS, BENCH_CONNECTIONS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
OUT=build-release/bench-media.txt
CONVERT=$(command -v convert-im6.q16 || echo /usr/bin/convert)

[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release >/dev/null
ninja -C build-release >/dev/null
BIN=$ROOT/build-release/cc24
bash scripts/demo-photos.sh
SRC_PHOTO=vendor/demo-photos/02-car2.jpg
[ -f "$SRC_PHOTO" ] || SRC_PHOTO=$(ls vendor/demo-photos/*.jpg | head -1)

T=$(mktemp -d /tmp/cc24-bench-media.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# a 12 MP photo: the demo photo at 4000 x 3000 with grain, as a phone would write it
echo "== making the 12 MP test photo"
vips resize "$SRC_PHOTO" "$T/big.v" "$(python3 -c "print(4000 / $(vipsheader -f width "$SRC_PHOTO"))")" \
  --vscale "$(python3 -c "print(3000 / $(vipsheader -f height "$SRC_PHOTO"))")"
vips gaussnoise "$T/noise.v" 4000 3000 --sigma 6 --mean 0
vips add "$T/big.v" "$T/noise.v" "$T/sum.v"
vips cast "$T/sum.v" "$T/base.v" uchar
rm -f "$T/big.v" "$T/noise.v" "$T/sum.v"
make_12mp() { # out n: the base photo a little brighter per n, so every file differs
  vips linear "$T/base.v" "$T/lin.v" 1 "$2"
  vips cast "$T/lin.v" "$1[Q=92]" uchar
  rm -f "$T/lin.v"
}
make_12mp "$T/12mp.jpg" 0
SRC_BYTES=$(stat -c %s "$T/12mp.jpg")

best_of_3() { # command... -> "best_seconds peak_kb"
  local best="" peak=0 i
  for i in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$T/time" "$@" >/dev/null 2>&1
    read -r s kb <"$T/time"
    best=$(python3 -c "print(min(float('$s'), float('${best:-1e9}')))")
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  echo "$best $peak"
}

echo "== variants: cc24 vs vipsthumbnail vs ImageMagick"
mkdir -p "$T/v-cc24" "$T/v-vips" "$T/v-im"
R_CC=$(best_of_3 build-release/bench/bench_media "$T/12mp.jpg" "$T/v-cc24" 1)
build-release/bench/bench_media "$T/12mp.jpg" "$T/v-cc24" 1 | sed 's/^/  /'
cat >"$T/vips.sh" <<SH
set -e
for w in 2048 1280 640 320; do
  vipsthumbnail "$T/12mp.jpg" --size=\${w}x -o "$T/v-vips/\$w.jpg[Q=82,optimize_coding,interlace,strip]"
  vipsthumbnail "$T/12mp.jpg" --size=\${w}x -o "$T/v-vips/\$w.webp[Q=80,strip]"
done
SH
R_VT=$(best_of_3 bash "$T/vips.sh")
IM_ARGS=("$T/12mp.jpg" -auto-orient -strip -colorspace sRGB)
for w in 2048 1280 640 320; do
  IM_ARGS+=('(' +clone -resize "${w}x" -quality 82 -interlace Plane -write "$T/v-im/$w.jpg" +delete ')')
  IM_ARGS+=('(' +clone -resize "${w}x" -quality 80 -write "$T/v-im/$w.webp" +delete ')')
done
IM_ARGS+=(null:)
R_IM=$(best_of_3 "$CONVERT" "${IM_ARGS[@]}")
for d in v-cc24 v-vips v-im; do
  [ "$(ls "$T/$d" | wc -l)" -eq 8 ] || { echo "$d did not make 8 files"; ls "$T/$d"; exit 1; }
done

echo "== serving: demo data, a vehicle with the 12 MP photo"
KEY=$(python3 -c 'print("b7" * 32)')
SALT=$(python3 -c 'print("c9" * 16)')
PORT=$(free_port)
"$BIN" serve --database-url="sqlite:$T/a.db" --listen="127.0.0.1:$PORT" --demo=1 --workers=2 \
  --media-store="file:$T/media-a" --media-tmp-dir="$T/tmp-a" --img-cache-dir="$T/ic-a" \
  --img-key="$KEY" --img-salt="$SALT" --base-url="http://127.0.0.1:$PORT" \
  --log-format=text --per-ip-connections=1024 >"$T/serve-a.log" 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
B="http://127.0.0.1:$PORT"
AUTH="Authorization: Bearer demo-key-autohaus-berger"
new_vehicle() {
  curl -fs -H "$AUTH" -H 'Content-Type: application/json' "$B/api/v1/vehicles" -d \
    '{"make":"BMW","model":"320d","body":"estate","condition":"used","first_registration":"2020-03","mileage_km":61000,"power_kw":140,"fuel":"diesel","gearbox":"automatic","price_cents":2599000,"vat_mode":"margin","status":"published"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
VID=$(new_vehicle)
PID_PHOTO=$(curl -fs -H "$AUTH" -F "photo=@$T/12mp.jpg;type=image/jpeg" "$B/api/v1/vehicles/$VID/photos" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["photos"][0]["id"])')
for _ in $(seq 1 300); do
  st=$(curl -fs -H "$AUTH" "$B/api/v1/vehicles/$VID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["photos"][0]["state"])')
  [ "$st" = ready ] && break
  sleep 0.1
done
[ "$st" = ready ] || { echo "the 12 MP photo is not ready: $st"; exit 1; }
JOB_MS=$(grep -o "photo $PID_PHOTO ready: [^,]*, [^,]*, [0-9]* ms" "$T/serve-a.log" | grep -o '[0-9]* ms$' || echo "?")
sign() { # path -> /img/SIG/path
  python3 - "$KEY" "$SALT" "$1" <<'PY'
import base64, hashlib, hmac, sys
key, salt, path = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3]
sig = base64.urlsafe_b64encode(hmac.new(key, salt + path.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
print("/img/" + sig + path)
PY
}
HIT=$(sign "/w:640/f:webp/$PID_PHOTO")
curl -fs -o "$T/hit.webp" "$B$HIT"
HIT_BYTES=$(stat -c %s "$T/hit.webp")

echo "== /img cache miss: 20 sizes, cc24 vs vipsthumbnail"
MISS_TOTAL=0
for w in $(seq 601 620); do
  u=$(sign "/w:$w/f:webp/$PID_PHOTO")
  t=$(curl -fs -o /dev/null -w '%{time_total}' "$B$u")
  MISS_TOTAL=$(python3 -c "print($MISS_TOTAL + $t)")
done
mkdir -p "$T/miss-vips"
START=$(date +%s.%N)
for w in $(seq 601 620); do
  vipsthumbnail "$T/12mp.jpg" --size="${w}x" -o "$T/miss-vips/$w.webp[Q=80,strip]"
done
VT_MISS=$(python3 -c "import time; print(time.time() - $START)")

echo "== /img cache hit vs nginx static"
mkdir -p "$T/www" "$T/nginx-tmp"
cp "$T/hit.webp" "$T/www/hit.webp"
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
  sendfile on;
  server {
    listen 127.0.0.1:$NPORT;
    location / { root $T/www; types { image/webp webp; } }
  }
}
NGINX
nginx -c "$T/nginx.conf" &
PIDS+=("$!")
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$NPORT/hit.webp" >/dev/null 2>&1 && break; sleep 0.1; done
run_wrk() { # label url
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$2" >"$T/wrk-$1.txt" 2>&1
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$T/wrk-$1.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$T/wrk-$1.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$T/wrk-$1.txt")
  bad=$(awk '/Non-2xx/ {print $NF}' "$T/wrk-$1.txt")
  echo "$rps $p50 $p99 ${bad:-0}"
}
W_CC=$(run_wrk cc24 "$B$HIT")
W_NG=$(run_wrk nginx "http://127.0.0.1:$NPORT/hit.webp")
kill "$SERVE" 2>/dev/null || true

echo "== upload: 30 x 12 MP in one request (job workers off)"
mkdir -p "$T/up"
for i in $(seq 1 30); do make_12mp "$T/up/IMG_$((1000 + i)).jpg" "$i"; done
UP_BYTES=$(cat "$T/up"/*.jpg | wc -c)
PORT2=$(free_port)
"$BIN" serve --database-url="sqlite:$T/b.db" --listen="127.0.0.1:$PORT2" --demo=1 --workers=0 \
  --media-store="file:$T/media-b" --media-tmp-dir="$T/tmp-b" --img-cache-dir="$T/ic-b" \
  --log-format=text >"$T/serve-b.log" 2>&1 &
SERVE2=$!
PIDS+=("$SERVE2")
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT2/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
B="http://127.0.0.1:$PORT2"
VID=$(new_vehicle)
curl -fs -o /dev/null "$B/fahrzeuge"
HWM0=$(awk '/VmHWM/ {print $2}' "/proc/$SERVE2/status")
RSS0=$(awk '/VmRSS/ {print $2}' "/proc/$SERVE2/status")
FORM=()
for f in "$T/up"/*.jpg; do FORM+=(-F "photo=@$f;type=image/jpeg"); done
UP=$(curl -s -o "$T/up.json" -w '%{http_code} %{time_total}' -H "$AUTH" "${FORM[@]}" "$B/api/v1/vehicles/$VID/photos")
HWM1=$(awk '/VmHWM/ {print $2}' "/proc/$SERVE2/status")
STORED=$(python3 -c "import json; print(len(json.load(open('$T/up.json'))['photos']))")

ratio() { python3 -c "print('%.2f' % (float('$1') / float('$2')))"; }
f() { echo "$1" | awk "{print \$$2}"; }
{
  echo "cc24 media benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(vips --version)"
  echo
  echo "12 MP JPEG (4000 x 3000, $((SRC_BYTES / 1024)) KB) -> 8 variants (best of 3 wall, peak RSS)"
  printf '  %-44s %8s s %8s MB\n' "cc24 (media_make_variants)" "$(f "$R_CC" 1)" "$(($(f "$R_CC" 2) / 1024))"
  printf '  %-44s %8s s %8s MB\n' "vipsthumbnail, 8 runs" "$(f "$R_VT" 1)" "$(($(f "$R_VT" 2) / 1024))"
  printf '  %-44s %8s s %8s MB\n' "ImageMagick convert, one process" "$(f "$R_IM" 1)" "$(($(f "$R_IM" 2) / 1024))"
  echo "  cc24 / vipsthumbnail time: $(ratio "$(f "$R_CC" 1)" "$(f "$R_VT" 1)")x (target <= 1.2x)"
  echo "  ImageMagick / cc24 time:   $(ratio "$(f "$R_IM" 1)" "$(f "$R_CC" 1)")x faster (target >= 5x)"
  echo "  the same step as a job in cc24 serve (store in, variants out, log line): $JOB_MS"
  echo
  echo "/img cache hit, 640 px WebP ($HIT_BYTES B), wrk -t2 -c$CONNS -d${DURATION}s"
  printf '  %-30s %10s %9s %9s %8s\n' "" "req/s" "p50" "p99" "non-2xx"
  printf '  %-30s %10s %9s %9s %8s\n' "cc24 /img/..." $W_CC
  printf '  %-30s %10s %9s %9s %8s\n' "nginx static" $W_NG
  echo "  cc24 / nginx: $(python3 -c "print('%.0f %%' % (100 * float('$(f "$W_CC" 1)') / float('$(f "$W_NG" 1)')))") (target >= 50 %)"
  echo
  echo "/img cache miss from the 12 MP original, 20 distinct widths, WebP"
  echo "  cc24 per request:         $(python3 -c "print('%.0f ms' % (1000 * $MISS_TOTAL / 20))")"
  echo "  vipsthumbnail per file:   $(python3 -c "print('%.0f ms' % (1000 * $VT_MISS / 20))")"
  echo "  cc24 / vipsthumbnail:     $(ratio "$MISS_TOTAL" "$VT_MISS")x"
  echo
  echo "upload: 30 x 12 MP JPEG, $((UP_BYTES / 1048576)) MB in one request: HTTP $(f "$UP" 1), $(f "$UP" 2) s, $STORED photos stored"
  echo "  serve RSS before $((RSS0 / 1024)) MB; peak RSS before $((HWM0 / 1024)) MB, after $((HWM1 / 1024)) MB: grew by $(((HWM1 - HWM0) / 1024)) MB (target < 64 MB)"
} | tee "$OUT"
