# Demo part: the fleet CA signs the terminal's request, then blocks it.
step "A fleet CA: key, CA certificate, ca.toml profiles, index database" \
  pk ca init --dir fleet-ca --cn 'Fleet CA' --org Example
step "The terminal asks for a certificate (CSR from its own key)" \
  pk cert request --key terminal/key.pem --cn TERM-0042 --san dns:term-0042.local -o terminal/term.csr
step "The CA signs it: terminal profile, clientAuth, one week" \
  pk ca sign --dir fleet-ca terminal/term.csr -o terminal/ca-cert.pem
step "The gate checks it: path to the CA, client purpose" \
  pk cert verify terminal/ca-cert.pem --ca fleet-ca/ca.crt --purpose client
step "The terminal is stolen: revoke it" \
  pk ca revoke --dir fleet-ca --cert terminal/ca-cert.pem --reason keyCompromise
step "Publish a CRL" \
  pk crl issue --dir fleet-ca -o fleet-ca/crl.pem
step "The gate checks the CRL: revoked, exit status 1" \
  pk crl check --crl fleet-ca/crl.pem --ca fleet-ca/ca.crt terminal/ca-cert.pem || echo "(exit $?: revoked, as expected)"
