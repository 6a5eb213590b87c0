# Demo part: a terminal whose key never leaves its token. SoftHSM2 stands in
# for the TPM or secure element; the token lives in the demo folder.
mkdir -p softhsm/tokens && chmod 700 softhsm
printf 'directories.tokendir = %s/softhsm/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$PWD" >softhsm/softhsm2.conf
export SOFTHSM2_CONF=$PWD/softhsm/softhsm2.conf
softhsm2-util --init-token --free --label kiosk-se --so-pin 12345678 --pin 246810 >/dev/null
(umask 077 && echo 246810 >softhsm/pin)
softhsm_module=$(dpkg -L softhsm2 2>/dev/null | grep -m1 '/libsofthsm2\.so$' || echo /usr/lib/softhsm/libsofthsm2.so)
step "A kiosk's first boot with its key made inside its secure element (PKCS#11): no key.pem, device.toml names the key" \
  pk device init --serial KIOSK-SE-1 --dir kiosk-se --token 'pkcs11:token=kiosk-se;object=device-key' \
  --pkcs11-module "$softhsm_module" --pin-file softhsm/pin
printf '\n(pkcs11-tool, the PKCS#11 peer, sees a private key that never leaves the token:)\n'
pkcs11-tool --module "$softhsm_module" --token-label kiosk-se --login --pin 246810 --list-objects --type privkey 2>/dev/null |
  grep -E 'label|Access'
step "The token signs its certificate requests; openssl checks the signature" \
  pk cert request --key 'pkcs11:token=kiosk-se;object=device-key' --cn KIOSK-SE-1 -o kiosk-se/request.csr \
  --pkcs11-module "$softhsm_module" --pin-file softhsm/pin
openssl req -in kiosk-se/request.csr -verify -noout
