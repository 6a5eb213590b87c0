#!/usr/bin/env bash
# Installs what is missing, builds a test build (deterministic seams on), runs
# every test through `meson test` (unit tests + one test per CLI table) and
# ends with "N passed, N failed".
# Usage: scripts/test.sh [TEST...]   (meson test names, e.g. backup or unit; default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test || exit 3
scripts/build.sh build-test -Dtest_seams=true -Dbuildtype=release || { echo "0 passed, 1 failed"; exit 1; }

rm -f build-test/tests/unit.junit.xml
meson test -C build-test --no-rebuild --print-errorlogs "$@" >build-test/meson-test.log 2>&1
# Meson's lines for each test and the TAP of any table that failed.
grep -vE '^(ok |# |TAP version|1\.\.)' build-test/meson-test.log | grep -v '^$' | tail -n 300
all=()
(($# == 0)) && all=(--all)
tests/summary.py build-test "${all[@]}"
