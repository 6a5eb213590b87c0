# Demo part: the terminal's pairing QR code, drawn and read back.
step "A pairing code for the terminal's display: address, certificate fingerprint, device ID" \
  pk qr render --host term-0042.local:8443 --cert terminal/cert.pem -o terminal/pair.png
step "The same code on this terminal (half blocks, two module rows per line)" \
  pk qr render --host term-0042.local:8443 --cert terminal/cert.pem
step "Scanned back from the PNG and checked against the certificate" \
  pk qr scan terminal/pair.png --expect-cert terminal/cert.pem
