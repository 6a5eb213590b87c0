# operator add | list | remove and decisions with a TOTP second factor:
# oathtool computes the codes (the oracle), zbarimg reads the enrolment QR,
# the clock is fixed (PAIRKIT_TEST_NOW) so each row knows its time step.
# On both registry engines (engine-lib.sh; operator@postgres).
source "$(dirname "${BASH_SOURCE[0]}")/engine-lib.sh"
export PAIRKIT_TEST_NOW=2026-11-22T10:00:00Z
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
otp() { oathtool --totp -b "$1" --now "$2"; }  # SECRET 'YYYY-MM-DD HH:MM:SS UTC'

pk -q device init --serial TERM-0042 --dir term >/dev/null
pk -q device init --serial TERM-0043 --dir term3 >/dev/null
pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
db=$(new_registry srv/pairing)
request() {  # SERIAL CERT: a pending request; prints its code
  pk --json pair request --db "$db" --serial "$1" --cert "$2" --server-cert srv/cert.pem --expires-in 1h | jget '["code"]'
}

# Enrolment prints the URI once; the QR file holds it too (and so is private).
t 0 '^otpauth://totp/pairkit:alice\?secret=[A-Z2-7]{32}&issuer=pairkit&algorithm=SHA1&digits=6&period=30$' \
  'enrolled operator alice; the QR code is in alice.png' -- pk operator add --db "$db" --name alice -o alice.png
alice_uri=$OUT
alice=$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' <<<"$alice_uri")
mode_is 600 alice.png
check "zbarimg reads the otpauth URI from the QR code" bash -c "[ \"\$(zbarimg -q --raw alice.png)\" = '$alice_uri' ]"
t 0 '^otpauth://totp/pairkit:bob\?secret=' '' -- pk operator add --db "$db" --name bob
bob=$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' <<<"$OUT")
t 3 '' "operator 'alice' exists already" -- pk operator add --db "$db" --name alice
t 2 '' 'an operator name is 1 to 64 of A-Z a-z 0-9' -- pk operator add --db "$db" --name 'bad name'
t 2 '' '--name is required' -- pk operator add --db "$db"
t 0 '"uri": "otpauth://totp/pairkit:carol' '' -- pk --json operator add --db "$db" --name carol -o carol.svg
check "the SVG QR code is private too" bash -c "[ \$(stat -c %a carol.svg) = 600 ]"
t 0 '^alice  created 2026-11-22T10:00:00Z  failures 0$' '^$' -- pk operator list --db "$db"
check "no listing or log holds a secret" bash -c "! { pk --json operator list --db '$db'; pk pair log --db '$db'; } | grep -qE '$alice|$bob'"

# A new registry requires a code for every decision.
code=$(request TERM-0042 term/cert.pem)
t 2 '' 'requires a TOTP code for every decision: give --otp CODE' -- pk pair approve --db "$db" --serial TERM-0042 --code "$code" --operator alice
t 2 '' '--otp must be the 6-digit code' -- pk pair approve --db "$db" --serial TERM-0042 --code "$code" --operator alice --otp 12345
t 1 '' "no operator 'mallory'" -- pk pair approve --db "$db" --serial TERM-0042 --code "$code" --operator mallory --otp 123456
# Two steps back is too old; one step back is accepted (clock skew).
t 1 '' "wrong TOTP code for operator 'alice' \(1 of 5" -- pk pair approve --db "$db" --serial TERM-0042 --code "$code" --operator alice --otp "$(otp $alice '2026-11-22 09:59:00 UTC')"
t 0 '^paired TERM-0042 .*approved by alice$' '^$' -- pk pair approve --db "$db" --serial TERM-0042 --code "$code" --operator alice --otp "$(otp $alice '2026-11-22 09:59:30 UTC')"
# The same code again, even for another decision: refused. The next step is fine;
# after it, the current step is older than the last used one: refused.
t 1 '' 'was used already' -- pk pair unpair --db "$db" --serial TERM-0042 --operator alice --otp "$(otp $alice '2026-11-22 09:59:30 UTC')"
t 0 '^unpaired TERM-0042' '^$' -- pk pair unpair --db "$db" --serial TERM-0042 --operator alice --otp "$(otp $alice '2026-11-22 10:00:30 UTC')"
code3=$(request TERM-0043 term3/cert.pem)
t 1 '' 'was used already' -- pk pair reject --db "$db" --serial TERM-0043 --operator alice --otp "$(otp $alice '2026-11-22 10:00:00 UTC')"
t 0 '^rejected' '' -- pk pair reject --db "$db" --serial TERM-0043 --operator bob --otp "$(otp $bob '2026-11-22 10:00:00 UTC')"
# A step later the clock has moved on: one step ahead is again fine.
t 0 '' '' --env PAIRKIT_TEST_NOW=2026-11-22T10:01:00Z -- pk pair deny --db "$db" --address 203.0.113.9 --operator alice --otp "$(otp $alice '2026-11-22 10:01:00 UTC')"

# Five wrong codes lock the operator out for 15 minutes, even with the right code.
code3=$(request TERM-0043 term3/cert.pem)
for n in 1 2 3 4; do t 1 '' "\($n of 5 before a 15-minute lockout\)" -- pk pair reject --db "$db" --serial TERM-0043 --operator bob --otp 000000; done
t 1 '' 'locked out until 2026-11-22T10:15:00Z' -- pk pair reject --db "$db" --serial TERM-0043 --operator bob --otp 000000
t 0 'bob  created .*  failures 0  locked until 2026-11-22T10:15:00Z' '' -- pk operator list --db "$db"
t 1 '' "operator 'bob' is locked out until 2026-11-22T10:15:00Z" -- pk pair reject --db "$db" --serial TERM-0043 --operator bob --otp "$(otp $bob '2026-11-22 10:00:30 UTC')"
t 0 '^rejected' '' --env PAIRKIT_TEST_NOW=2026-11-22T10:15:00Z -- pk pair reject --db "$db" --serial TERM-0043 --operator bob --otp "$(otp $bob '2026-11-22 10:15:00 UTC')"
check "every attempt is in the audit log" bash -c "pk --json pair log --db '$db' | python3 -c '
import json, sys
acts = [r[\"action\"] for r in json.load(sys.stdin)]
n = {a: acts.count(a) for a in set(acts)}
assert n.get(\"otp-missing\") == 1 and n.get(\"otp-wrong\") == 6 and n.get(\"otp-reused\") == 2, n
assert n.get(\"otp-ok\") == 5 and n.get(\"otp-refused\") == 2, n'"

# Removing an operator; their name then decides nothing.
t 0 '^removed operator carol$' '' -- pk operator remove --db "$db" --name carol
t 1 '' "no operator 'carol'" -- pk operator remove --db "$db" --name carol
none=$(new_registry none)
t 3 '' "$(no_registry "$none")" -- pk operator list --db "$none"
absent_registry "$none"

# Four processes approve the same request at once, each operator with a good
# code: exactly one pairs it, and the audit keeps every attempt.
race=$(new_registry race)
for o in op1 op2 op3 op4; do pk operator add --db "$race" --name $o >$o.uri; done
race_code=$(pk --json pair request --db "$race" --serial TERM-0042 --cert term/cert.pem --server-cert srv/cert.pem | jget '["code"]')
for o in op1 op2 op3 op4; do
  s=$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' $o.uri)
  (pk pair approve --db "$race" --serial TERM-0042 --code "$race_code" --operator $o --otp "$(otp $s '2026-11-22 10:00:00 UTC')" >$o.out 2>&1; echo $? >$o.rc) &
done
wait
check "exactly one of four concurrent approvals succeeds" bash -c '[ "$(cat op?.rc | sort | tr "\n" " ")" = "0 1 1 1 " ]'
check "the audit has all four attempts and one approval" bash -c "pk --json pair log --db '$race' | python3 -c '
import json, sys
acts = [r[\"action\"] for r in json.load(sys.stdin)]
assert acts.count(\"otp-ok\") == 4 and acts.count(\"approve\") == 1, acts'"

# A version-1 registry migrates in place and keeps working without a second
# factor, with a note on each decision, until pair require-otp.
# SQLite only: PostgreSQL registries begin at version 2.
if [[ $ENGINE == sqlite ]]; then
  sqlite3 v1.db <"$DATA/registry/pairing-v1.sql"
  v1code=$(pk --json pair request --db v1.db --serial TERM-0042 --cert term/cert.pem --server-cert srv/cert.pem | jget '["code"]')
  check "the registry is at schema version 3" bash -c "[ \"\$(sqlite3 v1.db 'PRAGMA user_version')\" = 3 ]"
  t 0 '^paired TERM-0042' 'does not require a second factor yet; switch it on with: pairkit pair require-otp --db v1.db' -- pk pair approve --db v1.db --serial TERM-0042 --code "$v1code" --operator alice
  t 0 '^registry v1.db now requires a TOTP code' 'no operator is enrolled yet' -- pk pair require-otp --db v1.db
  t 0 '^registry v1.db requires a TOTP code already' '' -- pk pair require-otp --db v1.db
  t 2 '' 'requires a TOTP code' -- pk pair unpair --db v1.db --serial TERM-0042 --operator alice
else
  skip 'a version-1 registry migrates in place' 'SQLite only: a PostgreSQL registry begins at schema version 2'
fi
