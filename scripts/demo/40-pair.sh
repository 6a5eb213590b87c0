# Demo part: the terminal pins its server, asks to pair, and an operator approves by the code read aloud.
step "The server's first boot" \
  pk device init --serial GATE-1 --role server --dir server --san dns:gate.local
step "The terminal pins its server's certificate (pins.toml)" \
  pk pin add --store terminal/pins.toml --name gate --address gate.local:8443 server/cert.pem
step "The terminal asks to pair: the server records a pending request and its code" \
  pk pair request --db server/pairing.db --serial TERM-0042 --cert terminal/cert.pem --server-cert server/cert.pem
nonce=$(pk --json pair list --db server/pairing.db --state pending | sed -n 's/.*"nonce": "\([0-9a-f]*\)".*/\1/p' | tail -1)
step "The terminal shows the code on its display (computed offline)" \
  pk pair code --cert terminal/cert.pem --server-cert server/cert.pem --nonce "$nonce"
code=$(pk pair code --cert terminal/cert.pem --server-cert server/cert.pem --nonce "$nonce")
step "The operator enrols a TOTP second factor (the URI goes into an authenticator app)" \
  pk operator add --db server/pairing.db --name alice -o alice-otp.png
secret=$(zbarimg -q --raw alice-otp.png 2>/dev/null | sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/')
step "The operator hears the code over the phone, compares it, approves with the app's code" \
  pk pair approve --db server/pairing.db --serial TERM-0042 --code "$code" --operator alice --otp "$(oathtool --totp -b "$secret")"
step "Every later request: is this terminal paired with exactly this certificate?" \
  pk pair check --db server/pairing.db --serial TERM-0042 --cert terminal/cert.pem
step "The audit log" \
  pk pair log --db server/pairing.db
