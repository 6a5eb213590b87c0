#!/usr/bin/env bash
# Whole-process `pairkit fingerprint` next to `openssl x509 -noout -fingerprint
# -sha256` on the same certificate, in the same run. Target: pairkit at most
# half of openssl's time. Usage: bench/fingerprint.sh [PAIRKIT] [RUNS]
set -euo pipefail
pk=${1:-build/pairkit}
runs=${2:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$pk" -q key gen -o "$work/k.pem"
"$pk" -q cert self-sign --key "$work/k.pem" --cn bench --san dns:bench.local -o "$work/c.pem"
[[ $("$pk" fingerprint "$work/c.pem") == "$(openssl x509 -in "$work/c.pem" -noout -fingerprint -sha256 | cut -d= -f2)" ]] ||
  { echo "fingerprints differ" >&2; exit 1; }

time_runs() {  # prints mean milliseconds per run of "$@"
  local start end
  for _ in 1 2 3 4 5 6 7 8 9 10; do "$@" >/dev/null; done  # warm the page cache
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$@" >/dev/null; done
  end=$(date +%s%N)
  echo "scale=3; ($end - $start) / $runs / 1000000" | bc
}
# Interleave three rounds each and keep the best, to be fair under load.
best_pk=999999 best_os=999999
for round in 1 2 3; do
  a=$(time_runs "$pk" fingerprint "$work/c.pem")
  b=$(time_runs openssl x509 -in "$work/c.pem" -noout -fingerprint -sha256)
  best_pk=$(echo "if ($a < $best_pk) $a else $best_pk" | bc)
  best_os=$(echo "if ($b < $best_os) $b else $best_os" | bc)
done
echo "pairkit fingerprint:           ${best_pk} ms/process"
echo "openssl x509 -fingerprint:     ${best_os} ms/process"
echo "ratio pairkit/openssl:         $(echo "scale=2; $best_pk / $best_os" | bc)  (target <= 0.50)"
