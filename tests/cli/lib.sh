# Helpers for the CLI table tests; sourced by run.sh into each table's shell.
# A table row:
#   t EXIT 'STDOUT_ERE' 'STDERR_ERE' [--stdin FILE] [--env VAR=VAL]... -- CMD ARGS...
# runs CMD (use "pk" for the pairkit under test) and checks its exit code and
# that stdout / stderr match the extended regular expressions ('' = any,
# '^$' = empty). Every non-zero exit must also print one line starting
# "pairkit: ". Other checks:
#   check 'WHAT' CMD...      passes when CMD exits 0
#   absent PATH...           passes when nothing exists at PATH (no partial files)
#   mode_is MODE PATH        passes when PATH has that octal mode
#   bounded SECS MB CMD...   runs CMD within a time and peak-memory bound (for t and check)
#   skip 'WHAT' 'WHY'        a row that cannot run here (TAP "# SKIP WHY")
# $PAIRKIT_SANITIZED is 1 when the binary was built with the sanitizers
# (scripts/test.sh --sanitize), else empty.
# $OUT and $ERR hold the last row's output; $DATA is tests/data;
# $SHARED is ../shared/testdata.

# Results are TAP (run_table.sh): "ok N - TABLE:LINE: WHAT" or "not ok ...",
# written to fd 3, followed by "# " lines saying what went wrong; the counts
# so far are kept in $_counts.

pk() { "$PAIRKIT" "$@"; }
export -f pk
PAIRKIT_SANITIZED=
grep -qa __asan_init "$PAIRKIT" 2>/dev/null && PAIRKIT_SANITIZED=1
export PAIRKIT_SANITIZED
_pass=0 _fail=0

_tap() {  # RESULT WHERE: one TAP line, the row's text folded onto it
  local where=${2//$'\n'/ }
  echo "$1 $((_pass + _fail)) - $_table:${where//#/\\#}" >&3
  echo "$_pass $_fail" >"$_counts"
}
_ok() { _pass=$((_pass + 1)); _tap ok "$1"; }
_bad() {
  _fail=$((_fail + 1))
  _tap "not ok" "$1"
  shift
  local line
  for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#     /' >&3; done
}

t() {
  local want_exit=$1 out_re=$2 err_re=$3
  shift 3
  local stdin=/dev/null envs=()
  while [[ $# -gt 0 && $1 != -- ]]; do
    case $1 in
      --stdin) stdin=$2; shift 2 ;;
      --env) envs+=("$2"); shift 2 ;;
      *) echo "t: bad option $1" >&2; return 2 ;;
    esac
  done
  shift
  local where="${BASH_LINENO[0]}: $*"
  local code
  (
    for e in "${envs[@]}"; do export "${e?}"; done
    "$@"
  ) <"$stdin" >"$_tmp/out" 2>"$_tmp/err"
  code=$?
  OUT=$(cat "$_tmp/out")
  ERR=$(cat "$_tmp/err")
  local problems=()
  [[ $code -eq $want_exit ]] || problems+=("exit $code, expected $want_exit")
  if [[ -n $out_re ]] && ! grep -Eq -- "$out_re" "$_tmp/out" && ! { [[ $out_re == '^$' ]] && [[ ! -s $_tmp/out ]]; }; then
    problems+=("stdout does not match /$out_re/")
  fi
  if [[ -n $err_re ]] && ! grep -Eq -- "$err_re" "$_tmp/err" && ! { [[ $err_re == '^$' ]] && [[ ! -s $_tmp/err ]]; }; then
    problems+=("stderr does not match /$err_re/")
  fi
  if [[ $code -ne 0 && $want_exit -ne 0 ]]; then
    local lines
    lines=$(grep -c '^pairkit: ' "$_tmp/err")
    [[ $lines -eq 1 ]] || problems+=("expected exactly one 'pairkit: ' line on stderr, got $lines")
  fi
  if ((${#problems[@]})); then
    _bad "$where" "${problems[@]}" "stdout: $(head -c 600 "$_tmp/out")" "stderr: $(head -c 600 "$_tmp/err")"
  else
    _ok "$where"
  fi
}

check() {
  local what=$1
  shift
  if "$@" >"$_tmp/check" 2>&1; then _ok "${BASH_LINENO[0]}: $what"; else _bad "${BASH_LINENO[0]}: $what" "$(head -c 800 "$_tmp/check")"; fi
}

absent() {
  local p
  for p in "$@"; do
    if [[ -e $p ]]; then _bad "${BASH_LINENO[0]}: $p must not exist"; else _ok "${BASH_LINENO[0]}: absent $p"; fi
  done
}

skip() {
  _pass=$((_pass + 1))
  local where="${BASH_LINENO[0]}: $1"
  echo "ok $((_pass + _fail)) - $_table:${where//#/\\#} # SKIP $2" >&3
  echo "$_pass $_fail" >"$_counts"
}

mode_is() {
  local m
  m=$(stat -c '%a' "$2" 2>/dev/null)
  if [[ $m == "$1" ]]; then _ok "${BASH_LINENO[0]}: mode $1 $2"; else _bad "${BASH_LINENO[0]}: mode of $2 is '$m', expected $1"; fi
}

# bounded SECONDS MEGABYTES CMD...: runs CMD, exits as it does, or 124 when it
# runs out of time, or 125 (saying why on stderr) when its peak RSS was over.
# Sanitizer builds (PAIRKIT_SANITIZED=1) get five times the time and four
# times the memory: ASan's shadow memory and checks are not pairkit's.
bounded() {
  local secs=$1 mb=$2
  shift 2
  if [[ -n ${PAIRKIT_SANITIZED:-} ]]; then secs=$((secs * 5)) mb=$((mb * 4)); fi
  [[ $1 == pk ]] && set -- "$PAIRKIT" "${@:2}"
  local rss
  rss=$(mktemp)
  timeout -k 5 "$secs" /usr/bin/time -q -f '%M' -o "$rss" "$@"
  local code=$?
  local kb
  kb=$(tail -1 "$rss")
  rm -f "$rss"
  if [[ $code -eq 124 || $code -eq 137 ]]; then echo "bounded: still running after ${secs}s" >&2; return 124; fi
  if [[ $kb =~ ^[0-9]+$ ]] && ((kb > mb * 1024)); then echo "bounded: peak RSS $((kb / 1024)) MB, over ${mb} MB" >&2; return 125; fi
  return $code
}
export -f bounded
