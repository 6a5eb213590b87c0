// The one SQLite layer: a connection (WAL, busy timeout), prepared
// statements with typed binds and columns (kept per connection for SQL run
// again and again), BEGIN IMMEDIATE transactions, numbered migrations and
// online snapshots. Every failure is a typed error.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pairkit/core/db_location.hpp"
#include "pairkit/core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace pairkit::sqlite {

/// The kinds of failure a store words differently.
enum class Failure {
  cannot_open,     ///< the file could not be opened (missing folder, permissions)
  busy,            ///< another connection held a lock past the busy timeout
  not_a_database,  ///< not an SQLite file, or a corrupt one
  constraint,      ///< a unique key or CHECK refused the change
  other,           ///< any other failure (I/O, full disk, bad SQL)
};

/// What a store needs to word a failure of its database.
struct FailureInfo {
  Failure kind;
  const std::string& path;
  std::chrono::milliseconds busy_timeout;
  std::string_view what;     ///< what was being done ("prepare", "cannot record serial 0A")
  std::string_view message;  ///< SQLite's own message
  std::string_view sql = {};  ///< the SQL Connection::exec ran, else empty
};

/// Turns a failure into the message of the error thrown (InputError, or
/// ConstraintViolation for Failure::constraint).
using Describe = std::string (*)(const FailureInfo&);

/// Names the file and the reason; for stores without wording of their own.
std::string describe_plainly(const FailureInfo& f);

/// A change the database refused (unique key, CHECK constraint). An
/// InputError, so an uncaught one still exits 3; a store catches it to say
/// what the constraint means.
class ConstraintViolation : public InputError {
public:
  using InputError::InputError;
};

struct ConnectionOptions {
  IfMissing if_missing = IfMissing::fail;
  std::chrono::milliseconds busy_timeout{5000};
  Describe describe = describe_plainly;
};

class Connection;

/// Where a database stands: equal stamps mean no commit came in between
/// (see Connection::change_stamp).
struct ChangeStamp {
  int64_t data_version = 0;  ///< moves with other connections' commits
  int64_t own_changes = 0;   ///< rows this connection changed
  bool operator==(const ChangeStamp&) const = default;
};

/// A prepared statement. Binds are 1-based, columns 0-based, as in SQLite.
/// One from Connection::cached goes back to its connection's cache (reset,
/// binds cleared) instead of being finalized.
class Statement {
public:
  ~Statement();
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind_null(int i);
  /// Binds NULL for an empty string (optional text columns).
  Statement& bind_or_null(int i, std::string_view v) { return v.empty() ? bind_null(i) : bind(i, v); }
  Statement& bind_or_null(int i, std::optional<int64_t> v) { return v ? bind(i, *v) : bind_null(i); }

  /// Advances to the next row: true while there is one, then false until
  /// reset (never running the statement again). `what` words a failure.
  bool step(std::string_view what = "step");
  /// Runs a statement that returns no rows (or ignores them) to completion.
  void run(std::string_view what = "step");
  /// Makes a kept statement ready to run again (binds stay until rebound).
  void reset();

  std::string text(int col) const;
  int64_t integer(int col) const;
  bool is_null(int col) const;
  std::optional<int64_t> optional_integer(int col) const;

private:
  friend class Connection;
  Statement(Connection& c, sqlite3_stmt* s, bool* lent = nullptr) : conn_(&c), s_(s), lent_(lent) {}
  Connection* conn_;
  sqlite3_stmt* s_;
  bool* lent_;  ///< the cache entry's in-use flag for a kept statement, else null
  bool done_ = false;
};

/// One connection to one database file, closed on destruction.
class Connection {
public:
  /// Opens path with the busy timeout set. A missing file is created only
  /// with IfMissing::create (the folder must exist); other open failures
  /// throw Failure::cannot_open. SQLite reads the file lazily: a file that
  /// is no database is reported by the first statement.
  Connection(const std::string& path, const ConnectionOptions& options);
  ~Connection();
  Connection(Connection&& o) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection& operator=(Connection&&) = delete;

  /// Prepares one statement; `what` words a failure.
  Statement prepare(std::string_view sql, std::string_view what = "prepare");
  /// The statement for sql, parsed once per connection and kept
  /// (SQLITE_PREPARE_PERSISTENT): for SQL a server runs on every request,
  /// where parsing costs more than running. While one is out, asking for the
  /// same SQL again (a nested use) prepares a one-shot copy.
  Statement cached(std::string_view sql, std::string_view what = "prepare");
  /// Runs SQL without results (one or several statements).
  void exec(const char* sql, std::string_view what = "query failed");
  /// Runs one statement without results, kept prepared (see cached): for
  /// BEGIN and COMMIT, run on every request. Failures worded as by exec.
  void exec_cached(const char* sql, std::string_view what = "query failed");
  /// The schema version recorded in the file (PRAGMA user_version).
  int user_version();
  /// Switches the file to WAL, or finds it already switched; waits at most
  /// the busy timeout for another process that holds it.
  void use_wal();
  /// PRAGMA data_version with this connection's own changes: a stamp that
  /// moves whenever a query's answer may have, for answers kept between requests.
  ChangeStamp change_stamp();

  /// Throws the error for the connection's last failure, worded by the store.
  [[noreturn]] void fail(std::string_view what) const { fail(what, {}); }

  const std::string& path() const { return path_; }
  std::chrono::milliseconds busy_timeout() const { return busy_timeout_; }

private:
  [[noreturn]] void fail(std::string_view what, std::string_view sql) const;

  struct Cache;
  /// Finalizes the kept statements and closes the connection.
  void close() noexcept;

  sqlite3* db_ = nullptr;
  std::unique_ptr<Cache> cache_;
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
  Describe describe_;
};

/// A write transaction: BEGIN IMMEDIATE, so two writers never deadlock
/// upgrading read locks (the second waits in the busy handler). Rolled back
/// on destruction unless committed.
class Transaction {
public:
  explicit Transaction(Connection& c);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

private:
  Connection& c_;
  bool done_ = false;
};

/// A store's schema history and how it treats files it did not version.
struct Schema {
  /// migrations[i] takes the schema from version i to i + 1; the last one's
  /// number is the version this build writes.
  std::span<const char* const> migrations;
  /// Called for a file at version 0 (once before and once inside the
  /// migration transaction): returns the version of the schema it holds
  /// (0 for an empty file to build from scratch; a later one to adopt a
  /// file made before versions were recorded) or throws the store's error.
  int (*unversioned)(Connection&);
  /// Throws the store's error for a file newer than this build (when it
  /// returns, a plain InputError is thrown).
  void (*too_new)(const Connection&, int version);
};

/// Brings the database to the schema's last version: switches it to WAL
/// (which persists in the file), applies the missing migrations in order and
/// records the version (PRAGMA user_version), all in one transaction. When
/// the version is current this costs one PRAGMA read.
void migrate(Connection& c, const Schema& schema);

/// Copies a (possibly live) database to dst_path with SQLite's online
/// backup API: a consistent snapshot, including rows still in the WAL.
/// InputError naming src_path on failure.
void snapshot(const std::string& src_path, const std::string& dst_path);

/// The SQLite version linked in ("3.40.1").
const char* library_version();

}  // namespace pairkit::sqlite
