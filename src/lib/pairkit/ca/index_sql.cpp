// The CA index on either engine (see index_store.hpp, core/database.hpp):
// writers wait for each other up to the busy timeout instead of failing,
// and a transaction runs again after a lost connection.
#include <optional>

#include "pairkit/ca/index_engines.hpp"
#include "pairkit/ca/index_tables.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/database.hpp"

namespace pairkit::ca {

namespace {

using db::Connection;
using db::Statement;

constexpr std::chrono::milliseconds kBusyTimeout{30000};

// Migration i takes the schema from version i to i + 1. The meta row
// 'schema' is what indexes made before PRAGMA user_version was recorded
// carry, and what older pairkit builds still look for.
const char* const kSqliteMigrations[] = {
    R"sql(
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
)sql",
    // 2: delivery. A certificate is recorded when it is signed, and marked
    // delivered once its file is in place; the PEM kept lets `ca deliver`
    // write it again. Rows from version 1 count as delivered (nothing says
    // otherwise) and have no PEM. The meta row stays 1: only unversioned
    // files are judged by it.
    R"sql(
ALTER TABLE certs ADD COLUMN pem TEXT;
ALTER TABLE certs ADD COLUMN delivered_to TEXT;
ALTER TABLE certs ADD COLUMN delivered INTEGER NOT NULL DEFAULT 1 CHECK (delivered IN (0, 1));
CREATE INDEX certs_undelivered ON certs (serial) WHERE delivered = 0;
)sql",
    // 3: enrollment over EST. A gate records to whom it issued and what the
    // certificate renews, in the row it inserts, so a renewal is judged by
    // the index alone and a retry finds what an interrupted one issued.
    R"sql(
ALTER TABLE certs ADD COLUMN terminal TEXT;
ALTER TABLE certs ADD COLUMN pairing_fingerprint TEXT;
ALTER TABLE certs ADD COLUMN renewed_from TEXT;
ALTER TABLE certs ADD COLUMN key_sha256 TEXT;
CREATE INDEX certs_by_sha256 ON certs (sha256);
CREATE INDEX certs_enrolled ON certs (pairing_fingerprint, renewed_from, key_sha256) WHERE pairing_fingerprint IS NOT NULL;
)sql",
};

// The same schema on PostgreSQL, in the namespace pairkit_ca.
const char* const kPostgresMigrations[] = {
    R"sql(
CREATE TABLE certs (
  serial      TEXT PRIMARY KEY,
  subject     TEXT NOT NULL,
  profile     TEXT NOT NULL,
  not_before  BIGINT NOT NULL,
  not_after   BIGINT NOT NULL,
  sha256      TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
  revoked_at  BIGINT,
  reason      INTEGER,
  crl_number  BIGINT
);
CREATE INDEX certs_revoked ON certs (status) WHERE status = 'revoked';
CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta VALUES ('schema', 1), ('crl_number', 0);
)sql",
    R"sql(
ALTER TABLE certs ADD COLUMN pem TEXT;
ALTER TABLE certs ADD COLUMN delivered_to TEXT;
ALTER TABLE certs ADD COLUMN delivered INTEGER NOT NULL DEFAULT 1 CHECK (delivered IN (0, 1));
CREATE INDEX certs_undelivered ON certs (serial) WHERE delivered = 0;
)sql",
    R"sql(
ALTER TABLE certs ADD COLUMN terminal TEXT;
ALTER TABLE certs ADD COLUMN pairing_fingerprint TEXT;
ALTER TABLE certs ADD COLUMN renewed_from TEXT;
ALTER TABLE certs ADD COLUMN key_sha256 TEXT;
CREATE INDEX certs_by_sha256 ON certs (sha256);
CREATE INDEX certs_enrolled ON certs (pairing_fingerprint, renewed_from, key_sha256) WHERE pairing_fingerprint IS NOT NULL;
)sql",
};
static_assert(std::size(kSqliteMigrations) == std::size(kPostgresMigrations));

std::string describe(const db::FailureInfo& f) {
  const std::string msg(f.message);
  const std::string what = f.sql.empty() ? std::string(f.what) : "cannot run '" + std::string(f.sql) + "'";
  switch (f.kind) {
    case db::Failure::cannot_open: return "cannot open index database " + f.path + ": " + msg;
    case db::Failure::connection_lost: return "lost the connection to index database " + f.path + ": " + msg;
    case db::Failure::busy:
      return f.path + ": database busy for more than " +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(f.busy_timeout).count()) + "s (" + what +
             ")";
    case db::Failure::not_a_database: return f.path + " is not a usable index database (" + msg + ")";
    case db::Failure::constraint:
    case db::Failure::other: break;
  }
  return f.path + ": " + what + ": " + msg;
}

[[noreturn]] void not_an_index(const Connection& c) {
  throw InputError(c.path() + " is not a pairkit CA index (schema version missing or unknown)");
}

void too_new(const Connection& c, int version) {
  throw InputError(c.path() + " holds a CA index of schema version " + std::to_string(version) +
                   "; this pairkit knows up to " + std::to_string(std::size(kSqliteMigrations)));
}

// A fresh file (create_index) is built from scratch.
int unversioned_new(Connection& c) {
  auto s = c.prepare("SELECT count(*) FROM sqlite_master");
  s.step();
  if (s.integer(0) != 0) not_an_index(c);
  return 0;
}

// An existing file (open_index) is ours when it carries the meta row of
// schema 1, as every index made before user_version was recorded does.
int unversioned_existing(Connection& c) {
  auto t = c.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'certs')");
  t.step();
  if (t.integer(0) != 2) not_an_index(c);
  auto s = c.prepare("SELECT value FROM meta WHERE key = 'schema'");
  if (!s.step() || s.integer(0) != 1) not_an_index(c);
  return 1;
}

constexpr db::Schema kNewSchema{"pairkit_ca", "pairkit CA index", kSqliteMigrations, kPostgresMigrations,
                                unversioned_new, too_new};
constexpr db::Schema kExistingSchema{"pairkit_ca", "pairkit CA index", kSqliteMigrations, kPostgresMigrations,
                                     unversioned_existing, too_new};

TimePoint column_time(const Statement& s, int i) { return TimePoint(std::chrono::seconds(s.integer(i))); }

std::optional<int> column_reason(const Statement& s, int i) {
  if (s.is_null(i)) return std::nullopt;
  return static_cast<int>(s.integer(i));
}

constexpr std::string_view kReadFailure = "cannot read the index";

const char* const kColumns =
    "SELECT serial, subject, profile, not_before, not_after, sha256, status, revoked_at, reason, crl_number, "
    "delivered_to, delivered, terminal, pairing_fingerprint, renewed_from, key_sha256 FROM certs ";

IndexEntry read_row(const Statement& s) {
  IndexEntry e;
  e.serial = s.text(0);
  e.subject = s.text(1);
  e.profile = s.text(2);
  e.not_before = column_time(s, 3);
  e.not_after = column_time(s, 4);
  e.sha256 = s.text(5);
  e.status = s.text(6);
  if (!s.is_null(7)) e.revoked_at = column_time(s, 7);
  e.reason = column_reason(s, 8);
  if (!s.is_null(9)) e.crl_number = static_cast<uint64_t>(s.integer(9));
  if (!s.is_null(10)) e.delivered_to = s.text(10);
  e.delivered = s.integer(11) != 0;
  for (auto [i, field] : {std::pair{12, &e.terminal}, {13, &e.pairing_fingerprint}, {14, &e.renewed_from}, {15, &e.key_sha256}})
    if (!s.is_null(i)) *field = s.text(i);
  return e;
}

class SqlIndex final : public IndexStore {
public:
  explicit SqlIndex(std::unique_ptr<Connection> conn) : db_(std::move(conn)) {}

  void transaction(const std::function<void()>& fn) override {
    db::with_retries(*db_, [&] {
      db::Transaction tx(*db_);
      fn();
      tx.commit();
    });
  }

  bool insert(const IndexEntry& e) override;
  RevokeResult revoke(const std::string& serial, TimePoint at, std::optional<int> reason) override;
  std::optional<IndexEntry> find(const std::string& serial) override;
  std::optional<IndexEntry> find_by_sha256(const std::string& sha256) override;
  std::optional<IndexEntry> find_enrollment(const std::string& pairing_fingerprint, const std::string& renewed_from,
                                            const std::string& key_sha256) override;
  void mark_delivered(const std::string& serial) override;
  std::optional<std::string> certificate_pem(const std::string& serial) override;
  std::vector<IndexEntry> list(Listing which) override;
  size_t count() override;
  size_t revoked_count() override;
  void for_each_revoked(const std::function<void(const RevokedEntry&)>& fn) override;
  uint64_t next_crl_number() override;

private:
  Statement prepare(std::string_view sql) { return db_->prepare(sql, kReadFailure); }

  std::unique_ptr<Connection> db_;  // declared first: the kept statements are finalized before it closes
  std::optional<Statement> insert_;  ///< kept prepared: a batch inserts thousands of rows
  std::optional<Statement> revoke_;  ///< ... or revokes them
  std::optional<Statement> delivered_;  ///< ... or marks them delivered
};

bool SqlIndex::insert(const IndexEntry& e) {
  if (!insert_)
    insert_.emplace(prepare(
        "INSERT INTO certs (serial, subject, profile, not_before, not_after, sha256, pem, delivered_to, delivered, "
        "terminal, pairing_fingerprint, renewed_from, key_sha256) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (serial) DO NOTHING RETURNING serial"));
  Statement& s = *insert_;
  s.reset();
  s.bind(1, e.serial).bind(2, e.subject).bind(3, e.profile);
  s.bind(4, e.not_before.time_since_epoch().count()).bind(5, e.not_after.time_since_epoch().count());
  s.bind(6, e.sha256).bind_or_null(7, e.pem).bind_or_null(8, e.delivered_to).bind(9, e.delivered ? 1 : 0);
  s.bind_or_null(10, e.terminal).bind_or_null(11, e.pairing_fingerprint).bind_or_null(12, e.renewed_from);
  s.bind_or_null(13, e.key_sha256);
  const std::string what = "cannot record serial " + e.serial;
  const bool inserted = s.step(what);
  s.run(what);
  return inserted;
}

RevokeResult SqlIndex::revoke(const std::string& serial, TimePoint at, std::optional<int> reason) {
  if (!revoke_)
    revoke_.emplace(prepare(
        "UPDATE certs SET status = 'revoked', revoked_at = ?, reason = ? WHERE serial = ? AND status = 'valid' "
        "RETURNING serial"));
  Statement& s = *revoke_;
  s.reset();
  s.bind(1, at.time_since_epoch().count());
  s.bind_or_null(2, reason ? std::optional<int64_t>(*reason) : std::nullopt);
  s.bind(3, serial);
  const std::string what = "cannot revoke serial " + serial;
  const bool revoked = s.step(what);
  s.run(what);
  if (revoked) return RevokeResult::revoked;
  auto q = prepare("SELECT 1 FROM certs WHERE serial = ?");
  q.bind(1, serial);
  return q.step("cannot look up serial " + serial) ? RevokeResult::already_revoked : RevokeResult::unknown;
}

void SqlIndex::mark_delivered(const std::string& serial) {
  if (!delivered_) delivered_.emplace(prepare("UPDATE certs SET delivered = 1 WHERE serial = ? AND delivered = 0"));
  Statement& s = *delivered_;
  s.reset();
  s.bind(1, serial);
  s.run("cannot mark serial " + serial + " delivered");
}

std::optional<std::string> SqlIndex::certificate_pem(const std::string& serial) {
  auto s = db_->cached("SELECT pem FROM certs WHERE serial = ?", kReadFailure);
  s.bind(1, serial);
  if (!s.step("cannot look up serial " + serial) || s.is_null(0)) return std::nullopt;
  return s.text(0);
}

std::optional<IndexEntry> SqlIndex::find(const std::string& serial) {
  auto s = db_->cached(std::string(kColumns) + "WHERE serial = ?", kReadFailure);
  s.bind(1, serial);
  if (s.step("cannot look up serial " + serial)) return read_row(s);
  return std::nullopt;
}

std::optional<IndexEntry> SqlIndex::find_by_sha256(const std::string& sha256) {
  auto s = db_->cached(std::string(kColumns) + "WHERE sha256 = ?", kReadFailure);
  s.bind(1, sha256);
  if (s.step("cannot look up a certificate by its SHA-256")) return read_row(s);
  return std::nullopt;
}

std::optional<IndexEntry> SqlIndex::find_enrollment(const std::string& pairing_fingerprint,
                                                       const std::string& renewed_from, const std::string& key_sha256) {
  // A first enrollment records renewed_from as NULL (bind_or_null of "").
  auto s = db_->cached(std::string(kColumns) +
                          "WHERE pairing_fingerprint = ? AND COALESCE(renewed_from, '') = ? AND key_sha256 = ? AND "
                          "status = 'valid' ORDER BY not_before DESC, serial DESC LIMIT 1",
                      kReadFailure);
  s.bind(1, pairing_fingerprint).bind(2, renewed_from).bind(3, key_sha256);
  if (s.step("cannot look up an enrollment")) return read_row(s);
  return std::nullopt;
}

std::vector<IndexEntry> SqlIndex::list(Listing which) {
  const char* where = which == Listing::revoked       ? "WHERE status = 'revoked' "
                      : which == Listing::undelivered ? "WHERE delivered = 0 AND status = 'valid' "
                                                      : "";
  auto s = prepare(std::string(kColumns) + where + "ORDER BY not_before, serial");
  std::vector<IndexEntry> out;
  while (s.step("cannot list certificates")) out.push_back(read_row(s));
  return out;
}

size_t SqlIndex::count() {
  auto s = prepare("SELECT count(*) FROM certs");
  s.step("cannot count certificates");
  return static_cast<size_t>(s.integer(0));
}

size_t SqlIndex::revoked_count() {
  auto s = prepare("SELECT count(*) FROM certs WHERE status = 'revoked'");
  s.step("cannot count revocations");
  return static_cast<size_t>(s.integer(0));
}

void SqlIndex::for_each_revoked(const std::function<void(const RevokedEntry&)>& fn) {
  auto s = prepare("SELECT serial, revoked_at, reason FROM certs WHERE status = 'revoked'");
  RevokedEntry e;
  while (s.step("cannot read revocations")) {
    e.serial = s.text(0);
    e.revoked_at = column_time(s, 1);
    e.reason = column_reason(s, 2);
    fn(e);
  }
}

uint64_t SqlIndex::next_crl_number() {
  auto s = prepare("UPDATE meta SET value = value + 1 WHERE key = 'crl_number' RETURNING value");
  if (!s.step("cannot read the CRL number"))
    throw InputError(db_->path() + " has no CRL number (not a pairkit CA index?)");
  const auto n = static_cast<uint64_t>(s.integer(0));
  s.run("cannot read the CRL number");
  auto u = prepare("UPDATE certs SET crl_number = ? WHERE status = 'revoked' AND crl_number IS NULL");
  u.bind(1, static_cast<int64_t>(n));
  u.run("cannot stamp the CRL number");
  return n;
}

std::unique_ptr<Connection> connect(const DbLocation& where, IfMissing if_missing,
                                    std::chrono::milliseconds busy_timeout = kBusyTimeout) {
  return db::connect(where, {if_missing, busy_timeout, describe});
}

}  // namespace

const db::Store& index_store() {
  // Every column of schema version 3; meta (the CRL number) comes with the schema.
  static constexpr db::Table kTables[] = {
      {"certs",
       "serial, subject, profile, not_before, not_after, sha256, status, revoked_at, reason, crl_number, pem, "
       "delivered_to, delivered, terminal, pairing_fingerprint, renewed_from, key_sha256",
       "serial"},
      {"meta", "key, value", "key", false, true},
  };
  static_assert(std::size(kSqliteMigrations) == 3, "the table list names every column of this version");
  static const db::Store store{"CA index", "ca", &kExistingSchema, &kNewSchema, "certs", kTables, describe};
  return store;
}

std::unique_ptr<IndexStore> create_sql_index(const DbLocation& where) {
  if (where.engine == DbEngine::sqlite && path_exists(where.target)) throw InputError(where.target + " exists already");
  auto conn = connect(where, IfMissing::create);
  if (conn->migrate(kNewSchema) != 0) throw InputError(where.target + " holds a CA index already");
  return std::make_unique<SqlIndex>(std::move(conn));
}

std::unique_ptr<IndexStore> open_sql_index(const DbLocation& where, std::chrono::milliseconds busy_timeout) {
  if (where.engine == DbEngine::sqlite && !path_exists(where.target))
    throw InputError("index database " + where.target + " is missing");
  auto conn = connect(where, IfMissing::fail, busy_timeout);
  conn->migrate(kExistingSchema);
  return std::make_unique<SqlIndex>(std::move(conn));
}

}  // namespace pairkit::ca
