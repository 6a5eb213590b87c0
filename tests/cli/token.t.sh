# PKCS#11 tokens: SoftHSM2 and the TPM 2.0 module on swtpm (token-lib.sh),
# proven first with OpenSC's pkcs11-tool and openssl as the oracles: a key made
# in the token is listed, sensitive and never extractable, and signs what
# openssl verifies; the fixture's PINs, lockout and clean-up hold.
lib_dir=$(dirname "${BASH_SOURCE[0]}")
source "$lib_dir/token-lib.sh"
p11() { pkcs11-tool --module "$@"; }
# der_pub MODULE TOKEN LABEL OUT: the public key's SubjectPublicKeyInfo, as PEM.
der_pub() {
  p11 "$1" --token-label "$2" --read-object --type pubkey --label "$3" -o "$4.der" 2>/dev/null &&
    openssl pkey -pubin -inform DER -in "$4.der" -out "$4"
}
gone() {  # PID: true once PID has ended (within 5 s)
  local i
  for ((i = 0; i < 50; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}
export -f gone
printf 'a terminal certificate to be\n' >msg
openssl dgst -sha256 -binary msg >msg.sha256

# oracle_rows NAME MODULE TOKEN PIN_FILE: the same oracle rows for each token.
oracle_rows() {
  local name=$1 m=$2 tok=$3 pin
  pin=$(token_pin "$4")
  mode_is 600 "$4"
  t 0 "token label +: $tok" '' -- p11 "$m" --list-token-slots
  t 0 'Private Key Object; EC' '' -- p11 "$m" --token-label "$tok" --login --pin "$pin" \
    --keypairgen --key-type EC:prime256v1 --label k --id 01
  t 0 'Access: +sensitive, always sensitive, never extractable' '' -- p11_obj "$m" "$tok" privkey k "$pin"
  t 0 'EC_POINT 256 bits' '' -- p11_obj "$m" "$tok" pubkey k
  t 0 '' '' -- p11 "$m" --token-label "$tok" --login --pin "$pin" --sign -m ECDSA --label k \
    --signature-format openssl -i msg.sha256 -o "$name.sig"
  check "$name: the public key reads out" der_pub "$m" "$tok" k "$name.pub.pem"
  t 0 '^Verified OK$' '' -- openssl dgst -sha256 -verify "$name.pub.pem" -signature "$name.sig" msg
  t 0 'Signature is valid' '' -- p11 "$m" --token-label "$tok" --login --pin "$pin" --verify -m ECDSA --label k \
    --signature-format openssl -i msg.sha256 --signature-file "$name.sig"
  check "$name: a wrong PIN is refused" \
    bash -c 'pkcs11-tool --module "$1" --token-label "$2" --login --pin 9999 --list-objects 2>&1 | grep -q CKR_PIN_INCORRECT' \
    _ "$m" "$tok"

  # token_keygen: keys pairkit did not make, of each type the rows use.
  check "$name: token_keygen makes a P-384 key" token_keygen "$m" "$4" k384 02 p384
  t 0 'EC_POINT 384 bits' '' -- p11_obj "$m" "$tok" pubkey k384
  check "$name: token_keygen makes an RSA 2048 key" token_keygen "$m" "$4" krsa 03 rsa2048
  t 0 'RSA 2048 bits' '' -- p11_obj "$m" "$tok" pubkey krsa
  check "$name: token_delete leaves a lone public key" token_delete "$m" "$4" krsa privkey
  t 0 '^$' '' -- p11_obj "$m" "$tok" privkey krsa "$pin"
  t 0 'RSA 2048 bits' '' -- p11_obj "$m" "$tok" pubkey krsa
  check "$name: token_keygen refuses a type the token does not support" \
    bash -c '! token_keygen "$@" 2>/dev/null' _ "$m" "$4" kbad 04 EC:nosuchcurve "$tok"
}
export -f token_keygen token_pin _token_tool _token_of

# SoftHSM2
check 'SoftHSM2: a token starts' start_softhsm soft
check 'SoftHSM2: its configuration is a temporary one' test -f "$SOFTHSM2_CONF"
oracle_rows softhsm "$SOFTHSM_MODULE" "$SOFTHSM_TOKEN" "$SOFTHSM_PIN_FILE"
# openssl's own way to a token key, libp11's engine: a second signer. (Not
# with the TPM module: with the engine handling EC keys in the process, the
# TSS's own ephemeral ECDH key for its session fails, and so does the login.)
t 0 '' '' --env "PKCS11_MODULE_PATH=$SOFTHSM_MODULE" -- openssl pkeyutl -engine pkcs11 -keyform engine \
  -inkey "pkcs11:token=soft;object=k;type=private?pin-value=$(token_pin "$SOFTHSM_PIN_FILE")" -sign -in msg.sha256 -out engine.sig
t 0 'Signature Verified Successfully' '' -- openssl pkeyutl -verify -pubin -inkey softhsm.pub.pem -in msg.sha256 -sigfile engine.sig
check 'SoftHSM2: token_keygen makes an Ed25519 key' token_keygen "$SOFTHSM_MODULE" "$SOFTHSM_PIN_FILE" ked 05 ed25519
t 0 'EC_EDWARDS' '' -- p11_obj "$SOFTHSM_MODULE" soft pubkey ked
check 'SoftHSM2: token_keygen makes a secret key' token_keygen "$SOFTHSM_MODULE" "$SOFTHSM_PIN_FILE" kaes 06 aes128
t 0 'Secret Key Object; AES' '' -- p11_obj "$SOFTHSM_MODULE" soft secrkey kaes "$(token_pin "$SOFTHSM_PIN_FILE")"
# (Not "soft2": pkcs11-tool's --token-label takes the first token whose label
# begins with the one given.)
check 'SoftHSM2: a second token joins the same store' start_softhsm spare 87654321 4321
t 0 'token label +: spare' '' -- p11 "$SOFTHSM_MODULE" --list-token-slots
t 0 'EC_POINT 256 bits' '' -- p11_obj "$SOFTHSM_MODULE" soft pubkey k
check 'SoftHSM2: the second PIN file holds its own PIN' test "$(token_pin "$SOFTHSM_PIN_FILE")" = 4321
check 'SoftHSM2: remove_softhsm takes a token away' remove_softhsm spare
check 'SoftHSM2: only the first token is left' \
  bash -c 'out=$(pkcs11-tool --module "$1" --list-token-slots 2>&1) && grep -q "token label *: soft$" <<<"$out" && ! grep -q spare <<<"$out"' \
  _ "$SOFTHSM_MODULE"

# The TPM 2.0 module on swtpm
t0=$(date +%s%N)
check 'TPM: a token starts on swtpm' start_tpm_token tpm
echo "start_tpm_token took $((($(date +%s%N) - t0) / 1000000)) ms"
check 'TPM: swtpm listens on 127.0.0.1 only' bash -c "ss -Hltn 'sport = :$TPM_PORT' | grep -q '^LISTEN.*127\.0\.0\.1:$TPM_PORT'"
oracle_rows tpm "$TPM_MODULE" "$TPM_TOKEN" "$TPM_PIN_FILE"
# Key types the TPM does not support, for pairkit's rows on them: Ed25519 (no
# CKM_EC_EDWARDS_KEY_PAIR_GEN) and RSA 4096 (1024 to 3072 bits).
check 'TPM: no Ed25519' \
  bash -c 'token_keygen "$@" 2>&1 | grep -q "mechanism 1055 not supported"' _ "$TPM_MODULE" "$TPM_PIN_FILE" ked 05 ed25519 tpm
check 'TPM: no RSA 4096' \
  bash -c 'token_keygen "$@" 2>&1 | grep -q CKR_ATTRIBUTE_VALUE_INVALID' _ "$TPM_MODULE" "$TPM_PIN_FILE" kr4 06 RSA:4096 tpm
t 0 'Supported mechanisms' '' -- p11 "$TPM_MODULE" --token-label tpm --list-mechanisms
check 'TPM: its mechanisms include CKM_ECDSA and no EdDSA' \
  bash -c 'grep -q "^  ECDSA, " <<<"$1" && ! grep -q EDDSA <<<"$1"' _ "$OUT"
# A wrong PIN counts against the TPM's dictionary-attack counter: the oracle
# rows spent one, two more lock every token until tpm_unlock.
for i in 1 2; do pkcs11-tool --module "$TPM_MODULE" --token-label tpm --login --pin 9999 --list-objects >/dev/null 2>&1; done
check 'TPM: three wrong PINs lock it' \
  bash -c 'pkcs11-tool --module "$1" --token-label tpm --login --pin "$2" --list-objects 2>&1 | grep -q CKR_PIN_LOCKED' \
  _ "$TPM_MODULE" "$(token_pin "$TPM_PIN_FILE")"
check 'TPM: tpm_unlock ends the lockout' tpm_unlock
t 0 'never extractable' '' -- p11_obj "$TPM_MODULE" tpm privkey k "$(token_pin "$TPM_PIN_FILE")"
check 'TPM: tpm_lock locks it again' tpm_lock
check 'TPM: the right PIN is refused while locked' \
  bash -c 'pkcs11-tool --module "$1" --token-label tpm --login --pin "$2" --list-objects 2>&1 | grep -q CKR_PIN_LOCKED' \
  _ "$TPM_MODULE" "$(token_pin "$TPM_PIN_FILE")"
check 'TPM: tpm_unlock ends the lockout' tpm_unlock
t 0 'never extractable' '' -- p11_obj "$TPM_MODULE" tpm privkey k "$(token_pin "$TPM_PIN_FILE")"
check 'TPM: a second token joins the same TPM' start_tpm_token other 4321
t 0 'token label +: other' '' -- p11 "$TPM_MODULE" --list-token-slots
tpm_pid=$TPM_PID
check 'TPM: swtpm runs' kill -0 "$tpm_pid"
stop_tpm
check 'TPM: swtpm is gone after stop_tpm' gone "$tpm_pid"
check 'TPM: the module finds no TPM after stop_tpm' \
  bash -c 'pkcs11-tool --module "$1" --list-slots 2>&1 | grep -q "C_Initialize failed: rv = CKR_GENERAL_ERROR"' \
  _ "$TPM_MODULE"
check 'TPM: restart_tpm brings it back' restart_tpm
t 0 'token label +: other' '' -- p11 "$TPM_MODULE" --list-token-slots
t 0 '' '' -- p11 "$TPM_MODULE" --token-label tpm --login --pin 1234 --sign -m ECDSA --label k \
  --signature-format openssl -i msg.sha256 -o tpm-again.sig
t 0 '^Verified OK$' '' -- openssl dgst -sha256 -verify tpm.pub.pem -signature tpm-again.sig msg

# Clean-up: a shell that fails, or is killed outright, leaves no swtpm behind.
cat >starter.sh <<EOF
source "$lib_dir/token-lib.sh"
start_tpm_token x || exit 3
echo "\$TPM_PID \$_token_root" >started
[[ \${1:-} == fail ]] && false
exec sleep 60
EOF
check 'a failing shell stops its swtpm and removes its folder' bash -c '
  set -e
  timeout 30 bash -e starter.sh fail || true
  read -r pid dir <started
  gone "$pid" && [[ ! -e $dir ]]'
rm -f started
check 'a killed shell has its swtpm stopped and its folder removed by the watchdog' bash -c '
  bash starter.sh & shell=$!
  for ((i = 0; i < 100; i++)); do [[ -s started ]] && break; sleep 0.1; done
  read -r pid dir <started
  kill -0 "$pid" || exit 1
  kill -9 "$shell"
  wait "$shell"
  gone "$pid" || { kill -9 "$pid"; exit 1; }
  for ((i = 0; i < 20; i++)); do [[ -e $dir ]] || exit 0; sleep 0.1; done
  exit 1'
