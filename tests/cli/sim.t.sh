# sim run | verify-log — the attack suite in both profiles, golden transcript,
# output formats, logs re-verified offline, and every error path.
EX="$here/../../examples/sim"
cp "$EX"/*.toml .

# The attack suite: every script's expectations hold (every attack refused), both profiles.
# One seed for the whole run so the RSA keys are generated once and shared.
t 0 '# all expectations hold' '' -- pk sim run --seed 3 --profile legacy ./*.toml
t 0 '# all expectations hold' '' -- pk sim run --seed 3 --profile modern ./*.toml
for f in *.toml; do  # (legacy is covered by the one-seed run above)
  check "$f passes alone, with its own seed" pk sim run --profile modern "$f"
done

# The scripts detect the reference card's defect 1: against it the wrong-type script fails.
sed 's/^id = 501$/id = 501\nmode = "reference"/' defect1-wrong-terminal-type.toml >reference-card.toml
t 1 '' 'reference-card.toml: step 3 \(line [0-9]+, reload\): sw: expected 6985, got 9000' -- pk sim run --profile modern reference-card.toml
t 1 '' 'defect1-wrong-terminal-type.toml: step 3 .*sw: expected 6985, got 9000' -- pk sim run --profile modern --card reference defect1-wrong-terminal-type.toml
t 0 '' '' -- pk sim run --profile modern --card faithful reference-card.toml
t 2 '^$' '--card' -- pk sim run --card lenient payment.toml
check "the reference card credits from a POS terminal" grep -q 'balance 100500' <(pk sim run --profile modern reference-card.toml 2>/dev/null)

# Same script and seed: byte-identical transcript, equal to the committed golden file.
check "golden transcript" bash -c "pk sim run payment.toml | diff - '$DATA/sim/payment.golden.txt'"
check "two legacy runs are identical" bash -c 'diff <(pk sim run --profile legacy payment.toml) <(pk sim run --profile legacy payment.toml)'
check "another seed changes the keys" bash -c '! diff -q <(pk sim run payment.toml) <(pk sim run --seed 8 payment.toml) >/dev/null'
t 0 '^> 00 A4 04 00 06 2D 54 45 53 54 70  # SELECT purse applet$' '' -- pk sim run payment.toml
check "every APDU line is scriptor-style" bash -c "pk sim run tear-payment.toml | grep -E '^[<>]' | grep -Ev '^[<>]( [0-9A-F]{2})+(  # .*)?$' | wc -l | grep -qx 0"

# JSON and XFS4IoT transcripts.
t 0 '"passed": true' '' -- pk sim run payment.toml --format json
t 0 '"passed": true' '' -- pk --json sim run payment.toml
check "json steps carry outcome and balance" bash -c 'pk sim run payment.toml --format json | python3 -c "
import json,sys; d=json.load(sys.stdin); s=d[\"scripts\"][0][\"steps\"]
assert [x[\"outcome\"] for x in s]==[\"ok\"]*3 and s[2][\"balance\"]==750 and s[2][\"apdus\"][-1][\"sw\"]==\"9000\", s"'
check "xfs4iot: ChipIO command/completion pairs carry the same bytes as the text transcript" bash -c '
  pk sim run payment.toml --format xfs4iot >x.json && pk sim run payment.toml >x.txt && python3 - <<"PY"
import base64, json
msgs = json.load(open("x.json"))
cmds = [l[2:].split("  #")[0].replace(" ", "") for l in open("x.txt") if l.startswith("> ")]
resps = [l[2:].split("  #")[0].replace(" ", "") for l in open("x.txt") if l.startswith("< ")]
assert len(msgs) == 2 * len(cmds), (len(msgs), len(cmds))
for i in range(0, len(msgs), 2):
    c, r = msgs[i], msgs[i + 1]
    assert c["header"]["type"] == "command" and r["header"]["type"] == "completion"
    for m in (c, r):
        assert m["header"]["name"] == "CardReader.ChipIO" and m["header"]["version"]
    assert c["header"]["requestId"] == r["header"]["requestId"] == i // 2 + 1
    assert r["header"]["completionCode"] == "success"
    assert c["payload"]["chipProtocol"] == "chipT1"
    assert base64.b64decode(c["payload"]["chipData"]).hex().upper() == cmds[i // 2]
    assert base64.b64decode(r["payload"]["chipData"]).hex().upper() == resps[i // 2]
PY'
check "xfs4iot: a torn card is a hardwareError, a dropped response a timeOut" bash -c '
  pk sim run --profile modern tear-payment.toml --format xfs4iot | python3 -c "
import json,sys; codes=[m[\"header\"].get(\"completionCode\") for m in json.load(sys.stdin) if m[\"header\"][\"type\"]==\"completion\"]
assert \"hardwareError\" in codes and \"timeOut\" in codes, set(codes)"'

# --out: transcript, back-end key, one log per terminal; logs re-verified offline.
t 0 '' 'wrote transcript' -- pk sim run payment.toml --out run1
check "--out files" test -s run1/transcript.txt -a -s run1/backend.pub -a -s run1/terminal-2345.jsonl -a -s run1/terminal-3456.jsonl
check "backend.pub is an Ed25519 SPKI openssl reads" bash -c 'openssl pkey -pubin -in run1/backend.pub -noout -text | grep -q ED25519'
t 0 '^run1/terminal-2345.jsonl: 1 record\(s\) verified \(modern profile\)' '' -- pk sim verify-log run1/terminal-2345.jsonl --backend-pub run1/backend.pub
t 0 '"records": 1' '' -- pk --json sim verify-log run1/terminal-3456.jsonl --backend-pub run1/backend.pub
t 0 '' '' -- pk sim run --profile legacy --seed 3 defect4-revoked-card.toml tear-payment.toml --out run2
check "legacy backend.pub is RSA-2048" bash -c 'openssl pkey -pubin -in run2/defect4-revoked-card/backend.pub -noout -text | grep -q "2048 bit"'
t 0 '1 record\(s\) verified \(legacy' '' -- pk sim verify-log run2/defect4-revoked-card/terminal-60.jsonl --backend-pub run2/defect4-revoked-card/backend.pub
check "block confirmations are logged" grep -q '"kind":"block"' run2/defect4-revoked-card/terminal-60.jsonl
t 0 '' '' -- pk sim verify-log run2/tear-payment/terminal-91.jsonl --backend-pub run2/tear-payment/backend.pub
sed 's/"amount":250/"amount":25/' run1/terminal-2345.jsonl >tampered.jsonl
t 1 '^$' 'tampered.jsonl:1: record 1 \(payment, card 123, counter 5\) is bad: card signature S4' -- pk sim verify-log tampered.jsonl --backend-pub run1/backend.pub
{ cat run1/terminal-3456.jsonl; sed 's/"card_id":123/"card_id":124/' run1/terminal-3456.jsonl; } >second-bad.jsonl
t 1 '^$' 'second-bad.jsonl:2: record 2 .*S_c' -- pk sim verify-log second-bad.jsonl --backend-pub run1/backend.pub
t 1 '^$' 'the back-end key is legacy' -- pk sim verify-log run1/terminal-2345.jsonl --backend-pub run2/tear-payment/backend.pub
pk key gen --type ed25519 -o other.key 2>/dev/null && pk key pub other.key -o other.pub 2>/dev/null
t 1 '^$' 'S_c on card 123' -- pk sim verify-log run1/terminal-2345.jsonl --backend-pub other.pub
echo '{"kind": "payment", ' >broken.jsonl
t 3 '^$' 'broken.jsonl:1: not JSON' -- pk sim verify-log broken.jsonl --backend-pub run1/backend.pub
echo '{"kind": "payment", "profile": "modern"}' >missing.jsonl
t 3 '^$' "missing.jsonl:1: terminal_type must be pos or reload" -- pk sim verify-log missing.jsonl --backend-pub run1/backend.pub
t 3 '^$' 'run1/transcript.txt is not a public key' -- pk sim verify-log run1/terminal-2345.jsonl --backend-pub run1/transcript.txt
pk key gen --type p256 -o p256.key 2>/dev/null && pk key pub p256.key -o p256.pub 2>/dev/null
t 3 '^$' 'p256.pub holds a ECDSA key' -- pk sim verify-log run1/terminal-2345.jsonl --backend-pub p256.pub
t 3 '^$' 'nope.jsonl' -- pk sim verify-log nope.jsonl --backend-pub run1/backend.pub
t 2 '^$' 'backend-pub' -- pk sim verify-log run1/terminal-2345.jsonl

# Refused overwrite leaves everything as it was; --force replaces.
cp run1/terminal-2345.jsonl before.jsonl
t 3 '^$' 'run1/transcript.txt exists \(use --force' -- pk sim run --seed 9 payment.toml --out run1
check "nothing rewritten" cmp run1/terminal-2345.jsonl before.jsonl
t 0 '' '' -- pk sim run --seed 9 payment.toml --out run1 --force
check "--force rewrote the log" bash -c '! cmp -s run1/terminal-2345.jsonl before.jsonl'
t 0 '^$' '' -- pk sim run payment.toml --transcript t.txt
check "--transcript holds the transcript" grep -q 'all expectations hold' t.txt
t 3 '^$' 't.txt exists' -- pk sim run payment.toml --transcript t.txt
t 0 'all expectations hold' '' --stdin payment.toml -- pk sim run -

# A failed expectation: exit 1 naming script, step and expected vs actual; the transcript still printed.
sed 's/balance = 750/balance = 700/' payment.toml >wrong.toml
t 1 'EXPECTATION FAILED: balance: expected 700, got 750' 'pairkit: expectation failed: wrong.toml: step 3 \(line 31, pay\): balance: expected 700, got 750' -- pk sim run wrong.toml
sed 's/sw = "9000", outcome = "ok", balance = 1000/sw = "6982", outcome = "refused", balance = 1000/' payment.toml >two.toml
t 1 '' 'step 2 .*sw: expected 6982, got 9000 \(and 1 more\)' -- pk sim run two.toml
printf '[sim]\nprofile = "modern"\n[[card]]\nid = 1\n[[terminal]]\nid = 2\ntype = "pos"\n[[step]]\ndo = "pay"\ncard = 1\nterminal = 2\namount = 5\ntear_before = "32"\nexpect = { sw = "6985" }\n' >never.toml
t 0 'fault tear_before = 32 never fired' '' -- pk sim run never.toml

# Malformed scripts: exit 3 with file and line.
bad() { printf "$1" >bad.toml; t 3 '^$' "$2" -- pk sim run bad.toml; }
bad '[sim]\nprofile = "legacy"\nseed = \n' 'bad.toml:3: '
bad '[sim]\nprofile = "quantum"\n[[step]]\ndo = "advance"\nby = "1d"\n' "bad.toml:2: 'profile': unknown profile 'quantum'"
bad '[sim]\ncolour = "red"\n' "bad.toml:2: unknown key 'colour' in \\[sim\\]"
bad '[[card]]\nid = 1\n[[step]]\ndo = "pay"\ncard = 2\nterminal = 1\namount = 1\n' 'bad.toml:5: card 2 is not declared'
bad '[[card]]\nid = 1\n[[terminal]]\nid = 1\ntype = "atm"\n[[step]]\ndo = "advance"\nby = "1d"\n' 'bad.toml:3: \[\[terminal\]\] needs type'
bad '[[terminal]]\nid = 1\ntype = "pos"\nvalid_for = "8d"\n[[step]]\ndo = "advance"\nby = "1d"\n' "bad.toml:4: 'valid_for': a terminal certificate lives at most 7d"
bad '[[card]]\nid = 1\n[[terminal]]\nid = 2\ntype = "pos"\n[[step]]\ndo = "pay"\ncard = 1\nterminal = 2\namount = 1\ntear_after = "4G"\n' "bad.toml:11: 'tear_after': an INS is two hex digits|bad.toml:11: 'tear_after'.*not hex"
bad '[[card]]\nid = 1\n[[step]]\ndo = "dance"\n' 'bad.toml:3: \[\[step\]\] needs do ='
bad '[[card]]\nid = 1\n[[step]]\ndo = "personalize"\ncard = 1\nexpect = { sw = "90" }\n' "bad.toml:6: 'sw': a status word is four hex digits"
bad '[[card]]\nid = 1\n[[step]]\ndo = "personalize"\ncard = 1\nexpect = { outcome = "fine" }\n' "bad.toml:6: 'outcome': 'fine' is not an outcome"
bad '[[card]]\nid = 1\n[[step]]\ndo = "personalize"\ncard = 1\ntear_before = "20"\n' 'bad.toml:3: faults apply to reload and pay steps only'
bad '[[card]]\nid = 1\n[[terminal]]\nid = 2\ntype = "pos"\n[[step]]\ndo = "pay"\ncard = 1\nterminal = 2\namount = 1\nreplay_step = 1\nreplay_ins = "42"\n' "bad.toml:11: 'replay_step' must name an earlier step"
bad '[[card]]\nid = 1\n[[card]]\nid = 1\n' 'bad.toml:3: card 1 is declared twice'
bad '[[card]]\nid = 1\ncounter = 4294967296\n' "bad.toml:3: 'counter' = 4294967296 is out of range"
bad '[sim]\nseed = 1\n' 'bad.toml:1: the script has no \[\[step\]\]'
t 3 '^$' 'missing.toml' -- pk sim run missing.toml
t 2 '^$' '--format' -- pk sim run payment.toml --format yaml
t 2 '^$' '--profile' -- pk sim run payment.toml --profile quantum
t 2 '^$' '' -- pk sim run
t 0 'Examples:' '' -- pk sim run --help

# Same seed: byte-identical logs too.
t 0 '' '' -- pk -q sim run --profile legacy --seed 4 tear-reload.toml --out same1
t 0 '' '' -- pk -q sim run --profile legacy --seed 4 tear-reload.toml --out same2
check "same seed, same logs and transcript" diff -r same1 same2
check "the reload log holds the tears' records" bash -c '[ $(wc -l <same1/terminal-90.jsonl) -eq 4 ]'
t 0 '4 record\(s\) verified \(legacy' '' -- pk sim verify-log same1/terminal-90.jsonl --backend-pub same1/backend.pub
check "tears: the balance never exceeds what the reload terminal logged as paid in" python3 -c '
import json
paid = sum(json.loads(l)["amount"] for l in open("same1/terminal-90.jsonl"))
final = [l for l in open("same1/transcript.txt") if l.startswith("-- outcome")][-1]
balance = int(final.split("balance ")[1].split(";")[0])
assert balance <= paid and paid == 4000 and balance == 3000, (balance, paid)'
t 0 '' '' -- pk -q sim run --profile modern tear-payment.toml --out torn-pay
check "torn payments only cost the cardholder: debited at least what the POS logged" python3 -c '
import json
logged = sum(json.loads(l)["amount"] for l in open("torn-pay/terminal-91.jsonl"))
final = [l for l in open("torn-pay/transcript.txt") if l.startswith("-- outcome")][-1]
debited = 1000 - int(final.split("balance ")[1].split(";")[0])
assert debited >= logged and (debited, logged) == (300, 100), (debited, logged)'

# Terminals make their keys when first used: 2,000 legacy (RSA-2048)
# terminals, of which the script uses two, run in seconds, not minutes.
python3 - <<'PY'
head = '[sim]\nprofile = "legacy"\nseed = 5\nstart = "2026-01-05T09:00:00Z"\n\n[[card]]\nid = 1\nexpires = "2028-01-01T00:00:00Z"\n'
terminals = "".join(f'\n[[terminal]]\nid = {i}\ntype = "{"reload" if i % 2 else "pos"}"\n' for i in range(1, 2001))
steps = lambda *ts: "".join(f'\n[[step]]\ndo = "{d}"\ncard = 1\nterminal = {t}\namount = {a}\n'
                            for d, t, a in ts)
personalize = '\n[[step]]\ndo = "personalize"\ncard = 1\n'
open("many.toml", "w").write(head + terminals + personalize + steps(("reload", 1999, 500), ("pay", 2000, 100)))
# The same terminals used in the other order: each key must not depend on it.
open("many-swapped.toml", "w").write(head + terminals + personalize + steps(("pay", 2000, 100), ("reload", 1999, 500)))
PY
t 0 '# all expectations hold' '' -- timeout 120 "$PAIRKIT" sim run many.toml
cat >terminal-keys.py <<'PY'
import re, subprocess, sys
def keys(script):  # terminal -> the "exchange public keys" APDUs (K_t) it sent
    out, term = {}, None
    for line in subprocess.run([sys.argv[1], "sim", "run", script], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("== step"):
            m = re.search(r"terminal (\d+)$", line)
            term = m.group(1) if m else None
        elif term and line.startswith("> 00 22 "):
            out.setdefault(term, []).append(line.split("  #")[0])
    return out
a, b = keys("many.toml"), keys("many-swapped.toml")
assert set(a) == {"1999", "2000"} and a == b, (sorted(a), sorted(b))
PY
check "a terminal's key does not depend on the order terminals are used in" python3 terminal-keys.py "$PAIRKIT"

# Without a seed one is drawn and printed, and replaying it reproduces the run.
grep -v '^seed' payment.toml >noseed.toml
check "a drawn seed is printed and reproduces the transcript" bash -c '
  pk sim run noseed.toml >a.txt && seed=$(sed -nE "1s/.*seed ([0-9]+)\)$/\1/p" a.txt) && [ -n "$seed" ] &&
  pk sim run noseed.toml --seed "$seed" | diff - a.txt'

# openssl as the oracle: it verifies S_c under backend.pub and S4 under the card's raw key.
cat >oracle.py <<'PY'
import base64, json, struct, subprocess, sys
log, pub, profile = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.loads(open(log).readline())
u32 = lambda v: struct.pack(">I", v)
kc = bytes.fromhex(r["card_pub"])
def verify(key_args, msg, sig):
    open("o.msg", "wb").write(msg); open("o.sig", "wb").write(sig)
    if profile == "legacy":
        cmd = ["openssl", "dgst", "-sha1", "-verify", key_args, "-signature", "o.sig", "o.msg"]
    else:
        cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key_args, "-rawin", "-in", "o.msg", "-sigfile", "o.sig"]
    return subprocess.run(cmd, capture_output=True).returncode == 0
sc_msg = u32(r["card_id"]) + u32(r["card_expiry"]) + kc + b"\x01"
assert verify(pub, sc_msg, bytes.fromhex(r["card_cert_sig"])), "S_c"
assert not verify(pub, sc_msg[:-1] + b"\x02", bytes.fromhex(r["card_cert_sig"])), "S_c must not verify with usage 02"
if profile == "modern":
    der = bytes.fromhex("302a300506032b6570032100") + kc
else:  # SubjectPublicKeyInfo for the raw 256-byte modulus, e = 65537
    def tlv(tag, body):
        n = len(body)
        return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255])) + body
    rsa = tlv(0x30, tlv(0x02, b"\x00" + kc) + tlv(0x02, b"\x01\x00\x01"))
    der = tlv(0x30, tlv(0x30, bytes.fromhex("06092a864886f70d0101010500")) + tlv(0x03, b"\x00" + rsa))
open("kc.pem", "w").write("-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der).decode() + "-----END PUBLIC KEY-----\n")
s4_msg = u32(r["terminal_id"]) + u32(r["card_counter"]) + u32(r["amount"]) + u32(r["card_id"]) + u32(r["timestamp"])
assert verify("kc.pem", s4_msg, bytes.fromhex(r["card_sig"])), "S4"
PY
check "openssl verifies S_c and S4 of a modern (Ed25519) record" python3 oracle.py run1/terminal-2345.jsonl run1/backend.pub modern
check "openssl verifies S_c and S4 of a legacy (RSA-2048, SHA-1) record" python3 oracle.py same1/terminal-90.jsonl same1/backend.pub legacy
