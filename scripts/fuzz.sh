#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for FUZZ_SECONDS
# on a copy of its seed corpus. Every target listed in tests/fuzz/meson.build
# (fuzz_targets) must have been built and must run: a missing binary, a failed
# build or an empty list counts as a failure, never as "0 passed, 0 failed".
# The last line is always "fuzz: N passed, M failed"; exit status 0 only when
# every listed target ran without finding a crash.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-15}

# The single source of truth for what should exist: the list in tests/fuzz/meson.build.
mapfile -t targets < <(python3 - <<'PY'
import ast, re
s = open('tests/fuzz/meson.build', encoding='utf-8').read()
m = re.search(r'^fuzz_targets\s*=\s*(\[.*?\])', s, re.S | re.M)
for t in (ast.literal_eval(m.group(1)) if m else []):
    print(t)
PY
)
if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz: no targets listed in tests/fuzz/meson.build"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi

if [ ! -f build-fuzz/build.ninja ]; then
  if ! CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link >/dev/null; then
    echo "fuzz: setup of build-fuzz failed"
    echo "fuzz: 0 passed, ${#targets[@]} failed"
    exit 1
  fi
fi
if ! ninja -C build-fuzz >/dev/null; then
  echo "fuzz build failed"
  echo "fuzz: 0 passed, ${#targets[@]} failed"
  exit 1
fi
pass=0
fail=0
for name in "${targets[@]}"; do
  t="build-fuzz/tests/fuzz/fuzz_$name"
  if [ ! -f "$t" ] || [ ! -x "$t" ]; then
    fail=$((fail + 1))
    echo "fuzz_$name: FAILED (not built: $t missing; is build-fuzz configured with clang and -Dfuzz=true?)"
    continue
  fi
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
[ "$fail" -eq 0 ] && [ "$pass" -eq "${#targets[@]}" ]
