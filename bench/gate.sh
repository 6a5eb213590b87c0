#!/usr/bin/env bash
# Benchmark: the gate (`pairkit gate serve`) against Debian's nginx on the same
# key, certificate and client certificates, driven by the same load client
# (bench/gate_load): new-connection mTLS POST /v1/pair at 1, 16 and 64
# clients (req/s, p50, p99), kept-alive GET /v1/pair/{id} polls/s, and RSS
# with 1,000 idle connections; interleaved rounds (gate, nginx, nginx,
# gate, ...), median and range, ratios to nginx and the issue's targets,
# and each server's CPU time per answer (steadier than rates on a busy machine).
# Bounded: about 3 minutes with the default 5 rounds.
# Usage: bench/gate.sh [PAIRKIT_BINARY] [ROUNDS]   (default: build/pairkit, 5 rounds)
#        BUILD=DIR: the -Dbench=true build with bench/gate_load/gate_load
#        (default: the pairkit binary's folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pk=$(realpath "${1:-$here/../build/pairkit}")
rounds=${2:-5}
build=$(realpath "${BUILD:-$(dirname "$pk")}")
load=$build/bench/gate_load/gate_load
[[ -x $pk ]] || { echo "bench/gate.sh: no pairkit binary at $pk (scripts/build.sh build)" >&2; exit 3; }
[[ -x $load ]] || { echo "bench/gate.sh: no $load (meson configure $build -Dbench=true; ninja -C $build bench/gate_load/gate_load)" >&2; exit 3; }
for tool in nginx curl python3; do
  command -v $tool >/dev/null || { echo "bench/gate.sh: $tool is not installed (scripts/deps.sh bench)" >&2; exit 3; }
done
# 1,000 idle connections on each side, and the load client's own.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(($(ulimit -n) >= 4096)) || { echo "bench/gate.sh: needs 4096 open files (ulimit -n is $(ulimit -n))" >&2; exit 3; }

work=$(mktemp -d /tmp/pairkit-bench-gate.XXXXXX)
source "$here/gate_servers.sh"
trap 'stop_servers; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
cd "$work"

make_paired_terminal
# The idle connections must outlive the time it takes to open 1,000 of them.
printf '[limits]\nidle_timeout = "120s"\n' >srv/gate.toml

start_gate srv
start_nginx
post() {  # PORT: the terminal's POST /v1/pair, answered by the server
  curl -sk --max-time 10 --cert TERM-0042/cert.pem --key TERM-0042/key.pem -H 'Content-Type: application/json' \
    -d '{"serial": "TERM-0042"}' "https://127.0.0.1:$1/v1/pair"
}
id=$(post "$gate_port" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["state"] == "paired", j; print(j["id"])') ||
  { echo "bench/gate.sh: the gate did not answer the paired terminal's POST /v1/pair with state paired" >&2; exit 1; }
post "$nginx_port" >/dev/null

port_of() { if [[ $1 == gate ]]; then echo "$gate_port"; else echo "$nginx_port"; fi; }
server_pids() {  # TARGET: --server-pid arguments for the gate, or nginx's master and workers
  local pid=$gate_pid p
  [[ $1 == nginx ]] && pid=$nginx_pid
  while read -r p; do printf -- '--server-pid\n%s\n' "$p"; done < <(pids_of "$pid")
}
measure() {  # TARGET: one round of every load figure, one JSON line each in figures
  local target=$1 port c pids
  port=$(port_of "$target")
  mapfile -t pids < <(server_pids "$target")
  for c in 1 16 64; do
    "$load" newconn --port "$port" --identity TERM-0042 --concurrency $c --requests 1000000 --seconds 3 "${pids[@]}" |
      sed "s/^{/{\"target\":\"$target\",/" >>figures
  done
  "$load" keepalive --port "$port" --identity TERM-0042 --method GET --path "/v1/pair/$id" --concurrency 16 \
    --requests 10000000 --seconds 3 "${pids[@]}" | sed "s/^{/{\"target\":\"$target\",/" >>figures
}
for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  if ((r % 2)); then measure gate; measure nginx; else measure nginx; measure gate; fi
done

# 1,000 idle connections, each after one status poll; RSS sampled while held
# (nginx: master and workers summed).
for target in gate nginx; do
  pid=$gate_pid
  [[ $target == nginx ]] && pid=$nginx_pid
  echo "idle: $target" >&2
  mapfile -t pids < <(server_pids "$target")
  "$load" idle --port "$(port_of $target)" --identity TERM-0042 --method GET --path "/v1/pair/$id" \
    --connections 1000 --concurrency 16 --seconds 60 --hold 3 "${pids[@]}" |
    sed "s/^{/{\"target\":\"$target\",\"baseline_rss_kb\":$(rss_kb $(pids_of "$pid")),/" >>figures
done

python3 - figures "$rounds" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def runs(target, mode, c=None):
    return [r for r in rows if r["target"] == target and r["mode"] == mode and (c is None or r["concurrency"] == c)]
def fig(values, fmt):
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}-{fmt(max(values))}]"
verdicts = []
def verdict(name, ok, detail):
    verdicts.append(ok)
    print(f"  {'holds' if ok else 'MISSES'}: {name} ({detail})")
print(f"gate vs nginx, {sys.argv[2]} interleaved rounds each; median [min-max]")
for c in (1, 16, 64):
    med = {}
    for t in ("gate", "nginx"):
        rs = runs(t, "newconn", c)
        rps = [r["rps"] for r in rs]
        p50 = [r["p50_ms"] for r in rs]
        p99 = [r["p99_ms"] for r in rs]
        cpu = [r["server_cpu_ms_per_response"] for r in rs]
        bad = sum(r["non_2xx"] + r["error_count"] for r in rs)
        med[t] = (statistics.median(rps), statistics.median(p99), statistics.median(cpu))
        print(f"newconn c={c:<3d} {t:5s} {fig(rps, lambda v: f'{v:7.0f}')} req/s   p50 {fig(p50, lambda v: f'{v:.2f}')} ms"
              f"   p99 {fig(p99, lambda v: f'{v:.2f}')} ms   server CPU {fig(cpu, lambda v: f'{v:.2f}')} ms/req"
              f"   non-2xx or failed: {bad}")
    rate, p99r = med["gate"][0] / med["nginx"][0], med["gate"][1] / med["nginx"][1]
    cpur = med["gate"][2] / med["nginx"][2] if med["nginx"][2] else float("nan")
    print(f"  ratio gate/nginx: rate {rate:.2f}x, p99 {p99r:.2f}x, server CPU per request {cpur:.2f}x")
    verdict(f"rate at {c} clients >= 0.8x nginx", rate >= 0.8, f"{rate:.2f}x")
    verdict(f"p99 at {c} clients <= 1.5x nginx", p99r <= 1.5, f"{p99r:.2f}x")
med = {}
for t in ("gate", "nginx"):
    rs = runs(t, "keepalive")
    rps = [r["rps"] for r in rs]
    p99 = [r["p99_ms"] for r in rs]
    cpu = [r["server_cpu_ms_per_response"] for r in rs]
    bad = sum(r["non_2xx"] + r["error_count"] for r in rs)
    med[t] = (statistics.median(rps), statistics.median(cpu))
    print(f"keepalive c=16 {t:5s} {fig(rps, lambda v: f'{v:7.0f}')} polls/s   p99 {fig(p99, lambda v: f'{v:.2f}')} ms"
          f"   server CPU {fig(cpu, lambda v: f'{v:.3f}')} ms/poll"
          f"   reconnects {sum(r['reconnects'] for r in rs)}   non-2xx or failed: {bad}")
ka = med["gate"][0] / med["nginx"][0]
cpur = med["gate"][1] / med["nginx"][1] if med["nginx"][1] else float("nan")
print(f"  ratio gate/nginx: {ka:.2f}x, server CPU per poll {cpur:.2f}x")
verdict("keep-alive polls >= 0.8x nginx", ka >= 0.8, f"{ka:.2f}x")
for t in ("gate", "nginx"):
    r = runs(t, "idle")[0]
    print(f"idle {t:5s} {r['open_after_hold']}/{r['connections']} open after {r['hold_s']:.0f} s"
          f" (opened in {r['open_s']:.1f} s): RSS {r['server_rss_kb_max'] / 1024:.1f} MB"
          f" (before: {r['baseline_rss_kb'] / 1024:.1f} MB)")
g = runs("gate", "idle")[0]
verdict("gate RSS with 1,000 idle connections <= 64 MB",
        g["open_after_hold"] >= 1000 and g["server_rss_kb_max"] <= 64 * 1024,
        f"{g['server_rss_kb_max'] / 1024:.1f} MB, {g['open_after_hold']} open")
print(f"targets: {sum(verdicts)} of {len(verdicts)} hold")
PY
