// The server-side pairing registry: pairing requests, paired terminals and
// an audit log of every state change, behind an interface each database
// engine implements (SQLite: registry_sqlite.cpp, pairing.db by convention).
// States: pending -> paired | rejected | expired; paired -> unpaired.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <botan/rng.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/core/db_location.hpp"
#include "pairkit/pairing/code.hpp"

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

/// The registry as every engine implements it. Each state change and its
/// audit row are written in one transaction; two processes deciding the
/// same request are ordered by the database, not by checks in C++.
class Registry {
public:
  virtual ~Registry() = default;

  /// Records a pending request with a fresh nonce (see RequestOutcome).
  /// server: the server certificate for this request; when absent, the one
  /// recorded by an earlier request (UsageError if there is none yet).
  virtual RequestOutcome request(const std::string& serial, const CertRef& terminal,
                                 const std::optional<CertRef>& server, std::chrono::seconds lifetime,
                                 Botan::RandomNumberGenerator& rng, const Clock& clock) = 0;

  /// Requests, oldest first, optionally of one state (expiring stale ones first).
  virtual std::vector<RequestRow> list(std::optional<State> state, const Clock& clock) = 0;

  /// Approves the pending request of `serial` when every typed group matches
  /// and at least min_groups are given. CheckFailed on a wrong code (counted;
  /// after kMaxCodeAttempts the request is rejected), an expired request or
  /// no pending request; UsageError when fewer than min_groups are given.
  virtual RequestRow approve(const std::string& serial, const std::vector<CodeGroup>& typed, int min_groups,
                             const std::string& operator_name, const Clock& clock) = 0;

  /// pending -> rejected. CheckFailed without a pending request.
  virtual RequestRow reject(const std::string& serial, const std::string& operator_name, const Clock& clock) = 0;

  /// paired -> unpaired. CheckFailed when the serial is not paired.
  virtual RequestRow unpair(const std::string& serial, const std::string& operator_name, const Clock& clock) = 0;

  /// Passes only when `serial` is paired with exactly this certificate
  /// fingerprint; CheckFailed naming both fingerprints otherwise. Read-only.
  virtual void check(const std::string& serial, const std::string& cert_sha256) = 0;

  /// The audit log, oldest first, optionally for one serial.
  virtual std::vector<AuditRow> audit(const std::optional<std::string>& serial) = 0;
};

struct RegistryOptions {
  IfMissing if_missing = IfMissing::fail;
  std::chrono::milliseconds busy_timeout{5000};
};

/// Opens (with IfMissing::create: and creates) the registry at `location`:
/// a path or `sqlite:PATH`; another URL scheme is a UsageError. Throws
/// InputError for a missing file (IfMissing::fail), a file that is not an
/// SQLite database or not a registry, a newer schema, or a database busy
/// past busy_timeout.
std::unique_ptr<Registry> open_registry(const std::string& location, const RegistryOptions& options);

/// Whether `location` (as open_registry takes it) holds a registry already.
bool registry_exists(const std::string& location);

}  // namespace pairkit::pairing
