// SQLite-backed CA index (see index_db.hpp).
#include "pairkit/ca/index_db.hpp"

#include <memory>

#include <sqlite3.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit::ca {

namespace {

constexpr int kBusyTimeoutMs = 30000;
constexpr int kSchemaVersion = 1;

const char* const kSchema = R"sql(
CREATE TABLE certs (
  serial      TEXT PRIMARY KEY,
  subject     TEXT NOT NULL,
  profile     TEXT NOT NULL,
  not_before  INTEGER NOT NULL,
  not_after   INTEGER NOT NULL,
  sha256      TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
  revoked_at  INTEGER,
  reason      INTEGER,
  crl_number  INTEGER
);
CREATE INDEX certs_revoked ON certs (status) WHERE status = 'revoked';
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta VALUES ('schema', 1), ('crl_number', 0);
)sql";

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = sqlite3_column_text(s, i);
  return p ? reinterpret_cast<const char*>(p) : "";
}

TimePoint column_time(sqlite3_stmt* s, int i) { return TimePoint(std::chrono::seconds(sqlite3_column_int64(s, i))); }

sqlite3* open_db(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw InputError("cannot open index database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return db;
}

}  // namespace

IndexDb::~IndexDb() {
  sqlite3_finalize(insert_);
  sqlite3_finalize(revoke_);
  if (db_) sqlite3_close(db_);
}

IndexDb::IndexDb(IndexDb&& o) noexcept
    : db_(o.db_), insert_(o.insert_), revoke_(o.revoke_), path_(std::move(o.path_)) {
  o.db_ = nullptr;
  o.insert_ = nullptr;
  o.revoke_ = nullptr;
}

void IndexDb::fail(const std::string& what) {
  const int code = sqlite3_errcode(db_);
  std::string msg = path_ + ": " + what + ": " + sqlite3_errmsg(db_);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    msg = path_ + ": database busy for more than " + std::to_string(kBusyTimeoutMs / 1000) + "s (" + what + ")";
  else if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    msg = path_ + " is not a usable index database (" + sqlite3_errmsg(db_) + ")";
  throw InputError(msg);
}

void IndexDb::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(std::string("cannot run '") + sql + "'");
}

sqlite3_stmt* IndexDb::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) fail("cannot read the index");
  return s;
}

IndexDb IndexDb::create(const std::string& path) {
  if (path_exists(path)) throw InputError(path + " exists already");
  IndexDb db(open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE), path);
  db.exec("PRAGMA journal_mode=WAL");
  db.transaction([&] { db.exec(kSchema); });
  return db;
}

IndexDb IndexDb::open(const std::string& path) {
  if (!path_exists(path)) throw InputError("index database " + path + " is missing");
  IndexDb db(open_db(path, SQLITE_OPEN_READWRITE), path);
  {
    Stmt s(db.prepare("SELECT value FROM meta WHERE key = 'schema'"));
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_BUSY) db.fail("reading the schema version");
    if (rc != SQLITE_ROW || sqlite3_column_int(s.get(), 0) != kSchemaVersion)
      throw InputError(path + " is not a pairkit CA index (schema version missing or unknown)");
  }
  db.exec("PRAGMA journal_mode=WAL");
  return db;
}

void IndexDb::transaction(const std::function<void()>& fn) {
  exec("BEGIN IMMEDIATE");
  try {
    fn();
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec("COMMIT");
}

bool IndexDb::insert(const IndexEntry& e) {
  if (!insert_)
    insert_ = prepare(
        "INSERT OR IGNORE INTO certs (serial, subject, profile, not_before, not_after, sha256) VALUES (?,?,?,?,?,?)");
  sqlite3_stmt* s = insert_;
  sqlite3_reset(s);
  bind_text(s, 1, e.serial);
  bind_text(s, 2, e.subject);
  bind_text(s, 3, e.profile);
  sqlite3_bind_int64(s, 4, e.not_before.time_since_epoch().count());
  sqlite3_bind_int64(s, 5, e.not_after.time_since_epoch().count());
  bind_text(s, 6, e.sha256);
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) fail("cannot record serial " + e.serial);
  return sqlite3_changes(db_) == 1;
}

RevokeResult IndexDb::revoke(const std::string& serial, TimePoint at, std::optional<int> reason) {
  if (!revoke_)
    revoke_ = prepare("UPDATE certs SET status = 'revoked', revoked_at = ?, reason = ? WHERE serial = ? AND status = 'valid'");
  sqlite3_stmt* s = revoke_;
  sqlite3_reset(s);
  sqlite3_bind_int64(s, 1, at.time_since_epoch().count());
  if (reason)
    sqlite3_bind_int(s, 2, *reason);
  else
    sqlite3_bind_null(s, 2);
  bind_text(s, 3, serial);
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) fail("cannot revoke serial " + serial);
  if (sqlite3_changes(db_) == 1) return RevokeResult::revoked;
  Stmt q(prepare("SELECT 1 FROM certs WHERE serial = ?"));
  bind_text(q.get(), 1, serial);
  return sqlite3_step(q.get()) == SQLITE_ROW ? RevokeResult::already_revoked : RevokeResult::unknown;
}

namespace {
const char* const kColumns =
    "SELECT serial, subject, profile, not_before, not_after, sha256, status, revoked_at, reason, crl_number FROM certs ";

IndexEntry read_row(sqlite3_stmt* s) {
  IndexEntry e;
  e.serial = column_text(s, 0);
  e.subject = column_text(s, 1);
  e.profile = column_text(s, 2);
  e.not_before = column_time(s, 3);
  e.not_after = column_time(s, 4);
  e.sha256 = column_text(s, 5);
  e.status = column_text(s, 6);
  if (sqlite3_column_type(s, 7) != SQLITE_NULL) e.revoked_at = column_time(s, 7);
  if (sqlite3_column_type(s, 8) != SQLITE_NULL) e.reason = sqlite3_column_int(s, 8);
  if (sqlite3_column_type(s, 9) != SQLITE_NULL) e.crl_number = static_cast<uint64_t>(sqlite3_column_int64(s, 9));
  return e;
}
}  // namespace

std::optional<IndexEntry> IndexDb::find(const std::string& serial) {
  Stmt s(prepare((std::string(kColumns) + "WHERE serial = ?").c_str()));
  bind_text(s.get(), 1, serial);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return read_row(s.get());
  if (rc != SQLITE_DONE) fail("cannot look up serial " + serial);
  return std::nullopt;
}

std::vector<IndexEntry> IndexDb::list(bool revoked_only) {
  Stmt s(prepare((std::string(kColumns) + (revoked_only ? "WHERE status = 'revoked' " : "") + "ORDER BY not_before, serial")
                     .c_str()));
  std::vector<IndexEntry> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(read_row(s.get()));
  if (rc != SQLITE_DONE) fail("cannot list certificates");
  return out;
}

size_t IndexDb::count() {
  Stmt s(prepare("SELECT count(*) FROM certs"));
  if (sqlite3_step(s.get()) != SQLITE_ROW) fail("cannot count certificates");
  return static_cast<size_t>(sqlite3_column_int64(s.get(), 0));
}

void IndexDb::for_each_revoked(const std::function<void(const RevokedEntry&)>& fn) {
  Stmt s(prepare("SELECT serial, revoked_at, reason FROM certs WHERE status = 'revoked'"));
  RevokedEntry e;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    e.serial = column_text(s.get(), 0);
    e.revoked_at = column_time(s.get(), 1);
    e.reason = sqlite3_column_type(s.get(), 2) == SQLITE_NULL ? std::nullopt : std::optional<int>(sqlite3_column_int(s.get(), 2));
    fn(e);
  }
  if (rc != SQLITE_DONE) fail("cannot read revocations");
}

uint64_t IndexDb::next_crl_number() {
  exec("UPDATE meta SET value = value + 1 WHERE key = 'crl_number'");
  Stmt s(prepare("SELECT value FROM meta WHERE key = 'crl_number'"));
  if (sqlite3_step(s.get()) != SQLITE_ROW) fail("cannot read the CRL number");
  const auto n = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
  Stmt u(prepare("UPDATE certs SET crl_number = ? WHERE status = 'revoked' AND crl_number IS NULL"));
  sqlite3_bind_int64(u.get(), 1, static_cast<int64_t>(n));
  if (sqlite3_step(u.get()) != SQLITE_DONE) fail("cannot stamp the CRL number");
  return n;
}

}  // namespace pairkit::ca
