#!/usr/bin/env bash
# `make check`: build and run every test — Criterion unit tests (plain and under
# ASan+UBSan), the store tests on SQLite and on a real PostgreSQL started here,
# the media store tests on a directory and on an S3 server (s3rver) started here,
# the end-to-end tests (node --test + Chromium) against a running `cc24 serve`,
# and short libFuzzer runs. Prints per-suite counts and a final
# "N passed, N failed, N skipped" line; exits non-zero when anything failed.
#
# Skips: every skipped test is counted and named. Here, where PostgreSQL, Redis and S3
# are started, a skip is a failure unless tests/skips.allow explains it.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash scripts/deps.sh || { echo "check: dependency installation failed" >&2; exit 1; }

PASS=0
FAIL=0
SKIP=0
declare -a SUMMARY=()
declare -a UNEXPLAINED=()
ALLOW="$ROOT/tests/skips.allow"

# allowed_skip RUN TEST: is the skip of TEST in the run labelled RUN explained in
# tests/skips.allow ("RUN-glob | TEST-glob | reason" lines)?
allowed_skip() {
  local run=$1 name=$2 line r t
  while IFS= read -r line; do
    case $line in '#'* | '') continue ;; esac
    r=$(printf '%s' "$line" | awk -F' [|] ' '{print $1}')
    t=$(printf '%s' "$line" | awk -F' [|] ' '{print $2}')
    # shellcheck disable=SC2053
    [[ $run == $r && $name == $t ]] && return 0
  done <"$ALLOW"
  return 1
}

# note_skips RUN NAME...: count the skips, and each one tests/skips.allow does not
# explain as a failure.
note_skips() {
  local run=$1 name
  shift
  for name in "$@"; do
    [ -n "$name" ] || continue
    if ! allowed_skip "$run" "$name"; then
      UNEXPLAINED+=("$run: $name")
      FAIL=$((FAIL + 1))
    fi
  done
}

note() { printf '\n== %s\n' "$*"; }

# The Criterion tests skipped in a meson test log (run with --verbose): suite::name.
criterion_skips() {
  sed -n 's/^.*\[SKIP\] \([^:]*::[^:]*\):.*$/\1/p' "$1"
}

# Sum Criterion's "Synthesis" lines in a meson test log.
criterion_counts() {
  awk '/Synthesis: Tested:/ {
         for (i = 1; i <= NF; i++) {
           if ($i == "Passing:") p += $(i + 1);
           if ($i == "Failing:") f += $(i + 1);
           if ($i == "Crashing:") f += $(i + 1);
         }
       } END { printf "%d %d\n", p, f }' "$1"
}

# run_meson_suite LABEL BUILDDIR SUITE [env...]
run_meson_suite() {
  local label=$1 dir=$2 suite=$3
  shift 3
  local log="$dir/meson-logs/testlog.txt"
  rm -f "$log"
  env "$@" meson test -C "$dir" --suite "$suite" --print-errorlogs --num-processes 2 >"$dir/check-$suite.out" 2>&1
  local rc=$?
  local p f
  read -r p f < <(criterion_counts "$log")
  # a binary that crashed before Criterion's summary counts as one failure
  local binfail
  binfail=$(grep -E '^(Fail|Timeout):' "$dir/check-$suite.out" | awk '{s += $2} END {print s + 0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=$((binfail > 0 ? binfail : 1)); fi
  local -a skipped=()
  mapfile -t skipped < <(criterion_skips "$log")
  local s=${#skipped[@]}
  PASS=$((PASS + p))
  FAIL=$((FAIL + f))
  SKIP=$((SKIP + s))
  note_skips "$label" "${skipped[@]}"
  SUMMARY+=("$(printf '%-34s %6d passed %4d failed %4d skipped' "$label" "$p" "$f" "$s")")
  tail -n 12 "$dir/check-$suite.out"
  [ "$s" -eq 0 ] || printf 'skipped: %s\n' "${skipped[@]}"
  [ "$rc" -eq 0 ] || grep -B2 -A20 -E 'FAIL|Timeout|ERROR' "$dir/check-$suite.out" | head -n 80
}

note "build"
[ -f build/build.ninja ] || meson setup build >/dev/null || exit 1
ninja -C build || exit 1
[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
ninja -C build-asan || exit 1

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1

note "unit tests"
run_meson_suite "unit" build unit
note "unit tests (ASan+UBSan)"
run_meson_suite "unit (ASan+UBSan)" build-asan unit

# Redis for the shared sessions and rate limits (unit/store tests and e2e)
REDISDIR=$(mktemp -d /tmp/cc24-redis.XXXXXX)
if REDISURL=$(scripts/redis-test.sh start "$REDISDIR"); then
  export CC24_TEST_REDIS_URL="$REDISURL"
else
  echo "check: could not start Redis" >&2
  FAIL=$((FAIL + 1))
  SUMMARY+=("redis                              could not start redis-server")
fi

note "store tests on SQLite"
run_meson_suite "store (SQLite)" build store
note "store tests on SQLite (ASan+UBSan)"
run_meson_suite "store (SQLite, ASan+UBSan)" build-asan store

note "store tests on PostgreSQL"
PGDIR=$(mktemp -d /tmp/cc24-pg.XXXXXX)
if PGURL=$(scripts/pg-test.sh start "$PGDIR"); then
  run_meson_suite "store (PostgreSQL)" build store CC24_TEST_DATABASE_URL="$PGURL"
  note "store tests on PostgreSQL (ASan+UBSan)"
  run_meson_suite "store (PostgreSQL, ASan+UBSan)" build-asan store CC24_TEST_DATABASE_URL="$PGURL"
else
  echo "check: could not start PostgreSQL" >&2
  FAIL=$((FAIL + 1))
  SUMMARY+=("store (PostgreSQL)                 could not start PostgreSQL")
fi

note "media store tests on the file backend"
run_meson_suite "media store (file)" build media
note "media store tests on the file backend (ASan+UBSan)"
run_meson_suite "media store (file, ASan+UBSan)" build-asan media

note "media store tests on S3 (s3rver)"
S3DIR=$(mktemp -d /tmp/cc24-s3.XXXXXX)
if S3URL=$(scripts/s3-test.sh start "$S3DIR"); then
  export CC24_TEST_S3_URL="$S3URL"
  run_meson_suite "media store (S3)" build media CC24_TEST_MEDIA_STORE="$S3URL"
else
  echo "check: could not start s3rver" >&2
  scripts/s3-test.sh stop "$S3DIR" >/dev/null 2>&1
  S3URL=""
  FAIL=$((FAIL + 1))
  SUMMARY+=("media store (S3)                   could not start s3rver")
fi

note "end-to-end tests (node --test, Chromium)"
mkdir -p build/e2e-shots
export CC24_BIN="$ROOT/build/cc24" CC24_PG_URL="${PGURL:-}" CC24_CHECK=1
node --test --test-concurrency=1 tests/e2e/ >build/check-e2e.out 2>&1
e2e_rc=$?
tail -n 15 build/check-e2e.out
[ "$e2e_rc" -eq 0 ] || grep -B5 -A30 'not ok' build/check-e2e.out | head -n 120
p=$(awk '/^# pass / {print $3}' build/check-e2e.out | tail -1)
f=$(awk '/^# fail / {print $3}' build/check-e2e.out | tail -1)
s=$(awk '/^# skipped / {print $3}' build/check-e2e.out | tail -1)
p=${p:-0}
f=${f:-0}
s=${s:-0}
if [ "$e2e_rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
PASS=$((PASS + p))
FAIL=$((FAIL + f))
SKIP=$((SKIP + s))
mapfile -t e2e_skipped < <(sed -n 's/^ *ok [0-9]* - \(.*\) # SKIP.*$/\1/p' build/check-e2e.out)
note_skips "e2e (HTTP + browser)" "${e2e_skipped[@]}"
[ "$s" -eq 0 ] || printf 'skipped: %s\n' "${e2e_skipped[@]}"
SUMMARY+=("$(printf '%-34s %6d passed %4d failed %4d skipped' "e2e (HTTP + browser)" "$p" "$f" "$s")")

[ -n "${PGURL:-}" ] && scripts/pg-test.sh stop "$PGDIR" >/dev/null 2>&1
[ -n "${REDISURL:-}" ] && scripts/redis-test.sh stop "$REDISDIR" >/dev/null 2>&1
[ -n "${S3URL:-}" ] && scripts/s3-test.sh stop "$S3DIR" >/dev/null 2>&1

note "fuzzing (short runs)"
bash scripts/fuzz.sh | tee build/check-fuzz.out
fp=$(awk '/^fuzz: / {print $2}' build/check-fuzz.out | tail -1)
ff=$(awk '/^fuzz: / {print $4}' build/check-fuzz.out | tail -1)
fp=${fp:-0}
ff=${ff:-1}
PASS=$((PASS + fp))
FAIL=$((FAIL + ff))
SUMMARY+=("$(printf '%-34s %6d passed %4d failed %4d skipped' "fuzz targets (${FUZZ_SECONDS:-15} s each)" "$fp" "$ff" 0)")

note "summary"
printf '%s\n' "${SUMMARY[@]}"
if [ "${#UNEXPLAINED[@]}" -gt 0 ]; then
  echo
  echo "skips that tests/skips.allow does not explain (each counts as a failure):"
  printf '  %s\n' "${UNEXPLAINED[@]}"
fi
echo
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
