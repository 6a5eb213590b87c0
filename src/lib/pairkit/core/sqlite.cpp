// The SQLite engine (see sqlite.hpp): the only file that calls sqlite3_*.
#include "pairkit/core/sqlite.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <thread>
#include <unordered_map>
#include <utility>

namespace pairkit::sqlite {

using db::Describe;
using db::Failure;
using db::FailureInfo;
using db::Schema;

namespace {

Failure failure_of(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Failure::busy;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return Failure::not_a_database;
    case SQLITE_CONSTRAINT: return Failure::constraint;
    default: return Failure::other;
  }
}

[[noreturn]] void throw_failure(const FailureInfo& f, Describe describe) {
  if (f.kind == Failure::constraint) throw db::ConstraintViolation(describe(f));
  throw InputError(describe(f));
}

class SqliteConnection;

class SqliteStatement final : public db::StatementImpl {
public:
  SqliteStatement(SqliteConnection& c, sqlite3_stmt* s, bool kept) : conn_(c), s_(s), kept_(kept) {}
  ~SqliteStatement() override { sqlite3_finalize(s_); }

  void bind(int i, std::string_view v) override {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, int64_t v) override { sqlite3_bind_int64(s_, i, v); }
  void bind_null(int i) override { sqlite3_bind_null(s_, i); }
  bool step(std::string_view what) override;
  void reset() override {
    sqlite3_reset(s_);
    done_ = false;
  }
  std::string text(int col) const override {
    const auto* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : "";
  }
  int64_t integer(int col) const override { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const override { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  void release() noexcept override {
    if (!kept_) {
      delete this;
      return;
    }
    // Back to the cache: a reset ends the statement's read of the database,
    // cleared binds drop the copies of this request's text.
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    done_ = false;
    lent_ = false;
  }

  /// Lends a kept statement out; false when it is out already.
  bool lend() { return !std::exchange(lent_, true); }

private:
  SqliteConnection& conn_;
  sqlite3_stmt* s_;
  const bool kept_;
  bool lent_ = false;
  bool done_ = false;
};

class SqliteConnection final : public db::Connection {
public:
  SqliteConnection(const std::string& path, const db::ConnectionOptions& options);
  ~SqliteConnection() override {
    cache_.clear();  // finalized before the connection closes
    for (sqlite3_stmt* s : {begin_, commit_, rollback_}) sqlite3_finalize(s);
    sqlite3_close(db_);
  }

  DbEngine engine() const override { return DbEngine::sqlite; }
  db::Statement prepare(std::string_view sql, std::string_view what) override;
  db::Statement cached(std::string_view sql, std::string_view what) override;
  void exec(const char* sql, std::string_view what) override {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(what, sql);
  }
  void begin() override { exec_kept(begin_, "BEGIN IMMEDIATE"); }
  void commit() override { exec_kept(commit_, "COMMIT"); }
  void rollback() noexcept override {
    try {
      exec_kept(rollback_, "ROLLBACK");
    } catch (const Error&) {
      // Nothing to undo when SQLite already rolled back (it does after
      // some I/O errors); the error that brought us here is what counts.
    }
  }
  void recover() override {}
  int migrate(const Schema& schema) override;
  db::ChangeStamp change_stamp() override {
    auto s = cached("PRAGMA data_version", "prepare");
    s.step();
    return {s.integer(0), sqlite3_total_changes64(db_)};
  }
  [[noreturn]] void fail(std::string_view what) const override { fail(what, {}); }

  int user_version() {
    auto s = prepare("PRAGMA user_version", "prepare");
    s.step();
    return static_cast<int>(s.integer(0));
  }

private:
  [[noreturn]] void fail(std::string_view what, std::string_view sql) const {
    const int code = sqlite3_extended_errcode(db_);
    const std::string msg = sqlite3_errmsg(db_);
    throw_failure({failure_of(code), path(), busy_timeout(), what, msg, sql}, describe_);
  }
  /// Runs BEGIN, COMMIT or ROLLBACK, kept prepared: they run on every request.
  void exec_kept(sqlite3_stmt*& s, const char* sql) {
    if (!s && sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      fail("query failed", sql);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
      sqlite3_reset(s);
      return;
    }
    const int code = sqlite3_extended_errcode(db_);
    const std::string msg = sqlite3_errmsg(db_);
    sqlite3_reset(s);
    throw_failure({failure_of(code), path(), busy_timeout(), "query failed", msg, sql}, describe_);
  }
  void use_wal();
  [[noreturn]] void refuse_newer(const Schema& schema, int version) const {
    schema.too_new(*this, version);
    throw InputError(path() + " has schema version " + std::to_string(version) + "; this pairkit knows up to " +
                     std::to_string(schema.sqlite_migrations.size()));
  }

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view v) const noexcept { return std::hash<std::string_view>{}(v); }
  };
  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  // Node-based: a kept statement stays put while a Statement points at it.
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>, Hash, std::equal_to<>> cache_;
  Describe describe_;
};

bool SqliteStatement::step(std::string_view what) {
  // Stepping a finished statement would run it again (SQLite resets it).
  if (done_) return false;
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  done_ = true;
  if (rc == SQLITE_DONE) return false;
  conn_.fail(what);
}

SqliteConnection::SqliteConnection(const std::string& path, const db::ConnectionOptions& options)
    : db::Connection(path, options.busy_timeout), describe_(options.describe) {
  const int flags =
      SQLITE_OPEN_READWRITE | (options.if_missing == IfMissing::create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw_failure({Failure::cannot_open, this->path(), busy_timeout(), "open", msg}, describe_);
  }
  sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
}

db::Statement SqliteConnection::prepare(std::string_view sql, std::string_view what) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK) fail(what);
  return db::Statement(new SqliteStatement(*this, s, false));
}

db::Statement SqliteConnection::cached(std::string_view sql, std::string_view what) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK)
      fail(what);
    it = cache_.emplace(std::string(sql), std::make_unique<SqliteStatement>(*this, s, true)).first;
  }
  if (!it->second->lend()) return prepare(sql, what);
  return db::Statement(it->second.get());
}

void SqliteConnection::use_wal() {
  // SQLite decides to switch before it waits for the lock: a process that
  // waits in the busy handler while another switches the file goes on waiting
  // for an exclusive lock that every WAL connection's shared lock now denies.
  // So: try without waiting, and try again; a new try sees the WAL.
  static constexpr char kSql[] = "PRAGMA journal_mode=WAL";
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout();
  sqlite3_busy_timeout(db_, 0);
  int rc = SQLITE_OK;
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, std::chrono::milliseconds(50))) {
    rc = sqlite3_exec(db_, kSql, nullptr, nullptr, nullptr);
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() + pause > deadline) break;
    std::this_thread::sleep_for(pause);
  }
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout().count()));
  if (rc != SQLITE_OK) fail("switch to WAL", kSql);
}

int SqliteConnection::migrate(const Schema& schema) {
  const int target = static_cast<int>(schema.sqlite_migrations.size());
  int v = user_version();
  if (v == target) return v;
  if (v > target) refuse_newer(schema, v);
  if (v == 0) {
    // Refuse someone else's file before switching its journal mode. One read
    // transaction, so a migration by another process is seen whole or not at all.
    exec("BEGIN", "query failed");
    try {
      if (user_version() == 0) schema.unversioned(*this);
    } catch (...) {
      exec("ROLLBACK", "query failed");
      throw;
    }
    exec("COMMIT", "query failed");
  }
  // WAL lets readers work while a writer commits. It cannot be switched
  // inside a transaction, and it persists in the file.
  use_wal();
  db::Transaction tx(*this);
  v = user_version();  // another process may have migrated meanwhile
  if (v > target) refuse_newer(schema, v);
  if (v == 0) v = schema.unversioned(*this);
  const int found = v;
  for (; v < target; ++v) exec(schema.sqlite_migrations[static_cast<size_t>(v)], "query failed");
  // Also what records an adopted file's version.
  exec(("PRAGMA user_version = " + std::to_string(target)).c_str(), "query failed");
  tx.commit();
  return found;
}

}  // namespace

std::unique_ptr<db::Connection> open(const std::string& path, const db::ConnectionOptions& options) {
  return std::make_unique<SqliteConnection>(path, options);
}

int user_version(db::Connection& c) {
  auto s = c.prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

// --- Snapshots

void snapshot(const std::string& src_path, const std::string& dst_path) {
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto fail = [&](sqlite3* db, const std::string& what) {
    std::string msg = "cannot snapshot " + src_path + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(src);
    sqlite3_close(dst);
    return InputError(msg);
  };
  if (sqlite3_open_v2(src_path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) throw fail(src, "open");
  sqlite3_busy_timeout(src, 5000);
  if (sqlite3_open_v2(dst_path.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    throw fail(dst, "create snapshot");
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) throw fail(dst, "backup");
  int rc;
  int busy_rounds = 0;
  while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    if (rc != SQLITE_OK) {
      if (++busy_rounds > 100) break;
      sqlite3_sleep(50);
    }
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) throw fail(src, rc == SQLITE_BUSY ? "database busy" : "backup step");
  sqlite3_close(src);
  sqlite3_close(dst);
}

const char* library_version() { return sqlite3_libversion(); }

}  // namespace pairkit::sqlite
