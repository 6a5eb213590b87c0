#!/usr/bin/env bash
# Runs the CLI table tests (tests/cli/*.t.sh) without meson, two at a time,
# each through run_table.sh, and ends with "cli: N passed, N failed". The
# whole suite is `meson test -C BUILD` (scripts/test.sh); this is for running a
# few tables against any binary.
# Usage: PAIRKIT=path/to/pairkit tests/cli/run.sh [NAME...]   (NAME: table without .t.sh,
# NAME@postgres for a table of both engines on PostgreSQL; run_table.sh)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${PAIRKIT:?set PAIRKIT to the pairkit binary}"
export PAIRKIT
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

names=("$@")
if ((${#names[@]} == 0)); then
  for t in "$here"/*.t.sh; do names+=("$(basename "$t" .t.sh)"); done
fi
printf '%s\n' "${names[@]}" |
  xargs -P "${PAIRKIT_TEST_JOBS:-2}" -I{} sh -c '"$1/run_table.sh" "$2" >"$3/$2.tap" 2>&1' _ "$here" {} "$results"

pass=0 fail=0
for name in "${names[@]}"; do
  cat "$results/$name.tap"
  p=$(grep -c '^ok ' "$results/$name.tap") f=$(grep -c '^not ok ' "$results/$name.tap")
  ((f > 0)) && echo "table $name: $p passed, $f failed"
  pass=$((pass + p)) fail=$((fail + f))
done
echo "cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
