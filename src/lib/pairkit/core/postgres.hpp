// The PostgreSQL engine of the storage layer (core/database.hpp), through
// libpq loaded on first use: each store in a schema of its own, writers
// ordered by an advisory lock, lock and statement timeouts, reconnection.
#pragma once
#include <memory>
#include <string>

#include "pairkit/core/database.hpp"

namespace pairkit::postgres {

/// Connects to url (a libpq URI without a password) and sets the busy
/// timeout as lock_timeout and statement_timeout. InputError naming the
/// URL when libpq is missing, the server cannot be reached or the login is
/// refused.
std::unique_ptr<db::Connection> open(const std::string& url, const db::ConnectionOptions& options);

}  // namespace pairkit::postgres
