// The server-side pairing registry: an SQLite database (pairing.db by
// convention) of pairing requests, paired terminals and an audit log of
// every state change. States: pending -> paired | rejected | expired;
// paired -> unpaired.
#pragma once
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <botan/rng.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/pairing/code.hpp"

struct sqlite3;

namespace pairkit::pairing {

/// Schema version this build writes (PRAGMA user_version).
inline constexpr int kSchemaVersion = 1;
/// Wrong codes an operator may enter before a request is rejected.
inline constexpr int kMaxCodeAttempts = 3;

enum class State { pending, paired, rejected, expired, unpaired };
std::string state_name(State s);
State parse_state(std::string_view name);  ///< UsageError for an unknown state

/// A certificate as the registry sees it: colon-hex SHA-256 and its PEM.
struct CertRef {
  std::string sha256;  ///< "AB:CD:..."
  std::string pem;
};

struct RequestRow {
  int64_t id = 0;
  std::string serial;
  State state = State::pending;
  std::string fingerprint;         ///< terminal certificate SHA-256
  std::string server_fingerprint;  ///< server certificate SHA-256
  std::string nonce;               ///< hex
  std::string code;                ///< the full pairing code
  TimePoint created_at{}, expires_at{};
  std::optional<TimePoint> decided_at;
  std::string decided_by;
};

struct AuditRow {
  int64_t id = 0;
  TimePoint at{};
  std::string actor, serial, action, old_state, new_state, old_fingerprint, new_fingerprint, detail;
};

/// What `request` did.
struct RequestOutcome {
  bool already_paired = false;  ///< same serial, same fingerprint: nothing new
  RequestRow row;               ///< the new pending request (or the paired one)
  std::optional<std::string> replaces_fingerprint;  ///< a different pairing stays until decided
};

class Registry {
public:
  /// Opens (create: and creates, migrating to kSchemaVersion) the database.
  /// Throws InputError for a missing file (without create), a file that is
  /// not an SQLite database, a newer schema, or a database busy past
  /// busy_timeout.
  Registry(const std::string& path, bool create, std::chrono::milliseconds busy_timeout);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Records a pending request with a fresh nonce (see RequestOutcome).
  /// server: the server certificate for this request; when absent, the one
  /// recorded by an earlier request (UsageError if there is none yet).
  RequestOutcome request(const std::string& serial, const CertRef& terminal, const std::optional<CertRef>& server,
                         std::chrono::seconds lifetime, Botan::RandomNumberGenerator& rng, const Clock& clock);

  /// Requests, oldest first, optionally of one state (expiring stale ones first).
  std::vector<RequestRow> list(std::optional<State> state, const Clock& clock);

  /// Approves the pending request of `serial` when every typed group matches
  /// and at least min_groups are given. CheckFailed on a wrong code (counted;
  /// after kMaxCodeAttempts the request is rejected), an expired request or
  /// no pending request; UsageError when fewer than min_groups are given.
  RequestRow approve(const std::string& serial, const std::vector<CodeGroup>& typed, int min_groups,
                     const std::string& operator_name, const Clock& clock);

  /// pending -> rejected. CheckFailed without a pending request.
  RequestRow reject(const std::string& serial, const std::string& operator_name, const Clock& clock);

  /// paired -> unpaired. CheckFailed when the serial is not paired.
  RequestRow unpair(const std::string& serial, const std::string& operator_name, const Clock& clock);

  /// Passes only when `serial` is paired with exactly this certificate
  /// fingerprint; CheckFailed naming both fingerprints otherwise. Read-only.
  void check(const std::string& serial, const std::string& cert_sha256);

  /// The audit log, oldest first, optionally for one serial.
  std::vector<AuditRow> audit(const std::optional<std::string>& serial);

private:
  struct Tx;
  void exec(const char* sql);
  void migrate();
  void expire_stale(TimePoint now);
  std::optional<RequestRow> find(const std::string& serial, const char* state_sql);
  void set_state(const RequestRow& row, State to, TimePoint now, const std::string& actor);
  void log(TimePoint at, const std::string& actor, const std::string& serial, const std::string& action,
           const std::string& old_state, const std::string& new_state, const std::string& old_fp,
           const std::string& new_fp, const std::string& detail);
  [[noreturn]] void fail(const std::string& what);

  sqlite3* db_ = nullptr;
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

}  // namespace pairkit::pairing
