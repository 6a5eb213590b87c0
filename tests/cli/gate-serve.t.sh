# gate serve: the transport against real peers (curl, openssl s_client, a
# Python client): TLS versions, the client-certificate request, limits,
# garbage, slow drips, signals, reload, /healthz and /metrics.
source "$(dirname "${BASH_SOURCE[0]}")/gate-lib.sh"
here=$(dirname "${BASH_SOURCE[0]}")

pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
pk -q device init --serial TERM-0042 --dir term >/dev/null
cat >srv/gate.toml <<'TOML'
[limits]
handshake_timeout = "2s"
idle_timeout = "2s"
body_timeout = "2s"
shutdown_grace = "5s"
TOML

# Flags and files that cannot work fail before serving.
t 2 '' "listen address 'nowhere' is not HOST:PORT" -- pk gate serve --dir srv --listen nowhere
t 2 '' "'gate.example' is not an IP address" -- pk gate serve --dir srv --listen gate.example:7741
t 3 '' 'term-missing/cert.pem does not exist' -- pk gate serve --dir term-missing --listen 127.0.0.1:0
mkdir badtoml && cp srv/key.pem srv/cert.pem badtoml/ && echo 'nonsense = 1' >badtoml/gate.toml
t 3 '' 'gate.toml' -- pk gate serve --dir badtoml --listen 127.0.0.1:0

check "the gate starts on 127.0.0.1:0 and says which port it took" start_gate srv
check "the registry was created" test -f srv/pairing.db
t 0 '"status":"ok"' '' -- gcurl /healthz
t 0 '^HTTP 200$' '' -- gcurl --cert term/cert.pem --key term/key.pem /healthz
t 0 '"code":"not_found"' '' -- gcurl /nowhere
t 0 '^HTTP 404$' '' -- gcurl /nowhere
t 0 '"code":"method_not_allowed"' '' -- gcurl -X DELETE /healthz
t 0 '< Allow: GET' '' -- bash -c "curl -sk -v -X POST https://$GATE/metrics 2>&1"

# TLS: 1.3 is negotiated, a client certificate is asked for; 1.0 and 1.1 are refused.
t 0 'Protocol version: TLSv1.3' '' -- bash -c "openssl s_client -connect $GATE -brief </dev/null 2>&1"
t 0 'Requested Signature Algorithms' '' -- bash -c "openssl s_client -connect $GATE -tls1_2 </dev/null 2>&1"
t 0 'client certificate CA names' '' -- bash -c "openssl s_client -connect $GATE -tls1_2 </dev/null 2>&1"
t 0 'Verification: OK|Protocol version: TLSv1.3' '' -- bash -c "openssl s_client -connect $GATE -cert term/cert.pem -key term/key.pem -brief </dev/null 2>&1"
check "TLS 1.0 is refused with a protocol_version alert" \
  bash -c "! openssl s_client -connect $GATE -tls1 -cipher DEFAULT@SECLEVEL=0 </dev/null >s1.out 2>&1 && grep -q 'alert protocol version' s1.out"
check "TLS 1.1 is refused with a protocol_version alert" \
  bash -c "! openssl s_client -connect $GATE -tls1_1 -cipher DEFAULT@SECLEVEL=0 </dev/null >s11.out 2>&1 && grep -q 'alert protocol version' s11.out"

# Plaintext HTTP and random bytes: the connection is closed, the gate keeps serving.
t 0 '^$' '' -- bash -c "trap '' PIPE; exec 5<>/dev/tcp/127.0.0.1/${GATE#*:}; printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >&5; timeout 5 cat <&5"
t 0 '' '' -- bash -c "trap '' PIPE; exec 5<>/dev/tcp/127.0.0.1/${GATE#*:}; head -c 4096 /dev/urandom >&5 2>/dev/null; timeout 5 cat <&5 >/dev/null"
t 0 '"status":"ok"' '' -- gcurl /healthz
t 0 'pairkit_gate_tls_handshake_failures_total ([3-9]|[1-9][0-9])' '' -- gcurl /metrics

# Limits: headers over 8 KiB get 431, bodies over 64 KiB 413, slow headers are cut off.
{ printf 'X-Big: '; head -c 9000 /dev/zero | tr '\0' a; echo; } >big.hdr
t 0 '^HTTP 431$' '' -- gcurl -H @big.hdr /healthz
t 0 '"code":"headers_too_large"' '' -- gcurl -H @big.hdr /healthz
head -c 70000 /dev/zero | tr '\0' a >big.json
t 0 '^HTTP 413$' '' -- gcurl -H 'Content-Type: application/json' --data-binary @big.json /healthz
t 0 '"code":"body_too_large"' '' -- gcurl -H 'Content-Type: application/json' --data-binary @big.json /healthz
check "a client that sends no headers is closed after handshake_timeout (2s)" \
  bash -c "s=\$(date +%s%N); timeout 10 openssl s_client -connect $GATE -quiet < <(sleep 8) >/dev/null 2>&1; e=\$(date +%s%N); ms=\$(( (e - s) / 1000000 )); echo \$ms ms; (( ms >= 1500 && ms < 7000 ))"
check "a request whose headers stop half-way gets 408 request_timeout, then the connection closes" \
  bash -c "timeout 10 openssl s_client -connect $GATE -quiet < <(printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n'; sleep 8) >partial.out 2>&1; grep -q '^HTTP/1.1 408 Request Timeout' partial.out && grep -q 'Connection: close' partial.out && grep -q '\"request_timeout\"' partial.out"
check "an idle keep-alive connection is closed after idle_timeout (2s)" \
  bash -c "s=\$(date +%s%N); timeout 10 openssl s_client -connect $GATE -quiet < <(printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'; sleep 8) >idle.out 2>&1; e=\$(date +%s%N); ms=\$(( (e - s) / 1000000 )); echo \$ms ms; grep -q '\"status\":\"ok\"' idle.out && (( ms >= 1500 && ms < 7000 ))"
t 0 '' '' -- gcurl /healthz

# /metrics: Prometheus text, counts that move, a histogram.
curl -sk "https://$GATE/metrics" >m1.txt
gcurl /healthz >/dev/null
curl -sk "https://$GATE/metrics" >m2.txt
metric() { python3 - "$1" "$2" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for line in text.splitlines():
    if line.startswith(sys.argv[2] + " "):
        print(float(line.split()[1]))
        break
else:
    print("missing")
PY
}
check "the /healthz 200 counter moved by one" test "$(metric m2.txt 'pairkit_gate_requests_total{endpoint="/healthz",status="200"}')" = \
  "$(python3 -c "print(float($(metric m1.txt 'pairkit_gate_requests_total{endpoint="/healthz",status="200"}')) + 1)")"
check "the histogram's +Inf bucket equals its count" bash -c "[ \"\$(grep '_bucket{le=\"+Inf\"}' m2.txt | cut -d' ' -f2)\" = \"\$(grep '^pairkit_gate_request_duration_seconds_count' m2.txt | cut -d' ' -f2)\" ]"
check "every metric line parses" python3 -c "
import re, sys
for line in open('m2.txt').read().splitlines():
    if line.startswith('#'): assert re.match(r'# (HELP|TYPE) pairkit_gate_\w+ ', line), line; continue
    assert re.match(r'pairkit_gate_\w+(\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\})? [0-9.e+-]+$', line), line
"
check "the pending gauge and the connection gauge are there" grep -q '^pairkit_gate_pending_requests 0$' m2.txt
check "one log line per request, with the route and the status" grep -qE '^[0-9T:-]+Z 127\.0\.0\.1:[0-9]+ GET /healthz 200 [0-9.]+ms client=-$' srv.log
check "a client certificate is logged by a short fingerprint" grep -qE 'client=([0-9A-F]{2}:){7}[0-9A-F]{2}$' srv.log

# SIGHUP reloads gate.toml; a broken one is refused and the old one stays.
printf '[gate]\nlog_format = "json"\n[limits]\nhandshake_timeout = "2s"\n' >srv/gate.toml
kill -HUP "$GATE_PID"
sleep 0.5
gcurl /healthz >/dev/null
check "after SIGHUP the log is JSON" bash -c "tail -1 srv.log | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d[\"route\"] == \"/healthz\" and d[\"status\"] == 200'"
echo 'log_format = [' >srv/gate.toml
kill -HUP "$GATE_PID"
sleep 0.5
check "a broken gate.toml is logged and the gate keeps serving" grep -q 'reload failed, keeping the running configuration' srv.log
t 0 '"status":"ok"' '' -- gcurl /healthz
rm srv/gate.toml

# 200 slow-drip connections (on a gate of its own, with the default 10 s for
# a request's headers) do not delay a real request by more than a second.
main_pid=$GATE_PID main_gate=$GATE
mkdir drip && cp srv/key.pem srv/cert.pem drip/
check "a gate with the default limits starts" start_gate drip
python3 "$here/gate-client.py" slowdrip "$GATE" 200 6 >drip.out &
drip=$!
sleep 3
check "a request among 200 slow drips is answered within a second" \
  bash -c "t=\$(curl -sk -o /dev/null -w '%{time_total}' --max-time 5 https://$GATE/healthz); echo \$t; python3 -c \"import sys; sys.exit(0 if float('\$t') < 1.0 else 1)\""
t 0 '^pairkit_gate_connections (19[0-9]|20[0-9])$' '' -- bash -c "curl -sk https://$GATE/metrics | grep '^pairkit_gate_connections '"
wait $drip
check "the 200 slow drips all connected" grep -qx 200 drip.out
stop_gate TERM
GATE_PID=$main_pid GATE=$main_gate

# SIGTERM: the request in flight is answered, then the gate exits 0.
t 0 '^HTTP/1.1 405' '' -- python3 "$here/gate-client.py" inflight "$GATE" "$GATE_PID"
stop_gate TERM
check "SIGTERM ends the gate with exit 0" test "$GATE_EXIT" = 0
check "the gate says it stopped" grep -q 'stopping (SIGTERM)' srv.log

# A busy port is an error, not a hang.
check "a second gate starts" start_gate srv
port=${GATE#*:}
t 3 '' "cannot listen on 127.0.0.1:$port" -- pk gate serve --dir srv --listen "127.0.0.1:$port"
stop_gate INT
check "SIGINT ends the gate with exit 0" test "$GATE_EXIT" = 0

# The API (gate-api): a gate with a master service and configuration files.
mkdir api && cp srv/key.pem srv/cert.pem api/
mkdir -p api/config/TERM-0042 api/config/default
echo 'remote vpn.example 1194' >api/config/TERM-0042/vpn.conf && chmod 600 api/config/TERM-0042/vpn.conf
echo 'motd' >api/config/TERM-0042/motd.txt && chmod 644 api/config/TERM-0042/motd.txt
cat >api/gate.toml <<'TOML'
[gate]
poll_interval = "3s"
[master]
address = "master.example:443"
fingerprint = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
[limits]
registry_timeout = "1s"
TOML
for n in 2 3 4; do pk -q device init --serial TERM-000$n --dir term$n >/dev/null; done
check "the API gate starts" start_gate api
J='Content-Type: application/json'
mtls() { local who=$1; shift; gcurl --cert "$who/cert.pem" --key "$who/key.pem" "$@"; }
t 0 '^HTTP 401$' '' -- gcurl -H "$J" -d '{"serial":"TERM-0042"}' /v1/pair
t 0 '"code":"client_certificate_required"' '' -- gcurl /v1/config
t 0 '^HTTP 401$' '' -- gcurl /v1/pair/1
t 0 '"code":"unsupported_media_type"' '' -- mtls term -d '{"serial":"TERM-0042"}' /v1/pair
t 0 '"message":"the body is not JSON"' '' -- mtls term -H "$J" -d '{"serial":' /v1/pair
t 0 "the field 'serial' must be 1 to 64" '' -- mtls term -H "$J" -d '{"serial":"../etc"}' /v1/pair
t 0 "the field 'serial' is missing" '' -- mtls term -H "$J" -d '{}' /v1/pair
t 0 '^HTTP 405$' '' -- mtls term /v1/pair
t 0 '"state":"pending"' '' -- mtls term -H "$J" -d '{"serial":"TERM-0042"}' /v1/pair
first=$OUT
jfield() { python3 -c "import json,sys; print(json.loads(sys.argv[1].split('\nHTTP')[0])[sys.argv[2]])" "$1" "$2"; }
id=$(jfield "$first" id)
nonce=$(jfield "$first" nonce)
check "a pending request has the contract's fields" python3 -c "
import json, re, sys
d = json.loads(sys.argv[1].split('\nHTTP')[0])
assert set(d) == {'id', 'state', 'serial', 'nonce', 'expires_at', 'poll'}, d
assert re.fullmatch('[0-9a-f]{32}', d['nonce']) and d['poll'] == '/v1/pair/%d' % d['id']
assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', d['expires_at'])" "$first"
t 0 '^< HTTP/1.1 202 Accepted' '' -- bash -c "curl -sk -v --cert term/cert.pem --key term/key.pem -H '$J' -d '{\"serial\":\"TERM-0042\"}' https://$GATE/v1/pair 2>&1 | tr -d '\r'"
check "202 comes with Retry-After: poll_interval" grep -q '^< Retry-After: 3$' <<<"$OUT"
t 0 "\"id\":$id,.*\"nonce\":\"$nonce\"|\"nonce\":\"$nonce\"" '' -- mtls term -H "$J" -d '{"serial":"TERM-0042"}' /v1/pair
t 0 "^$(pk pair code --cert term/cert.pem --server-cert api/cert.pem --nonce "$nonce")\$" '' -- \
  bash -c "pk pair list --db api/pairing.db --state pending | grep TERM-0042 | sed 's/.*code \([^ ]*\).*/\1/'"
t 0 '"code":"not_found"' '' -- mtls term2 /v1/pair/$id
t 0 '^HTTP 404$' '' -- mtls term2 /v1/pair/99999
t 0 '^HTTP 404$' '' -- mtls term /v1/pair/007
t 0 '"state":"pending"' '' -- mtls term /v1/pair/$id
t 0 '"code":"not_paired"' '' -- mtls term /v1/config

# Pending caps: 3 per source address (term, term2, term3), the fourth gets 429.
t 0 '^HTTP 202$' '' -- mtls term2 -H "$J" -d '{"serial":"TERM-0002"}' /v1/pair
t 0 '^HTTP 202$' '' -- mtls term3 -H "$J" -d '{"serial":"TERM-0003"}' /v1/pair
t 0 '"code":"too_many_pending"' '' -- mtls term4 -H "$J" -d '{"serial":"TERM-0004"}' /v1/pair
t 0 'Retry-After: 3' '' -- bash -c "curl -sk -i --cert term4/cert.pem --key term4/key.pem -H '$J' -d '{\"serial\":\"TERM-0004\"}' https://$GATE/v1/pair"
t 0 '^pairkit_gate_pending_requests 3$' '' -- bash -c "curl -sk https://$GATE/metrics | grep '^pairkit_gate_pending_requests'"

# The operator approves: the next poll gets the configuration.
code=$(pk pair code --cert term/cert.pem --server-cert api/cert.pem --nonce "$nonce")
# Decisions need an operator's TOTP code (oathtool is the oracle); each one
# takes its own 30-second step, so each runs at a clock of its own ahead of now.
secret=$(pk operator add --db api/pairing.db --name alice 2>/dev/null | sed -n 's/.*secret=\([A-Z2-7]*\)&.*/\1/p')
decide() {  # SECONDS_AHEAD pk-args...: one decision by alice at now + SECONDS_AHEAD
  local when
  when=$(date -u -d "+$1 sec" +%Y-%m-%dT%H:%M:%SZ)
  shift
  PAIRKIT_TEST_NOW=$when "$PAIRKIT" "$@" --operator alice \
    --otp "$(oathtool --totp -b "$secret" --now "$(date -u -d "$when" '+%Y-%m-%d %H:%M:%S UTC')")"
}
t 0 'paired TERM-0042' '' -- decide 0 pair approve --db api/pairing.db --serial TERM-0042 --code "$code"
t 0 '"state":"paired"' '' -- mtls term /v1/pair/$id
check "the paired answer carries the configuration" python3 -c "
import base64, json, sys
d = json.loads(sys.argv[1].split('\nHTTP')[0])
assert d['approved_by'] == 'alice' and d['serial'] == 'TERM-0042', d
c = d['config']
assert c['master'] == {'address': 'master.example:443', 'fingerprint': 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89'}
files = {f['name']: f for f in c['files']}
assert set(files) == {'vpn.conf', 'motd.txt'}, files
assert files['vpn.conf']['mode'] == '0600' and files['motd.txt']['mode'] == '0644'
assert base64.b64decode(files['vpn.conf']['data_base64']) == b'remote vpn.example 1194\n'" "$OUT"
t 0 '^HTTP 200$' '' -- mtls term /v1/config
t 0 '"state":"paired"' '' -- mtls term -H "$J" -d '{"serial":"TERM-0042"}' /v1/pair
t 0 'unpaired TERM-0042' '' -- decide 30 pair unpair --db api/pairing.db --serial TERM-0042
t 0 '"code":"unpaired"' '' -- mtls term -H "$J" -d '{"serial":"TERM-0042"}' /v1/pair
t 0 '"state":"unpaired"' '' -- mtls term /v1/pair/$id
t 0 '^HTTP 403$' '' -- mtls term /v1/config
fp4=$(pk fingerprint term4/cert.pem | grep -o '[0-9A-F:]\{95\}')
t 0 '' '' -- decide 60 pair deny --db api/pairing.db --fingerprint "$fp4"
t 0 '"code":"denied"' '' -- mtls term4 -H "$J" -d '{"serial":"TERM-0004"}' /v1/pair
t 0 '^HTTP 403$' '' -- mtls term4 -H "$J" -d '{"serial":"TERM-0004"}' /v1/pair

# A registry held by another process answers 503 with Retry-After within registry_timeout, never a hang.
coproc LOCK { sqlite3 api/pairing.db; }
echo 'BEGIN EXCLUSIVE; SELECT 1;' >&"${LOCK[1]}"
read -r -t 5 _ <&"${LOCK[0]}"
t 0 '^HTTP 503$' '' -- bounded 5 100 bash -c "curl -sk --cert term4/cert.pem --key term4/key.pem -H '$J' -d '{\"serial\":\"TERM-0004\"}' -w '\nHTTP %{http_code}\n' https://$GATE/v1/pair"
t 0 '"code":"unavailable"' '' -- mtls term2 -H "$J" -d '{"serial":"TERM-0002"}' /v1/pair
t 0 'Retry-After: 3' '' -- bash -c "curl -sk -i --cert term4/cert.pem --key term4/key.pem -H '$J' -d '{\"serial\":\"TERM-0004\"}' https://$GATE/v1/pair"
check "the 503 is logged" grep -q 'error: registry unavailable' api.log
echo 'ROLLBACK;' >&"${LOCK[1]}"
exec {LOCK[1]}>&-
wait "$LOCK_PID"
t 0 '^HTTP 202$' '' -- mtls term2 -H "$J" -d '{"serial":"TERM-0002"}' /v1/pair
t 0 '"status":"ok"' '' -- gcurl /healthz
check "no log line holds a nonce" bash -c "! grep -q '$nonce' api.log"
stop_gate TERM

# kill -9 during a burst of POSTs, then a restart: every 202 is in the registry, intact.
mkdir burst && cp srv/key.pem srv/cert.pem burst/
printf '[limits]\nmax_pending_per_address = 100\n' >burst/gate.toml
for n in $(seq 1 24); do pk -q device init --serial B$n --dir b$n >/dev/null; done
check "the burst gate starts" start_gate burst
for n in $(seq 1 24); do
  (curl -sk --max-time 10 --cert b$n/cert.pem --key b$n/key.pem -H "$J" -d "{\"serial\":\"B$n\"}" \
    -w '\nHTTP %{http_code}\n' "https://$GATE/v1/pair" >burst.$n 2>/dev/null) &
done
# The kill lands once a few requests were acknowledged, while the others are in flight.
for ((i = 0; i < 200; i++)); do
  (($(cat burst.* 2>/dev/null | grep -c '^HTTP 202') >= 3)) && break
  sleep 0.02
done
kill -9 "$GATE_PID"
wait
check "the registry is intact after kill -9" bash -c "[ \"\$(sqlite3 burst/pairing.db 'pragma integrity_check')\" = ok ]"
check "some requests were answered 202 before the kill" bash -c 'grep -l "^HTTP 202" burst.* | wc -l | grep -qv "^0$"'
check "every request that got a 202 is in pair list" bash -c '
  for f in burst.*; do
    grep -q "^HTTP 202" "$f" || continue
    s=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read().split(\"\nHTTP\")[0])[\"serial\"])" "$f")
    pk pair list --db burst/pairing.db --state pending | grep -q " $s  pending" || { echo "$s missing"; exit 1; }
  done'
check "the gate restarts on the same registry" start_gate burst
t 0 '^HTTP 202$' '' -- gcurl --cert b24/cert.pem --key b24/key.pem -H "$J" -d '{"serial":"B24"}' /v1/pair
stop_gate TERM

# A full file system under the registry: 503 with Retry-After and a log line,
# the registry intact, and joins again once there is room. The gate runs in a
# mount namespace of its own over a 1 MiB tmpfs.
if [[ $(id -u) != 0 ]] || ! command -v unshare >/dev/null || ! unshare -m true 2>/dev/null; then
  skip "a full file system under the registry answers 503" "needs root and unshare -m for a private tmpfs"
else
  mkdir full
  unshare -m bash -c '
    mount -t tmpfs -o size=1m tmpfs full || exit 97
    cp srv/key.pem srv/cert.pem full/
    "$PAIRKIT" gate serve --dir full --listen 127.0.0.1:0 >full.out 2>full.log &
    echo $! >full.pid
    for i in $(seq 100); do grep -q listening full.out && break; sleep 0.1; done
    head -c 2M /dev/zero >full/filler 2>/dev/null
    touch full.filled
    for i in $(seq 300); do [ -e full.free ] && break; sleep 0.1; done
    rm full/filler
    touch full.freed
    wait "$(cat full.pid)"
    sqlite3 full/pairing.db "pragma integrity_check" >full.integrity' &
  inner=$!
  for ((i = 0; i < 100; i++)); do [[ -e full.filled ]] && break; sleep 0.1; done
  GATE=$(sed -n 's/^listening on \(127\.0\.0\.1:[0-9]*\) .*/\1/p' full.out)
  _gate_pids+=("$(cat full.pid)" "$inner")
  t 0 '"code":"unavailable"' '' -- mtls term3 -H "$J" -d '{"serial":"TERM-0003"}' /v1/pair
  t 0 '^HTTP 503$' '' -- mtls term3 -H "$J" -d '{"serial":"TERM-0003"}' /v1/pair
  t 0 'Retry-After: 5' '' -- bash -c "curl -sk -i --cert term3/cert.pem --key term3/key.pem -H '$J' -d '{\"serial\":\"TERM-0003\"}' https://$GATE/v1/pair"
  check "the full disk is logged" grep -q 'error: registry unavailable' full.log
  touch full.free
  for ((i = 0; i < 100; i++)); do [[ -e full.freed ]] && break; sleep 0.1; done
  t 0 '^HTTP 202$' '' -- mtls term3 -H "$J" -d '{"serial":"TERM-0003"}' /v1/pair
  kill -TERM "$(cat full.pid)"
  wait "$inner"
  check "the registry passes integrity_check after the full disk" grep -qx ok full.integrity
fi

# Past max_connections a new connection waits in the backlog and is served
# once one closes; SIGHUP also reloads the certificate and key.
mkdir conn && cp srv/key.pem srv/cert.pem conn/ && printf '[limits]\nmax_connections = 4\n' >conn/gate.toml
check "a gate with max_connections = 4 starts" start_gate conn
python3 "$here/gate-client.py" slowdrip "$GATE" 4 4 >conn.drip &
drip=$!
for ((i = 0; i < 100; i++)); do
  (($(ss -Htn state established "( sport = :${GATE#*:} )" | wc -l) >= 4)) && break
  sleep 0.1
done
check "a fifth connection waits for a free slot, then gets its answer" \
  bash -c "r=\$(curl -sk -o /dev/null -w '%{http_code} %{time_total}' --max-time 15 https://$GATE/healthz); echo \$r; set -- \$r; [ \$1 = 200 ] && python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0.8 else 1)' \$2"
wait $drip
check "the four slow connections were all taken" grep -qx 4 conn.drip
t 0 '"status":"ok"' '' -- gcurl /healthz
pk -q device init --serial GATE-2 --role server --dir conn --force >/dev/null
new_fp=$(pk fingerprint conn/cert.pem | grep -o '[0-9A-F:]\{95\}')
kill -HUP "$GATE_PID"
sleep 0.5
t 0 "$new_fp" '' -- bash -c "openssl s_client -connect $GATE </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"
stop_gate TERM
check "the gate with a reloaded certificate stops with exit 0" test "$GATE_EXIT" = 0

# The systemd unit, as meson configured it, with ExecStart pointed at this build.
unit=$(dirname "$PAIRKIT")/pairkit-gate.service
if ! command -v systemd-analyze >/dev/null; then
  skip "systemd-analyze verify accepts pairkit-gate.service" "systemd-analyze is not installed"
else
  sed "s|^ExecStart=[^ ]*/pairkit-gate |ExecStart=$(dirname "$PAIRKIT")/pairkit-gate |" "$unit" >pairkit-gate.service
  check "the unit runs pairkit-gate from libexecdir" grep -q '^ExecStart=/.*/libexec/pairkit/pairkit-gate gate serve --dir /var/lib/pairkit-gate$' "$unit"
  t 0 '^$' '^$' -- systemd-analyze verify --man=no ./pairkit-gate.service
fi

# examples/gate/gate.toml, the documented example, serves as it is: every key
# known, and its [master] reaches a paired terminal's configuration.
pk -q device init --serial GATE-EX --role server --dir example >/dev/null
cp "$here/../../examples/gate/gate.toml" example/gate.toml
echo 'example passphrase' >example/ca.pass
pk -q ca init --dir example/fleet-ca --cn 'Example CA' --encrypt --passphrase-file example/ca.pass >/dev/null
check "the example gate.toml serves" start_gate example
t 0 '"status":"ok"' '' -- gcurl /healthz
t 0 '^HTTP 200$' '' -- gcurl /.well-known/est/cacerts
t 0 '^HTTP 200$' '' -- gcurl /v1/crl
t 0 '^HTTP 401$' '' -- gcurl -X POST -H 'Content-Type: application/json' -d '{"serial":"TERM-0042"}' /v1/pair
stop_gate TERM
check "the example's gate stops with exit 0" test "$GATE_EXIT" = 0
t 0 '' 'invite 1 for gate.example.net:7741' -- pk gate invite --dir example -o example-invite.svg
