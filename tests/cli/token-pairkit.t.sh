# pairkit on real tokens (token-lib.sh: SoftHSM2, the TPM module on swtpm), pkcs11-tool and
# openssl the oracles: token keys, what they sign, PIN sources, each bad input's one line.
lib_dir=$(dirname "${BASH_SOURCE[0]}")
source "$lib_dir/token-lib.sh"

# peer_pub MODULE TOKEN LABEL OUT: the public key pkcs11-tool reads out, as PEM.
peer_pub() {
  pkcs11-tool --module "$1" --token-label "$2" --read-object --type pubkey --label "$3" -o "$4.der" >/dev/null 2>&1 &&
    openssl pkey -pubin -inform DER -in "$4.der" -out "$4"
}
# spki_sha256 PEM: the SHA-256 of a public key's SPKI, as pairkit writes it.
spki_sha256() {
  openssl pkey -pubin -in "$1" -outform DER | openssl dgst -sha256 -binary | od -An -tx1 -v |
    tr -d ' \n' | tr a-f A-F | sed 's/../&:/g; s/:$//'
}
# privkeys MODULE TOKEN LABEL PIN: how many private keys carry that label.
privkeys() { p11_obj "$1" "$2" privkey "$3" "$4" | grep -c '^Private Key Object'; }
# lockout_count: the TPM's dictionary-attack counter (wrong PINs since tpm_unlock).
lockout_count() { tpm2_getcap properties-variable | awk '$1 == "TPM2_PT_LOCKOUT_COUNTER:" {print $2}'; }
# no_files DIR: DIR holds no files (a command refused left nothing in it).
no_files() { [[ -z $(find "$1" -type f 2>/dev/null) ]]; }
export -f peer_pub spki_sha256 p11_obj

printf '0000\n' >wrong.pin
pk -q device init --serial TERM-1 --dir term >/dev/null
pk -q cert request --key term/key.pem --cn TERM-1 -o term.csr
for i in 1 2 3 4 5; do pk -q cert request --key term/key.pem --cn "TERM-1$i" -o "batch$i.csr"; done

# token_rows NAME MODULE TOKEN PIN_FILE TYPE...: the rows both tokens pass;
# TYPEs are the key types the token has (CA keys, certificates, CRLs).
token_rows() {
  local name=$1 m=$2 tok=$3 pinf=$4 pin ty
  shift 4
  pin=$(token_pin "$pinf")
  local p=(--pkcs11-module "$m" --pin-file "$pinf")

  # key gen --token: the key is in the token, sensitive, never extractable,
  # labelled; pairkit reads its public part as pkcs11-tool does (no PIN: the
  # public object is visible without a login).
  t 0 "^pkcs11:token=$tok;object=dev;type=private;id=(%[0-9A-F]{2}){16}\$" '' -- \
    pk key gen --token "pkcs11:token=$tok;object=dev" --type p256 "${p[@]}"
  local dev=$OUT
  t 0 'Access: +sensitive, always sensitive, never extractable' '' -- p11_obj "$m" "$tok" privkey dev "$pin"
  check "$name: key gen made one private key labelled dev" test "$(privkeys "$m" "$tok" dev "$pin")" = 1
  check "$name: pkcs11-tool reads its public key out" peer_pub "$m" "$tok" dev "$name-dev.pem"
  t 0 '' '' -- pk key pub "$dev" --pkcs11-module "$m" -o "$name-dev.pk.pem"
  check "$name: key pub of the URI is pkcs11-tool's SPKI" cmp "$name-dev.pk.pem" "$name-dev.pem"
  t 0 "^spki sha256: $(spki_sha256 "$name-dev.pem")\$" '' -- pk key info "$dev" --pkcs11-module "$m"
  t 0 '"uri": "pkcs11:' '' -- pk --json key gen --token "pkcs11:token=$tok;object=dev2" --type p256 "${p[@]}"
  check "$name: key gen --json's uri, type and spki are the token's" bash -c '
    read -r uri type sha pin < <(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d[\"uri\"], d[\"type\"], d[\"spki_sha256\"], d[\"spki_pin\"])" "$1")
    peer_pub "$2" "$3" dev2 dev2.pem &&
    [[ $type == p256 && $sha == "$(spki_sha256 dev2.pem)" && $uri == "pkcs11:token=$3;object=dev2;type=private;id="* ]] &&
    [[ $pin == "sha256//$(openssl pkey -pubin -in dev2.pem -outform DER | openssl dgst -sha256 -binary | base64)" ]]' \
    _ "$OUT" "$m" "$tok"

  # A key pkcs11-tool made: pairkit reads what the peer wrote, and signs with it.
  check "$name: pkcs11-tool makes a key" token_keygen "$m" "$pinf" peer 0a p256 "$tok"
  check "$name: pkcs11-tool reads the peer key out" peer_pub "$m" "$tok" peer "$name-peer.pem"
  t 0 '' '' -- pk key pub "pkcs11:token=$tok;object=peer" --pkcs11-module "$m" -o "$name-peer.pk.pem"
  check "$name: key pub of the peer's key is its SPKI" cmp "$name-peer.pk.pem" "$name-peer.pem"
  t 0 "^spki sha256: $(spki_sha256 "$name-peer.pem")\$" '' -- pk key info "pkcs11:token=$tok;id=%0a;type=private" "${p[@]}"
  t 0 '' '' -- pk cert self-sign --key "pkcs11:token=$tok;object=peer" --cn peer -o "$name-peer.crt" "${p[@]}"
  t 0 ': OK$' '' -- openssl verify -CAfile "$name-peer.crt" "$name-peer.crt"

  # Each key type the token has: a self-signed certificate, a CSR, and a CA
  # whose certificates and CRLs openssl accepts.
  for ty in "$@"; do
    t 0 "^pkcs11:token=$tok;object=ca-$ty;" '' -- pk key gen --token "pkcs11:token=$tok;object=ca-$ty" --type "$ty" "${p[@]}"
    local key=$OUT dir=$name-ca-$ty
    t 0 '' '' -- pk cert self-sign --key "$key" --cn "self $ty" -o "$name-$ty.crt" "${p[@]}"
    t 0 ': OK$' '' -- openssl verify -CAfile "$name-$ty.crt" "$name-$ty.crt"
    check "$name: the $ty certificate holds the token's public key" \
      bash -c 'diff <(openssl x509 -in "$1" -noout -pubkey) <(pk key pub "$2" --pkcs11-module "$3")' _ "$name-$ty.crt" "$key" "$m"
    t 0 '' '' -- pk cert request --key "$key" --cn "req $ty" -o "$name-$ty.csr" "${p[@]}"
    t 0 '' 'verify OK' -- openssl req -in "$name-$ty.csr" -verify -noout
    t 0 "^key: +pkcs11:token=$tok;object=ca-$ty;.* \\(in the token\\)\$" '' -- \
      pk ca init --dir "$dir" --cn "CA $ty" --key "$key" "${p[@]}"
    check "$name: ca.toml records the $ty key's URI" grep -qxF "key = '$key'" "$dir/ca.toml"
    absent "$dir/ca.key"
    t 0 '' '' -- pk ca sign --dir "$dir" term.csr -o "$name-term-$ty.crt" "${p[@]}"
    t 0 ': OK$' '' -- openssl verify -CAfile "$dir/ca.crt" -purpose sslclient "$name-term-$ty.crt"
    t 0 '' '' -- pk ca revoke --dir "$dir" --cert "$name-term-$ty.crt" --reason keyCompromise
    t 0 '' '' -- pk crl issue --dir "$dir" -o "$name-$ty.crl" "${p[@]}"
    t 0 '' '^verify OK$' -- openssl crl -in "$name-$ty.crl" -CAfile "$dir/ca.crt" -noout
    check "$name: the $ty CRL lists the revoked certificate" bash -c \
      'openssl crl -in "$1" -noout -text | grep -qi "Serial Number: $(openssl x509 -in "$2" -noout -serial | cut -d= -f2)"' \
      _ "$name-$ty.crl" "$name-term-$ty.crt"
  done

  # Where the PIN and the module come from.
  t 0 '' '' --env "TOKEN_PIN=$pin" -- pk cert request --key "$dev" --cn env -o "$name-env.csr" --pkcs11-module "$m" --pin-env TOKEN_PIN
  t 0 '' 'verify OK' -- openssl req -in "$name-env.csr" -verify -noout
  t 0 '' '' --env "PAIRKIT_PKCS11_MODULE=$m" -- pk cert request --key "pkcs11:token=$tok;object=dev?pin-source=$pinf" \
    --cn src -o "$name-src.csr"
  t 0 '' '' -- pk cert request --key "pkcs11:token=$tok;object=dev?module-path=$m&pin-source=file://$pinf" \
    --cn src -o "$name-src2.csr"
  t 0 '' 'verify OK' -- openssl req -in "$name-src2.csr" -verify -noout
  t 2 '' "pin-value.*pin-source, --pin-file or --pin-env" -- \
    pk cert request --key "pkcs11:token=$tok;object=dev?pin-value=$pin" --cn v -o "$name-v.csr" --pkcs11-module "$m"
  absent "$name-v.csr"
  t 3 '' "^pairkit: error: token '$tok' needs its user PIN: give --pin-file or --pin-env, pin-source in the URI, or run on a terminal" -- \
    pk cert request --key "$dev" --cn nopin -o "$name-nopin.csr" --pkcs11-module "$m"
  absent "$name-nopin.csr"

  # Bad input: one line naming the token or the object, exit 3, nothing written.
  t 3 '' "^pairkit: error: token '$tok': wrong PIN" -- \
    pk cert self-sign --key "$dev" --cn w -o "$name-wrong.crt" --pkcs11-module "$m" --pin-file wrong.pin
  absent "$name-wrong.crt"
  t 3 '' "token '$tok': wrong PIN" -- pk ca init --dir "$name-ca-wrong" --cn W --key "$dev" --pkcs11-module "$m" --pin-file wrong.pin
  absent "$name-ca-wrong"
  [[ $name == tpm ]] && tpm_unlock
  t 3 '' "^pairkit: error: no private key 'nosuch' in token '$tok'\$" -- \
    pk cert self-sign --key "pkcs11:token=$tok;object=nosuch" --cn n -o "$name-nosuch.crt" "${p[@]}"
  absent "$name-nosuch.crt"
  t 3 '' "no token matches pkcs11:token=nosuch;object=dev \\(tokens present: .*'$tok'" -- \
    pk cert request --key "pkcs11:token=nosuch;object=dev" --cn n -o "$name-notoken.csr" "${p[@]}"
  absent "$name-notoken.csr"
  check "$name: pkcs11-tool makes a pair" token_keygen "$m" "$pinf" lone 0b p256 "$tok"
  check "$name: and deletes its private half" token_delete "$m" "$pinf" lone privkey "$tok"
  t 3 '' "^pairkit: error: the object 'lone' in token '$tok' is a public key, not a private key\$" -- \
    pk cert self-sign --key "pkcs11:token=$tok;object=lone" --cn l -o "$name-lone.crt" "${p[@]}"
  absent "$name-lone.crt"
  t 3 '' "token '$tok'" -- pk ca init --dir "$name-ca-lone" --cn L --key "pkcs11:token=$tok;object=lone" "${p[@]}"
  absent "$name-ca-lone"

  # An existing label: refused, or with --force replaced (one key left, a new one).
  t 3 '' "^pairkit: error: token '$tok' already holds an object labelled 'dev' \\(use --force" -- \
    pk key gen --token "pkcs11:token=$tok;object=dev" --type p256 "${p[@]}"
  check "$name: the refused key gen left the old key" test "$(privkeys "$m" "$tok" dev "$pin")" = 1
  t 0 "^pkcs11:token=$tok;object=dev;type=private;id=" '' -- pk key gen --token "pkcs11:token=$tok;object=dev" --type p256 --force "${p[@]}"
  check "$name: --force left one key labelled dev" test "$(privkeys "$m" "$tok" dev "$pin")" = 1
  check "$name: --force replaced it by a new key" bash -c \
    'peer_pub "$1" "$2" dev new.pem && ! cmp -s new.pem "$3" && [[ $4 != "$5" ]]' _ "$m" "$tok" "$name-dev.pem" "$OUT" "$dev"
}

# URIs and modules, whatever the token: refused before any module loads, or
# the module path that is no module.
start_softhsm soft
t 2 '' "pkcs11:token=soft;object=dev;colour=red.*unknown attribute 'colour'" -- \
  pk cert request --key 'pkcs11:token=soft;object=dev;colour=red' --cn u -o u.csr --pkcs11-module "$SOFTHSM_MODULE"
t 2 '' "pkcs11:token=soft;object=dev;object=other': object is given twice" -- \
  pk cert request --key 'pkcs11:token=soft;object=dev;object=other' --cn u -o u.csr --pkcs11-module "$SOFTHSM_MODULE"
t 2 '' "unknown attribute 'pin-sauce'" -- pk key info 'pkcs11:token=soft;object=dev?pin-sauce=x' --pkcs11-module "$SOFTHSM_MODULE"
t 2 '' 'no PKCS#11 module for pkcs11:token=soft;object=dev: give --pkcs11-module' -- \
  pk cert request --key 'pkcs11:token=soft;object=dev' --cn u -o u.csr --pin-file "$SOFTHSM_PIN_FILE"
absent u.csr
zlib=$(ldconfig -p | awk '$1 == "libz.so.1" && /x86-64/ {print $NF; exit}')
t 3 '' "^pairkit: error: $zlib is not a PKCS#11 module \\(no C_GetFunctionList\\)\$" -- \
  pk cert request --key 'pkcs11:token=soft;object=dev' --cn u -o u.csr --pkcs11-module "$zlib" --pin-file "$SOFTHSM_PIN_FILE"
t 3 '' "^pairkit: error: cannot load PKCS#11 module $PWD/no-such-module.so: " -- \
  pk ca init --dir ca-nomodule --cn N --key 'pkcs11:token=soft;object=dev' --pkcs11-module no-such-module.so --pin-file "$SOFTHSM_PIN_FILE"
absent u.csr ca-nomodule

# SoftHSM2: Ed25519 as well, and a secret key.
token_rows softhsm "$SOFTHSM_MODULE" soft "$SOFTHSM_PIN_FILE" p256 p384 rsa2048 ed25519
check 'SoftHSM2: pkcs11-tool makes an AES key' token_keygen "$SOFTHSM_MODULE" "$SOFTHSM_PIN_FILE" kaes 0c aes128 soft
t 3 '' "^pairkit: error: the object 'kaes' in token 'soft' is a secret key, not a private key\$" -- \
  pk cert self-sign --key 'pkcs11:token=soft;object=kaes' --cn a -o aes.crt --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE"
absent aes.crt
t 3 '' "type=secret-key.*a private key is needed to sign" -- \
  pk cert self-sign --key 'pkcs11:token=soft;object=kaes;type=secret-key' --cn a -o aes.crt --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE"
absent aes.crt

# A token removed between commands: the key worked, then its token is gone.
check 'SoftHSM2: a second token starts' start_softhsm gone
t 0 '' '' -- pk key gen --token 'pkcs11:token=gone;object=k' "--pkcs11-module=$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE"
t 0 '' '' -- pk cert self-sign --key 'pkcs11:token=gone;object=k' --cn g -o gone1.crt --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE"
check 'SoftHSM2: remove_softhsm takes it away' remove_softhsm gone
t 3 '' "^pairkit: error: no token matches pkcs11:token=gone;object=k \\(tokens present: 'soft'\\)\$" -- \
  pk cert self-sign --key 'pkcs11:token=gone;object=k' --cn g -o gone2.crt --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE"
absent gone2.crt
t 3 '' "no token matches pkcs11:token=gone" -- \
  pk ca init --dir ca-gone --cn G --key 'pkcs11:token=gone;object=k' --pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE"
absent ca-gone

# The TPM: no Ed25519 (the type it lacks), its lockout, and the TPM going away.
start_tpm_token tpm
token_rows tpm "$TPM_MODULE" tpm "$TPM_PIN_FILE" p256 p384 rsa2048
tp=(--pkcs11-module "$TPM_MODULE" --pin-file "$TPM_PIN_FILE")
t 3 '' "^pairkit: error: token 'tpm' does not support ed25519 keys" -- pk key gen --token 'pkcs11:token=tpm;object=ked' --type ed25519 "${tp[@]}"
check 'TPM: the refused Ed25519 key left nothing' bash -c '[[ -z $(p11_obj "$1" tpm privkey ked "$2") && -z $(p11_obj "$1" tpm pubkey ked) ]]' \
  _ "$TPM_MODULE" "$(token_pin "$TPM_PIN_FILE")"
t 3 '' "^pairkit: error: token 'tpm' does not support rsa4096 keys" -- pk key gen --token 'pkcs11:token=tpm;object=kr4' --type rsa4096 "${tp[@]}"

# One C_Login per command: a batch of 5 requests signed with a wrong PIN
# costs the TPM's dictionary-attack counter one try, not five.
tpm_unlock
check 'TPM: the lockout counter starts at 0' test "$(lockout_count)" = 0x0
mkdir batch
t 3 '' "^pairkit: error: token 'tpm': wrong PIN" -- \
  pk ca sign --dir tpm-ca-p256 batch1.csr batch2.csr batch3.csr batch4.csr batch5.csr --out-dir batch --pkcs11-module "$TPM_MODULE" --pin-file wrong.pin
check 'TPM: the refused batch wrote no certificate' no_files batch
check 'TPM: the batch cost one wrong PIN' test "$(lockout_count)" = 0x1
check 'TPM: and recorded no certificate' bash -c '[[ $(pk --json ca list --dir tpm-ca-p256 | python3 -c "import json,sys; print(len(json.load(sys.stdin)))") == 1 ]]'
t 0 '' 'batch5.csr -> batch/batch5.crt' -- pk ca sign --dir tpm-ca-p256 batch1.csr batch2.csr batch3.csr batch4.csr batch5.csr --out-dir batch "${tp[@]}"
check 'TPM: openssl verifies the batch' openssl verify -CAfile tpm-ca-p256/ca.crt batch/batch1.crt batch/batch5.crt

# A locked token: refused, even with the right PIN, and nothing written.
check 'TPM: tpm_lock locks it' tpm_lock
t 3 '' "^pairkit: error: token 'tpm': the user PIN is locked" -- pk cert self-sign --key 'pkcs11:token=tpm;object=dev' --cn l -o locked.crt "${tp[@]}"
absent locked.crt
t 3 '' "token 'tpm'.*locked" -- pk crl issue --dir tpm-ca-p256 -o locked.crl "${tp[@]}"
absent locked.crl
check 'TPM: tpm_unlock ends the lockout' tpm_unlock
t 0 '' '' -- pk cert self-sign --key 'pkcs11:token=tpm;object=dev' --cn l -o unlocked.crt "${tp[@]}"

# The TPM gone between commands.
stop_tpm
t 3 '' "^pairkit: error: PKCS#11 module $TPM_MODULE did not start: C_Initialize" -- pk cert self-sign --key 'pkcs11:token=tpm;object=dev' --cn g -o tpm-gone.crt "${tp[@]}"
absent tpm-gone.crt
t 3 '' "$TPM_MODULE did not start" -- pk crl issue --dir tpm-ca-p256 -o tpm-gone.crl "${tp[@]}"
absent tpm-gone.crl
