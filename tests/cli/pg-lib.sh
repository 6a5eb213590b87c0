# A PostgreSQL 15 cluster of the tables' and benchmarks' own (sourced), in a
# temporary folder, gone at exit.
#   start_pg       initdb + start: a unix socket in PG_DIR and 127.0.0.1 on a
#                  port chosen by the shell's PID (the next one when taken);
#                  the superuser role is pairkit, trusted on the socket; the
#                  role pkpass (password PG_PASSWORD, scram-sha-256) is the
#                  only one TCP lets in. Exports PGHOST (the socket folder),
#                  PGPORT, PGUSER=pairkit, PGDATABASE=postgres for psql, and
#                  PGPASSFILE (pkpass's password); sets PG_DIR, PG_PORT, PG_PID.
#                  As root, PostgreSQL runs as the postgres user (it refuses
#                  root), in a folder it owns; as anyone else, as that user.
#   pg_new_db NAME prints the pairkit location of a new database NAME on the
#                  socket: postgresql:///NAME?host=PG_DIR&port=PG_PORT&user=pairkit
#   pg_url_tcp NAME  the same database over 127.0.0.1 as pkpass:
#                  postgresql://pkpass@127.0.0.1:PG_PORT/NAME
#   pg_psql NAME SQL  runs SQL in database NAME as pairkit, stops at the first
#                  error; prints rows unaligned (| between columns)
#   stop_pg        a fast shutdown (clients are disconnected); nothing when
#                  the server has ended already
#   restart_pg     starts it again (stopping it first if it runs) on the same
#                  port and data: a database restarted under load
#   pg_alive PID   true while the server PID runs (kill -0 finds an ended
#                  one until it is reaped)
# The server is killed and the folder removed when the calling shell exits,
# also when it fails or is killed outright (a watchdog, disowned: a bare
# `wait` does not wait for it).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PASSWORD=pkpass-not-a-secret
_pg_root='' _pg_watchdog='' _pg_as=()

_pg_cleanup() {
  [[ -n $_pg_watchdog ]] && kill -9 "$_pg_watchdog" 2>/dev/null
  _pg_reap "$_pg_root"
  _pg_root='' _pg_watchdog='' PG_DIR='' PG_PORT='' PG_PID=''
}
# _pg_reap ROOT: an immediate shutdown (SIGQUIT: the postmaster ends its
# backends and removes its shared memory), SIGKILL for whatever still runs
# after 5 s, then the folder.
_pg_reap() {
  [[ -n $1 ]] || return 0
  local pid='' i
  [[ -f $1/data/postmaster.pid ]] && read -r pid <"$1/data/postmaster.pid"
  if [[ $pid =~ ^[0-9]+$ ]] && kill -QUIT "$pid" 2>/dev/null; then
    for ((i = 0; i < 100; i++)); do pg_alive "$pid" || break; sleep 0.05; done
    if pg_alive "$pid"; then
      local children
      mapfile -t children < <(pgrep -P "$pid")
      kill -9 "$pid" "${children[@]}" 2>/dev/null
    fi
  fi
  rm -rf "$1"
}
# pg_alive PID: PID runs and has not ended. An ended server is nobody's
# child (pg_ctl let it go): it stays a zombie, which kill -0 still finds,
# until whatever adopted it reaps it, and that can take seconds.
pg_alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}
# Chained in front of whatever EXIT trap the table has (gate-lib.sh and
# token-lib.sh set one), again at each start when a later trap replaced it.
_pg_trap() {
  local current words
  current=$(trap -p EXIT)
  if [[ $current != *_pg_cleanup* ]]; then
    if [[ -n $current ]]; then
      eval "words=($current)"  # trap -- 'COMMANDS' EXIT
      # shellcheck disable=SC2064 # the current commands, now
      trap "_pg_cleanup; ${words[2]}" EXIT
    else
      trap _pg_cleanup EXIT
    fi
  fi
  [[ -n $_pg_root ]] && return 0
  # /tmp rather than $TMPDIR: the socket's path must stay under 107 bytes,
  # and as root the postgres user must reach the folder.
  _pg_root=$(mktemp -d /tmp/pairkit-pg.XXXXXX) || return 1
  local owner=$BASHPID root=$_pg_root
  (
    trap '' HUP INT TERM
    while pg_alive "$owner"; do sleep 1; done
    _pg_reap "$root"
  ) </dev/null >/dev/null 2>&1 &
  _pg_watchdog=$!
  # Not a job of the shell's: no "Killed" notice when the trap ends it.
  disown "$_pg_watchdog"
}

# _pg_run CMD...: a PostgreSQL server program as the user that may run it,
# from the cluster's folder (as root, the postgres user cannot read the
# table's working folder).
_pg_run() {
  (cd "$_pg_root" && "${_pg_as[@]}" "$@")
}

start_pg() {
  [[ -z $_pg_root ]] || { echo "pg-lib: a cluster runs already in $_pg_root" >&2; return 1; }
  [[ -x $PG_BIN/initdb ]] || { echo "pg-lib: no $PG_BIN/initdb (scripts/deps.sh test installs postgresql-15)" >&2; return 1; }
  _pg_as=()
  if [[ $(id -u) -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 ||
      { echo "pg-lib: PostgreSQL refuses to run as root, and there is no postgres user (postgresql-common makes it)" >&2; return 1; }
    _pg_as=(runuser -u postgres --)
  fi
  _pg_trap || return 1
  PG_DIR=$_pg_root
  [[ ${#_pg_as[@]} -eq 0 ]] || chown postgres: "$PG_DIR"
  # --no-sync here and fsync=off below: a throwaway cluster that a crash of
  # the machine may lose, in a second rather than three.
  if ! _pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -U pairkit --auth-local=trust --auth-host=reject \
    --no-sync --no-instructions -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1; then
    echo "pg-lib: initdb failed:" >&2
    cat "$PG_DIR/initdb.log" >&2
    return 1
  fi
  printf '%s\n' 'local all all trust' 'host all pkpass 127.0.0.1/32 scram-sha-256' >"$PG_DIR/data/pg_hba.conf"
  # mmap: the dynamic shared memory is files in the data folder, removed with
  # it, never left in /dev/shm by a server killed outright. 200 connections:
  # two gates' workers and the CLI's processes at once.
  cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
dynamic_shared_memory_type = mmap
max_connections = 200
shared_buffers = 32MB
log_min_messages = warning
EOF
  [[ ${#_pg_as[@]} -eq 0 ]] || chown postgres: "$PG_DIR/data/pg_hba.conf"
  local owner=$BASHPID try port
  for ((try = 0; try < 40; try++)); do
    port=$(_pg_port "$owner" "$try")
    if _pg_start "$port"; then break; fi
    grep -q 'could not bind\|could not create any TCP/IP sockets' "$PG_DIR/server.log" 2>/dev/null || break
  done
  [[ -n $PG_PID ]] || { echo "pg-lib: the server did not start:" >&2; tail -n 5 "$PG_DIR/server.log" >&2; return 1; }
  export PGHOST=$PG_DIR PGPORT=$PG_PORT PGUSER=pairkit PGDATABASE=postgres PGPASSFILE=$PG_DIR/pgpass
  (umask 077 && printf '127.0.0.1:%s:*:pkpass:%s\n' "$PG_PORT" "$PG_PASSWORD" >"$PGPASSFILE")
  # A member of pairkit: it may do on pairkit's databases what their owner may.
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE pkpass LOGIN PASSWORD '$PG_PASSWORD' IN ROLE pairkit" >/dev/null
}

# _pg_port OWNER TRY: the port of a shell's TRYth attempt, in 10000-29999
# (below Linux's ephemeral ports, where a client's port could take it).
_pg_port() {
  echo $((10000 + ($1 * 7 + $2 * 997) % 20000))
}

# _pg_start PORT: pg_ctl start on PORT; sets PG_PORT and PG_PID when it runs.
_pg_start() {
  PG_PID=''
  : >"$PG_DIR/server.log"
  [[ ${#_pg_as[@]} -eq 0 ]] || chown postgres: "$PG_DIR/server.log"
  _pg_run "$PG_BIN/pg_ctl" start -D "$PG_DIR/data" -l "$PG_DIR/server.log" -o "-p $1" -w -t 30 -s >/dev/null 2>&1 ||
    return 1
  read -r PG_PID <"$PG_DIR/data/postmaster.pid"
  PG_PORT=$1
}

pg_new_db() {
  local name=${1:?usage: pg_new_db NAME}
  "$PG_BIN/createdb" "$name" || return 1
  echo "postgresql:///$name?host=$PG_DIR&port=$PG_PORT&user=pairkit"
}

pg_url_tcp() {
  echo "postgresql://pkpass@127.0.0.1:$PG_PORT/${1:?usage: pg_url_tcp NAME}"
}

pg_psql() {
  "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "${1:?usage: pg_psql NAME SQL}" -c "${2:?usage: pg_psql NAME SQL}"
}

stop_pg() {
  [[ -n $PG_PID ]] && pg_alive "$PG_PID" || { PG_PID=''; return 0; }
  _pg_run "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m fast -w -t 30 -s || return 1
  PG_PID=''
}

restart_pg() {
  [[ -n $_pg_root ]] || { echo "pg-lib: restart_pg before start_pg" >&2; return 1; }
  stop_pg || return 1
  _pg_start "$PG_PORT" ||
    { echo "pg-lib: the server did not start again on port $PG_PORT:" >&2; tail -n 5 "$PG_DIR/server.log" >&2; return 1; }
}
