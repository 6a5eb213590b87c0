# gate join and gate invite: the terminal's side of pairing over the network.
# Real TLS peers (openssl s_server) for the handshake, mTLS, pins and protocol
# versions; a scripted gate (fake-gate.py) for each of the API's answers; then
# a real gate (gate serve) and terminals as separate processes end to end.
# Background commands run "$PAIRKIT" itself (not the pk function), so that
# $! is the program, which a row can kill.
here_cli=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
servers=()
stop_servers() { local p; for p in "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; servers=(); }
trap stop_servers EXIT

pk -q device init --serial TERM-1 --dir term >/dev/null
pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
pk -q device init --serial GATE-X --role server --dir evil >/dev/null
gate_fp=$(pk fingerprint srv/cert.pem)
evil_fp=$(pk fingerprint evil/cert.pem)

# s_server on a port picked by PID, retried while taken; sets $port.
start_s_server() {  # LOG ADDRESS-FAMILY-HOST ARGS...
  local log=$1 host=$2 try
  shift 2
  for try in $(seq 0 19); do
    port=$((30000 + ($$ * 7 + try * 131 + RANDOM % 50) % 30000))
    openssl s_server -accept "$host:$port" "$@" >"$log" 2>&1 &
    local pid=$!
    # s_server says ACCEPT once it listens (another table may hold the port on another address).
    for _ in $(seq 50); do
      if grep -q '^ACCEPT' "$log"; then servers+=("$pid"); return 0; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  echo "no free port for s_server" >&2
  return 1
}

# Usage errors come before any connection.
t 2 '^$' 'no pin for the gate at 127.0.0.1:1 .*--pin FP, --qr IMAGE or --tofu' -- pk gate join --gate 127.0.0.1:1 --dir term
t 2 '^$' 'one of --pin, --qr and --tofu' -- pk gate join --gate 127.0.0.1:1 --dir term --tofu --pin "$gate_fp"
t 2 '^$' '--gate HOST:PORT is required' -- pk gate join --dir term --tofu
t 2 '^$' "address 'gate' is not HOST:PORT" -- pk gate join --gate gate --dir term --tofu
t 2 '^$' 'IPv6 address goes in brackets' -- pk gate join --gate ::1:7741 --dir term --tofu
t 2 '^$' "invalid duration 'soon'" -- pk gate join --gate 127.0.0.1:1 --dir term --tofu --wait soon
t 2 '^$' 'not 1-64 of letters' -- pk gate join --gate 127.0.0.1:1 --dir term --tofu --serial 'TERM 1'
t 3 '^$' 'device.toml' -- pk gate join --gate 127.0.0.1:1 --dir nowhere --tofu
t 2 '' 'fingerprint' -- pk gate join --gate 127.0.0.1:1 --dir term --pin nonsense

# A passphrase-protected device key is refused at once, never prompted for.
echo 'device secret' >pass.txt
pk -q device init --serial TERM-P --dir locked --passphrase-file pass.txt >/dev/null
t 3 '^$' 'cannot use locked/key.pem as the client key \(encrypted' -- bounded 10 200 pk gate join --gate 127.0.0.1:1 --dir locked --tofu

# Nothing listening: a network error at once (exit 3), and nothing written.
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t 3 '^$' "^pairkit: error: cannot connect to 127.0.0.1:$closed_port: Connection refused" -- pk gate join --gate 127.0.0.1:$closed_port --dir term --tofu
t 3 '^$' 'cannot resolve no-such-gate.invalid' -- pk gate join --gate no-such-gate.invalid:7741 --dir term --tofu
absent term/pins.toml term/gate-request.toml term/config

# A gate that accepts TCP and says nothing: the deadline, not a hang.
silent_port_file=silent.port
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(60)' "$silent_port_file" &
servers+=("$!")
for _ in $(seq 50); do [[ -s $silent_port_file ]] && break; sleep 0.1; done
t 3 '^$' 'TLS handshake with 127.0.0.1:[0-9]+: no answer within 1s' -- bounded 10 200 pk gate join --gate 127.0.0.1:$(cat $silent_port_file) --dir term --tofu --timeout 1s

# A real TLS server (openssl s_server asking for a client certificate): the
# handshake completes with the terminal's certificate (mTLS), then the pin is
# compared before anything is sent. A MITM's certificate: exit 1, both fingerprints.
start_s_server s1.log 127.0.0.1 -cert evil/cert.pem -key evil/key.pem -Verify 1 -www
t 1 '^$' "${evil_fp}.*expects SHA256:${gate_fp}" -- pk gate join --gate 127.0.0.1:$port --dir term --pin "$gate_fp"
check "s_server saw the terminal's certificate (mTLS)" grep -q 'CN *= *TERM-1' s1.log
absent term/pins.toml term/gate-request.toml
# Over IPv6 on ::1 too.
if ss -ltn >/dev/null 2>&1 && python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  start_s_server s6.log '[::1]' -cert evil/cert.pem -key evil/key.pem -Verify 1 -www
  t 1 '^$' "the gate at \[::1\]:$port" -- pk gate join --gate "[::1]:$port" --dir term --pin "$gate_fp"
else
  skip 'IPv6 join' 'no ::1 on this machine'
fi
# A server that speaks only TLS 1.1 is refused by the client (1.2 at least).
start_s_server s11.log 127.0.0.1 -cert srv/cert.pem -key srv/key.pem -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' -www
t 3 '^$' "TLS handshake with 127.0.0.1:$port: (unsupported protocol|no protocols available|tlsv1 alert protocol version|wrong version number)" -- pk gate join --gate 127.0.0.1:$port --dir term --pin "$gate_fp"
stop_servers

# The API's answers, from a scripted gate (fake-gate.py) that reads them from
# files at each request. gate_says FILE STATUS BODY [RETRY_AFTER]
gate_says() {
  python3 -c 'import json, sys
d = {"status": int(sys.argv[2]), "body": json.loads(sys.argv[3])}
if len(sys.argv) > 4: d["retry_after"] = int(sys.argv[4]) if sys.argv[4].isdigit() else sys.argv[4]
open(sys.argv[1] + ".tmp", "w").write(json.dumps(d))' "g/$1" "$2" "$3" ${4:+"$4"} && mv "g/$1.tmp" "g/$1"
}
start_fake_gate() {  # CLIENT_CERT
  "$here_cli/fake-gate.py" g.port srv "$1" g &
  servers+=("$!")
  fake_pid=$!
  for _ in $(seq 100); do ss -ltnH "sport = :$(cat g.port 2>/dev/null || echo 0)" | grep -q . && return 0; sleep 0.1; done
  echo "fake gate did not start" >&2
  return 1
}
wait_line() {  # FILE ERE SECONDS: until FILE has a line matching ERE
  for _ in $(seq $(($3 * 10))); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
nonce=00112233445566778899aabbccddeeff
pending='{"id": 17, "state": "pending", "serial": "TERM-1", "nonce": "'$nonce'", "expires_at": "2026-12-01T00:15:00Z", "poll": "/v1/pair/17"}'
vpn=$(printf 'secret key\n' | base64)
paired='{"id": 17, "state": "paired", "serial": "TERM-1", "approved_by": "alice", "config": {"serial": "TERM-1", "master": {"address": "master.example:443", "fingerprint": "'$gate_fp'"}, "files": [{"name": "vpn.conf", "mode": "0600", "data_base64": "'$vpn'"}, {"name": "motd", "mode": "0644", "data_base64": "aGkK"}]}}'
mkdir g
gate_says post.json 202 "$pending" 1
gate_says poll.json 200 "$pending" 1
start_fake_gate term/cert.pem
gport=$(cat g.port)

# JSON Lines: the pending line at once, with the code `pair code` computes
# from the same nonce and certificates; then, approved, the paired line.
code=$(pk pair code --cert term/cert.pem --server-cert srv/cert.pem --nonce $nonce)
"$PAIRKIT" --json gate join --gate 127.0.0.1:$gport --dir term --pin "$gate_fp" --wait 1m >join.out 2>join.err &
join_pid=$!
check 'the pending line arrives while the join waits' wait_line join.out '"event":"pending"' 20
check 'the code is the one pair code computes (nonce, both certificates)' grep -q "\"code\":\"$code\"" join.out
check 'the request is kept for a restart' test -s term/gate-request.toml
mode_is 600 term/gate-request.toml
gate_says poll.json 200 "$paired"
check 'join exits 0 once approved' bash -c "timeout 20 tail --pid=$join_pid -f /dev/null; wait $join_pid 2>/dev/null; ! kill -0 $join_pid 2>/dev/null"
wait "$join_pid"
check 'join exited 0' test $? -eq 0
check 'JSON Lines parse, one event each, in order' python3 -c '
import json, sys
events = [json.loads(l) for l in open("join.out")]
assert [e["event"] for e in events] == ["pending", "paired"], events
assert events[0]["id"] == 17 and events[0]["expires_at"] == "2026-12-01T00:15:00Z"
assert events[1]["approved_by"] == "alice" and events[1]["master"] == "master.example:443"
assert len(events[1]["files"]) == 2'
check 'the config files arrived' bash -c 'printf "secret key\n" | cmp - term/config/vpn.conf && [ "$(cat term/config/motd)" = hi ]'
mode_is 600 term/config/vpn.conf
mode_is 644 term/config/motd
mode_is 700 term/config
absent term/gate-request.toml
t 0 "gate +127.0.0.1:$gport +$gate_fp" '' -- pk pin list --store term/pins.toml
t 0 "master +master.example:443" '' -- pk pin list --store term/pins.toml
check 'one POST, then polls of the same id' bash -c '[ "$(grep -c "^POST /v1/pair " g/requests.log)" = 1 ] && ! grep -v -e "^POST /v1/pair " -e "^GET /v1/pair/17 " g/requests.log'

# Paired already: the stored pin is enough, and text output for a display.
gate_says post.json 200 "$paired"
t 0 '^paired: request 17, approved by alice' '' -- pk gate join --gate 127.0.0.1:$gport --dir term
t 0 'wrote term/config/vpn.conf' '' -- pk gate join --gate 127.0.0.1:$gport --dir term

# The gate moved: the stored pin is forgotten, with a line saying so.
t 2 '^$' 'note: forgetting pin .gate. for 127.0.0.1:'$gport': the gate is now at localhost:'$gport -- pk gate join --gate localhost:$gport --dir term
t 0 '' '' -- pk gate join --gate 127.0.0.1:$gport --dir term --pin "$gate_fp"

# Killed while waiting, the join resumes the same request; the gate
# restarting meanwhile is waited out, never answered with a second request.
: >g/requests.log
gate_says post.json 202 "$pending" 1
gate_says poll.json 200 "$pending" 1
"$PAIRKIT" gate join --gate 127.0.0.1:$gport --dir term --wait 1m >join2.out 2>join2.err &
join_pid=$!
check 'the code is shown for the display' wait_line join2.out "^pairing code: $code\$" 20
kill -9 $join_pid; wait $join_pid 2>/dev/null
check 'the request survives the kill' grep -q '^id = 17' term/gate-request.toml
kill "$fake_pid"; wait "$fake_pid" 2>/dev/null
"$PAIRKIT" gate join --gate 127.0.0.1:$gport --dir term --wait 1m >join3.out 2>join3.err &
join_pid=$!
check 'the restarted join resumes request 17' wait_line join3.err 'resuming request 17' 20
check 'and waits while the gate is down' wait_line join3.err 'waiting: cannot connect to 127.0.0.1:'$gport 20
start_fake_gate term/cert.pem
gate_says poll.json 200 "$paired"
check 'the resumed join exits 0 after approval' bash -c "timeout 30 tail --pid=$join_pid -f /dev/null"
wait "$join_pid"
check 'exit 0' test $? -eq 0
check 'never a second POST' bash -c '[ "$(grep -c "^POST" g/requests.log)" = 1 ] && grep -q "^GET /v1/pair/17" g/requests.log'

# A gate that stays away past --wait: exit 3, and the request is kept for the next run.
gate_says poll.json 200 "$pending" 1
(sleep 2; kill "$fake_pid") &
t 3 '"event":"waiting".*cannot connect' 'still failing after 4s' -- bounded 20 200 pk --json gate join --gate 127.0.0.1:$gport --dir term --wait 4s
check 'the request is kept' test -s term/gate-request.toml
wait "$fake_pid" 2>/dev/null
start_fake_gate term/cert.pem

# A Retry-After that is an HTTP-date is honoured: an hour away is past a
# 20 s --wait, so the join gives up at once after one POST (read as the
# 5 s default, it would have asked four times).
rm -f term/gate-request.toml
: >g/requests.log
gate_says post.json 503 '{"error": {"code": "unavailable", "message": "maintenance"}}' "$(date -u -d '+1 hour' '+%a, %d %b %Y %H:%M:%S GMT')"
t 3 '^$' 'was still busy after 20s: maintenance' -- bounded 10 200 pk gate join --gate 127.0.0.1:$gport --dir term --wait 20s
check 'one POST only' bash -c '[ "$(grep -c "^POST /v1/pair " g/requests.log)" = 1 ]'

# A QR code (qr render or gate invite) gives the address, the pin and the invite.
pk qr render --host 127.0.0.1:$gport --cert srv/cert.pem --id ABCDEFGHJKMNPQRS -o invite.png 2>/dev/null
rm -f term/gate-request.toml
: >g/requests.log
gate_says post.json 200 "$paired"
t 0 '^paired: request 17' '' -- pk gate join --dir term --qr invite.png
check 'the invite went to the gate' grep -q '"invite": *"ABCDEFGHJKMNPQRS"' g/requests.log
pk qr render --host 127.0.0.1:$gport --cert evil/cert.pem --id ABCDEFGHJKMNPQRS -o evil-invite.png 2>/dev/null
t 1 '^$' "expects SHA256:${evil_fp}" -- pk gate join --dir term --qr evil-invite.png
pk qr render --payload 'WIFI:S:lab;;' -o wifi.png 2>/dev/null
t 3 '^$' 'wifi.png: no pairkit pairing QR code found' -- pk gate join --dir term --qr wifi.png
t 3 '^$' 'not a PNG, JPEG or PNM image' -- pk gate join --dir term --qr term/cert.pem

# gate invite: a single-use invite in the gate's registry, as a QR code that
# zbarimg reads too; the address from --host or gate.toml's public_address.
t 2 '^$' 'no address for terminals to dial: give --host HOST:PORT or set public_address in srv/gate.toml' -- pk gate invite --dir srv -o inv.png
absent inv.png srv/pairing.db
t 0 '"payload": "PK1/' '' -- pk --json gate invite --dir srv --host 127.0.0.1:$gport --valid-for 2m -o inv.png
payload=$(echo "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["payload"])')
check 'zbarimg reads the invite' bash -c "[ \"\$(zbarimg -q --raw inv.png 2>/dev/null)\" = '$payload' ]"
check 'the invite carries 16 base32 characters (80 bits) after the address' bash -c "[[ '$payload' =~ /127\.0\.0\.1:$gport/[A-Z2-7]{16}\$ ]]"
t 3 '^$' 'inv.png exists \(use --force' -- pk gate invite --dir srv --host 127.0.0.1:$gport -o inv.png
printf '[gate]\npublic_address = "127.0.0.1:%s"\n' "$gport" >srv/gate.toml
t 0 '█' 'invite [0-9]+ for 127.0.0.1:'$gport', single use, valid until' -- pk gate invite --dir srv
gate_says post.json 200 "$paired"
: >g/requests.log
t 0 '^paired: request 17' '' -- pk gate join --dir term --qr inv.png
check 'the join presented the invite' grep -q "\"invite\": *\"${payload##*/}\"" g/requests.log

# Rejected or expired: exit 1 with the gate's words, in JSON Lines too.
gate_says post.json 202 "$pending" 1
gate_says poll.json 200 '{"id": 17, "state": "closed", "serial": "TERM-1", "message": "the request was rejected or it expired"}'
t 1 '"event":"closed"' '^pairkit: request 17 at 127.0.0.1:'$gport': the request was rejected or it expired$' -- bounded 20 200 pk --json gate join --gate 127.0.0.1:$gport --dir term
absent term/gate-request.toml
# Unpaired, denied: 403 with the reason, exit 1.
gate_says post.json 403 '{"error": {"code": "unpaired", "message": "this terminal was unpaired"}}'
t 1 '"event":"refused"' 'refused this terminal: this terminal was unpaired \(unpaired\)' -- pk --json gate join --gate 127.0.0.1:$gport --dir term
# Busy: Retry-After is honoured, then the answer comes.
gate_says post.json 429 '{"error": {"code": "too_many_pending", "message": "too many pending requests"}}' 1
(sleep 1.5; gate_says post.json 200 "$paired") &
t 0 '"event":"waiting".*too many pending' '' -- bounded 20 200 pk --json gate join --gate 127.0.0.1:$gport --dir term
# A hostile CONFIG is refused and nothing lands outside the folder.
gate_says post.json 200 '{"id": 17, "state": "paired", "serial": "TERM-1", "config": {"serial": "TERM-1", "files": [{"name": "../pins.toml", "mode": "0644", "data_base64": "eA=="}]}}'
t 3 '^$' "malformed: the file name '../pins.toml'" -- pk gate join --gate 127.0.0.1:$gport --dir term
gate_says post.json 200 '{"id": 17, "state": "paired", "serial": "TERM-2", "config": {"serial": "TERM-2"}}'
t 3 '^$' "configuration of 'TERM-2', not of 'TERM-1'" -- pk gate join --gate 127.0.0.1:$gport --dir term
gate_says post.json 200 '"not an object"'
t 3 '^$' 'malformed: not a JSON object' -- pk gate join --gate 127.0.0.1:$gport --dir term
stop_servers

# ---- End to end: a real gate (gate serve) and terminals as separate pairkit
# processes in separate folders, on 127.0.0.1 with a port the gate picks.
mkdir -p srv/config/TERM-1 srv/config/default
printf 'secret vpn key\n' >srv/config/TERM-1/vpn.conf
chmod 600 srv/config/TERM-1/vpn.conf
printf 'welcome\n' >srv/config/default/motd
chmod 644 srv/config/default/motd
cat >srv/gate.toml <<TOML
[gate]
poll_interval = "1s"
request_lifetime = "3h"

[master]
address = "master.example:443"
fingerprint = "$evil_fp"

[limits]
max_pending_per_address = 250
max_pending = 300
TOML
rm -f term/pins.toml term/gate-request.toml
rm -rf term/config
db=srv/pairing.db
start_gate() {  # DIR [LISTEN]: sets $gate_pid and $gate_port
  local out=$1.serve.out
  : >"$out"
  "$PAIRKIT" gate serve --dir "$1" --listen "${2:-127.0.0.1:0}" >"$out" 2>"$1.serve.err" &
  gate_pid=$!
  servers+=("$gate_pid")
  wait_line "$out" '^listening on' 20 || { echo "gate serve did not start: $(cat "$1.serve.err")" >&2; return 1; }
  gate_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
}
join_code() { python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "pending": print(e["code"]); break' "$1"; }
start_gate srv
port=$gate_port srv_pid=$gate_pid
# The operator, enrolled with TOTP (new registries require it); oathtool is
# the oracle for the codes. A step once used is refused, so each decision
# runs at its own step, 30 s after the last (PAIRKIT_TEST_NOW, the test
# clock of the deciding process; requests live 3 h).
pk -q operator add --db $db --name alice >alice.uri
alice=$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' alice.uri)
steps=0
base=$(date -u +%s)
decide() {  # approve|reject|unpair SERIAL [ARGS...]
  steps=$((steps + 1))
  local at=$((base + steps * 30))
  PAIRKIT_TEST_NOW=$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ) pk pair "$1" --db $db --serial "$2" "${@:3}" --operator alice \
    --otp "$(oathtool --totp -b "$alice" --now "$(date -u -d "@$at" '+%Y-%m-%d %H:%M:%S UTC')")" >/dev/null
}
approve() { decide approve "$1" --code "$2"; }



# A terminal joins with --tofu, shows the code the gate's registry computes,
# the operator approves it, and the configuration arrives.
"$PAIRKIT" --json gate join --gate 127.0.0.1:$port --dir term --tofu --wait 2m >e1.out 2>e1.err &
join_pid=$!
check 'the terminal shows a code' wait_line e1.out '"event":"pending"' 20
code=$(join_code e1.out)
t 0 "TERM-1 +pending .*code $code" '' -- pk pair list --db $db --state pending
check 'the approval succeeds' approve TERM-1 "$code"
check 'the join ends after the approval' bash -c "timeout 30 tail --pid=$join_pid -f /dev/null"
wait $join_pid
check 'and exits 0' test $? -eq 0
check 'the last line is paired' bash -c "tail -1 e1.out | python3 -c 'import json, sys; e = json.load(sys.stdin); assert e[\"event\"] == \"paired\" and e[\"approved_by\"] == \"alice\", e'"
check 'the serial folder arrived' bash -c 'printf "secret vpn key\n" | cmp - term/config/vpn.conf'
mode_is 600 term/config/vpn.conf
absent term/config/motd
t 0 "gate +127.0.0.1:$port +$gate_fp .*tofu" '' -- pk pin list --store term/pins.toml
t 0 "master +master.example:443 +$evil_fp" '' -- pk pin list --store term/pins.toml
# Paired: the next join gets the configuration at once, by the stored pin.
t 0 '^paired: request' '' -- bounded 20 200 pk gate join --gate 127.0.0.1:$port --dir term

# A MITM gate with another certificate: the pin refuses it (both
# fingerprints); a --tofu terminal's code differs from the real gate's.
pk -q device init --serial TERM-M --dir termm >/dev/null
start_gate evil
t 1 '^$' "$evil_fp.*expects SHA256:$gate_fp" -- pk gate join --gate 127.0.0.1:$gate_port --dir term --pin "$gate_fp"
pk --json gate join --gate 127.0.0.1:$gate_port --dir termm --tofu --wait 5s >m.out 2>m.err
check 'the MITM gate filed a request' grep -q '"event":"pending"' m.out
mitm_nonce=$(pk --json pair list --db evil/pairing.db | python3 -c 'import json, sys; print([r for r in json.load(sys.stdin) if r["serial"] == "TERM-M"][0]["nonce"])')
check "the real gate's code for that nonce is not the one the terminal shows" test "$(pk pair code --cert termm/cert.pem --server-cert srv/cert.pem --nonce "$mitm_nonce")" != "$(join_code m.out)"

# A MITM that relays to the real gate: its own certificate towards the
# terminal, its own client certificate towards the gate (the terminal's key
# never leaves it). The request reaches the operator, but with the MITM's
# fingerprint and a code that is not the one the --tofu terminal shows, so
# approving with the terminal's code fails.
pk -q device init --serial TERM-X --dir termx >/dev/null
python3 "$here_cli/gate-client.py" mitm 127.0.0.1:$port evil mitm.port 60 &
servers+=("$!")
check 'the MITM relay listens' bash -c 'for i in $(seq 100); do test -s mitm.port && exit 0; sleep 0.1; done; exit 1'
bounded 20 200 pk --json gate join --gate 127.0.0.1:$(cat mitm.port) --dir termx --tofu --wait 3s >x.out 2>x.err
echo $? >x.rc
check 'through the MITM the join is pending, then still pending after 3s (exit 1)' \
  bash -c 'test "$(cat x.rc)" = 1 && grep -q "\"event\":\"pending\"" x.out && grep -q "still pending after 3s" x.err'
check "the terminal's request names the certificate it saw: the MITM's" grep -qi "$evil_fp" termx/gate-request.toml
x_row() { pk --json pair list --db $db --state pending | python3 -c 'import json, sys; print([r for r in json.load(sys.stdin) if r["serial"] == "TERM-X"][0][sys.argv[1]])' "$1"; }
check "the gate recorded the MITM's certificate" test "$(x_row fingerprint)" = "$evil_fp"
check "the operator's code is not the terminal's" test "$(x_row code)" != "$(join_code x.out)"
not_approved() { ! approve TERM-X "$(join_code x.out)" 2>/dev/null; }
check "approving with the terminal's code fails" not_approved
t 0 'TERM-X +pending' '' -- pk pair list --db $db --state pending

# The gate killed (-9) and restarted while a terminal polls: the same
# request, and exit 0 after the approval.
pk -q device init --serial TERM-2 --dir term2 >/dev/null
"$PAIRKIT" --json gate join --gate 127.0.0.1:$port --dir term2 --pin "$gate_fp" --wait 2m >e2.out 2>e2.err &
join_pid=$!
check 'pending' wait_line e2.out '"event":"pending"' 20
kill -9 "$srv_pid"; wait "$srv_pid" 2>/dev/null
check 'the terminal waits while the gate is down' wait_line e2.out '"event":"waiting"' 20
start_gate srv 127.0.0.1:$port
check 'approved after the restart' approve TERM-2 "$(join_code e2.out)"
check 'the join ends' bash -c "timeout 40 tail --pid=$join_pid -f /dev/null"
wait $join_pid
check 'exit 0' test $? -eq 0
t 0 '' '' -- pk --json pair list --db $db
check 'one request for TERM-2' bash -c "echo '$OUT' | python3 -c 'import json, sys; assert len([r for r in json.load(sys.stdin) if r[\"serial\"] == \"TERM-2\"]) == 1'"

# Unpaired: refused (403) at the next contact.
check 'the operator unpairs TERM-2' decide unpair TERM-2
t 1 '^$' 'refused this terminal: .*\(unpaired\)' -- bounded 20 200 pk gate join --gate 127.0.0.1:$port --dir term2
# A factory reset makes a new identity, and a new join starts over.
pk -q device init --serial TERM-2 --dir term2 --force >/dev/null
"$PAIRKIT" --json gate join --gate 127.0.0.1:$port --dir term2 --wait 2m >e3.out 2>e3.err &
join_pid=$!
check 'the reset terminal files a new request' wait_line e3.out '"event":"pending"' 20
check 'approved' approve TERM-2 "$(join_code e3.out)"
check 'the join ends' bash -c "timeout 30 tail --pid=$join_pid -f /dev/null"
wait $join_pid
check 'exit 0' test $? -eq 0

# An invite by QR: the scanning device is paired at once; the invite is used up.
t 0 '' 'invite [0-9]+ for 127.0.0.1:'$port -- pk gate invite --dir srv --host 127.0.0.1:$port -o real-invite.png
check 'zbarimg reads the invite' bash -c "zbarimg -q --raw real-invite.png | grep -Eq '^PK1/[A-Z2-7]{52}/127\\.0\\.0\\.1:$port/[A-Z2-7]{16}\$'"
pk -q device init --serial TERM-3 --dir term3 >/dev/null
pk -q device init --serial TERM-4 --dir term4 >/dev/null
t 0 'approved by invite [0-9]+' '' -- bounded 20 200 pk gate join --dir term3 --qr real-invite.png
t 1 '^$' 'invite_refused' -- bounded 20 200 pk gate join --dir term4 --qr real-invite.png
pk gate invite --dir srv --host 127.0.0.1:$port --valid-for 1s -o short-invite.png 2>/dev/null
sleep 2
t 1 '^$' 'invite_refused' -- bounded 20 200 pk gate join --dir term4 --qr short-invite.png

# 200 terminals join at once: 200 pending requests with 200 distinct nonces,
# and after the approvals all 200 joins exit 0. Bounded in count and time;
# on two shared cores 200 first handshakes can take longer than the default
# 10 s deadline, hence --timeout.
n=200
pids=()
for i in $(seq $n); do
  pk -q device init --serial "FLEET-$i" --dir "fleet/$i" >/dev/null &
  pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p"; done
pids=()
for i in $(seq $n); do
  "$PAIRKIT" --json gate join --gate 127.0.0.1:$port --dir "fleet/$i" --pin "$gate_fp" --wait 4m --timeout 60s >"fleet/$i.out" 2>"fleet/$i.err" &
  pids+=("$!")
done
servers+=("${pids[@]}")
check "$n pending lines within 120 s" bash -c "for _ in \$(seq 1200); do [ \$(cat fleet/*.out 2>/dev/null | grep -c '\"event\":\"pending\"') -ge $n ] && exit 0; sleep 0.1; done; exit 1"
check "$n pending requests with $n distinct nonces" bash -c "pk --json pair list --db $db --state pending | python3 -c 'import json, sys; r = [x for x in json.load(sys.stdin) if x[\"serial\"].startswith(\"FLEET-\")]; assert len(r) == $n and len({x[\"nonce\"] for x in r}) == $n, len(r)'"
fails=0
for i in $(seq $n); do approve "FLEET-$i" "$(join_code "fleet/$i.out")" || fails=$((fails + 1)); done
check "the operator approved all $n" test $fails -eq 0
# The joins are not all children this shell can still wait for (it keeps a
# bounded number of statuses): each one's last line says how it ended, and a
# join prints "paired" only on its way to exit 0.
for p in "${pids[@]}"; do timeout 120 tail --pid="$p" -f /dev/null; done
check "all $n joins ended paired, with no error" python3 -c '
import json, os, sys
n = int(sys.argv[1])
for i in range(1, n + 1):
    last = json.loads(open(f"fleet/{i}.out").read().splitlines()[-1])
    assert last["event"] == "paired", (i, last)
    assert "pairkit:" not in open(f"fleet/{i}.err").read(), i' $n
stop_servers
