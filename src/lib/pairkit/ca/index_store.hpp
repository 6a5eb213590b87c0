// The CA's index database (SQLite, WAL): every certificate the CA issued,
// its status and revocation, and the CRL number sequence. Several `ca sign`
// processes may write at once; each write is a BEGIN IMMEDIATE transaction
// and waits (busy timeout) for the others instead of failing.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pairkit/ca/crl.hpp"
#include "pairkit/core/clock.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace pairkit::ca {

/// A certificate as the index records it.
struct IndexEntry {
  std::string serial;   ///< canonical hex
  std::string subject;
  std::string profile;
  TimePoint not_before{};
  TimePoint not_after{};
  std::string sha256;   ///< colon hex of the DER certificate
  std::string status = "valid";  ///< valid | revoked
  std::optional<TimePoint> revoked_at;
  std::optional<int> reason;
  std::optional<uint64_t> crl_number;  ///< first CRL that listed the revocation
};

enum class RevokeResult { revoked, already_revoked, unknown };

class IndexDb {
public:
  /// Creates a new index at path (refuses an existing file).
  static IndexDb create(const std::string& path);
  /// Opens an existing index; a file that is not a pairkit index is an InputError.
  static IndexDb open(const std::string& path);
  ~IndexDb();
  IndexDb(IndexDb&& o) noexcept;
  IndexDb& operator=(IndexDb&&) = delete;

  /// Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back if fn throws.
  void transaction(const std::function<void()>& fn);

  /// Records an issued certificate; false if the serial is taken already.
  bool insert(const IndexEntry& e);
  /// Marks a certificate revoked (unless it is already).
  RevokeResult revoke(const std::string& serial, TimePoint at, std::optional<int> reason);
  std::optional<IndexEntry> find(const std::string& serial);
  std::vector<IndexEntry> list(bool revoked_only);
  size_t count();

  /// Calls fn for every revoked certificate (for CRLs: no per-entry objects kept).
  void for_each_revoked(const std::function<void(const RevokedEntry&)>& fn);
  /// Takes the next CRL number and stamps revocations not yet in a CRL with it.
  uint64_t next_crl_number();

  const std::string& path() const { return path_; }

private:
  IndexDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  [[noreturn]] void fail(const std::string& what);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;  ///< kept prepared: a batch inserts thousands of rows
  sqlite3_stmt* revoke_ = nullptr;  ///< ... or revokes them
  std::string path_;
};

}  // namespace pairkit::ca
