#!/usr/bin/env bash
# Two gates, one PostgreSQL database: the worked example of pairkit-gate(1),
# SEVERAL GATES, and of README's "When one server is not enough".
#
# Run it inside a throwaway PostgreSQL 15 cluster that Debian's
# postgresql-common makes and removes again (the tests run it this way):
#   pg_virtualenv -v 15 examples/two-gates/two-gates.sh [PAIRKIT]
# or against a server of your own: libpq reads the host, port and user from
# PGHOST, PGPORT and PGUSER, and the password from ~/.pgpass, PGPASSFILE or
# PGPASSWORD, never from the URL. The script needs createdb, oathtool and python3.
set -euo pipefail
pk=${1:-pairkit}
work=$(mktemp -d /tmp/pairkit-two-gates.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
cd "$work"
say() { printf '\n== %s\n' "$*"; }

say "One database for the fleet (the DBA's part), one URL for every gate and console"
createdb fleet
db=postgresql:///fleet
echo "registry: $db"

say "Both gates answer for one address: the same server identity on each machine"
"$pk" -q device init --serial GATE-1 --role server --dir gate-a >/dev/null
cp -r gate-a gate-b
for g in gate-a gate-b; do
  cat >"$g/gate.toml" <<EOF
[gate]
registry = "$db"
auto_approve_expected = true
EOF
done

say "An operator enrols a TOTP second factor; it holds for decisions made on any gate"
secret=$("$pk" operator add --db "$db" --name alice 2>/dev/null | sed -nE 's/^otpauth:.*secret=([A-Z2-7]+).*/\1/p')

say "The two gates start (each would be pairkit-gate.service on its own machine)"
for g in gate-a gate-b; do
  "$pk" gate serve --dir "$g" --listen 127.0.0.1:0 >"$g.out" 2>"$g.log" &
  pids+=($!)
done
for g in gate-a gate-b; do
  for _ in $(seq 100); do grep -q '^listening' "$g.out" && break; sleep 0.1; done
  cat "$g.out"
done
port_a=$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+).*/\1/p' gate-a.out)
port_b=$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+).*/\1/p' gate-b.out)
pin=$("$pk" fingerprint gate-a/cert.pem --format colon)

say "KIOSK-1's fingerprint was recorded at the factory: it is approved at first contact, on gate A"
"$pk" -q device init --serial KIOSK-1 --dir kiosk-1 >/dev/null
"$pk" pair expect --db "$db" --serial KIOSK-1 --fingerprint "$("$pk" fingerprint kiosk-1/cert.pem)"
"$pk" gate join --gate "127.0.0.1:$port_a" --dir kiosk-1 --pin "$pin"

say "KIOSK-2 joins through gate B and waits; the operator approves on a console of its own"
"$pk" -q device init --serial KIOSK-2 --dir kiosk-2 >/dev/null
"$pk" --json gate join --gate "127.0.0.1:$port_b" --dir kiosk-2 --pin "$pin" --wait 2m >kiosk-2.jsonl &
join=$!
pids+=($join)
for _ in $(seq 100); do grep -q '"pending"' kiosk-2.jsonl && break; sleep 0.1; done
code=$(python3 -c 'import json, sys; print([e["code"] for e in map(json.loads, open(sys.argv[1])) if e["event"] == "pending"][0])' kiosk-2.jsonl)
"$pk" pair approve --db "$db" --serial KIOSK-2 --code "$code" --operator alice --otp "$(oathtool --totp -b "$secret")"
wait "$join"
tail -n 1 kiosk-2.jsonl

say "Either gate knows both kiosks: the registry is one"
"$pk" pair check --db "$db" --serial KIOSK-2 --cert kiosk-2/cert.pem
"$pk" pair list --db "$db" --state paired
"$pk" pair log --db "$db"
