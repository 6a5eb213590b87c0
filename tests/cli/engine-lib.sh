# The registry engine of a table written once for both (sourced): SQLite files
# by default, PostgreSQL 15 when PAIRKIT_TEST_ENGINE=postgres (run_table.sh
# NAME@postgres): then one cluster for the table (pg-lib.sh) and one database
# per registry.
#   ENGINE                 sqlite or postgres
#   new_registry NAME      prints the location of a registry not made yet:
#                          NAME.db, or the URL of a new, empty database
#   reg_sql LOCATION SQL   runs SQL on a registry's tables and prints the rows,
#                          columns joined by | (sqlite3, or psql in the schema
#                          pairkit_registry)
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
    PGOPTIONS='-c search_path=pairkit_registry' "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$sql"
  else
    sqlite3 "${db#sqlite:}" "$sql"
  fi
}
export -f reg_sql

