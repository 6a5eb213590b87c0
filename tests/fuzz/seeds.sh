#!/usr/bin/env bash
# Makes the seed corpus of every fuzz target (tests/fuzz/meson.build) from
# real files: what pairkit writes, what openssl, age, qrencode and
# ImageMagick write, and ../shared/testdata (the age test kit, ZXing-cpp's
# QR samples; skipped with a note when missing). Deterministic where the
# tools allow (pairkit's test seams: PAIRKIT_TEST_SEED, PAIRKIT_TEST_NOW).
# Usage: tests/fuzz/seeds.sh PAIRKIT_BINARY OUT_DIR   (writes only in OUT_DIR)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pk_bin=$(realpath "$1")
out=$(realpath -m "$2")
rm -rf "$out"
mkdir -p "$out"
work=$out/.work
mkdir -p "$work"
cd "$work"
export PAIRKIT_TEST_SEED=1 PAIRKIT_TEST_NOW=2026-06-01T00:00:00Z ASAN_OPTIONS=detect_leaks=0
pk() { "$pk_bin" "$@" >/dev/null; }
# put TARGET FILE...: copies files into a target's corpus, named after their content.
put() {
  local target=$1; shift
  mkdir -p "$out/$target"
  local f
  for f in "$@"; do
    [[ -f $f ]] && cp "$f" "$out/$target/$(sha1sum <"$f" | cut -c1-16)"
  done
  return 0
}

# Keys, certificates, requests and CRLs: pairkit's, then openssl's, in PEM and DER.
pk device init --serial SEED-1 --dir dev --san dns:seed-1.local --san ip:192.0.2.7
for t in p256 p384 ed25519 rsa2048; do
  pk key gen --type "$t" -o "key-$t.pem"
  pk key pub "key-$t.pem" -o "pub-$t.pem"
  pk cert request --key "key-$t.pem" --cn "seed-$t" --san "dns:seed-$t.local" -o "req-$t.csr"
done
pk ca init --dir ca --cn 'Seed CA' --org Example
pk ca sign --dir ca req-p256.csr -o signed-p256.pem
pk ca sign --dir ca req-ed25519.csr -o signed-ed25519.pem
pk ca revoke --dir ca --cert signed-p256.pem --reason keyCompromise
pk crl issue --dir ca -o crl-pairkit.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ossl-key.pem -out ossl-cert.pem \
  -subj '/CN=openssl seed/O=Example' -days 30 -addext 'subjectAltName=DNS:seed.example,IP:::1' 2>/dev/null
openssl req -new -key ossl-key.pem -out ossl-req.csr -subj '/CN=openssl request' 2>/dev/null
openssl genpkey -algorithm ed25519 -out ossl-ed25519.pem 2>/dev/null
openssl pkcs8 -topk8 -in ossl-key.pem -v2 aes-256-cbc -passout pass:seed -out ossl-key-enc.pem 2>/dev/null
mkdir -p ossl-ca && : >ossl-ca/index.txt && echo 01 >ossl-ca/crlnumber
cat >ossl-ca.cnf <<'CNF'
[ca]
default_ca = seed
[seed]
database = ossl-ca/index.txt
crlnumber = ossl-ca/crlnumber
default_md = sha256
default_crl_days = 7
CNF
openssl ca -config ossl-ca.cnf -gencrl -keyfile ossl-key.pem -cert ossl-cert.pem -out crl-openssl.pem 2>/dev/null
for f in dev/cert.pem signed-*.pem ossl-cert.pem; do openssl x509 -in "$f" -outform DER -out "${f//\//-}.der"; done
for f in req-*.csr ossl-req.csr; do openssl req -in "$f" -outform DER -out "$f.der"; done
for f in crl-*.pem; do openssl crl -in "$f" -outform DER -out "$f.der"; done
for f in key-p256.pem key-ed25519.pem ossl-key.pem; do openssl pkey -in "$f" -outform DER -out "$f.der"; done
for f in pub-p256.pem pub-rsa2048.pem; do openssl pkey -pubin -in "$f" -outform DER -out "$f.der"; done
cat dev/cert.pem ca/ca.crt >bundle.pem
certs=(dev/cert.pem ca/ca.crt signed-*.pem ossl-cert.pem ./*cert*.der signed-*.der bundle.pem)
csrs=(req-*.csr ossl-req.csr ./*.csr.der)
crls=(crl-*.pem crl-*.der)
keys=(key-*.pem pub-*.pem ossl-key.pem ossl-ed25519.pem ossl-key-enc.pem key-*.der pub-*.der ossl-key.pem.der dev/key.pem)
put objects "${certs[@]}" "${csrs[@]}" "${crls[@]}" "${keys[@]}"
put certificate "${certs[@]}"
put csr "${csrs[@]}"
put crl "${crls[@]}"
put key "${keys[@]}" dev/cert.pem req-p256.csr
# Certs-only PKCS#7 as EST carries it: openssl's DER, its base64 (LF lines) and pairkit's CRLF form.
openssl crl2pkcs7 -nocrl -certfile dev/cert.pem -certfile ca/ca.crt -outform DER -out est-two.p7b
openssl crl2pkcs7 -nocrl -certfile ossl-cert.pem -outform DER -out est-one.p7b
openssl base64 -in est-two.p7b -out est-two.b64
openssl base64 -in est-one.p7b | sed 's/$/\r/' >est-one-crlf.b64
put est_pkcs7 est-two.p7b est-one.p7b est-two.b64 est-one-crlf.b64
# EST request bodies: base64 of a DER PKCS#10, as curl posts openssl's (LF lines) and as pairkit's client does (CRLF).
openssl base64 -in ossl-req.csr.der -out est-req-ossl.b64
openssl base64 -in req-p256.csr.der | sed 's/$/\r/' >est-req-p256.b64
openssl base64 -A -in req-ed25519.csr.der -out est-req-ed25519.b64
put est_request est-req-ossl.b64 est-req-p256.b64 est-req-ed25519.b64

# Restore points: pairkit's, binary and armored, opened with age; age's own files.
pk backup keygen -o backup-id.txt
recipient=$(grep -o 'age1[a-z0-9]*' backup-id.txt)
pk backup create --from dev -o dev.age --recipient "$recipient"
pk backup create --from dev -o dev-armored.age --armor --recipient "$recipient"
age -d -i backup-id.txt -o dev.tar dev.age
mkdir -p unpacked && tar -xf dev.tar -C unpacked
cat bundle.pem crl-pairkit.pem ossl-req.csr >payload.bin
age -r "$recipient" -o age-binary.age payload.bin
age -a -r "$recipient" -o age-armored.age payload.bin
tar --format=ustar -cf gnu-ustar.tar -C dev .
put tar dev.tar gnu-ustar.tar
put manifest unpacked/manifest.toml
put armor dev-armored.age age-armored.age
put age_header dev.age dev-armored.age age-binary.age age-armored.age
# The STREAM target reads payloads behind a header for its fixed identity
# (age_fixture.cpp: the X25519 secret of 32 bytes 0x42): empty, one chunk,
# several chunks (64 KiB each).
fixed_identity=$(python3 - <<'PY'
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
def polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk
def encode(hrp, data):
    acc, bits, out = 0, 0, []
    for b in data:
        acc = (acc << 8) | b; bits += 8
        while bits >= 5:
            bits -= 5; out.append((acc >> bits) & 31)
    if bits: out.append((acc << (5 - bits)) & 31)
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + out
    pm = polymod(values + [0] * 6) ^ 1
    return hrp + "1" + "".join(CHARSET[c] for c in out + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])
print(encode("age-secret-key-", bytes([0x42] * 32)).upper())
PY
)
echo "$fixed_identity" >fixed-id.txt
fixed_recipient=$(age-keygen -y fixed-id.txt)
: >empty.bin
head -c 140000 /dev/zero | tr '\0' 'p' >large.bin
for f in empty.bin payload.bin large.bin; do
  age -r "$fixed_recipient" -o "fixed-$f.age" "$f"
  python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); i=d.index(b"\n--- "); open(sys.argv[2],"wb").write(d[d.index(b"\n", i+1)+1:])' \
    "fixed-$f.age" "stream-$f"
done
put age_stream stream-*.bin
kit=$src/../shared/testdata/age-testkit
if [[ -d $kit ]]; then
  mkdir -p kit
  # Each test-kit file is a few header lines, a blank line, then the age file.
  for f in "$kit"/*; do
    [[ -f $f && $(basename "$f") != LICENSE* ]] || continue
    python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(d[d.index(b"\n\n")+2:])' \
      "$f" "kit/$(basename "$f")" 2>/dev/null || true
  done
  put age_header kit/*
  put armor kit/armor_*
else
  echo "seeds.sh: $kit is missing: no age test-kit seeds (clone pairkit beside ../shared)" >&2
fi

# Pin stores, sim scripts, configuration files.
pk pin add --store pins.toml --name gate --address gate.local:8443 dev/cert.pem
pk pin add --store pins.toml --name v6 --address '[::1]:443' ossl-cert.pem
put pin_store pins.toml
put sim_script "$src"/examples/sim/*.toml
cat >config-man.toml <<'TOML'
[key]
type = "ed25519"

[subject]
organization = "Example Canteens"
country = "NL"

[device]
valid_for = "520w"
TOML
cat >config-lists.toml <<'TOML'
[cert]
san = ["dns:a.example", "ip:::1"]
valid_for = "30d"
when = 2026-06-01T00:00:00Z
TOML
put config config-*.toml
# The pin store and the manifest are TOML too: each TOML target starts from all of them.
put config pins.toml unpacked/manifest.toml
put manifest pins.toml
put pin_store unpacked/manifest.toml

# A gate's answers (pairkit-gate(1), THE API): pending, paired with CONFIG, closed, an error.
fp=$(grep -o '[0-9A-F:]\{95\}' dev/device.toml | head -1)
printf '%s' '{"id": 17, "state": "pending", "serial": "TERM-0042", "nonce": "00112233445566778899aabbccddeeff", "expires_at": "2026-12-01T00:00:00Z", "poll": "/v1/pair/17"}' >gate-pending.json
printf '%s' '{"id": 17, "state": "paired", "serial": "TERM-0042", "approved_by": "alice", "config": {"serial": "TERM-0042", "master": {"address": "master.example:443", "fingerprint": "'"$fp"'"}, "files": [{"name": "vpn.conf", "mode": "0600", "data_base64": "c2VjcmV0Cg=="}, {"name": "motd", "mode": "0644", "data_base64": ""}]}}' >gate-paired.json
printf '%s' '{"id": 17, "state": "closed", "serial": "TERM-0042", "message": "the request was rejected or it expired"}' >gate-closed.json
printf '%s' '{"error": {"code": "unpaired", "message": "this terminal was unpaired"}}' >gate-error.json
put gate_answer gate-*.json

# What a gate reads from a client: path, content type and body, one per line (gate_request.cpp).
printf '/v1/pair\napplication/json\n{"serial": "TERM-0042"}' >req-join.txt
printf '/v1/pair/17?x=1\nApplication/JSON; charset=utf-8\n{"serial": "TERM-0042", "invite": "ABCDEFGHJKMNPQRS"}' >req-invite.txt
printf '/v1/pair/0017\ntext/plain\n[1, 2]' >req-bad.txt
put gate_request req-*.txt
# What a proxy passes in [check] cert_header: URL-encoded PEM, PEM on one line, base64 DER (check_header.cpp).
python3 -c 'import sys, urllib.parse; sys.stdout.write(urllib.parse.quote(open("dev/cert.pem").read(), safe=""))' >hdr-escaped.txt
tr '\n' ' ' <dev/cert.pem >hdr-oneline.txt
openssl x509 -in ossl-cert.pem -outform DER | base64 -w0 >hdr-der.txt
put check_header hdr-*.txt
# gate.toml: every section.
cat >gate-full.toml <<'TOML'
[gate]
listen = "[::]:7741"
public_address = "gate.example:7741"
registry = "pairing.db"
config_dir = "config"
require_expected = true
log_format = "json"
request_lifetime = "15m"
poll_interval = "5s"
[invites]
valid_for = "10m"
[master]
address = "master.example:443"
fingerprint = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
[limits]
handshake_timeout = "10s"
max_header_bytes = 8192
max_pending = 100
TOML
put gate_config gate-full.toml config-*.toml

# PKCS#11 URIs: RFC 7512 section 3's examples (the refused pin-value and vendor
# attributes too), and the key references pairkit's commands take.
uris=(
  'pkcs11:'
  'pkcs11:object=my-pubkey;type=public'
  'pkcs11:object=my-key;type=private?pin-source=file:/etc/token'
  'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin'
  'pkcs11:object=my-sign-key;type=private?module-name=mypkcs11'
  'pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1'
  'pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin'
  'pkcs11:slot-description=Sun%20Metaslot'
  'pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23'
  'pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;id=%01%02%03%Ba%dd%Ef%00%ff'
  'pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert'
  'pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert'
  'pkcs11:token=my-token;object=my-certificate;type=cert;x-vendor-aaa=value-a?pin-source=file:/etc/token_pin&x-vendor-bbb=value-b'
  'pkcs11:token=terminal;object=device-key;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/pin'
  'PKCS11:model=SoftHSM%20v2;serial=1a2b3c4d;slot-id=0;slot-manufacturer=SoftHSM%20project;object=ca-key;id=%00%ff'
)
for i in "${!uris[@]}"; do printf '%s' "${uris[$i]}" >"uri-$i.txt"; done
put pkcs11_uri uri-*.txt

# An operator's decision and the gate's rules (pairkit-operator(1), pair expect|deny):
# code, serial, fingerprint, address, base32 per line; a code of RFC 6238's key at 1800000000.
printf '%s\n' "$(oathtool --totp -b GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --now '2027-01-15 08:00:00 UTC')" TERM-0042 "$fp" 10.0.0.9 GEZDGNBVGY3TQOJQ >otp-1.txt
printf '%s\n' 12345x 'bad serial' "sha256:$(tr -d : <<<"$fp" | tr A-F a-f)" 2001:0db8:0:0::9 gezdgnbv= >otp-2.txt
printf '%s\n' 000000 '' "${fp:0:40}" ::ffff:10.0.0.1 MZX >otp-3.txt
put totp_input otp-*.txt

# Pairing payloads and images: pairkit's codes, qrencode's, their JPEG and
# PNM forms, and ZXing-cpp's photographed samples (up to the target's size).
pk qr render --host gate.local:8443 --cert dev/cert.pem --id TERM-0042 -o code-pairkit.png
pk qr render --host '[fe80::1]:8443' --cert dev/cert.pem -o code-v6.png
zbarimg -q --raw code-pairkit.png >payload-1.txt 2>/dev/null || true
zbarimg -q --raw code-v6.png >payload-2.txt 2>/dev/null || true
printf '%s' "$(cat payload-1.txt)" >payload-1.txt
printf '%s' "$(cat payload-2.txt)" >payload-2.txt
put qr_payload payload-*.txt
qrencode -o code-qrencode.png "$(cat payload-1.txt)"
convert code-qrencode.png -quality 80 code.jpg
convert code-qrencode.png code.pgm
convert code-qrencode.png code.ppm
convert code-qrencode.png -monochrome code.pbm
convert code-qrencode.png -compress none code-plain.pgm
put image code-*.png code.jpg code.pgm code.ppm code.pbm code-plain.pgm
samples=$src/../shared/testdata/zxing-qr-samples
if [[ -d $samples ]]; then
  mkdir -p zxing && find "$samples" -type f \( -name '*.png' -o -name '*.jpg' \) -size -64k | sort | head -n 60 |
    while read -r f; do cp "$f" "zxing/$(echo "$f" | sha1sum | cut -c1-12)"; done
  put image zxing/*
else
  echo "seeds.sh: $samples is missing: no ZXing-cpp image seeds" >&2
fi

# APDUs (each a length byte and the APDU) and vpcd messages (2-byte length, payload).
select='00 A4 04 00 06 2D 54 45 53 54 70'
apdus=("$select" '00 20 00 00 00' '00 28 00 00 04 00 00 00 64' '00 42 00 00 00' '00 50 00 00' '80 A4 04 00 00')
session=
frames='00 01 01 00 01 04'
for a in "${apdus[@]}"; do
  n=$(wc -w <<<"$a")
  session+=$(printf '%02X ' "$n")"$a "
  frames+=$(printf ' %02X %02X ' $((n >> 8)) $((n & 255)))"$a"
done
frames+=' 00 01 02 00 01 00'
hex() { xxd -r -p <<<"${1// /}"; }
hex "$(printf '%02X ' 11)$select" >apdu-select.bin
hex "$session" >apdu-session.bin
hex "$frames" >vpcd-session.bin
hex '00 01 01 00 01 04 00 01 00' >vpcd-power.bin
put apdu apdu-*.bin
put vpcd vpcd-*.bin

rm -rf "$work"
for d in "$out"/*/; do printf '%s %s\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"; done
