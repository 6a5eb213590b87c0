// The SQLite layer (see sqlite.hpp): the only file that calls sqlite3_*.
#include "pairkit/core/sqlite.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <thread>
#include <unordered_map>

namespace pairkit::sqlite {

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
  if (f.kind == Failure::constraint) throw ConstraintViolation(describe(f));
  throw InputError(describe(f));
}

[[noreturn]] void refuse_newer(const Connection& c, const Schema& schema, int version) {
  schema.too_new(c, version);
  throw InputError(c.path() + " has schema version " + std::to_string(version) + "; this pairkit knows up to " +
                   std::to_string(schema.migrations.size()));
}

}  // namespace

std::string describe_plainly(const FailureInfo& f) {
  switch (f.kind) {
    case Failure::cannot_open: return "cannot open database " + f.path + ": " + std::string(f.message);
    case Failure::busy:
      return "database " + f.path + " is busy: another process held it for more than " +
             std::to_string(f.busy_timeout.count()) + " ms";
    case Failure::not_a_database:
      return f.path + " is not a usable database (" + std::string(f.message) + ")";
    case Failure::constraint:
    case Failure::other: break;
  }
  return f.path + ": " + std::string(f.what) + ": " + std::string(f.message);
}

// --- Statement

Statement::~Statement() {
  if (!lent_) {
    sqlite3_finalize(s_);
    return;
  }
  // Back to the cache: a reset ends the statement's read of the database,
  // cleared binds drop the copies of this request's text.
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  *lent_ = false;
}

Statement::Statement(Statement&& o) noexcept : conn_(o.conn_), s_(o.s_), lent_(o.lent_), done_(o.done_) {
  o.s_ = nullptr;
  o.lent_ = nullptr;
}

Statement& Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

bool Statement::step(std::string_view what) {
  // Stepping a finished statement would run it again (SQLite resets it).
  if (done_) return false;
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  done_ = true;
  if (rc == SQLITE_DONE) return false;
  conn_->fail(what);
}

void Statement::run(std::string_view what) {
  while (step(what)) {
  }
}

void Statement::reset() {
  sqlite3_reset(s_);
  done_ = false;
}

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col))) : "";
}

int64_t Statement::integer(int col) const { return sqlite3_column_int64(s_, col); }

bool Statement::is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

std::optional<int64_t> Statement::optional_integer(int col) const {
  if (is_null(col)) return std::nullopt;
  return integer(col);
}

// --- Connection

struct Connection::Cache {
  struct Entry {
    sqlite3_stmt* s;
    bool lent;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view v) const noexcept { return std::hash<std::string_view>{}(v); }
  };
  // Node-based: an entry's in-use flag stays put while statements point at it.
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries;
};

Connection::Connection(const std::string& path, const ConnectionOptions& options)
    : cache_(std::make_unique<Cache>()), path_(path), busy_timeout_(options.busy_timeout), describe_(options.describe) {
  const int flags =
      SQLITE_OPEN_READWRITE | (options.if_missing == IfMissing::create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw_failure({Failure::cannot_open, path_, busy_timeout_, "open", msg}, describe_);
  }
  sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
}

Connection::~Connection() { close(); }

void Connection::close() noexcept {
  if (cache_)
    for (auto& [sql, e] : cache_->entries) sqlite3_finalize(e.s);
  sqlite3_close(db_);
}

Connection::Connection(Connection&& o) noexcept
    : db_(o.db_),
      cache_(std::move(o.cache_)),
      path_(std::move(o.path_)),
      busy_timeout_(o.busy_timeout_),
      describe_(o.describe_) {
  o.db_ = nullptr;
}

void Connection::fail(std::string_view what, std::string_view sql) const {
  const int code = sqlite3_extended_errcode(db_);
  const std::string msg = sqlite3_errmsg(db_);
  throw_failure({failure_of(code), path_, busy_timeout_, what, msg, sql}, describe_);
}

Statement Connection::prepare(std::string_view sql, std::string_view what) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK) fail(what);
  return Statement(*this, s);
}

Statement Connection::cached(std::string_view sql, std::string_view what) {
  auto it = cache_->entries.find(sql);
  if (it == cache_->entries.end()) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK)
      fail(what);
    it = cache_->entries.emplace(std::string(sql), Cache::Entry{s, false}).first;
  }
  if (it->second.lent) return prepare(sql, what);
  it->second.lent = true;
  return Statement(*this, it->second.s, &it->second.lent);
}

void Connection::exec_cached(const char* sql, std::string_view what) {
  Statement s = cached(sql, what);
  const int rc = sqlite3_step(s.s_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) fail(what, sql);
}

void Connection::exec(const char* sql, std::string_view what) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(what, sql);
}

int Connection::user_version() {
  auto s = prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void Connection::use_wal() {
  // SQLite decides to switch before it waits for the lock: a process that
  // waits in the busy handler while another switches the file goes on waiting
  // for an exclusive lock that every WAL connection's shared lock now denies.
  // So: try without waiting, and try again; a new try sees the WAL.
  static constexpr char kSql[] = "PRAGMA journal_mode=WAL";
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
  sqlite3_busy_timeout(db_, 0);
  int rc = SQLITE_OK;
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, std::chrono::milliseconds(50))) {
    rc = sqlite3_exec(db_, kSql, nullptr, nullptr, nullptr);
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() + pause > deadline) break;
    std::this_thread::sleep_for(pause);
  }
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout_.count()));
  if (rc != SQLITE_OK) fail("switch to WAL", kSql);
}

ChangeStamp Connection::change_stamp() {
  auto s = cached("PRAGMA data_version");
  s.step();
  return {s.integer(0), sqlite3_total_changes64(db_)};
}

// --- Transaction

Transaction::Transaction(Connection& c) : c_(c) { c_.exec_cached("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      c_.exec_cached("ROLLBACK");
    } catch (const Error&) {
      // Nothing to undo when SQLite already rolled back (it does after
      // some I/O errors); the error that brought us here is what counts.
    }
  }
}

void Transaction::commit() {
  c_.exec_cached("COMMIT");
  done_ = true;
}

// --- Migrations

void migrate(Connection& c, const Schema& schema) {
  const int target = static_cast<int>(schema.migrations.size());
  int v = c.user_version();
  if (v == target) return;
  if (v > target) refuse_newer(c, schema, v);
  if (v == 0) {
    // Refuse someone else's file before switching its journal mode. One read
    // transaction, so a migration by another process is seen whole or not at all.
    c.exec("BEGIN");
    try {
      if (c.user_version() == 0) schema.unversioned(c);
    } catch (...) {
      c.exec("ROLLBACK");
      throw;
    }
    c.exec("COMMIT");
  }
  // WAL lets readers work while a writer commits. It cannot be switched
  // inside a transaction, and it persists in the file.
  c.use_wal();
  Transaction tx(c);
  v = c.user_version();  // another process may have migrated meanwhile
  if (v > target) refuse_newer(c, schema, v);
  if (v == 0) v = schema.unversioned(c);
  for (; v < target; ++v) c.exec(schema.migrations[static_cast<size_t>(v)]);
  // Also what records an adopted file's version.
  c.exec(("PRAGMA user_version = " + std::to_string(target)).c_str());
  tx.commit();
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
