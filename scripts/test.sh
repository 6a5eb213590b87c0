#!/usr/bin/env bash
# Installs what is missing, builds a test build (deterministic seams on), runs
# every test (unit + CLI end-to-end) and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/deps.sh test || exit 3
scripts/build.sh build-test -Dtest_seams=true -Dbuildtype=release || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0
echo "== unit tests"
unit_out=$(build-test/tests/unit_tests --reporters=console --no-intro 2>&1)
echo "$unit_out" | grep -vE '^\[doctest\] (run with|assertions)' | grep -E 'ERROR|FAILED|test cases|skipped|ran ' | head -50
read -r up uf < <(echo "$unit_out" | sed -nE 's/.*test cases: *[0-9]+ \| *([0-9]+) passed \| *([0-9]+) failed.*/\1 \2/p')
if [[ -z ${up:-} ]]; then up=0 uf=1; echo "unit tests did not finish"; fi
passed=$((passed + up)) failed=$((failed + uf))

echo "== CLI end-to-end tests"
export PAIRKIT="$root/build-test/pairkit"
cli_out=$(tests/cli/run.sh "$@" 2>&1)
echo "$cli_out" | grep -v '^ok ' | tail -n 200
read -r cp cf < <(echo "$cli_out" | sed -nE 's/^cli: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')
if [[ -z ${cp:-} ]]; then cp=0 cf=1; echo "CLI tests did not finish"; fi
passed=$((passed + cp)) failed=$((failed + cf))

echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
