# device init | show — the first-boot identity, its modes and refusals.
t 0 '^serial: +TERM-0042' 'next: pairkit' -- pk device init --serial TERM-0042 --dir id --san dns:term-0042.local --san ip:fd00::42
mode_is 700 id
mode_is 600 id/key.pem
mode_is 644 id/cert.pem
check "device.toml records the openssl fingerprint" bash -c 'grep "^cert_sha256" id/device.toml | grep -qF "$(openssl x509 -in id/cert.pem -noout -fingerprint -sha256 | cut -d= -f2)"'
check "the subject carries the serial" bash -c 'openssl x509 -in id/cert.pem -noout -subject | grep -q "serialNumber = TERM-0042, CN = TERM-0042"'
check "key and certificate match" bash -c '[ "$(openssl pkey -in id/key.pem -pubout | openssl md5)" = "$(openssl x509 -in id/cert.pem -noout -pubkey | openssl md5)" ]'
t 0 '"serial": "TERM-0042"' '' -- pk --json device show --dir id
check "device show's device_id equals fingerprint --format base32" bash -c '[ "$(pk --json device show --dir id | python3 -c "import json,sys; print(json.load(sys.stdin)[\"device_id\"])")" = "$(pk fingerprint --format base32 id/cert.pem)" ]'
t 0 '' '' --env PAIRKIT_TEST_NOW=2026-03-01T00:00:00Z -- pk -q device init --serial gate-1 --role server --type ed25519 --valid-for 52w --dir gate
check "server role: serverAuth, ed25519, 52 weeks" bash -c 'openssl x509 -in gate/cert.pem -noout -text | grep -q "ED25519" && openssl x509 -in gate/cert.pem -noout -enddate | grep -q "Feb 28 00:00:00 2027"'

cp id/cert.pem before.pem
t 3 '' 'id already holds a device identity' -- pk device init --serial TERM-0042 --dir id
check "the refused init left the identity alone" cmp id/cert.pem before.pem
t 0 '' '' -- pk -q device init --serial TERM-0042 --dir id --force
check "--force replaced it" bash -c '! cmp -s id/cert.pem before.pem'
t 2 '' "serial 'bad serial'" -- pk device init --serial 'bad serial' --dir bad
t 2 '' '' -- pk device init --serial X --dir bad --role printer
t 2 '' "invalid SAN" -- pk device init --serial X --dir bad --san ip:1.2.3.999
absent bad
t 3 '' 'device.toml' -- pk device show --dir nowhere
mkdir ro && chmod 500 ro
if [ "$(id -u)" != 0 ]; then t 3 '' 'cannot' -- pk device init --serial X --dir ro/id; fi
