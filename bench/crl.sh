#!/usr/bin/env bash
# Reading hostile CRLs, against openssl in the same run, on CRLs made in this
# run (nothing committed; tests/cli/make-crl.py writes them, unsigned, which
# `crl info` does not check):
#   normal     N distinct random serials, as pairkit issues them
#   duplicate  N entries all listing serial 01 (the old hash index went
#              quadratic on it; pairkit now refuses it, exit 3)
#   prefix     N distinct serials alike in their first 12 bytes (every
#              comparison the sorted index makes goes past its keys)
# For each: `pairkit crl info` (text) and `pairkit --json crl info` vs
# `openssl crl -noout -text` (which decodes and prints every entry, as --json
# does), in interleaved rounds (the order rotates each round), median and
# range of wall time, ratio to openssl's median, and peak RSS against the
# CRL's size.
# Usage: bench/crl.sh [build/pairkit] [N_ENTRIES] [ROUNDS]   (defaults: 1000000, 5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pk=$(realpath "${1:-build/pairkit}")
n=${2:-1000000}
rounds=${3:-5}
[[ -x $pk ]] || { echo "bench/crl.sh: no pairkit at $pk (build it, or pass its path)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "bench/crl.sh: openssl is not installed" >&2; exit 2; }
work=$(mktemp -d /tmp/pairkit-bench-crl.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== making three CRLs of $n entries (DER)"
for kind in normal duplicate prefix; do
  python3 "$here/../tests/cli/make-crl.py" "$work/$kind.der" "$n" "$kind"
  echo "$kind.der: $(stat -c %s "$work/$kind.der") bytes"
done

python3 - "$pk" "$work" "$rounds" <<'PY'
import os, statistics, sys, time
pk, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
kinds = ["normal", "duplicate", "prefix"]
tools = {
    "pairkit crl info": lambda f: [pk, "crl", "info", f],
    "pairkit --json crl info": lambda f: [pk, "--json", "crl", "info", f],
    "openssl crl -noout -text": lambda f: ["openssl", "crl", "-inform", "DER", "-in", f, "-noout", "-text"],
}
names = list(tools)
devnull = os.open(os.devnull, os.O_WRONLY)
wall = {(k, t): [] for k in kinds for t in names}
rss = {(k, t): [] for k in kinds for t in names}
status = {}

def run(kind, tool):
    argv = tools[tool](f"{work}/{kind}.der")
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, st, usage = os.wait4(pid, 0)
    wall[kind, tool].append(time.perf_counter() - start)
    rss[kind, tool].append(usage.ru_maxrss / 1024)  # MiB
    status[kind, tool] = os.waitstatus_to_exitcode(st)

for r in range(rounds):
    order = [(k, t) for k in kinds for t in names]
    shift = r % len(order)  # rotate, so that no pair always runs first
    for kind, tool in order[shift:] + order[:shift]:
        run(kind, tool)
    print(f"round {r + 1}/{rounds} done", file=sys.stderr)

print(f"\n{'CRL':10} {'command':26} {'exit':>4} {'median s':>9} {'range s':>15} {'x openssl':>9} {'peak RSS MiB':>12} {'RSS/CRL':>8}")
for kind in kinds:
    size_mib = os.path.getsize(f"{work}/{kind}.der") / 2**20
    peer = statistics.median(wall[kind, names[2]])
    for tool in names:
        w = wall[kind, tool]
        m = statistics.median(w)
        peak = max(rss[kind, tool])
        print(f"{kind:10} {tool:26} {status[kind, tool]:>4} {m:9.3f} {min(w):7.3f}-{max(w):<7.3f} "
              f"{m / peer:9.2f} {peak:12.1f} {peak / size_mib:8.2f}")
print("\nduplicate: pairkit refuses a CRL listing a serial twice (exit 3, pairkit-crl(1)); its time is the time to refuse.")
print("Peak RSS includes the process itself (pairkit --version alone: see below).")
PY
/usr/bin/env python3 - "$pk" <<'PY'
import os, sys
pid = os.posix_spawn(sys.argv[1], [sys.argv[1], "--version"], os.environ,
                     file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
print(f"pairkit --version peak RSS: {os.wait4(pid, 0)[2].ru_maxrss / 1024:.1f} MiB")
PY
