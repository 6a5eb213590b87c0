# Real PKCS#11 tokens for the tables and benchmarks (sourced): SoftHSM2 and the
# TPM 2.0 module on a software TPM, each in a temporary folder, gone at exit.
#   start_softhsm LABEL [SO_PIN USER_PIN]  a SoftHSM2 token (default PINs 12345678 / 1234);
#                  exports SOFTHSM2_CONF, sets SOFTHSM_MODULE, SOFTHSM_TOKEN and
#                  SOFTHSM_PIN_FILE (the user PIN and a newline, mode 0600)
#   remove_softhsm LABEL                   deletes that SoftHSM2 token (a token removed)
#   start_tpm_token LABEL [USER_PIN]       a tpm2-pkcs11 token on swtpm (SO PIN 12345678);
#                  exports TPM2_PKCS11_STORE, TPM2_PKCS11_TCTI, TPM2TOOLS_TCTI and
#                  quietens the TSS; sets TPM_MODULE, TPM_TOKEN, TPM_PIN_FILE, and
#                  TPM_PID and TPM_PORT of the software TPM
#   tpm_lock       locks the TPM's tokens with wrong PINs (its dictionary-attack
#                  lockout: 3 wrong PINs, counted across its tokens and commands,
#                  until tpm_unlock); SoftHSM2 counts no wrong PINs, never locks
#   tpm_unlock     ends the lockout and zeroes the count
#   stop_tpm       stops the software TPM: its tokens are gone (a token removed)
#   restart_tpm    starts it again on its saved state: the tokens are back, on a
#                  new TPM_PORT (the TCTI variables follow)
#   token_keygen MODULE PIN_FILE LABEL ID TYPE [TOKEN]
#                  makes a key with pkcs11-tool, for rows where pairkit reads a key
#                  it did not make; TYPE p256|p384|ed25519|rsa2048|rsa3072|aes128
#                  (a secret key) or pkcs11-tool's own (EC:prime256v1); ID in hex;
#                  TOKEN defaults to the last token started on MODULE
#   token_delete MODULE PIN_FILE LABEL TYPE [TOKEN]
#                  deletes objects (TYPE privkey|pubkey|secrkey|cert|data), e.g. the
#                  private half of a pair, to leave a lone public key
#   token_pin FILE prints the PIN a PIN file holds
#   p11_obj MODULE TOKEN TYPE LABEL [PIN]
#                  pkcs11-tool's listing of the objects of TYPE (privkey|pubkey|
#                  secrkey|cert|data) labelled LABEL, logged in with PIN if given
# Repeated calls add tokens to the same SoftHSM2 store or software TPM; give
# labels that do not begin with one another (pkcs11-tool's --token-label takes
# the first token whose label begins with the one given). Every
# process started here is killed and every folder removed when the calling
# shell exits, also when it fails or is killed outright (a watchdog; a bare
# `wait` would wait for it too: wait for PIDs).

# Everything lives under one folder per shell; the EXIT trap removes it, and
# a watchdog removes it (killing the software TPM, whose PID file is there)
# when the shell is killed before its trap could run.
_token_root='' _token_watchdog=''
_token_cleanup() {
  [[ -n $_token_watchdog ]] && kill -9 "$_token_watchdog" 2>/dev/null
  _token_reap "$_token_root"
  _token_root='' _token_watchdog='' _softhsm_dir='' _tpm_dir='' _tpm_pid=''
}
_token_reap() {  # ROOT
  [[ -n $1 ]] || return 0
  local f
  for f in "$1"/*/swtpm.pid; do [[ -f $f ]] && kill -9 "$(cat "$f")" 2>/dev/null; done
  rm -rf "$1"
}
# Chained in front of whatever EXIT trap the table has (gate-lib.sh sets one),
# again at each start when a later trap replaced it.
_token_trap() {
  local current words
  current=$(trap -p EXIT)
  if [[ $current != *_token_cleanup* ]]; then
    if [[ -n $current ]]; then
      eval "words=($current)"  # trap -- 'COMMANDS' EXIT
      # shellcheck disable=SC2064 # the current commands, now
      trap "_token_cleanup; ${words[2]}" EXIT
    else
      trap _token_cleanup EXIT
    fi
  fi
  [[ -n $_token_root ]] && return 0
  _token_root=$(mktemp -d "${TMPDIR:-/tmp}/pairkit-tokens.XXXXXX") || return 1
  local owner=$BASHPID root=$_token_root
  (
    trap '' HUP INT TERM
    while kill -0 "$owner" 2>/dev/null; do sleep 1; done
    _token_reap "$root"
  ) </dev/null >/dev/null 2>&1 &
  _token_watchdog=$!
  # Not a job of the shell's: no "Killed" notice when the trap ends it.
  disown "$_token_watchdog"
}

# _token_module FILE PACKAGE: the path of a PKCS#11 module, from the package's
# file list, else from the usual folders (for an installation outside dpkg).
_token_module() {
  local m
  m=$(dpkg -L "$2" 2>/dev/null | grep -m1 "/$1\$")
  if [[ -z $m || ! -f $m ]]; then
    m=
    for m in /usr/lib/softhsm/"$1" /usr/lib/*/softhsm/"$1" /usr/lib/*/pkcs11/"$1" /usr/lib/pkcs11/"$1" \
      /usr/local/lib/softhsm/"$1" /usr/local/lib/pkcs11/"$1" /usr/local/lib/"$1"; do
      [[ -f $m ]] && break
      m=
    done
  fi
  [[ -n $m ]] || { echo "token-lib: no $1 (scripts/deps.sh test installs $2)" >&2; return 1; }
  echo "$m"
}

_token_pin_file() {  # PATH PIN
  (umask 077 && printf '%s\n' "$2" >"$1")
}
token_pin() { head -n1 "$1"; }

_softhsm_dir=''
start_softhsm() {
  local label=${1:?usage: start_softhsm LABEL [SO_PIN USER_PIN]} so_pin=${2:-12345678} pin=${3:-1234}
  SOFTHSM_MODULE=$(_token_module libsofthsm2.so libsofthsm2) || return 1
  _token_trap || return 1
  if [[ -z $_softhsm_dir ]]; then
    _softhsm_dir=$_token_root/softhsm
    mkdir -p "$_softhsm_dir/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
      "$_softhsm_dir" >"$_softhsm_dir/softhsm2.conf"
  fi
  export SOFTHSM2_CONF=$_softhsm_dir/softhsm2.conf
  softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$pin" >/dev/null || return 1
  SOFTHSM_TOKEN=$label
  SOFTHSM_PIN_FILE=$_softhsm_dir/$label.pin
  _token_pin_file "$SOFTHSM_PIN_FILE" "$pin"
}

remove_softhsm() {
  softhsm2-util --delete-token --token "${1:?usage: remove_softhsm LABEL}" >/dev/null
}

_tpm_dir='' _tpm_pid=''
# The swtpm TCTI talks to PORT and to PORT+1 (the control channel): a pair of
# ports from 20000-59999 chosen by the shell's PID, the next pair when swtpm
# finds one taken (another table, another run, a race with another bind).
_start_swtpm() {
  local owner=$BASHPID try port
  mkdir -p "$_tpm_dir/state"
  rm -f "$_tpm_dir/swtpm.pid"
  for ((try = 0; try < 40; try++)); do
    port=$((20000 + ((owner * 2 + try * 1018) % 40000)))
    port=$((port - port % 2))
    # --daemon returns once both sockets are bound, 1 when either was taken.
    if swtpm socket --tpm2 --tpmstate dir="$_tpm_dir/state" \
      --server type=tcp,port=$port,bindaddr=127.0.0.1 --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
      --flags not-need-init,startup-clear --pid file="$_tpm_dir/swtpm.pid" --log file="$_tpm_dir/swtpm.log" \
      --daemon >/dev/null 2>>"$_tpm_dir/swtpm.log"; then
      _tpm_pid=$(cat "$_tpm_dir/swtpm.pid")
      TPM_PID=$_tpm_pid TPM_PORT=$port
      return 0
    fi
  done
  echo "token-lib: swtpm could not bind a port pair (see $_tpm_dir/swtpm.log)" >&2
  return 1
}

# The token is made through the module itself (C_InitToken, C_InitPIN) rather
# than with tpm2_ptool: ptool's tpm2-tools commands leave transient objects
# loaded, and a TPM without a resource manager (swtpm has room for 3) fails
# `tpm2_ptool addtoken` with "out of memory for object contexts"; the module
# flushes what it loads. It also saves Python's start-up.
start_tpm_token() {
  local label=${1:?usage: start_tpm_token LABEL [USER_PIN]} pin=${2:-1234}
  TPM_MODULE=$(_token_module libtpm2_pkcs11.so libtpm2-pkcs11-1) || return 1
  _token_trap || return 1
  [[ -n $_tpm_pid ]] || restart_tpm || return 1
  # The module always offers one uninitialized slot, the last.
  local slot
  slot=$(pkcs11-tool --module "$TPM_MODULE" --list-slots 2>/dev/null |
    awk '/^Slot [0-9]+/ {id = $3} /token state: +uninitialized/ {print substr(id, 2, length(id) - 3)}' | tail -n1)
  [[ -n $slot ]] || { echo "token-lib: the TPM module offers no free slot" >&2; return 1; }
  if ! pkcs11-tool --module "$TPM_MODULE" --slot "$slot" --init-token --label "$label" --so-pin 12345678 >/dev/null 2>&1 ||
    ! pkcs11-tool --module "$TPM_MODULE" --token-label "$label" --login --login-type so --so-pin 12345678 \
      --init-pin --pin "$pin" >/dev/null 2>&1; then
    echo "token-lib: could not make token '$label' in the TPM module" >&2
    return 1
  fi
  TPM_TOKEN=$label
  TPM_PIN_FILE=$_tpm_dir/$label.pin
  _token_pin_file "$TPM_PIN_FILE" "$pin"
}

# The software TPM on its saved state, on a new port pair, and the variables
# that point the module and tpm2-tools at it.
restart_tpm() {
  [[ -z $_tpm_pid ]] || return 0
  [[ -n $_token_root ]] || { echo "token-lib: restart_tpm before start_tpm_token" >&2; return 1; }
  _tpm_dir=$_token_root/tpm
  mkdir -p "$_tpm_dir/store"
  _start_swtpm || return 1
  export TPM2_PKCS11_STORE=$_tpm_dir/store
  export TPM2_PKCS11_TCTI="swtpm:host=127.0.0.1,port=$TPM_PORT" TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$TPM_PORT"
  # The module's own errors still print ("ERROR: ..."); 0 drops its warnings,
  # TSS2_LOG the TSS libraries' WARNING/ERROR lines.
  export TPM2_PKCS11_LOG_LEVEL=0 TSS2_LOG=all+NONE
  # Fixed, not swtpm's defaults: 3 wrong PINs lock, for 1000 s.
  tpm2_dictionarylockout --setup-parameters --max-tries=3 --recovery-time=1000 --lockout-recovery-time=1000 >/dev/null
}

tpm_lock() {
  local i out
  for ((i = 0; i < 10; i++)); do
    out=$(pkcs11-tool --module "$TPM_MODULE" --token-label "$TPM_TOKEN" --login --pin wrong-pin --list-objects 2>&1)
    [[ $out == *CKR_PIN_LOCKED* ]] && return 0
  done
  echo "token-lib: the TPM did not lock after 10 wrong PINs" >&2
  return 1
}

tpm_unlock() {
  tpm2_dictionarylockout --clear-lockout >/dev/null
}

stop_tpm() {
  [[ -n $_tpm_pid ]] && kill -9 "$_tpm_pid" 2>/dev/null
  rm -f "$_tpm_dir/swtpm.pid"
  _tpm_pid='' TPM_PID=''
}

_token_of() {  # MODULE: the last token started on it
  case $1 in
    "${SOFTHSM_MODULE:-}") echo "${SOFTHSM_TOKEN:-}" ;;
    "${TPM_MODULE:-}") echo "${TPM_TOKEN:-}" ;;
  esac
}

# _token_tool MODULE TOKEN PIN_FILE ARGS...: pkcs11-tool logged in, quiet
# unless it fails ("Using slot ..." is its stderr chatter).
_token_tool() {
  local out
  out=$(pkcs11-tool --module "$1" --token-label "$2" --login --pin "$(token_pin "$3")" "${@:4}" 2>&1) ||
    { printf '%s\n' "$out" >&2; return 1; }
}

token_keygen() {
  local module=$1 pin_file=$2 label=$3 id=$4 type=$5 token=${6:-$(_token_of "$1")} gen=--keypairgen
  case $type in
    p256) type=EC:prime256v1 ;;
    p384) type=EC:secp384r1 ;;
    ed25519) type=EC:edwards25519 ;;
    rsa2048) type=RSA:2048 ;;
    rsa3072) type=RSA:3072 ;;
    aes128) type=AES:16 gen=--keygen ;;
  esac
  _token_tool "$module" "$token" "$pin_file" $gen --key-type "$type" --label "$label" --id "$id"
}

token_delete() {
  local module=$1 pin_file=$2 label=$3 type=$4 token=${5:-$(_token_of "$1")}
  _token_tool "$module" "$token" "$pin_file" --delete-object --type "$type" --label "$label"
}

# p11_obj MODULE TOKEN TYPE LABEL [PIN]: the listing of the objects of TYPE
# labelled LABEL (pkcs11-tool 0.23 lists every object of the type, whatever
# --label says).
p11_obj() {
  local login=()
  [[ -n ${5:-} ]] && login=(--login --pin "$5")
  pkcs11-tool --module "$1" --token-label "$2" "${login[@]}" --list-objects --type "$3" 2>/dev/null |
    awk -v want="$4" '
      function flush() { if (keep) printf "%s", block; block = ""; keep = 0 }
      /^[^ ]/ { flush() }
      { block = block $0 "\n" }
      $1 == "label:" { l = $0; sub(/^ *label: */, "", l); if (l == want) keep = 1 }
      END { flush() }'
}
