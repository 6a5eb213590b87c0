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

# The systemd unit, as meson configured it, with ExecStart pointed at this build.
unit=$(dirname "$PAIRKIT")/pairkit-gate.service
if ! command -v systemd-analyze >/dev/null; then
  skip "systemd-analyze verify accepts pairkit-gate.service" "systemd-analyze is not installed"
else
  sed "s|^ExecStart=[^ ]*/pairkit-gate |ExecStart=$(dirname "$PAIRKIT")/pairkit-gate |" "$unit" >pairkit-gate.service
  check "the unit runs pairkit-gate from libexecdir" grep -q '^ExecStart=/.*/libexec/pairkit/pairkit-gate gate serve --dir /var/lib/pairkit-gate$' "$unit"
  t 0 '^$' '^$' -- systemd-analyze verify --man=no ./pairkit-gate.service
fi
