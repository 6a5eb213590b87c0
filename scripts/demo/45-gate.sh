# Demo part: the same flow over the network. A gate on localhost; a kiosk
# joins over mTLS and shows its code; the operator approves with a TOTP code
# from oathtool; the configuration arrives; a second kiosk joins by scanning
# an invite QR code. The gate enrolls from the fleet CA of 20-ca.sh: the
# kiosk fetches its first CA certificate, renews it with a new key, and the
# renewed certificate verifies.
step "A gate's first boot: its identity" \
  pk device init --serial GATE-2 --role server --dir gate
mkdir -p gate/config/default
printf 'remote vpn.example 1194\n' >gate/config/default/vpn.conf
chmod 600 gate/config/default/vpn.conf
cat >gate/gate.toml <<EOF
[gate]
public_address = "127.0.0.1:7741"
ca = "$PWD/fleet-ca"
[master]
address = "master.example:8443"
cert = "$PWD/server/cert.pem"
EOF
printf '\n\033[1m== The gate, in the background (a test port: 7741 may be taken here)\033[0m\n$ pairkit gate serve --dir gate --listen 127.0.0.1:0\n'
# exec: $! must be the gate itself, not a subshell running the pk function.
(exec "$root/build/pairkit" gate serve --dir gate --listen 127.0.0.1:0 >gate/serve.out 2>gate/serve.log) &
gate_pid=$!
trap 'kill "$gate_pid" 2>/dev/null' EXIT
for _ in $(seq 100); do
  grep -q '^listening on' gate/serve.out && break
  sleep 0.1
done
cat gate/serve.out
port=$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+).*/\1/p' gate/serve.out)
gate_fp=$(pk fingerprint gate/cert.pem --format colon)

step "The operator enrols a TOTP second factor for this gate's registry" \
  pk operator add --db gate/pairing.db --name alice -o gate/alice-otp.png
secret=$(zbarimg -q --raw gate/alice-otp.png 2>/dev/null | sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/')

step "A kiosk's first boot" \
  pk device init --serial KIOSK-7 --dir kiosk
printf '\n\033[1m== The kiosk asks to pair, pinning the gate; it shows its code and waits (JSON Lines for its UI)\033[0m\n'
printf '$ pairkit --json gate join --gate 127.0.0.1:%s --dir kiosk --pin %s\n' "$port" "$gate_fp"
pk --json gate join --gate "127.0.0.1:$port" --dir kiosk --pin "$gate_fp" --wait 2m >kiosk/join.jsonl &
join_pid=$!
for _ in $(seq 100); do
  grep -q '"pending"' kiosk/join.jsonl && break
  sleep 0.1
done
cat kiosk/join.jsonl
code=$(python3 -c 'import json,sys; print([e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "pending"][0]["code"])' kiosk/join.jsonl)

step "The operator sees the request, with where it came from" \
  pk pair list --db gate/pairing.db --state pending
step "The operator hears the code over the phone and approves with the app's TOTP code" \
  pk pair approve --db gate/pairing.db --serial KIOSK-7 --code "$code" --operator alice --otp "$(oathtool --totp -b "$secret")"
wait "$join_pid"
printf '\n\033[1m== The kiosk saw the approval at its next poll and wrote its configuration\033[0m\n'
tail -n 1 kiosk/join.jsonl
ls -l kiosk/config
step "The kiosk pinned the gate and the master service" \
  pk pin list --store kiosk/pins.toml

step "Paired, the kiosk enrolls over EST: its first certificate from the fleet CA (one week)" \
  pk gate enroll --gate "127.0.0.1:$port" --dir kiosk
step "It renews (a timer or --daemon does this at two thirds of the lifetime), rotating its key; the old ones stay as .previous" \
  pk gate renew --gate "127.0.0.1:$port" --dir kiosk --new-key
step "The renewed certificate verifies against the CA the gate served" \
  pk cert verify kiosk/cert.pem --ca kiosk/ca.pem --purpose client
step "The CA index records both, to whom, and what renews what" \
  pk ca list --dir fleet-ca

step "A second kiosk: the gate shows an invite on its display (single use, 10 minutes)" \
  pk gate invite --dir gate --host "127.0.0.1:$port" -o gate/invite.png
step "The second kiosk's first boot" \
  pk device init --serial KIOSK-8 --dir kiosk2
step "It scans the invite: address, pin and invite in one; approved by being in front of the display" \
  pk gate join --dir kiosk2 --qr gate/invite.png
step "The audit log says who approved each" \
  pk pair log --db gate/pairing.db

kill -TERM "$gate_pid"
wait "$gate_pid"
trap - EXIT
printf '\n\033[1m== The gate stopped on SIGTERM; one log line per request\033[0m\n'
cat gate/serve.log
