// Where a store lives, as users name it: a path, `sqlite:PATH`, and later a
// URL per further engine; and what opening does when nothing is there yet.
#pragma once
#include <string>

namespace pairkit {

/// What opening a store does where there is none yet.
enum class IfMissing { fail, create };

/// The database engines this build opens.
enum class DbEngine { sqlite };

/// A parsed location: the engine and what it opens (a file path for SQLite).
struct DbLocation {
  DbEngine engine = DbEngine::sqlite;
  std::string target;
};

/// Parses a location: `sqlite:PATH`, a URL (`scheme://...`), or else a
/// plain path. UsageError for a scheme this build does not open.
DbLocation parse_db_location(const std::string& location);

}  // namespace pairkit
