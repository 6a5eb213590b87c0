# pairkit sim card: serving a card to pcscd through vsmartcard's vpcd.
# Wire-level rows talk to a scripted fake vpcd (fake-vpcd.py); the PC/SC rows
# run real pcscd + vpcd + pcsc-tools' scriptor (pcsc-session.sh, as root).
table_card=$DATA/sim_card/purse-sw.table
SELECT='00 A4 04 00 06 2D 54 45 53 54 70'

# with_fake_vpcd NAME ACTION... -- PAIRKIT-ARGS...: runs the fake vpcd with
# ACTIONS, then `pairkit PAIRKIT-ARGS --vpcd 127.0.0.1:PORT`; what the fake
# vpcd received is left in NAME.vpcd.
with_fake_vpcd() {
  local name=$1 actions=()
  shift
  while [[ $1 != -- ]]; do actions+=("$1"); shift; done
  shift
  rm -f "$name.port"
  python3 "$here/fake-vpcd.py" "$name.port" "${actions[@]}" >"$name.vpcd" 2>&1 &
  local fake=$! i
  for i in $(seq 100); do [[ -s $name.port ]] && break; sleep 0.05; done
  pk "$@" --vpcd "127.0.0.1:$(cat "$name.port")"
  local rc=$?
  wait "$fake"
  return $rc
}

# Usage errors: exit 2, nothing served.
t 2 '^$' "pairkit: error: --vpcd 'localhost:0': port '0' is not 1-65535" -- pk sim card --vpcd localhost:0
t 2 '^$' "an IPv6 address needs brackets" -- pk sim card --vpcd ::1:35963
t 2 '^$' 'pairkit: error: sim card: --profile' -- pk sim card --profile ancient
t 2 '^$' 'pairkit: error: sim card: --card-id' -- pk sim card --card-id 0
t 2 '^$' 'pairkit: error: .*soon' --env PAIRKIT_TEST_CARD="$table_card" -- pk sim card --wait soon
t 2 '^$' 'pairkit: error: .*9000' --env PAIRKIT_SIM_VPCD=host:9000x -- pk sim card

# Environment errors: exit 3 naming the address or file.
printf '[sim]\nvpcd = "127.0.0.1:1"\n' >pk.toml
t 3 '^$' 'pairkit: error: cannot connect to vpcd at 127.0.0.1:1: ' -- pk --config pk.toml sim card --card-id 3
t 3 '^$' 'pairkit: error: cannot connect to vpcd at 127.0.0.1:1: Connection refused \(is pcscd running' \
  --env PAIRKIT_TEST_CARD="$table_card" -- pk sim card --vpcd 127.0.0.1:1
t 3 '^$' 'pairkit: error: cannot resolve vpcd at no-such-host.invalid:35963' \
  --env PAIRKIT_TEST_CARD="$table_card" -- pk sim card --vpcd no-such-host.invalid
printf 'atr => 3B 00\n00 A4 04\n' >bad.table
t 3 '^$' "pairkit: error: bad.table:2: expected 'COMMAND => RESPONSE'" \
  --env PAIRKIT_TEST_CARD=bad.table -- pk sim card --vpcd 127.0.0.1:1

# A session with the fake vpcd: power on, ATR, APDUs, reset, power off; the
# card ends with exit 0 when vpcd closes the connection.
t 0 '^power on$' 'reader closed the connection after 3 APDUs' --env PAIRKIT_TEST_CARD="$table_card" -- \
  with_fake_vpcd s1 send 01 send 04 recv send "$SELECT" recv send '00 28 00 00 04 00 00 00 01' recv \
  send '00 04 00 00 08 00 00 00 01 70 00 00 00' recv send 02 send 00 close -- sim card
check 'transcript: SELECT answered 90 00, with meanings' \
  grep -qzE "> $SELECT  # SELECT purse applet"$'\n''< 90 00  # ok'$'\n' <<<"$OUT"
check 'transcript: out of state 69 85, reset and power off shown' \
  grep -qzE '< 69 85  # conditions not satisfied.*< 6D 00  # instruction not supported'$'\n''reset \(RAM cleared\)'$'\n''power off \(RAM cleared\)' <<<"$OUT"
check 'vpcd got the ATR and the three answers' diff <(printf '3B 80 80 01 01\n90 00\n69 85\n6D 00\n') s1.vpcd

t 0 '"ended": "reader_closed"' '' --env PAIRKIT_TEST_CARD="$table_card" -- \
  with_fake_vpcd s2 send 01 send "$SELECT" recv send 04 recv close -- --json sim card --card-id 7
check 'json: counts' grep -qzE '"apdus": 1,.*"atr_requests": 1,.*"card_id": 7,.*"power_ons": 1' <<<"$OUT"

# Broken framing from vpcd: exit 3 naming the peer.
t 3 '^$' 'pairkit: error: vpcd at 127.0.0.1:[0-9]+ closed the connection in the middle of a message \(2 of 11 bytes\)' \
  --env PAIRKIT_TEST_CARD="$table_card" -- with_fake_vpcd s3 raw '00 0B 00 A4' close -- sim card
t 3 '^$' 'pairkit: error: vpcd at 127.0.0.1:[0-9]+ sent an empty message' \
  --env PAIRKIT_TEST_CARD="$table_card" -- with_fake_vpcd s4 raw '00 00' sleep 1 close -- sim card

# SIGTERM (or Ctrl-C) stops serving cleanly: exit 0, "stopped".
t 0 '"ended": "stopped"' '' --env PAIRKIT_TEST_CARD="$table_card" -- bash -c '
  python3 "$1/fake-vpcd.py" s5.port sleep 10 close >/dev/null 2>&1 &
  fake=$!
  for i in $(seq 100); do [[ -s s5.port ]] && break; sleep 0.05; done
  "$PAIRKIT" --json sim card --vpcd 127.0.0.1:$(cat s5.port) 2>s5.err &
  card=$!
  for i in $(seq 100); do grep -q serving s5.err && break; sleep 0.05; done
  kill -TERM $card
  wait $card
  rc=$?
  kill $fake
  exit $rc' _ "$here"
# A vpcd that stops reading the answers: the card, stuck writing one, gives
# up after the 5 s write deadline (exit 3) ...
{ echo 'atr => 3B 80 80 01 01'; printf '00 B0 => %s90 00\n' "$(printf 'AB %.0s' $(seq 250))"; } >big.table
READ_BINARY='00 B0 00 00 FA'
t 3 '^$' 'pairkit: error: vpcd at 127.0.0.1:[0-9]+ stopped reading: an answer stalled at [0-9]+ of 254 bytes for 5000 ms' \
  --env PAIRKIT_TEST_CARD=big.table -- bash -c '
  python3 "$1/fake-vpcd.py" s7.port flood "$2" hold 30 >s7.vpcd 2>&1 &
  fake=$!
  for i in $(seq 100); do [[ -s s7.port ]] && break; sleep 0.05; done
  start=$SECONDS
  timeout -s KILL 30 "$PAIRKIT" sim card --vpcd 127.0.0.1:$(cat s7.port) >/dev/null
  rc=$?
  echo "ended after $((SECONDS - start)) s" >&2
  kill $fake 2>/dev/null
  wait $fake
  exit $rc' _ "$here" "$READ_BINARY"
check 'the stalled card ended within 5 to 15 s' grep -qE '^ended after ([5-9]|1[0-5]) s$' <<<"$ERR"
# ... and SIGTERM or SIGINT ends it at once, well before the deadline: exit 0, "stopped".
for sig in TERM INT; do
  t 0 '"ended": "stopped"' '' --env PAIRKIT_TEST_CARD=big.table -- bash -c '
    python3 "$1/fake-vpcd.py" s8$3.port flood "$2" hold 30 >s8$3.vpcd 2>&1 &
    fake=$!
    for i in $(seq 100); do [[ -s s8$3.port ]] && break; sleep 0.05; done
    "$PAIRKIT" --json sim card --vpcd 127.0.0.1:$(cat s8$3.port) &
    card=$!
    for i in $(seq 400); do grep -q stalled s8$3.vpcd && break; sleep 0.05; done
    kill -$3 $card
    for i in $(seq 40); do kill -0 $card 2>/dev/null || break; sleep 0.05; done
    kill -KILL $card 2>/dev/null && echo "still running 2 s after SIG$3" >&2
    wait $card
    rc=$?
    kill $fake 2>/dev/null
    wait $fake
    exit $rc' _ "$here" "$READ_BINARY" "$sig"
done
# --wait retries a refused connection until vpcd is there.
t 0 '^power on$' '' --env PAIRKIT_TEST_CARD="$table_card" -- bash -c '
  python3 "$1/fake-vpcd.py" late.port late 0.7 send 01 close >/dev/null 2>&1 &
  for i in $(seq 100); do [[ -s late.port ]] && break; sleep 0.05; done
  port=$(cat late.port)
  pk sim card --vpcd 127.0.0.1:$port --wait 5s' _ "$here"
# ... and without --wait, it is refused at once.
t 3 '^$' 'cannot connect to vpcd at 127.0.0.1:[0-9]+: Connection refused' --env PAIRKIT_TEST_CARD="$table_card" -- bash -c '
  python3 "$1/fake-vpcd.py" late2.port late 2 close >/dev/null 2>&1 &
  fake=$!
  for i in $(seq 100); do [[ -s late2.port ]] && break; sleep 0.05; done
  pk sim card --vpcd 127.0.0.1:$(cat late2.port)
  rc=$?
  kill $fake
  exit $rc' _ "$here"

# The purse card itself (personalized, legacy profile) over the fake vpcd:
# its ATR, SELECT, and the JSON summary.
t 0 '"personalized": true' '' -- with_fake_vpcd s6 send 01 send 04 recv send "$SELECT" recv close -- \
  --json sim card --personalize --card-id 42 --seed 7
check 'the purse card answers its ATR and SELECT' grep -qzE '^[0-9A-F]{2}( [0-9A-F]{2})+'$'\n''90 00'$'\n''$' s6.vpcd

# Real PC/SC: pcscd loads vpcd, the card connects, scriptor talks through
# pcscd. A personalized purse card, each profile: SELECT answers 90 00, an
# out-of-state command (an amount before authentication) 69 85, a repeated
# personalization 6D 00; a reset line resets it.
printf '%s\n' "$SELECT" '00 28 00 00 04 00 00 00 01' '00 04 00 00 08 00 00 00 2A 70 00 00 00' >session.apdu
printf '%s\n' reset "$SELECT" >reset.apdu
for profile in legacy modern; do
  t 0 '' '' -- "$here/pcsc-session.sh" "pcsc-$profile" --personalize --card-id 42 --seed 7 --profile "$profile" -- \
    session.apdu reset.apdu
  check "$profile: scriptor: SELECT answers 90 00" grep -qzE "> $SELECT"$'\n''< 90 00 : Normal processing' "pcsc-$profile/scriptor-1.out"
  check "$profile: scriptor: an out-of-state command answers 69 85" \
    grep -qzE '> 00 28 00 00 04 00 00 00 01'$'\n''< 69 85 ' "pcsc-$profile/scriptor-1.out"
  check "$profile: scriptor: a repeated personalization answers 6D 00" \
    grep -qzE '> 00 04 00 00 08 00 00 00 2A 70 00 00 00'$'\n''< 6D 00 ' "pcsc-$profile/scriptor-1.out"
  check "$profile: scriptor: after a reset, SELECT answers 90 00" grep -q '^< 90 00 : Normal processing' "pcsc-$profile/scriptor-2.out"
  check "$profile: scriptor exit 0 both times" bash -c 'grep -qx "exit 0" "$1/scriptor-1.out" && grep -qx "exit 0" "$1/scriptor-2.out"' _ "pcsc-$profile"
  check "$profile: the reset reached the card" grep -qx 'reset (RAM cleared)' "pcsc-$profile/card.out"
  check "$profile: pcscd carried the APDUs" grep -q 'APDU: 00 28 00 00 04 00 00 00 01' "pcsc-$profile/pcscd.log"
  check "$profile: the card ended with exit 0 when pcscd stopped" grep -qx 0 "pcsc-$profile/card.rc"
  check "$profile: the card said who it was and why it ended" \
    grep -qzE "serving card 42 \($profile, personalized\).*the reader closed the connection after 4 APDUs" "pcsc-$profile/card.err"
done

# A blank card: SELECT works, a purse command before personalization does not.
printf '%s\n' "$SELECT" '00 20 00 00 10 00 00 00 01 70 00 00 00 00 00 00 01 69 00 00 00' >blank.apdu
t 0 '' '' -- "$here/pcsc-session.sh" pcsc-blank -- blank.apdu
check 'blank: SELECT answers 90 00' grep -q '^< 90 00 : Normal processing' pcsc-blank/scriptor-1.out
check 'blank: metadata exchange refused (69 85)' grep -q '^< 69 85 ' pcsc-blank/scriptor-1.out

# The transport alone with the table test double (PAIRKIT_TEST_CARD, test builds).
t 0 '' '' --env PAIRKIT_TEST_CARD="$table_card" -- "$here/pcsc-session.sh" pcsc-table -- session.apdu
check 'table card: scriptor got the table answers' grep -qzE '< 90 00.*< 69 85.*< 6D 00' pcsc-table/scriptor-1.out
