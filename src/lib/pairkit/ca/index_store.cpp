// create_index and open_index: the engine for a location (see index_store.hpp).
#include "pairkit/ca/index_store.hpp"

#include "pairkit/ca/index_engines.hpp"
#include "pairkit/core/db_location.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::ca {

std::unique_ptr<IndexStore> create_index(const std::string& location) {
  return create_sql_index(parse_db_location(location));
}

std::unique_ptr<IndexStore> open_index(const std::string& location, std::chrono::milliseconds busy_timeout) {
  return open_sql_index(parse_db_location(location), busy_timeout);
}

}  // namespace pairkit::ca
