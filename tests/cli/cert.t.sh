# cert self-sign | request | info — profiles, SANs (IPv6), validity, openssl as the oracle, error paths.
pk -q key gen -o ec.key
pk -q key gen --type rsa2048 -o rsa.key
pk -q key gen --type ed25519 -o ed.key
echo pw >pass.txt
pk -q key gen -o enc.key --passphrase-file pass.txt

t 0 '' '' -- pk cert self-sign --key ec.key --cn gate --profile server --san dns:gate.local --san ip:fd00::1 --san ip:10.0.0.1 -o server.crt
check "openssl shows the IPv6 and IPv4 SANs" bash -c 'openssl x509 -in server.crt -noout -text | grep -q "IP Address:FD00:0:0:0:0:0:0:1, IP Address:10.0.0.1"'
check "server profile: serverAuth only" bash -c 'openssl x509 -in server.crt -noout -ext extendedKeyUsage | grep -qx " *TLS Web Server Authentication"'
t 0 '' '' -- pk cert self-sign --key rsa.key --cn term --profile device -o device.crt
check "device profile: both EKUs, RSA keyEncipherment" bash -c 'openssl x509 -in device.crt -noout -text | grep -q "TLS Web Server Authentication, TLS Web Client Authentication" && openssl x509 -in device.crt -noout -ext keyUsage | grep -q "Key Encipherment"'
t 0 '' '' -- pk cert self-sign --key ed.key --cn client --profile client -o client.crt
check "client profile: clientAuth" bash -c 'openssl x509 -in client.crt -noout -ext extendedKeyUsage | grep -qx " *TLS Web Client Authentication"'
t 0 '' '' -- pk cert self-sign --key ec.key --cn 'Fleet CA' --profile ca --org 'Example Canteens' --country NL -o ca.crt
check "openssl verify accepts the ca profile against itself" openssl verify -CAfile ca.crt ca.crt
check "ca profile: CA:TRUE, keyCertSign, cRLSign" bash -c 'openssl x509 -in ca.crt -noout -text | grep -q "CA:TRUE" && openssl x509 -in ca.crt -noout -ext keyUsage | grep -q "Certificate Sign, CRL Sign"'
check "subject fields" bash -c 'openssl x509 -in ca.crt -noout -subject | grep -q "C = NL, O = Example Canteens, CN = Fleet CA"'
# openssl prints a negative serial with a leading '-'; a positive one may start with any hex digit
# (a 15-byte serial 0x9F... is positive: DER adds the zero byte).
check "positive serial of at least 64 bits" bash -c 's=$(openssl x509 -in ca.crt -noout -serial | cut -d= -f2); [[ $s != -* ]] && python3 -c "import sys; assert int(sys.argv[1], 16).bit_length() >= 64" "$s"'
check "SKI and AKI present" bash -c 'openssl x509 -in ca.crt -noout -text | grep -q "Subject Key Identifier" && openssl x509 -in ca.crt -noout -text | grep -q "Authority Key Identifier"'

# Validity: --valid-for with the clock seam gives exact dates.
t 0 '' '' --env PAIRKIT_TEST_NOW=2026-01-05T09:00:00Z -- pk cert self-sign --key ec.key --cn week --valid-for 7d -o week.crt
check "notBefore/notAfter from the clock seam" bash -c 'openssl x509 -in week.crt -noout -dates | tr "\n" " " | grep -q "notBefore=Jan  5 09:00:00 2026 GMT notAfter=Jan 12 09:00:00 2026 GMT"'
t 0 '' '' -- pk cert self-sign --key enc.key --passphrase-file pass.txt --cn enc -o enc.crt

# Requests.
t 0 '' '' -- pk cert request --key ec.key --cn term-0042 --san ip:fd00::42 --san dns:term-0042.local -o term.csr
check "openssl verifies the CSR and sees its SANs" bash -c 'openssl req -in term.csr -noout -verify 2>&1 | grep -q "verify OK" && openssl req -in term.csr -noout -text | grep -q "IP Address:FD00:0:0:0:0:0:0:42"'
t 0 'signature: .*\(valid\)' '' -- pk cert info term.csr

# info: PEM, DER, bundles, JSON, openssl-made certificates.
t 0 'subject: +CN=gate' '' -- pk cert info server.crt
t 0 'SANs: +dns:gate.local, ip:fd00::1, ip:10.0.0.1' '' -- pk cert info server.crt
openssl x509 -in server.crt -outform der -out server.der
t 0 'subject: +CN=gate' '' -- pk cert info server.der
cat server.crt ca.crt >bundle.pem
t 0 '# bundle.pem \[1\]' '' -- pk cert info bundle.pem
check "JSON: an array with one object per certificate" bash -c 'pk --json cert info bundle.pem | python3 -c "
import json,sys; d=json.load(sys.stdin); assert [x[\"index\"] for x in d]==[0,1]; assert d[1][\"is_ca\"] and d[0][\"sans\"][1]==\"ip:fd00::1\""'
openssl req -x509 -newkey rsa:2048 -nodes -keyout o.key -out o.crt -subj "/O=OpenSSL Made/CN=osl" -addext "subjectAltName=IP:2001:db8::7" -days 3 2>/dev/null
t 0 'SANs: +ip:2001:db8::7' '' -- pk cert info o.crt
check "cert info's serial equals openssl's" bash -c '[ "$(pk --json cert info o.crt | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"serial\"])")" = "$(openssl x509 -in o.crt -noout -serial | cut -d= -f2)" ]'

# Bad input: one line, the contract's exit code, nothing written.
t 2 '' "invalid SAN 'ip:999.1.1.1'" -- pk cert self-sign --key ec.key --cn x --san ip:999.1.1.1 -o bad.crt
t 2 '' "invalid duration '7x'" -- pk cert self-sign --key ec.key --cn x --valid-for 7x -o bad.crt
t 2 '' '' -- pk cert self-sign --key ec.key --cn x --profile intermediate -o bad.crt
t 2 '' 'two-letter' -- pk cert self-sign --key ec.key --cn x --country Netherlands -o bad.crt
t 2 '' '--cn is required' -- pk cert self-sign --key ec.key -o bad.crt
absent bad.crt
t 3 '' 'server.crt exists' -- pk cert self-sign --key ec.key --cn x -o server.crt
t 2 '' 'excludes' -- pk cert self-sign --key enc.key --passphrase-env NOPE_UNSET --passphrase-file pass.txt --cn x -o bad.crt
echo nope >wrong.txt
t 3 '' 'wrong passphrase' -- pk cert self-sign --key enc.key --passphrase-file wrong.txt --cn x -o bad.crt
t 3 '' 'certificate where a key is needed|private key' -- pk cert self-sign --key server.crt --cn x -o bad.crt
absent bad.crt
t 3 '' 'cannot open missing.crt' -- pk cert info missing.crt
head -c 400 server.crt >trunc.crt
t 3 '' 'truncated' -- pk cert info trunc.crt
printf '\x30\x82\x01\x00garbage' >garbage.der
t 3 '' 'garbage.der' -- pk cert info garbage.der
t 3 '' 'private key where a certificate or request is needed' -- pk cert info ec.key

# Input limits (pairkit(1), INPUT LIMITS): refused while reading, in small
# memory. cert info read up to 1 GiB of /dev/zero before refusing it.
truncate -s 2G sparse.pem
t 3 '' '^pairkit: error: sparse.pem is larger than 16 MiB$' -- timeout 60 "$PAIRKIT" cert info sparse.pem
t 3 '' '^pairkit: error: /dev/zero is larger than 16 MiB$' -- bounded 60 64 pk cert info /dev/zero
t 3 '' '/dev/zero is larger than 16 MiB' -- timeout 60 "$PAIRKIT" cert verify /dev/zero --ca server.crt
t 3 '' '/dev/zero is larger than 16 MiB' -- timeout 60 "$PAIRKIT" fingerprint /dev/zero
t 3 '' '^pairkit: error: standard input is larger than 1 MiB$' --stdin /dev/zero -- timeout 60 "$PAIRKIT" key pub -
t 3 '' 'sparse.pem is larger than 1 MiB' -- pk cert self-sign --key sparse.pem --cn x -o bad.crt
absent bad.crt
rm -f sparse.pem
