#!/usr/bin/env bash
# `make bench`: every benchmark against its peer, results in build-release/bench-*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release >/dev/null
ninja -C build-release
if [ -x build-release/bench/bench_finance ]; then
  echo "== finance engine"
  build-release/bench/bench_finance | tee build-release/bench-finance.txt
fi
if [ -x build-release/bench/bench_search_index ]; then
  echo "== search index (in process)"
  build-release/bench/bench_search_index | tee build-release/bench-search-index.txt
fi
echo "== search over HTTP vs nginx static vs PostgreSQL"
bash bench/search.sh
echo "== public pages vs nginx static"
bash bench/pages.sh
echo "== media: variants vs vipsthumbnail/ImageMagick, /img vs nginx, streaming upload"
bash bench/media.sh
echo "== Lighthouse performance report (mobile and desktop)"
bash bench/lighthouse.sh
