# The engine of the registries and CA indexes of a table written once for
# both (sourced): SQLite files by default, PostgreSQL 15 when
# PAIRKIT_TEST_ENGINE=postgres (run_table.sh NAME@postgres): then one cluster
# for the table (pg-lib.sh) and one database per registry or CA.
#   ENGINE                 sqlite or postgres
#   new_registry NAME      prints the location of a registry not made yet:
#                          NAME.db, or the URL of a new, empty database
#   reg_sql LOCATION SQL   runs SQL on a registry's tables and prints the rows,
#                          columns joined by | (sqlite3, or psql in the schema
#                          pairkit_registry)
#   old_registry LOCATION  makes a registry from before operators existed,
#                          whose decisions need no TOTP code (SQLite: the
#                          schema-1 fixture, migrated on open; PostgreSQL: a
#                          new one with that setting)
#   hold_registry LOCATION SECONDS FLAG  holds the registry as another writer
#                          in the middle of a transaction would, for SECONDS;
#                          creates the file FLAG once it holds it
#   no_registry LOCATION   the error (an extended regular expression) for a
#                          location that holds no registry
#   absent_registry LOCATION  a row passing when no registry was made there
#                          (no file; no schema pairkit_registry)
#   re TEXT                TEXT as an extended regular expression matching it
#                          (a URL has . and ?)
#   ca_index DIR           the arguments of `ca init --dir DIR` for its index:
#                          none on SQLite (DIR/index.db), --index and the URL
#                          of a new database on PostgreSQL
#   index_sql DIR SQL      runs SQL on the index of the CA in DIR, as reg_sql
# Rows about SQLite's files (modes, a corrupt file, WAL, a schema-1 file) run
# under `if [[ $ENGINE == sqlite ]]`, with a skip row saying so otherwise.
ENGINE=${PAIRKIT_TEST_ENGINE:-sqlite}
case $ENGINE in
  sqlite) ;;
  postgres)
    source "$(dirname "${BASH_SOURCE[0]}")/pg-lib.sh"
    check 'PostgreSQL 15 starts for the table' start_pg
    export PG_BIN
    ;;
  *)
    echo "engine-lib: PAIRKIT_TEST_ENGINE is sqlite or postgres, not '$ENGINE'" >&2
    exit 2
    ;;
esac
export ENGINE

new_registry() {
  local name=${1:?usage: new_registry NAME}
  if [[ $ENGINE == sqlite ]]; then
    echo "$name.db"
  else
    # A database name from a path: srv/pairing -> srv_pairing.
    pg_new_db "$(tr -c 'A-Za-z0-9_\n' _ <<<"$name")"
  fi
}

reg_sql() {
  local db=${1:?usage: reg_sql LOCATION SQL} sql=${2:?usage: reg_sql LOCATION SQL}
  if [[ $db == postgresql:* ]]; then
    PGOPTIONS='-c search_path=pairkit_registry -c client_min_messages=warning' "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$sql"
  else
    sqlite3 "${db#sqlite:}" "$sql"
  fi
}
export -f reg_sql

# PostgreSQL has no schema 1: a new registry, with the setting that
# migrating a schema-1 registry leaves.
old_registry() {
  if [[ $1 == postgresql:* ]]; then
    pk -q db migrate --db "$1" --store registry >/dev/null &&
      reg_sql "$1" "UPDATE settings SET value = 'false' WHERE key = 'otp_required'"
  else
    sqlite3 "${1#sqlite:}" <"$DATA/registry/pairing-v1.sql"
  fi
}

# PostgreSQL: a table lock that no writer of requests gets past, readers do.
hold_registry() {
  local db=$1 secs=$2 flag=$3
  if [[ $db == postgresql:* ]]; then
    PGOPTIONS='-c search_path=pairkit_registry' "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" \
      -c 'BEGIN' -c 'LOCK TABLE requests IN EXCLUSIVE MODE' -c "\\! touch $flag" -c "SELECT pg_sleep($secs)" -c 'COMMIT' >/dev/null
  else
    python3 -c "import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE')
open(sys.argv[2], 'w').close(); time.sleep(float(sys.argv[3]))" "${db#sqlite:}" "$flag" "$secs"
  fi
}

re() {
  sed 's/[][\\.*^$?+(){}|]/\\&/g' <<<"$1"
}

no_registry() {
  if [[ $1 == postgresql:* ]]; then
    echo "$(re "$1") holds no pairkit registry \(no schema pairkit_registry\)"
  else
    echo "no pairing registry at $(re "${1#sqlite:}")"
  fi
}

absent_registry() {
  local where="${BASH_LINENO[0]}: no registry at $1"
  if [[ $1 == postgresql:* ]]; then
    [[ $(reg_sql "$1" "SELECT to_regnamespace('pairkit_registry') IS NULL") == t ]]
  else
    [[ ! -e ${1#sqlite:} ]]
  fi && _ok "$where" || _bad "$where"
}

# The database of the CA in DIR: fca -> ca_fca.
_ca_db() { echo "ca_$(tr -c 'A-Za-z0-9_\n' _ <<<"$1")"; }
export -f _ca_db

ca_index() {
  [[ $ENGINE == postgres ]] || return 0
  echo "--index $(pg_new_db "$(_ca_db "$1")")"
}

index_sql() {
  if [[ $ENGINE == postgres ]]; then
    PGOPTIONS='-c search_path=pairkit_ca -c client_min_messages=warning' "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$(_ca_db "$1")" -c "$2"
  else
    sqlite3 "$1/index.db" "$2"
  fi
}
export -f index_sql
