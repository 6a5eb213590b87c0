#!/usr/bin/env bash
# Runs real PC/SC sessions against `pairkit sim card`, isolated from any other
# pcscd: a private mount namespace (own /run/pcscd) and network namespace (own
# 127.0.0.1:35963). Needs root, pcscd, vsmartcard-vpcd and pcsc-tools.
# Usage: pcsc-session.sh DIR [SIM-CARD-OPTION...] -- APDU-FILE...
# Runs pcscd, the card (`pairkit sim card --wait 10s OPTIONS`), then scriptor
# once per APDU file (a file is one card session), then stops pcscd so the
# card sees its reader go away. Leaves in DIR: scriptor-N.out (scriptor's
# output and "exit N"), card.out / card.err / card.rc, pcscd.log.
# Exits 0 when every step ran (whatever the card answered), 3 when the
# harness itself failed (message on stderr).
set -uo pipefail
if [[ ${PCSC_SESSION_INSIDE:-} != 1 ]]; then
  export PCSC_SESSION_INSIDE=1
  exec unshare --mount --net --propagation private "$0" "$@"
fi
dir=$1
shift
card_args=()
while [[ $# -gt 0 && $1 != -- ]]; do card_args+=("$1"); shift; done
shift
mkdir -p "$dir"
die() { echo "pairkit: pcsc-session: $*" >&2; exit 3; }

pcscd_pid='' card_pid=''
cleanup() {
  [[ -n $card_pid ]] && kill "$card_pid" 2>/dev/null
  [[ -n $pcscd_pid ]] && kill "$pcscd_pid" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT

ip link set lo up || die "cannot bring up loopback in the network namespace"
mkdir -p /run/pcscd && mount -t tmpfs -o mode=0755 tmpfs /run/pcscd || die "cannot mount a private /run/pcscd"
pcscd --foreground --apdu --debug >"$dir/pcscd.log" 2>&1 &
pcscd_pid=$!

"$PAIRKIT" sim card --wait 10s "${card_args[@]}" >"$dir/card.out" 2>"$dir/card.err" &
card_pid=$!

# Ready when a session with no APDUs gets through: pcscd has the reader and
# sees the card (connecting only powers the card, like any insertion).
echo >"$dir/empty.apdu"
ready=0
for _ in $(seq 100); do
  kill -0 "$card_pid" 2>/dev/null || break
  if scriptor -r "Virtual PCD 00 00" "$dir/empty.apdu" >"$dir/ready.out" 2>&1; then ready=1; break; fi
  sleep 0.1
done
if ((!ready)); then
  cat "$dir/card.err" >&2
  die "the card never appeared in reader 'Virtual PCD 00 00' ($(tail -1 "$dir/ready.out"))"
fi

n=0
for apdus in "$@"; do
  n=$((n + 1))
  timeout 20 scriptor -r "Virtual PCD 00 00" "$apdus" >"$dir/scriptor-$n.out" 2>&1
  echo "exit $?" >>"$dir/scriptor-$n.out"
done

kill "$pcscd_pid"
wait "$pcscd_pid" 2>/dev/null
pcscd_pid=''
# The card ends by itself once its reader is gone.
for _ in $(seq 50); do kill -0 "$card_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$card_pid" 2>/dev/null; then die "the card kept running after pcscd stopped"; fi
wait "$card_pid"
echo $? >"$dir/card.rc"
card_pid=''
exit 0
