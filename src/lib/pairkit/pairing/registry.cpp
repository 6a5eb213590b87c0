// Pairing registry on SQLite: schema migrations, WAL and a busy timeout so
// parallel provisioning never sees "database is locked", and an audit row
// for every state change, written in the same transaction as the change.
#include "pairkit/pairing/registry.hpp"

#include <functional>

#include <botan/hex.h>
#include <sqlite3.h>
#include <unistd.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit::pairing {

namespace {

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

class Stmt {
public:
  Stmt(sqlite3* db, const char* sql, const std::function<void(const std::string&)>& fail) : fail_(fail) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail_("prepare");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind_null_if_empty(int i, const std::string& v) {
    if (v.empty()) sqlite3_bind_null(s_, i);
    else bind(i, v);
    return *this;
  }
  /// true while a row is available.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail_("step");
    return false;
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

private:
  sqlite3_stmt* s_ = nullptr;
  std::function<void(const std::string&)> fail_;
};

int64_t secs(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_secs(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

std::vector<uint8_t> colon_hex_bytes(const std::string& colon) {
  std::string hex;
  for (char c : colon)
    if (c != ':') hex += c;
  const auto v = Botan::hex_decode(hex);
  return std::vector<uint8_t>(v.begin(), v.end());
}

std::string code_of(const std::string& nonce, const std::string& fp, const std::string& server_fp) {
  return pairing_code(parse_nonce(nonce), colon_hex_bytes(fp), colon_hex_bytes(server_fp));
}

constexpr const char* kRowColumns =
    "id, serial, state, fingerprint, server_fingerprint, nonce, created_at, expires_at, decided_at, decided_by";

RequestRow read_row(const Stmt& s) {
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
  r.code = code_of(r.nonce, r.fingerprint, r.server_fingerprint);
  return r;
}

}  // namespace

std::string state_name(State s) {
  switch (s) {
    case State::pending: return "pending";
    case State::paired: return "paired";
    case State::rejected: return "rejected";
    case State::expired: return "expired";
    case State::unpaired: return "unpaired";
  }
  return "?";
}

State parse_state(std::string_view name) {
  for (State s : {State::pending, State::paired, State::rejected, State::expired, State::unpaired})
    if (state_name(s) == name) return s;
  throw UsageError("unknown state '" + std::string(name) + "' (expected pending, paired, rejected, expired or unpaired)");
}

// A write transaction taken with BEGIN IMMEDIATE, so two writers never
// deadlock upgrading read locks: the second waits in the busy handler.
struct Registry::Tx {
  Registry& r;
  bool done = false;
  explicit Tx(Registry& reg) : r(reg) { r.exec("BEGIN IMMEDIATE"); }
  void commit() {
    r.exec("COMMIT");
    done = true;
  }
  ~Tx() {
    if (!done) sqlite3_exec(r.db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
};

void Registry::fail(const std::string& what) {
  const int code = sqlite3_extended_errcode(db_);
  const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
    throw InputError("registry " + path_ + " is busy: another process held it for more than " +
                     std::to_string(busy_timeout_.count()) + " ms");
  if ((code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT)
    throw InputError("registry " + path_ + " is not a valid pairing database (" + msg + ")");
  throw InputError("registry " + path_ + ": " + what + ": " + msg);
}

void Registry::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail("query failed");
}

Registry::Registry(const std::string& path, bool create, std::chrono::milliseconds busy_timeout)
    : path_(path), busy_timeout_(busy_timeout) {
  if (!create && !path_exists(path)) throw InputError("no pairing registry at " + path);
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError("cannot open registry " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
  try {
    migrate();
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Registry::~Registry() { sqlite3_close(db_); }

void Registry::migrate() {
  auto version = [&] {
    Stmt s(db_, "PRAGMA user_version", [&](const std::string& w) { fail(w); });
    s.step();
    return static_cast<int>(s.integer(0));
  };
  int v = version();
  if (v > kSchemaVersion)
    throw InputError("registry " + path_ + " has schema version " + std::to_string(v) + "; this pairkit knows up to " +
                     std::to_string(kSchemaVersion));
  if (v == kSchemaVersion) return;
  {
    // WAL lets `pair check` read while requests are written. It cannot be
    // switched inside a transaction, and it persists in the file.
    Stmt s(db_, "PRAGMA journal_mode=WAL", [&](const std::string& w) { fail(w); });
    s.step();
  }
  Tx tx(*this);
  v = version();  // another process may have migrated meanwhile
  if (v == 0) {
    // A non-empty database without our version is someone else's file.
    Stmt s(db_, "SELECT count(*) FROM sqlite_master", [&](const std::string& w) { fail(w); });
    s.step();
    if (s.integer(0) != 0) throw InputError("registry " + path_ + " is an SQLite database but not a pairing registry");
  }
  for (; v < kSchemaVersion; ++v) {
    exec(kMigrations[v]);
    exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
  }
  tx.commit();
}

void Registry::log(TimePoint at, const std::string& actor, const std::string& serial, const std::string& action,
                   const std::string& old_state, const std::string& new_state, const std::string& old_fp,
                   const std::string& new_fp, const std::string& detail) {
  Stmt s(db_,
         "INSERT INTO audit(at, actor, serial, action, old_state, new_state, old_fingerprint, new_fingerprint, detail) "
         "VALUES (?,?,?,?,?,?,?,?,?)",
         [&](const std::string& w) { fail(w); });
  s.bind(1, secs(at)).bind(2, actor).bind(3, serial).bind(4, action);
  s.bind_null_if_empty(5, old_state).bind_null_if_empty(6, new_state);
  s.bind_null_if_empty(7, old_fp).bind_null_if_empty(8, new_fp).bind_null_if_empty(9, detail);
  s.step();
}

void Registry::set_state(const RequestRow& row, State to, TimePoint now, const std::string& actor) {
  Stmt s(db_, "UPDATE requests SET state = ?, decided_at = ?, decided_by = ? WHERE id = ?",
         [&](const std::string& w) { fail(w); });
  s.bind(1, state_name(to)).bind(2, secs(now)).bind(3, actor).bind(4, row.id);
  s.step();
}

void Registry::expire_stale(TimePoint now) {
  std::vector<RequestRow> stale;
  {
    Stmt s(db_, (std::string("SELECT ") + kRowColumns + " FROM requests WHERE state = 'pending' AND expires_at <= ?").c_str(),
           [&](const std::string& w) { fail(w); });
    s.bind(1, secs(now));
    while (s.step()) stale.push_back(read_row(s));
  }
  for (const auto& r : stale) {
    set_state(r, State::expired, r.expires_at, "system");
    log(now, "system", r.serial, "expire", "pending", "expired", "", r.fingerprint,
        "not approved before " + format_time(r.expires_at));
  }
}

std::optional<RequestRow> Registry::find(const std::string& serial, const char* state_sql) {
  Stmt s(db_,
         (std::string("SELECT ") + kRowColumns + " FROM requests WHERE serial = ? AND " + state_sql +
          " ORDER BY id DESC LIMIT 1")
             .c_str(),
         [&](const std::string& w) { fail(w); });
  s.bind(1, serial);
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

RequestOutcome Registry::request(const std::string& serial, const CertRef& terminal,
                                 const std::optional<CertRef>& server, std::chrono::seconds lifetime,
                                 Botan::RandomNumberGenerator& rng, const Clock& clock) {
  const TimePoint now = clock.now();
  Tx tx(*this);
  expire_stale(now);

  std::string server_fp;
  if (server) {
    server_fp = server->sha256;
    Stmt s(db_, "INSERT INTO meta(key, value) VALUES ('server_fingerprint', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
           [&](const std::string& w) { fail(w); });
    s.bind(1, server_fp);
    s.step();
  } else {
    Stmt s(db_, "SELECT value FROM meta WHERE key = 'server_fingerprint'", [&](const std::string& w) { fail(w); });
    if (!s.step())
      throw UsageError("registry " + path_ + " has no server certificate yet: give --server-cert the first time");
    server_fp = s.text(0);
  }

  RequestOutcome out;
  {
    Stmt s(db_, "SELECT fingerprint FROM terminals WHERE serial = ?", [&](const std::string& w) { fail(w); });
    s.bind(1, serial);
    if (s.step()) {
      const std::string paired_fp = s.text(0);
      if (paired_fp == terminal.sha256) {
        out.already_paired = true;
        auto row = find(serial, "state = 'paired'");
        if (row) out.row = *row;
        tx.commit();
        return out;
      }
      out.replaces_fingerprint = paired_fp;
    }
  }
  if (auto old = find(serial, "state = 'pending'")) {
    set_state(*old, State::expired, now, "system");
    log(now, "system", serial, "supersede", "pending", "expired", "", old->fingerprint,
        "replaced by a new request");
  }
  std::vector<uint8_t> nonce(kNonceBytes);
  rng.randomize(nonce.data(), nonce.size());
  const std::string nonce_text = nonce_hex(nonce);
  {
    Stmt s(db_,
           "INSERT INTO requests(serial, fingerprint, certificate, server_fingerprint, nonce, state, created_at, "
           "expires_at) VALUES (?,?,?,?,?,'pending',?,?)",
           [&](const std::string& w) { fail(w); });
    s.bind(1, serial).bind(2, terminal.sha256).bind(3, terminal.pem).bind(4, server_fp).bind(5, nonce_text);
    s.bind(6, secs(now)).bind(7, secs(now + lifetime));
    s.step();
  }
  const int64_t id = sqlite3_last_insert_rowid(db_);
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
  out.row.code = code_of(nonce_text, terminal.sha256, server_fp);
  out.row.created_at = now;
  out.row.expires_at = now + lifetime;
  return out;
}

std::vector<RequestRow> Registry::list(std::optional<State> state, const Clock& clock) {
  {
    Tx tx(*this);
    expire_stale(clock.now());
    tx.commit();
  }
  std::string sql = std::string("SELECT ") + kRowColumns + " FROM requests";
  if (state) sql += " WHERE state = ?";
  sql += " ORDER BY id";
  Stmt s(db_, sql.c_str(), [&](const std::string& w) { fail(w); });
  if (state) s.bind(1, state_name(*state));
  std::vector<RequestRow> rows;
  while (s.step()) rows.push_back(read_row(s));
  return rows;
}

RequestRow Registry::approve(const std::string& serial, const std::vector<CodeGroup>& typed, int min_groups,
                             const std::string& operator_name, const Clock& clock) {
  if (static_cast<int>(typed.size()) < min_groups)
    throw UsageError("the code has " + std::to_string(typed.size()) + " readable group(s); at least " +
                     std::to_string(min_groups) + " are needed (--groups " + std::to_string(min_groups) + ")");
  const TimePoint now = clock.now();
  Tx tx(*this);
  expire_stale(now);
  auto pending = find(serial, "state = 'pending'");
  if (!pending) {
    auto last = find(serial, "1");
    tx.commit();
    if (last && last->state == State::expired)
      throw CheckFailed("the pairing request of " + serial + " expired at " + format_time(last->expires_at) +
                        "; the terminal must request again");
    throw CheckFailed("no pending pairing request for serial '" + serial + "'");
  }
  if (!groups_match(typed, pending->code)) {
    int attempts = 0;
    {
      Stmt s(db_, "UPDATE requests SET failed_attempts = failed_attempts + 1 WHERE id = ? RETURNING failed_attempts",
             [&](const std::string& w) { fail(w); });
      s.bind(1, pending->id);
      s.step();
      attempts = static_cast<int>(s.integer(0));
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
  std::string old_fp;
  {
    Stmt s(db_, "SELECT fingerprint FROM terminals WHERE serial = ?", [&](const std::string& w) { fail(w); });
    s.bind(1, serial);
    if (s.step()) old_fp = s.text(0);
  }
  if (!old_fp.empty()) {
    if (auto old = find(serial, "state = 'paired'")) set_state(*old, State::unpaired, now, operator_name);
    log(now, operator_name, serial, "replace", "paired", "unpaired", old_fp, pending->fingerprint,
        "the approval of request " + std::to_string(pending->id) + " replaces this pairing");
  }
  {
    Stmt s(db_,
           "INSERT INTO terminals(serial, fingerprint, request_id, paired_at, paired_by) VALUES (?,?,?,?,?) "
           "ON CONFLICT(serial) DO UPDATE SET fingerprint = excluded.fingerprint, request_id = excluded.request_id, "
           "paired_at = excluded.paired_at, paired_by = excluded.paired_by",
           [&](const std::string& w) { fail(w); });
    s.bind(1, serial).bind(2, pending->fingerprint).bind(3, pending->id).bind(4, secs(now)).bind(5, operator_name);
    s.step();
  }
  set_state(*pending, State::paired, now, operator_name);
  log(now, operator_name, serial, "approve", "pending", "paired", old_fp, pending->fingerprint,
      std::to_string(typed.size()) + " of " + std::to_string(kCodeGroups) + " code groups compared" +
          (old_fp.empty() ? "" : "; replaces the previous pairing"));
  tx.commit();
  pending->state = State::paired;
  pending->decided_at = now;
  pending->decided_by = operator_name;
  return *pending;
}

RequestRow Registry::reject(const std::string& serial, const std::string& operator_name, const Clock& clock) {
  const TimePoint now = clock.now();
  Tx tx(*this);
  expire_stale(now);
  auto pending = find(serial, "state = 'pending'");
  if (!pending) {
    tx.commit();
    throw CheckFailed("no pending pairing request for serial '" + serial + "'");
  }
  set_state(*pending, State::rejected, now, operator_name);
  log(now, operator_name, serial, "reject", "pending", "rejected", "", pending->fingerprint, "");
  tx.commit();
  pending->state = State::rejected;
  pending->decided_at = now;
  pending->decided_by = operator_name;
  return *pending;
}

RequestRow Registry::unpair(const std::string& serial, const std::string& operator_name, const Clock& clock) {
  const TimePoint now = clock.now();
  Tx tx(*this);
  auto paired = find(serial, "state = 'paired'");
  std::string fp;
  {
    Stmt s(db_, "DELETE FROM terminals WHERE serial = ? RETURNING fingerprint", [&](const std::string& w) { fail(w); });
    s.bind(1, serial);
    if (s.step()) fp = s.text(0);
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

void Registry::check(const std::string& serial, const std::string& cert_sha256) {
  Stmt s(db_, "SELECT fingerprint FROM terminals WHERE serial = ?", [&](const std::string& w) { fail(w); });
  s.bind(1, serial);
  if (!s.step()) throw CheckFailed("serial '" + serial + "' is not paired");
  const std::string fp = s.text(0);
  if (fp != cert_sha256)
    throw CheckFailed("serial '" + serial + "' is paired with SHA256:" + fp + ", but the certificate is SHA256:" +
                      cert_sha256);
}

std::vector<AuditRow> Registry::audit(const std::optional<std::string>& serial) {
  std::string sql =
      "SELECT id, at, actor, serial, action, old_state, new_state, old_fingerprint, new_fingerprint, detail FROM audit";
  if (serial) sql += " WHERE serial = ?";
  sql += " ORDER BY id";
  Stmt s(db_, sql.c_str(), [&](const std::string& w) { fail(w); });
  if (serial) s.bind(1, *serial);
  std::vector<AuditRow> rows;
  while (s.step())
    rows.push_back({s.integer(0), from_secs(s.integer(1)), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                    s.text(7), s.text(8), s.text(9)});
  return rows;
}

}  // namespace pairkit::pairing
