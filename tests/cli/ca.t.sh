# ca init | sign | revoke | list, crl issue | info | check, cert verify:
# openssl as the peer both ways, profile enforcement, parallel signers, error paths.
# On both index engines (engine-lib.sh; ca@postgres).
source "$(dirname "${BASH_SOURCE[0]}")/engine-lib.sh"
echo ca-secret >pass.txt
echo wrong >wrong.txt

# --- ca init
t 0 'CA CN=Fleet CA in fca' '' -- pk ca init --dir fca --cn 'Fleet CA' $(ca_index fca)
mode_is 700 fca
mode_is 600 fca/ca.key
check "ca.toml names the profiles and their defaults" grep -q '^\[profiles.terminal\]' fca/ca.toml
if [[ $ENGINE == sqlite ]]; then
  check "index is SQLite" bash -c 'head -c 15 fca/index.db | grep -q "SQLite format"'
else
  check "ca.toml names the index's URL, and there is no index file" \
    bash -c 'grep -q "^url = .postgresql:///ca_fca?" fca/ca.toml && [ ! -e fca/index.db ]'
  t 0 '^3$' '^$' -- index_sql fca 'SELECT version FROM schema_version'
fi
check "openssl sees a CA certificate" bash -c 'openssl x509 -in fca/ca.crt -noout -text | grep -q "CA:TRUE"'
t 3 '' 'fca already holds a CA' -- pk ca init --dir fca --cn Other
t 0 '"encrypted": true' '' -- pk --json ca init --dir eca --cn 'Locked CA' --passphrase-file pass.txt $(ca_index eca)
check "encrypted CA key" grep -q 'BEGIN ENCRYPTED PRIVATE KEY' eca/ca.key
t 2 '' '--cn is required' -- pk ca init --dir x
absent x

# --- ca sign: a CSR made by openssl req, checked by openssl verify
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout o.key -out o.csr \
  -subj /CN=term-0001 -addext 'subjectAltName=DNS:term-0001.local,IP:fd00::1' 2>/dev/null
t 0 '^$' 'signed o.csr -> o.crt \(terminal' -- pk ca sign --dir fca o.csr -o o.crt
check "openssl verify accepts the terminal certificate" openssl verify -CAfile fca/ca.crt -purpose sslclient o.crt
check "terminal profile: clientAuth, not a CA, 7 days" bash -c '
  t=$(openssl x509 -in o.crt -noout -text)
  grep -q "TLS Web Client Authentication" <<<"$t" && grep -q "CA:FALSE" <<<"$t" && ! grep -q "Server Authentication" <<<"$t" &&
  [ $(( $(date -d "$(openssl x509 -in o.crt -noout -enddate | cut -d= -f2)" +%s) - $(date -d "$(openssl x509 -in o.crt -noout -startdate | cut -d= -f2)" +%s) )) -eq 604800 ]'
check "requested SANs kept (IPv6 included), AKI and SKI present" bash -c '
  t=$(openssl x509 -in o.crt -noout -text)
  grep -q "DNS:term-0001.local, IP Address:FD00:0:0:0:0:0:0:1" <<<"$t" && grep -q "Authority Key Identifier" <<<"$t" && grep -q "Subject Key Identifier" <<<"$t"'
openssl x509 -in o.csr -req -signkey o.key -out /dev/null 2>/dev/null
openssl req -in o.csr -outform der -out o.der.csr 2>/dev/null
t 0 '"profile": "server"' '' -- pk --json ca sign --dir fca --profile server --san dns:gate.example --san ip:2001:db8::7 o.der.csr -o gate.crt
check "server profile from a DER CSR: serverAuth, --san replaces requested names of its type" bash -c '
  t=$(openssl x509 -in gate.crt -noout -text)
  grep -q "TLS Web Server Authentication" <<<"$t" && grep -q "DNS:gate.example" <<<"$t" && ! grep -q "term-0001.local" <<<"$t" &&
  grep -q "2001:DB8:0:0:0:0:0:7" <<<"$t" && ! grep -q "FD00" <<<"$t"'
check "openssl verify -purpose sslserver" openssl verify -CAfile fca/ca.crt -purpose sslserver gate.crt
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout n.key -out nosan.csr -subj /CN=nosan 2>/dev/null
t 3 '' 'needs at least one SAN' -- pk ca sign --dir fca --profile server nosan.csr -o nosan.crt
absent nosan.crt
t 0 '' '' -- pk ca sign --dir fca --profile intermediate nosan.csr -o int.crt
check "intermediate: CA with pathlen 0" bash -c 'openssl x509 -in int.crt -noout -text | grep -q "CA:TRUE, pathlen:0"'
t 2 '' 'intermediate profile takes no --san' -- pk ca sign --dir fca --profile intermediate --san dns:x nosan.csr -o int2.crt
t 0 '' 'validity cut to the CA' -- pk ca sign --dir fca --valid-for 1000w nosan.csr -o long.crt
check "validity never past the CA's notAfter" bash -c '[ "$(openssl x509 -in long.crt -noout -enddate)" = "$(openssl x509 -in fca/ca.crt -noout -enddate)" ]'

# A CSR asking for CA:TRUE and keyCertSign gets a plain terminal certificate.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout evil.key -out evil.csr -subj /CN=evil \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
check "the evil CSR really asks for CA:TRUE" bash -c 'openssl req -in evil.csr -noout -text | grep -q "CA:TRUE"'
t 0 '' '' -- pk ca sign --dir fca evil.csr -o evil.crt
check "evil.crt is not a CA and cannot sign certificates" bash -c '
  t=$(openssl x509 -in evil.crt -noout -text)
  grep -q "CA:FALSE" <<<"$t" && ! grep -q "Certificate Sign" <<<"$t"'

# Several requests in one process; stdout and files.
for i in 1 2 3; do pk -q key gen -o k$i.key && pk -q cert request --key k$i.key --cn term-00$i -o r$i.csr; done
t 0 '' '' -- pk ca sign --dir fca r1.csr r2.csr r3.csr --out-dir batch
check "batch wrote r1..r3.crt" bash -c 'for i in 1 2 3; do openssl verify -CAfile fca/ca.crt batch/r$i.crt || exit 1; done'
t 3 '' 'batch/r1.crt exists' -- pk ca sign --dir fca r1.csr r2.csr --out-dir batch
t 2 '' 'several requests need --out-dir' -- pk ca sign --dir fca r1.csr r2.csr -o x.crt
t 0 'BEGIN CERTIFICATE' '' -- pk ca sign --dir fca r1.csr
t 0 '' '' --stdin r2.csr -- pk ca sign --dir fca - -o stdin.crt

# Tampered CSR: the subject changed after signing. Refused, nothing written.
python3 -c '
import base64; d=open("o.der.csr","rb").read(); i=d.find(b"term-0001"); d=d[:i]+b"term-9999"+d[i+9:]
b=base64.b64encode(d).decode(); open("tampered.csr","w").write("-----BEGIN CERTIFICATE REQUEST-----\n"+"\n".join(b[j:j+64] for j in range(0,len(b),64))+"\n-----END CERTIFICATE REQUEST-----\n")
open("tampered.der.csr","wb").write(d)'
t 3 '' "tampered.csr.*(signature|Bad signature)" -- pk ca sign --dir fca tampered.csr -o tampered.crt
absent tampered.crt
t 3 '' "tampered.der.csr" -- pk ca sign --dir fca tampered.der.csr -o tampered.crt
absent tampered.crt
t 3 '' '1 of 2 requests refused' -- pk ca sign --dir fca tampered.csr r3.csr --out-dir mixed
absent mixed/tampered.crt
check "the good request of a mixed batch is signed" openssl verify -CAfile fca/ca.crt mixed/r3.crt
echo garbage >garbage.csr
t 3 '' 'garbage.csr' -- pk ca sign --dir fca garbage.csr -o g.crt
absent g.crt
t 3 '' 'holds a certificate where a certificate request is needed' -- pk ca sign --dir fca o.crt -o g.crt
t 3 '' 'nowhere is not a CA folder' -- pk ca sign --dir nowhere o.csr -o g.crt
t 2 '' "profile 'device' is not one a CA issues|device not in" -- pk ca sign --dir fca --profile device o.csr -o g.crt

# Passphrase-protected CA.
t 3 '' 'wrong passphrase' -- pk ca sign --dir eca o.csr -o e.crt --passphrase-file wrong.txt
absent e.crt
t 3 '' 'is encrypted|passphrase' -- pk ca sign --dir eca o.csr -o e.crt
t 0 '' '' -- pk ca sign --dir eca o.csr -o e.crt --passphrase-file pass.txt
check "encrypted CA signs for openssl" openssl verify -CAfile eca/ca.crt e.crt

# --- ca list
t 0 'term-0001' '' -- pk ca list --dir fca
check "list --json is an array with one entry per issued certificate" bash -c '
  n=$(pk --json ca list --dir fca | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
  [ "$n" -eq $(index_sql fca "select count(*) from certs") ] && [ "$n" -ge 10 ]'

# --- ca revoke
serial=$(openssl x509 -in o.crt -noout -serial | cut -d= -f2)
t 0 "$serial: revoked \(keyCompromise\)" '' -- pk ca revoke --dir fca "$serial" --reason keyCompromise
t 0 'already revoked on .*nothing changed' '' -- pk ca revoke --dir fca --cert o.crt --reason keyCompromise
t 0 'revoked \(superseded\)' '' -- pk ca revoke --dir fca --cert batch/r1.crt --reason superseded
printf '# lost terminals\n%s\n%s\n' "$(openssl x509 -in batch/r2.crt -noout -serial | cut -d= -f2)" \
  "$(openssl x509 -in batch/r3.crt -noout -serial | cut -d= -f2 | sed 's/../&:/g; s/:$//')" >lost.txt
t 0 '' '' -- pk ca revoke --dir fca --serials-file lost.txt --reason cessationOfOperation
t 3 '' 'serial 0BADC0FFEE is not in the index.*nothing was revoked' -- pk ca revoke --dir fca 0BADC0FFEE "$(openssl x509 -in gate.crt -noout -serial | cut -d= -f2)"
check "the known serial next to the unknown one was not revoked" bash -c "pk --json ca list --dir fca --revoked | grep -qv '$(openssl x509 -in gate.crt -noout -serial | cut -d= -f2)'"
t 2 '' "unknown revocation reason 'lost'" -- pk ca revoke --dir fca "$serial" --reason lost
t 2 '' 'not a certificate serial' -- pk ca revoke --dir fca xyz
t 2 '' 'name what to revoke' -- pk ca revoke --dir fca
t 3 '' 'not by this CA' -- pk ca revoke --dir fca --cert e.crt
t 0 '"reason": "keyCompromise"' '' -- pk --json ca list --dir fca --revoked
t 0 '' '' -- pk ca list --dir fca --revoked

# --- crl issue, read back by openssl
t 0 '' 'wrote CRL number 1 with 4 revoked' -- pk crl issue --dir fca -o crl.pem
check "openssl crl -text shows the CRL number and reasons" bash -c '
  t=$(openssl crl -in crl.pem -noout -text)
  grep -q "X509v3 CRL Number" <<<"$t" && grep -A1 "CRL Number" <<<"$t" | grep -q "^ *1$" &&
  grep -q "Key Compromise" <<<"$t" && grep -q "Superseded" <<<"$t" && grep -q "Cessation Of Operation" <<<"$t" &&
  grep -q "Authority Key Identifier" <<<"$t"'
check "openssl checks the CRL signature" bash -c 'openssl crl -in crl.pem -noout -CAfile fca/ca.crt 2>&1 | grep -q "verify OK"'
check "openssl verify -crl_check reports the revoked certificate" bash -c '
  ! openssl verify -crl_check -CRLfile crl.pem -CAfile fca/ca.crt o.crt >out 2>&1 && grep -q "certificate revoked" out'
check "openssl verify -crl_check passes a good one" openssl verify -crl_check -CRLfile crl.pem -CAfile fca/ca.crt gate.crt
t 3 '' 'crl.pem exists' -- pk crl issue --dir fca -o crl.pem
t 0 '"crl_number": 2' '' -- pk --json crl issue --dir fca -o crl.der --next-update 1h
check "DER by extension" bash -c 'openssl crl -inform der -in crl.der -noout -text | grep -A1 "CRL Number" | grep -q "^ *2$"'
t 0 '' '' -- pk crl issue --dir eca -o ecrl.pem --passphrase-file pass.txt
t 3 '' 'wrong passphrase' -- pk crl issue --dir eca -o ecrl2.pem --passphrase-file wrong.txt
absent ecrl2.pem

# --- crl info / check
t 0 'CRL number: +1' '' -- pk crl info crl.pem
t 0 '"count": 4' '' -- pk --json crl info crl.der
check "crl info --json lists entries with reasons" bash -c 'pk --json crl info crl.pem | python3 -c "
import json,sys; d=json.load(sys.stdin); r=sorted(e[\"reason\"] for e in d[\"entries\"])
assert r==[\"cessationOfOperation\",\"cessationOfOperation\",\"keyCompromise\",\"superseded\"], r"'
t 1 'o.crt: REVOKED serial .* \(keyCompromise\)' '1 of 2 certificate\(s\) revoked' -- pk crl check --crl crl.pem --ca fca/ca.crt o.crt gate.crt
t 0 'gate.crt: not revoked' '^$' -- pk crl check --crl crl.der --ca fca/ca.crt gate.crt
t 1 '"revoked": true' '' -- pk --json crl check --crl crl.pem o.crt
# CRL from another CA: wrong issuer for the certificate, and a forged issuer name.
t 3 '' 'refusing to check it against a different issuer' -- pk crl check --crl ecrl.pem o.crt
t 3 '' 'not by fca/ca.crt' -- pk crl check --crl ecrl.pem --ca fca/ca.crt e.crt
pk -q ca init --dir fake --cn 'Fleet CA' $(ca_index fake) >/dev/null
pk -q crl issue --dir fake -o forged.pem
t 1 '' 'forged.pem: signature does not verify' -- pk crl check --crl forged.pem --ca fca/ca.crt gate.crt
t 1 '' 'signature does not verify' -- pk cert verify gate.crt --ca fca/ca.crt --crl forged.pem
# Expired CRL (next update 1h; two hours later).
later=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
t 3 '' 'crl.der is stale' --env PAIRKIT_TEST_NOW=$later -- pk crl check --crl crl.der --ca fca/ca.crt gate.crt
t 0 'not revoked' '' --env PAIRKIT_TEST_NOW=$later -- pk crl check --crl crl.der --ca fca/ca.crt --allow-stale gate.crt
t 3 '' 'garbage.csr is not a CRL' -- pk crl check --crl garbage.csr gate.crt
t 3 '' 'is not a CRL' -- pk crl info o.crt
head -c 300 crl.der >trunc.der
t 3 '' 'trunc.der is not a CRL' -- pk crl info trunc.der
t 3 '' 'cannot open missing.pem' -- pk crl info missing.pem

# --- hostile and large CRLs (pairkit-crl(1); pairkit(1), INPUT LIMITS), written
# unsigned by make-crl.py. A serial listed twice is refused, and listing one
# serial 200,000 times costs one sort (the hash index this replaced took
# quadratic time on it: 3.8 s at 100,000, over 120 s at a million).
mkcrl() { python3 "$here/make-crl.py" "$@"; }
mkcrl twice.der 2 duplicate
t 3 '' '^pairkit: error: twice.der lists serial 01 more than once' -- pk crl info twice.der
mkcrl same.der 200000 duplicate
t 3 '' 'same.der lists serial 01 more than once' -- timeout 60 "$PAIRKIT" crl info same.der
t 3 '' 'same.der lists serial 01 more than once' -- timeout 60 "$PAIRKIT" --json crl info same.der
t 3 '' 'same.der lists serial 01 more than once' -- timeout 60 "$PAIRKIT" crl check --crl same.der gate.crt
t 3 '' 'same.der lists serial 01 more than once' -- timeout 60 "$PAIRKIT" cert verify gate.crt --ca fca/ca.crt --crl same.der
mkcrl alike.pem 200000 prefix --pem
t 0 'revoked: +200000' '' -- timeout 60 "$PAIRKIT" crl info alike.pem
# A million entries (46 MB): parsed in place, so crl info needs less than twice
# the CRL (it needed more: a copy of the input); --json streams the entries,
# in the layout emit_json prints (it built the document: 940 MB of RSS).
mkcrl big.der 1000000 normal
big_mib=$(( $(stat -c %s big.der) >> 20 ))
check "crl info of a ${big_mib} MiB CRL stays under twice its size" \
  bounded 120 $((2 * big_mib)) pk crl info big.der
check "--json crl info of a million entries stays under twice the CRL's size" \
  bash -c "bounded 120 $((2 * big_mib)) pk --json crl info big.der >/dev/null"
check "--json crl info streams every entry" bash -c '
  timeout 120 "$PAIRKIT" --json crl info big.der >big.json && [ "$(grep -c "^      \"serial\": " big.json)" = 1000000 ] &&
  head -c 100 big.json | grep -q "^  \"count\": 1000000,$" && tail -c 100 big.json | grep -q "^}$"'
mkcrl small.der 40 prefix
check "--json crl info is valid JSON, laid out as emit_json lays out any document" bash -c '
  pk --json crl info crl.pem >c.json && pk --json crl info small.der >s.json && python3 -c "
import json, sys
for f in sys.argv[1:]:
    t = open(f).read()
    assert t == json.dumps(json.loads(t), indent=2, sort_keys=True, ensure_ascii=False) + \"\\n\", f
" c.json s.json'
t 3 '' '^pairkit: error: cannot write standard output: No space left on device$' -- bash -c '"$PAIRKIT" --json crl info big.der >/dev/full'
# The CRL limit: flag > environment > configuration > 512 MiB.
t 3 '' '^pairkit: error: big.der is larger than 1 MiB, the limit for a CRL \(raise it with --max-crl-size or crl.max_size\)$' -- pk crl info --max-crl-size 1M big.der
t 3 '' 'standard input is larger than 1 MiB, the limit for a CRL' --stdin big.der -- pk crl info --max-crl-size 1M -
t 3 '' 'big.der is larger than 2 MiB' --env PAIRKIT_CRL_MAX_SIZE=2M -- pk crl check --crl big.der gate.crt
printf '[crl]\nmax_size = "3M"\n' >limits.toml
t 3 '' 'big.der is larger than 3 MiB' -- pk --config limits.toml cert verify gate.crt --ca fca/ca.crt --crl big.der
t 0 'revoked: +1000000' '' --env PAIRKIT_CRL_MAX_SIZE=2M -- pk --config limits.toml crl info --max-crl-size 64M big.der
t 2 '' 'more than pairkit reads of a CRL \(4 GiB\)' -- pk crl info --max-crl-size 5G big.der
t 2 '' "invalid size 'lots'" -- pk crl info --max-crl-size lots big.der
t 3 '' "PAIRKIT_CRL_MAX_SIZE: .*invalid size 'lots'" --env PAIRKIT_CRL_MAX_SIZE=lots -- pk crl info big.der
rm -f big.der big.json same.der alike.pem

# --- cert verify
t 0 'gate.crt: OK \(CN=term-0001 <- CN=Fleet CA\), purpose server' '' -- pk cert verify gate.crt --ca fca/ca.crt --crl crl.pem --purpose server
t 1 '' 'revoked on .* keyCompromise' -- pk cert verify o.crt --ca fca/ca.crt --crl crl.pem
t 1 '' 'wrong purpose' -- pk cert verify gate.crt --ca fca/ca.crt --purpose client
t 1 '' 'expired' -- pk cert verify e.crt --ca eca/ca.crt --at 2099-01-01T00:00:00Z
t 1 '' 'not yet valid' -- pk cert verify e.crt --ca eca/ca.crt --at 2000-01-01T00:00:00Z
t 1 '' 'unknown issuer' -- pk cert verify e.crt --ca fca/ca.crt
t 1 '"valid": false' 'unknown issuer' -- pk --json cert verify e.crt --ca fca/ca.crt
python3 -c '
d=open("gate.crt").read().split("\n"); body="".join(d[1:-2]); import base64
b=bytearray(base64.b64decode(body)); b[-5]^=1
open("badsig.der","wb").write(bytes(b))'
t 1 '' 'bad signature' -- pk cert verify badsig.der --ca fca/ca.crt
# An intermediate from the pairkit CA signing a terminal: chain in the CERT file.
pk -q ca init --dir ica --cn placeholder $(ca_index ica) >/dev/null && cp n.key ica/ca.key && cp int.crt ica/ca.crt
t 0 '' '' -- pk ca sign --dir ica r3.csr -o leaf.crt
cat leaf.crt int.crt >chain.pem
t 0 'OK \(CN=term-003 <- CN=nosan <- CN=Fleet CA\)' '' -- pk cert verify chain.pem --ca fca/ca.crt --purpose client
t 1 '' 'unknown issuer' -- pk cert verify leaf.crt --ca fca/ca.crt
check "openssl agrees on the chain" openssl verify -CAfile fca/ca.crt -untrusted int.crt leaf.crt

# --- openssl ca as the CA: pairkit understands its certificates and CRLs
mkdir -p ossl/newcerts && touch ossl/index.txt && echo 1000 >ossl/serial && echo 01 >ossl/crlnumber
cat >ossl/ca.cnf <<'CNF'
[ca]
default_ca = CA_default
[CA_default]
dir = ossl
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
crl_extensions = crl_ext
[policy_any]
commonName = supplied
[v3_client]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
[crl_ext]
authorityKeyIdentifier = keyid
CNF
openssl req -x509 -newkey rsa:2048 -nodes -keyout ossl/ca.key -out ossl/ca.crt -subj '/CN=OpenSSL CA' -days 30 2>/dev/null
for n in a b; do
  openssl req -new -newkey rsa:2048 -nodes -keyout ossl/$n.key -out ossl/$n.csr -subj /CN=ossl-$n 2>/dev/null
  openssl ca -batch -config ossl/ca.cnf -extensions v3_client -in ossl/$n.csr -out ossl/$n.crt 2>/dev/null
done
openssl ca -config ossl/ca.cnf -revoke ossl/a.crt -crl_reason keyCompromise 2>/dev/null
openssl ca -gencrl -config ossl/ca.cnf -crlexts crl_ext -out ossl/crl.pem 2>/dev/null
check "openssl ca made its CRL" test -s ossl/crl.pem
t 0 'ossl/b.crt: OK' '' -- pk cert verify ossl/b.crt --ca ossl/ca.crt --crl ossl/crl.pem --purpose client
t 1 '' 'revoked on .*keyCompromise' -- pk cert verify ossl/a.crt --ca ossl/ca.crt --crl ossl/crl.pem
t 1 'ossl/a.crt: REVOKED.*keyCompromise' '' -- pk crl check --crl ossl/crl.pem --ca ossl/ca.crt ossl/a.crt ossl/b.crt
t 0 'CRL number: +1' '' -- pk crl info ossl/crl.pem

# --- corrupt index database
if [[ $ENGINE == sqlite ]]; then
  cp -r fca broken && rm -f broken/index.db-wal broken/index.db-shm
  head -c 4096 /dev/urandom >broken/index.db
  t 3 '' 'broken/index.db is not a usable index database|not a pairkit CA index' -- pk ca list --dir broken
  t 3 '' 'broken/index.db' -- pk ca sign --dir broken r1.csr -o broken.crt
  absent broken.crt
  rm broken/index.db
  t 3 '' 'index database broken/index.db is missing' -- pk ca revoke --dir broken 01
else
  skip 'a corrupt or missing index file' 'SQLite only: about files'
  # Their PostgreSQL counterparts: the index's database without the index, an
  # index from a newer pairkit, the server stopped. Nothing is signed.
  pk -q ca init --dir nca --cn 'No Index CA' $(ca_index nca) >/dev/null
  index_sql nca 'DROP SCHEMA pairkit_ca CASCADE'
  t 3 '' 'holds no .*CA index' -- pk ca list --dir nca
  t 3 '' 'holds no .*CA index' -- pk ca sign --dir nca r1.csr -o nca.crt
  absent nca.crt
  pk -q ca init --dir fuca --cn 'Future CA' $(ca_index fuca) >/dev/null
  index_sql fuca 'UPDATE schema_version SET version = 9'
  t 3 '' 'schema version 9; this pairkit knows up to 3' -- pk ca sign --dir fuca r1.csr -o fuca.crt
  absent fuca.crt
  check 'stop_pg' stop_pg
  t 3 '' 'ca_fca' -- bounded 20 64 pk ca sign --dir fca r1.csr -o down.crt
  absent down.crt
  check 'restart_pg' restart_pg
  t 0 '' '' -- pk ca sign --dir fca r1.csr -o down.crt
fi

# --- parallel signing: 4 processes x 20 requests -> 80 certificates, 80 distinct serials
pk -q ca init --dir pca --cn 'Parallel CA' $(ca_index pca) >/dev/null
for p in 1 2 3 4; do
  mkdir -p in$p
  for i in $(seq 1 20); do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -out in$p/t$p-$i.csr -subj /CN=t$p-$i 2>/dev/null
  done
done
check "4 parallel ca sign processes all succeed" bash -c '
  pids=(); for p in 1 2 3 4; do pk -q ca sign --dir pca in$p/*.csr --out-dir out$p & pids+=($!); done
  rc=0; for pid in "${pids[@]}"; do wait $pid || rc=1; done; exit $rc'
check "80 certificates, 80 distinct serials, all in the index" bash -c '
  [ $(ls out*/*.crt | wc -l) -eq 80 ] &&
  [ $(for f in out*/*.crt; do openssl x509 -in $f -noout -serial; done | sort -u | wc -l) -eq 80 ] &&
  [ $(index_sql pca "select count(distinct serial) from certs") -eq 80 ] &&
  for f in out*/*.crt; do s=$(openssl x509 -in $f -noout -serial | cut -d= -f2);
    [ "$(index_sql pca "select count(*) from certs where serial = '"'"'$s'"'"' and delivered = 1")" = 1 ] || exit 1; done'

# --- a batch of three chunks (200, 200, 1), the files written while the next chunk is signed
pk -q ca init --dir bca --cn 'Batch CA' $(ca_index bca) >/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out b.key 2>/dev/null
mkdir -p bin
for i in $(seq 1 401); do openssl req -new -key b.key -out bin/b$i.csr -subj /CN=b$i 2>/dev/null; done
t 0 '' 'signed 401 certificates into bout' -- bash -c 'pk ca sign --dir bca bin/*.csr --out-dir bout'
check "401 certificates, no temporary file left, their serials are exactly the index's" bash -c '
  [ $(ls -A bout | wc -l) -eq 401 ] &&
  diff <(for f in bout/*.crt; do openssl x509 -in $f -noout -serial | cut -d= -f2; done | sort) \
       <(index_sql bca "select serial from certs" | sort)'
check "certificates of the first and the last chunk verify" openssl verify -CAfile bca/ca.crt bout/b1.crt bout/b401.crt

# --- signed but not written: recorded, flagged by ca list, delivered or revoked later
pk -q ca init --dir uca --cn 'Undelivered CA' $(ca_index uca) >/dev/null
mkdir -p ubatch/u2.crt && touch ubatch/u2.crt/keep  # a folder where u2.crt should go: its rename fails after signing
for i in 1 2 3; do cp r1.csr u$i.csr; done
t 3 '' 'cannot write ubatch/u2.crt: Is a directory; 2 signed certificate\(s\) recorded in the index but not written .*ca deliver --dir uca.*ca revoke --dir uca --undelivered' -- pk ca sign --dir uca u1.csr u2.csr u3.csr --out-dir ubatch --force
t 3 '' 'cannot write nodir/x.crt: .*1 signed certificate\(s\) recorded in the index but not written' -- pk ca sign --dir uca u1.csr -o nodir/x.crt
t 0 '\[issued, not written: ubatch/u2.crt\]' '3 issued but not written' -- pk ca list --dir uca
t 0 '' '^3 undelivered certificate' -- pk ca list --dir uca --undelivered
check "ca list --json: delivered and delivered_to for every entry" bash -c '
  pk --json ca list --dir uca | python3 -c "
import json, sys
rows = json.load(sys.stdin)
assert len(rows) == 4, rows
waiting = sorted(r[\"delivered_to\"] for r in rows if not r[\"delivered\"])
assert waiting == [\"nodir/x.crt\", \"ubatch/u2.crt\", \"ubatch/u3.crt\"], waiting
assert [r[\"delivered_to\"] for r in rows if r[\"delivered\"]] == [\"ubatch/u1.crt\"]"'
t 2 '' 'give --revoked or --undelivered' -- pk ca list --dir uca --revoked --undelivered
rm -rf ubatch/u2.crt
t 3 '' 'cannot write nodir/x.crt.* of 3 certificate\(s\) delivered' -- pk ca deliver --dir uca
mkdir nodir
t 0 '' 'delivered' -- pk ca deliver --dir uca
check "delivered certificates are the index's, and verify" bash -c '
  for f in ubatch/u1.crt ubatch/u2.crt ubatch/u3.crt nodir/x.crt; do
    openssl verify -CAfile uca/ca.crt $f >/dev/null || exit 1
    s=$(openssl x509 -in $f -noout -serial | cut -d= -f2)
    [ "$(index_sql uca "select delivered from certs where serial = '"'"'$s'"'"'")" = 1 ] || exit 1
  done'
t 0 '' '^0 undelivered certificate' -- pk ca list --dir uca --undelivered
t 0 '' 'nothing to deliver' -- pk ca deliver --dir uca
u1=$(openssl x509 -in ubatch/u1.crt -noout -serial | cut -d= -f2)
t 0 '' "delivered $u1 -> again/u1.crt \(written\)" -- pk ca deliver --dir uca "$u1" --out-dir again
check "a delivered certificate written again is the same certificate" cmp again/u1.crt ubatch/u1.crt
echo theirs >again/u1.crt
t 3 '' 'again/u1.crt exists \(use --force' -- pk ca deliver --dir uca "$u1" --out-dir again
t 0 '' '\(written\)' -- pk ca deliver --dir uca "$u1" --out-dir again --force
check "--force replaced the other file" cmp again/u1.crt ubatch/u1.crt
t 3 '' 'serial 0BADC0FFEE is not in the index' -- pk ca deliver --dir uca 0BADC0FFEE
# An interrupted batch may have put a file in place without recording it: delivery finds it there.
index_sql uca "update certs set delivered = 0 where serial = '$u1'"
t 0 '"status": "in_place"' '' -- pk --json ca deliver --dir uca
# Revoking what was never written.
cp u1.csr u4.csr
t 3 '' '1 signed certificate' -- pk ca sign --dir uca u4.csr -o nodir2/u4.crt
t 0 'revoked \(cessationOfOperation\)' '' -- pk ca revoke --dir uca --undelivered --reason cessationOfOperation
t 0 '' '^0 undelivered certificate' -- pk ca list --dir uca --undelivered
t 0 '' 'nothing revoked' -- pk ca revoke --dir uca --undelivered
