// What create_index and open_index (index_store.cpp) need from each engine.
// Internal to the ca folder: callers use index_store.hpp.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "pairkit/ca/index_store.hpp"

namespace pairkit::ca {

/// A new index in the SQLite file at path (index_sqlite.cpp).
std::unique_ptr<IndexStore> create_sqlite_index(const std::string& path);
/// The index in the existing SQLite file at path.
std::unique_ptr<IndexStore> open_sqlite_index(const std::string& path, std::chrono::milliseconds busy_timeout);

}  // namespace pairkit::ca
