#!/usr/bin/env bash
# Before and after, in one run: the same benchmarks for two pairkit binaries,
# in interleaved rounds (old then new, new then old, ...), reporting the median and
# range of each figure and the ratio new/old; then the instruction counts
# (callgrind: repeatable whatever the machine's load) of `--version` and
# `pair check`, with the start-up figures measured again alternating process
# by process. For refactors that must not cost speed.
# Usage: bench/compare.sh [--startup] OLD_PAIRKIT NEW_PAIRKIT [ROUNDS]   (default 5 rounds)
#   --startup: start-up only (pair.sh and fingerprint.sh), without backup.sh's
#   200 MB restore points (bench/startup.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
startup_only=0
[[ ${1:-} == --startup ]] && { startup_only=1; shift; }
old=$(realpath "${1:?usage: bench/compare.sh OLD_PAIRKIT NEW_PAIRKIT [ROUNDS]}")
new=$(realpath "${2:?usage: bench/compare.sh OLD_PAIRKIT NEW_PAIRKIT [ROUNDS]}")
rounds=${3:-5}
command -v valgrind >/dev/null || { echo "bench/compare.sh: valgrind is not installed" >&2; exit 2; }
work=$(mktemp -d /tmp/pairkit-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT

# figure NAME VALUE for a side: one line per figure and round in $work/figures.
record() { echo "$1 $2 $3" >>"$work/figures"; }
run_side() {  # SIDE BINARY
  local side=$1 pk=$2 out
  out=$("$here/pair.sh" "$pk" 100)
  record "$side" pair_check_ms "$(sed -nE 's/^pairkit pair check +median +([0-9.]+) ms.*/\1/p' <<<"$out")"
  record "$side" version_ms "$(sed -nE 's/^pairkit --version \(start floor\) +median +([0-9.]+) ms.*/\1/p' <<<"$out")"
  out=$("$here/fingerprint.sh" "$pk" 100)
  record "$side" fingerprint_ms "$(sed -nE 's/^pairkit fingerprint: +([0-9.]+) ms.*/\1/p' <<<"$out")"
  ((startup_only)) && return
  out=$("$here/backup.sh" "$pk" 200 1)
  record "$side" backup_create_s "$(awk '$1 == "pk_create" {print $2}' <<<"$out")"
  record "$side" backup_restore_s "$(awk '$1 == "pk_restore" {print $2}' <<<"$out")"
  record "$side" backup_peak_rss_mb "$(awk '$1 == "pk_create" || $1 == "pk_restore" {print $7}' <<<"$out" | sort -n | tail -1)"
}
for ((r = 1; r <= rounds; r++)); do  # old first in odd rounds, new first in even ones
  echo "round $r/$rounds" >&2
  if ((r % 2)); then
    run_side old "$old"
    run_side new "$new"
  else
    run_side new "$new"
    run_side old "$old"
  fi
done

# Start-up, finer: the two binaries alternate process by process (old, new,
# new, old, ...), so that both see the same moment of a noisy machine; a whole
# script per side and round (above) cannot interleave that closely.
cd "$work"
"$new" -q device init --serial TERM-0042 --dir term >/dev/null
"$new" -q device init --serial GATE-1 --role server --dir srv >/dev/null
# A registry per side, made by that side's binary: a newer schema may be
# one the old binary cannot read. "{side}" in an argument names the side.
# A registry of this pairkit requires an operator's TOTP code for decisions
# (pairkit-operator(1)); a pairkit from before operators has no `operator`
# group and needs none.
for side in old new; do
  bin=$old
  [[ $side == new ]] && bin=$new
  mkdir "reg-$side"
  code=$("$bin" --json pair request --db "reg-$side/pairing.db" --serial TERM-0042 --cert term/cert.pem \
    --server-cert srv/cert.pem | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')
  otp=()
  if uri=$("$bin" operator add --db "reg-$side/pairing.db" --name bench 2>/dev/null); then
    otp=(--otp "$(oathtool --totp -b "$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' <<<"$uri")")")
  fi
  "$bin" -q pair approve --db "reg-$side/pairing.db" --serial TERM-0042 --code "$code" --operator bench "${otp[@]}" >/dev/null
done
alternate() {  # NAME RUNS ARGS...: records NAME_alt_ms (median wall) per side
  local name=$1 runs=$2 line
  shift 2
  while read -r line; do record $line; done < <(python3 - "$old" "$new" "$runs" "$name" "$@" <<'PY'
import os, statistics, sys, time
old, new, runs, name, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
quiet = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
wall = {"old": [], "new": []}
for i in range(runs):
    for side in (("old", "new") if i % 2 == 0 else ("new", "old")):
        binary = old if side == "old" else new
        t = time.perf_counter()
        argv = [binary] + [a.replace("{side}", side) for a in args]
        pid = os.posix_spawn(binary, argv, os.environ, file_actions=quiet)
        _, status, _ = os.wait4(pid, 0)
        wall[side].append((time.perf_counter() - t) * 1000)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{side} {' '.join(argv[1:])}: exit {os.waitstatus_to_exitcode(status)}")
    if (i + 1) % 50 == 0:  # medians of blocks of 50, so that the summary shows a range
        for side in ("old", "new"):
            print(side, name + "_alt_ms", f"{statistics.median(wall[side][-50:]):.3f}")
PY
)
}
alternate version 200 --version
alternate fingerprint 200 fingerprint term/cert.pem
alternate pair_check 200 pair check --db 'reg-{side}/pairing.db' --serial TERM-0042 --cert term/cert.pem

# Instruction counts: one run each, identical for identical binaries and inputs.
instructions() {  # BINARY ARGS...: total instructions of one run
  valgrind --tool=callgrind --callgrind-out-file=cg.out "$@" >/dev/null 2>cg.err
  sed -nE 's/^==[0-9]+== Collected : ([0-9]+).*/\1/p' cg.err
}
for side in old new; do
  bin=$old
  [[ $side == new ]] && bin=$new
  record "$side" version_instructions "$(instructions "$bin" --version)"
  record "$side" pair_check_instructions "$(instructions "$bin" pair check --db "reg-$side/pairing.db" --serial TERM-0042 --cert term/cert.pem)"
done

python3 - "$work/figures" "$rounds" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, name, value = line.split()
    rows.setdefault(name, {}).setdefault(side, []).append(float(value))
print(f"old: {sys.argv[2]} rounds interleaved with new; median [min-max]; ratio new/old of the medians")
for name, sides in rows.items():
    o, n = sides["old"], sides["new"]
    mo, mn = statistics.median(o), statistics.median(n)
    fmt = (lambda v: f"{v:,.0f}") if name.endswith("instructions") else (lambda v: f"{v:.2f}")
    print(f"  {name:24s} old {fmt(mo):>12s} [{fmt(min(o))}-{fmt(max(o))}]   new {fmt(mn):>12s} "
          f"[{fmt(min(n))}-{fmt(max(n))}]   ratio {mn / mo:.3f}")
PY
