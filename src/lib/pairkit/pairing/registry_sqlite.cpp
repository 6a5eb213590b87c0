// The pairing registry on SQLite: WAL and a busy timeout so parallel
// provisioning never sees "database is locked", and an audit row for every
// state change, written in the same transaction as the change.
#include <algorithm>
#include <vector>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/crypto/base32.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/totp.hpp"
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
    // The gate: where a request came from, when the terminal last polled,
    // the flag of a conflicting request; pre-registrations, invites (only
    // their SHA-256), denials, operators with their TOTP secrets. A version-1
    // registry keeps working without a second factor until `pair
    // require-otp`; a new one requires it. user_version still holds the
    // version the file had while migrations run (core/sqlite.cpp).
    R"sql(
ALTER TABLE requests ADD COLUMN source_address TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN last_seen_at INTEGER;
ALTER TABLE requests ADD COLUMN conflict_fingerprint TEXT NOT NULL DEFAULT '';
CREATE INDEX requests_by_fingerprint ON requests(fingerprint, state);
CREATE INDEX requests_by_address ON requests(source_address, state);
CREATE TABLE expected(
  serial TEXT PRIMARY KEY,
  fingerprint TEXT,
  created_at INTEGER NOT NULL);
CREATE TABLE invites(
  id INTEGER PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  used_by TEXT);
CREATE TABLE denials(
  kind TEXT NOT NULL CHECK (kind IN ('address','fingerprint')),
  value TEXT NOT NULL,
  denied_by TEXT NOT NULL,
  denied_at INTEGER NOT NULL,
  PRIMARY KEY (kind, value));
CREATE TABLE operators(
  name TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  last_used_step INTEGER NOT NULL DEFAULT 0);
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO settings(key, value)
  SELECT 'otp_required', CASE WHEN (SELECT user_version FROM pragma_user_version) = 0 THEN 'true' ELSE 'false' END;
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

// 80 random bits: 16 base32 characters in the QR code's ID field.
constexpr size_t kInviteBytes = 10;
// RFC 6238 with SHA-1 recommends a 160-bit secret.
constexpr size_t kOperatorSecretBytes = crypto::kTotpSecretBytes;

// Invites are stored only as the SHA-256 of their token (upper case, as
// the QR code's alphanumeric mode carries it).
std::string invite_hash(std::string_view token) {
  std::string up(token);
  for (char& c : up)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return crypto::colon_hex(crypto::digest(crypto::HashAlg::sha256,
                                          std::span(reinterpret_cast<const uint8_t*>(up.data()), up.size())));
}

// Operator names go into otpauth:// URIs and audit lines unescaped.
void check_operator_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (!ok) throw UsageError("an operator name is 1 to 64 of A-Z a-z 0-9 . _ -");
}

int64_t secs(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_secs(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

constexpr const char* kRowColumns =
    "id, serial, state, fingerprint, server_fingerprint, nonce, created_at, expires_at, decided_at, decided_by, "
    "source_address, last_seen_at, conflict_fingerprint";

// Without the code for polls (see Registry::poll).
RequestRow read_row(const Statement& s, bool with_code = true) {
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
  r.source_address = s.text(10);
  if (!s.is_null(11)) r.last_seen_at = from_secs(s.integer(11));
  r.conflict_fingerprint = s.text(12);
  if (with_code) r.code = request_code(r.nonce, r.fingerprint, r.server_fingerprint);
  return r;
}

class SqliteRegistry final : public Registry {
public:
  explicit SqliteRegistry(Connection conn) : db_(std::move(conn)) {}

  RequestOutcome request(const std::string& serial, const CertRef& terminal, const std::optional<CertRef>& server,
                         std::chrono::seconds lifetime, Botan::RandomNumberGenerator& rng,
                         const Clock& clock) override;
  std::vector<RequestRow> list(std::optional<State> state, const Clock& clock) override;
  RequestRow approve(const std::string& serial, std::optional<int64_t> id, const std::vector<CodeGroup>& typed,
                     int min_groups, const Decider& by, const Clock& clock) override;
  RequestRow reject(const std::string& serial, const Decider& by, const Clock& clock) override;
  RequestRow unpair(const std::string& serial, const Decider& by, const Clock& clock) override;
  void check(const std::string& serial, const std::string& cert_sha256) override;
  std::vector<AuditRow> audit(const std::optional<std::string>& serial) override;

  JoinOutcome join(const JoinRequest& req, const JoinPolicy& policy, Botan::RandomNumberGenerator& rng,
                   const Clock& clock) override;
  std::optional<RequestRow> poll(int64_t id, const std::string& cert_sha256, const Clock& clock) override;
  // A commit writes the WAL (or, in rollback mode, the database and its
  // journal) with pwrite(); a checkpoint writes the database.
  std::vector<std::string> change_files() const override {
    const std::string& p = db_.path();
    if (p.empty() || p == ":memory:" || p.rfind("file:", 0) == 0) return {};
    return {p, p + "-wal", p + "-journal"};
  }
  std::optional<std::string> paired_serial(const std::string& cert_sha256) override;
  std::optional<RequestRow> latest_request(const std::string& cert_sha256, const Clock& clock) override;
  int pending_count(const Clock& clock) override;
  void expect(const std::string& serial, const std::optional<std::string>& fingerprint, const Clock& clock) override;
  Invite create_invite(std::chrono::seconds valid_for, Botan::RandomNumberGenerator& rng,
                       const Clock& clock) override;
  void deny(const std::string& kind, const std::string& value, const Decider& by, const Clock& clock) override;
  std::vector<Denial> denials() override;
  std::vector<uint8_t> add_operator(const std::string& name, Botan::RandomNumberGenerator& rng,
                                    const Clock& clock) override;
  std::vector<OperatorRow> operators(const Clock& clock) override;
  void remove_operator(const std::string& name, const Clock& clock) override;
  bool otp_required() override;
  void require_otp(const Clock& clock) override;

private:
  /// Checks the decider's second factor inside the decision's transaction
  /// (see Decider). A refusal is audited and committed before it is thrown.
  void authorize(Transaction& tx, const Decider& by, const std::string& serial, const std::string& action,
                 TimePoint now);
  /// Pairs row's serial with row's certificate: a pairing of another
  /// certificate is replaced (and logged), the terminals row written, the
  /// request moved to paired. `detail` goes into the approve audit row.
  void pair_request(RequestRow& row, const std::string& actor, TimePoint now, const std::string& detail);
  /// Records the server certificate of a request, or returns the one an
  /// earlier request recorded (UsageError without one).
  std::string server_fingerprint(const std::optional<CertRef>& server);
  /// A new request row (state pending or paired) with a fresh nonce.
  RequestRow insert_request(const std::string& serial, const CertRef& terminal, const std::string& server_fp,
                            std::chrono::seconds lifetime, const std::string& source_address,
                            const std::string& conflict_fp, Botan::RandomNumberGenerator& rng, TimePoint now);
  JoinOutcome refuse(Transaction& tx, const JoinRequest& req, JoinResult result, TimePoint now,
                     const std::string& reason, const std::string& detail);

  void expire_stale(TimePoint now);
  std::optional<RequestRow> find(const std::string& serial, const char* state_sql, bool with_code = true);
  std::optional<std::string> paired_fingerprint(const std::string& serial);
  /// Moves row from the state it was read in to `to` (compare-and-set) and
  /// records the change in row as well.
  void set_state(RequestRow& row, State to, TimePoint at, const std::string& actor);
  void log(TimePoint at, const std::string& actor, const std::string& serial, const std::string& action,
           const std::string& old_state, const std::string& new_state, const std::string& old_fp,
           const std::string& new_fp, const std::string& detail);

  Connection db_;
  /// The last pending count with the second and the database state it holds
  /// for: /metrics and /healthz ask on every scrape.
  struct PendingCount {
    TimePoint at;
    sqlite::ChangeStamp stamp;
    int count;
  };
  std::optional<PendingCount> pending_count_;
};

void SqliteRegistry::log(TimePoint at, const std::string& actor, const std::string& serial, const std::string& action,
                         const std::string& old_state, const std::string& new_state, const std::string& old_fp,
                         const std::string& new_fp, const std::string& detail) {
  auto s = db_.cached(
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
  auto s = db_.cached(
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
    auto s = db_.cached(std::string("SELECT ") + kRowColumns +
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

std::optional<RequestRow> SqliteRegistry::find(const std::string& serial, const char* state_sql, bool with_code) {
  auto s = db_.cached(std::string("SELECT ") + kRowColumns + " FROM requests WHERE serial = ? AND " + state_sql +
                       " ORDER BY id DESC LIMIT 1");
  s.bind(1, serial);
  if (!s.step()) return std::nullopt;
  return read_row(s, with_code);
}

std::optional<std::string> SqliteRegistry::paired_fingerprint(const std::string& serial) {
  auto s = db_.cached("SELECT fingerprint FROM terminals WHERE serial = ?");
  s.bind(1, serial);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::string SqliteRegistry::server_fingerprint(const std::optional<CertRef>& server) {
  if (server) {
    auto s = db_.cached("INSERT INTO meta(key, value) VALUES ('server_fingerprint', ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, server->sha256);
    s.run();
    return server->sha256;
  }
  auto s = db_.cached("SELECT value FROM meta WHERE key = 'server_fingerprint'");
  if (!s.step())
    throw UsageError("registry " + db_.path() + " has no server certificate yet: give --server-cert the first time");
  return s.text(0);
}

RequestRow SqliteRegistry::insert_request(const std::string& serial, const CertRef& terminal,
                                          const std::string& server_fp, std::chrono::seconds lifetime,
                                          const std::string& source_address, const std::string& conflict_fp,
                                          Botan::RandomNumberGenerator& rng, TimePoint now) {
  std::vector<uint8_t> nonce(kNonceBytes);
  rng.randomize(nonce.data(), nonce.size());
  RequestRow row;
  row.serial = serial;
  row.state = State::pending;
  row.fingerprint = terminal.sha256;
  row.server_fingerprint = server_fp;
  row.nonce = nonce_hex(nonce);
  row.code = request_code(row.nonce, terminal.sha256, server_fp);
  row.created_at = now;
  row.expires_at = now + lifetime;
  row.source_address = source_address;
  row.conflict_fingerprint = conflict_fp;
  if (!source_address.empty()) row.last_seen_at = now;
  auto s = db_.cached(
      "INSERT INTO requests(serial, fingerprint, certificate, server_fingerprint, nonce, state, created_at, "
      "expires_at, source_address, last_seen_at, conflict_fingerprint) VALUES (?,?,?,?,?,'pending',?,?,?,?,?) "
      "RETURNING id");
  s.bind(1, serial).bind(2, terminal.sha256).bind(3, terminal.pem).bind(4, server_fp).bind(5, row.nonce);
  s.bind(6, secs(now)).bind(7, secs(row.expires_at)).bind(8, source_address);
  s.bind_or_null(9, row.last_seen_at ? std::optional<int64_t>(secs(*row.last_seen_at)) : std::nullopt);
  s.bind(10, conflict_fp);
  s.step();
  row.id = s.integer(0);
  s.run();
  return row;
}

void SqliteRegistry::pair_request(RequestRow& row, const std::string& actor, TimePoint now,
                                  const std::string& detail) {
  const std::string old_fp = paired_fingerprint(row.serial).value_or("");
  if (!old_fp.empty()) {
    if (auto old = find(row.serial, "state = 'paired'")) set_state(*old, State::unpaired, now, actor);
    log(now, actor, row.serial, "replace", "paired", "unpaired", old_fp, row.fingerprint,
        "the approval of request " + std::to_string(row.id) + " replaces this pairing");
  }
  {
    auto s = db_.cached(
        "INSERT INTO terminals(serial, fingerprint, request_id, paired_at, paired_by) VALUES (?,?,?,?,?) "
        "ON CONFLICT(serial) DO UPDATE SET fingerprint = excluded.fingerprint, request_id = excluded.request_id, "
        "paired_at = excluded.paired_at, paired_by = excluded.paired_by");
    s.bind(1, row.serial).bind(2, row.fingerprint).bind(3, row.id).bind(4, secs(now)).bind(5, actor);
    s.run();
  }
  set_state(row, State::paired, now, actor);
  log(now, actor, row.serial, "approve", "pending", "paired", old_fp, row.fingerprint,
      detail + (old_fp.empty() ? "" : "; replaces the previous pairing"));
}

RequestOutcome SqliteRegistry::request(const std::string& serial, const CertRef& terminal,
                                       const std::optional<CertRef>& server, std::chrono::seconds lifetime,
                                       Botan::RandomNumberGenerator& rng, const Clock& clock) {
  const TimePoint now = clock.now();
  Transaction tx(db_);
  expire_stale(now);
  const std::string server_fp = server_fingerprint(server);

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
  out.row = insert_request(serial, terminal, server_fp, lifetime, "", "", rng, now);
  log(now, "terminal", serial, "request", out.replaces_fingerprint ? "paired" : "", "pending",
      out.replaces_fingerprint.value_or(""), terminal.sha256,
      out.replaces_fingerprint ? "a different certificate asks to pair; the current pairing stays until decided" : "");
  tx.commit();
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
  auto s = db_.cached(sql);
  if (state) s.bind(1, state_name(*state));
  std::vector<RequestRow> rows;
  while (s.step()) rows.push_back(read_row(s));
  return rows;
}

RequestRow SqliteRegistry::approve(const std::string& serial, std::optional<int64_t> id,
                                   const std::vector<CodeGroup>& typed, int min_groups, const Decider& by,
                                   const Clock& clock) {
  const std::string& operator_name = by.operator_name;
  if (static_cast<int>(typed.size()) < min_groups)
    throw UsageError("the code has " + std::to_string(typed.size()) + " readable group(s); at least " +
                     std::to_string(min_groups) + " are needed (--groups " + std::to_string(min_groups) + ")");
  const TimePoint now = clock.now();
  Transaction tx(db_);
  expire_stale(now);
  authorize(tx, by, serial, "approve", now);
  auto pending = find(serial, "state = 'pending'");
  if (id) {
    auto s = db_.cached(std::string("SELECT ") + kRowColumns + " FROM requests WHERE id = ? AND serial = ?");
    s.bind(1, *id).bind(2, serial);
    if (!s.step()) {
      s.reset();
      tx.commit();
      throw CheckFailed("there is no request " + std::to_string(*id) + " of serial '" + serial + "'");
    }
    pending = read_row(s);
    if (pending->state != State::pending) {
      s.reset();
      tx.commit();
      throw CheckFailed("request " + std::to_string(*id) + " of " + serial + " is " + state_name(pending->state) +
                        ", not pending");
    }
  }
  if (!pending) {
    auto last = find(serial, "1 = 1");
    tx.commit();
    if (last && last->state == State::expired)
      throw CheckFailed("the pairing request of " + serial + " expired at " + format_time(last->expires_at) +
                        "; the terminal must request again");
    throw CheckFailed("no pending pairing request for serial '" + serial + "'");
  }
  // With several pending requests for one serial (a gate records each
  // certificate's claim), the typed code picks its request.
  if (!id) {
    auto s = db_.cached(std::string("SELECT ") + kRowColumns +
                         " FROM requests WHERE serial = ? AND state = 'pending' ORDER BY id DESC");
    s.bind(1, serial);
    while (s.step()) {
      RequestRow r = read_row(s);
      if (groups_match(typed, r.code)) {
        pending = r;
        break;
      }
    }
  }
  if (!groups_match(typed, pending->code)) {
    int attempts = 0;
    {
      auto s = db_.cached(
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
  if (!id && !pending->conflict_fingerprint.empty()) {
    log(now, operator_name, serial, "approve-refused", "pending", "pending", pending->conflict_fingerprint,
        pending->fingerprint, "request " + std::to_string(pending->id) + " is flagged and was not named by its id");
    tx.commit();
    throw CheckFailed("request " + std::to_string(pending->id) + " of " + serial + " (SHA256:" + pending->fingerprint +
                      ") is flagged: the serial is also claimed by SHA256:" + pending->conflict_fingerprint +
                      "; find out which terminal is genuine, then approve it with --id " +
                      std::to_string(pending->id));
  }
  pair_request(*pending, operator_name, now,
               std::to_string(typed.size()) + " of " + std::to_string(kCodeGroups) + " code groups compared");
  tx.commit();
  return *pending;
}

RequestRow SqliteRegistry::reject(const std::string& serial, const Decider& by, const Clock& clock) {
  const std::string& operator_name = by.operator_name;
  const TimePoint now = clock.now();
  Transaction tx(db_);
  expire_stale(now);
  authorize(tx, by, serial, "reject", now);
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

RequestRow SqliteRegistry::unpair(const std::string& serial, const Decider& by, const Clock& clock) {
  const std::string& operator_name = by.operator_name;
  const TimePoint now = clock.now();
  Transaction tx(db_);
  authorize(tx, by, serial, "unpair", now);
  auto paired = find(serial, "state = 'paired'");
  std::string fp;
  {
    auto s = db_.cached("DELETE FROM terminals WHERE serial = ? RETURNING fingerprint");
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
  auto s = db_.cached(sql);
  if (serial) s.bind(1, *serial);
  std::vector<AuditRow> rows;
  while (s.step())
    rows.push_back({s.integer(0), from_secs(s.integer(1)), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                    s.text(7), s.text(8), s.text(9)});
  return rows;
}

void SqliteRegistry::authorize(Transaction& tx, const Decider& by, const std::string& serial,
                               const std::string& action, TimePoint now) {
  const std::string& who = by.operator_name;
  auto refuse_with = [&](const std::string& audit_action, const std::string& detail, auto error) {
    log(now, who, serial, audit_action, "", "", "", "", detail + " (" + action + ")");
    tx.commit();
    throw error;
  };
  if (!by.otp) {
    if (!otp_required()) return;
    refuse_with("otp-missing", "no TOTP code given",
                UsageError("registry " + db_.path() + " requires a TOTP code for every decision: give --otp CODE "
                           "(see pairkit-operator(1))"));
  }
  std::string secret;
  int64_t last_step = 0;
  std::optional<TimePoint> locked_until;
  {
    auto s = db_.cached("SELECT secret, locked_until, last_used_step FROM operators WHERE name = ?");
    s.bind(1, who);
    if (s.step()) {
      secret = s.text(0);
      if (!s.is_null(1)) locked_until = from_secs(s.integer(1));
      last_step = s.integer(2);
    }
  }
  if (secret.empty())
    refuse_with("otp-refused", "no operator " + who,
                CheckFailed("no operator '" + who + "' in " + db_.path() + " (pairkit operator add)"));
  if (locked_until && *locked_until > now)
    refuse_with("otp-refused", "operator locked out until " + format_time(*locked_until),
                CheckFailed("operator '" + who + "' is locked out until " + format_time(*locked_until) + " after " +
                            std::to_string(kMaxOtpFailures) + " wrong TOTP codes"));
  const auto bytes = crypto::base32_decode(secret);
  const auto step = crypto::totp_match(bytes, *by.otp, crypto::totp_step(now));
  if (!step) {
    int failures = 0;
    {
      auto s = db_.cached("UPDATE operators SET failures = failures + 1 WHERE name = ? RETURNING failures");
      s.bind(1, who);
      s.step();
      failures = static_cast<int>(s.integer(0));
      s.run();
    }
    if (failures >= kMaxOtpFailures) {
      const TimePoint until = now + kOtpLockout;
      auto s = db_.cached("UPDATE operators SET failures = 0, locked_until = ? WHERE name = ?");
      s.bind(1, secs(until)).bind(2, who);
      s.run();
      refuse_with("otp-wrong", "wrong TOTP code " + std::to_string(failures) + " of " +
                                   std::to_string(kMaxOtpFailures) + "; locked out until " + format_time(until),
                  CheckFailed("wrong TOTP code for operator '" + who + "'; after " + std::to_string(kMaxOtpFailures) +
                              " wrong codes the operator is locked out until " + format_time(until)));
    }
    refuse_with("otp-wrong", "wrong TOTP code " + std::to_string(failures) + " of " + std::to_string(kMaxOtpFailures),
                CheckFailed("wrong TOTP code for operator '" + who + "' (" + std::to_string(failures) + " of " +
                            std::to_string(kMaxOtpFailures) + " before a " +
                            std::to_string(kOtpLockout.count()) + "-minute lockout)"));
  }
  // Compare-and-set: of two processes holding the same code, one wins.
  bool fresh = false;
  {
    auto s = db_.cached(
        "UPDATE operators SET last_used_step = ?, failures = 0, locked_until = NULL "
        "WHERE name = ? AND last_used_step < ? RETURNING name");
    s.bind(1, *step).bind(2, who).bind(3, *step);
    fresh = s.step();
    s.run();
  }
  if (!fresh)
    refuse_with("otp-reused", "TOTP step " + std::to_string(*step) + " is not after the last used step " +
                                  std::to_string(last_step),
                CheckFailed("this TOTP code of operator '" + who +
                            "' was used already (or a later one was): wait for the next code"));
  log(now, who, serial, "otp-ok", "", "", "", "", "TOTP step " + std::to_string(*step) + " (" + action + ")");
}

JoinOutcome SqliteRegistry::refuse(Transaction& tx, const JoinRequest& req, JoinResult result, TimePoint now,
                                   const std::string& reason, const std::string& detail) {
  log(now, "gate", req.serial, "join-refused", "", "", "", req.terminal.sha256,
      "from " + req.source_address + ": " + detail);
  tx.commit();
  JoinOutcome out;
  out.result = result;
  out.reason = reason;
  out.row.serial = req.serial;
  out.row.fingerprint = req.terminal.sha256;
  out.row.source_address = req.source_address;
  return out;
}

JoinOutcome SqliteRegistry::join(const JoinRequest& req, const JoinPolicy& policy, Botan::RandomNumberGenerator& rng,
                                 const Clock& clock) {
  const std::string& fp = req.terminal.sha256;
  // A paired terminal joining again (at each boot, each reconnect) is
  // answered from reads, without the write lock, so such joins never queue
  // behind one another. Anything else, a denial included (it is audited),
  // takes the write path below, which checks everything again.
  if (paired_fingerprint(req.serial) == fp) {
    auto s = db_.cached(
        "SELECT 1 FROM denials WHERE (kind = 'address' AND value = ?) OR (kind = 'fingerprint' AND value = ?) LIMIT 1");
    s.bind(1, req.source_address).bind(2, fp);
    const bool denied = s.step();
    s.reset();
    if (!denied) {
      // No code: a paired request's answer has none, and it would cost a digest.
      if (auto row = find(req.serial, "state = 'paired'", false); row && row->fingerprint == fp) {
        JoinOutcome out;
        out.result = JoinResult::paired;
        out.row = *row;
        return out;
      }
    }
  }

  const TimePoint now = clock.now();
  Transaction tx(db_);
  expire_stale(now);

  {
    auto s = db_.cached(
        "SELECT kind FROM denials WHERE (kind = 'address' AND value = ?) OR (kind = 'fingerprint' AND value = ?) "
        "ORDER BY kind LIMIT 1");
    s.bind(1, req.source_address).bind(2, fp);
    if (s.step()) {
      const std::string kind = s.text(0);
      s.reset();
      return refuse(tx, req, JoinResult::denied, now, "this terminal may not pair with this gate",
                    "the " + kind + " is denied");
    }
  }

  if (paired_fingerprint(req.serial) == fp) {
    JoinOutcome out;
    out.result = JoinResult::paired;
    if (auto row = find(req.serial, "state = 'paired'")) out.row = *row;
    tx.commit();
    return out;
  }
  {
    auto s = db_.cached(
        "SELECT 1 FROM requests WHERE fingerprint = ? AND state = 'unpaired' AND NOT EXISTS "
        "(SELECT 1 FROM terminals WHERE fingerprint = ?) LIMIT 1");
    s.bind(1, fp).bind(2, fp);
    if (s.step()) {
      s.reset();
      return refuse(tx, req, JoinResult::unpaired, now,
                    "this certificate's pairing was broken; reset the device and pair again",
                    "this certificate was unpaired");
    }
  }

  std::optional<RequestRow> mine;
  {
    auto s = db_.cached(std::string("SELECT ") + kRowColumns +
                         " FROM requests WHERE serial = ? AND fingerprint = ? AND state = 'pending' "
                         "ORDER BY id DESC LIMIT 1");
    s.bind(1, req.serial).bind(2, fp);
    if (s.step()) mine = read_row(s);
  }
  const std::string server_fp = server_fingerprint(req.server);
  auto new_or_mine = [&](const std::string& conflict) {
    return mine ? *mine
                : insert_request(req.serial, req.terminal, server_fp, policy.lifetime, req.source_address, conflict,
                                 rng, now);
  };

  if (req.invite) {
    const auto hash = invite_hash(*req.invite);
    int64_t invite_id = 0;
    {
      auto s = db_.cached(
          "UPDATE invites SET used_at = ?, used_by = ? WHERE token_sha256 = ? AND used_at IS NULL AND expires_at > ? "
          "RETURNING id");
      s.bind(1, secs(now)).bind(2, fp).bind(3, hash).bind(4, secs(now));
      if (s.step()) invite_id = s.integer(0);
      s.run();
    }
    if (!invite_id) {
      std::string why = "an unknown invite";
      auto s = db_.cached("SELECT id, used_at FROM invites WHERE token_sha256 = ?");
      s.bind(1, hash);
      if (s.step())
        why = "invite " + std::to_string(s.integer(0)) + (s.is_null(1) ? " has expired" : " was used already");
      s.reset();
      return refuse(tx, req, JoinResult::invite_refused, now, "the invite is unknown, used or expired", why);
    }
    RequestRow row = new_or_mine("");
    const std::string by = "invite " + std::to_string(invite_id);
    pair_request(row, by, now, "from " + req.source_address + ": approved by " + by);
    tx.commit();
    return {JoinResult::paired, row, ""};
  }

  std::optional<std::optional<std::string>> expected;
  {
    auto s = db_.cached("SELECT fingerprint FROM expected WHERE serial = ?");
    s.bind(1, req.serial);
    if (s.step()) expected = s.is_null(0) ? std::nullopt : std::optional<std::string>(s.text(0));
  }
  const bool expected_fp_matches = expected && *expected && **expected == fp;
  if (policy.require_expected && (!expected || (*expected && !expected_fp_matches))) {
    return refuse(tx, req, JoinResult::not_expected, now, "this serial was not pre-registered with this gate",
                  !expected ? "serial " + req.serial + " was not pre-registered"
                            : "serial " + req.serial + " was pre-registered with SHA256:" + **expected);
  }
  if (policy.auto_approve_expected && expected_fp_matches) {
    RequestRow row = new_or_mine("");
    pair_request(row, "pre-registration", now, "from " + req.source_address + ": pre-registered with this certificate");
    tx.commit();
    return {JoinResult::paired, row, ""};
  }

  if (mine) {
    auto s = db_.cached("UPDATE requests SET last_seen_at = ? WHERE id = ?");
    s.bind(1, secs(now)).bind(2, mine->id);
    s.run();
    mine->last_seen_at = now;
    tx.commit();
    return {JoinResult::pending, *mine, ""};
  }

  auto count_pending = [&](bool by_address) {
    auto s = db_.cached(by_address ? "SELECT count(*) FROM requests WHERE state = 'pending' AND source_address = ?"
                                    : "SELECT count(*) FROM requests WHERE state = 'pending'");
    if (by_address) s.bind(1, req.source_address);
    s.step();
    return s.integer(0);
  };
  if (count_pending(true) >= policy.max_pending_per_address)
    return refuse(tx, req, JoinResult::too_many_pending, now, "too many pending requests from this address",
                  std::to_string(policy.max_pending_per_address) + " requests from this address are pending");
  if (count_pending(false) >= policy.max_pending)
    return refuse(tx, req, JoinResult::too_many_pending, now, "too many pending requests at this gate",
                  std::to_string(policy.max_pending) + " requests are pending");

  std::string conflict = paired_fingerprint(req.serial).value_or("");
  if (conflict.empty()) {
    auto s = db_.cached(
        "SELECT fingerprint FROM requests WHERE serial = ? AND state = 'pending' AND fingerprint <> ? "
        "ORDER BY id DESC LIMIT 1");
    s.bind(1, req.serial).bind(2, fp);
    if (s.step()) conflict = s.text(0);
  }
  RequestRow row = insert_request(req.serial, req.terminal, server_fp, policy.lifetime, req.source_address,
                                  conflict, rng, now);
  log(now, "gate", req.serial, "join", "", "pending", conflict, fp,
      "from " + req.source_address + ", request " + std::to_string(row.id) +
          (conflict.empty() ? ""
                            : "; CONFLICT: serial " + req.serial + " is claimed by SHA256:" + conflict +
                                  " and now by SHA256:" + fp + "; approve only by --id"));
  tx.commit();
  return {JoinResult::pending, row, ""};
}

std::optional<RequestRow> SqliteRegistry::poll(int64_t id, const std::string& cert_sha256, const Clock& clock) {
  static const std::string select =
      std::string("SELECT ") + kRowColumns + " FROM requests WHERE id = ? AND fingerprint = ?";
  // Terminals poll every few seconds and most polls change nothing: one read,
  // no write lock, so pollers never queue behind each other. A poll writes
  // only to expire its request or to move last_seen_at on by a second.
  const TimePoint now = clock.now();
  {
    auto s = db_.cached(select);
    s.bind(1, id).bind(2, cert_sha256);
    if (!s.step()) return std::nullopt;
    RequestRow row = read_row(s, false);
    const bool stale = row.state == State::pending && row.expires_at <= now;
    if (!stale && row.last_seen_at && *row.last_seen_at >= now) return row;
  }
  static const std::string touch = std::string(
                                       "UPDATE requests SET last_seen_at = ? WHERE id = ? AND fingerprint = ? "
                                       "AND (last_seen_at IS NULL OR last_seen_at < ?) RETURNING ") +
                                   kRowColumns;
  Transaction tx(db_);
  expire_stale(now);
  std::optional<RequestRow> row;
  {
    auto s = db_.cached(touch);
    s.bind(1, secs(now)).bind(2, id).bind(3, cert_sha256).bind(4, secs(now));
    if (s.step()) row = read_row(s, false);
    s.run();
  }
  if (!row) {
    // Another poll of the same request recorded this second first.
    auto s = db_.cached(select);
    s.bind(1, id).bind(2, cert_sha256);
    if (s.step()) row = read_row(s, false);
  }
  tx.commit();
  return row;
}

std::optional<std::string> SqliteRegistry::paired_serial(const std::string& cert_sha256) {
  auto s = db_.cached("SELECT serial FROM terminals WHERE fingerprint = ? ORDER BY paired_at DESC LIMIT 1");
  s.bind(1, cert_sha256);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::optional<RequestRow> SqliteRegistry::latest_request(const std::string& cert_sha256, const Clock& clock) {
  auto s = db_.cached(std::string("SELECT ") + kRowColumns + " FROM requests WHERE fingerprint = ? ORDER BY id DESC LIMIT 1");
  s.bind(1, cert_sha256);
  if (!s.step()) return std::nullopt;
  RequestRow row = read_row(s, false);
  if (row.state == State::pending && row.expires_at <= clock.now()) row.state = State::expired;
  return row;
}

int SqliteRegistry::pending_count(const Clock& clock) {
  const TimePoint now = clock.now();
  const sqlite::ChangeStamp stamp = db_.change_stamp();
  if (pending_count_ && pending_count_->at == now && pending_count_->stamp == stamp) return pending_count_->count;
  auto s = db_.cached("SELECT count(*) FROM requests WHERE state = 'pending' AND expires_at > ?");
  s.bind(1, secs(now));
  s.step();
  pending_count_ = PendingCount{now, stamp, static_cast<int>(s.integer(0))};
  return pending_count_->count;
}

void SqliteRegistry::expect(const std::string& serial, const std::optional<std::string>& fingerprint,
                            const Clock& clock) {
  const std::optional<std::string> fp_norm =
      fingerprint ? std::optional<std::string>(normalize_fingerprint(*fingerprint)) : std::nullopt;
  const TimePoint now = clock.now();
  Transaction tx(db_);
  auto s = db_.cached(
      "INSERT INTO expected(serial, fingerprint, created_at) VALUES (?,?,?) "
      "ON CONFLICT(serial) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at");
  s.bind(1, serial).bind_or_null(2, fp_norm.value_or("")).bind(3, secs(now));
  s.run();
  log(now, "operator", serial, "expect", "", "", "", fp_norm.value_or(""),
      fp_norm ? "pre-registered with this certificate" : "pre-registered, any certificate");
  tx.commit();
}

Invite SqliteRegistry::create_invite(std::chrono::seconds valid_for, Botan::RandomNumberGenerator& rng,
                                     const Clock& clock) {
  const TimePoint now = clock.now();
  std::vector<uint8_t> bits(kInviteBytes);
  rng.randomize(bits.data(), bits.size());
  Invite inv;
  inv.token = crypto::base32_encode(bits);
  inv.expires_at = now + valid_for;
  Transaction tx(db_);
  auto s = db_.cached("INSERT INTO invites(token_sha256, created_at, expires_at) VALUES (?,?,?) RETURNING id");
  s.bind(1, invite_hash(inv.token)).bind(2, secs(now)).bind(3, secs(inv.expires_at));
  s.step();
  inv.id = s.integer(0);
  s.run();
  log(now, "operator", "", "invite", "", "", "", "",
      "invite " + std::to_string(inv.id) + " valid until " + format_time(inv.expires_at));
  tx.commit();
  return inv;
}

void SqliteRegistry::deny(const std::string& kind, const std::string& raw_value, const Decider& by,
                          const Clock& clock) {
  if (kind != "address" && kind != "fingerprint")
    throw UsageError("a denial is of an address or a fingerprint, not '" + kind + "'");
  const std::string value =
      kind == "address" ? normalize_address(raw_value) : normalize_fingerprint(raw_value);
  const TimePoint now = clock.now();
  Transaction tx(db_);
  authorize(tx, by, "", "deny", now);
  auto s = db_.cached(
      "INSERT INTO denials(kind, value, denied_by, denied_at) VALUES (?,?,?,?) "
      "ON CONFLICT(kind, value) DO UPDATE SET denied_by = excluded.denied_by, denied_at = excluded.denied_at");
  s.bind(1, kind).bind(2, value).bind(3, by.operator_name).bind(4, secs(now));
  s.run();
  log(now, by.operator_name, "", "deny", "", "", "", kind == "fingerprint" ? value : "",
      "denied " + kind + " " + value);
  tx.commit();
}

std::vector<Denial> SqliteRegistry::denials() {
  auto s = db_.cached("SELECT kind, value, denied_by, denied_at FROM denials ORDER BY denied_at, kind, value");
  std::vector<Denial> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), from_secs(s.integer(3))});
  return out;
}

std::vector<uint8_t> SqliteRegistry::add_operator(const std::string& name, Botan::RandomNumberGenerator& rng,
                                                  const Clock& clock) {
  check_operator_name(name);
  const TimePoint now = clock.now();
  std::vector<uint8_t> secret(kOperatorSecretBytes);
  rng.randomize(secret.data(), secret.size());
  Transaction tx(db_);
  {
    auto s = db_.cached("INSERT INTO operators(name, secret, created_at) VALUES (?,?,?) "
                         "ON CONFLICT(name) DO NOTHING RETURNING name");
    s.bind(1, name).bind(2, crypto::base32_encode(secret)).bind(3, secs(now));
    if (!s.step()) throw InputError("operator '" + name + "' exists already in " + db_.path());
    s.run();
  }
  log(now, "operator", "", "operator-add", "", "", "", "", "enrolled operator " + name);
  tx.commit();
  return secret;
}

std::vector<OperatorRow> SqliteRegistry::operators(const Clock& clock) {
  auto s = db_.cached("SELECT name, created_at, failures, locked_until FROM operators ORDER BY name");
  std::vector<OperatorRow> out;
  while (s.step()) {
    OperatorRow r{s.text(0), from_secs(s.integer(1)), static_cast<int>(s.integer(2)), std::nullopt};
    if (!s.is_null(3) && from_secs(s.integer(3)) > clock.now()) r.locked_until = from_secs(s.integer(3));
    out.push_back(r);
  }
  return out;
}

void SqliteRegistry::remove_operator(const std::string& name, const Clock& clock) {
  const TimePoint now = clock.now();
  Transaction tx(db_);
  {
    auto s = db_.cached("DELETE FROM operators WHERE name = ? RETURNING name");
    s.bind(1, name);
    if (!s.step()) throw CheckFailed("no operator '" + name + "' in " + db_.path());
    s.run();
  }
  log(now, "operator", "", "operator-remove", "", "", "", "", "removed operator " + name);
  tx.commit();
}

bool SqliteRegistry::otp_required() {
  auto s = db_.cached("SELECT value FROM settings WHERE key = 'otp_required'");
  return s.step() && s.text(0) == "true";
}

void SqliteRegistry::require_otp(const Clock& clock) {
  const TimePoint now = clock.now();
  Transaction tx(db_);
  {
    auto s = db_.cached("INSERT INTO settings(key, value) VALUES ('otp_required', 'true') "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.run();
  }
  log(now, "operator", "", "require-otp", "", "", "", "", "every decision needs a TOTP code from now on");
  tx.commit();
}

}  // namespace

std::unique_ptr<Registry> open_sqlite_registry(const std::string& path, const RegistryOptions& options) {
  if (options.if_missing == IfMissing::fail && !path_exists(path)) throw InputError("no pairing registry at " + path);
  Connection conn(path, {options.if_missing, options.busy_timeout, describe});
  sqlite::migrate(conn, kSchema);
  return std::make_unique<SqliteRegistry>(std::move(conn));
}

}  // namespace pairkit::pairing
