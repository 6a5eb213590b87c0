# pair request | code | list | approve | reject | unpair | check | log | expect | deny: the whole lifecycle
# with an injected clock, wrong codes, a MITM certificate, expiry, corrupt files, concurrent requests,
# gate requests flagged as conflicts, pre-registration and denials. On both
# registry engines (engine-lib.sh; pair@postgres).
source "$(dirname "${BASH_SOURCE[0]}")/engine-lib.sh"
export PAIRKIT_TEST_NOW=2026-11-22T10:00:00Z
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }

pk -q device init --serial TERM-0042 --dir term >/dev/null
pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
pk -q device init --serial TERM-0042 --dir evil >/dev/null      # a MITM's terminal certificate
pk -q device init --serial GATE-X --role server --dir evilsrv >/dev/null  # a MITM's server certificate
db=$(new_registry srv/pairing)
# The lifecycle rows run on a registry from before operators existed (schema
# version 1, migrated on open): decisions need no TOTP code there, and each
# says so. operator.t.sh covers decisions with a second factor.
old_registry "$db"

# A request prints the code; the terminal computes the same code offline.
t 0 '"state": "pending"' '' -- pk --json pair request --db $db --serial TERM-0042 --cert term/cert.pem --server-cert srv/cert.pem
nonce=$(echo "$OUT" | jget '["nonce"]')
code=$(echo "$OUT" | jget '["code"]')
check "JSON has the contract's fields" bash -c "echo '$OUT' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert set([\"serial\",\"nonce\",\"code\",\"state\",\"expires_at\"]) <= set(d); assert d[\"expires_at\"] == \"2026-11-22T10:15:00Z\"'"
check "the code is 5 groups of 5 Crockford characters" bash -c "[[ '$code' =~ ^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$ ]]"
check "nonce is 32 hex digits" bash -c "[[ '$nonce' =~ ^[0-9a-f]{32}$ ]]"
t 0 "^$code$" '^$' -- pk pair code --cert term/cert.pem --server-cert srv/cert.pem --nonce "$nonce"
if [[ $ENGINE == sqlite ]]; then
  check "the database is WAL with a schema version" bash -c "[ \"\$(sqlite3 $db 'PRAGMA journal_mode; PRAGMA user_version;' | tr '\n' ' ')\" = 'wal 3 ' ]"
else
  t 0 '^3$' '^$' -- reg_sql "$db" 'SELECT version FROM schema_version'
fi

# A substituted certificate on either side gives another code, and the approval fails.
mitm_t=$(pk pair code --cert evil/cert.pem --server-cert srv/cert.pem --nonce "$nonce")
mitm_s=$(pk pair code --cert term/cert.pem --server-cert evilsrv/cert.pem --nonce "$nonce")
check "a MITM terminal certificate changes the code" test "$mitm_t" != "$code"
check "a MITM server certificate changes the code" test "$mitm_s" != "$code"
t 0 "TERM-0042  pending  SHA256:.*code $code" '' -- pk pair list --db $db --state pending
t 1 '^$' '^pairkit: pairing code for TERM-0042 does not match.*attempt 1 of 3' -- pk pair approve --db $db --serial TERM-0042 --code "$mitm_s" --operator alice
t 1 '' 'not paired' -- pk pair check --db $db --serial TERM-0042 --cert term/cert.pem

# A misheard group is a misread (exit 2), not a mismatch, and it is not counted.
g2=${code:6:5}
bad=${code:0:6}$( [ "${g2:0:1}" = Z ] && echo Y || echo Z )${g2:1}${code:11}
t 2 '' "group 2 \('.{5}'\) was misread" -- pk pair approve --db $db --serial TERM-0042 --code "$bad" --operator alice
t 2 '' 'has 5 groups, got 2' -- pk pair approve --db $db --serial TERM-0042 --code "${code:0:11}" --operator alice
t 2 '' 'at least 5 are needed' -- pk pair approve --db $db --serial TERM-0042 --code "2:${code:6:5} 4:${code:18:5}" --operator alice
t 2 '' '--operator is required' -- pk pair approve --db $db --serial TERM-0042 --code "$code"
t 2 '' '--groups must be 1 to 5' -- pk pair approve --db $db --serial TERM-0042 --code "$code" --groups 6 --operator alice

# The right code, typed in lower case with spaces: paired.
typed=$(echo "$code" | tr 'A-Z-' 'a-z ')
t 0 '^paired TERM-0042 \(SHA256:.*\), approved by alice$' '' -- pk pair approve --db $db --serial TERM-0042 --code "$typed" --operator alice
t 0 'is paired with this certificate' '' -- pk pair check --db $db --serial TERM-0042 --cert term/cert.pem
term_fp=$(openssl x509 -in term/cert.pem -noout -fingerprint -sha256 | cut -d= -f2)
evil_fp=$(openssl x509 -in evil/cert.pem -noout -fingerprint -sha256 | cut -d= -f2)
t 1 '^$' "^pairkit: serial 'TERM-0042' is paired with SHA256:$term_fp, but the certificate is SHA256:$evil_fp$" -- pk pair check --db $db --serial TERM-0042 --cert evil/cert.pem
t 1 '' "serial 'TERM-9999' is not paired" -- pk pair check --db $db --serial TERM-9999 --cert term/cert.pem
t 1 '' "no pending pairing request for serial 'TERM-0042'" -- pk pair approve --db $db --serial TERM-0042 --code "$code" --operator alice

# Asking again: already paired. With another certificate: a new pending request, the old pairing stays.
t 0 'already paired with this certificate' '' -- pk pair request --db $db --serial TERM-0042 --cert term/cert.pem
t 0 '"already_paired": true' '' -- pk --json pair request --db $db --serial TERM-0042 --cert term/cert.pem
t 0 '^code:  ' 'that pairing stays until an operator' -- pk pair request --db $db --serial TERM-0042 --cert evil/cert.pem
t 0 '' '' -- pk pair check --db $db --serial TERM-0042 --cert term/cert.pem
t 0 '^rejected the pairing request of TERM-0042' '' -- pk pair reject --db $db --serial TERM-0042 --operator bob
t 0 '' '' -- pk pair check --db $db --serial TERM-0042 --cert term/cert.pem
t 1 '' 'no pending pairing request' -- pk pair reject --db $db --serial TERM-0042 --operator bob

# Unpairing breaks trust; unpairing again is a failed check.
t 0 '^unpaired TERM-0042' '' -- pk pair unpair --db $db --serial TERM-0042 --operator carol
t 1 '' 'not paired' -- pk pair check --db $db --serial TERM-0042 --cert term/cert.pem
t 1 '' "serial 'TERM-0042' is not paired" -- pk pair unpair --db $db --serial TERM-0042 --operator carol

# Approving with some groups only, when the operator allows it (--groups).
t 0 '' '' -- pk --json pair request --db $db --serial TERM-0042 --cert term/cert.pem
c2=$(echo "$OUT" | jget '["code"]')
t 0 'paired TERM-0042' '2 of 5 code groups compared \(40 bits\)' -- pk pair approve --db $db --serial TERM-0042 --code "?-${c2:6:5}-?-${c2:18:5}-?" --groups 2 --operator alice

# Expiry with the injected clock: 15 minutes by default, configurable.
t 0 '' '' -- pk pair request --db $db --serial TERM-0043 --cert evil/cert.pem --expires-in 5m
c3=$(echo "$OUT" | sed -n 's/^code: *//p')
t 1 '' 'request of TERM-0043 expired at 2026-11-22T10:05:00Z' --env PAIRKIT_TEST_NOW=2026-11-22T10:05:00Z -- pk pair approve --db $db --serial TERM-0043 --code "$c3" --operator alice
t 0 'TERM-0043  expired' '' -- pk pair list --db $db --state expired
t 0 '' '' -- pk pair request --db $db --serial TERM-0044 --cert evil/cert.pem
t 0 'TERM-0044  pending' '' --env PAIRKIT_TEST_NOW=2026-11-22T10:14:59Z -- pk pair list --db $db --state pending
t 0 'TERM-0044  expired' '' --env PAIRKIT_TEST_NOW=2026-11-22T10:15:00Z -- pk pair list --db $db

# A second request for a pending serial supersedes the first (its code no longer works).
t 0 '' '' -- pk pair request --db $db --serial TERM-0046 --cert evil/cert.pem
c6=$(echo "$OUT" | sed -n 's/^code: *//p')
t 0 '' '' -- pk pair request --db $db --serial TERM-0046 --cert evil/cert.pem
t 1 '' 'does not match' -- pk pair approve --db $db --serial TERM-0046 --code "$c6" --operator alice

# Three wrong codes reject the request.
t 0 '' '' -- pk pair request --db $db --serial TERM-0045 --cert evil/cert.pem
for n in 1 2; do t 1 '' "attempt $n of 3" -- pk pair approve --db $db --serial TERM-0045 --code "$code" --operator eve; done
t 1 '' 'too many wrong codes, the request is rejected' -- pk pair approve --db $db --serial TERM-0045 --code "$code" --operator eve

# The audit log: who, when, what, old and new fingerprint.
t 0 'TERM-0042  unpair  paired -> unpaired  by carol  fp ' '' -- pk pair log --db $db --serial TERM-0042
check "every state change is audited" bash -c "pk --json pair log --db '$db' | python3 -c '
import json,sys; acts=[r[\"action\"] for r in json.load(sys.stdin)]
for a in [\"request\",\"wrong-code\",\"approve\",\"reject\",\"unpair\",\"expire\",\"supersede\"]: assert a in acts, a'"
check "the unpair row has the old fingerprint" bash -c "pk --json pair log --db '$db' --serial TERM-0042 | python3 -c '
import json,sys; r=[r for r in json.load(sys.stdin) if r[\"action\"]==\"unpair\"][0]; assert r[\"old_fingerprint\"]==\"$term_fp\" and r[\"actor\"]==\"carol\" and r[\"at\"]==\"2026-11-22T10:00:00Z\", r'"
t 0 '^\[' '' -- pk --json pair list --db $db

# Usage and input errors: one line, right code.
t 2 '' "unknown state 'bogus'|bogus" -- pk pair list --db $db --state bogus
t 2 '' '--db is required' -- pk pair check --serial TERM-0042 --cert term/cert.pem
t 2 '' "nonce 'xyz' is not 32 hex digits" -- pk pair code --cert term/cert.pem --server-cert srv/cert.pem --nonce xyz
fresh=$(new_registry fresh)
t 3 '' 'cannot open nothere.pem' -- pk pair request --db $fresh --serial TERM-1 --cert nothere.pem --server-cert srv/cert.pem
absent_registry "$fresh"
t 2 '' "$(re "$fresh") (does not exist yet|has no server certificate yet): give --server-cert the first time" -- pk pair request --db $fresh --serial TERM-1 --cert term/cert.pem
absent_registry "$fresh"
missing=$(new_registry missing)
t 3 '' "$(no_registry "$missing")" -- pk pair check --db $missing --serial TERM-0042 --cert term/cert.pem
absent_registry "$missing"
t 3 '' 'cannot open nothere.pem' -- pk pair request --db $db --serial TERM-1 --cert nothere.pem
t 3 '' 'key where a certificate|certificate' -- pk pair check --db $db --serial TERM-0042 --cert term/key.pem
if [[ $ENGINE == sqlite ]]; then
  head -c 4096 /dev/urandom >corrupt.db
  t 3 '' '^pairkit: error: registry corrupt.db is not a valid pairing database' -- pk pair check --db corrupt.db --serial TERM-0042 --cert term/cert.pem
  t 3 '' 'registry corrupt.db is not a valid pairing database' -- pk pair request --db corrupt.db --serial TERM-0042 --cert term/cert.pem --server-cert srv/cert.pem
  sqlite3 other.db 'CREATE TABLE x(y);'
  t 3 '' 'other.db is an SQLite database but not a pairing registry' -- pk pair list --db other.db
  sqlite3 newer.db 'PRAGMA user_version = 9;'
  t 3 '' 'schema version 9; this pairkit knows up to 3' -- pk pair list --db newer.db
else
  skip 'a corrupt file, an SQLite file of another application, a file of a newer schema' 'SQLite only: about files'
  # Their PostgreSQL counterparts: a database of another application, a schema
  # of the registry's name that is not pairkit's, a registry from the future.
  other=$(new_registry other)
  pg_psql other 'CREATE TABLE customers(id integer PRIMARY KEY, name text); CREATE SCHEMA billing; CREATE TABLE billing.invoices(id integer)'
  t 3 '' "$(no_registry "$other")" -- pk pair list --db $other
  t 3 '' "$(no_registry "$other")" -- pk pair check --db $other --serial TERM-0042 --cert term/cert.pem
  check "the other application's database is left as it was" test \
    "$(pg_psql other "SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('billing', 'public', 'pairkit_registry')")" = 'billing public'
  squat=$(new_registry squat)
  pg_psql squat 'CREATE SCHEMA pairkit_registry; CREATE TABLE pairkit_registry.requests(x integer)'
  t 3 '' 'the schema pairkit_registry is not pairkit.s \(it has no schema_version table\)' -- pk pair list --db $squat
  t 3 '' 'the schema pairkit_registry is not pairkit.s' -- pk pair expect --db $squat --serial TERM-0042
  newer=$(new_registry newer)
  pk -q pair expect --db $newer --serial TERM-0042 >/dev/null
  reg_sql "$newer" 'UPDATE schema_version SET version = 99'
  t 3 '' "registry $(re "$newer") has schema version 99; this pairkit knows up to 3" -- pk pair list --db $newer
  t 3 '' 'has schema version 99; this pairkit knows up to 3' -- pk pair expect --db $newer --serial TERM-0043
  check 'the newer registry is left as it was' test "$(reg_sql "$newer" 'SELECT version FROM schema_version; SELECT count(*) FROM expected')" = $'99\n1'

  # Reaching the server: over TCP with the password from PGPASSFILE; a wrong
  # or missing password, a closed port, a server that never answers, a
  # database that does not exist, a stopped server: exit 3, one line, never an
  # answer such as "not paired".
  tcp=$(pg_url_tcp srv_pairing)
  t 0 'TERM-0042  paired' '' -- pk pair list --db $tcp --state paired
  t 3 '' "cannot open registry $(re "$tcp"): .*password authentication failed for user \"pkpass\"" --env PGPASSWORD=wrong -- pk pair check --db $tcp --serial TERM-0042 --cert term/cert.pem
  (umask 077 && : >empty.pgpass)
  t 3 '' 'no password supplied' --env "PGPASSFILE=$PWD/empty.pgpass" -- pk pair check --db $tcp --serial TERM-0042 --cert term/cert.pem
  t 2 '' 'the database URL carries a password' -- pk pair list --db "postgresql://pkpass:$PG_PASSWORD@127.0.0.1:$PG_PORT/srv_pairing"
  check 'the refusal does not echo the password' bash -c '! grep -qF -- "$1" <<<"$2"' _ "$PG_PASSWORD" "$ERR"
  t 3 '' 'cannot open registry postgresql://pkpass@127\.0\.0\.1:1/srv_pairing: .*Connection refused' -- \
    bounded 10 64 pk pair check --db postgresql://pkpass@127.0.0.1:1/srv_pairing --serial TERM-0042 --cert term/cert.pem
  python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(20)' >silent.port &
  silent=$!
  for _ in $(seq 1 50); do [ -s silent.port ] && break; sleep 0.1; done
  t 3 '' 'cannot open registry .*: .*timeout expired' -- \
    bounded 10 64 pk pair check --db "postgresql://pkpass@127.0.0.1:$(cat silent.port)/srv_pairing" --serial TERM-0042 --cert term/cert.pem --busy-timeout 1s
  kill $silent
  t 3 '' 'database "nosuch" does not exist' -- pk pair list --db "postgresql:///nosuch?host=$PG_DIR&port=$PG_PORT&user=pairkit"
  check 'stop_pg' stop_pg
  t 3 '' "cannot open registry $(re "$db"): .*No such file or directory" -- bounded 10 64 pk pair check --db $db --serial TERM-0042 --cert term/cert.pem
  check 'restart_pg' restart_pg
  t 0 'is paired with this certificate' '' -- pk pair check --db $db --serial TERM-0042 --cert term/cert.pem
fi
t 2 '' 'serial' -- pk pair request --db $db --serial 'bad serial' --cert term/cert.pem

# Requests the gate files carry their source address, last contact and a
# conflict flag. The gate (pairkit-gate(1)) writes them through the registry;
# here SQL adds a rival claim the way the gate records one.
flag=$(new_registry flag)
old_registry "$flag"
t 0 '' '' -- pk --json pair request --db "$flag" --serial TERM-0060 --cert term/cert.pem --server-cert srv/cert.pem
genuine_id=$(echo "$OUT" | jget '["id"]')
genuine_code=$(echo "$OUT" | jget '["code"]')
srv_fp=$(openssl x509 -in srv/cert.pem -noout -fingerprint -sha256 | cut -d= -f2)
evil_fp=$(openssl x509 -in evil/cert.pem -noout -fingerprint -sha256 | cut -d= -f2)
rival_nonce=000102030405060708090a0b0c0d0e0f
reg_sql "$flag" "INSERT INTO requests(serial, fingerprint, certificate, server_fingerprint, nonce, state, created_at, expires_at,
  source_address, last_seen_at, conflict_fingerprint) VALUES ('TERM-0060', '$evil_fp', 'PEM', '$srv_fp', '$rival_nonce',
  'pending', 1795341600, 1795345200, '192.0.2.7', 1795341660, '$term_fp')"
rival_code=$(pk pair code --cert evil/cert.pem --server-cert srv/cert.pem --nonce $rival_nonce)
t 0 "TERM-0060  pending  SHA256:$evil_fp  code .*  from 192\.0\.2\.7  first seen 2026-11-22T10:00:00Z  last seen 2026-11-22T10:01:00Z  CONFLICT: serial also claimed by SHA256:$term_fp \(approve only with --id" '' -- pk pair list --db "$flag" --state pending
check "pair list --json has the gate's fields" bash -c "pk --json pair list --db '$flag' | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert rows[0][\"source_address\"] is None and rows[0][\"conflict_fingerprint\"] is None and rows[0][\"last_seen_at\"] is None, rows[0]
assert rows[1][\"source_address\"] == \"192.0.2.7\" and rows[1][\"last_seen_at\"] == \"2026-11-22T10:01:00Z\", rows[1]
assert rows[1][\"conflict_fingerprint\"] == \"$term_fp\" and rows[1][\"created_at\"] == \"2026-11-22T10:00:00Z\", rows[1]'"
t 1 '' "is flagged: the serial is also claimed by SHA256:$term_fp; .*approve it with --id" -- pk pair approve --db "$flag" --serial TERM-0060 --code "$rival_code" --operator alice
check "the refusal names both fingerprints" bash -c "grep -q '$evil_fp' <<<\"\$(pk pair approve --db '$flag' --serial TERM-0060 --code '$rival_code' --operator alice 2>&1)\""
t 2 '' '--id must be' -- pk pair approve --db "$flag" --serial TERM-0060 --id -3 --code "$rival_code" --operator alice
t 1 '' "there is no request 99 of serial 'TERM-0060'" -- pk pair approve --db "$flag" --serial TERM-0060 --id 99 --code "$rival_code" --operator alice
t 0 "^paired TERM-0060 \(SHA256:$evil_fp\)" 'does not require a second factor yet' -- pk pair approve --db "$flag" --serial TERM-0060 --id 2 --code "$rival_code" --operator alice
t 1 '' 'request 2 of TERM-0060 is paired, not pending' -- pk pair approve --db "$flag" --serial TERM-0060 --id 2 --code "$rival_code" --operator alice

# Pre-registration and denials for the gate.
t 0 '^expecting TERM-0070 \(any certificate\)$' '' -- pk pair expect --db "$flag" --serial TERM-0070
t 0 "^expecting TERM-0071 with SHA256:$term_fp$" '' -- pk pair expect --db "$flag" --serial TERM-0071 --fingerprint "sha256:$(tr -d : <<<"$term_fp" | tr A-F a-f)"
t 2 '' '--fingerprint: not a SHA-256 fingerprint' -- pk pair expect --db "$flag" --serial TERM-0071 --fingerprint ABCD
t 2 '' 'serial' -- pk pair expect --db "$flag" --serial 'bad serial'
t 0 '^denied address 2001:db8::9$' 'does not require a second factor yet' -- pk pair deny --db "$flag" --address 2001:0db8:0:0::9 --operator alice
t 0 "^denied fingerprint $evil_fp$" '' -- pk pair deny --db "$flag" --fingerprint "$evil_fp" --operator alice
t 2 '' 'give either --address or --fingerprint' -- pk pair deny --db "$flag" --operator alice
t 2 '' 'give either --address or --fingerprint' -- pk pair deny --db "$flag" --address 10.0.0.1 --fingerprint "$evil_fp" --operator alice
t 2 '' "--address: not an IPv4 or IPv6 address: '10.0.0'" -- pk pair deny --db "$flag" --address 10.0.0 --operator alice
t 2 '' '--operator is required' -- pk pair deny --db "$flag" --address 10.0.0.1
none=$(new_registry none)
t 3 '' "$(no_registry "$none")" -- pk pair deny --db $none --address 10.0.0.1 --operator alice
absent_registry "$none"
check "pre-registrations and denials are audited" bash -c "pk --json pair log --db '$flag' | python3 -c '
import json, sys
acts = [r[\"action\"] for r in json.load(sys.stdin)]
assert acts.count(\"expect\") == 2 and acts.count(\"deny\") == 2 and acts.count(\"approve-refused\") == 2, acts'"

# A registry held by another writer past --busy-timeout: exit 3 naming it, nothing recorded.
hold_registry "$db" 4 locked &
holder=$!
for _ in $(seq 1 50); do [ -e locked ] && break; sleep 0.1; done
t 3 '' "registry $(re "$db") is busy: another process held it for more than 1000 ms" -- pk pair request --db $db --serial TERM-0050 --cert term/cert.pem --busy-timeout 1s
t 0 '' '' -- pk pair check --db $db --serial TERM-0042 --cert term/cert.pem
wait $holder
t 1 '' "no pending pairing request for serial 'TERM-0050'" -- pk pair reject --db $db --serial TERM-0050 --operator bob
# The registry from the environment (PAIRKIT_PAIR_DB), as provisioning scripts set it.
t 0 'TERM-0042  paired' '' --env "PAIRKIT_PAIR_DB=$db" -- pk pair list --state paired

# 4 processes x 50 concurrent requests: 200 rows, no "database is locked" escaping.
unset PAIRKIT_TEST_NOW
conc=$(new_registry conc)
for p in 1 2 3 4; do
  (for i in $(seq 1 50); do pk -q pair request --db "$conc" --serial "C$p-$i" --cert term/cert.pem --server-cert srv/cert.pem >/dev/null || echo "request C$p-$i failed"; done) >"conc.$p.log" 2>&1 &
done
wait
check "200 pending rows" test "$(reg_sql "$conc" "SELECT count(*) FROM requests WHERE state = 'pending'")" = 200
check "no request failed, nothing locked" bash -c '! grep -qiE "failed|locked|busy" conc.*.log'

# A new registry opened by several processes at once: each switches it to WAL
# or finds it switched (SQLite made the loser of that race wait for a lock that
# every WAL reader holds, so it failed as busy while others came and went).
first=()
for r in 1 2 3 4 5 6; do first[r]=$(new_registry first.$r); done
first_use_round() {  # ROUND: 4 chains of 6 `pair expect` on a fresh registry; prints the failures
  local p i
  for p in 1 2 3 4; do
    (for i in 1 2 3 4 5 6; do
      pk -q pair expect --db "${first[$1]}" --busy-timeout 3s --serial "F$p-$i" \
        --fingerprint "SHA256:$(printf '%064x' $((p * 100 + i)))" >/dev/null 2>&1 || echo "expect F$p-$i failed"
    done) &
  done
  wait
}
for r in 1 2 3 4 5 6; do first_use_round $r; done >first.log
check "a new registry opened by 4 processes at once: no process failed (6 rounds)" bash -c '! test -s first.log'
check "... and each holds its 24 expectations" bash -c 'for f; do [ "$(reg_sql "$f" "SELECT count(*) FROM expected")" = 24 ] || exit 1; done' _ "${first[@]}"

# pair approve racing pair request (the terminal asks again while the operator
# approves the code it read): the registry settles each race one way, never
# both and never neither. Either the approval wins (paired; the request says
# already paired, nothing pending) or the request wins (the approved code is
# superseded: approve fails as a mismatch, the new request is pending).
race=$(new_registry race)
old_registry "$race"
export race
race_round() {  # SERIAL: one race on a fresh serial; prints "approve" or "request", or why it is wrong
  local serial=$1 code
  code=$(pk --json pair request --db "$race" --serial "$serial" --cert term/cert.pem --server-cert srv/cert.pem | jget '["code"]')
  pk pair approve --db "$race" --serial "$serial" --code "$code" --operator alice >"race.$serial.approve" 2>&1 &
  local a=$!
  pk --json pair request --db "$race" --serial "$serial" --cert term/cert.pem >"race.$serial.request" 2>&1 &
  local r=$!
  wait $a; local ra=$?
  wait $r; local rr=$?
  pk --json pair list --db "$race" | python3 -c '
import json, sys
serial, ra, rr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [x for x in json.load(sys.stdin) if x["serial"] == serial]
states = sorted(x["state"] for x in rows)
req = json.load(open("race." + serial + ".request"))
assert rr == 0, "request exit %d" % rr
if ra == 0:
    assert req["already_paired"] and states == ["paired"], (req, states)
    print("approve")
elif ra == 1:
    assert not req["already_paired"] and states == ["expired", "pending"], (req, states)
    assert [x["code"] for x in rows if x["state"] == "pending"] == [req["code"]]
    assert "does not match" in open("race." + serial + ".approve").read() or "no pending" in open("race." + serial + ".approve").read()
    print("request")
else:
    raise SystemExit("approve exit %d: %s" % (ra, open("race." + serial + ".approve").read()))
' "$serial" "$ra" "$rr"
}
export -f race_round jget
check "pair approve racing pair request, 20 rounds: each settled one way, nothing lost" bash -c '
  for i in $(seq 1 20); do race_round R$i >>race.log 2>&1 || { cat race.log; exit 1; }; done
  [ $(grep -cE "^(approve|request)$" race.log) -eq 20 ]'
echo "races won: approve $(grep -c '^approve$' race.log), request $(grep -c '^request$' race.log)"

# Database locations: a path, sqlite:PATH or postgresql://; another scheme, or a URL
# with a password in it, is a usage error that does not echo the password.
if [[ $ENGINE == sqlite ]]; then
  t 0 'TERM-0042' '' -- pk pair list --db sqlite:srv/pairing.db
else
  t 0 'TERM-0042' '' -- pk pair list --db "postgres:${db#postgresql:}"
fi
t 2 '' 'the database URL carries a password, which would show in the process list' -- pk pair list --db postgresql://gate:secret@db/pairing
t 2 '' 'the database URL carries a password' -- pk pair list --db 'postgresql:///pairing?host=/run/x&password=secret'
t 2 '' "database location 'mysql://\.\.\.' uses a scheme this pairkit does not open" -- pk pair list --db mysql://gate@db/pairing
check "the error line does not carry the password" bash -c '! pk pair list --db postgresql://gate:secret@db/pairing 2>&1 | grep -q secret'
t 3 '' 'no pairing registry at nowhere/pairing.db' -- pk pair list --db sqlite:nowhere/pairing.db
