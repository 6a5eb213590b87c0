#!/usr/bin/env bash
# Runs one CLI table (tests/cli/NAME.t.sh) in a temporary folder of its own and
# prints its rows as TAP, for meson test (protocol 'tap') and run.sh. Whatever
# the table's own commands print is passed on as TAP comments. Exits 1 when a
# row failed. NAME@ENGINE runs a table written for both registry engines
# (engine-lib.sh) on ENGINE: sqlite (the default) or postgres.
# Usage: PAIRKIT=path/to/pairkit tests/cli/run_table.sh NAME[@ENGINE]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${PAIRKIT:?set PAIRKIT to the pairkit binary}"
name=${1:?usage: run_table.sh NAME[@ENGINE]}
table=${name%@*}
[[ $name == *@* ]] && export PAIRKIT_TEST_ENGINE=${name#*@}
[[ -f $here/$table.t.sh ]] || { echo "Bail out! no table $here/$table.t.sh"; exit 2; }
export PAIRKIT DATA="$here/../data" SHARED="$here/../../../shared/testdata"
[[ -d $SHARED ]] || SHARED="$(cd "$here/../.." && pwd)/../shared/testdata"

work=$(mktemp -d "/tmp/pairkit-cli-$name.XXXXXX")
_counts=$(mktemp)
trap 'rm -rf "$work" "$_counts" "$_counts.done"' EXIT
echo "0 0" >"$_counts"
echo "TAP version 13"
exec 3>&1
(
  cd "$work" || exit 1
  # The table's shell starts with no EXIT trap: `trap -p` would show this
  # script's, and a library chaining it (token-lib.sh) would run it here.
  trap - EXIT
  _table=$name
  _tmp=$(mktemp -d)
  # shellcheck source=lib.sh
  source "$here/lib.sh"
  source "$here/$table.t.sh"
  rm -rf "$_tmp"
  touch "$_counts.done"
) 2>&1 | sed -u 's/^/# /'
read -r pass fail <"$_counts"
if [[ ! -e $_counts.done ]]; then
  fail=$((fail + 1))
  echo "not ok $((pass + fail)) - $name: the table stopped before its end"
fi
echo "1..$((pass + fail))"
[[ $fail -eq 0 ]]
