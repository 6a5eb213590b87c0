#!/usr/bin/env bash
# Runs the CLI table tests (tests/cli/*.t.sh), each in its own temporary folder,
# two at a time, and ends with "cli: N passed, N failed".
# Usage: PAIRKIT=path/to/pairkit tests/cli/run.sh [NAME...]   (NAME: table without .t.sh)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${PAIRKIT:?set PAIRKIT to the pairkit binary}"
export PAIRKIT DATA="$here/../data" SHARED="$here/../../../shared/testdata"
[[ -d $SHARED ]] || SHARED="$(cd "$here/../.." && pwd)/../shared/testdata"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

tables=()
if (($#)); then
  for n in "$@"; do tables+=("$here/$n.t.sh"); done
else
  tables=("$here"/*.t.sh)
fi

run_table() {
  local table=$1 results=$2 here=$3
  local name work
  name=$(basename "$table" .t.sh)
  work=$(mktemp -d "/tmp/pairkit-cli-$name.XXXXXX")
  (
    cd "$work" || exit 1
    _table=$name
    _tmp=$(mktemp -d)
    # shellcheck source=lib.sh
    source "$here/lib.sh"
    source "$table"
    echo "$_pass $_fail" >"$results/$name.count"
    rm -rf "$_tmp"
  ) >"$results/$name.log" 2>&1
  [[ -f $results/$name.count ]] || echo "0 1" >"$results/$name.count"
  rm -rf "$work"
}
export -f run_table
printf '%s\n' "${tables[@]}" | xargs -P "${PAIRKIT_TEST_JOBS:-2}" -I{} bash -c 'run_table "$@"' _ {} "$results" "$here"

pass=0 fail=0
for table in "${tables[@]}"; do
  name=$(basename "$table" .t.sh)
  cat "$results/$name.log"
  read -r p f <"$results/$name.count"
  [[ $f -gt 0 || ! -s $results/$name.log ]] && echo "table $name: $p passed, $f failed"
  pass=$((pass + p)) fail=$((fail + f))
done
echo "cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
