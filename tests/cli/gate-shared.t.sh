# Two gates on one PostgreSQL database (pairkit-gate(1), SEVERAL GATES):
# 500 terminals join across both, operators decide concurrently with each
# TOTP step used once, and the database restarts under load while the gates
# answer 503 and recover without a restart, losing no acknowledged join.
source "$(dirname "${BASH_SOURCE[0]}")/gate-lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/pg-lib.sh"
here=$(dirname "${BASH_SOURCE[0]}")

check 'PostgreSQL 15 starts for the table' start_pg
db=$(pg_new_db fleet)
export db
sql() { pg_psql fleet "SET search_path TO pairkit_registry; $1"; }
otp() { oathtool --totp -b --now "$2" "$1"; }

# Both gates hold the same server identity (one certificate behind one
# address) and the same registry.
pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
for g in ga gb; do
  mkdir "$g" && cp srv/key.pem srv/cert.pem "$g/"
  cat >"$g/gate.toml" <<'TOML'
[gate]
auto_approve_expected = true
[limits]
max_pending = 100000
max_pending_per_address = 100000
registry_timeout = "2s"
TOML
done
enrol() { pk operator add --db "$db" --name "$1" 2>/dev/null | sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p'; }
alice=$(enrol alice) bob=$(enrol bob)
check 'two operators are enrolled in the shared registry' test -n "$alice" -a -n "$bob"
check 'gate A starts on the shared registry' start_gate ga --db "$db"
ga_pid=$GATE_PID ga_addr=$GATE
check 'gate B starts on the shared registry' start_gate gb --db "$db"
gb_pid=$GATE_PID gb_addr=$GATE
check 'neither gate made a registry file of its own' bash -c '! test -e ga/pairing.db && ! test -e gb/pairing.db'

# 500 terminals, pre-registered with their fingerprints at the factory, join
# across both gates at once: each is paired exactly once.
n=500
make_fleet() {  # PREFIX COUNT
  local i
  for i in $(seq "$2"); do echo "$1-$i"; done | xargs -P 2 -I{} "$PAIRKIT" -q device init --serial {} --dir fleet/{} >/dev/null
  for i in $(seq "$2"); do
    echo "$1-$i $("$PAIRKIT" fingerprint fleet/"$1-$i"/cert.pem)"
  done >"$1.expect"
  # Four consoles pre-register at once (each `pair expect` is a connection of its own).
  xargs -P 4 -L 1 bash -c '"$PAIRKIT" -q pair expect --db "$db" --serial "$0" --fingerprint "$1"' <"$1.expect"
}
check "$n terminals are made and pre-registered" make_fleet F $n
t 0 "^$n\$" '' -- python3 "$here/fleet-client.py" join fleet.out 32 180 "$ga_addr,$gb_addr" $(for i in $(seq $n); do echo fleet/F-$i; done)
check "every join was answered paired" python3 -c '
import json, sys
rows = [json.loads(l) for l in open("fleet.out")]
assert len(rows) == int(sys.argv[1]), len(rows)
bad = [r for r in rows if r["status"] != 200 or r["state"] != "paired"]
assert not bad, bad[:3]' $n
t 0 "^$n\\|$n\\|$n\$" '' -- sql "SELECT count(*), count(DISTINCT serial), count(DISTINCT fingerprint) FROM terminals WHERE serial LIKE 'F-%'"
t 0 "^$n\$" '' -- sql "SELECT count(*) FROM audit WHERE action = 'approve' AND actor = 'pre-registration'"
t 0 '^0$' '' -- sql "SELECT count(*) FROM (SELECT serial FROM requests WHERE state = 'paired' GROUP BY serial HAVING count(*) > 1) AS twice"
t 0 'paired with this certificate' '' -- pk pair check --db "$db" --serial F-17 --cert fleet/F-17/cert.pem
check 'both gates served joins' bash -c "grep -q '\"gate\": \"$ga_addr\"' fleet.out && grep -q '\"gate\": \"$gb_addr\"' fleet.out"

# Each gate keeps a paired terminal's answers until the registry changes; a
# write by anyone, psql included, reaches both gates before their next answer.
config_of() {  # GATE TERMINAL: the HTTP status of its GET /v1/config there
  GATE=$1 gcurl --cert "fleet/$2/cert.pem" --key "fleet/$2/key.pem" /v1/config | sed -n 's/.*HTTP \([0-9]*\).*/\1/p'
}
for g in "$ga_addr" "$gb_addr"; do t 0 '^200$' '' -- config_of "$g" F-3; t 0 '^200$' '' -- config_of "$g" F-3; done
sql "DELETE FROM terminals WHERE serial = 'F-3'" >/dev/null
for g in "$ga_addr" "$gb_addr"; do t 0 '^403$' '' -- config_of "$g" F-3; done
repair_f3() {
  sql "INSERT INTO terminals(serial, fingerprint, request_id, paired_at, paired_by) SELECT serial, fingerprint, id, decided_at, decided_by FROM requests WHERE serial = 'F-3' AND state = 'paired'" >/dev/null
}
repair_f3
for g in "$ga_addr" "$gb_addr"; do t 0 '^200$' '' -- config_of "$g" F-3; t 0 '^200$' '' -- config_of "$g" F-3; done
# A gate whose connection was cut keeps nothing: the change made meanwhile
# (no notification reached it) is read at its next answer.
t 0 '^[1-9][0-9]*$' '' -- sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'pairkit'"
gone() {  # the terminated backends have ended (pg_terminate_backend only signals them)
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pairkit'") == 0 ]] && return 0
    sleep 0.1
  done
  return 1
}
check 'the gates connections have ended' gone
sql "DELETE FROM terminals WHERE serial = 'F-3'" >/dev/null
for g in "$ga_addr" "$gb_addr"; do t 0 '^403$' '' -- config_of "$g" F-3; done
repair_f3
for g in "$ga_addr" "$gb_addr"; do t 0 '^200$' '' -- config_of "$g" F-3; done

# Operators on two consoles decide the same requests at the same moment: one
# approval each, and a TOTP step is used once across them. The clock is
# fixed per round (PAIRKIT_TEST_NOW) so that each round has its own step.
rounds=8
check "$rounds terminals are made" make_fleet P $rounds
sql "DELETE FROM expected WHERE serial LIKE 'P-%'" >/dev/null
t 0 "^$rounds\$" '' -- python3 "$here/fleet-client.py" join pending.out 8 60 "$ga_addr,$gb_addr" $(for i in $(seq $rounds); do echo fleet/P-$i; done)
check 'the joins wait for an operator' bash -c "[ \$(grep -c '\"state\": \"pending\"' pending.out) -eq $rounds ]"
decide_round() {  # I: alice and bob approve P-I at once; alice reuses her code on P-I+1 at once
  local i=$1 at code
  at=$(date -u -d "@$(($(date +%s) + i * 30))" +%Y-%m-%dT%H:%M:%SZ)
  code=$(pk pair list --db "$db" --state pending --json | python3 -c 'import json, sys; print([r["code"] for r in json.load(sys.stdin) if r["serial"] == sys.argv[1]][0])' "P-$i")
  PAIRKIT_TEST_NOW=$at pk pair approve --db "$db" --serial "P-$i" --code "$code" --operator alice --otp "$(otp "$alice" "$at")" >a.$i.out 2>&1 &
  local pa=$!
  PAIRKIT_TEST_NOW=$at pk pair approve --db "$db" --serial "P-$i" --code "$code" --operator bob --otp "$(otp "$bob" "$at")" >b.$i.out 2>&1 &
  local pb=$!
  wait $pa; local ra=$?
  wait $pb; local rb=$?
  echo "round $i: alice $ra, bob $rb"
  [[ $((ra + rb)) -eq 1 ]] || return 1
}
export -f decide_round otp pk sql pg_psql
export db alice bob PAIRKIT PG_BIN
check "$rounds rounds of two operators approving one request at once: exactly one approves" bash -c "for i in \$(seq $rounds); do decide_round \$i || exit 1; done"
t 0 "^$rounds\$" '' -- sql "SELECT count(*) FROM audit WHERE action = 'approve' AND serial LIKE 'P-%'"
t 0 "^$rounds\\|$rounds\$" '' -- sql "SELECT count(*), count(DISTINCT serial) FROM terminals WHERE serial LIKE 'P-%'"
# One code, two decisions on two consoles in the same step: one is refused as used.
check 'two more terminals wait' make_fleet Q 2
sql "DELETE FROM expected WHERE serial LIKE 'Q-%'" >/dev/null
t 0 '^2$' '' -- python3 "$here/fleet-client.py" join q.out 2 60 "$ga_addr,$gb_addr" fleet/Q-1 fleet/Q-2
reuse_code() {
  local at code1 code2 otp_code
  at=$(date -u -d "@$(($(date +%s) + (rounds + 2) * 30))" +%Y-%m-%dT%H:%M:%SZ)
  otp_code=$(otp "$alice" "$at")
  pk pair list --db "$db" --state pending --json >q.list
  code1=$(python3 -c 'import json, sys; print([r["code"] for r in json.load(open("q.list")) if r["serial"] == "Q-1"][0])')
  code2=$(python3 -c 'import json, sys; print([r["code"] for r in json.load(open("q.list")) if r["serial"] == "Q-2"][0])')
  PAIRKIT_TEST_NOW=$at pk pair approve --db "$db" --serial Q-1 --code "$code1" --operator alice --otp "$otp_code" >q1.out 2>&1 &
  local p1=$!
  PAIRKIT_TEST_NOW=$at pk pair approve --db "$db" --serial Q-2 --code "$code2" --operator alice --otp "$otp_code" >q2.out 2>&1 &
  local p2=$!
  wait $p1; local r1=$?
  wait $p2; local r2=$?
  echo "Q-1 $r1, Q-2 $r2"
  [[ $((r1 + r2)) -eq 1 ]] && cat q1.out q2.out | grep -q 'used already'
}
export rounds
check "one TOTP code on two decisions at once: one approves, the other is refused as used" reuse_code
t 0 '^1$' '' -- sql "SELECT count(*) FROM terminals WHERE serial LIKE 'Q-%'"

# The database goes away: both gates answer 503 (not "not paired"), stay up,
# and answer again once it is back, without a restart.
check 'PostgreSQL stops' stop_pg
GATE=$ga_addr
t 0 '"code":"unavailable"' '' -- gcurl --cert fleet/F-1/cert.pem --key fleet/F-1/key.pem /v1/config
GATE=$gb_addr
t 0 'HTTP 503' '' -- gcurl --cert fleet/F-2/cert.pem --key fleet/F-2/key.pem /v1/config
t 0 '"status":"unavailable"' '' -- gcurl /healthz
check 'PostgreSQL starts again' restart_pg
t 0 'HTTP 200' '' -- gcurl --cert fleet/F-2/cert.pem --key fleet/F-2/key.pem /v1/config
GATE=$ga_addr
t 0 'HTTP 200' '' -- gcurl --cert fleet/F-1/cert.pem --key fleet/F-1/key.pem /v1/config
check 'both gates are the processes started at first' bash -c "kill -0 $ga_pid && kill -0 $gb_pid"
check 'the gates logged the registry unavailable, then available again' bash -c 'grep -q "registry unavailable" ga.log && grep -q "registry unavailable" gb.log && grep -q "registry available again" ga.log && grep -q "registry available again" gb.log'
t 0 '^pairkit_gate_registry_unavailable_total [1-9]' '' -- bash -c "curl -sk https://$GATE/metrics | grep ^pairkit_gate_registry_unavailable_total"

# PostgreSQL restarts in the middle of 200 joins: terminals see 503s or
# failed connections and try again; every join ends paired, and every join
# answered 200 is in the registry.
m=200
check "$m more terminals are made and pre-registered" make_fleet R $m
python3 "$here/fleet-client.py" join restart.out 16 180 "$ga_addr,$gb_addr" $(for i in $(seq $m); do echo fleet/R-$i; done) >restart.count &
load=$!
check 'the load is under way' bash -c 'for _ in $(seq 100); do [ $(psql -qtAc "SELECT count(*) FROM pairkit_registry.terminals WHERE serial LIKE '"'R-%'"'" fleet 2>/dev/null || echo 0) -gt 10 ] && exit 0; sleep 0.1; done; exit 1'
check 'PostgreSQL restarts under load' restart_pg
check 'the load ends' bash -c "timeout 200 tail --pid=$load -f /dev/null"
t 0 "^$m\$" '' -- cat restart.count
t 0 "^$m\$" '' -- sql "SELECT count(*) FROM terminals WHERE serial LIKE 'R-%'"
check 'no acknowledged join is missing' python3 -c '
import json, subprocess
rows = [json.loads(l) for l in open("restart.out")]
acked = {r["serial"] for r in rows if r["status"] == 200 and r["state"] == "paired"}
out = subprocess.run(["psql", "-qtAc", "SELECT serial FROM pairkit_registry.terminals", "fleet"], capture_output=True, text=True, check=True).stdout
assert acked <= set(out.split()), sorted(acked - set(out.split()))[:5]
print("retried:", sum(1 for r in rows if r["tries"] > 1), "503s:", sum(r["unavailable"] for r in rows))'
check 'both gates are still the processes started at first' bash -c "kill -0 $ga_pid && kill -0 $gb_pid"

# Two more gates issue certificates over EST from one CA: each holds a copy of
# the CA folder, whose index is in the same database (ca.toml [index] url).
# Terminals enroll through both at once: every certificate is in the index
# once, and no two share a serial.
t 0 '' '' -- pk ca init --dir fleet-ca --cn 'Fleet CA' --index "$db"
cp -r fleet-ca ca-c && cp -r fleet-ca ca-d
for g in gc gd; do mkdir "$g" && cp srv/key.pem srv/cert.pem "$g/"; done
check 'gate C starts with the CA' start_gate gc --db "$db" --ca ca-c
gc_addr=$GATE
check 'gate D starts with the CA' start_gate gd --db "$db" --ca ca-d
gd_addr=$GATE
gate_fp=$(pk fingerprint srv/cert.pem --format colon)
k=60
enroll_one() {  # I GATE: the terminal takes its configuration and pins the gate, then enrolls
  pk -q gate join --gate "$2" --dir "fleet/F-$1" --pin "$gate_fp" >/dev/null 2>"enroll.$1.err" &&
    pk -q gate enroll --dir "fleet/F-$1" >/dev/null 2>>"enroll.$1.err" || { echo "F-$1: $(cat "enroll.$1.err")"; return 1; }
}
export -f enroll_one
export gate_fp
check "$k terminals enroll through gates C and D at once" bash -c "for i in \$(seq $k); do echo \$i \$([ \$((i % 2)) -eq 0 ] && echo $gc_addr || echo $gd_addr); done | xargs -P 8 -n 2 bash -c 'enroll_one \"\$0\" \"\$1\"'"
t 0 "^$k\\|$k\$" '' -- pg_psql fleet "SELECT count(*), count(DISTINCT serial) FROM pairkit_ca.certs WHERE terminal LIKE 'F-%'"
check "the $k certificates have $k serials, each one the index's" python3 -c '
import subprocess, sys
k = int(sys.argv[1])
norm = lambda h: h.strip().upper().lstrip("0")
files = {norm(subprocess.run(["openssl", "x509", "-in", f"fleet/F-{i}/cert.pem", "-noout", "-serial"], capture_output=True, text=True, check=True).stdout.split("=")[1]) for i in range(1, k + 1)}
rows = subprocess.run(["psql", "-qtAc", "SELECT serial FROM pairkit_ca.certs WHERE terminal LIKE \x27F-%\x27", "fleet"], capture_output=True, text=True, check=True).stdout.split()
assert len(files) == k, len(files)
assert files == {norm(r) for r in rows}, sorted(files ^ {norm(r) for r in rows})[:4]' $k
t 0 'OK' '' -- bash -c 'openssl verify -CAfile fleet-ca/ca.crt fleet/F-2/cert.pem fleet/F-3/cert.pem'
GATE=$gc_addr
t 0 '^pairkit_gate_certificates_issued_total\{kind="enroll"\} [1-9]' '' -- bash -c "curl -sk https://$gc_addr/metrics | grep enroll"
t 0 '^pairkit_gate_certificates_issued_total\{kind="enroll"\} [1-9]' '' -- bash -c "curl -sk https://$gd_addr/metrics | grep enroll"
t 0 "F-2 .*\\[EST: F-2" '' -- pk ca list --dir fleet-ca

# TLS to the database: PostgreSQL serves a certificate from a pairkit CA for
# 127.0.0.1; libpq checks it and the name with sslmode=verify-full, and the
# password comes from PGPASSFILE (pg-lib.sh writes it), never the URL.
pk -q ca init --dir dbca --cn 'Database CA' >/dev/null
pk -q key gen -o dbtls.key
pk -q cert request --key dbtls.key --cn 127.0.0.1 -o dbtls.csr
pk -q ca sign --dir dbca --profile server --san ip:127.0.0.1 dbtls.csr -o dbtls.crt
enable_tls() {
  cp dbtls.crt "$PG_DIR/data/server.crt" && cp dbtls.key "$PG_DIR/data/server.key" || return 1
  chmod 600 "$PG_DIR/data/server.key"
  [[ $(id -u) -eq 0 ]] && chown postgres "$PG_DIR/data/server.crt" "$PG_DIR/data/server.key"
  pg_psql postgres "ALTER SYSTEM SET ssl = on" && pg_psql postgres "SELECT pg_reload_conf()" >/dev/null || return 1
  for _ in $(seq 50); do [ "$(pg_psql postgres 'SHOW ssl')" = on ] && return 0; sleep 0.1; done
  return 1
}
check 'PostgreSQL serves TLS with the certificate the pairkit CA signed' enable_tls
tls_url="$(pg_url_tcp fleet)?sslmode=verify-full&sslrootcert=$PWD/dbca/ca.crt"
t 0 'F-99 is paired with this certificate' '' -- pk pair check --db "$tls_url" --serial F-99 --cert fleet/F-99/cert.pem
pk -q ca init --dir otherca --cn 'Another CA' >/dev/null
t 3 '' 'cannot open registry postgresql://pkpass@127\.0\.0\.1:[0-9]+/fleet\?sslmode=verify-full.*certificate verify failed' -- pk pair check --db "$(pg_url_tcp fleet)?sslmode=verify-full&sslrootcert=$PWD/otherca/ca.crt" --serial F-99 --cert fleet/F-99/cert.pem
t 3 '' 'password authentication failed' -- env PGPASSFILE=/dev/null PGPASSWORD=wrong "$PAIRKIT" pair check --db "$tls_url" --serial F-99 --cert fleet/F-99/cert.pem

# The worked example runs as pairkit-gate(1) shows it, in a cluster that
# Debian's postgresql-common makes and removes (pg_virtualenv).
check 'examples/two-gates runs in a pg_virtualenv cluster' bash -c "env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGPASSFILE pg_virtualenv -v 15 '$here/../../examples/two-gates/two-gates.sh' '$PAIRKIT' >example.out 2>&1 || { tail -40 example.out; exit 1; }"
t 0 'KIOSK-2 is paired with this certificate' '' -- cat example.out
t 0 'KIOSK-1 +paired .*by pre-registration' '' -- cat example.out
