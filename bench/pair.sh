#!/usr/bin/env bash
# Benchmark: `pairkit pair check` as a whole process against a registry of
# 100,000 paired terminals (target: median at most 10 ms), next to the peer a
# shell script would use for the same answer (openssl x509 -fingerprint piped
# into an sqlite3 lookup), and `pairkit --version` as the process start floor.
# Usage: bench/pair.sh [PAIRKIT_BINARY] [RUNS]   (default: build/pairkit, 200 runs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pk=$(realpath "${1:-$root/build/pairkit}")
runs=${2:-200}
[[ -x $pk ]] || { echo "no pairkit binary at $pk (scripts/build.sh build)" >&2; exit 3; }
work=$(mktemp -d /tmp/pairkit-bench-pair.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$pk" -q device init --serial TERM-0042 --dir term >/dev/null
"$pk" -q device init --serial GATE-1 --role server --dir srv >/dev/null
db=srv/pairing.db
# One real pairing through the commands...
code=$("$pk" --json pair request --db $db --serial TERM-0042 --cert term/cert.pem --server-cert srv/cert.pem |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')
# The registry requires an operator's TOTP code for decisions (pairkit-operator(1));
# a pairkit from before operators has no `operator` group and needs none.
otp=()
if uri=$("$pk" operator add --db $db --name bench 2>/dev/null); then
  otp=(--otp "$(oathtool --totp -b "$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' <<<"$uri")")")
fi
"$pk" -q pair approve --db $db --serial TERM-0042 --code "$code" --operator bench "${otp[@]}" >/dev/null
# ...and 99,999 more in one transaction (random fingerprints, distinct serials).
t0=$(date +%s%N)
sqlite3 $db <<'SQL'
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
INSERT INTO terminals(serial, fingerprint, request_id, paired_at, paired_by)
SELECT printf('BULK-%06d', i), upper(hex(randomblob(32))), NULL, 1800000000, 'bench' FROM n;
COMMIT;
SQL
t1=$(date +%s%N)
count=$(sqlite3 $db 'SELECT count(*) FROM terminals')
echo "registry: $count paired terminals ($(du -h $db | cut -f1)), bulk insert $(((t1 - t0) / 1000000)) ms"

python3 - "$pk" "$db" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
pk, db, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
quiet = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
fp = subprocess.run(["openssl", "x509", "-in", "term/cert.pem", "-noout", "-fingerprint", "-sha256"],
                    capture_output=True, text=True).stdout.strip().split("=")[1]
cases = {
    "pairkit pair check": [pk, "pair", "check", "--db", db, "--serial", "TERM-0042", "--cert", "term/cert.pem"],
    "peer: openssl x509 | sqlite3": ["sh", "-c",
        f"f=$(openssl x509 -in term/cert.pem -noout -fingerprint -sha256 | cut -d= -f2); "
        f"[ \"$(sqlite3 {db} \"SELECT fingerprint FROM terminals WHERE serial = 'TERM-0042'\")\" = \"$f\" ]"],
    "pairkit --version (start floor)": [pk, "--version"],
    "/bin/true (process floor)": ["/bin/true"],
}
res = {}
for name, cmd in cases.items():
    times, cpu = [], []
    for _ in range(runs):
        # posix_spawn + wait4: the process's own time, without subprocess.run's pipes and bookkeeping.
        t = time.perf_counter()
        pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=quiet)
        _, status, ru = os.wait4(pid, 0)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{name}: exit {os.waitstatus_to_exitcode(status)}")
    times.sort()
    res[name] = (statistics.median(times), times[int(len(times) * 0.9)], statistics.median(cpu))
    print(f"{name:34s} median {res[name][0]:6.2f} ms   p90 {res[name][1]:6.2f} ms   cpu median {res[name][2]:6.2f} ms   ({runs} runs)")
m = res["pairkit pair check"][0]
print(f"ratio pairkit / peer: {m / res['peer: openssl x509 | sqlite3'][0]:.2f} (wall), "
      f"{res['pairkit pair check'][2] / max(res['peer: openssl x509 | sqlite3'][2], 0.001):.2f} (cpu)")
print(f"load average while measuring: {open('/proc/loadavg').read().split()[0]} on {__import__('os').cpu_count()} cores")
print(f"ratio pairkit / start floor: {m / res['pairkit --version (start floor)'][0]:.2f}")
print(f"target: median <= 10 ms: {'met' if m <= 10 else 'NOT met'}")
PY

# 4 processes x 50 pair requests at once against one registry, next to the same
# 200 inserts made by 4 concurrent sqlite3 shells (one process per insert).
conc() {  # $1: label, $2: function run per request with the serial
  local start end
  start=$(date +%s%N)
  for p in 1 2 3 4; do
    (for i in $(seq 1 50); do $2 "C$p-$i" >/dev/null 2>>conc.err || echo "fail" >>conc.err; done) &
  done
  wait
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
req() { "$pk" -q pair request --db conc.db --serial "$1" --cert term/cert.pem --server-cert srv/cert.pem; }
peer() { sqlite3 -cmd '.timeout 5000' peer.db "INSERT INTO requests(serial, fingerprint, certificate, server_fingerprint, nonce, state, created_at, expires_at) VALUES ('$1', 'fp', 'pem', 'sfp', lower(hex(randomblob(16))), 'pending', 0, 900)"; }
cp $db peer.db && sqlite3 peer.db 'DELETE FROM requests; PRAGMA journal_mode=WAL;' >/dev/null
: >conc.err
ms=$(conc pairkit req)
pms=$(conc peer peer)
rows=$(sqlite3 conc.db 'SELECT count(*) FROM requests')
echo "4 x 50 concurrent pair request: $rows rows in $ms ms ($((ms / 200)) ms per request); peer 4 x 50 sqlite3 INSERT: $pms ms; ratio $(python3 -c "print(f'{$ms / $pms:.2f}')")"
if [[ -s conc.err ]]; then echo "errors:"; sort conc.err | uniq -c; fi
