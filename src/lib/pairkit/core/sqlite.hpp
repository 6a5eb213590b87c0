// The SQLite engine of the storage layer (core/database.hpp): WAL, a busy
// timeout, statements kept per connection, BEGIN IMMEDIATE transactions,
// migrations recorded in PRAGMA user_version; and online snapshots.
#pragma once
#include <memory>
#include <string>

#include "pairkit/core/database.hpp"

namespace pairkit::sqlite {

/// Opens path with the busy timeout set. A missing file is created only
/// with IfMissing::create (the folder must exist); other open failures
/// throw Failure::cannot_open. SQLite reads the file lazily: a file that
/// is no database is reported by the first statement.
std::unique_ptr<db::Connection> open(const std::string& path, const db::ConnectionOptions& options);

/// The schema version recorded in the file (PRAGMA user_version).
int user_version(db::Connection& c);

/// Copies a (possibly live) database to dst_path with SQLite's online
/// backup API: a consistent snapshot, including rows still in the WAL.
/// InputError naming src_path on failure.
void snapshot(const std::string& src_path, const std::string& dst_path);

/// The SQLite version linked in ("3.40.1").
const char* library_version();

}  // namespace pairkit::sqlite
