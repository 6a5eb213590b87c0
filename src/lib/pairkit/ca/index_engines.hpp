// What create_index and open_index (index_store.cpp) need from each engine.
// Internal to the ca folder: callers use index_store.hpp.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "pairkit/ca/index_store.hpp"
#include "pairkit/core/db_location.hpp"

namespace pairkit::ca {

/// A new index at a location of either engine (index_sql.cpp): a new
/// SQLite file, or a PostgreSQL database without one.
std::unique_ptr<IndexStore> create_sql_index(const DbLocation& where);
/// The existing index at a location.
std::unique_ptr<IndexStore> open_sql_index(const DbLocation& where, std::chrono::milliseconds busy_timeout);

}  // namespace pairkit::ca
