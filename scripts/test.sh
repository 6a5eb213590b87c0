#!/usr/bin/env bash
# Installs what is missing, builds a test build (deterministic seams on), runs
# every test through `meson test` (unit tests + one test per CLI table) and
# ends with "N passed, N failed".
# Usage: scripts/test.sh [--sanitize] [TEST...]   (meson test names, e.g. backup or unit; default: all)
# --sanitize: the same suite on a clang AddressSanitizer + UndefinedBehaviorSanitizer
# build in build-sanitize/ (README, Development).
set -uo pipefail
cd "$(dirname "$0")/.."
build=build-test
meson_args=()
if [[ ${1:-} == --sanitize ]]; then
  build=build-sanitize
  meson_args=(--timeout-multiplier 3)  # instrumented code runs two to three times slower
fi
# No stale results from an earlier run, even if this build fails.
rm -f "$build/tests/unit.junit.xml" "$build/meson-logs/testlog.json"
if [[ ${1:-} == --sanitize ]]; then
  shift
  scripts/deps.sh sanitize || exit 3
  # The one clang ASan+UBSan configuration, shared with the fuzz targets (scripts/fuzz.sh).
  scripts/build.sh --sanitize "$build" || { echo "0 passed, 1 failed"; exit 1; }
  # Every report is fatal (exit status 86, which no test expects) and is
  # written to a file in $reports that tests/summary.py counts as a failure:
  # a report from a process whose exit status a test ignores fails the run too.
  reports=$build/sanitizer-reports
  rm -rf "$reports" && mkdir -p "$reports"
  common="exitcode=86:log_path=$PWD/$reports/report:print_stacktrace=1"
  export ASAN_OPTIONS="$common:detect_leaks=1:halt_on_error=1"
  export LSAN_OPTIONS="$common:print_suppressions=0"
  export UBSAN_OPTIONS="$common:halt_on_error=1"
else
  scripts/deps.sh test || exit 3
  scripts/build.sh "$build" -Dtest_seams=true -Dbuildtype=release || { echo "0 passed, 1 failed"; exit 1; }
fi

meson test -C "$build" --no-rebuild --print-errorlogs "${meson_args[@]}" "$@" >"$build/meson-test.log" 2>&1
# Meson's lines for each test and the TAP of any table that failed.
grep -vE '^(ok |# |TAP version|1\.\.)' "$build/meson-test.log" | grep -v '^$' | tail -n 300
all=()
(($# == 0)) && all=(--all)
tests/summary.py "${all[@]}" "$build"
