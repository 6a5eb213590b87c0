# Starting and stopping gates for the gate tables (sourced by them).
#   start_gate DIR [FLAGS...]  starts `pairkit gate serve --dir DIR --listen 127.0.0.1:0 FLAGS`
#                              and waits for its "listening on" line; sets GATE_PID and
#                              GATE (127.0.0.1:PORT); its stderr goes to DIR.log
#   stop_gate [SIGNAL]         signals the last gate and waits for it; sets GATE_EXIT
# Every gate started here is killed when the table ends, also when it fails.
_gate_pids=()
trap 'for p in "${_gate_pids[@]}"; do kill -9 "$p" 2>/dev/null; done' EXIT

start_gate() {
  local dir=$1
  shift
  rm -f "$dir.out"
  "$PAIRKIT" gate serve --dir "$dir" --listen 127.0.0.1:0 "$@" >"$dir.out" 2>>"$dir.log" &
  GATE_PID=$!
  _gate_pids+=("$GATE_PID")
  local i
  for ((i = 0; i < 100; i++)); do
    GATE=$(sed -n 's/^listening on \(127\.0\.0\.1:[0-9]*\) .*/\1/p' "$dir.out" 2>/dev/null)
    [[ -n $GATE ]] && return 0
    kill -0 "$GATE_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "start_gate: no 'listening on' line from the gate in $dir" >&2
  return 1
}

stop_gate() {
  kill -"${1:-TERM}" "$GATE_PID" 2>/dev/null
  wait "$GATE_PID"
  GATE_EXIT=$?
}

# gcurl [CURL ARGS...] PATH: curl against the gate (certificate not checked:
# these rows test the server, not the pin), printing the body then "HTTP NNN".
gcurl() {
  local path=${*: -1}
  curl -sS -k --max-time 10 -w '\nHTTP %{http_code}\n' "${@:1:$#-1}" "https://$GATE$path"
}
