#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for FUZZ_SECONDS
# on a copy of its seed corpus. Exit status: 0 when no target found a crash.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-15}
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link >/dev/null || exit 1
fi
ninja -C build-fuzz >/dev/null || { echo "fuzz build failed"; exit 1; }
pass=0
fail=0
for t in build-fuzz/tests/fuzz/fuzz_*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  name=$(basename "$t" | sed 's/^fuzz_//')
  work=$(mktemp -d)
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  if "$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="build-fuzz/$name-" "$work" >"build-fuzz/fuzz-$name.log" 2>&1; then
    pass=$((pass + 1))
    echo "fuzz_$name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "build-fuzz/fuzz-$name.log" | awk '{print $2}') runs)"
  else
    fail=$((fail + 1))
    echo "fuzz_$name: FAILED"
    tail -n 40 "build-fuzz/fuzz-$name.log"
  fi
  rm -rf "$work"
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
