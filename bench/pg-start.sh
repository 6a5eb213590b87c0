#!/usr/bin/env bash
# The tables' PostgreSQL 15 cluster (tests/cli/pg-lib.sh): start_pg, one query
# and the clean-up at exit, next to Debian's pg_virtualenv doing the same (a
# throwaway cluster through pg_createcluster, one psql, pg_dropcluster), in
# interleaved rounds: median and range of each, and the ratio of the medians.
# Usage: bench/pg-start.sh [ROUNDS]   (default 7)
set -euo pipefail
rounds=${1:-7}
lib=$(cd "$(dirname "$0")/../tests/cli" && pwd)/pg-lib.sh
command -v pg_virtualenv >/dev/null || { echo "no pg_virtualenv (postgresql-common; scripts/deps.sh bench)" >&2; exit 3; }

ms() {  # CMD...: milliseconds of one run
  local t0
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  echo $((($(date +%s%N) - t0) / 1000000))
}
ours() { bash -c 'source "$1" && start_pg && pg_psql postgres "SELECT 1"' _ "$lib"; }
peer() { pg_virtualenv -v 15 psql -X -q -A -t -c 'SELECT 1'; }

a=() b=()
for ((r = 0; r < rounds; r++)); do
  a+=("$(ms ours)")
  b+=("$(ms peer)")
done
stats() {  # VALUES...: "median (min..max)"
  local sorted
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
  echo "${sorted[$((${#sorted[@]} / 2))]} ms (${sorted[0]}..${sorted[-1]})"
}
med() { printf '%s\n' "$@" | sort -n | sed -n "$((($# / 2) + 1))p"; }
echo "start_pg + query + clean-up:     $(stats "${a[@]}")"
echo "pg_virtualenv + query + drop:    $(stats "${b[@]}")"
echo "ratio start_pg/pg_virtualenv:    $(awk -v x="$(med "${a[@]}")" -v y="$(med "${b[@]}")" 'BEGIN { printf "%.2f", x / y }')  ($rounds interleaved rounds)"
