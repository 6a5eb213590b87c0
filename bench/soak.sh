#!/usr/bin/env bash
# Soak: one gate for SECONDS (default 120, at most 600) under a mix of joins
# (POST /v1/pair from 120 identities on as many loopback addresses: more
# than the pending cap, so some are refused with 429), paired terminals'
# POSTs, kept-alive status polls, EST renewals (4 enrolled terminals, each
# renewal from the certificate the previous one answered), garbage
# connections (random bytes, plaintext HTTP) and slow drips (a header one
# byte a second). Samples the
# gate's RSS and open fds every 2 s. PASS when both stay flat (the last
# quarter's median within 10 % + 4 MB and 16 fds of the second quarter's, the
# first being warm-up), the fds return to their idle count once the load
# stops, and every request was answered or refused cleanly: no reset, early
# close or timeout on a well-formed request, no 5xx but 503 with
# Retry-After, no 429 without it, every garbage or slow connection closed by
# the gate, and the CA index holding exactly the certificates the renewals
# were answered with (none lost, none unanswered, none twice).
# Usage: bench/soak.sh [SECONDS] [PAIRKIT_BINARY]   (default: 120, build/pairkit)
#        BUILD=DIR: the -Dbench=true build with bench/gate_load/gate_load
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-120}
pk=$(realpath "${2:-$here/../build/pairkit}")
build=$(realpath "${BUILD:-$(dirname "$pk")}")
load=$build/bench/gate_load/gate_load
[[ $seconds =~ ^[0-9]+$ ]] && ((seconds >= 40 && seconds <= 600)) ||
  { echo "bench/soak.sh: SECONDS is a whole number from 40 to 600, not '$seconds'" >&2; exit 2; }
[[ -x $pk ]] || { echo "bench/soak.sh: no pairkit binary at $pk (scripts/build.sh build)" >&2; exit 3; }
[[ -x $load ]] || { echo "bench/soak.sh: no $load (meson configure $build -Dbench=true; ninja -C $build bench/gate_load/gate_load)" >&2; exit 3; }
for tool in curl python3; do
  command -v $tool >/dev/null || { echo "bench/soak.sh: $tool is not installed (scripts/deps.sh bench)" >&2; exit 3; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d /tmp/pairkit-soak.XXXXXX)
source "$here/gate_servers.sh"
loaders=()
cleanup() {
  local p
  # (A bare `wait` would wait for the gate too.)
  if ((${#loaders[@]})); then
    for p in "${loaders[@]}"; do kill "$p" 2>/dev/null || true; done
    wait "${loaders[@]}" 2>/dev/null || true
  fi
  stop_servers
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work"

make_paired_terminal
# The renewing terminals: pre-registered, so that the gate pairs them at
# first contact; they enroll once the gate is up.
"$pk" -q ca init --dir ca --cn "Soak fleet CA" >/dev/null
printf '[gate]\nca = "%s/ca"\nauto_approve_expected = true\n' "$PWD" >srv/gate.toml
renewers=()
for ((i = 1; i <= 4; i++)); do
  printf -v serial 'RENEW-%04d' "$i"
  "$pk" -q device init --serial "$serial" --dir "renewers/$serial" >/dev/null
  "$pk" -q pair expect --db srv/pairing.db --serial "$serial" --fingerprint "$("$pk" fingerprint "renewers/$serial/cert.pem")" >/dev/null
  renewers+=(--identity "renewers/$serial")
done
# The CA index's serials, one a line, hex without leading zeros (as gate_load reports them).
index_serials() {
  "$pk" --json ca list --dir ca | python3 -c 'import json,sys; print("\n".join(c["serial"].lstrip("0") or "0" for c in json.load(sys.stdin)))'
}
joiners=()
for ((i = 1; i <= 120; i++)); do
  printf -v serial 'JOIN-%04d' "$i"
  "$pk" -q device init --serial "$serial" --dir "joiners/$serial" >/dev/null
  joiners+=(--identity "joiners/$serial")
done

start_gate srv
id=$(curl -sk --max-time 10 --cert TERM-0042/cert.pem --key TERM-0042/key.pem -H 'Content-Type: application/json' \
  -d '{"serial": "TERM-0042"}' "https://127.0.0.1:$gate_port/v1/pair" |
  python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["state"] == "paired", j; print(j["id"])') ||
  { echo "bench/soak.sh: the gate did not answer the paired terminal's POST /v1/pair with state paired" >&2; exit 1; }
"$load" newconn --port "$gate_port" "${renewers[@]}" --requests 4 --concurrency 2 | grep -q '"status":{"200":4}' ||
  { echo "bench/soak.sh: the gate did not pair the pre-registered terminals at first contact" >&2; exit 1; }
"$load" enroll --port "$gate_port" "${renewers[@]}" --concurrency 2 --save-certs | grep -q '"new_certificates":4,' ||
  { echo "bench/soak.sh: the pre-registered terminals did not enroll" >&2; exit 1; }
# Warm-up, a little of each kind: each worker opens its registry connection
# and event fds on first use and keeps them (and its CA index connection on
# its first renewal), and the first join opens /dev/urandom for good; the
# idle count to come back to is the one after.
"$load" newconn --port "$gate_port" --identity TERM-0042 --concurrency 4 --requests 400 --seconds 5 >/dev/null
"$load" newconn --port "$gate_port" --identity joiners/JOIN-0001 --sources 120 --concurrency 2 --requests 20 --seconds 5 >/dev/null
"$load" keepalive --port "$gate_port" --identity TERM-0042 --method GET --path "/v1/pair/$id" --concurrency 2 \
  --requests 200 --seconds 5 >/dev/null
"$load" garbage --port "$gate_port" --concurrency 2 --requests 20 --seconds 5 --timeout 15000 >/dev/null
"$load" renew --port "$gate_port" "${renewers[@]}" --concurrency 4 --requests 40 --seconds 5 --save-certs >/dev/null
sleep 1
index_serials | sort >serials.before
idle_fds_before=$(ls "/proc/$gate_pid/fd" | wc -l)

end=$((SECONDS + seconds))
# loop NAME RUN_SECONDS ARGS...: gate_load runs of RUN_SECONDS until the end,
# one JSON line each in NAME.jsonl.
loop() {
  local name=$1 run=$2
  shift 2
  while ((SECONDS + run <= end)); do
    "$load" "$@" --port "$gate_port" --seconds "$run" >>"$name.jsonl" || echo "{\"mode\": \"failed\", \"exit\": $?}" >>"$name.jsonl"
  done
}
loop joins 5 newconn "${joiners[@]}" --sources 120 --concurrency 4 --requests 100000 &
loaders+=($!)
loop paired 5 newconn --identity TERM-0042 --concurrency 2 --requests 100000 &
loaders+=($!)
loop polls 5 keepalive --identity TERM-0042 --method GET --path "/v1/pair/$id" --concurrency 2 --requests 10000000 &
loaders+=($!)
loop renewals 5 renew "${renewers[@]}" --concurrency 2 --requests 100000 --save-certs &
loaders+=($!)
loop garbage 5 garbage --concurrency 2 --requests 100000 --timeout 15000 &
loaders+=($!)
# Longer than the gate's 10 s header timeout, so that each drip ends in its close.
loop drips 20 slowdrip --identity TERM-0042 --connections 20 &
loaders+=($!)

echo "soak: ${seconds} s against the gate (pid $gate_pid, port $gate_port)" >&2
while ((SECONDS < end)); do
  kill -0 "$gate_pid" 2>/dev/null || break
  echo "$SECONDS $(rss_kb "$gate_pid") $(ls "/proc/$gate_pid/fd" 2>/dev/null | wc -l)" >>samples
  sleep 2
done
wait "${loaders[@]}" || true
loaders=()
alive=1
kill -0 "$gate_pid" 2>/dev/null || alive=0
# Connections the gate closes late (a slow drip's last) need their timeout.
for ((i = 0; i < 30; i++)); do
  idle_fds_after=$(ls "/proc/$gate_pid/fd" 2>/dev/null | wc -l)
  ((idle_fds_after <= idle_fds_before)) && break
  sleep 1
done

index_serials | sort >serials.after

python3 - "$alive" "$idle_fds_before" "$idle_fds_after" <<'PY'
import json, statistics, sys
alive, fds_before, fds_after = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
failures = []
def load(name):
    try:
        return [json.loads(l) for l in open(name + ".jsonl")]
    except FileNotFoundError:
        return []
for name, label in (("joins", "joins (120 identities)"), ("paired", "paired POSTs"), ("polls", "kept-alive polls"),
                    ("renewals", "EST renewals (4)")):
    runs = load(name)
    failed = [r for r in runs if r["mode"] == "failed"]
    runs = [r for r in runs if r["mode"] != "failed"]
    status, errors = {}, {}
    for r in runs:
        for k, v in r["status"].items(): status[k] = status.get(k, 0) + v
        for k, v in r["errors"].items(): errors[k] = errors.get(k, 0) + v
    total = sum(status.values())
    p99 = max((r["p99_ms"] for r in runs), default=0)
    print(f"{label:24s} {total:7d} answered   statuses {json.dumps(status, sort_keys=True)}   "
          f"failures {json.dumps(errors, sort_keys=True)}   worst p99 {p99:.1f} ms")
    if failed: failures.append(f"{label}: {len(failed)} load client runs failed")
    if errors: failures.append(f"{label}: well-formed requests not answered: {errors}")
    bad = {k: v for k, v in status.items() if k.startswith("5") and k != "503"}
    if bad: failures.append(f"{label}: 5xx answers {bad}")
    no_retry = sum(r["refusals_without_retry_after"] for r in runs)
    if no_retry: failures.append(f"{label}: {no_retry} 429/503 without Retry-After")
    if total == 0: failures.append(f"{label}: nothing answered")
# Every renewal answered 200 is one new row of the CA index, and nothing else is.
renewals = [r for r in load("renewals") if r["mode"] == "renew"]
answered = [s.lstrip("0") or "0" for r in renewals for s in r["new_serials"]]
ok200 = sum(r["status"].get("200", 0) for r in renewals)
before, after = set(open("serials.before").read().split()), set(open("serials.after").read().split())
added = after - before
print(f"{'CA index':24s} {len(added):7d} rows added   {ok200} renewals answered 200 with {len(answered)} new certificates"
      f" ({len(set(answered))} distinct); {len(added - set(answered))} rows not answered,"
      f" {len(set(answered) - added)} answered but not recorded, {len(before - after)} rows gone")
if ok200 != len(answered) or len(set(answered)) != len(answered):
    failures.append(f"renewals: {ok200} answered 200 but {len(set(answered))} distinct new certificates")
if set(answered) != added or before - after:
    failures.append("renewals: the CA index does not hold exactly the certificates answered")
if sum(r["repeated_certificates"] + r["unreadable_certificates"] for r in renewals):
    failures.append("renewals: a certificate answered twice or unreadable")
g = [r for r in load("garbage") if r["mode"] == "garbage"]
ends = {}
for r in g:
    for k, v in r["ends"].items(): ends[k] = ends.get(k, 0) + v
unclean = sum(r["unclean"] for r in g)
print(f"{'garbage connections':24s} {sum(ends.values()):7d}   ends {json.dumps(ends, sort_keys=True)}   "
      f"slowest close {max((r['close_ms_max'] for r in g), default=0):.0f} ms")
if unclean: failures.append(f"garbage: {unclean} connections neither closed nor answered in 15 s")
if not g: failures.append("garbage: no run completed")
d = [r for r in load("drips") if r["mode"] == "slowdrip"]
drip_status = {}
for r in d:
    for k, v in r["status"].items(): drip_status[k] = drip_status.get(k, 0) + v
print(f"{'slow drips':24s} {sum(r['started'] for r in d):7d}   closed by the gate {sum(r['closed_by_server'] for r in d)}"
      f" (median after {statistics.median([r['closed_after_s_median'] for r in d]) if d else 0:.0f} s)"
      f"   answers {json.dumps(drip_status, sort_keys=True)}   left open {sum(r['still_open'] for r in d)}")
if any(r["still_open"] for r in d): failures.append("slow drips: connections the gate never closed")
if not d: failures.append("slow drips: no run completed")
samples = [tuple(map(int, l.split())) for l in open("samples")]
n = len(samples)
q = max(1, n // 4)
base, last = samples[q:2 * q], samples[-q:]
rss_base, rss_last = statistics.median(s[1] for s in base), statistics.median(s[1] for s in last)
fd_base, fd_last = statistics.median(s[2] for s in base), statistics.median(s[2] for s in last)
print(f"RSS  {n} samples: second quarter median {rss_base / 1024:.1f} MB, last quarter {rss_last / 1024:.1f} MB,"
      f" max {max(s[1] for s in samples) / 1024:.1f} MB")
print(f"fds  second quarter median {fd_base:.0f}, last quarter {fd_last:.0f}, max {max(s[2] for s in samples)};"
      f" idle before {fds_before}, after {fds_after}")
if rss_last > rss_base * 1.10 + 4096: failures.append("RSS grew")
if fd_last > fd_base + 16: failures.append("open fds grew under load")
if fds_after > fds_before: failures.append(f"open fds did not return to idle ({fds_before} before, {fds_after} after)")
if not alive: failures.append("the gate died")
for f in failures: print("  " + f)
print("PASS" if not failures else "FAIL")
sys.exit(1 if failures else 0)
PY
