# gate serve, GET /v1/crl: the CA's CRL with caching headers, fetched by curl
# and verified by openssl; issued and re-issued by a gate holding the CA key,
# served and watched without it; a corrupt file is a 503, never a dead gate.
source "$(dirname "${BASH_SOURCE[0]}")/gate-lib.sh"

pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
pk -q ca init --dir fca --cn 'Fleet CA' >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout t.key -subj /CN=TERM-0042 -out t.csr 2>/dev/null
pk -q ca sign --dir fca t.csr -o t.crt 2>/dev/null
serial=$(openssl x509 -in t.crt -noout -serial | cut -d= -f2)
printf '[gate]\nca = "%s/fca"\n' "$PWD" >srv/gate.toml

# Without a CA folder there is no CRL to serve.
pk -q device init --serial GATE-0 --role server --dir noca >/dev/null
check "a gate without [gate] ca starts" start_gate noca
t 0 '^HTTP 503$' '' -- gcurl /v1/crl
t 0 '"code":"unavailable"' '' -- gcurl /v1/crl
t 0 '< Retry-After: [0-9]+' '' -- bash -c "curl -sk -v https://$GATE/v1/crl 2>&1"
stop_gate

# A refresh_before the CA's own CRLs cannot meet is refused at start.
pk -q device init --serial GATE-2 --role server --dir badrefresh >/dev/null
printf '[gate]\nca = "%s/fca"\n[crl]\nrefresh_before = "7d"\n' "$PWD" >badrefresh/gate.toml
t 3 '' 'refresh_before \(1w\) must be shorter than .*crl.next_update' -- pk gate serve --dir badrefresh --listen 127.0.0.1:0
printf '[crl]\nrefresh_before = "soon"\n' >badrefresh/gate.toml
t 3 '' 'crl.refresh_before' -- pk gate serve --dir badrefresh --listen 127.0.0.1:0

# --- The gate holds the CA key: it issues crl.pem at start, serves it as DER.
check "the gate starts with the CA folder" start_gate srv
check "it issued fca/crl.pem at start" test -s fca/crl.pem
t 0 'CRL: issued number 1 with 0 revoked' '' -- cat srv.log
t 0 '^HTTP 200$' '' -- gcurl -o crl1.der /v1/crl
t 0 'verify OK' '' -- bash -c 'openssl crl -inform DER -in crl1.der -CAfile fca/ca.crt -noout 2>&1'
check "what it serves is the file, as DER" bash -c 'openssl crl -in fca/crl.pem -outform DER | cmp - crl1.der'
curl -sk -D headers.txt -o /dev/null "https://$GATE/v1/crl"
t 0 '^Content-Type: application/pkix-crl' '' --stdin headers.txt -- tr -d '\r'
t 0 '^ETag: "crl-1"$' '' --stdin headers.txt -- tr -d '\r'
t 0 '^Cache-Control: public, max-age=5[0-9]{5}$' '' --stdin headers.txt -- tr -d '\r'
t 0 '^Last-Modified: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' '' --stdin headers.txt -- tr -d '\r'
t 0 '^Expires: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' '' --stdin headers.txt -- tr -d '\r'

# Conditional requests: 304 without a body for the ETag and for a date no earlier than thisUpdate.
t 0 '^HTTP 304$' '' -- gcurl -H 'If-None-Match: "crl-1"' /v1/crl
t 0 '^0$' '' -- bash -c "curl -sk -H 'If-None-Match: \"crl-1\"' https://$GATE/v1/crl | wc -c"
t 0 '^HTTP 304$' '' -- gcurl -z crl1.der /v1/crl
t 0 '^HTTP 200$' '' -- gcurl -o /dev/null -z 'Jan 1 2001' /v1/crl
t 0 '^HTTP 200$' '' -- gcurl -o /dev/null -H 'If-None-Match: "crl-0"' /v1/crl

# A revocation reaches /v1/crl within seconds, in a CRL with a new number.
t 0 "$serial: revoked" '' -- pk ca revoke --dir fca "$serial" --reason keyCompromise
check "the next fetch lists the revoked serial (within 10 s)" bash -c "
  for i in \$(seq 50); do
    curl -sk https://$GATE/v1/crl -o crl2.der && openssl crl -inform DER -in crl2.der -noout -text | grep -q 'Serial Number: $serial' && exit 0
    sleep 0.2
  done; exit 1"
t 0 'verify OK' '' -- bash -c 'openssl crl -inform DER -in crl2.der -CAfile fca/ca.crt -noout 2>&1'
t 0 '^HTTP 200$' '' -- gcurl -o /dev/null -H 'If-None-Match: "crl-1"' /v1/crl
t 0 'revocations CRL "crl-1" lacks' '' -- cat srv.log
t 0 '^pairkit_gate_crl_next_update_seconds [0-9]{10}$' '' -- bash -c "curl -sk https://$GATE/metrics | grep ^pairkit_gate_crl"
stop_gate

# --- Without the key: it serves what `crl issue` wrote and warns as it ages.
mkdir kca && cp fca/ca.crt fca/ca.toml kca/
pk -q crl issue --dir fca --next-update 2d -o kca/crl.pem 2>/dev/null
pk -q device init --serial GATE-3 --role server --dir keyless >/dev/null
printf '[gate]\nca = "%s/kca"\n[crl]\nrefresh_before = "3d"\n' "$PWD" >keyless/gate.toml
check "a gate without the CA key starts" start_gate keyless
t 0 '^HTTP 200$' '' -- gcurl -o crl3.der /v1/crl
check "it serves the file crl issue wrote" bash -c 'openssl crl -in kca/crl.pem -outform DER | cmp - crl3.der'
t 0 'is due for its next update at .*run `pairkit crl issue' '' -- cat keyless.log
t 0 '^Cache-Control: public, max-age=0' '' -- bash -c "curl -sk -D - -o /dev/null https://$GATE/v1/crl | tr -d '\r'"
check "it never writes the file itself" bash -c 'openssl crl -in kca/crl.pem -outform DER | cmp - crl3.der'

# Past nextUpdate it still serves the CRL, and says so.
pk -q crl issue --dir fca --next-update 1s -o stale.pem 2>/dev/null
sleep 1.2
mv stale.pem kca/crl.pem
check "a CRL past its nextUpdate is still served, with a warning (within 10 s)" bash -c "
  for i in \$(seq 50); do grep -q 'still serving it' keyless.log && exit 0; sleep 0.2; done; exit 1"
t 0 '^HTTP 200$' '' -- gcurl -o /dev/null /v1/crl

# A corrupt file: 503 and a log line; the gate lives on, and a good file is served again.
echo 'not a CRL' >bad.pem && mv bad.pem kca/crl.pem
check "a corrupt CRL file turns /v1/crl into 503 (within 10 s)" bash -c "
  for i in \$(seq 50); do [[ \$(curl -sk -o /dev/null -w '%{http_code}' https://$GATE/v1/crl) == 503 ]] && exit 0; sleep 0.2; done; exit 1"
t 0 'answers 503 until it is replaced' '' -- cat keyless.log
t 0 '"status":"ok"' '' -- gcurl /healthz
pk -q crl issue --dir fca --next-update 2d -o good.pem 2>/dev/null && mv good.pem kca/crl.pem
check "a good file is served again (within 10 s)" bash -c "
  for i in \$(seq 50); do [[ \$(curl -sk -o /dev/null -w '%{http_code}' https://$GATE/v1/crl) == 200 ]] && exit 0; sleep 0.2; done; exit 1"
stop_gate
t 0 '' '' -- test "$GATE_EXIT" = 0
