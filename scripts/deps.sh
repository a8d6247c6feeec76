#!/usr/bin/env bash
# Install what cc24 needs to build, run and test, on Debian 12.
# Idempotent: installs only packages that are missing, and npm packages
# only when node_modules does not match package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  # build
  build-essential meson ninja-build pkg-config clang clang-format libclang-rt-14-dev
  # libraries
  libmicrohttpd-dev libpq-dev libsqlite3-dev libsodium-dev libjansson-dev
  libcurl4-openssl-dev libexpat1-dev libroaring-dev liboath-dev libqrencode-dev libhiredis-dev zlib1g-dev
  # inbound mail (cc24 mail receive): the MIME parser
  libgmime-3.0-dev
  # photos: libvips with its HEIF/AVIF, SVG and WebP loaders (Debian builds them in)
  libvips-dev
  # tests and benchmarks (vipsthumbnail and ImageMagick are the media benchmark's peers)
  libcriterion-dev postgresql redis-server nginx-light wrk sqlite3 tzdata
  chromium curl procps libvips-tools imagemagick hyperfine
  # the HTML checker (npm vnu-jar) runs on Java
  default-jre-headless
  # demo and test photos of cars (scripts/demo-photos.sh)
  plasma-workspace-data libdlib19.1
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node.js: any packaged node >= 18 with npm will do (Debian's or NodeSource's).
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # The server packages start services on install; cc24 starts its own.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for svc in postgresql redis-server nginx; do
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi

# npm: front-end assets and test tools, pinned by package-lock.json.
if [ -f package-lock.json ]; then
  stamp=node_modules/.cc24-lock.sha256
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "deps: npm ci" >&2
    # no install scripts: vnu-jar's would fetch a Java runtime (Debian's is used)
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
fi

# demo photos of cars, from the packages above and npm (vendor/demo-photos/)
bash scripts/demo-photos.sh
