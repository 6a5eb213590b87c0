# Demo part: an e-purse payment session, APDU by APDU, and its log checked offline.
step "Personalize a purse card, reload 10.00, pay 2.50 (modern profile; transcript as scriptor shows it)" \
  pk sim run "$root/examples/sim/payment.toml" --out purse
step "Re-verify the POS terminal's log offline with the back end's public key" \
  pk sim verify-log purse/terminal-2345.jsonl --backend-pub purse/backend.pub
step "The attack suite: every known defect of the reference attempted and refused" \
  pk -q sim run --seed 3 --profile modern --transcript attacks.txt "$root"/examples/sim/*.toml
