// create_index and open_index: the engine for a location (see index_store.hpp).
#include "pairkit/ca/index_store.hpp"

#include "pairkit/ca/index_engines.hpp"
#include "pairkit/core/db_location.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::ca {

std::unique_ptr<IndexStore> create_index(const std::string& location) {
  const auto where = parse_db_location(location);
  switch (where.engine) {
    case DbEngine::sqlite: return create_sqlite_index(where.target);
  }
  throw UsageError("no engine for database location '" + location + "'");
}

std::unique_ptr<IndexStore> open_index(const std::string& location, std::chrono::milliseconds busy_timeout) {
  const auto where = parse_db_location(location);
  switch (where.engine) {
    case DbEngine::sqlite: return open_sqlite_index(where.target, busy_timeout);
  }
  throw UsageError("no engine for database location '" + location + "'");
}

}  // namespace pairkit::ca
