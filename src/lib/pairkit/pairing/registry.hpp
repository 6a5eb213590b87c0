// The server-side pairing registry: pairing requests, paired terminals and
// an audit log of every state change, behind an interface each database
// engine implements (registry_sql.cpp, on SQLite (pairing.db by convention)
// or PostgreSQL).
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
#include "pairkit/core/database.hpp"
#include "pairkit/core/db_location.hpp"
#include "pairkit/pairing/code.hpp"

namespace pairkit::pairing {

/// Schema version this build writes (PRAGMA user_version).
inline constexpr int kSchemaVersion = 3;
/// Wrong codes an operator may enter before a request is rejected.
inline constexpr int kMaxCodeAttempts = 3;
/// Wrong TOTP codes in a row that lock an operator out, and for how long.
inline constexpr int kMaxOtpFailures = 5;
inline constexpr std::chrono::minutes kOtpLockout{15};

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
  std::string decided_by;          ///< "alice", "invite 7", "pre-registration"
  std::string source_address;      ///< where a gate saw it come from ("" for `pair request`)
  std::optional<TimePoint> last_seen_at;  ///< the terminal's last contact (a poll)
  /// Non-empty when, as this request was filed, its serial was pending or
  /// paired with another certificate: that certificate's fingerprint. Such
  /// a request is approved only by its id (pair list and the audit show it).
  std::string conflict_fingerprint;
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

/// Who decides, and their second factor (RFC 6238 TOTP code, "123456").
/// Once the registry requires TOTP (require_otp), every decision needs one;
/// a code given is checked even when none is required. A code is valid
/// within +-1 time step of the clock; a step at or before the operator's
/// last used one is refused; kMaxOtpFailures wrong codes lock the operator
/// out for kOtpLockout. Each attempt is audited. An unknown operator, a
/// wrong, reused or locked-out code is CheckFailed; a missing code that is
/// required is UsageError.
struct Decider {
  std::string operator_name;
  std::optional<std::string> otp;
};

/// A terminal's request as the gate received it (POST /v1/pair).
struct JoinRequest {
  std::string serial;
  CertRef terminal;                   ///< the client certificate of the TLS connection
  CertRef server;                     ///< the gate's own certificate
  std::string source_address;         ///< "127.0.0.1", "::1"
  std::optional<std::string> invite;  ///< the invite token from a scanned QR code
};

/// The gate's rules for joins (gate.toml).
struct JoinPolicy {
  bool require_expected = false;       ///< refuse serials nobody pre-registered (pair expect)
  bool auto_approve_expected = false;  ///< pre-registered with this fingerprint: approved at once
  int max_pending_per_address = 3;
  int max_pending = 100;
  std::chrono::seconds lifetime{15 * 60};
};

enum class JoinResult {
  paired,            ///< row is the pairing (already paired, or approved now by invite or pre-registration)
  pending,           ///< row is the pending request (new, or the one this certificate filed already)
  denied,            ///< the address or fingerprint is denied (pair deny)
  not_expected,      ///< require_expected, and the serial (or its fingerprint) was not pre-registered
  invite_refused,    ///< unknown, used or expired invite
  unpaired,          ///< this certificate's pairing was broken (pair unpair): pair again from scratch
  too_many_pending,  ///< max_pending_per_address or max_pending reached
};

struct JoinOutcome {
  JoinResult result = JoinResult::pending;
  RequestRow row;
  std::string reason;  ///< for refusals: one line, safe to show the terminal
};

/// A single-use invite (gate invite): the token goes into the QR code's ID
/// field; the registry keeps only its SHA-256.
struct Invite {
  int64_t id = 0;
  std::string token;  ///< 16 base32 characters (80 random bits); returned once
  TimePoint expires_at{};
};

struct OperatorRow {
  std::string name;
  TimePoint created_at{};
  int failures = 0;                     ///< wrong codes since the last good one
  std::optional<TimePoint> locked_until;
};

struct Denial {
  std::string kind;   ///< "address" or "fingerprint"
  std::string value;
  std::string by;
  TimePoint at{};
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

  /// Approves a pending request of `serial` when every typed group matches
  /// and at least min_groups are given: the request `id` names, else the
  /// one the code matches. CheckFailed on a wrong code (counted; after
  /// kMaxCodeAttempts the request is rejected), an expired request, no
  /// pending request, or a flagged request (conflict_fingerprint) not named
  /// by id; UsageError when fewer than min_groups are given. `by` passes
  /// the second factor first (see Decider).
  virtual RequestRow approve(const std::string& serial, std::optional<int64_t> id,
                             const std::vector<CodeGroup>& typed, int min_groups, const Decider& by,
                             const Clock& clock) = 0;

  /// pending -> rejected. CheckFailed without a pending request.
  virtual RequestRow reject(const std::string& serial, const Decider& by, const Clock& clock) = 0;

  /// paired -> unpaired. CheckFailed when the serial is not paired.
  virtual RequestRow unpair(const std::string& serial, const Decider& by, const Clock& clock) = 0;

  /// Passes only when `serial` is paired with exactly this certificate
  /// fingerprint; CheckFailed naming both fingerprints otherwise. Read-only.
  virtual void check(const std::string& serial, const std::string& cert_sha256) = 0;

  /// The audit log, oldest first, optionally for one serial.
  virtual std::vector<AuditRow> audit(const std::optional<std::string>& serial) = 0;

  // --- The gate (pairkit-gate(1)). Each call is one transaction with its audit rows.

  /// POST /v1/pair: the JoinResult order of checks is denied, paired or
  /// unpaired (this certificate), invite, expected, an existing pending
  /// request of this certificate (returned, never duplicated), the pending
  /// caps, then a new pending request (flagged when it conflicts).
  virtual JoinOutcome join(const JoinRequest& req, const JoinPolicy& policy, Botan::RandomNumberGenerator& rng,
                           const Clock& clock) = 0;
  /// GET /v1/pair/{id}: the request, only for the certificate that filed
  /// it (nullopt otherwise, so ids reveal nothing); records last_seen_at
  /// (to the second: a poll within the second it was recorded only reads).
  /// The row's code is left empty: the terminal computes its own, and a
  /// poll, many a second, should not cost a digest.
  virtual std::optional<RequestRow> poll(int64_t id, const std::string& cert_sha256, const Clock& clock) = 0;
  /// GET /v1/config: the serial paired with exactly this certificate, if any.
  virtual std::optional<std::string> paired_serial(const std::string& cert_sha256) = 0;
  /// EST: the newest request filed with this certificate, whatever its
  /// state (a pending one past its lifetime reads expired). Read-only.
  virtual std::optional<RequestRow> latest_request(const std::string& cert_sha256, const Clock& clock) = 0;
  /// Pending requests in all (the gate's metrics).
  virtual int pending_count(const Clock& clock) = 0;
  /// A stamp that moves whenever an answer read from the registry may have,
  /// whoever wrote: read it before the reads whose answers are kept under it
  /// (see db::Connection::change_stamp).
  virtual db::ChangeStamp change_stamp() = 0;

  /// pair expect: pre-registers a serial, optionally with its fingerprint.
  virtual void expect(const std::string& serial, const std::optional<std::string>& fingerprint, const Clock& clock) = 0;
  /// gate invite: a new single-use invite.
  virtual Invite create_invite(std::chrono::seconds valid_for, Botan::RandomNumberGenerator& rng,
                               const Clock& clock) = 0;
  /// pair deny: refuses an address or a fingerprint from now on.
  virtual void deny(const std::string& kind, const std::string& value, const Decider& by, const Clock& clock) = 0;
  virtual std::vector<Denial> denials() = 0;

  // --- Operators and their second factor (pairkit-operator(1)).

  /// Enrols an operator; returns the 20-byte TOTP secret (shown once).
  /// UsageError unless the name is 1-64 of A-Z a-z 0-9 . _ -; InputError
  /// if the name exists.
  virtual std::vector<uint8_t> add_operator(const std::string& name, Botan::RandomNumberGenerator& rng,
                                            const Clock& clock) = 0;
  virtual std::vector<OperatorRow> operators(const Clock& clock) = 0;
  /// CheckFailed if there is no such operator.
  virtual void remove_operator(const std::string& name, const Clock& clock) = 0;
  /// Whether decisions need a TOTP code (new registries: yes).
  virtual bool otp_required() = 0;
  /// pair require-otp: from now on every decision needs a TOTP code.
  virtual void require_otp(const Clock& clock) = 0;
};

struct RegistryOptions {
  IfMissing if_missing = IfMissing::fail;
  std::chrono::milliseconds busy_timeout{5000};
  /// A long-lived reader (the gate): answers to the reads a paired terminal
  /// causes on every request are kept until change_stamp() moves.
  bool keep_answers = false;
};

/// Opens (with IfMissing::create: and creates) the registry at `location`:
/// a path, `sqlite:PATH` or a `postgresql://` URL (see parse_db_location).
/// Throws InputError for a missing file or schema (IfMissing::fail), a file
/// that is not an SQLite database or not a registry, a newer schema, a
/// server that cannot be reached, or a database busy past busy_timeout.
std::unique_ptr<Registry> open_registry(const std::string& location, const RegistryOptions& options);


/// An IPv4 or IPv6 address as the gate records it (inet_ntop's form:
/// "10.0.0.9", "2001:db8::9"), so denials match. UsageError otherwise.
std::string normalize_address(std::string_view text);

/// A SHA-256 fingerprint as the registry stores it ("AB:CD:...") from colon
/// or plain hex in either case, with or without "SHA256:". UsageError otherwise.
std::string normalize_fingerprint(std::string_view text);

}  // namespace pairkit::pairing
