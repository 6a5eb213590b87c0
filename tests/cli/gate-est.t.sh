# EST on the gate, server side, against real peers: openssl (pkcs7, cms, req,
# verify) and curl; pairkit-gate(1)'s curl recipe run as written; every
# refusal; and the faults: racing revocations, a busy index, concurrent
# renewals, the gate killed between signing and answering.
source "$(dirname "${BASH_SOURCE[0]}")/gate-lib.sh"
here=$(dirname "${BASH_SOURCE[0]}")
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
index_count() { pk --json ca list --dir ca | jget '.__len__()'; }
# b64 FILE.pem: its DER, base64 (what an EST client posts)
b64() { openssl req -in "$1" -outform DER | openssl base64; }
# est_post CERT KEY BODY_FILE PATH [CURL ARGS...]: prints the body, then "HTTP NNN"
est_post() {
  local cert=$1 key=$2 body=$3 path=$4
  shift 4
  gcurl --cert "$cert" --key "$key" -H 'Content-Type: application/pkcs10' --data-binary @"$body" "$@" "/.well-known/est/$path"
}
# issued FILE.b64 OUT.pem: the certificate of a certs-only reply
issued() { head -n -1 "$1" | openssl base64 -d | openssl pkcs7 -inform DER -print_certs -out "$2"; }
csr() {  # KEY SUBJECT OUT.b64
  openssl req -new -key "$1" -subj "$2" -outform DER | openssl base64 >"$3"
}
# flat CMD...: CMD's output on one line (a body and its "HTTP NNN" in one row's pattern)
flat() {
  local out rc
  out=$("$@")
  rc=$?
  printf '%s\n' "$out" | tr '\n' ' '
  echo
  return $rc
}
export -f pk jget index_count b64 est_post issued csr flat gcurl

pk -q ca init --dir ca --cn "Fleet CA" >/dev/null
pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
for n in 1 2 3 4 5 6; do pk -q device init --serial TERM-$n --dir t$n >/dev/null; done
cat >srv/gate.toml <<TOML
[gate]
ca = "$PWD/ca"
auto_approve_expected = true
poll_interval = "3s"
[limits]
registry_timeout = "1s"
TOML
for n in 1 2 3 4 5; do pk pair expect --db srv/pairing.db --serial TERM-$n --fingerprint "$(pk fingerprint t$n/cert.pem)" >/dev/null; done

# A CA that cannot be loaded stops the gate before it serves.
t 3 '' 'not a CA folder' -- pk gate serve --dir srv --listen 127.0.0.1:0 --ca nowhere
echo hunter2 >sealed.pass && pk -q ca init --dir sealed --cn "Sealed CA" --encrypt --passphrase-file sealed.pass >/dev/null
t 3 '' 'is encrypted: set \[est\] passphrase_file' -- pk gate serve --dir srv --listen 127.0.0.1:0 --ca sealed
mkdir wrongpass && cp srv/key.pem srv/cert.pem wrongpass/ && echo nope >wrongpass/pass &&
  printf '[gate]\nca = "%s/sealed"\n[est]\npassphrase_file = "pass"\n' "$PWD" >wrongpass/gate.toml
t 3 '' 'sealed/ca.key' -- pk gate serve --dir wrongpass --listen 127.0.0.1:0

check "the gate starts with its CA" start_gate srv
export GATE
pin=$(pk fingerprint --of spki --format pin srv/cert.pem)

# cacerts: anyone may fetch it; openssl pkcs7 and openssl cms read it.
gcurl -D cacerts.h /.well-known/est/cacerts | head -n -1 >cacerts.b64
t 0 '^content-type: application/pkcs7-mime' '' -- bash -c "tr -d '\r' <cacerts.h | tr A-Z a-z"
check "openssl pkcs7 -print_certs finds the CA certificate" \
  bash -c "openssl base64 -d -in cacerts.b64 | openssl pkcs7 -inform DER -print_certs | openssl x509 -noout -fingerprint -sha256 | grep -qi \"\$(pk fingerprint ca/ca.crt)\""
t 0 'contentType: pkcs7-signedData' '' -- bash -c "openssl base64 -d -in cacerts.b64 | openssl cms -cmsout -inform DER -print"
t 0 '^HTTP 204$' '' -- gcurl /.well-known/est/csrattrs
t 0 '"code":"method_not_allowed"' '' -- gcurl -X POST /.well-known/est/cacerts

# Pre-registered with its fingerprint: paired at first contact, audited as such.
t 0 '"approved_by":"pre-registration".*"state":"paired"' '' -- \
  flat gcurl --cert t1/cert.pem --key t1/key.pem -H 'Content-Type: application/json' -d '{"serial":"TERM-1"}' /v1/pair
t 0 'pre-registration' '' -- pk pair log --db srv/pairing.db --serial TERM-1

# pairkit-gate(1)'s curl and openssl recipe, as written.
sed -n '/^## Enrolling with curl and openssl/,/^# [A-Z ]*$/p' "$here/../../man/pairkit-gate.1.scd" |
  sed -n '/^```$/,/^```$/p' | sed '1d;$d' >recipe.sh
check "the recipe is in the man page" test -s recipe.sh
mkdir recipe && cp t1/key.pem t1/cert.pem recipe/
t 0 'renewed.pem: OK' '' -- bash -c "cd recipe && GATE=$GATE PIN='$pin' SERIAL=TERM-1 bash -euo pipefail ../recipe.sh 2>&1"
t 0 '' '' -- pk cert verify recipe/renewed.pem --ca recipe/ca.pem
check "the index records both, for TERM-1, the second renewing the first" bash -c "pk --json ca list --dir ca | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert [r[\"est\"][\"terminal\"] for r in rows] == [\"TERM-1\", \"TERM-1\"], rows
first = [r for r in rows if r[\"est\"][\"renewed_from\"] is None]
second = [r for r in rows if r[\"est\"][\"renewed_from\"] is not None]
assert len(first) == 1 and len(second) == 1 and second[0][\"est\"][\"renewed_from\"] == first[0][\"serial\"], rows'"
# The renewed certificate, with its new key, stands for the terminal at the gate.
t 0 '"serial":"TERM-1"' '' -- gcurl --cert recipe/renewed.pem --key recipe/next-key.pem /v1/config
t 0 '"state":"paired"' '' -- \
  gcurl --cert recipe/renewed.pem --key recipe/next-key.pem -H 'Content-Type: application/json' -d '{"serial":"TERM-1"}' /v1/pair
t 0 'EST: TERM-1, renews' '' -- pk ca list --dir ca

# Enrollment for terminal 2, then every way a request is refused.
gcurl --cert t2/cert.pem --key t2/key.pem -H 'Content-Type: application/json' -d '{"serial":"TERM-2"}' /v1/pair >/dev/null
csr t2/key.pem /CN=TERM-2/serialNumber=TERM-2 e2.b64
est_post t2/cert.pem t2/key.pem e2.b64 simpleenroll >e2.out
check "simpleenroll answers a certs-only PKCS#7 with a certificate openssl verifies" \
  bash -c "tail -1 e2.out | grep -q 'HTTP 200' && $(declare -f issued); issued e2.out c2.pem && openssl verify -CAfile ca/ca.crt c2.pem"
t 0 'subject=CN = TERM-2, serialNumber = TERM-2' '' -- openssl x509 -in c2.pem -noout -subject
t 0 'TLS Web Client Authentication' '' -- openssl x509 -in c2.pem -noout -ext extendedKeyUsage
n_before=$(index_count)
t 0 '^HTTP 200$' '' -- est_post t2/cert.pem t2/key.pem e2.b64 simpleenroll
check "asking again gets the same certificate, not a second one" bash -c "[ \$(index_count) = $n_before ]"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key 2>/dev/null
csr other.key /CN=TERM-2/serialNumber=TERM-2 otherkey.b64
t 0 '"code":"bad_request".*another key.*HTTP 400' '' -- flat est_post t2/cert.pem t2/key.pem otherkey.b64 simpleenroll
csr t2/key.pem /CN=TERM-3/serialNumber=TERM-3 othersubject.b64
t 0 "names 'TERM-3', not this terminal's serial 'TERM-2'.*HTTP 400" '' -- flat est_post t2/cert.pem t2/key.pem othersubject.b64 simpleenroll
python3 - e2.b64 badsig.b64 <<'PY'
import base64, sys
der = bytearray(base64.b64decode(open(sys.argv[1]).read()))
der[-6] ^= 1  # inside the signature
open(sys.argv[2], "w").write(base64.b64encode(bytes(der)).decode())
PY
t 0 'signature does not verify.*HTTP 400' '' -- flat est_post t2/cert.pem t2/key.pem badsig.b64 simpleenroll
printf 'not*base64!' >garbage.b64
t 0 'not base64.*HTTP 400' '' -- flat est_post t2/cert.pem t2/key.pem garbage.b64 simpleenroll
head -c 300 e2.b64 >truncated.b64
t 0 '"code":"bad_request".*HTTP 400' '' -- flat est_post t2/cert.pem t2/key.pem truncated.b64 simpleenroll
t 0 '"code":"unsupported_media_type".*HTTP 415' '' -- \
  flat gcurl --cert t2/cert.pem --key t2/key.pem -H 'Content-Type: application/json' --data-binary @e2.b64 /.well-known/est/simpleenroll
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'A' >big.b64
t 0 'HTTP 413' '' -- est_post t2/cert.pem t2/key.pem big.b64 simpleenroll
t 0 '"code":"client_certificate_required".*HTTP 401' '' -- \
  flat gcurl -H 'Content-Type: application/pkcs10' --data-binary @e2.b64 /.well-known/est/simpleenroll
csr t6/key.pem /CN=TERM-6/serialNumber=TERM-6 e6.b64
t 0 '"code":"not_paired".*HTTP 403' '' -- flat est_post t6/cert.pem t6/key.pem e6.b64 simpleenroll
# A pairing still pending: 202 with Retry-After (TERM-6 was not pre-registered).
gcurl --cert t6/cert.pem --key t6/key.pem -H 'Content-Type: application/json' -d '{"serial":"TERM-6"}' /v1/pair >/dev/null
t 0 '"state":"pending".*HTTP 202' '' -- flat est_post t6/cert.pem t6/key.pem e6.b64 simpleenroll
t 0 'Retry-After: 3' '' -- bash -c "$(declare -f est_post gcurl); GATE=$GATE est_post t6/cert.pem t6/key.pem e6.b64 simpleenroll -D - | tr -d '\r'"
# simplereenroll wants a certificate the CA issued; the pairing certificate enrolls.
t 0 '"code":"not_issued_here".*simpleenroll.*HTTP 403' '' -- flat est_post t2/cert.pem t2/key.pem e2.b64 simplereenroll
t 0 '"code":"not_paired".*simplereenroll.*HTTP 403' '' -- flat est_post c2.pem t2/key.pem e2.b64 simpleenroll
# Re-enrollment keeps subject and names (RFC 7030 4.2.2).
t 0 'not the current certificate.*HTTP 400' '' -- flat est_post c2.pem t2/key.pem othersubject.b64 simplereenroll
t 0 '^HTTP 200$' '' -- est_post c2.pem t2/key.pem otherkey.b64 simplereenroll

# Revoked: refused, and the gate no longer takes the certificate for the terminal.
pk -q ca revoke --dir ca --cert c2.pem >/dev/null
t 0 '"code":"revoked".*HTTP 403' '' -- flat est_post c2.pem t2/key.pem e2.b64 simplereenroll
t 0 '"code":"revoked".*HTTP 403' '' -- flat gcurl --cert c2.pem --key t2/key.pem /v1/config

# Unpaired: every certificate of that pairing is cut off at once.
gcurl --cert t3/cert.pem --key t3/key.pem -H 'Content-Type: application/json' -d '{"serial":"TERM-3"}' /v1/pair >/dev/null
csr t3/key.pem /CN=TERM-3/serialNumber=TERM-3 e3.b64
est_post t3/cert.pem t3/key.pem e3.b64 simpleenroll >e3.out && issued e3.out c3.pem
t 0 '"serial":"TERM-3"' '' -- gcurl --cert c3.pem --key t3/key.pem /v1/config
pk operator add --db srv/pairing.db --name alice >alice.uri
secret=$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' alice.uri)
t 0 '^unpaired TERM-3' '' -- pk pair unpair --db srv/pairing.db --serial TERM-3 --operator alice --otp "$(oathtool --totp -b "$secret")"
t 0 '"code":"unpaired".*HTTP 403' '' -- flat est_post c3.pem t3/key.pem e3.b64 simplereenroll
t 0 '"code":"unpaired".*HTTP 403' '' -- flat gcurl --cert c3.pem --key t3/key.pem /v1/config

# Terminal 4: two renewals at once, same key and different keys: every
# certificate issued is recorded, a repeat gets the same one.
gcurl --cert t4/cert.pem --key t4/key.pem -H 'Content-Type: application/json' -d '{"serial":"TERM-4"}' /v1/pair >/dev/null
csr t4/key.pem /CN=TERM-4/serialNumber=TERM-4 e4.b64
est_post t4/cert.pem t4/key.pem e4.b64 simpleenroll >e4.out && issued e4.out c4.pem
n0=$(index_count)
pids=()
for i in 1 2 3 4; do est_post c4.pem t4/key.pem e4.b64 simplereenroll >same$i.out & pids+=($!); done
wait "${pids[@]}"  # not the gate's
check "four renewals at once for one key: all 200, one certificate, one new row" bash -c "
  [ \"\$(tail -qn1 same?.out | sort -u)\" = 'HTTP 200' ] && [ \$(head -qn -1 same?.out | sort -u | wc -l) -gt 0 ] &&
  [ \$(for f in same?.out; do head -n -1 \$f | md5sum; done | sort -u | wc -l) = 1 ] && [ \$(index_count) = $((n0 + 1)) ]"
for i in 1 2 3 4; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k4-$i.pem 2>/dev/null
  csr k4-$i.pem /CN=TERM-4/serialNumber=TERM-4 r4-$i.b64
done
pids=()
for i in 1 2 3 4; do est_post c4.pem t4/key.pem r4-$i.b64 simplereenroll >diff$i.out & pids+=($!); done
wait "${pids[@]}"
check "four renewals at once with four keys: all 200, four certificates, each in the index" bash -c "
  [ \"\$(tail -qn1 diff?.out | sort -u)\" = 'HTTP 200' ] && [ \$(index_count) = $((n0 + 5)) ] &&
  $(declare -f issued jget); for i in 1 2 3 4; do issued diff\$i.out d\$i.pem || exit 1
    fp=\$(openssl x509 -in d\$i.pem -noout -fingerprint -sha256 | cut -d= -f2)
    pk --json ca list --dir ca | grep -q \"\$fp\" || exit 1; done"

# A busy index: 503 with Retry-After, nothing issued; once free, the retry issues.
n1=$(index_count)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k4-busy.pem 2>/dev/null
csr k4-busy.pem /CN=TERM-4/serialNumber=TERM-4 busy.b64
python3 -c "
import sqlite3, time, sys
c = sqlite3.connect('ca/index.db', isolation_level=None)
c.execute('BEGIN IMMEDIATE')
open('locked', 'w').close()
time.sleep(3)
c.execute('ROLLBACK')" &
locker=$!
for i in $(seq 50); do [ -e locked ] && break; sleep 0.1; done
t 0 '"code":"unavailable".*HTTP 503' '' -- flat est_post c4.pem t4/key.pem busy.b64 simplereenroll
t 0 'Retry-After: 3' '' -- bash -c "$(declare -f est_post gcurl); GATE=$GATE est_post c4.pem t4/key.pem busy.b64 simplereenroll -D - | tr -d '\r'"
wait $locker
check "nothing was issued while the index was busy" bash -c "[ \$(index_count) = $n1 ]"
t 0 '^HTTP 200$' '' -- est_post c4.pem t4/key.pem busy.b64 simplereenroll
check "the retry issued one certificate" bash -c "[ \$(index_count) = $((n1 + 1)) ]"

# Renewals racing revocations: a revocation that commits first wins. Each
# round renews one certificate while `ca revoke` revokes it: either the
# renewal answered 200 with a certificate the index holds, or 403 revoked
# and nothing renews that serial; afterwards the revoked one never renews.
gcurl --cert t5/cert.pem --key t5/key.pem -H 'Content-Type: application/json' -d '{"serial":"TERM-5"}' /v1/pair >/dev/null
csr t5/key.pem /CN=TERM-5/serialNumber=TERM-5 e5.b64
est_post t5/cert.pem t5/key.pem e5.b64 simpleenroll >race0.out && issued race0.out race0.pem
for r in $(seq 1 8); do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out race$r.key 2>/dev/null
  csr race$r.key /CN=TERM-5/serialNumber=TERM-5 race$r.b64
done
race_ok=1
for r in $(seq 1 8); do
  prev=race$((r - 1)).pem
  serial=$(openssl x509 -in $prev -noout -serial | cut -d= -f2)
  est_post $prev t5/key.pem race$r.b64 simplereenroll >race$r.out &
  renewer=$!
  pk -q ca revoke --dir ca "$serial" >/dev/null &
  wait $renewer $!
  if [ "$(tail -1 race$r.out)" = "HTTP 200" ]; then
    issued race$r.out race$r.pem || race_ok=0
    fp=$(openssl x509 -in race$r.pem -noout -fingerprint -sha256 | cut -d= -f2)
    [ "$(pk --json ca list --dir ca | python3 -c "import json,sys; print(sum(1 for e in json.load(sys.stdin) if e['sha256'] == '$fp' and (e.get('est') or {}).get('renewed_from') == '$serial'))")" = 1 ] || race_ok=0
  else
    grep -q '"code":"revoked"' race$r.out || race_ok=0
    [ "$(pk --json ca list --dir ca | python3 -c "import json,sys; print(sum(1 for e in json.load(sys.stdin) if (e.get('est') or {}).get('renewed_from') == '$serial'))")" = 0 ] || race_ok=0
    cp $prev race$r.pem  # the next round renews the same, revoked one: refused
  fi
done
check "every race ended in a recorded certificate or a refusal with nothing issued" test $race_ok = 1
t 0 '"code":"revoked".*HTTP 403' '' -- flat est_post race8.pem t5/key.pem race1.b64 simplereenroll

t 0 'pairkit_gate_certificates_issued_total\{kind="renew"\} [1-9][0-9]*$' '' -- gcurl /metrics
t 0 'pairkit_gate_certificates_issued_total\{kind="enroll"\} 5$' '' -- gcurl /metrics

# The gate killed between recording a certificate and answering it: the
# certificate is in the index, and the terminal's retry gets that one.
stop_gate
check "the gate stopped cleanly" test "$GATE_EXIT" = 0
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k4-kill.pem 2>/dev/null
csr k4-kill.pem /CN=TERM-4/serialNumber=TERM-4 kill.b64
n2=$(index_count)
PAIRKIT_TEST_GATE_DIE_AFTER_ISSUE=1 start_gate srv
est_post c4.pem t4/key.pem kill.b64 simplereenroll >kill0.out 2>&1
check "the connection closed without an answer" grep -q 'HTTP 000' kill0.out
stop_gate
check "the gate had died of SIGKILL" test "$GATE_EXIT" = 137
check "the gate died of SIGKILL after recording one certificate" bash -c "[ \$(index_count) = $((n2 + 1)) ]"
check "the gate restarts" start_gate srv
est_post c4.pem t4/key.pem kill.b64 simplereenroll >kill.out
check "the retry gets the certificate recorded before the kill, and no other" bash -c "
  tail -1 kill.out | grep -q 'HTTP 200' && $(declare -f issued) && issued kill.out kill.pem &&
  fp=\$(openssl x509 -in kill.pem -noout -fingerprint -sha256 | cut -d= -f2) &&
  [ \$(index_count) = $((n2 + 1)) ] && pk --json ca list --dir ca | grep -q \"\$fp\""

t 0 'pairkit_gate_certificates_issued_total\{kind="renew"\} 0$' '' -- gcurl /metrics

# A gate without the CA key serves cacerts and refuses to enroll (503).
stop_gate
mkdir keyless && cp ca/ca.crt ca/ca.toml keyless/ &&
  python3 -c "import sqlite3; sqlite3.connect('ca/index.db').backup(sqlite3.connect('keyless/index.db'))"
check "a keyless gate starts" start_gate srv --ca "$PWD/keyless"
t 0 '^HTTP 200$' '' -- gcurl /.well-known/est/cacerts
t 0 'does not hold the CA key.*HTTP 503' '' -- flat est_post c4.pem t4/key.pem kill.b64 simplereenroll
stop_gate

# Expired: refused, unless within [est] expired_grace (the gate's clock set 8 days on).
later=$(date -u -d '+8 days' +%FT%TZ)
csr recipe/next-key.pem /CN=TERM-1/serialNumber=TERM-1 late.b64
check "a gate 8 days later starts" env PAIRKIT_TEST_NOW="$later" bash -c "$(declare -f start_gate); _gate_pids=(); start_gate srv >/dev/null; echo \$GATE_PID >late.pid; echo \$GATE >late.addr"
GATE=$(cat late.addr); _gate_pids+=("$(cat late.pid)")
t 0 '"code":"expired".*expired on .*HTTP 403' '' -- flat est_post recipe/renewed.pem recipe/next-key.pem late.b64 simplereenroll
kill "$(cat late.pid)"
printf '[est]\nexpired_grace = "30d"\n' >>srv/gate.toml
check "a gate 8 days later, with a 30-day grace period" env PAIRKIT_TEST_NOW="$later" bash -c "$(declare -f start_gate); _gate_pids=(); start_gate srv >/dev/null; echo \$GATE_PID >late.pid; echo \$GATE >late.addr"
GATE=$(cat late.addr); _gate_pids+=("$(cat late.pid)")
t 0 '^HTTP 200$' '' -- est_post recipe/renewed.pem recipe/next-key.pem late.b64 simplereenroll
kill "$(cat late.pid)"
check "the gate's log names each certificate it issued" grep -q 'issued certificate [0-9A-F]* to terminal TERM-4 (renews' srv.log
