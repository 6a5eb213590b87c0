# Demo part: a device's first boot and its fingerprints.
step "A terminal's first boot: key, self-signed certificate, device.toml" \
  pk device init --serial TERM-0042 --dir terminal --san dns:term-0042.local
step "Its fingerprints, as openssl, curl and Syncthing show them" \
  pk fingerprint --format all terminal/cert.pem
