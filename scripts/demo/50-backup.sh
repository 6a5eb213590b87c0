# Demo part: a restore point of the terminal, restored onto a replacement device.
step "An age identity for backups, kept away from the terminal" \
  pk backup keygen -o backup-identity.txt
step "A restore point of the terminal, encrypted to it" \
  pk backup create --from terminal -o terminal.age --recipient "$(grep -o "age1[a-z0-9]*" backup-identity.txt)"
step "What it holds (age headers reveal nothing: this needs the key)" \
  pk backup inspect terminal.age --identity backup-identity.txt
step "Restored onto a replacement terminal: the same fingerprint, so its pairings hold" \
  pk backup restore terminal.age --to replacement --identity backup-identity.txt
step "The replacement's certificate fingerprint" \
  pk fingerprint replacement/cert.pem
