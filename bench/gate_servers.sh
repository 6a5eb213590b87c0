# Sourced by bench/gate.sh and bench/soak.sh: free ports, starting a gate and
# its nginx peer in the current folder, and their processes' RSS and fds.
# The caller sets $pk (the pairkit binary) and stops what $servers lists.
servers=()

# srv/ (a gate's identity) and TERM-0042/ (a terminal paired in its registry,
# approved by operator "bench" with its TOTP code), so that the terminal's
# POST /v1/pair answers 200 as nginx's static answer does. A pairkit from
# before operators has no `operator` group and needs no code.
make_paired_terminal() {
  local code uri otp=()
  "$pk" -q device init --serial GATE-1 --role server --dir srv >/dev/null
  "$pk" -q device init --serial TERM-0042 --dir TERM-0042 >/dev/null
  code=$("$pk" --json pair request --db srv/pairing.db --serial TERM-0042 --cert TERM-0042/cert.pem \
    --server-cert srv/cert.pem | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')
  if uri=$("$pk" operator add --db srv/pairing.db --name bench 2>/dev/null); then
    otp=(--otp "$(oathtool --totp -b "$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' <<<"$uri")")")
  fi
  "$pk" -q pair approve --db srv/pairing.db --serial TERM-0042 --code "$code" --operator bench "${otp[@]}" >/dev/null
}

# A free TCP port on 127.0.0.1 (bound, read back, released: the server
# binding it next may still lose a race, which start_* report).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_https PORT LOG: until https://127.0.0.1:PORT/healthz answers (10 s at most).
wait_https() {
  local i
  for ((i = 0; i < 100; i++)); do
    curl -sk -o /dev/null --max-time 1 "https://127.0.0.1:$1/healthz" && return 0
    sleep 0.1
  done
  echo "the server on port $1 did not come up; its log ($2):" >&2
  tail -20 "$2" >&2
  return 1
}

# start_gate SERVER_DIR: sets gate_port and gate_pid (pairkit execs
# pairkit-gate, so the pid is the gate's own).
start_gate() {
  gate_port=$(free_port)
  "$pk" gate serve --dir "$1" --listen "127.0.0.1:$gate_port" >gate.log 2>&1 &
  gate_pid=$!
  servers+=("$gate_pid")
  wait_https "$gate_port" gate.log
}

# start_nginx: nginx as the gate's peer, with srv/'s key and certificate;
# sets nginx_port and nginx_pid (the master; its workers are its children).
start_nginx() {
  nginx_port=$(free_port)
  mkdir -p nginx
  sed -e "s|@DIR@|$PWD/nginx|g" -e "s|@SRV@|$PWD/srv|g" -e "s|@PORT@|$nginx_port|g" "$here/gate_nginx.conf" >nginx/nginx.conf
  nginx -c "$PWD/nginx/nginx.conf" -p "$PWD/nginx" -e "$PWD/nginx/error.log" >nginx/stderr.log 2>&1 &
  nginx_pid=$!
  servers+=("$nginx_pid")
  wait_https "$nginx_port" nginx/error.log
}

# pids_of PID: the process and its children (nginx's workers), one a line.
pids_of() {
  echo "$1"
  pgrep -P "$1" || true
}

# rss_kb PID...: the VmRSS of each process, summed (kB).
rss_kb() {
  local total=0 p v
  for p in "$@"; do
    v=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# stop_servers: SIGTERM to each server, then SIGKILL after 5 s.
stop_servers() {
  local p i
  for p in "${servers[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${servers[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  servers=()
}
