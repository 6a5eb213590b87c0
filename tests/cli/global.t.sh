# Global behaviour: version, help, usage errors, config precedence, JSON, completions, man pages.
t 0 '^pairkit [0-9]+\.[0-9]+\.[0-9]+ \(Botan 2\.19\.[0-9]+, ' '^$' -- pk --version
t 0 'Examples:' '' -- pk key gen --help
check "every command has --help with an example" bash -c '
  for c in $(pk __complete -- ""); do
    subs=$(pk __complete -- "$c" "")
    if [ -z "$subs" ]; then pk $c --help | grep -q "Examples:" || { echo "$c"; exit 1; }; fi
    for s in $subs; do pk $c $s --help | grep -q "Examples:" || { echo "$c $s"; exit 1; }; done
  done'
check "help CMD equals CMD --help" bash -c 'diff <(pk help key gen) <(pk key gen --help)'
# A group's --help shows its own commands' examples, not the top level's.
t 0 'pairkit pair check --db' '' -- pk pair --help
check "pair --help has no top-level example" bash -c '! pk pair --help | grep -q "pairkit device init"'
t 0 'pairkit sim run' '' -- pk sim --help
t 0 'pairkit sim card' '' -- pk sim --help
t 2 '' 'no command' -- pk help nosuch
t 2 '' 'missing command' -- pk
t 2 '' 'key: missing command \(one of: gen, pub, info\)' -- pk key
t 2 '' '' -- pk frobnicate
t 2 '' '' -- pk key gen --no-such-flag
t 2 '' '' -- pk --color sometimes key info x
t 0 '' '' -- pk key gen -o k.pem --quiet
t 0 '"type": "p256"' '' -- pk key info k.pem --json

# Botan's mlock'ed pool: none for commands that hold no secret, 64 KiB
# (16 pages) for the backup commands, Botan's own size otherwise; a size
# the user sets wins.
mlocks() { strace -f -e trace=mlock -o mlock.trace "$PAIRKIT" "$@" >/dev/null 2>&1; grep -c 'mlock(' mlock.trace; }
export -f mlocks
pk -q cert self-sign --key k.pem --cn pool -o pool.pem
if [[ -n $PAIRKIT_SANITIZED ]]; then
  for what in "fingerprint sets up no locked pool" "backup keygen locks 16 pages" "key gen locks more than backup keygen" \
    "BOTAN_MLOCK_POOL_SIZE=0 wins over the backup default"; do
    skip "$what" "strace: LeakSanitizer cannot run under ptrace"
  done
else
  check "fingerprint sets up no locked pool" bash -c '[ "$(mlocks fingerprint pool.pem)" = 0 ]'
  check "backup keygen locks 16 pages" bash -c '[ "$(mlocks backup keygen -o pool-id.txt --force)" = 16 ]'
  check "key gen locks more than backup keygen" bash -c '[ "$(mlocks key gen -o pool.key --force)" -gt 16 ]'
  check "BOTAN_MLOCK_POOL_SIZE=0 wins over the backup default" bash -c '[ "$(BOTAN_MLOCK_POOL_SIZE=0 mlocks backup keygen -o pool-id.txt --force)" = 0 ]'
fi

# Configuration: flag > environment > config > default; unknown keys name the key and file.
cat >pairkit.toml <<'TOML'
[key]
type = "ed25519"
TOML
t 0 'type: +ed25519' '' -- bash -c 'pk -q key gen -o cfg.key && pk key info cfg.key'
t 0 'type: +p384' '' -- bash -c 'PAIRKIT_KEY_TYPE=p384 pk -q key gen -o env.key && pk key info env.key'
t 0 'type: +rsa2048' '' -- bash -c 'PAIRKIT_KEY_TYPE=p384 pk -q key gen --type rsa2048 -o flag.key && pk key info flag.key'
cat >other.toml <<'TOML'
[key]
type = "p384"
TOML
t 0 'type: +p384' '' -- bash -c 'pk -q --config other.toml key gen -o c2.key && pk key info c2.key'
t 0 'type: +p384' '' -- bash -c 'PAIRKIT_CONFIG=other.toml pk -q key gen -o c3.key && pk key info c3.key'
cat >bad.toml <<'TOML'
[key]
tpye = "p384"
TOML
t 3 '' "bad.toml: unknown key 'key.tpye'" -- pk --config bad.toml key gen -o x.key
# Each command registers only its own group's options: keys of every other
# group are still known, and a misspelt one is still found.
cat >fleet.toml <<'TOML'
[key]
type = "p384"
[qr]
margin = 2
[pair]
expires_in = "5m"
[backup]
work_factor = 12
TOML
t 0 'type: +p384' '' -- bash -c 'pk -q --config fleet.toml key gen -o fleet.key && pk --config fleet.toml key info fleet.key'
t 0 '' '' -- pk --config fleet.toml fingerprint fleet.key
printf '[key]\ntype = "p256"\n[qr]\nmargni = 2\n' >typo.toml
t 3 '' "typo.toml: unknown key 'qr.margni'" -- pk --config typo.toml key gen -o typo.key
absent typo.key
printf '[key]\ntype = "dsa"\n' >badval.toml
t 3 '' "badval.toml: key 'key.type'" -- pk --config badval.toml key gen -o x.key
printf '[key\n' >broken.toml
t 3 '' 'broken.toml:1' -- pk --config broken.toml key gen -o x.key
t 3 '' 'cannot open missing.toml' -- pk --config missing.toml key gen -o x.key
t 3 '' 'PAIRKIT_KEY_TYPE' --env PAIRKIT_KEY_TYPE=dsa -- pk key gen -o x.key
absent x.key
rm pairkit.toml

# Completions: the bash script loads and completes subcommands and options.
comp=$(cd "$(dirname "$PAIRKIT")/../completions" && pwd)
export PATH="$(dirname "$PAIRKIT"):$PATH"
check "bash completion completes 'pairkit ke' to key" bash -c "
  source '$comp/pairkit.bash'; COMP_WORDS=(pairkit ke); COMP_CWORD=1; _pairkit; [ \"\${COMPREPLY[*]}\" = key ]"
check "bash completion completes 'pairkit key g' to gen" bash -c "
  source '$comp/pairkit.bash'; COMP_WORDS=(pairkit key g); COMP_CWORD=2; _pairkit; [ \"\${COMPREPLY[*]}\" = gen ]"
check "bash completion offers options" bash -c "
  source '$comp/pairkit.bash'; COMP_WORDS=(pairkit fingerprint --fo); COMP_CWORD=2; _pairkit; [ \"\${COMPREPLY[*]}\" = --format ]"
check "bash completion falls back to files for values" bash -c "
  touch some-file.pem; source '$comp/pairkit.bash'; COMP_WORDS=(pairkit key info some-f); COMP_CWORD=3; _pairkit; [ \"\${COMPREPLY[*]}\" = some-file.pem ]"
check "zsh completion file parses" zsh -n "$comp/_pairkit"
check "fish completion file parses" fish --no-execute "$comp/pairkit.fish"
t 0 '^info$' '' -- pk __complete -- key i
t 0 '^--type$' '' -- pk __complete -- key gen --ty

# Man pages: built by meson from scdoc, one per command group, and they render.
man_dir=$(dirname "$PAIRKIT")/man
for page in pairkit.1 pairkit-key.1 pairkit-cert.1 pairkit-fingerprint.1 pairkit-device.1 pairkit.toml.5; do
  check "man page $page was built and renders" bash -c "grep -q '^\.TH' '$man_dir/$page' && MANWIDTH=80 man -l '$man_dir/$page' 2>/dev/null | grep -q 'EXIT STATUS\|KEYS'"
done
check "every command group has a man page" bash -c '
  for g in $(pk __complete -- ""); do [ "$g" = help ] && continue; [ -f "'"$man_dir"'/pairkit-$g.1" ] || { echo "no man page for $g"; exit 1; }; done'

# Every configuration key a command reads is documented in pairkit.toml(5).
check "pairkit.toml(5) documents every key" bash -c '
  page=$(MANWIDTH=200 man -l "'"$man_dir"'/pairkit.toml.5" 2>/dev/null)
  for k in $(pk __settings); do
    section=${k%%.*} name=${k#*.}
    echo "$page" | grep -q "\[$section\].*\b$name\b" || { echo "undocumented: $k"; exit 1; }
  done'
t 0 '^rsa2048$' '' -- pk __complete -- key gen --type rsa2
t 0 '^server$' '' -- pk __complete -- cert self-sign --profile se

# Standard output is flushed and checked before every exit 0: a result lost
# on a full device is exit 3 with one line, whichever command it was.
pk -q ca init --dir out-ca --cn 'Out CA' >/dev/null
cp "$here/../../examples/sim/payment.toml" out-sim.toml
full_msg='^pairkit: error: cannot write to standard output: No space left on device$'
for cmd in 'fingerprint pool.pem' '--json fingerprint pool.pem' 'ca list --dir out-ca' '--json ca list --dir out-ca' \
  'sim run out-sim.toml' 'key pub k.pem' 'cert info pool.pem' '--json key info k.pem' 'key gen --help' '--version'; do
  t 3 '^$' "$full_msg" -- bash -c "pk $cmd >/dev/full"
done
# A reader that went away: SIGPIPE ends pairkit quietly (status 141 in the
# shell), as it ends cat; where the parent ignores SIGPIPE, exit 3 and one line.
cat >closed-pipe.py <<'PY'
import os, signal, subprocess, sys
mode, args = sys.argv[1], sys.argv[2:]
r, w = os.pipe()
os.close(r)  # the reader is gone before pairkit writes a byte
ignore = lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN)
p = subprocess.run([os.environ["PAIRKIT"]] + args, stdout=w, stderr=subprocess.PIPE,
                   preexec_fn=ignore if mode == "ignored" else None, restore_signals=True)
sys.stderr.write(p.stderr.decode())
sys.exit(128 - p.returncode if p.returncode < 0 else p.returncode)
PY
for cmd in 'fingerprint pool.pem' 'ca list --dir out-ca' 'sim run out-sim.toml'; do
  check "$cmd into a closed pipe: SIGPIPE (141), nothing on stderr" bash -c \
    'python3 closed-pipe.py default $1 2>sigpipe.err; [ $? = 141 ] && [ ! -s sigpipe.err ]' _ "$cmd"
  t 3 '^$' '^pairkit: error: cannot write to standard output: Broken pipe$' -- python3 closed-pipe.py ignored $cmd
done

# --- the gate's companion program (src/cli/companion.hpp) -------------------
check 'the pairkit binary links no TLS library' bash -c \
  '! readelf -d "$PAIRKIT" | grep NEEDED | grep -Eq "libssl|boost"'
check 'pairkit-gate does' bash -c 'readelf -d "$(dirname "$PAIRKIT")/pairkit-gate" | grep NEEDED | grep -q libssl'
check 'a non-gate command does not load libssl' bash -c \
  'LD_DEBUG=files "$PAIRKIT" fingerprint pool.pem 2>&1 >/dev/null | grep -q "file=libc\.so" &&
   ! LD_DEBUG=files "$PAIRKIT" fingerprint pool.pem 2>&1 >/dev/null | grep -q "file=libssl"'
t 0 'gate join' '' -- pk gate --help
t 0 'Usage: pairkit gate join' '' -- pk help gate join
t 0 '^--pin$' '' -- pk __complete -- gate join --pi
t 0 '^gate$' '' -- pk __complete -- ga
t 2 '' "^pairkit: error: gate: missing command \(one of: .*join" -- pk gate
mkdir -p gateless && cp "$PAIRKIT" gateless/pairkit
t 3 '' "^pairkit: error: 'gate' is not installed: no pairkit-gate next to pairkit or in /.*libexec/pairkit$" -- gateless/pairkit gate serve --dir srv
t 0 'fingerprint' '' -- gateless/pairkit --help
