// Where a store lives, as users name it: a path, `sqlite:PATH`, or a
// PostgreSQL URL; and what opening does when nothing is there yet.
#pragma once
#include <string>

namespace pairkit {

/// What opening a store does where there is none yet.
enum class IfMissing { fail, create };

/// The database engines this build opens.
enum class DbEngine { sqlite, postgres };

/// A parsed location: the engine and what it opens (a file path for
/// SQLite, the URL as libpq takes it for PostgreSQL).
struct DbLocation {
  DbEngine engine = DbEngine::sqlite;
  std::string target;
};

/// Parses a location: `sqlite:PATH`, `postgresql://...` or `postgres://...`
/// (a libpq URI), or else a plain path. UsageError for another scheme, and
/// for a URL that carries a password: passwords come from PGPASSFILE,
/// ~/.pgpass or PGPASSWORD, never from a command line.
DbLocation parse_db_location(const std::string& location);

}  // namespace pairkit
