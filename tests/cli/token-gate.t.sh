# Keys in tokens over the network: a terminal whose key is in the TPM (the
# tpm2-pkcs11 module on swtpm) pairs with, enrolls at and renews at a gate
# whose TLS key and fleet CA key are in SoftHSM2, exactly as file-key devices
# do; a live mTLS handshake with a token-held client key against openssl
# s_server; restore points of a token-held identity, with the token present
# and gone.
here_cli=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here_cli/gate-lib.sh"
source "$here_cli/token-lib.sh"
servers=()
stop_servers() { local p; for p in "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; servers=(); }
trap 'stop_servers; for p in "${_gate_pids[@]}"; do kill -9 "$p" 2>/dev/null; done' EXIT

start_tpm_token termtpm
start_softhsm gatehsm
tpm=(--pkcs11-module "$TPM_MODULE" --pin-file "$TPM_PIN_FILE")
hsm=(--pkcs11-module "$SOFTHSM_MODULE" --pin-file "$SOFTHSM_PIN_FILE")

# The gate's TLS key is made in SoftHSM2, the terminal's in the TPM: neither writes key.pem.
t 0 'in the token' '' -- pk device init --serial GATE-1 --role server --dir srv \
  --token "pkcs11:token=$SOFTHSM_TOKEN;object=gate-tls" "${hsm[@]}"
t 0 'in the token' '' -- pk device init --serial TERM-T --dir term --token "pkcs11:token=$TPM_TOKEN;object=term-key" "${tpm[@]}"
absent srv/key.pem term/key.pem
check "device.toml records the terminal key's URI" grep -q "^key = 'pkcs11:token=$TPM_TOKEN;object=term-key;" term/device.toml
check "the TPM holds the key, private, sensitive and never extractable (pkcs11-tool)" bash -c \
  "pkcs11-tool --module '$TPM_MODULE' --token-label '$TPM_TOKEN' --login --pin \$(cat '$TPM_PIN_FILE') -O 2>/dev/null |
     grep -A4 '^Private Key Object' | grep -q 'never extractable'"

# The fleet CA's key is in the HSM too: the gate issues EST certificates with it.
t 0 'pkcs11:token=' '' -- pk key gen --token "pkcs11:token=$SOFTHSM_TOKEN;object=ca-key" --type p384 "${hsm[@]}"
t 0 'in the token' '' -- pk ca init --dir ca --cn "Fleet CA" --key "pkcs11:token=$SOFTHSM_TOKEN;object=ca-key" "${hsm[@]}"
absent ca/ca.key
# module-name= finds the module as p11-kit does (Debian's softhsm2 registers softhsm2.module).
t 0 'p384' '' -- pk key info "pkcs11:token=$SOFTHSM_TOKEN;object=ca-key?module-name=softhsm2"
t 3 '' "no PKCS#11 module named 'nosuch'" -- pk key info "pkcs11:token=$SOFTHSM_TOKEN;object=ca-key?module-name=nosuch"
cat >srv/gate.toml <<TOML
[gate]
ca = "$PWD/ca"
auto_approve_expected = true
TOML
pk pair expect --db srv/pairing.db --serial TERM-T --fingerprint "$(pk fingerprint term/cert.pem)" >/dev/null

# A wrong PIN for the gate's keys stops it before it serves.
echo 000000 >wrong.pin
t 3 '' "token '$SOFTHSM_TOKEN': wrong PIN" -- pk gate serve --dir srv --listen 127.0.0.1:0 --pkcs11-module "$SOFTHSM_MODULE" --pin-file wrong.pin
t 3 '' "token '$SOFTHSM_TOKEN' needs its user PIN" -- pk gate serve --dir srv --listen 127.0.0.1:0 --pkcs11-module "$SOFTHSM_MODULE"
check "the gate serves with its key in SoftHSM2" start_gate srv "${hsm[@]}"

# openssl completes a handshake whose server signature the token made, and sees the gate's certificate.
check "openssl s_client: the handshake's ECDSA signature comes from the token" bash -c \
  "echo | openssl s_client -connect $GATE 2>&1 | grep -q 'Peer signature type: ECDSA'"
check "... presenting the certificate of the token's key" bash -c \
  "echo | openssl s_client -connect $GATE 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | grep -qi \"\$(pk fingerprint srv/cert.pem)\""

# The terminal pairs with its TPM key (mTLS signed in the TPM), pinned to the gate.
gate_fp=$(pk fingerprint srv/cert.pem)
t 0 'paired' '' -- pk gate join --gate "$GATE" --dir term --pin "$gate_fp" --wait 10s "${tpm[@]}"
t 0 'paired' '' -- pk pair check --db srv/pairing.db --serial TERM-T --cert term/cert.pem
# Without the module or the PIN the terminal cannot authenticate, and says why.
t 2 '' 'no PKCS#11 module' -- pk gate join --gate "$GATE" --dir term --pin "$gate_fp" --wait 1s
t 3 '' "token '$TPM_TOKEN' needs its user PIN" -- pk gate join --gate "$GATE" --dir term --pin "$gate_fp" --wait 1s --pkcs11-module "$TPM_MODULE"

# EST: the CSR is signed in the TPM, the certificate in the HSM; it is for the TPM's key.
t 0 'enrolled' '' -- pk gate enroll --gate "$GATE" --dir term "${tpm[@]}"
check "openssl verifies the enrolled certificate against the CA" openssl verify -CAfile ca/ca.crt term/cert.pem
spki_uri=$(pk --json key info "pkcs11:token=$TPM_TOKEN;object=term-key" "${tpm[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["spki_pin"])')
check "the enrolled certificate is for the key in the TPM" bash -c "pk --json cert info term/cert.pem | grep -q '$spki_uri'"
t 0 'renewed' '' -- pk gate renew --gate "$GATE" --dir term "${tpm[@]}"
check "openssl verifies the renewed certificate" openssl verify -CAfile ca/ca.crt term/cert.pem
t 2 '' 'the device key is in a token' -- pk gate renew --gate "$GATE" --dir term --new-key "${tpm[@]}"
stop_gate

# A live mTLS handshake: openssl s_server requires a client certificate and
# checks it against the fleet CA; pairkit's Botan client signs CertificateVerify
# in the TPM. Without --client there is no certificate to give: the handshake fails.
pk -q device init --serial PLAIN --role server --dir plain >/dev/null
start_s_server() {  # CLIENT_CA: s_server asking for and verifying a client certificate; sets port
  local try
  for try in $(seq 0 19); do
    port=$((30000 + ($$ * 11 + try * 137 + RANDOM % 50) % 30000))
    # -www: it answers without reading stdin, which is /dev/null here.
    openssl s_server -accept "127.0.0.1:$port" -cert plain/cert.pem -key plain/key.pem \
      -Verify 1 -verify_return_error -CAfile "$1" -www >s_server.log 2>&1 &
    local pid=$!
    for _ in $(seq 50); do
      if grep -q '^ACCEPT' s_server.log; then servers+=("$pid"); return 0; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  done
  return 1
}
check "s_server starts" start_s_server ca/ca.crt
t 0 'pinned' '' -- pk pin check --store pins.toml --name plain --connect "127.0.0.1:$port" --tofu --client term "${tpm[@]}"
check "s_server verified the TPM-signed client certificate" bash -c "sleep 0.3; grep -q 'depth=0 serialNumber = TERM-T' s_server.log"
stop_servers
check "s_server starts again" start_s_server ca/ca.crt
t 3 '' 'TLS handshake with 127.0.0.1:[0-9]+ failed' -- pk pin check --store pins2.toml --name plain --connect "127.0.0.1:$port" --tofu
stop_servers

# Restore points: the key stays in the TPM; the restore point holds its URI.
echo 'restore point passphrase' >bk.pass
t 0 '' 'the key stays in its token' -- pk backup create --from term -o term.age --passphrase-file bk.pass
check "the restore point holds no key.pem" bash -c "! pk backup inspect term.age --passphrase-file bk.pass | grep -q key.pem"
t 0 'the key is in a token' '' -- pk backup verify term.age --passphrase-file bk.pass
t 0 'restored device TERM-T' 'its key is in the token here.*the identity is ready' -- \
  pk backup restore term.age --to back --passphrase-file bk.pass "${tpm[@]}"
check "the restored certificate is the terminal's" cmp back/cert.pem term/cert.pem
# On a replacement device without that TPM: the identity needs a new key and pairing.
stop_tpm
t 0 'restored device TERM-T' 'not reachable here.*needs a new key and a new pairing' -- \
  pk backup restore term.age --to elsewhere --passphrase-file bk.pass "${tpm[@]}"
t 3 '' 'no token matches|is gone|did not start' -- pk key info "pkcs11:token=$TPM_TOKEN;object=term-key" "${tpm[@]}"
absent elsewhere/key.pem
