# The PostgreSQL 15 cluster of the tables (pg-lib.sh), proven with psql as the
# oracle: it starts as root and as a user, answers on its socket and on
# 127.0.0.1 with a password, keeps its data across a restart, and leaves
# nothing behind, not even when its shell is killed outright.
lib_dir=$(dirname "${BASH_SOURCE[0]}")
source "$lib_dir/pg-lib.sh"
gone() {  # PID: true once the server PID has ended (within 5 s)
  local i
  for ((i = 0; i < 50; i++)); do pg_alive "$1" || return 0; sleep 0.1; done
  return 1
}
export -f gone pg_alive
psql() { "$PG_BIN/psql" -X -q -A -t "$@"; }
fails() { ! "$@"; }
export -f psql
export PG_BIN

t0=$(date +%s%N)
check 'a cluster starts' start_pg
echo "start_pg took $((($(date +%s%N) - t0) / 1000000)) ms"
check 'it answers on its socket in its folder' test -S "$PG_DIR/.s.PGSQL.$PG_PORT"
check 'it listens on 127.0.0.1 only, on PG_PORT' bash -c '
  out=$(ss -Hltn "sport = :$1") && [ -n "$out" ] && ! grep -v "127\.0\.0\.1:$1 " <<<"$out"' _ "$PG_PORT"
check 'PGHOST, PGPORT and PGUSER point psql at it' test "$PGHOST $PGPORT $PGUSER" = "$PG_DIR $PG_PORT pairkit"
if [[ $(id -u) -eq 0 ]]; then
  check 'as root, the server runs as the postgres user' bash -c '[ "$(ps -o user= -p "$1")" = postgres ]' _ "$PG_PID"
  check 'as root, its data belongs to postgres' bash -c '[ "$(stat -c %U "$1/data")" = postgres ]' _ "$PG_DIR"
else
  check "as $(id -un), the server runs as $(id -un)" bash -c '[ "$(ps -o user= -p "$1")" = "$(id -un)" ]' _ "$PG_PID"
  skip 'as root, the server runs as the postgres user' "the table runs as $(id -un), not root"
fi

# The socket: pairkit, trusted. A new database's location is the one pairkit takes.
t 0 '^pairkit\|postgres$' '^$' -- psql -c 'SELECT current_user, current_database()'
t 0 '^postgresql:///reg\?host=/tmp/pairkit-pg\.[A-Za-z0-9]+&port=[0-9]+&user=pairkit$' '^$' -- pg_new_db reg
reg=$OUT
t 0 '^pairkit\|reg\|$' '^$' -- psql -d "$reg" -c 'SELECT current_user, current_database(), inet_server_addr()'
t 0 '^$' '^$' -- pg_psql reg 'CREATE TABLE kept(x integer); INSERT INTO kept VALUES (42)'
t 0 '^42$' '^$' -- pg_psql reg 'SELECT x FROM kept'
check 'pg_psql stops at an error' fails pg_psql reg 'SELECT nonsense'

# 127.0.0.1: pkpass only, with its password from PGPASSFILE, stored as SCRAM.
tcp=$(pg_url_tcp reg)
check 'the TCP location names pkpass, 127.0.0.1 and the port' test "$tcp" = "postgresql://pkpass@127.0.0.1:$PG_PORT/reg"
mode_is 600 "$PGPASSFILE"
t 0 '^pkpass\|127\.0\.0\.1$' '^$' -- psql -d "$tcp" -c 'SELECT current_user, inet_server_addr()'
t 0 '^t$' '^$' -- pg_psql postgres "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'pkpass'"
t 0 '^7$' '^$' -- psql -d "$tcp" -c 'CREATE SCHEMA own; CREATE TABLE own.t(x integer); INSERT INTO own.t VALUES (7); SELECT x FROM own.t'
check 'a wrong password is refused' bash -c '
  out=$(PGPASSWORD=wrong psql -d "$1" -c "SELECT 1" 2>&1); [ $? -eq 2 ] &&
  grep -q "password authentication failed for user \"pkpass\"" <<<"$out"' _ "$tcp"
check 'no password is refused' bash -c '
  out=$(PGPASSFILE=/dev/null psql -d "$1" -c "SELECT 1" 2>&1); [ $? -eq 2 ] &&
  grep -q "no password supplied" <<<"$out"' _ "$tcp"
check 'pairkit is not let in over TCP' bash -c '
  out=$(psql -d "postgresql://pairkit@127.0.0.1:$1/reg" -c "SELECT 1" 2>&1); [ $? -eq 2 ] &&
  grep -q "no pg_hba.conf entry for host \"127.0.0.1\", user \"pairkit\"" <<<"$out"' _ "$PG_PORT"

# Stopped, then started on the same port with the same data.
port=$PG_PORT pid=$PG_PID
check 'stop_pg stops it' stop_pg
check 'its server has ended' gone "$pid"
check 'its socket is gone' test ! -e "$PG_DIR/.s.PGSQL.$port"
check 'psql finds no server' bash -c '! psql -d "$1" -c "SELECT 1" 2>/dev/null' _ "$reg"
check 'restart_pg starts it again' restart_pg
check 'on the same port' test "$PG_PORT" = "$port"
t 0 '^42$' '^$' -- pg_psql reg 'SELECT x FROM kept'
t 0 '^7$' '^$' -- psql -d "$tcp" -c 'SELECT x FROM own.t'
pid=$PG_PID
check 'restart_pg restarts a running server' restart_pg
check 'a new server process' bash -c 'gone "$1" && pg_alive "$2"' _ "$pid" "$PG_PID"
t 0 '^42$' '^$' -- pg_psql reg 'SELECT x FROM kept'
# A server that ended without stop_pg (SIGQUIT: an immediate shutdown, which
# leaves crash recovery to the next start): restart_pg starts it, the data is there.
pid=$PG_PID
kill -QUIT "$pid"
check 'the server has ended' gone "$pid"
check 'restart_pg starts it after it ended' restart_pg
t 0 '^42$' '^$' -- pg_psql reg 'SELECT x FROM kept'

# A port taken: the next one. The child takes the port its first try would
# use (pg-lib's _pg_port of its PID) before it starts a cluster.
cat >taken.sh <<EOF
source "$lib_dir/pg-lib.sh"
first=\$(_pg_port \$\$ 0)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' \$first &
blocker=\$!
for ((i = 0; i < 50; i++)); do [ -n "\$(ss -Hltn "sport = :\$first")" ] && break; sleep 0.1; done
start_pg || exit 1
kill \$blocker
[ "\$PG_PORT" != "\$first" ] && pg_psql postgres 'SELECT 1'
EOF
check 'a taken port: the cluster starts on another one' bash -c 'timeout 60 bash taken.sh | grep -qx 1'

# Clean-up: a shell that ends, fails or is killed outright leaves no server
# and no folder behind.
cat >starter.sh <<EOF
source "$lib_dir/pg-lib.sh"
start_pg || exit 3
echo "\$PG_PID \$PG_DIR" >started
pg_new_db x >/dev/null
[[ \${1:-} == fail ]] && false
[[ \${1:-} == end ]] && exit 0
exec sleep 60
EOF
# leaves PID DIR: true when nothing of that cluster is left
leaves() {
  gone "$1" || return 1
  local i
  for ((i = 0; i < 20; i++)); do [[ -e $2 ]] || break; sleep 0.1; done
  [[ ! -e $2 ]] && ! pgrep -f "$2" >/dev/null
}
export -f leaves
for how in end fail; do
  rm -f started
  check "a shell that ${how}s stops its server and removes its folder" bash -c '
    timeout 30 bash -e starter.sh "$1" || true
    read -r pid dir <started && leaves "$pid" "$dir"' _ $how
done
rm -f started
check 'a killed shell has its server stopped and its folder removed by the watchdog' bash -c '
  bash starter.sh & shell=$!
  for ((i = 0; i < 100; i++)); do [[ -s started ]] && break; sleep 0.1; done
  read -r pid dir <started
  pg_alive "$pid" || exit 1
  kill -9 "$shell"
  wait "$shell"
  leaves "$pid" "$dir" || { kill -9 "$pid"; exit 1; }'

# As root, a user's cluster too: the same library as nobody runs PostgreSQL
# itself (as the table does when run by a user).
if [[ $(id -u) -eq 0 ]]; then
  as_user=$(cat "$lib_dir/pg-lib.sh")'
start_pg || exit 3
echo "$PG_PID $PG_DIR $(ps -o user= -p "$PG_PID")"
pg_new_db u >/dev/null && pg_psql u "SELECT current_user"'
  check 'as a user (nobody), the server runs as that user and answers' bash -c '
    out=$(cd / && timeout 60 runuser -u nobody -- bash -c "$1") || exit 1
    read -r pid dir user <<<"$out"
    [ "$user" = nobody ] && [ "$(tail -n1 <<<"$out")" = pairkit ] && leaves "$pid" "$dir"' _ "$as_user"
else
  skip 'as a user (nobody), the server runs as that user' "the table runs as $(id -un): the rows above are that case"
fi
