# gate enroll and gate renew: the EST client (RFC 7030) against a minimal
# HTTPS stand-in (est-standin.py) whose CA is openssl's: what the client
# sends is checked with openssl, what it reads is made by openssl
# crl2pkcs7 -nocrl; then every refusal and fault, a client killed mid-renewal,
# the daemon's stop and the systemd units. Last, the real gate (gate serve
# with a CA): join, approve, enroll, renew, rotate, revoke, and the daemon
# renewing short-lived certificates.
# Background commands run "$PAIRKIT" itself (not the pk function), so that
# $! is the program, which a row can kill.
here_cli=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here_cli/gate-lib.sh"
servers=()
stop_servers() { local p; for p in "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; servers=(); }
# gate-lib.sh's gates too: its trap is replaced by this one.
trap 'stop_servers; for p in "${_gate_pids[@]}"; do kill -9 "$p" 2>/dev/null; done' EXIT

pk -q device init --serial TERM-1 --dir term >/dev/null
pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
cp term/cert.pem paired.pem
cp term/key.pem key0.pem

# Usage errors come before any connection: no pin (not paired), a bad address or duration.
t 2 '^$' "no pin 'gate' in term/pins.toml: pair first with gate join" -- pk gate enroll --dir term
t 2 '^$' "no pin 'gate' in term/pins.toml" -- pk gate renew --dir term --daemon
t 2 '^$' "invalid duration 'soon'" -- pk gate renew --dir term --wait soon
t 2 '^$' 'dir is required' -- pk gate enroll
absent term/ca.pem term/cert.pem.previous term/.est.lock

# The stand-in's CA and another one, both openssl's.
make_ca() {  # DIR CN
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/ca.key" -out "$1/ca.crt" \
    -subj "/CN=$2" -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
make_ca ca 'Standin CA'
make_ca other 'Other CA'
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out stray.key 2>/dev/null
openssl pkey -in stray.key -pubout -out stray.pub
mkdir st
# cacerts as openssl writes it: crl2pkcs7 -nocrl, base64 in LF lines of 64.
openssl crl2pkcs7 -nocrl -certfile ca/ca.crt -outform DER | openssl base64 >st/cacerts.b64
cat paired.pem ca/ca.crt >verify.pem
script() { printf '%s\n' "$1" >st/script.json; }
script '[{"status": 200, "sign": "ca"}]'
"$here_cli/est-standin.py" st.port srv verify.pem st &
servers+=("$!")
for _ in $(seq 100); do [[ -s st.port ]] && break; sleep 0.1; done
gate=127.0.0.1:$(cat st.port)
pk -q pin add --store term/pins.toml --name gate --address "$gate" srv/cert.pem >/dev/null

pubkey_of_cert() { openssl x509 -in "$1" -noout -pubkey; }
pubkey_of_key() { openssl pkey -in "$1" -pubout; }
# Nothing replaced: cert.pem and key.pem as they were, no .next or .previous.
unchanged() {  # CERT KEY
  check "cert.pem unchanged" cmp term/cert.pem "$1"
  check "key.pem unchanged" cmp term/key.pem "$2"
  absent term/cert.pem.next
}

# Refusals (exit 1, the gate's words) and faults (exit 3): nothing replaced.
script '[{"status": 403, "body": {"error": {"code": "not_paired", "message": "this terminal is not paired"}}}]'
t 1 '^$' "^pairkit: the gate at $gate refused: this terminal is not paired \(not_paired\)$" -- pk gate enroll --dir term
unchanged paired.pem key0.pem
absent term/cert.pem.previous
script '[{"status": 400, "body": {"error": {"code": "bad_request", "message": "the CSR names another subject"}}}]'
t 1 '^$' 'refused: the CSR names another subject \(bad_request\)' -- pk gate enroll --dir term
script '[{"status": 500, "body": {"error": {"code": "internal", "message": "boom"}}}]'
t 3 '^$' "answered 500 to /.well-known/est/simpleenroll: boom" -- pk gate enroll --dir term
script '[{"status": 200, "raw": "<html>not base64</html>"}]'
t 3 '^$' "simpleenroll answer is not base64" -- pk gate enroll --dir term
script "[{\"status\": 200, \"raw\": \"$(head -c 120 st/cacerts.b64 | tr -d '\n')\"}]"
t 3 '^$' "simpleenroll answer is not a certs-only PKCS#7 \(truncated" -- pk gate enroll --dir term
script '[{"status": 200, "sign": "ca", "pubkey": "stray.pub"}]'
t 1 '^$' "answered a certificate for another key than term/key.pem; nothing was replaced" -- pk gate enroll --dir term
script '[{"status": 200, "sign": "other"}]'
t 1 '^$' "is refused: it does not verify against ca.pem: .*nothing was replaced" -- pk gate enroll --dir term
script '[{"status": 202, "retry_after": 1, "body": {"state": "pending"}}]'
t 1 '^$' 'still holds this terminal.s request pending after 2s' -- bounded 20 200 pk gate enroll --dir term --wait 2s
script '[{"status": 503, "retry_after": 1, "body": {"error": {"code": "unavailable", "message": "the CA index is busy"}}}]'
t 3 '' 'still busy after 2s: the CA index is busy \(unavailable\)' -- bounded 20 200 pk gate enroll --dir term --wait 2s
# Hostile answers, each within a bound: BER nested past the reader's depth,
# more than 64 certificates, more than the client reads (2 MiB).
deep=$(python3 -c 'import base64; print(base64.b64encode(bytes([0x30, 0x80]) * 50000).decode())')
script "[{\"status\": 200, \"raw\": \"$deep\"}]"
t 3 '^$' 'simpleenroll answer is not a certs-only PKCS#7 \(nesting too deep' -- bounded 10 200 pk gate enroll --dir term
many=$(openssl crl2pkcs7 -nocrl $(printf -- '-certfile ca/ca.crt %.0s' $(seq 65)) -outform DER | base64 -w0)
script "[{\"status\": 200, \"raw\": \"$many\"}]"
t 3 '^$' 'simpleenroll answer holds more than 64 certificates' -- bounded 10 200 pk gate enroll --dir term
python3 -c 'import json; json.dump([{"status": 200, "raw": "A" * (3 << 20)}], open("st/script.json", "w"))'
t 3 '^$' 'sent an answer over 2097152 bytes' -- bounded 10 200 pk gate enroll --dir term
unchanged paired.pem key0.pem
absent term/cert.pem.previous term/key.pem.previous term/key.pem.next

# A gate with another certificate than the pin: refused before a byte is sent.
pk -q pin add --store term/pins.toml --name gate --address "$gate" --force ca/ca.crt >/dev/null
: >st/requests.log
t 1 '^$' "the gate at $gate.*expects" -- pk gate enroll --dir term
check "nothing was sent to a gate that does not match the pin" test ! -s st/requests.log
pk -q pin add --store term/pins.toml --name gate --address "$gate" --force srv/cert.pem >/dev/null

# Pending, then enrolled: RFC 7030's wire, checked with openssl.
script '[{"status": 202, "retry_after": 1, "body": {"state": "pending", "message": "waiting for the operator"}}, {"status": 200, "sign": "ca"}]'
: >st/requests.log
rm -f st/post-*.b64
t 0 '^enrolled: certificate 0*3F[0-9A-F]*$' 'waiting: pending at the gate: waiting for the operator; asking again in about 1s' -- bounded 30 200 pk gate enroll --dir term
paired_fp=$(openssl x509 -in paired.pem -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
check "GET cacerts first, without a body" grep -q '^GET /.well-known/est/cacerts - ' st/requests.log
check "POST simpleenroll as application/pkcs10 with the paired certificate (mTLS)" \
  grep -q "^POST /.well-known/est/simpleenroll application/pkcs10 $paired_fp\$" st/requests.log
post=$(ls st/post-*.b64 | tail -1)
check "the body is base64 in CRLF lines of 64" python3 -c '
import sys; d = open(sys.argv[1], "rb").read(); lines = d.split(b"\r\n")
assert lines[-1] == b"" and all(len(l) == 64 for l in lines[:-2]) and 0 < len(lines[-2]) <= 64 and b"\n" not in d.replace(b"\r\n", b"")' "$post"
base64 -di "$post" >csr.der
t 0 '' 'verify OK' -- openssl req -inform DER -in csr.der -verify -noout
t 0 'CN *= *TERM-1' '' -- openssl req -inform DER -in csr.der -noout -subject
check "the CSR is for the paired key" cmp <(openssl req -inform DER -in csr.der -noout -pubkey) <(pubkey_of_key key0.pem)
t 0 'Standin CA' '' -- openssl x509 -in term/cert.pem -noout -issuer
t 0 'term/cert.pem: OK' '' -- openssl verify -CAfile term/ca.pem term/cert.pem
t 0 '' '' -- pk cert verify term/cert.pem --ca term/ca.pem --purpose client
check "ca.pem holds the CA certificate from cacerts" cmp <(openssl x509 -in term/ca.pem -outform DER) <(openssl x509 -in ca/ca.crt -outform DER)
check "the paired certificate is kept as cert.pem.previous" cmp term/cert.pem.previous paired.pem
check "key.pem is unchanged" cmp term/key.pem key0.pem
absent term/key.pem.previous term/cert.pem.next
check "device.toml records the new certificate" bash -c 'grep "^cert_sha256" term/device.toml | grep -qF "$(openssl x509 -in term/cert.pem -noout -fingerprint -sha256 | cut -d= -f2)"'
# so a restore point of the folder can be made (it checks cert.pem against device.toml).
t 0 '' '' -- pk backup create --from term -o term.age --recipient "$(pk backup keygen -o backup-id.txt)"
cp term/cert.pem enrolled.pem

# renew: simplereenroll with the CA certificate over mTLS; --json says what was written.
script '[{"status": 200, "sign": "ca"}]'
: >st/requests.log
t 0 '"renewed": true' '' -- pk --json gate renew --dir term
check "--json names the files" grep -q "\"$(pwd)/term/cert.pem.previous\"\|\"term/cert.pem.previous\"" <<<"$OUT"
check "--json gives the new certificate's sha256" grep -q "$(openssl x509 -in term/cert.pem -noout -fingerprint -sha256 | sed 's/.*=//')" <<<"$OUT"
enrolled_fp=$(openssl x509 -in enrolled.pem -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
check "POST simplereenroll, authenticated by the enrolled certificate" \
  grep -q "^POST /.well-known/est/simplereenroll application/pkcs10 $enrolled_fp\$" st/requests.log
check "the enrolled certificate is kept as cert.pem.previous" cmp term/cert.pem.previous enrolled.pem
check "the renewal is for the same key" cmp <(pubkey_of_cert term/cert.pem) <(pubkey_of_key key0.pem)
t 0 'term/cert.pem: OK' '' -- openssl verify -CAfile term/ca.pem term/cert.pem

# --new-key: a new P-256 key, the old one kept as key.pem.previous (0600).
cp term/cert.pem before-rotation.pem
t 0 '^renewed: certificate' '' -- pk gate renew --dir term --new-key
check "the old key is kept as key.pem.previous" cmp term/key.pem.previous key0.pem
check "key.pem is a new key" bash -c '! cmp -s term/key.pem key0.pem'
check "the new certificate is for the new key" cmp <(pubkey_of_cert term/cert.pem) <(pubkey_of_key term/key.pem)
t 0 'ASN1 OID: prime256v1' '' -- openssl pkey -in term/key.pem -noout -text
mode_is 600 term/key.pem
mode_is 600 term/key.pem.previous
check "the previous certificate is kept" cmp term/cert.pem.previous before-rotation.pem
absent term/key.pem.next term/cert.pem.next

# Killed (-9) while the gate signs: key.pem.next was written before the
# request, the pair is untouched; the next renew reuses that key and finishes.
cp term/key.pem key1.pem
cp term/cert.pem cert1.pem
script '[{"status": 200, "sign": "ca", "delay": 30}]'
"$PAIRKIT" gate renew --dir term --new-key >/dev/null 2>&1 &
client=$!
for _ in $(seq 100); do [[ -s term/key.pem.next ]] && break; sleep 0.1; done
sleep 0.3
kill -9 "$client"
wait "$client" 2>/dev/null
unchanged cert1.pem key1.pem
check "key.pem.next is left for the next renew" test -s term/key.pem.next
cp term/key.pem.next key2.pem
script '[{"status": 200, "sign": "ca"}]'
t 0 '^renewed' 'note: using term/key.pem.next, the new key of an interrupted renewal' -- pk gate renew --dir term
check "the interrupted rotation's key is now key.pem" cmp term/key.pem key2.pem
check "its predecessor is key.pem.previous" cmp term/key.pem.previous key1.pem
check "the certificate is for it" cmp <(pubkey_of_cert term/cert.pem) <(pubkey_of_key key2.pem)
absent term/key.pem.next term/cert.pem.next

# A refused renewal (revoked): exit 1 with the reason, nothing replaced.
cp term/key.pem key3.pem
cp term/cert.pem cert3.pem
script '[{"status": 403, "body": {"error": {"code": "revoked", "message": "this certificate was revoked"}}}]'
t 1 '^$' 'refused: this certificate was revoked \(revoked\)' -- pk gate renew --dir term --new-key
unchanged cert3.pem key3.pem
check "the refused rotation's key waits as key.pem.next, not in place" test -s term/key.pem.next
rm term/key.pem.next

# --if-due (what the timer runs): nothing before two thirds of the life, a renewal after.
script '[{"status": 200, "sign": "ca"}]'
t 0 '^not due: renewing from 20' '' -- pk gate renew --dir term --if-due
check "--if-due before the due time replaces nothing" cmp term/cert.pem cert3.pem
later=$(date -u -d '+6 days' +%Y-%m-%dT%H:%M:%SZ)
t 0 '^renewed' '' --env PAIRKIT_TEST_NOW="$later" -- pk gate renew --dir term --if-due

# The daemon: refused, it stops with exit 1 and the reason; a gate away, it
# retries with backoff; SIGTERM stops it with exit 0.
script '[{"status": 403, "body": {"error": {"code": "revoked", "message": "this certificate was revoked"}}}]'
t 1 '' 'refused: this certificate was revoked' --env PAIRKIT_TEST_NOW="$later" -- bounded 20 200 pk gate renew --dir term --daemon
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PAIRKIT_TEST_NOW=$later "$PAIRKIT" gate renew --dir term --daemon --gate 127.0.0.1:$closed_port >daemon.out 2>daemon.err &
daemon=$!
for _ in $(seq 100); do grep -q '^retrying' daemon.err && break; sleep 0.1; done
check "the daemon retries a gate that is away in 30s" grep -q "^retrying in 30s: renewal failed: cannot connect to 127.0.0.1:$closed_port" daemon.err
kill -TERM "$daemon"
wait "$daemon"
check "SIGTERM stops the daemon with exit 0" test $? = 0
check "it says it stopped" grep -q '^stopped (SIGTERM)$' daemon.err
"$PAIRKIT" gate renew --dir term --daemon >daemon.out 2>daemon.err &
daemon=$!
for _ in $(seq 100); do grep -q '^sleeping' daemon.err && break; sleep 0.1; done
check "a fresh certificate: the daemon sleeps until it is due" grep -q '^sleeping: certificate .* renewing at 20' daemon.err
kill -TERM "$daemon"
wait "$daemon"
check "SIGTERM ends its sleep with exit 0" test $? = 0
check "nothing was renewed" test ! -s daemon.out

# The systemd units, as meson configured them, with ExecStart pointed at this build.
unit_dir=$(dirname "$PAIRKIT")
if ! command -v systemd-analyze >/dev/null; then
  skip "systemd-analyze verify accepts pairkit-renew.service and .timer" "systemd-analyze is not installed"
else
  check "the service runs pairkit-gate from libexecdir, renewing when due" \
    grep -q '^ExecStart=/.*/libexec/pairkit/pairkit-gate gate renew --if-due --dir /var/lib/pairkit-terminal$' "$unit_dir/pairkit-renew.service"
  sed "s|^ExecStart=[^ ]*/pairkit-gate |ExecStart=$unit_dir/pairkit-gate |" "$unit_dir/pairkit-renew.service" >pairkit-renew.service
  cp "$unit_dir/pairkit-renew.timer" .
  t 0 '^$' '^$' -- systemd-analyze verify --man=no ./pairkit-renew.service ./pairkit-renew.timer
fi

# The real gate, issuing from a CA folder: certificates of 15 s, so the
# daemon renews twice within a bounded minute (at 10 s, then 10 s later).
stop_servers
pk -q device init --serial GATE-2 --role server --dir gsrv >/dev/null
pk -q ca init --dir fleet --cn 'Fleet CA' >/dev/null
cat >gsrv/gate.toml <<TOML
[gate]
ca = "$(pwd)/fleet"
[est]
valid_for = "15s"
TOML
start_gate gsrv
pk -q operator add --db gsrv/pairing.db --name alice >alice.uri
alice=$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' alice.uri)
steps=0
base=$(date -u +%s)
decide() {  # approve|reject|unpair SERIAL [ARGS...]: each at its own TOTP step, 30 s after the last
  steps=$((steps + 1))
  local at=$((base + steps * 30))
  PAIRKIT_TEST_NOW=$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ) pk pair "$1" --db gsrv/pairing.db --serial "$2" "${@:3}" \
    --operator alice --otp "$(oathtool --totp -b "$alice" --now "$(date -u -d "@$at" '+%Y-%m-%d %H:%M:%S UTC')")" >/dev/null
}
wait_line() {  # FILE ERE SECONDS
  for _ in $(seq $(($3 * 10))); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
pk -q device init --serial TERM-9 --dir t9 >/dev/null
cp t9/cert.pem t9-paired.pem
# Not paired yet: the gate answers 403 and the client says so.
pk -q pin add --store t9/pins.toml --name gate --address "$GATE" gsrv/cert.pem >/dev/null
t 1 '^$' 'refused: .*\(not_paired\)' -- pk gate enroll --dir t9
rm t9/pins.toml
"$PAIRKIT" --json gate join --gate "$GATE" --dir t9 --tofu --wait 2m >j9.out 2>j9.err &
join=$!
check 'the terminal shows its code' wait_line j9.out '"event":"pending"' 20
code=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "pending": print(e["code"]); break' j9.out)
check 'the operator approves' decide approve TERM-9 --code "$code"
check 'the join ends paired' bash -c "timeout 30 tail --pid=$join -f /dev/null; grep -q '\"event\":\"paired\"' j9.out"
t 0 '^enrolled: certificate' '' -- pk gate enroll --dir t9
t 0 'Fleet CA' '' -- openssl x509 -in t9/cert.pem -noout -issuer
t 0 '' '' -- pk cert verify t9/cert.pem --ca t9/ca.pem --purpose client
t 0 '' '' -- pk cert verify t9/cert.pem --ca fleet/ca.crt --purpose client
check "the paired certificate is kept" cmp t9/cert.pem.previous t9-paired.pem
check "the gate's index records the certificate" bash -c "pk ca list --dir fleet | grep -q TERM-9"
t 0 'HTTP 200' '' -- gcurl --cert t9/cert.pem --key t9/key.pem /v1/config
cp t9/cert.pem t9-enrolled.pem
t 0 '^renewed: certificate' '' -- pk gate renew --dir t9
check "renewed: the enrolled certificate is kept" cmp t9/cert.pem.previous t9-enrolled.pem
t 0 '' '' -- pk cert verify t9/cert.pem --ca t9/ca.pem --purpose client
# A peer that pinned the terminal's key (an SPKI pin) accepts the renewed
# certificate it presents: pin check --connect against openssl s_server.
pk -q pin add --store peer-pins.toml --name t9 --fingerprint "$(pk fingerprint --of spki --format pin t9-enrolled.pem)" >/dev/null
for try in $(seq 0 19); do
  s_port=$((30000 + ($$ * 7 + try * 131 + RANDOM % 50) % 30000))
  openssl s_server -accept "127.0.0.1:$s_port" -cert t9/cert.pem -key t9/key.pem -www >s9.log 2>&1 &
  s_pid=$!
  for _ in $(seq 50); do grep -q '^ACCEPT' s9.log && break; kill -0 "$s_pid" 2>/dev/null || break; sleep 0.1; done
  if grep -q '^ACCEPT' s9.log; then servers+=("$s_pid"); break; fi
  kill "$s_pid" 2>/dev/null; wait "$s_pid" 2>/dev/null
done
t 0 '' '' -- pk pin check --store peer-pins.toml --name t9 --connect "127.0.0.1:$s_port"
stop_servers
cp t9/key.pem t9-key0.pem
t 0 '"new_key": true' '' -- pk --json gate renew --dir t9 --new-key
check "the old key is kept" cmp t9/key.pem.previous t9-key0.pem
check "the renewed certificate is for the new key" cmp <(openssl x509 -in t9/cert.pem -noout -pubkey) <(openssl pkey -in t9/key.pem -pubout)
t 0 '' '' -- pk cert verify t9/cert.pem --ca t9/ca.pem --purpose client
t 0 'HTTP 200' '' -- gcurl --cert t9/cert.pem --key t9/key.pem /v1/config

# The daemon renews each 15 s certificate two thirds into its life: twice within a bounded 70 s.
"$PAIRKIT" --json gate renew --dir t9 --daemon >d9.out 2>d9.err &
daemon=$!
check "the daemon renews a first time" wait_line d9.out '.' 70
check "the daemon renews twice" bash -c "for _ in \$(seq 400); do [ \$(wc -l <d9.out) -ge 2 ] && exit 0; sleep 0.1; done; exit 1"
kill -TERM "$daemon"
wait "$daemon"
check "SIGTERM stops it with exit 0" test $? = 0
check "each renewal is one JSON line" python3 -c '
import json, sys
lines = [json.loads(l) for l in open("d9.out")]
assert len(lines) >= 2 and all(l["renewed"] for l in lines), lines'
t 0 '' '' -- pk cert verify t9/cert.pem --ca t9/ca.pem --purpose client

# Revoked: the renewal is refused (exit 1, the gate's reason) and nothing replaced.
pk -q ca revoke --dir fleet --cert t9/cert.pem --reason keyCompromise >/dev/null
cp t9/cert.pem t9-revoked.pem
t 1 '^$' 'refused: .*\(revoked\)' -- pk gate renew --dir t9
check "the revoked certificate stays in place" cmp t9/cert.pem t9-revoked.pem
# The daemon sleeps until the revoked certificate is due (20 s into its 30), then stops, refused.
t 1 '' 'refused: .*\(revoked\)' -- bounded 45 200 pk gate renew --dir t9 --daemon
stop_gate TERM
