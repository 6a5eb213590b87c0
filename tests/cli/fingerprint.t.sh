# fingerprint — equal to openssl's, every format, bundles, stdin, error paths.
openssl req -x509 -newkey rsa:2048 -nodes -keyout o.key -out o.crt -subj /CN=openssl-made -days 2 2>/dev/null
pk -q key gen -o d.key
pk -q cert self-sign --key d.key --cn dev -o d.crt
cat o.crt d.crt >bundle.pem

for c in o.crt d.crt; do
  check "sha256 of $c equals openssl's" bash -c "[ \"\$(pk fingerprint $c)\" = \"\$(openssl x509 -in $c -noout -fingerprint -sha256 | cut -d= -f2)\" ]"
  check "sha1 of $c equals openssl's" bash -c "[ \"\$(pk fingerprint --hash sha1 $c)\" = \"\$(openssl x509 -in $c -noout -fingerprint -sha1 | cut -d= -f2)\" ]"
  check "spki pin of $c equals openssl's pipeline" bash -c "[ \"\$(pk fingerprint --of spki --format pin $c)\" = \"sha256//\$(openssl x509 -in $c -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)\" ]"
done
openssl x509 -in o.crt -outform der -out o.der
check "DER input equals PEM input" bash -c '[ "$(pk fingerprint o.der)" = "$(pk fingerprint o.crt)" ]'
check "stdin input" bash -c '[ "$(pk fingerprint - <o.crt)" = "$(pk fingerprint o.crt)" ]'
t 0 '  bundle.pem\[1\]$' '' -- pk fingerprint bundle.pem
t 0 '^[0-9a-f]{64}$' '' -- pk fingerprint --format hex d.crt
t 0 '^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$' '' -- pk fingerprint --format base32 d.crt
t 0 '"spki_pin": "sha256//' '' -- pk --json fingerprint --format all bundle.pem
check "--format all gives file/index/sha256/sha1/spki_pin/base32" bash -c 'pk --json fingerprint --format all bundle.pem | python3 -c "
import json,sys
d=json.load(sys.stdin); assert len(d)==2 and d[1][\"index\"]==1
assert set(d[0])=={\"file\",\"index\",\"sha256\",\"sha1\",\"spki_pin\",\"base32\"}, d[0]"'
pk cert request --key d.key --cn dev -o d.csr 2>/dev/null
check "a CSR's SPKI equals its key's" bash -c '[ "$(pk fingerprint d.csr)" = "$(pk fingerprint --of spki d.crt)" ]'
check "a key's SPKI equals its certificate's" bash -c '[ "$(pk fingerprint d.key)" = "$(pk fingerprint --of spki d.crt)" ]'

t 3 '' 'certificate request where a certificate is needed' -- pk fingerprint --of cert d.csr
t 2 '' 'needs --hash sha256' -- pk fingerprint --hash sha1 --format pin d.crt
t 2 '' '' -- pk fingerprint --hash md5 d.crt
t 3 '' 'cannot open nope.crt' -- pk fingerprint nope.crt
printf 'not a certificate\n' >junk.txt
t 3 '' 'junk.txt' -- pk fingerprint junk.txt
head -c 300 d.crt >trunc.crt
t 3 '' 'truncated' -- pk fingerprint trunc.crt
head -c 200 o.der >trunc.der
t 3 '' 'trunc.der' -- pk fingerprint trunc.der
: >empty.crt
t 3 '' 'empty.crt is empty' -- pk fingerprint empty.crt
