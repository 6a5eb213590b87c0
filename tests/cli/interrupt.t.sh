# Interrupted and concurrent work: SIGINT, SIGTERM and SIGHUP in the middle of
# ca sign, backup create and backup restore leave no temporary file and no
# decrypted key, and each output is untouched or complete.
export TMPDIR=$PWD/tmpdir
mkdir -p "$TMPDIR"

# interrupt SIG 'READY' -- pk ARGS...: runs pairkit in the background with the
# signals at their defaults (a non-interactive shell starts background jobs
# with SIGINT ignored), waits until the shell test READY holds, sends SIG,
# and passes when pairkit ends by it (exit 128 + signal). Every wait is
# bounded; a pairkit that outlives them is killed and the row fails.
interrupt() {
  local sig=$1 ready=$2 i was_ready=0
  shift 4  # SIG READY -- pk
  local shown="$*"
  local where="${BASH_LINENO[0]}: SIG$sig during pk ${shown:0:100}"
  env --default-signal=INT,TERM,HUP "$PAIRKIT" "$@" </dev/null >"$_tmp/out" 2>"$_tmp/err" &
  local pid=$!
  for ((i = 0; i < 3000; i++)); do
    if eval "$ready"; then was_ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  kill -s "$sig" "$pid" 2>/dev/null
  for ((i = 0; i < 3000; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    wait "$pid"
    _bad "$where" "still running 30 s after SIG$sig"
    return
  fi
  wait "$pid" 2>/dev/null
  local code=$? want=$((128 + $(kill -l "$sig")))
  if ((!was_ready)); then
    _bad "$where" "never got to '$ready' (exit $code)" "stderr: $(head -c 600 "$_tmp/err")"
  elif [[ $code -eq $want ]]; then _ok "$where"; else _bad "$where" "exit $code, expected $want" "stderr: $(head -c 600 "$_tmp/err")"; fi
}

# no_debris DIR...: no temporary file or staging folder anywhere under DIR.
no_debris() {
  local found
  found=$(find "$@" \( -name '.*.tmp-*' -o -name '.*.restore-*' -o -name '.pairkit-backup-*' \) -print 2>&1)
  if [[ -z $found ]]; then _ok "${BASH_LINENO[0]}: no temporary files in $*"; else _bad "${BASH_LINENO[0]}: temporary files left in $*" "$found"; fi
}
# index_agrees CA OUT [all]: every certificate the index marks delivered into
# OUT is there, every file in OUT is one the index marks delivered there; with
# "all", nothing for OUT is left undelivered. Certificates are compared by
# the SHA-256 of their DER.
index_agrees() {
  pk --json ca list --dir "$1" | python3 -c '
import base64, hashlib, json, os, sys
out, want_all = sys.argv[1], len(sys.argv) > 2
def fp(path):
    pem = open(path).read().split("-----")[2]
    return hashlib.sha256(base64.b64decode("".join(pem.split()))).hexdigest().upper()
rows = [r for r in json.load(sys.stdin) if (r["delivered_to"] or "").startswith(out + "/")]
marked = {r["delivered_to"]: r["sha256"].replace(":", "") for r in rows if r["delivered"]}
files = {out + "/" + f for f in os.listdir(out)}
assert rows, "no certificate was recorded for " + out
for path, sha in marked.items():
    assert path in files, "marked delivered but missing: " + path
    assert fp(path) == sha, "not the indexed certificate: " + path
for path in files:
    assert path in marked or any(r["delivered_to"] == path for r in rows), "a file the index does not know: " + path
if want_all:
    assert len(marked) == len(rows) == len(files), (len(marked), len(rows), len(files))
' "${@:2}"
}
ls_any() { [[ -n $(ls -A "$1" 2>/dev/null) ]]; }
size_over() { local f; for f in $1; do [[ -f $f && $(stat -c %s "$f") -gt $2 ]] && return 0; done; return 1; }

# --- ca sign of 2,000 requests, interrupted once the first files appear
pk -q ca init --dir ca --cn 'Interrupt CA' >/dev/null
pk -q key gen -o t.key && pk -q cert request --key t.key --cn term -o t.csr
mkdir csrs && for i in $(seq -w 2000); do cp t.csr csrs/t$i.csr; done
for sig in INT TERM; do
  interrupt $sig 'ls_any out-$sig' -- pk -q ca sign --dir ca csrs/*.csr --out-dir out-$sig
  no_debris out-$sig ca "$TMPDIR"
  check "after SIG$sig the index and out-$sig agree; what is not delivered is listed" index_agrees ca out-$sig
  t 0 '' 'delivered [0-9]+ certificate' -- pk ca deliver --dir ca
  check "after ca deliver every certificate signed into out-$sig is there" index_agrees ca out-$sig all
done
t 0 '' '^0 undelivered' -- pk ca list --dir ca --undelivered

# --- two ca sign processes on one CA at once: distinct serials, index and files agree
mkdir -p two && for i in $(seq -w 300); do cp t.csr two/a$i.csr; cp t.csr two/b$i.csr; done
check "two concurrent ca sign processes both succeed" bash -c '
  pk -q ca sign --dir ca two/a*.csr --out-dir two-a & a=$!
  pk -q ca sign --dir ca two/b*.csr --out-dir two-b & b=$!
  wait $a; ra=$?; wait $b; rb=$?; [ $ra -eq 0 ] && [ $rb -eq 0 ]'
check "600 files, 600 distinct serials" bash -c '
  [ $(ls two-a two-b | grep -c "\.crt$") -eq 600 ] &&
  [ $(pk --json ca list --dir ca | python3 -c "import json,sys; r=json.load(sys.stdin); print(len({x[\"serial\"] for x in r if x[\"delivered_to\"].startswith(\"two-\")}))") -eq 600 ]'
check "the index and two-a agree" index_agrees ca two-a all
check "the index and two-b agree" index_agrees ca two-b all

# --- backup create of 200 MB, interrupted while the restore point is written
pk -q device init --serial T-1 --dir term >/dev/null
sqlite3 term/pairing.db 'create table pairing(serial text, state text); insert into pairing values ("T-1", "paired");'
head -c 200000000 /dev/zero >term/big.bin
pk -q backup keygen -o id.txt >recipient.txt
R=$(cat recipient.txt)
for sig in INT TERM HUP; do
  interrupt $sig 'size_over ".rp-$sig.age.tmp-*" 1000000' -- pk -q backup create --from term --include big.bin -r "$R" -o rp-$sig.age
  absent rp-$sig.age
  no_debris . "$TMPDIR"
done

# --- backup restore, interrupted while the staging folder holds the key:
# the restore point comes through a FIFO that stops half-way.
t 0 '' '' -- pk -q backup create --from term --include big.bin -r "$R" -o rp.age
mkfifo slow.fifo
for sig in INT TERM; do
  { head -c 100000000 rp.age; exec sleep 60; } >slow.fifo &
  feeder=$!
  interrupt $sig 'size_over ".dev-$sig.restore-*/big.bin" 1000000' -- pk -q backup restore slow.fifo --to dev-$sig -i id.txt
  kill "$feeder" 2>/dev/null
  wait "$feeder" 2>/dev/null
  absent dev-$sig
  no_debris . "$TMPDIR"
  check "no decrypted key outside term/ after SIG$sig" bash -c '[ "$(find . -name key.pem)" = ./term/key.pem ]'
done

# SIGKILL cannot be handled: the staging folder stays, unlocked. The next
# restore to the same place sweeps it (once it is a minute old).
{ head -c 100000000 rp.age; exec sleep 60; } >slow.fifo &
feeder=$!
"$PAIRKIT" -q backup restore slow.fifo --to dev-KILL -i id.txt 2>/dev/null &
victim=$!
for ((i = 0; i < 3000; i++)); do size_over ".dev-KILL.restore-*/big.bin" 1000000 && break; sleep 0.01; done
kill -KILL $victim
wait $victim 2>/dev/null
kill "$feeder" 2>/dev/null
wait "$feeder" 2>/dev/null
check "SIGKILL left the staging folder" bash -c 'ls -d .dev-KILL.restore-*'
touch -d '2 minutes ago' .dev-KILL.restore-*
t 0 '' '' -- pk -q backup restore rp.age --to dev-KILL -i id.txt
no_debris .
check "the restored identity is complete" bash -c 'cmp dev-KILL/key.pem term/key.pem && cmp dev-KILL/big.bin term/big.bin'
