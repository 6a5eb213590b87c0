# db migrate | copy, --db-env, and a CA whose index lives on PostgreSQL
# (ca.toml [index] url) with a gate serving its CRL, on a PostgreSQL 15
# cluster of the table's own: sqlite3, psql, sha256sum, openssl and curl are
# the oracles.
export PAIRKIT_TEST_NOW=2026-11-22T10:00:00Z
# gate-lib's EXIT trap first: start_pg chains its own in front of it.
source "$(dirname "${BASH_SOURCE[0]}")/gate-lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/pg-lib.sh"
check 'PostgreSQL 15 starts for the table' start_pg
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
otp() { oathtool --totp -b "$alice" --now "$1"; }  # 'YYYY-MM-DD HH:MM:SS UTC'
re() { sed 's/[][\\.*^$?+(){}|]/\\&/g' <<<"$1"; }
psql_in() { "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }  # URL SQL
export -f psql_in
export PG_BIN
# The rows of every table of a store, as counts: "table|rows" lines.
reg_tables='meta requests terminals audit expected invites denials operators settings'
counts_sqlite() { local t; for t in $2; do echo "$t|$(sqlite3 "$1" "SELECT count(*) FROM $t")"; done; }
counts_pg() { local t; for t in $3; do echo "$t|$(psql_in "$1" "SELECT count(*) FROM $2.$t")"; done; }

# A registry with something in every table: requests in four states, the
# audit rows of each decision, an operator, an invite, a denial, an expected serial.
pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
for n in 1 2 3; do pk -q device init --serial TERM-000$n --dir term$n >/dev/null; done
reg=srv/pairing.db
alice=$(pk -q operator add --db $reg --name alice | sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/')
request() { pk --json pair request --db $reg --serial "$1" --cert "$2" --server-cert srv/cert.pem | jget '["code"]'; }
code=$(request TERM-0001 term1/cert.pem)
pk -q pair approve --db $reg --serial TERM-0001 --code "$code" --operator alice --otp "$(otp '2026-11-22 10:00:00 UTC')" >/dev/null
request TERM-0002 term2/cert.pem >/dev/null
PAIRKIT_TEST_NOW=2026-11-22T10:00:30Z pk -q pair reject --db $reg --serial TERM-0002 --operator alice \
  --otp "$(otp '2026-11-22 10:00:30 UTC')" >/dev/null
request TERM-0003 term3/cert.pem >/dev/null
PAIRKIT_TEST_NOW=2026-11-22T10:01:00Z pk -q pair deny --db $reg --address 203.0.113.9 --operator alice \
  --otp "$(otp '2026-11-22 10:01:00 UTC')" >/dev/null
pk -q pair expect --db $reg --serial TERM-0009 >/dev/null
pk -q gate invite --dir srv --host 127.0.0.1:7741 -o invite.png >/dev/null
check 'the registry has a row in every table but settings and meta' bash -c "
  for t in requests terminals audit expected invites denials operators; do
    [ \$(sqlite3 $reg \"SELECT count(*) FROM \$t\") -gt 0 ] || { echo \"\$t is empty\"; exit 1; }
  done"

# A CA with certificates, a revocation and a CRL number.
pk -q ca init --dir ca --cn 'Fleet CA' >/dev/null
for n in 1 2 3; do pk -q cert request --key term$n/key.pem --cn TERM-000$n -o term$n.csr >/dev/null; done
pk -q ca sign --dir ca term1.csr term2.csr --out-dir issued >/dev/null
revoked=$(openssl x509 -in issued/term2.crt -noout -serial | cut -d= -f2)
pk -q ca revoke --dir ca --cert issued/term2.crt --reason keyCompromise >/dev/null
pk -q crl issue --dir ca -o ca.crl >/dev/null

# --- db migrate on SQLite
sqlite3 old.db <"$DATA/registry/pairing-v1.sql"
t 0 '^registry: 1 -> 3$' '^$' -- pk db migrate --db old.db
t 0 '^3$' '^$' -- sqlite3 old.db 'PRAGMA user_version'
t 0 'USING COVERING INDEX terminals_by_fingerprint|USING INDEX terminals_by_fingerprint' '^$' -- sqlite3 old.db "EXPLAIN QUERY PLAN SELECT serial FROM terminals WHERE fingerprint = 'AA' ORDER BY paired_at DESC LIMIT 1"
t 0 '^registry: 3, current$' '^$' -- pk db migrate --db old.db
t 0 '^CA index: 3, current$' '^$' -- pk db migrate --db ca/index.db
t 0 '^\{"location":"sqlite:old\.db","stores":\[\{"changed":false,"from":3,"store":"registry","to":3\}\]\}$' '^$' -- bash -c 'pk --json db migrate --db sqlite:old.db | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin), separators=(\",\", \":\")))"'
cp old.db future.db && sqlite3 future.db 'PRAGMA user_version = 9'
t 3 '^$' 'registry future\.db has schema version 9; this pairkit knows up to 3' -- pk db migrate --db future.db
cp ca/index.db future-ca.db && sqlite3 future-ca.db 'PRAGMA user_version = 7'
t 3 '^$' 'future-ca\.db holds a CA index of schema version 7; this pairkit knows up to 3' -- pk db migrate --db future-ca.db
t 0 '^9$' '^$' -- sqlite3 future.db 'PRAGMA user_version'
: >empty.db
t 3 '^$' 'empty\.db holds no pairkit store \(no registry, no CA index\); pairkit db migrate --store registry\|ca creates one' -- pk db migrate --db empty.db
sqlite3 other.db 'CREATE TABLE accounts(id INTEGER PRIMARY KEY)'
t 3 '^$' 'other\.db holds no pairkit store' -- pk db migrate --db other.db
t 3 '^$' 'no database at missing\.db' -- pk db migrate --db missing.db
absent missing.db
t 0 '^registry: created, 3$' '^$' -- pk db migrate --db new-reg.db --store registry
t 0 '^3$' '^$' -- sqlite3 new-reg.db 'PRAGMA user_version'
t 3 '^$' 'new-reg\.db holds a registry; an SQLite file holds one store: give the CA index a file of its own' -- pk db migrate --db new-reg.db --store ca
t 3 '^$' 'is an SQLite database but not a pairing registry' -- pk db migrate --db other.db --store registry
t 2 '^$' 'bogus not in \{registry,ca\}' -- pk db migrate --db old.db --store bogus
t 2 '^$' 'uses a scheme this pairkit does not open' -- pk db migrate --db mysql://db/pairkit
t 2 '^$' 'carries a password' -- pk db migrate --db 'postgresql://gate:secret@127.0.0.1/pairkit'
t 2 '^$' '--db is required \(or --db-env VAR\)' -- pk db migrate

# --- --db-env: the location from the environment; with --db, a usage error.
t 0 '^registry: 3, current$' '^$' --env REG_DB=old.db -- pk db migrate --db-env REG_DB
t 2 '^$' 'excludes' --env REG_DB=old.db -- pk db migrate --db old.db --db-env REG_DB
t 3 '^$' 'environment variable NO_SUCH_VAR is not set \(--db-env NO_SUCH_VAR\)' -- pk db migrate --db-env NO_SUCH_VAR
t 3 '^$' 'environment variable REG_DB is empty' --env REG_DB= -- pk db migrate --db-env REG_DB
t 0 '^1  TERM-0001  paired ' '' --env REG_DB=$reg -- pk pair list --db-env REG_DB --state paired
t 2 '^$' 'excludes' --env REG_DB=$reg -- pk pair list --db $reg --db-env REG_DB
t 0 '^alice ' '' --env REG_DB=$reg -- pk operator list --db-env REG_DB
# A pair.db in pairkit.toml gives way to --db-env.
printf '[pair]\ndb = "missing.db"\n' >conf.toml
t 0 '^1  TERM-0001  paired ' '' --env REG_DB=$reg -- pk --config conf.toml pair list --db-env REG_DB --state paired
t 3 '^$' 'no pairing registry at missing\.db' -- pk --config conf.toml pair list

# --- db migrate on PostgreSQL: both stores in one database, each in its schema.
fleet=$(pg_new_db fleet)
t 3 '^$' "$(re "$fleet") holds no pairkit store" -- pk db migrate --db "$fleet"
t 0 '^registry: created, 3$' '^$' -- pk db migrate --db "$fleet" --store registry
t 0 '^3$' '^$' -- psql_in "$fleet" 'SELECT version FROM pairkit_registry.schema_version'
t 0 '^registry: 3, current
CA index: created, 3$' '^$' -- pk db migrate --db "$fleet" --store ca
t 0 '^pairkit_ca
pairkit_registry$' '^$' -- psql_in "$fleet" "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pairkit%' ORDER BY 1"
t 0 '^registry: 3, current
CA index: 3, current$' '^$' -- pk db migrate --db "$fleet"
# Version 3: an index on the paired certificates, and PostgreSQL's change
# notifications: two triggers on every table of the registry. A version-2
# registry (before them) gets both.
t 0 '^18$' '^$' -- psql_in "$fleet" "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'pairkit_registry'::regnamespace AND NOT t.tgisinternal"
psql_in "$fleet" 'DROP FUNCTION pairkit_registry.notify_change() CASCADE; DROP INDEX pairkit_registry.terminals_by_fingerprint; UPDATE pairkit_registry.schema_version SET version = 2'
t 0 '^registry: 2 -> 3
CA index: 3, current$' '^$' -- pk db migrate --db "$fleet"
t 0 '^18$' '^$' -- psql_in "$fleet" "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'pairkit_registry'::regnamespace AND NOT t.tgisinternal"
t 0 '^terminals_by_fingerprint$' '^$' -- psql_in "$fleet" "SELECT indexname FROM pg_indexes WHERE schemaname = 'pairkit_registry' AND tablename = 'terminals' AND indexname LIKE '%fingerprint'"
psql_in "$fleet" 'UPDATE pairkit_ca.schema_version SET version = 9'
t 3 '^$' 'holds a CA index of schema version 9; this pairkit knows up to 3' -- pk db migrate --db "$fleet"
psql_in "$fleet" 'UPDATE pairkit_ca.schema_version SET version = 3'
t 3 '^$' 'cannot open database .*nosuchdb' -- pk db migrate --db "postgresql:///nosuchdb?host=$PG_DIR&port=$PG_PORT&user=pairkit"

# --- db copy: SQLite -> PostgreSQL, both stores into one database.
pk pair list --db $reg >list-before.txt
pk pair log --db $reg >log-before.txt
pk ca list --dir ca >ca-list-before.txt 2>/dev/null
t 0 '^registry requests: 3 rows, sha256 [0-9a-f]{64}$' '^$' -- pk db copy --from $reg --to "$fleet"
check 'every table of the registry is listed, with its rows' bash -c "[ \$(grep -c '^registry ' <<<\"\$1\") -eq 9 ]" _ "$OUT"
t 0 '^copied 2 tables \([0-9]+ rows\) from ca/index\.db to .*; counts and digests read back from the target match$' '^$' -- pk db copy --from ca/index.db --to "$fleet"
check 'psql counts the rows sqlite3 counts, table by table (registry)' \
  diff <(counts_sqlite $reg "$reg_tables") <(counts_pg "$fleet" pairkit_registry "$reg_tables")
check 'psql counts the rows sqlite3 counts, table by table (CA index)' \
  diff <(counts_sqlite ca/index.db 'certs meta') <(counts_pg "$fleet" pairkit_ca 'certs meta')
t 0 "^$(sqlite3 $reg 'SELECT count(*) FROM audit')$" '^$' -- psql_in "$fleet" 'SELECT count(*) FROM pairkit_registry.audit'
check 'pair list reads the same from PostgreSQL' diff list-before.txt <(pk pair list --db "$fleet")
check 'pair log reads the same from PostgreSQL' diff log-before.txt <(pk pair log --db "$fleet")
check 'the CRL number came along' test "$(psql_in "$fleet" "SELECT value FROM pairkit_ca.meta WHERE key = 'crl_number'")" = 1
# The digest pairkit printed is psql's COPY of the same rows through sha256sum.
dig=$(pg_new_db digest)
pk --json db copy --from $reg --to "$dig" >copy.json
check 'the digest of requests is sha256sum of psql COPY' bash -c '
  want=$(python3 -c "import json,sys; print([t[\"sha256\"] for t in json.load(open(\"copy.json\"))[\"tables\"] if t[\"table\"] == \"requests\"][0])")
  got=$(psql_in "$1" "COPY (SELECT * FROM pairkit_registry.requests ORDER BY id) TO STDOUT" | sha256sum | cut -d" " -f1)
  [ "$want" = "$got" ]' _ "$dig"
check 'the digest of operators too (text key, COLLATE "C")' bash -c '
  want=$(python3 -c "import json,sys; print([t[\"sha256\"] for t in json.load(open(\"copy.json\"))[\"tables\"] if t[\"table\"] == \"operators\"][0])")
  got=$(psql_in "$1" "COPY (SELECT * FROM pairkit_registry.operators ORDER BY name COLLATE \"C\") TO STDOUT" | sha256sum | cut -d" " -f1)
  [ "$want" = "$got" ]' _ "$dig"
# Ids carry on past the copied ones: the next request and audit row.
max_id=$(sqlite3 $reg 'SELECT max(id) FROM requests')
pk -q device init --serial TERM-0004 --dir term4 >/dev/null
t 0 "\"id\": $((max_id + 1))," '' -- pk --json pair request --db "$fleet" --serial TERM-0004 --cert term4/cert.pem
t 0 "^$(($(sqlite3 $reg 'SELECT max(id) FROM audit') + 1))\$" '^$' -- psql_in "$fleet" 'SELECT max(id) FROM pairkit_registry.audit'

# A target that is not empty is refused, and nothing is written.
before=$(counts_pg "$fleet" pairkit_registry "$reg_tables")
t 3 '^$' "$(re "$fleet") is not empty: its registry holds [0-9]+ rows in requests; db copy writes only into an empty store \(nothing was written\)" -- pk db copy --from $reg --to "$fleet"
check 'nothing was written' test "$before" = "$(counts_pg "$fleet" pairkit_registry "$reg_tables")"
t 3 '^$' 'its CA index holds 2 rows in certs' -- pk db copy --from ca/index.db --to "$fleet"

# A target that changes what it is given (here a trigger of its own) fails
# the read-back: the copy is rolled back and the store stays empty.
bent=$(pg_new_db bent)
pk -q db migrate --db "$bent" --store registry >/dev/null
psql_in "$bent" "CREATE FUNCTION pairkit_registry.bend() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN NEW.paired_by := 'mallory'; RETURN NEW; END \$\$; CREATE TRIGGER bend BEFORE INSERT ON pairkit_registry.terminals FOR EACH ROW EXECUTE FUNCTION pairkit_registry.bend()"
t 3 '^$' 'terminals does not read back as copied: [0-9]+ rows, sha256 [0-9a-f]{64} in .*; [0-9]+ rows, sha256 [0-9a-f]{64} in .* \(rolled back, nothing was written\)' -- pk db copy --from $reg --to "$bent"
t 0 '^0\|0$' '^$' -- psql_in "$bent" 'SELECT (SELECT count(*) FROM pairkit_registry.requests), (SELECT count(*) FROM pairkit_registry.terminals)'

# --- PostgreSQL -> SQLite, and SQLite -> SQLite.
t 3 '^$' 'holds 2 stores and an SQLite file holds one: copy them one at a time \(--store\)' -- pk db copy --from "$fleet" --to back.db
absent back.db
t 0 '^copied 9 tables' '^$' -- pk db copy --from "$fleet" --to back.db --store registry
check 'pair list reads the same from the copy back' diff <(pk pair list --db "$fleet") <(pk pair list --db back.db)
check 'sqlite3 counts the rows psql counts' diff <(counts_pg "$fleet" pairkit_registry "$reg_tables") <(counts_sqlite back.db "$reg_tables")
check 'sqlite3 reads the operator whole' test "$(sqlite3 back.db 'SELECT secret FROM operators')" = "$(sqlite3 $reg 'SELECT secret FROM operators')"
sum=$(sha256sum back.db)
t 3 '^$' 'back\.db is not empty: its registry holds' -- pk db copy --from $reg --to back.db
check 'the refused target is unchanged' test "$sum" = "$(sha256sum back.db)"
t 3 '^$' 'other\.db is not empty: it holds tables that are no pairkit CA index' -- pk db copy --from ca/index.db --to other.db
t 0 '^copied 2 tables' '' -- pk db copy --from ca/index.db --to index-copy.db
check 'sqlite3 reads the same certificates' diff <(sqlite3 ca/index.db 'SELECT * FROM certs ORDER BY serial') <(sqlite3 index-copy.db 'SELECT * FROM certs ORDER BY serial')
t 0 '"verified": true' '' --env FROM_DB=ca/index.db --env TO_DB=index-env.db -- pk --json db copy --from-env FROM_DB --to-env TO_DB

# A bad source: missing, empty, another application's, not migrated; bad options.
t 3 '^$' 'no database at missing\.db' -- pk db copy --from missing.db --to x.db
t 3 '^$' 'empty\.db holds no pairkit store' -- pk db copy --from empty.db --to x.db
t 3 '^$' 'other\.db holds no pairkit store' -- pk db copy --from other.db --to x.db
sqlite3 old1.db <"$DATA/registry/pairing-v1.sql"
t 3 '^$' 'old1\.db holds a registry of schema version 1; this pairkit copies version 3: bring it up to date first \(pairkit db migrate --db old1\.db\)' -- pk db copy --from old1.db --to x.db
t 3 '^$' 'future\.db holds a registry of schema version 9; this pairkit copies version 3' -- pk db copy --from future.db --to x.db
absent x.db
t 2 '^$' '--from and --to name the same database \(old\.db\)' -- pk db copy --from old.db --to sqlite:old.db
t 2 '^$' '--to is required' -- pk db copy --from old.db
t 2 '^$' 'carries a password' -- pk db copy --from old.db --to 'postgresql:///x?password=secret'
t 2 '^$' 'excludes' --env TO_DB=y.db -- pk db copy --from old.db --to x.db --to-env TO_DB
t 3 '^$' 'environment variable FROM_DB is not set' -- pk db copy --from-env FROM_DB --to x.db

# --- A CA whose index lives on PostgreSQL (ca.toml [index] url).
cadb=$(pg_new_db cadb)
t 0 "^index:       $(re "$cadb")\$" '' -- pk ca init --dir pgca --cn 'PG CA' --index "$cadb"
check 'ca.toml records the URL under [index]' python3 -c '
import sys, tomllib; sys.exit(tomllib.load(open("pgca/ca.toml", "rb"))["index"]["url"] != sys.argv[1])' "$cadb"
absent pgca/index.db
t 0 '' '' -- pk ca sign --dir pgca term3.csr -o term3.crt
serial=$(openssl x509 -in term3.crt -noout -serial | cut -d= -f2)
check 'openssl verifies what the CA signed' openssl verify -attime "$(date -d "$PAIRKIT_TEST_NOW" +%s)" -CAfile pgca/ca.crt term3.crt
t 0 '^1$' '^$' -- psql_in "$cadb" "SELECT count(*) FROM pairkit_ca.certs WHERE upper(serial) = upper('$serial')"
t 0 "$serial" '' -- pk ca list --dir pgca
t 0 '' '' -- pk ca revoke --dir pgca --cert term3.crt
t 0 '' '' -- pk crl issue --dir pgca -o pg.crl
check 'openssl reads the revocation in the CRL' bash -c "openssl crl -in pg.crl -noout -text | grep -qi 'Serial Number: *$serial'"
t 3 '^$' 'holds a CA index already' -- pk ca init --dir pgca2 --cn 'Second CA' --index "$cadb"
absent pgca2/ca.key pgca2/ca.crt pgca2/ca.toml
t 2 '^$' 'carries a password' -- pk ca init --dir pgca3 --cn 'CA' --index 'postgresql://u:p@127.0.0.1/x'
absent pgca3
# Several CAs folders on the copy: ca list reads the same from PostgreSQL.
mkdir ca-pg && cp ca/ca.crt ca/ca.key ca/ca.toml ca-pg/ && printf '[index]\nurl = "%s"\n' "$fleet" >>ca-pg/ca.toml
check 'ca list reads the same from the copied index' diff ca-list-before.txt <(pk ca list --dir ca-pg 2>/dev/null)
mkdir ca-bad && cp ca/ca.crt ca/ca.toml ca-bad/ && printf '[index]\nurl = "mysql://db/x"\n' >>ca-bad/ca.toml
t 3 '^$' 'ca-bad/ca\.toml: index\.url: database location .mysql://\.\.\.. uses a scheme' -- pk ca list --dir ca-bad

# --- A gate on PostgreSQL: the registry by URL in gate.toml, the CA's index by
# ca.toml's [index] url; the CRL it issues and re-issues comes from that index.
pk -q ca sign --dir pgca term1.csr -o pg-term1.crt 2>/dev/null
serial1=$(openssl x509 -in pg-term1.crt -noout -serial | cut -d= -f2)
printf '[gate]\nregistry = "%s"\nca = "%s/pgca"\n' "$fleet" "$PWD" >srv/gate.toml
check 'a gate starts on the PostgreSQL registry and CA index' start_gate srv
t 0 '^HTTP 200$' '' -- gcurl -o pgcrl1.der /v1/crl
check 'the CRL the gate issued lists the revocation in the index' bash -c "openssl crl -inform DER -in pgcrl1.der -noout -text | grep -qi 'Serial Number: *$serial'"
t 0 "$serial1: revoked" '' -- pk ca revoke --dir pgca "$serial1"
check 'a revocation in the PostgreSQL index reaches /v1/crl (within 10 s)' bash -c "
  for i in \$(seq 50); do
    curl -sk https://$GATE/v1/crl -o pgcrl2.der && openssl crl -inform DER -in pgcrl2.der -noout -text | grep -qi 'Serial Number: *$serial1' && exit 0
    sleep 0.2
  done; exit 1"
t 0 'CRL: issued number [0-9]+ with 2 revoked' '' -- cat srv.log
stop_gate
