// The one storage layer's interface: a connection to a database of either
// engine (SQLite: core/sqlite.cpp, PostgreSQL: core/postgres.cpp), prepared
// statements with typed binds and columns, write transactions, retries and
// numbered migrations. Stores (the registry, the CA index) are written once
// against it. Every failure is a typed error.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "pairkit/core/db_location.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::db {

/// The kinds of failure a store words differently.
enum class Failure {
  cannot_open,      ///< the database could not be opened or reached (missing file, refused login)
  busy,             ///< another connection held a lock past the busy timeout
  not_a_database,   ///< not an SQLite file, or a corrupt one
  constraint,       ///< a unique key or CHECK refused the change
  connection_lost,  ///< the server went away (PostgreSQL); the next use reconnects
  other,            ///< any other failure (I/O, full disk, bad SQL)
};

/// What a store needs to word a failure of its database.
struct FailureInfo {
  Failure kind;
  const std::string& path;  ///< the file, or the URL (which never holds a password)
  std::chrono::milliseconds busy_timeout;
  std::string_view what;     ///< what was being done ("prepare", "cannot record serial 0A")
  std::string_view message;  ///< the engine's own message
  std::string_view sql = {};  ///< the SQL Connection::exec ran, else empty
};

/// Turns a failure into the message of the error thrown (InputError, or
/// ConstraintViolation for Failure::constraint).
using Describe = std::string (*)(const FailureInfo&);

/// Names the database and the reason; for stores without wording of their own.
std::string describe_plainly(const FailureInfo& f);

/// A change the database refused (unique key, CHECK constraint). An
/// InputError, so an uncaught one still exits 3.
class ConstraintViolation : public InputError {
public:
  using InputError::InputError;
};

/// A store opened with IfMissing::fail that is not there (no file, no
/// schema). An InputError, so an uncaught one still exits 3.
class StoreMissing : public InputError {
public:
  using InputError::InputError;
};

/// A failure after which the whole transaction may run again: a lost
/// connection before COMMIT, a serialization failure or a deadlock
/// (PostgreSQL's 40001, 40P01). with_retries runs it again; uncaught, an
/// InputError (exit 3, or 503 from the gate).
class Retryable : public InputError {
public:
  using InputError::InputError;
};

struct ConnectionOptions {
  IfMissing if_missing = IfMissing::fail;
  std::chrono::milliseconds busy_timeout{5000};
  Describe describe = describe_plainly;
};

/// Where a database stands: equal stamps mean no commit came in between
/// (see Connection::change_stamp).
struct ChangeStamp {
  int64_t data_version = 0;  ///< moves with other connections' commits
  int64_t own_changes = 0;   ///< rows this connection changed
  bool operator==(const ChangeStamp&) const = default;
};

/// An engine's prepared statement, behind Statement.
class StatementImpl {
public:
  virtual ~StatementImpl() = default;
  virtual void bind(int i, std::string_view v) = 0;
  virtual void bind(int i, int64_t v) = 0;
  virtual void bind_null(int i) = 0;
  virtual bool step(std::string_view what) = 0;
  virtual void reset() = 0;
  virtual std::string text(int col) const = 0;
  virtual int64_t integer(int col) const = 0;
  virtual bool is_null(int col) const = 0;
  /// Ends the caller's use: a kept statement goes back to its connection's
  /// cache (reset, binds cleared), another is deleted.
  virtual void release() noexcept = 0;
};

/// A prepared statement. Binds are 1-based (`?` in the SQL, in order),
/// columns 0-based. One from Connection::cached goes back to its cache.
class Statement {
public:
  explicit Statement(StatementImpl* impl) : impl_(impl) {}
  ~Statement() {
    if (impl_) impl_->release();
  }
  Statement(Statement&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int i, std::string_view v) { return impl_->bind(i, v), *this; }
  Statement& bind(int i, int64_t v) { return impl_->bind(i, v), *this; }
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind_null(int i) { return impl_->bind_null(i), *this; }
  /// Binds NULL for an empty string (optional text columns).
  Statement& bind_or_null(int i, std::string_view v) { return v.empty() ? bind_null(i) : bind(i, v); }
  Statement& bind_or_null(int i, std::optional<int64_t> v) { return v ? bind(i, *v) : bind_null(i); }

  /// Advances to the next row: true while there is one, then false until
  /// reset (never running the statement again). `what` words a failure.
  bool step(std::string_view what = "step") { return impl_->step(what); }
  /// Runs a statement that returns no rows (or ignores them) to completion.
  void run(std::string_view what = "step") {
    while (step(what)) {
    }
  }
  /// Makes a statement ready to run again (binds stay until rebound).
  void reset() { impl_->reset(); }

  std::string text(int col) const { return impl_->text(col); }
  int64_t integer(int col) const { return impl_->integer(col); }
  bool is_null(int col) const { return impl_->is_null(col); }
  std::optional<int64_t> optional_integer(int col) const {
    if (is_null(col)) return std::nullopt;
    return integer(col);
  }

private:
  StatementImpl* impl_;
};

/// A store's schema history, for both engines.
struct Schema {
  /// The PostgreSQL schema (namespace) the store's tables live in, so that
  /// several stores share one database ("pairkit_registry").
  std::string_view namespace_name;
  /// What the store is called in "postgresql://... holds no pairkit registry".
  std::string_view noun;
  /// migrations[i] takes the schema from version i to i + 1; the last one's
  /// number is the version this build writes. Both lists have one entry per version.
  std::span<const char* const> sqlite_migrations;
  std::span<const char* const> postgres_migrations;
  /// SQLite only. Called for a file at version 0 (once before and once inside
  /// the migration transaction): returns the version of the schema it holds
  /// (0 for an empty file to build from scratch; a later one to adopt a file
  /// made before versions were recorded) or throws the store's error.
  int (*unversioned)(class Connection&);
  /// Throws the store's error for a database newer than this build (when it
  /// returns, a plain InputError is thrown).
  void (*too_new)(const class Connection&, int version);
};

/// One connection to one database, closed on destruction.
class Connection {
public:
  virtual ~Connection() = default;

  virtual DbEngine engine() const = 0;
  /// Prepares one statement; `what` words a failure.
  virtual Statement prepare(std::string_view sql, std::string_view what = "prepare") = 0;
  /// The statement for sql, parsed once per connection and kept: for SQL a
  /// server runs on every request, where parsing costs more than running.
  /// While one is out, asking for the same SQL again prepares a one-shot copy.
  virtual Statement cached(std::string_view sql, std::string_view what = "prepare") = 0;
  /// Runs SQL without results (one or several statements).
  virtual void exec(const char* sql, std::string_view what = "query failed") = 0;

  /// Starts a write transaction that orders writers of this store: SQLite's
  /// BEGIN IMMEDIATE; on PostgreSQL, BEGIN and the store's advisory lock.
  virtual void begin() = 0;
  virtual void commit() = 0;
  /// Never throws: there is nothing to undo on a connection already gone.
  virtual void rollback() noexcept = 0;
  /// Before a transaction runs again after a Retryable failure: reconnects a
  /// lost connection (throwing Retryable while the server stays away).
  virtual void recover() = 0;

  /// Brings the database to the schema's last version (see Schema) and
  /// returns the version it had (0: none). When the version is current this
  /// costs one read.
  virtual int migrate(const Schema& schema) = 0;
  /// A stamp that moves whenever a query's answer may have, for answers kept
  /// between requests: read it before the queries whose answers are kept
  /// under it. SQLite: the file's data version and this connection's own
  /// changes, exact. PostgreSQL: the notifications the store's triggers send
  /// on every write (the first call LISTENs), so another session's commit
  /// moves it a moment after that commit; once a second the session
  /// notifies itself and must hear it, and every stamp differs while it
  /// cannot tell (see postgres.cpp).
  virtual ChangeStamp change_stamp() = 0;

  /// Throws the error for the connection's last failure, worded by the store.
  [[noreturn]] virtual void fail(std::string_view what) const = 0;

  /// The file or URL, as messages name it.
  const std::string& path() const { return path_; }
  std::chrono::milliseconds busy_timeout() const { return busy_timeout_; }

protected:
  Connection(std::string path, std::chrono::milliseconds busy_timeout)
      : path_(std::move(path)), busy_timeout_(busy_timeout) {}

private:
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

/// Opens `where` (see parse_db_location) with the store's wording.
std::unique_ptr<Connection> connect(const DbLocation& where, const ConnectionOptions& options);

/// A write transaction (Connection::begin), rolled back on destruction
/// unless committed.
class Transaction {
public:
  explicit Transaction(Connection& c) : c_(c) { c_.begin(); }
  ~Transaction() {
    if (!done_) c_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    done_ = true;  // a failed COMMIT has ended the transaction either way
    c_.commit();
  }

private:
  Connection& c_;
  bool done_ = false;
};

/// Runs fn (one transaction, or reads) and runs it again after a Retryable
/// failure, with backoff, until the connection's busy timeout has passed;
/// then the last failure is thrown. fn must start from scratch each time.
template <class F>
decltype(auto) with_retries(Connection& c, F&& fn) {
  const auto deadline = std::chrono::steady_clock::now() + c.busy_timeout();
  for (auto pause = std::chrono::milliseconds(10);; pause = std::min(pause * 2, std::chrono::milliseconds(500))) {
    try {
      return fn();
    } catch (const Retryable&) {
      if (std::chrono::steady_clock::now() + pause > deadline) throw;
    }
    std::this_thread::sleep_for(pause);
    try {
      c.recover();
    } catch (const Retryable&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
    }
  }
}

}  // namespace pairkit::db
