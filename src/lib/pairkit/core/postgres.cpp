// The PostgreSQL engine (see postgres.hpp): the only file that calls PQ*.
// libpq is loaded with dlopen on the first postgresql:// location, so that
// the pairkit binary starts without it (ARCHITECTURE.md).
#include "pairkit/core/postgres.hpp"

#include <dlfcn.h>
#include <unistd.h>
#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pairkit::postgres {

using db::Describe;
using db::Failure;
using db::FailureInfo;
using db::Schema;

namespace {

// The libpq functions this engine calls, resolved once per process.
struct Libpq {
  decltype(&PQconnectdbParams) connectdb_params;
  decltype(&PQstatus) status;
  decltype(&PQerrorMessage) error_message;
  decltype(&PQfinish) finish;
  decltype(&PQreset) reset;
  decltype(&PQsetNoticeReceiver) set_notice_receiver;
  decltype(&PQexec) exec;
  decltype(&PQexecParams) exec_params;
  decltype(&PQprepare) prepare;
  decltype(&PQexecPrepared) exec_prepared;
  decltype(&PQresultStatus) result_status;
  decltype(&PQresultErrorField) result_error_field;
  decltype(&PQntuples) ntuples;
  decltype(&PQgetvalue) getvalue;
  decltype(&PQgetlength) getlength;
  decltype(&PQgetisnull) getisnull;
  decltype(&PQclear) clear;
  decltype(&PQconsumeInput) consume_input;
  decltype(&PQnotifies) notifies;
  decltype(&PQfreemem) freemem;
};

const Libpq& libpq() {
  static std::once_flag once;
  static Libpq l{};
  static std::string error;
  std::call_once(once, [] {
    // Lazy: of libpq's two dozen libraries (Kerberos, LDAP, GnuTLS, ...) a
    // check binds only the few functions it calls.
    void* h = dlopen("libpq.so.5", RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
      error = "PostgreSQL locations need libpq (Debian: apt-get install libpq5): " + std::string(dlerror());
      return;
    }
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn && error.empty()) error = std::string("libpq.so.5 lacks ") + name;
    };
    sym(l.connectdb_params, "PQconnectdbParams");
    sym(l.status, "PQstatus");
    sym(l.error_message, "PQerrorMessage");
    sym(l.finish, "PQfinish");
    sym(l.reset, "PQreset");
    sym(l.set_notice_receiver, "PQsetNoticeReceiver");
    sym(l.exec, "PQexec");
    sym(l.exec_params, "PQexecParams");
    sym(l.prepare, "PQprepare");
    sym(l.exec_prepared, "PQexecPrepared");
    sym(l.result_status, "PQresultStatus");
    sym(l.result_error_field, "PQresultErrorField");
    sym(l.ntuples, "PQntuples");
    sym(l.getvalue, "PQgetvalue");
    sym(l.getlength, "PQgetlength");
    sym(l.getisnull, "PQgetisnull");
    sym(l.clear, "PQclear");
    sym(l.consume_input, "PQconsumeInput");
    sym(l.notifies, "PQnotifies");
    sym(l.freemem, "PQfreemem");
  });
  if (!error.empty()) throw InputError(error);
  return l;
}

// libpq's messages end in a newline and may run over several lines; an
// error is one line.
std::string one_line(const char* text) {
  std::string out;
  for (const char* p = text ? text : ""; *p; ++p) {
    if (*p == '\n') {
      while (p[1] == '\t' || p[1] == ' ') ++p;
      if (p[1]) out += "; ";
    } else if (*p == '\t') {
      out += ' ';
    } else {
      out += *p;
    }
  }
  return out;
}

// Writers of one store take this lock, as SQLite's BEGIN IMMEDIATE takes the
// file's: FNV-1a of the store's namespace.
int64_t lock_key(std::string_view ns) {
  uint64_t h = 14695981039346656037ull;
  for (char c : ns) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return static_cast<int64_t>(h);
}

// `?` placeholders (as SQLite takes them) as PostgreSQL's $1, $2, ...;
// quoted text is left alone. Returns the count.
int number_placeholders(std::string_view sql, std::string& out) {
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
      continue;
    }
    out += c;
  }
  return n;
}

class PgConnection;

class PgStatement final : public db::StatementImpl {
public:
  PgStatement(PgConnection& c, std::string_view sql, std::string name) : conn_(c), name_(std::move(name)) {
    params_.resize(static_cast<size_t>(number_placeholders(sql, sql_)));
  }
  ~PgStatement() override { clear(); }

  void bind(int i, std::string_view v) override { param(i) = std::string(v); }
  void bind(int i, int64_t v) override { param(i) = std::to_string(v); }
  void bind_null(int i) override { param(i).reset(); }
  bool step(std::string_view what) override;
  void reset() override { clear(); }
  std::string text(int col) const override {
    const auto& l = libpq();
    return std::string(l.getvalue(res_, row_, col), static_cast<size_t>(l.getlength(res_, row_, col)));
  }
  int64_t integer(int col) const override {
    const auto& l = libpq();
    const char* v = l.getvalue(res_, row_, col);
    int64_t n = 0;
    std::from_chars(v, v + l.getlength(res_, row_, col), n);
    return n;
  }
  bool is_null(int col) const override { return libpq().getisnull(res_, row_, col) != 0; }
  void release() noexcept override {
    if (name_.empty()) {
      delete this;
      return;
    }
    clear();
    for (auto& p : params_) p.reset();
    lent_ = false;
  }

  bool lend() { return !std::exchange(lent_, true); }

private:
  std::optional<std::string>& param(int i) {
    if (i < 1 || static_cast<size_t>(i) > params_.size())
      throw InputError("bind " + std::to_string(i) + " of a statement with " + std::to_string(params_.size()) +
                       " parameters");
    return params_[static_cast<size_t>(i - 1)];
  }
  void clear() {
    if (res_) libpq().clear(res_);
    res_ = nullptr;
    row_ = -1;
    rows_ = 0;
    done_ = false;
  }
  void execute(std::string_view what);

  PgConnection& conn_;
  std::string sql_;
  const std::string name_;  ///< the server-side name of a kept statement, else empty
  int prepared_in_ = -1;    ///< the connection generation it was prepared in
  bool ran_once_ = false;   ///< whether it ran once unprepared
  std::vector<std::optional<std::string>> params_;
  PGresult* res_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
  bool done_ = false;
  bool lent_ = false;
};

class PgConnection final : public db::Connection {
public:
  PgConnection(const std::string& url, const db::ConnectionOptions& options);
  ~PgConnection() override {
    cache_.clear();
    libpq().finish(conn_);
  }

  DbEngine engine() const override { return DbEngine::postgres; }
  db::Statement prepare(std::string_view sql, std::string_view) override {
    return db::Statement(new PgStatement(*this, sql, ""));
  }
  db::Statement cached(std::string_view sql, std::string_view what) override {
    auto it = cache_.find(sql);
    if (it == cache_.end())
      it = cache_
               .emplace(std::string(sql),
                        std::make_unique<PgStatement>(*this, sql, "pairkit_" + std::to_string(cache_.size() + 1)))
               .first;
    if (!it->second->lend()) return prepare(sql, what);
    return db::Statement(it->second.get());
  }
  void exec(const char* sql, std::string_view what) override { libpq().clear(check(run(sql), what, sql)); }
  void begin() override {
    ready();
    exec("BEGIN", "query failed");
    in_transaction_ = true;
    // Writers of this store are ordered across processes and machines.
    exec(lock_sql_.c_str(), "wait for the store's lock");
  }
  void commit() override {
    in_transaction_ = false;
    PGresult* r = run("COMMIT");
    if (lost()) {
      libpq().clear(r);
      throw InputError("lost the connection to " + path() +
                       " while committing: the change may or may not have been made");
    }
    libpq().clear(check(r, "query failed", "COMMIT"));
  }
  void rollback() noexcept override {
    in_transaction_ = false;
    if (!lost()) libpq().clear(run("ROLLBACK"));
  }
  void recover() override {
    if (!lost()) return;
    libpq().reset(conn_);
    doomed_ = false;
    if (lost())
      throw db::Retryable(describe_({Failure::connection_lost, path(), busy_timeout(), "reconnect",
                                     one_line(libpq().error_message(conn_))}));
    ++generation_;
    set_up_session();
  }
  int migrate(const Schema& schema) override;
  db::ChangeStamp change_stamp() override;
  [[noreturn]] void fail(std::string_view what) const override { fail(nullptr, what, {}); }

  /// Before a statement: a connection lost outside a transaction is
  /// reconnected at once (a read after a server restart); inside one, the
  /// transaction must run again.
  void ready() {
    if (!lost()) return;
    if (in_transaction_)
      throw db::Retryable(describe_({Failure::connection_lost, path(), busy_timeout(), "query",
                                     one_line(libpq().error_message(conn_))}));
    recover();
  }
  PGconn* handle() const { return conn_; }
  int generation() const { return generation_; }
  /// Throws for a result that is no success (and frees it).
  PGresult* check(PGresult* r, std::string_view what, std::string_view sql) const {
    const auto st = r ? libpq().result_status(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    fail(r, what, sql);
  }
  [[noreturn]] void fail(PGresult* r, std::string_view what, std::string_view sql) const;

private:
  PGresult* run(const char* sql) { return libpq().exec(conn_, sql); }
  bool lost() const { return doomed_ || libpq().status(conn_) != CONNECTION_OK; }
  /// Notices are not printed (the one error line is the caller's). One of
  /// severity FATAL or PANIC is the server saying why it is about to close
  /// the connection (pg_terminate_backend, a shutdown): it counts as lost
  /// from then on, before libpq has read the end of the connection.
  static void receive_notice(void* self, const PGresult* r) {
    const char* severity = libpq().result_error_field(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (std::string_view(severity) == "FATAL" || std::string_view(severity) == "PANIC"))
      static_cast<PgConnection*>(self)->doomed_ = true;
  }
  /// The session's settings: the busy timeout as lock and statement
  /// timeouts, and the store's namespace as the search path.
  std::string session_sql() const;
  void set_up_session();
  int read_version(std::string_view ns);

  PGconn* conn_ = nullptr;
  Describe describe_;
  IfMissing if_missing_;
  std::string lock_sql_ = "SELECT 1";
  std::string search_path_ = "pg_catalog";
  bool in_transaction_ = false;
  bool doomed_ = false;  ///< the server announced the connection's end (receive_notice)
  int generation_ = 0;
  /// The store's notification channel: its namespace (set by migrate).
  std::string channel_;
  /// The connection generation whose session LISTENs on channel_ (-1: none).
  int listening_in_ = -1;
  /// Notifications and unknowns seen: the change stamp.
  int64_t changes_ = 0;
  /// How often the session notifies itself to show that it still hears, and when it last heard.
  static constexpr std::chrono::seconds kConfirmEvery{1};
  std::chrono::steady_clock::time_point confirmed_;
  uint64_t pings_ = 0;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view v) const noexcept { return std::hash<std::string_view>{}(v); }
  };
  std::unordered_map<std::string, std::unique_ptr<PgStatement>, Hash, std::equal_to<>> cache_;
};

bool PgStatement::step(std::string_view what) {
  if (done_) return false;
  if (!res_) execute(what);
  if (++row_ < rows_) return true;
  done_ = true;
  return false;
}

void PgStatement::execute(std::string_view what) {
  conn_.ready();
  const auto& l = libpq();
  std::vector<const char*> values;
  values.reserve(params_.size());
  for (const auto& p : params_) values.push_back(p ? p->c_str() : nullptr);
  const int n = static_cast<int>(values.size());
  PGresult* r = nullptr;
  // A kept statement is prepared on the server when it runs a second time on
  // this connection: a command that runs it once pays no extra round trip.
  if (name_.empty() || (prepared_in_ != conn_.generation() && !std::exchange(ran_once_, true))) {
    r = l.exec_params(conn_.handle(), sql_.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0);
  } else {
    if (prepared_in_ != conn_.generation()) {
      // Parameter types are left to the server, as the SQL's context gives them.
      l.clear(conn_.check(l.prepare(conn_.handle(), name_.c_str(), sql_.c_str(), n, nullptr), what, {}));
      prepared_in_ = conn_.generation();
    }
    r = l.exec_prepared(conn_.handle(), name_.c_str(), n, values.data(), nullptr, nullptr, 0);
  }
  res_ = conn_.check(r, what, {});
  rows_ = l.ntuples(res_);
  row_ = -1;
}

PgConnection::PgConnection(const std::string& url, const db::ConnectionOptions& options)
    : db::Connection(url, options.busy_timeout), describe_(options.describe), if_missing_(options.if_missing) {
  const auto& l = libpq();
  // Ours first: what the URL says wins (expand_dbname).
  const std::string secs = std::to_string(std::max<int64_t>(
      2, std::chrono::duration_cast<std::chrono::seconds>(options.busy_timeout).count()));
  const std::string user_timeout = std::to_string(options.busy_timeout.count());
  const char* keys[] = {"connect_timeout", "tcp_user_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {secs.c_str(), user_timeout.c_str(), "pairkit", url.c_str(), nullptr};
  conn_ = l.connectdb_params(keys, values, 1);
  if (!conn_) throw InputError("cannot connect to " + url + ": out of memory");
  l.set_notice_receiver(conn_, receive_notice, this);
  if (lost()) {
    // The destructor does not run for a constructor that throws.
    const std::string why = one_line(l.error_message(conn_));
    l.finish(conn_);
    conn_ = nullptr;
    throw InputError(describe_({Failure::cannot_open, path(), busy_timeout(), "connect", why}));
  }
  // The session is set up by migrate, in the round trip that reads the version.
}

std::string PgConnection::session_sql() const {
  const std::string ms = std::to_string(busy_timeout().count());
  return "SET lock_timeout = " + ms + "; SET statement_timeout = " + ms + "; SET search_path TO " + search_path_;
}

void PgConnection::set_up_session() { libpq().clear(check(run(session_sql().c_str()), "set up the session", {})); }

void PgConnection::fail(PGresult* r, std::string_view what, std::string_view sql) const {
  const auto& l = libpq();
  const char* state = r ? l.result_error_field(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r ? l.result_error_field(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const std::string code = state ? state : "";
  const std::string msg = one_line(primary ? primary : l.error_message(conn_));
  if (r) l.clear(r);
  Failure kind = Failure::other;
  if (lost() || code.starts_with("08") || code.starts_with("57P"))
    kind = Failure::connection_lost;
  else if (code.starts_with("23"))
    kind = Failure::constraint;
  else if (code == "55P03" || code == "57014")
    kind = Failure::busy;
  const std::string text = describe_({kind, path(), busy_timeout(), what, msg, sql});
  if (kind == Failure::connection_lost || code == "40001" || code == "40P01") throw db::Retryable(text);
  if (kind == Failure::constraint) throw db::ConstraintViolation(text);
  throw InputError(text);
}

// The version in the store's schema_version table; 0 when the namespace is
// there but the table is empty; -1 when the namespace is not there at all.
int PgConnection::read_version(std::string_view ns) {
  auto s = prepare("SELECT to_regnamespace(?) IS NOT NULL, to_regclass(?) IS NOT NULL", "read the schema version");
  s.bind(1, ns).bind(2, std::string(ns) + ".schema_version");
  s.step("read the schema version");
  if (s.text(0) != "t") return -1;
  if (s.text(1) != "t")
    throw InputError(path() + ": the schema " + std::string(ns) + " is not pairkit's (it has no schema_version table)");
  auto v = prepare("SELECT version FROM " + std::string(ns) + ".schema_version", "read the schema version");
  return v.step("read the schema version") ? static_cast<int>(v.integer(0)) : 0;
}

int PgConnection::migrate(const Schema& schema) {
  const std::string ns(schema.namespace_name);
  const int target = static_cast<int>(schema.postgres_migrations.size());
  lock_sql_ = "SELECT pg_advisory_xact_lock(" + std::to_string(lock_key(ns)) + ")";
  search_path_ = ns;
  channel_ = ns;
  // Most opens find the current version: the session's settings and the
  // version in one round trip. Anything else takes the careful way.
  {
    const std::string sql = session_sql() + "; SELECT version FROM " + ns + ".schema_version";
    PGresult* r = run(sql.c_str());
    const auto& l = libpq();
    const bool current = l.result_status(r) == PGRES_TUPLES_OK && l.ntuples(r) == 1 &&
                         std::string_view(l.getvalue(r, 0, 0)) == std::to_string(target);
    l.clear(r);
    if (current) return target;
  }
  set_up_session();
  auto refuse_newer = [&](int v) {
    schema.too_new(*this, v);
    throw InputError(path() + " has schema version " + std::to_string(v) + "; this pairkit knows up to " +
                     std::to_string(target));
  };
  int v = read_version(ns);
  if (v == target) return v;
  if (v > target) refuse_newer(v);
  if (v < 0 && if_missing_ == IfMissing::fail)
    throw db::StoreMissing(path() + " holds no " + std::string(schema.noun) + " (no schema " + ns + ")");
  db::Transaction tx(*this);
  exec(("CREATE SCHEMA IF NOT EXISTS " + ns + "; CREATE TABLE IF NOT EXISTS " + ns +
        ".schema_version(version INTEGER NOT NULL)")
           .c_str(),
       "create the schema");
  v = std::max(read_version(ns), 0);  // another process may have migrated meanwhile
  if (v > target) refuse_newer(v);
  const int found = v;
  for (int i = v; i < target; ++i) exec(schema.postgres_migrations[static_cast<size_t>(i)], "migrate");
  exec(("DELETE FROM " + ns + ".schema_version; INSERT INTO " + ns + ".schema_version VALUES (" +
        std::to_string(target) + ")")
           .c_str(),
       "record the schema version");
  tx.commit();
  return found;
}

// Every write to a store's tables notifies the channel named after its
// namespace (a trigger on each table, the schema's migrations), whoever
// wrote: another gate, the CLI, psql. A session that LISTENs there is told
// of each commit as it happens, its own commits inside COMMIT's answer and
// other sessions' a moment after theirs; the stamp moves with each
// notification read here without waiting. A silent connection tells of no
// change, also when it died without a word (a network partition) or when
// its notifications go elsewhere (a pooler that moves the session between
// server connections): so a stamp older than kConfirmEvery holds only once
// the session has notified itself and heard it, in one round trip that also
// brings every notification sent before it. Whenever this session cannot
// tell (no schema read yet, inside a transaction, no listener, a lost
// connection, its own notice unheard), every stamp differs and nothing is
// kept.
db::ChangeStamp PgConnection::change_stamp() {
  const auto& l = libpq();
  if (channel_.empty() || in_transaction_ || lost()) return {++changes_, 0};
  const auto now = std::chrono::steady_clock::now();
  if (listening_in_ != generation_) {
    // The same session as the queries: notifications queue behind their answers.
    PGresult* r = run(("LISTEN \"" + channel_ + "\"").c_str());
    const bool ok = l.result_status(r) == PGRES_COMMAND_OK;
    l.clear(r);
    if (!ok) return {++changes_, 0};
    listening_in_ = generation_;
    confirmed_ = {};
    ++changes_;  // what happened before the listener is unknown
  }
  std::string ping;
  if (now - confirmed_ >= kConfirmEvery) {
    // Unique to this connection: other sessions' pings are no change, and
    // no other session sends this one.
    ping = "ping " + std::to_string(getpid()) + " " + std::to_string(reinterpret_cast<uintptr_t>(this)) + " " +
           std::to_string(++pings_);
    PGresult* r = run(("SELECT pg_notify('" + channel_ + "', '" + ping + "')").c_str());
    const bool ok = l.result_status(r) == PGRES_TUPLES_OK;
    l.clear(r);
    if (!ok) return {++changes_, 0};
  } else if (!l.consume_input(conn_)) {
    return {++changes_, 0};
  }
  bool heard = false;
  while (PGnotify* n = l.notifies(conn_)) {
    const std::string_view payload = n->extra ? n->extra : "";
    if (!ping.empty() && payload == ping)
      heard = true;
    else if (!payload.starts_with("ping "))
      ++changes_;  // the triggers' notifications carry no payload
    l.freemem(n);
  }
  if (doomed_) return {++changes_, 0};
  if (!ping.empty()) {
    if (!heard) return {++changes_, 0};
    confirmed_ = now;
  }
  return {changes_, 0};
}

}  // namespace

std::unique_ptr<db::Connection> open(const std::string& url, const db::ConnectionOptions& options) {
  return std::make_unique<PgConnection>(url, options);
}

}  // namespace pairkit::postgres
