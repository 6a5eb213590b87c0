#!/usr/bin/env bash
# Benchmark: ECDSA P-256 signatures per second through SoftHSM2. A token in a
# temporary SOFTHSM2_CONF (tests/cli/token-lib.sh) holds a key made by
# pkcs11-tool; each side signs with it for SECONDS per round, the sides in
# interleaved rounds (their order alternating), and the median and range of
# each side and of its ratio to the raw side of the same round are printed.
# Sides: raw  SoftHSM2's own rate, C_SignInit(CKM_ECDSA) + C_Sign on a 32-byte
#             digest in a loop straight on the module (bench/pkcs11_sign)
# A side is a function measure_NAME printing one rate (signatures/s), listed
# in `sides`; the first side is the one the others are divided by.
# Usage: bench/pkcs11.sh [PAIRKIT_BINARY] [ROUNDS] [SECONDS]
#        (default build/pairkit, 5 rounds (1..20), 2 s (1..60))
#        BUILD=DIR: the -Dbench=true build with bench/pkcs11_sign/pkcs11_sign
#        (default: the pairkit binary's folder); THREADS=N: each side's
#        threads, a session each (default 1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pk=$(realpath -m "${1:-$here/../build/pairkit}")
rounds=${2:-5}
seconds=${3:-2}
threads=${THREADS:-1}
build=$(realpath -m "${BUILD:-$(dirname "$pk")}")
raw=$build/bench/pkcs11_sign/pkcs11_sign
[[ $rounds =~ ^[0-9]+$ ]] && ((rounds >= 1 && rounds <= 20)) ||
  { echo "bench/pkcs11.sh: ROUNDS is a whole number from 1 to 20, not '$rounds'" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ ]] && ((seconds >= 1 && seconds <= 60)) ||
  { echo "bench/pkcs11.sh: SECONDS is a whole number from 1 to 60, not '$seconds'" >&2; exit 2; }
[[ $threads =~ ^[0-9]+$ ]] && ((threads >= 1 && threads <= 16)) ||
  { echo "bench/pkcs11.sh: THREADS is a whole number from 1 to 16, not '$threads'" >&2; exit 2; }
[[ -x $raw ]] || { echo "bench/pkcs11.sh: no $raw (meson configure $build -Dbench=true; ninja -C $build)" >&2; exit 3; }
for tool in softhsm2-util pkcs11-tool python3; do
  command -v $tool >/dev/null || { echo "bench/pkcs11.sh: $tool is not installed (scripts/deps.sh bench)" >&2; exit 3; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pairkit-bench-pkcs11.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
cd "$work"
# Its own EXIT trap chains the one above: the token's folder goes too.
source "$here/../tests/cli/token-lib.sh"
start_softhsm bench
token_keygen "$SOFTHSM_MODULE" "$SOFTHSM_PIN_FILE" sign 01 p256
echo "set-up: SoftHSM2 token 'bench' ($SOFTHSM_MODULE), P-256 key 'sign'" >&2

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

measure_raw() {
  local out
  out=$("$raw" --module "$SOFTHSM_MODULE" --token bench --object sign --pin-file "$SOFTHSM_PIN_FILE" \
    --seconds "$seconds" --threads "$threads")
  field "$out" raw_sign_per_s
}

sides=(raw)
: >figures
for ((r = 1; r <= rounds; r++)); do
  order=("${sides[@]}")
  # Every other round the other way round: neither side always goes first.
  if ((r % 2 == 0)); then
    order=()
    for ((i = ${#sides[@]} - 1; i >= 0; i--)); do order+=("${sides[i]}"); done
  fi
  for side in "${order[@]}"; do
    echo "round $r/$rounds: $side" >&2
    echo "$r $side $("measure_$side")" >>figures
  done
done

python3 - figures "$rounds" "$seconds" "$threads" "${sides[@]}" <<'PY'
import statistics, sys
path, rounds, seconds, threads, sides = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
rate = {}
for line in open(path):
    r, side, value = line.split()
    rate[(int(r), side)] = float(value)
def spread(values, fmt):
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}-{fmt(max(values))}]"
print(f"SoftHSM2 ECDSA P-256 signatures/s, {threads} thread(s), {rounds} interleaved rounds of {seconds} s; median [min-max]")
base = sides[0]
for side in sides:
    values = [rate[(r, side)] for r in range(1, rounds + 1)]
    line = f"  {side:<10} {spread(values, lambda v: f'{v:.0f}')}"
    if side != base:
        ratios = [rate[(r, side)] / rate[(r, base)] for r in range(1, rounds + 1)]
        line += f"   {spread(ratios, lambda v: f'{v:.2f}')}x {base}"
    print(line)
PY
