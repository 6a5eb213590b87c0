#!/usr/bin/env bash
# Benchmark: EST renewals on the gate. Sets up a CA, a gate issuing from it and
# TERMINALS terminals pre-registered, paired (auto-approved) and enrolled (not
# timed), then:
# - renewals/s with 16 concurrent terminals (bench/gate_load renew: new
#   connection, full mTLS handshake, simplereenroll, each renewal from the
#   certificate the previous one answered), in interleaved rounds with
# - the crypto bound measured in the same run: the server's side of one
#   renewal, one ECDHE (the group the gate negotiates), one ECDSA P-256
#   signature and one verification in TLS 1.3 (the gate verifies the client's
#   CertificateVerify and no chain), one CSR verification and one certificate
#   signature, each at the rate `openssl speed -multi 2` (TLS) or raw Botan
#   on 2 threads (bench/est_crypto; the gate's CSR and certificate code)
#   reaches per CPU second; median and range of the rate, the bound and
#   their ratio, and the CPU time per renewal of the gate, of the load client
#   and of the bound's crypto (steadier than rates on a busy machine);
# - every terminal renewing once (24 at a time): within one minute, every
#   renewal answered 200 with a certificate that `openssl verify -CAfile`
#   accepts, and the CA index holding exactly the certificates answered.
# Nothing lost, nothing doubled: each round's new index rows equal its 200s.
# Bounded: each round about 15 s, the whole at most about 4 minutes plus the
# set-up (about a minute for 1,000 terminals).
# Usage: bench/est.sh [PAIRKIT_BINARY] [TERMINALS] [ROUNDS]
#        (default build/pairkit, 1000 terminals (16..5000), 5 rounds (1..20))
#        BUILD=DIR: the -Dbench=true build with bench/gate_load/gate_load and
#        bench/est_crypto/est_crypto (default: the pairkit binary's folder)
#        TMPDIR=DIR: where the CA, the gate and the terminals live (default
#        /tmp; the CA index's fsync per renewal is part of the figure)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pk=$(realpath "${1:-$here/../build/pairkit}")
terminals=${2:-1000}
rounds=${3:-5}
build=$(realpath "${BUILD:-$(dirname "$pk")}")
load=$build/bench/gate_load/gate_load
crypto=$build/bench/est_crypto/est_crypto
[[ $terminals =~ ^[0-9]+$ ]] && ((terminals >= 16 && terminals <= 5000)) ||
  { echo "bench/est.sh: TERMINALS is a whole number from 16 to 5000, not '$terminals'" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ ]] && ((rounds >= 1 && rounds <= 20)) ||
  { echo "bench/est.sh: ROUNDS is a whole number from 1 to 20, not '$rounds'" >&2; exit 2; }
[[ -x $pk ]] || { echo "bench/est.sh: no pairkit binary at $pk (scripts/build.sh build)" >&2; exit 3; }
for b in "$load" "$crypto"; do
  [[ -x $b ]] || { echo "bench/est.sh: no $b (meson configure $build -Dbench=true; ninja -C $build)" >&2; exit 3; }
done
for tool in openssl curl python3; do
  command -v $tool >/dev/null || { echo "bench/est.sh: $tool is not installed (scripts/deps.sh bench)" >&2; exit 3; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d "${TMPDIR:-/tmp}/pairkit-bench-est.XXXXXX")
source "$here/gate_servers.sh"
trap 'stop_servers; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
cd "$work"

fail() { echo "bench/est.sh: $*" >&2; exit 1; }
# The CA index's serials, one a line, hex without leading zeros (as gate_load reports them).
index_serials() {
  "$pk" --json ca list --dir ca | python3 -c 'import json,sys; print("\n".join(c["serial"].lstrip("0") or "0" for c in json.load(sys.stdin)))'
}
# field JSON KEY: one value of a gate_load answer.
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "set-up: a CA, a gate and $terminals terminals (not timed)" >&2
t0=$SECONDS
"$pk" -q ca init --dir ca --cn "Bench fleet CA" >/dev/null
"$pk" -q device init --serial GATE-1 --role server --dir srv >/dev/null
printf '[gate]\nca = "%s/ca"\nauto_approve_expected = true\n' "$PWD" >srv/gate.toml
# Two at a time: the machine has two cores.
seq -f 'T-%05g' 1 "$terminals" | xargs -P 2 -I{} "$pk" -q device init --serial {} --dir t/{} >/dev/null
"$pk" --json fingerprint t/*/cert.pem |
  python3 -c 'import json,sys; [print(f["file"].split("/")[1], f["fingerprint"]) for f in json.load(sys.stdin)]' >expected
# Each `pair expect` is one short write transaction on the registry.
xargs -P 2 -L 1 sh -c 'exec "$0" -q pair expect --db srv/pairing.db --serial "$1" --fingerprint "$2" >/dev/null' "$pk" <expected
start_gate srv
ids=()
for d in t/*; do ids+=(--identity "$d"); done
out=$("$load" newconn --port "$gate_port" "${ids[@]}" --requests "$terminals" --concurrency 8 --seconds 300)
[[ $(field "$out" status) == "{'200': $terminals}" ]] || fail "pairing: not every terminal was paired at first contact: $out"
out=$("$load" enroll --port "$gate_port" "${ids[@]}" --concurrency 8 --seconds 300 --save-certs)
[[ $(field "$out" new_certificates) == "$terminals" ]] || fail "enrollment: not every terminal got its first certificate: $out"
[[ $(index_serials | wc -l) == "$terminals" ]] || fail "enrollment: the CA index does not hold $terminals certificates"
echo "set-up took $((SECONDS - t0)) s" >&2

# The key exchange the gate negotiates with this client (X25519 unless configured otherwise).
temp_key=$(openssl s_client -connect "127.0.0.1:$gate_port" -cert t/T-00001/cert.pem -key t/T-00001/key.pem </dev/null 2>/dev/null |
  sed -n 's/^Server Temp Key: //p')
case $temp_key in
  X25519*) group=x25519 ;;
  ECDH,\ prime256v1* | ECDH,\ P-256*) group=p256 ;;
  *) fail "unexpected key exchange '$temp_key' (bench/est.sh knows X25519 and P-256)" ;;
esac

rate_ids=()
for ((i = 1; i <= 16; i++)); do rate_ids+=(--identity "$(printf 't/T-%05d' "$i")"); done
bound() {  # ROUND: one line of raw rates on two cores
  local speed botan
  speed=$(openssl speed -mr -multi 2 -seconds 2 ecdsap256 "ecdh$group" 2>/dev/null | grep '^+F[45]:')
  botan=$("$crypto" 2 2)
  python3 - "$1" "$speed" "$botan" <<'PY' >>figures
import json, sys
r = {"target": "bound", "round": int(sys.argv[1])}
for line in sys.argv[2].split():
    f = line.split(":")
    if f[0] == "+F4": r["ossl_sign"], r["ossl_verify"] = float(f[3]), float(f[4])
    if f[0] == "+F5": r["ossl_ecdh"] = float(f[3])
b = json.loads(sys.argv[3])
r["botan_sign"], r["botan_verify"] = b["botan_p256_sign_per_s"], b["botan_p256_verify_per_s"]
print(json.dumps(r))
PY
}
renew() {  # ROUND: 16 terminals renewing for 5 s; the index rows it added
  local before after out
  before=$(index_serials | wc -l)
  out=$("$load" renew --port "$gate_port" "${rate_ids[@]}" --concurrency 16 --requests 1000000 --seconds 5 \
    --save-certs --server-pid "$gate_pid")
  after=$(index_serials | wc -l)
  sed "s/^{/{\"target\":\"renew\",\"round\":$1,\"rows_added\":$((after - before)),/" <<<"$out" >>figures
}
for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  if ((r % 2)); then bound $r; renew $r; else renew $r; bound $r; fi
done

echo "all $terminals terminals renewing once, 24 at a time" >&2
index_serials | sort >serials.before
"$load" renew --port "$gate_port" "${ids[@]}" --concurrency 24 --once --requests "$terminals" --seconds 60 \
  --save-certs --server-pid "$gate_pid" >minute.json
index_serials | sort >serials.after
verified=$(openssl verify -CAfile ca/ca.crt t/*/cert.pem 2>/dev/null | grep -c ': OK$' || true)

python3 - figures minute.json serials.before serials.after "$verified" "$terminals" "$rounds" "$group" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
minute = json.load(open(sys.argv[2]))
before, after = set(open(sys.argv[3]).read().split()), set(open(sys.argv[4]).read().split())
verified, terminals, rounds, group = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
def fig(values, fmt):
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}-{fmt(max(values))}]"
def per_s(b, tls_only=False):
    # One renewal, the server's side: ECDHE, TLS signature, verification of
    # the client's CertificateVerify (OpenSSL), CSR verification and
    # certificate signature (Botan, or OpenSSL for the all-OpenSSL bound).
    csr_verify, cert_sign = (b["ossl_verify"], b["ossl_sign"]) if tls_only else (b["botan_verify"], b["botan_sign"])
    return 1 / (1 / b["ossl_ecdh"] + 1 / b["ossl_sign"] + 1 / b["ossl_verify"] + 1 / csr_verify + 1 / cert_sign)
verdicts = []
def verdict(name, ok, detail):
    verdicts.append(ok)
    print(f"  {'holds' if ok else 'MISSES'}: {name} ({detail})")
bounds = {r["round"]: r for r in rows if r["target"] == "bound"}
renews = {r["round"]: r for r in rows if r["target"] == "renew"}
rs = sorted(renews)
rate = [renews[r]["rps"] for r in rs]
bound = [per_s(bounds[r]) for r in rs]
bound_ossl = [per_s(bounds[r], True) for r in rs]
ratio = [renews[r]["rps"] / per_s(bounds[r]) for r in rs]
print(f"EST renewals, 16 concurrent terminals, {rounds} interleaved rounds; median [min-max]")
print(f"raw rates on 2 cores: OpenSSL P-256 sign {fig([bounds[r]['ossl_sign'] for r in rs], lambda v: f'{v:.0f}')}/s,"
      f" verify {fig([bounds[r]['ossl_verify'] for r in rs], lambda v: f'{v:.0f}')}/s,"
      f" ECDH {group} {fig([bounds[r]['ossl_ecdh'] for r in rs], lambda v: f'{v:.0f}')}/s;"
      f" Botan P-256 sign {fig([bounds[r]['botan_sign'] for r in rs], lambda v: f'{v:.0f}')}/s,"
      f" verify {fig([bounds[r]['botan_verify'] for r in rs], lambda v: f'{v:.0f}')}/s")
print(f"crypto bound     {fig(bound, lambda v: f'{v:7.0f}')} renewals/s"
      f"   (all five at OpenSSL's rates: {fig(bound_ossl, lambda v: f'{v:.0f}')}/s)")
print(f"measured         {fig(rate, lambda v: f'{v:7.0f}')} renewals/s"
      f"   p50 {fig([renews[r]['p50_ms'] for r in rs], lambda v: f'{v:.1f}')} ms"
      f"   p99 {fig([renews[r]['p99_ms'] for r in rs], lambda v: f'{v:.1f}')} ms")
# The raw rates are per CPU second (openssl speed's default, est_crypto's),
# so 2 / bound is the CPU time one renewal's crypto takes, however busy the
# machine; the gate's and the client's CPU per renewal are read from /proc.
crypto_ms = [2000 / b for b in bound]
gate_ms = [renews[r]["server_cpu_ms_per_response"] for r in rs]
client_ms = [renews[r]["client_cpu_ms_per_response"] for r in rs]
print(f"CPU per renewal  gate {fig(gate_ms, lambda v: f'{v:.2f}')} ms, load client {fig(client_ms, lambda v: f'{v:.2f}')} ms,"
      f" the bound's crypto {fig(crypto_ms, lambda v: f'{v:.2f}')} ms: crypto is"
      f" {fig([c / g for c, g in zip(crypto_ms, gate_ms)], lambda v: f'{100 * v:.0f}')} % of the gate's CPU")
print(f"                 two cores shared by the gate and the client alone would give at most"
      f" {fig([2000 / (g + c) for g, c in zip(gate_ms, client_ms)], lambda v: f'{v:.0f}')} renewals/s")
lost = [(r, renews[r]) for r in rs if renews[r]["rows_added"] != renews[r]["status"].get("200", 0)
        or renews[r]["repeated_certificates"] or renews[r]["unreadable_certificates"]
        or renews[r]["error_count"] or renews[r]["non_2xx"]]
for r, x in lost:
    print(f"  round {r}: {x['status']} answered, {x['rows_added']} index rows added, {x['repeated_certificates']} repeated,"
          f" {x['unreadable_certificates']} unreadable, failures {x['errors']}")
print(f"  ratio measured/bound: {fig(ratio, lambda v: f'{v:.2f}')}x")
verdict("renewals/s >= 0.6x the crypto bound", statistics.median(ratio) >= 0.6, f"{statistics.median(ratio):.2f}x")
verdict("every renewal answered 200 is one new index row, nothing else", not lost,
        f"{sum(x['status'].get('200', 0) for x in renews.values())} renewals,"
        f" {sum(x['rows_added'] for x in renews.values())} rows")

m = minute
new = after - before
answered = {s.lstrip("0") or "0" for s in m["new_serials"]}
ok200 = m["status"].get("200", 0)
print(f"all {terminals} terminals once, 24 at a time: {m['elapsed_s']:.1f} s ({m['rps']:.0f} renewals/s,"
      f" p50 {m['p50_ms']:.1f} ms, p99 {m['p99_ms']:.1f} ms), statuses {json.dumps(m['status'], sort_keys=True)},"
      f" failures {json.dumps(m['errors'], sort_keys=True)}")
print(f"  new certificates {len(answered)} on {m['terminals_answered_new']} terminals; CA index rows added {len(new)},"
      f" {len(new - answered)} not answered, {len(answered - new)} answered but not recorded;"
      f" openssl verify -CAfile: {verified}/{terminals} OK")
whole = (m["elapsed_s"] <= 60 and ok200 == terminals and m["terminals_answered_new"] == terminals
         and len(answered) == terminals and new == answered and verified == terminals and not m["errors"])
verdict(f"{terminals} terminals renew within one minute, nothing lost", whole, f"{m['elapsed_s']:.1f} s")
print("PASS" if whole else "FAIL", f"{terminals} renewals in {m['elapsed_s']:.1f} s")
print(f"targets: {sum(verdicts)} of {len(verdicts)} hold")
PY
