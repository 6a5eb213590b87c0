#!/usr/bin/env bash
# CA benchmarks against openssl and raw Botan, all measured in this run on data
# made in this run (nothing committed):
#   1. crl check of one certificate against a 1,000,000-entry CRL (PEM, 40+ MB)
#      vs `openssl crl -noout -CAfile`            target: <= 0.5x openssl
#   2. crl issue of 1,000,000 entries vs `openssl ca -gencrl` on the same
#      serials, dates and reasons                 target: <= 0.5x openssl
#   3. ca sign of 2,000 CSRs in one process vs Botan's raw X509_CA
#      sign_request on the same CSRs              target: <= 1.25x raw
# Usage: bench/ca.sh [N_REVOKED] [N_CSRS]   (BUILD=build dir, default build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
n_revoked=${1:-1000000}
n_csrs=${2:-2000}
build=${BUILD:-build-bench}
scripts/build.sh "$build" -Dbench=true -Dbuildtype=release
[[ -x $build/bench/ca/ca_bench ]] || { meson configure "$build" -Dbench=true >/dev/null && ninja -C "$build" -j2 >/dev/null; }
pk=$root/$build/pairkit
tool=$root/$build/bench/ca/ca_bench
work=$(mktemp -d /tmp/pairkit-bench-ca.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# best of N runs, in seconds
best() {
  local runs=$1 best='' t0 t1 s
  shift
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; "$@" >&2 || true; exit 1; }
    t1=$(date +%s.%N)
    s=$(echo "$t1 - $t0" | bc -l)
    if [[ -z $best ]] || (($(echo "$s < $best" | bc -l))); then best=$s; fi
  done
  printf '%.3f' "$best"
}
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

echo "== setup: CA, $n_csrs CSRs, $n_revoked revoked certificates"
"$pk" -q ca init --dir ca --cn 'Bench CA' >/dev/null
"$tool" gen-csrs csrs "$n_csrs"

echo "== 3. ca sign: $n_csrs CSRs"
sign_pk=$(best 1 "$pk" -q ca sign --dir ca csrs/*.csr --out-dir out)
raw=$("$tool" raw-sign ca/ca.key ca/ca.crt csrs 2>/dev/null)
raw2=$("$tool" raw-sign ca/ca.key ca/ca.crt csrs 2>/dev/null)
(($(echo "$raw2 < $raw" | bc -l))) && raw=$raw2
echo "pairkit ca sign (whole process: read, verify, sign, index, write): ${sign_pk}s"
echo "Botan X509_CA::sign_request (in memory, parse + sign):            ${raw}s"
echo "ratio: $(ratio "$sign_pk" "$raw")x (target <= 1.25x)"

"$tool" populate ca/index.db index.txt "$n_revoked"
mkdir -p ossl && cp index.txt ossl/index.txt && echo 01 >ossl/crlnumber
cat >ossl.cnf <<CNF
[ca]
default_ca = d
[d]
database = ossl/index.txt
crlnumber = ossl/crlnumber
certificate = ca/ca.crt
private_key = ca/ca.key
default_md = sha256
default_crl_days = 7
crl_extensions = e
[e]
authorityKeyIdentifier = keyid
CNF

echo "== 2. crl issue: $n_revoked entries"
issue_pk=$(best 1 "$pk" -q crl issue --dir ca -o crl.pem --force)
issue_ossl=$(best 1 openssl ca -gencrl -config ossl.cnf -out ossl-crl.pem)
echo "pairkit crl issue:     ${issue_pk}s  ($(stat -c %s crl.pem) bytes)"
echo "openssl ca -gencrl:    ${issue_ossl}s  ($(stat -c %s ossl-crl.pem) bytes)"
echo "ratio: $(ratio "$issue_pk" "$issue_ossl")x (target <= 0.5x)"
cmp <(openssl crl -in crl.pem -noout -text | grep -c 'Serial Number') <(echo "$n_revoked") >/dev/null &&
  echo "(openssl reads all $n_revoked entries of pairkit's CRL)"

echo "== 1. crl check: one certificate against the $n_revoked-entry CRL"
cert=$(ls out/*.crt | head -1)
check_pk=$(best 3 "$pk" crl check --crl crl.pem --ca ca/ca.crt "$cert")
check_ossl=$(best 3 openssl crl -in crl.pem -noout -CAfile ca/ca.crt)
echo "pairkit crl check --ca:          ${check_pk}s"
echo "openssl crl -noout -CAfile:      ${check_ossl}s"
echo "ratio: $(ratio "$check_pk" "$check_ossl")x (target <= 0.5x)"
check_pk2=$(best 3 "$pk" crl check --crl ossl-crl.pem --ca ca/ca.crt "$cert")
echo "pairkit crl check on openssl's CRL: ${check_pk2}s"
