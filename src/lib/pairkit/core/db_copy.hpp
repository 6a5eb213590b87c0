// db copy: moving stores from one location to another (SQLite to
// PostgreSQL and back), verified by row counts and a digest of every row.
// The digest is the caller's (crypto/): core walks rows and hashes nothing.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pairkit/core/db_store.hpp"

namespace pairkit::db {

/// A digest of a table's rows as they stream by (SHA-256, from crypto/).
class RowDigest {
public:
  virtual ~RowDigest() = default;
  virtual void update(std::string_view bytes) = 0;
  /// Lower-case hex of everything given.
  virtual std::string hex() = 0;
};
using DigestFactory = std::function<std::unique_ptr<RowDigest>()>;

/// One row as the digest sees it: PostgreSQL's COPY text format (values
/// joined by tabs, NULL as \N, backslash and control characters escaped,
/// a newline at the end), so that `COPY (SELECT ...) TO STDOUT | sha256sum`
/// gives the same digest. Appends to out.
void append_copy_line(std::string& out, std::span<const std::optional<std::string>> values);

/// What db copy did to one table.
struct TableCopy {
  const Store* store;
  std::string_view table;
  int64_t rows = 0;
  std::string digest;  ///< of every row in primary-key order, read back from the target
};

/// Copies the stores `from` holds (of `stores`) to `to`, ids kept. The
/// source is read in one read transaction; each store is written in one
/// transaction on the target, and committed only after every table of
/// every store read back from the target has the source's count and
/// digest. InputError, with nothing written, when the source holds none of
/// the stores or one at another schema version than this build's, or when
/// a target store holds any row; InputError and a rollback on a mismatch.
std::vector<TableCopy> copy_stores(const DbLocation& from, const DbLocation& to, std::span<const Store* const> stores,
                                   const DigestFactory& digest, std::chrono::milliseconds busy_timeout);

}  // namespace pairkit::db
