#!/usr/bin/env bash
# Lighthouse performance report (issue 22): the public pages of the quality gate (home,
# search, a vehicle page with photos, financing, a showroom, German and English, and
# the login page) with Lighthouse's mobile and desktop presets in headless Debian
# Chromium, against a release build serving the demo data on loopback. Per page: the
# performance score, LCP, CLS, TBT and the bytes transferred (and the other three
# category scores). A report, never asserted: the gate for Accessibility, Best
# practices and SEO is tests/e2e/lighthouse.test.mjs.
# Results: build-release/bench-lighthouse.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=build-release/bench-lighthouse.txt

[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release >/dev/null
ninja -C build-release >/dev/null
[ -d node_modules/lighthouse ] || bash scripts/deps.sh
# the demo data's photos
bash scripts/demo-photos.sh

CC24_BIN=$ROOT/build-release/cc24 node bench/lighthouse.mjs "$OUT"
echo "== written to $OUT"
