// The pairing registry on SQLite: WAL and a busy timeout so parallel
// provisioning never sees "database is locked", and an audit row for every
// state change, written in the same transaction as the change.
#include <vector>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/pairing/registry_engines.hpp"

namespace pairkit::pairing {

namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

// Migration i takes the schema from version i to i + 1.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE requests(
  id INTEGER PRIMARY KEY,
  serial TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  certificate TEXT NOT NULL,
  server_fingerprint TEXT NOT NULL,
  nonce TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','paired','rejected','expired','unpaired')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  failed_attempts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX requests_by_serial ON requests(serial, state);
CREATE INDEX requests_pending ON requests(state, expires_at);
CREATE TABLE terminals(
  serial TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  request_id INTEGER,
  paired_at INTEGER NOT NULL,
  paired_by TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  serial TEXT NOT NULL,
  action TEXT NOT NULL,
  old_state TEXT,
  new_state TEXT,
  old_fingerprint TEXT,
  new_fingerprint TEXT,
  detail TEXT);
CREATE INDEX audit_by_serial ON audit(serial);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

std::string describe(const sqlite::FailureInfo& f) {
  const std::string msg(f.message);
  switch (f.kind) {
    case sqlite::Failure::cannot_open: return "cannot open registry " + f.path + ": " + msg;
    case sqlite::Failure::busy:
      return "registry " + f.path + " is busy: another process held it for more than " +
             std::to_string(f.busy_timeout.count()) + " ms";
    case sqlite::Failure::not_a_database: return "registry " + f.path + " is not a valid pairing database (" + msg + ")";
    case sqlite::Failure::constraint:
    case sqlite::Failure::other: break;
  }
  return "registry " + f.path + ": " + std::string(f.what) + ": " + msg;
}

// A file without our version is ours only while it is empty.
int unversioned(Connection& c) {
  auto s = c.prepare("SELECT count(*) FROM sqlite_master");
  s.step();
  if (s.integer(0) != 0) throw InputError("registry " + c.path() + " is an SQLite database but not a pairing registry");
  return 0;
}

void too_new(const Connection& c, int version) {
  throw InputError("registry " + c.path() + " has schema version " + std::to_string(version) +
                   "; this pairkit knows up to " + std::to_string(kSchemaVersion));
}

constexpr sqlite::Schema kSchema{kMigrations, unversioned, too_new};

int64_t secs(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_secs(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

constexpr const char* kRowColumns =
    "id, serial, state, fingerprint, server_fingerprint, nonce, created_at, expires_at, decided_at, decided_by";

RequestRow read_row(const Statement& s) {
  RequestRow r;
  r.id = s.integer(0);
  r.serial = s.text(1);
  r.state = parse_state(s.text(2));
  r.fingerprint = s.text(3);
  r.server_fingerprint = s.text(4);
  r.nonce = s.text(5);
  r.created_at = from_secs(s.integer(6));
  r.expires_at = from_secs(s.integer(7));
  if (!s.is_null(8)) r.decided_at = from_secs(s.integer(8));
  r.decided_by = s.text(9);
  r.code = request_code(r.nonce, r.fingerprint, r.server_fingerprint);
  return r;
}

class SqliteRegistry final : public Registry {
public:
  explicit SqliteRegistry(Connection conn) : db_(std::move(conn)) {}

  RequestOutcome request(const std::string& serial, const CertRef& terminal, const std::optional<CertRef>& server,
                         std::chrono::seconds lifetime, Botan::RandomNumberGenerator& rng,
                         const Clock& clock) override;
  std::vector<RequestRow> list(std::optional<State> state, const Clock& clock) override;
  RequestRow approve(const std::string& serial, const std::vector<CodeGroup>& typed, int min_groups,
                     const std::string& operator_name, const Clock& clock) override;
  RequestRow reject(const std::string& serial, const std::string& operator_name, const Clock& clock) override;
  RequestRow unpair(const std::string& serial, const std::string& operator_name, const Clock& clock) override;
  void check(const std::string& serial, const std::string& cert_sha256) override;
  std::vector<AuditRow> audit(const std::optional<std::string>& serial) override;

private:
  void expire_stale(TimePoint now);
  std::optional<RequestRow> find(const std::string& serial, const char* state_sql);
  std::optional<std::string> paired_fingerprint(const std::string& serial);
  /// Moves row from the state it was read in to `to` (compare-and-set) and
  /// records the change in row as well.
  void set_state(RequestRow& row, State to, TimePoint at, const std::string& actor);
  void log(TimePoint at, const std::string& actor, const std::string& serial, const std::string& action,
           const std::string& old_state, const std::string& new_state, const std::string& old_fp,
           const std::string& new_fp, const std::string& detail);

  Connection db_;
};

void SqliteRegistry::log(TimePoint at, const std::string& actor, const std::string& serial, const std::string& action,
                         const std::string& old_state, const std::string& new_state, const std::string& old_fp,
                         const std::string& new_fp, const std::string& detail) {
  auto s = db_.prepare(
      "INSERT INTO audit(at, actor, serial, action, old_state, new_state, old_fingerprint, new_fingerprint, detail) "
      "VALUES (?,?,?,?,?,?,?,?,?)");
  s.bind(1, secs(at)).bind(2, actor).bind(3, serial).bind(4, action);
  s.bind_or_null(5, old_state).bind_or_null(6, new_state);
  s.bind_or_null(7, old_fp).bind_or_null(8, new_fp).bind_or_null(9, detail);
  s.run();
}

// Compare-and-set on the state the row was read in: a change is made once,
// whatever another writer did meanwhile.
void SqliteRegistry::set_state(RequestRow& row, State to, TimePoint at, const std::string& actor) {
  auto s = db_.prepare(
      "UPDATE requests SET state = ?, decided_at = ?, decided_by = ? WHERE id = ? AND state = ? RETURNING id");
  s.bind(1, state_name(to)).bind(2, secs(at)).bind(3, actor).bind(4, row.id).bind(5, state_name(row.state));
  if (!s.step())
    throw InputError("registry " + db_.path() + ": request " + std::to_string(row.id) + " of " + row.serial +
                     " left state " + state_name(row.state) + " meanwhile; nothing was changed");
  s.run();
  row.state = to;
  row.decided_at = at;
  row.decided_by = actor;
}

void SqliteRegistry::expire_stale(TimePoint now) {
  std::vector<RequestRow> stale;
  {
    auto s = db_.prepare(std::string("SELECT ") + kRowColumns +
                         " FROM requests WHERE state = 'pending' AND expires_at <= ?");
    s.bind(1, secs(now));
    while (s.step()) stale.push_back(read_row(s));
  }
  for (auto& r : stale) {
    set_state(r, State::expired, r.expires_at, "system");
    log(now, "system", r.serial, "expire", "pending", "expired", "", r.fingerprint,
        "not approved before " + format_time(r.expires_at));
  }
}

std::optional<RequestRow> SqliteRegistry::find(const std::string& serial, const char* state_sql) {
  auto s = db_.prepare(std::string("SELECT ") + kRowColumns + " FROM requests WHERE serial = ? AND " + state_sql +
                       " ORDER BY id DESC LIMIT 1");
  s.bind(1, serial);
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

std::optional<std::string> SqliteRegistry::paired_fingerprint(const std::string& serial) {
  auto s = db_.prepare("SELECT fingerprint FROM terminals WHERE serial = ?");
  s.bind(1, serial);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

RequestOutcome SqliteRegistry::request(const std::string& serial, const CertRef& terminal,
                                       const std::optional<CertRef>& server, std::chrono::seconds lifetime,
                                       Botan::RandomNumberGenerator& rng, const Clock& clock) {
  const TimePoint now = clock.now();
  Transaction tx(db_);
  expire_stale(now);

  std::string server_fp;
  if (server) {
    server_fp = server->sha256;
    auto s = db_.prepare("INSERT INTO meta(key, value) VALUES ('server_fingerprint', ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, server_fp);
    s.run();
  } else {
    auto s = db_.prepare("SELECT value FROM meta WHERE key = 'server_fingerprint'");
    if (!s.step())
      throw UsageError("registry " + db_.path() + " has no server certificate yet: give --server-cert the first time");
    server_fp = s.text(0);
  }

  RequestOutcome out;
  if (auto paired_fp = paired_fingerprint(serial)) {
    if (*paired_fp == terminal.sha256) {
      out.already_paired = true;
      auto row = find(serial, "state = 'paired'");
      if (row) out.row = *row;
      tx.commit();
      return out;
    }
    out.replaces_fingerprint = *paired_fp;
  }
  if (auto old = find(serial, "state = 'pending'")) {
    set_state(*old, State::expired, now, "system");
    log(now, "system", serial, "supersede", "pending", "expired", "", old->fingerprint, "replaced by a new request");
  }
  std::vector<uint8_t> nonce(kNonceBytes);
  rng.randomize(nonce.data(), nonce.size());
  const std::string nonce_text = nonce_hex(nonce);
  int64_t id = 0;
  {
    auto s = db_.prepare(
        "INSERT INTO requests(serial, fingerprint, certificate, server_fingerprint, nonce, state, created_at, "
        "expires_at) VALUES (?,?,?,?,?,'pending',?,?) RETURNING id");
    s.bind(1, serial).bind(2, terminal.sha256).bind(3, terminal.pem).bind(4, server_fp).bind(5, nonce_text);
    s.bind(6, secs(now)).bind(7, secs(now + lifetime));
    s.step();
    id = s.integer(0);
    s.run();
  }
  log(now, "terminal", serial, "request", out.replaces_fingerprint ? "paired" : "", "pending",
      out.replaces_fingerprint.value_or(""), terminal.sha256,
      out.replaces_fingerprint ? "a different certificate asks to pair; the current pairing stays until decided" : "");
  tx.commit();
  out.row.id = id;
  out.row.serial = serial;
  out.row.state = State::pending;
  out.row.fingerprint = terminal.sha256;
  out.row.server_fingerprint = server_fp;
  out.row.nonce = nonce_text;
  out.row.code = request_code(nonce_text, terminal.sha256, server_fp);
  out.row.created_at = now;
  out.row.expires_at = now + lifetime;
  return out;
}

std::vector<RequestRow> SqliteRegistry::list(std::optional<State> state, const Clock& clock) {
  {
    Transaction tx(db_);
    expire_stale(clock.now());
    tx.commit();
  }
  std::string sql = std::string("SELECT ") + kRowColumns + " FROM requests";
  if (state) sql += " WHERE state = ?";
  sql += " ORDER BY id";
  auto s = db_.prepare(sql);
  if (state) s.bind(1, state_name(*state));
  std::vector<RequestRow> rows;
  while (s.step()) rows.push_back(read_row(s));
  return rows;
}

RequestRow SqliteRegistry::approve(const std::string& serial, const std::vector<CodeGroup>& typed, int min_groups,
                                   const std::string& operator_name, const Clock& clock) {
  if (static_cast<int>(typed.size()) < min_groups)
    throw UsageError("the code has " + std::to_string(typed.size()) + " readable group(s); at least " +
                     std::to_string(min_groups) + " are needed (--groups " + std::to_string(min_groups) + ")");
  const TimePoint now = clock.now();
  Transaction tx(db_);
  expire_stale(now);
  auto pending = find(serial, "state = 'pending'");
  if (!pending) {
    auto last = find(serial, "1 = 1");
    tx.commit();
    if (last && last->state == State::expired)
      throw CheckFailed("the pairing request of " + serial + " expired at " + format_time(last->expires_at) +
                        "; the terminal must request again");
    throw CheckFailed("no pending pairing request for serial '" + serial + "'");
  }
  if (!groups_match(typed, pending->code)) {
    int attempts = 0;
    {
      auto s = db_.prepare(
          "UPDATE requests SET failed_attempts = failed_attempts + 1 WHERE id = ? RETURNING failed_attempts");
      s.bind(1, pending->id);
      s.step();
      attempts = static_cast<int>(s.integer(0));
      s.run();
    }
    log(now, operator_name, serial, "wrong-code", "pending", "pending", "", pending->fingerprint,
        "attempt " + std::to_string(attempts) + " of " + std::to_string(kMaxCodeAttempts));
    std::string tail = " (attempt " + std::to_string(attempts) + " of " + std::to_string(kMaxCodeAttempts) + ")";
    if (attempts >= kMaxCodeAttempts) {
      set_state(*pending, State::rejected, now, "system");
      log(now, "system", serial, "reject", "pending", "rejected", "", pending->fingerprint, "too many wrong codes");
      tail = "; too many wrong codes, the request is rejected";
    }
    tx.commit();
    throw CheckFailed("pairing code for " + serial +
                      " does not match: the terminal's certificate or the server's is not the one this request "
                      "holds, or the code belongs to another request" + tail);
  }
  const std::string old_fp = paired_fingerprint(serial).value_or("");
  if (!old_fp.empty()) {
    if (auto old = find(serial, "state = 'paired'")) set_state(*old, State::unpaired, now, operator_name);
    log(now, operator_name, serial, "replace", "paired", "unpaired", old_fp, pending->fingerprint,
        "the approval of request " + std::to_string(pending->id) + " replaces this pairing");
  }
  {
    auto s = db_.prepare(
        "INSERT INTO terminals(serial, fingerprint, request_id, paired_at, paired_by) VALUES (?,?,?,?,?) "
        "ON CONFLICT(serial) DO UPDATE SET fingerprint = excluded.fingerprint, request_id = excluded.request_id, "
        "paired_at = excluded.paired_at, paired_by = excluded.paired_by");
    s.bind(1, serial).bind(2, pending->fingerprint).bind(3, pending->id).bind(4, secs(now)).bind(5, operator_name);
    s.run();
  }
  set_state(*pending, State::paired, now, operator_name);
  log(now, operator_name, serial, "approve", "pending", "paired", old_fp, pending->fingerprint,
      std::to_string(typed.size()) + " of " + std::to_string(kCodeGroups) + " code groups compared" +
          (old_fp.empty() ? "" : "; replaces the previous pairing"));
  tx.commit();
  return *pending;
}

RequestRow SqliteRegistry::reject(const std::string& serial, const std::string& operator_name, const Clock& clock) {
  const TimePoint now = clock.now();
  Transaction tx(db_);
  expire_stale(now);
  auto pending = find(serial, "state = 'pending'");
  if (!pending) {
    tx.commit();
    throw CheckFailed("no pending pairing request for serial '" + serial + "'");
  }
  set_state(*pending, State::rejected, now, operator_name);
  log(now, operator_name, serial, "reject", "pending", "rejected", "", pending->fingerprint, "");
  tx.commit();
  return *pending;
}

RequestRow SqliteRegistry::unpair(const std::string& serial, const std::string& operator_name, const Clock& clock) {
  const TimePoint now = clock.now();
  Transaction tx(db_);
  auto paired = find(serial, "state = 'paired'");
  std::string fp;
  {
    auto s = db_.prepare("DELETE FROM terminals WHERE serial = ? RETURNING fingerprint");
    s.bind(1, serial);
    if (s.step()) fp = s.text(0);
    s.run();
  }
  if (fp.empty()) {
    tx.commit();
    throw CheckFailed("serial '" + serial + "' is not paired");
  }
  if (paired) set_state(*paired, State::unpaired, now, operator_name);
  log(now, operator_name, serial, "unpair", "paired", "unpaired", fp, "", "");
  tx.commit();
  RequestRow row = paired.value_or(RequestRow{});
  row.serial = serial;
  row.fingerprint = fp;
  row.state = State::unpaired;
  row.decided_at = now;
  row.decided_by = operator_name;
  return row;
}

void SqliteRegistry::check(const std::string& serial, const std::string& cert_sha256) {
  const auto fp = paired_fingerprint(serial);
  if (!fp) throw CheckFailed("serial '" + serial + "' is not paired");
  if (*fp != cert_sha256)
    throw CheckFailed("serial '" + serial + "' is paired with SHA256:" + *fp + ", but the certificate is SHA256:" +
                      cert_sha256);
}

std::vector<AuditRow> SqliteRegistry::audit(const std::optional<std::string>& serial) {
  std::string sql =
      "SELECT id, at, actor, serial, action, old_state, new_state, old_fingerprint, new_fingerprint, detail FROM audit";
  if (serial) sql += " WHERE serial = ?";
  sql += " ORDER BY id";
  auto s = db_.prepare(sql);
  if (serial) s.bind(1, *serial);
  std::vector<AuditRow> rows;
  while (s.step())
    rows.push_back({s.integer(0), from_secs(s.integer(1)), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                    s.text(7), s.text(8), s.text(9)});
  return rows;
}

}  // namespace

std::unique_ptr<Registry> open_sqlite_registry(const std::string& path, const RegistryOptions& options) {
  if (options.if_missing == IfMissing::fail && !path_exists(path)) throw InputError("no pairing registry at " + path);
  Connection conn(path, {options.if_missing, options.busy_timeout, describe});
  sqlite::migrate(conn, kSchema);
  return std::make_unique<SqliteRegistry>(std::move(conn));
}

}  // namespace pairkit::pairing
