#!/usr/bin/env bash
# Benchmark: pairkit with its keys in SoftHSM2. A token in a temporary
# SOFTHSM2_CONF (tests/cli/token-lib.sh) holds the keys; the sides of each
# part run in interleaved rounds (their order alternating), and the median
# and range of each side and of its ratio to the first side of the same
# round are printed.
# 1. ECDSA P-256 signatures per second, on a key made by pkcs11-tool, each
#    side signing for SECONDS per round:
#    raw      SoftHSM2's own rate, C_SignInit(CKM_ECDSA) + C_Sign on a 32-byte
#             digest in a loop straight on the module (bench/pkcs11_sign)
#    pairkit  through pairkit's adapter: crypto::load_token_key and the
#             Botan::PK_Signer certificates sign with, SHA-256 of a 400-byte
#             message then C_Sign (bench/pkcs11_adapter)   target >= 0.9x raw
# 2. `pairkit ca sign` of N_CSRS requests (made once by bench/ca/ca_bench, not
#    timed) into a fresh copy of a P-256 CA and a fresh folder, wall and
#    CPU time:
#    file     the CA key in a file (ca.key)
#    token    the CA key in the SoftHSM2 token (made by `pairkit key gen --token`)
# A side is a function measure_NAME printing one figure, listed in the part's
# `sides`; the first side is the one the others are divided by.
# Usage: bench/pkcs11.sh [PAIRKIT_BINARY] [ROUNDS] [SECONDS] [N_CSRS]
#        (default build/pairkit, 5 rounds (1..20), 2 s (1..60), 2000 CSRs
#        (1..20000))
#        BUILD=DIR: the -Dbench=true build with bench/pkcs11_sign,
#        bench/pkcs11_adapter and bench/ca (default: the pairkit binary's
#        folder); THREADS=N: each signing side's threads (default 1; the raw
#        side opens a session per thread, pairkit shares its one session
#        per token, its calls one at a time)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pk=$(realpath -m "${1:-$here/../build/pairkit}")
rounds=${2:-5}
seconds=${3:-2}
n_csrs=${4:-2000}
threads=${THREADS:-1}
build=$(realpath -m "${BUILD:-$(dirname "$pk")}")
raw=$build/bench/pkcs11_sign/pkcs11_sign
adapter=$build/bench/pkcs11_adapter/pkcs11_adapter
ca_bench=$build/bench/ca/ca_bench
[[ $rounds =~ ^[0-9]+$ ]] && ((rounds >= 1 && rounds <= 20)) ||
  { echo "bench/pkcs11.sh: ROUNDS is a whole number from 1 to 20, not '$rounds'" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ ]] && ((seconds >= 1 && seconds <= 60)) ||
  { echo "bench/pkcs11.sh: SECONDS is a whole number from 1 to 60, not '$seconds'" >&2; exit 2; }
[[ $threads =~ ^[0-9]+$ ]] && ((threads >= 1 && threads <= 16)) ||
  { echo "bench/pkcs11.sh: THREADS is a whole number from 1 to 16, not '$threads'" >&2; exit 2; }
[[ $n_csrs =~ ^[0-9]+$ ]] && ((n_csrs >= 1 && n_csrs <= 20000)) ||
  { echo "bench/pkcs11.sh: N_CSRS is a whole number from 1 to 20000, not '$n_csrs'" >&2; exit 2; }
for prog in "$raw" "$adapter" "$ca_bench"; do
  [[ -x $prog ]] || { echo "bench/pkcs11.sh: no $prog (meson configure $build -Dbench=true; ninja -C $build)" >&2; exit 3; }
done
[[ -x $pk ]] || { echo "bench/pkcs11.sh: no $pk (give the pairkit binary)" >&2; exit 3; }
for tool in softhsm2-util pkcs11-tool python3; do
  command -v $tool >/dev/null || { echo "bench/pkcs11.sh: $tool is not installed (scripts/deps.sh bench)" >&2; exit 3; }
done
[[ -x /usr/bin/time ]] || { echo "bench/pkcs11.sh: GNU time is not installed (apt-get install time)" >&2; exit 3; }

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
  echo "$(field "$out" raw_sign_per_s) $(field "$out" raw_sign_per_cpu_s)"
}

measure_pairkit() {
  local out
  out=$("$adapter" --module "$SOFTHSM_MODULE" --token bench --object sign --pin-file "$SOFTHSM_PIN_FILE" \
    --seconds "$seconds" --threads "$threads")
  echo "$(field "$out" pairkit_sign_per_s) $(field "$out" pairkit_sign_per_cpu_s)"
}

# ca sign: each round into a fresh copy of its CA and a fresh folder, and
# nothing deleted until the end (bench/README.md: on ext4 without a journal,
# files made after a mass deletion cost more system time).
round_no=0
ca_sign() {  # CA_DIR [TOKEN OPTIONS...]: prints the wall and CPU (user + system) seconds
  local dir=$1
  shift
  cp -r "$dir" "$dir.$round_no"
  /usr/bin/time -f '%e %U %S' -o time.txt \
    "$pk" -q ca sign --dir "$dir.$round_no" csrs/*.csr --out-dir "out-$dir.$round_no" "$@" >/dev/null
  awk '{printf "%s %.2f\n", $1, $2 + $3}' time.txt
}
measure_file() { ca_sign ca-file; }
measure_token() { ca_sign ca-token --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE"; }

# interleave FIGURES SIDE...: ROUNDS rounds of every side into FIGURES.
interleave() {
  local figures=$1 r i side order
  shift
  : >"$figures"
  for ((r = 1; r <= rounds; r++)); do
    order=("$@")
    # Every other round the other way round: neither side always goes first.
    if ((r % 2 == 0)); then
      order=()
      for ((i = $#; i >= 1; i--)); do order+=("${!i}"); done
    fi
    for side in "${order[@]}"; do
      echo "round $r/$rounds: $side" >&2
      round_no=$r
      echo "$r $side $("measure_$side")" >>"$figures"
    done
  done
}

# report FIGURES TITLE FORMAT SIDE...: each side's median [min-max] and its
# ratio to the first side, by wall time and by CPU time (signatures per CPU
# second; CPU seconds of ca sign, whose writer thread overlaps its signing).
report() {
  python3 - "$@" "$rounds" <<'PY'
import statistics, sys
path, title, fmt, *sides = sys.argv[1:]
rounds = int(sides.pop())
value = {}
for line in open(path):
    r, side, wall, cpu = line.split()
    value[(int(r), side)] = (float(wall), float(cpu))
def spread(values, f):
    return f"{f(statistics.median(values))} [{f(min(values))}-{f(max(values))}]"
print(title)
base = sides[0]
for i, kind in enumerate(("wall", "cpu")):
    for side in sides:
        values = [value[(r, side)][i] for r in range(1, rounds + 1)]
        line = f"  {kind:<4} {side:<8} {spread(values, lambda v: format(v, fmt))}"
        if side != base:
            ratios = [value[(r, side)][i] / value[(r, base)][i] for r in range(1, rounds + 1)]
            line += f"   {spread(ratios, lambda v: f'{v:.2f}')}x {base}"
        print(line)
PY
}

interleave signing raw pairkit

echo "set-up: $n_csrs CSRs (bench/ca/ca_bench), a P-256 CA with its key in a file, one with its key in the token" >&2
"$ca_bench" gen-csrs csrs "$n_csrs" >/dev/null
"$pk" -q ca init --dir ca-file --cn 'Bench CA' --type p256 >/dev/null
ca_key=$("$pk" key gen --token 'pkcs11:token=bench;object=ca' --type p256 \
  --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE" 2>/dev/null)
"$pk" -q ca init --dir ca-token --cn 'Bench CA' --key "$ca_key" \
  --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE" >/dev/null
interleave ca-sign file token
signed=$(find "out-ca-token.$rounds" -name '*.crt' | wc -l)
((signed == n_csrs)) || { echo "bench/pkcs11.sh: the token CA's last round signed $signed of $n_csrs requests" >&2; exit 1; }

report signing "1. SoftHSM2 ECDSA P-256 signatures per second (wall) and per CPU second, $threads thread(s), $rounds interleaved rounds of $seconds s; median [min-max]" \
  .0f raw pairkit
report ca-sign "2. pairkit ca sign of $n_csrs CSRs, wall and CPU (user + system) seconds, $rounds interleaved rounds; median [min-max]" \
  .2f file token
