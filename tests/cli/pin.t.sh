# pin add | check | list | remove: stored forms, a live TLS peer (openssl s_server), TOFU, parallel adds, error paths.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
servers=()
trap 'for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done' EXIT

mkcert() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -subj "/CN=$1" -days 2 2>/dev/null; }
mkcert gate
mkcert evil
fp=$(openssl x509 -in gate.pem -noout -fingerprint -sha256 | cut -d= -f2)
evil_fp=$(openssl x509 -in evil.pem -noout -fingerprint -sha256 | cut -d= -f2)
spki=sha256//$(openssl x509 -in gate.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)

# Adding: from a certificate (openssl's fingerprint is what gets stored), from typed fingerprints.
t 0 "pinned 'gate' to $fp" 'next: pairkit pin check' -- pk pin add --store pins.toml --name gate --address 127.0.0.1:8443 gate.pem
t 0 "already holds" '' -- pk pin add --store pins.toml --name gate --address 127.0.0.1:8443 gate.pem
lower=$(echo "$fp" | tr -d : | tr A-F a-f)
t 0 "pinned 'plain' to $fp" '' -- pk pin add --store pins.toml --name plain --fingerprint "$lower"
t 0 "pinned 'spki' to sha256//" '' -- pk pin add --store pins.toml --name spki --fingerprint "$spki"
check "the store is readable TOML with the fields" python3 -c "
import tomllib; d = tomllib.load(open('pins.toml','rb'))
names = [p['name'] for p in d['pin']]; assert names == ['gate','plain','spki'], names
g = d['pin'][0]; assert g['address'] == '127.0.0.1:8443' and g['fingerprint'] == '$fp' and g['how'] == 'certificate gate.pem', g
assert g['added'].endswith('Z')"
t 0 '"kind": "spki"' '' -- pk --json pin list --store pins.toml
t 0 '^gate  127.0.0.1:8443  ' '' -- pk pin list --store pins.toml

# Re-pinning is a security event: refused without --force, and the message says what changes.
cp pins.toml before.toml
t 3 '' "re-pinning would change fingerprint $fp -> $evil_fp, address 127.0.0.1:8443 -> 127.0.0.1:9443 \(use --force" -- \
  pk pin add --store pins.toml --name gate --address 127.0.0.1:9443 evil.pem
check "a refused re-pin leaves the store as it was" cmp pins.toml before.toml
t 0 "re-pinned 'gate': fingerprint" 'warning: pin .gate. changed' -- pk pin add --store pins.toml --name gate --address 127.0.0.1:9443 evil.pem --force
t 0 '' '' -- pk -q pin add --store pins.toml --name gate --address 127.0.0.1:8443 gate.pem --force

# Checking files: match, mismatch naming both fingerprints, SPKI pins.
t 0 "pin 'gate' matches gate.pem" '' -- pk pin check --store pins.toml --name gate gate.pem
t 1 '^$' "^pairkit: fingerprint of evil.pem is SHA256:$evil_fp, pin 'gate' expects SHA256:$fp$" -- pk pin check --store pins.toml --name gate evil.pem
t 0 "matches" '' -- pk pin check --store pins.toml --name spki gate.pem
t 1 '' "SPKI pin of evil.pem is sha256//.*pin 'spki' expects ${spki//+/\\+}$" -- pk pin check --store pins.toml --name spki evil.pem
t 1 '' "no pin named 'nobody' in pins.toml" -- pk pin check --store pins.toml --name nobody gate.pem
t 0 '"matches": true' '' --stdin gate.pem -- pk --json pin check --store pins.toml --name gate -

# A live TLS peer: openssl s_server with the pinned certificate, then with another one.
port=$(free_port)
openssl s_server -accept "127.0.0.1:$port" -cert gate.pem -key gate.key -www -quiet </dev/null >/dev/null 2>&1 &
servers+=($!)
port2=$(free_port)
openssl s_server -accept "127.0.0.1:$port2" -cert evil.pem -key evil.key -www -quiet </dev/null >/dev/null 2>&1 &
servers+=($!)
check "s_server is up" wait_port "$port"
check "the other s_server is up" wait_port "$port2"
t 0 "pin 'gate' matches the server at 127.0.0.1:$port" '' -- pk pin check --store pins.toml --name gate --connect "127.0.0.1:$port"
t 0 "matches" '' -- pk pin check --store pins.toml --name spki --connect "127.0.0.1:$port"
t 1 '^$' "^pairkit: fingerprint of the server at 127.0.0.1:$port2 is SHA256:$evil_fp, pin 'gate' expects SHA256:$fp$" -- \
  pk pin check --store pins.toml --name gate --connect "127.0.0.1:$port2"
# IPv6 literal addresses ([ADDR]:PORT), where the machine has ::1.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  port6=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])')
  openssl s_server -accept "[::1]:$port6" -cert gate.pem -key gate.key -www -quiet </dev/null >/dev/null 2>&1 &
  servers+=($!)
  check "the IPv6 s_server is up" bash -c "for _ in \$(seq 1 100); do (exec 3<>/dev/tcp/::1/$port6) 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
  t 0 "pin 'gate' matches the server at \[::1\]:$port6" '' -- pk pin check --store pins.toml --name gate --connect "[::1]:$port6"
fi
# Trust on first use: an unknown name is pinned and said so; then it holds its first answer.
t 0 "trusting on first use: pinned 'newgate' to $fp" '' -- pk pin check --store pins.toml --name newgate --connect "127.0.0.1:$port" --tofu
t 0 "pin 'newgate' matches" '' -- pk pin check --store pins.toml --name newgate --connect "127.0.0.1:$port" --tofu
t 1 '' "pin 'newgate' expects SHA256:$fp" -- pk pin check --store pins.toml --name newgate --connect "127.0.0.1:$port2" --tofu
t 0 "127.0.0.1:$port.*tofu 127.0.0.1:$port" '' -- pk pin list --store pins.toml

# Nothing listening, and a peer that never answers: exit 3 with one clear line.
dead=$(free_port)
t 3 '^$' "^pairkit: error: cannot connect to 127.0.0.1:$dead: Connection refused$" -- pk pin check --store pins.toml --name gate --connect "127.0.0.1:$dead"
mute=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$mute)); s.listen(5); time.sleep(60)" &
servers+=($!)
check "the mute listener is up" wait_port "$mute"
t 3 '^$' "TLS handshake with 127.0.0.1:$mute timed out after 1000 ms" -- pk pin check --store pins.toml --name gate --connect "127.0.0.1:$mute" --timeout 1s
t 3 '' 'cannot resolve no-such-host.invalid:443' -- pk pin check --store pins.toml --name gate --connect no-such-host.invalid:443
for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done

t 0 '^gate ' '' --env PAIRKIT_PIN_STORE=pins.toml -- pk pin list

# Removing.
t 0 "removed pin 'plain' from pins.toml" '' -- pk pin remove --store pins.toml --name plain
t 3 '' "no pin named 'plain' in pins.toml" -- pk pin remove --store pins.toml --name plain

# Usage errors and corrupt stores: one line, right code, store untouched.
t 2 '' 'either CERT or --fingerprint' -- pk pin add --store pins.toml --name x
t 2 '' 'either CERT or --fingerprint' -- pk pin add --store pins.toml --name x gate.pem --fingerprint "$fp"
t 2 '' "neither a SHA-256 certificate fingerprint" -- pk pin add --store pins.toml --name x --fingerprint abcd
t 2 '' "pin name 'bad name' must be" -- pk pin add --store pins.toml --name 'bad name' gate.pem
t 2 '' "address 'nohost' is not HOST:PORT" -- pk pin add --store pins.toml --name x --address nohost gate.pem
t 2 '' 'either CERT or --connect' -- pk pin check --store pins.toml --name gate
t 2 '' '--store is required' -- pk pin list
t 2 '' "'5x'" -- pk pin check --store pins.toml --name gate --connect 127.0.0.1:1 --timeout 5x
t 3 '' 'cannot open missing.pem' -- pk pin add --store pins.toml --name x missing.pem
printf '[[pin]\nname = "gate"\n' >corrupt.toml
cp corrupt.toml corrupt.orig
t 3 '' '^pairkit: error: corrupt.toml:1: ' -- pk pin list --store corrupt.toml
t 3 '' 'corrupt.toml:1: ' -- pk pin add --store corrupt.toml --name x gate.pem
check "a corrupt store is not rewritten" cmp corrupt.toml corrupt.orig
printf '[[pin]]\nname = "gate"\nfingerprint = "zz"\nadded = "2026-01-01T00:00:00Z"\n' >badfp.toml
t 3 '' 'badfp.toml: pin #1: .*zz' -- pk pin check --store badfp.toml --name gate gate.pem

# Parallel provisioning scripts writing one store lose nothing: 4 processes x 25 adds.
for p in 1 2 3 4; do
  (for i in $(seq 1 25); do pk -q pin add --store par.toml --name "n$p-$i" --fingerprint "$(printf '%064x' $((p * 1000 + i)))" || echo "add n$p-$i failed"; done) >"par.$p.log" 2>&1 &
done

wait
check "100 pins after 4 x 25 parallel adds" bash -c '[ "$(pk --json pin list --store par.toml | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 100 ]'
check "no add failed" bash -c '! grep -q failed par.*.log'
check "no temporary files left" bash -c '! ls -a | grep -q "\.tmp-"'
