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
command -v bc >/dev/null && [[ -x /usr/bin/time ]] || { echo "bench/ca.sh needs bc and GNU time (apt-get install bc time)" >&2; exit 3; }
scripts/build.sh "$build" -Dbench=true -Dbuildtype=release
[[ -x $build/bench/ca/ca_bench ]] || { meson configure "$build" -Dbench=true >/dev/null && ninja -C "$build" -j2 >/dev/null; }
pk=$root/$build/pairkit
tool=$root/$build/bench/ca/ca_bench
work=$(mktemp -d /tmp/pairkit-bench-ca.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# best of N runs: "WALL CPU" in seconds (CPU = user + system of the process
# tree). The machine may be shared: CPU time is the steadier figure.
best() {
  local runs=$1 best_w='' best_c='' w c
  shift
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f '%e %U %S' -o "$work/time.txt" "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; "$@" >&2 || true; exit 1; }
    read -r w u s <"$work/time.txt"
    c=$(echo "$u + $s" | bc -l)
    if [[ -z $best_w ]] || (($(echo "$w < $best_w" | bc -l))); then best_w=$w; fi
    if [[ -z $best_c ]] || (($(echo "$c < $best_c" | bc -l))); then best_c=$c; fi
  done
  printf '%.3f %.3f\n' "$best_w" "$best_c"
}
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

echo "== setup: CA, $n_csrs CSRs, $n_revoked revoked certificates"
"$pk" -q ca init --dir ca --cn 'Bench CA' >/dev/null
"$tool" gen-csrs csrs "$n_csrs"

echo "== 3. ca sign: $n_csrs CSRs"
# Three interleaved rounds each, best kept on both sides (was: one pairkit
# run against the better of two raw runs, which favoured the peer under
# load). Each pairkit round signs into a fresh copy of the CA and a fresh
# out folder, and nothing is deleted until the end: on ext4 without a
# journal each file creation skips, one by one, the inodes deleted in the
# last minutes (recently_deleted in the inode allocator), which made a round
# after `rm -rf out` spend 0.4 s of system time on 2,000 files, not 0.13 s. The last
# round's CA and certificates are the ones the CRL steps below use.
sign_w='' sign_c='' raw_w='' raw_c=''
for round in 1 2 3; do
  cp -r ca ca.$round
  read -r w c < <(best 1 "$pk" -q ca sign --dir ca.$round csrs/*.csr --out-dir out.$round)
  if [[ -z $sign_w ]] || (($(echo "$w < $sign_w" | bc -l))); then sign_w=$w; fi
  if [[ -z $sign_c ]] || (($(echo "$c < $sign_c" | bc -l))); then sign_c=$c; fi
  read -r w c < <(best 1 "$tool" raw-sign ca/ca.key ca/ca.crt csrs)
  if [[ -z $raw_w ]] || (($(echo "$w < $raw_w" | bc -l))); then raw_w=$w; fi
  if [[ -z $raw_c ]] || (($(echo "$c < $raw_c" | bc -l))); then raw_c=$c; fi
done
mv ca ca.unsigned && mv ca.3 ca && mv out.3 out
echo "pairkit ca sign (process: read, verify, sign, index, write): wall ${sign_w}s  cpu ${sign_c}s"
echo "Botan X509_CA::sign_request (process: read, parse+verify, sign): wall ${raw_w}s  cpu ${raw_c}s"
echo "ratio: wall $(ratio "$sign_w" "$raw_w")x, cpu $(ratio "$sign_c" "$raw_c")x (target <= 1.25x)"

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
read -r issue_w issue_c < <(best 1 "$pk" -q crl issue --dir ca -o crl.pem --force)
read -r oissue_w oissue_c < <(best 1 openssl ca -gencrl -config ossl.cnf -out ossl-crl.pem)
echo "pairkit crl issue:   wall ${issue_w}s  cpu ${issue_c}s  ($(stat -c %s crl.pem) bytes)"
echo "openssl ca -gencrl:  wall ${oissue_w}s  cpu ${oissue_c}s  ($(stat -c %s ossl-crl.pem) bytes)"
echo "ratio: wall $(ratio "$issue_w" "$oissue_w")x, cpu $(ratio "$issue_c" "$oissue_c")x (target <= 0.5x)"
n_read=$(openssl crl -in crl.pem -noout -text | grep -c 'Serial Number' || true)
echo "(openssl reads $n_read entries from pairkit's CRL)"

echo "== 1. crl check: one certificate against the $n_revoked-entry CRL"
certs=(out/*.crt)
cert=${certs[0]}
read -r check_w check_c < <(best 3 "$pk" crl check --crl crl.pem --ca ca/ca.crt "$cert")
read -r ocheck_w ocheck_c < <(best 3 openssl crl -in crl.pem -noout -CAfile ca/ca.crt)
echo "pairkit crl check --ca:       wall ${check_w}s  cpu ${check_c}s"
echo "openssl crl -noout -CAfile:   wall ${ocheck_w}s  cpu ${ocheck_c}s"
echo "ratio: wall $(ratio "$check_w" "$ocheck_w")x, cpu $(ratio "$check_c" "$ocheck_c")x (target <= 0.5x)"
read -r check2_w check2_c < <(best 3 "$pk" crl check --crl ossl-crl.pem --ca ca/ca.crt "$cert")
echo "pairkit crl check on openssl's CRL: wall ${check2_w}s  cpu ${check2_c}s"
