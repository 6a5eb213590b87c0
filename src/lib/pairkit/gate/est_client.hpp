// `gate enroll` and `gate renew`: a paired terminal asks the gate's EST
// server (RFC 7030) for a CA certificate, then renews it (pairkit-gate(1),
// ENROLL AND RENEW). The transport and the passing of time are parameters,
// as for join, so the conversations are testable without a network or a wait.
#pragma once
#include <memory>

#include <botan/pk_keys.h>
#include <chrono>
#include <string>
#include <vector>

#include <botan/rng.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/gate/join.hpp"

namespace pairkit::gate {

/// The EST operations (RFC 7030 §3.2.2), under the gate's mTLS port.
inline constexpr const char* kEstCacerts = "/.well-known/est/cacerts";
inline constexpr const char* kEstSimpleEnroll = "/.well-known/est/simpleenroll";
inline constexpr const char* kEstSimpleReenroll = "/.well-known/est/simplereenroll";

struct EstOptions {
  std::string device_dir;
  std::string gate;  ///< HOST:PORT; empty: the address `gate join` pinned
  bool new_key = false;  ///< renew: a new key of the same type (key.pem.previous keeps the old)
  std::chrono::seconds wait{5 * 60};  ///< how long to wait for a pending or busy gate
  /// The device's key when it is held in a token (device.toml's key URI):
  /// requests are signed there, and no key file is read. A new key is made
  /// in the token with `key gen --token`, not by renew --new-key.
  std::shared_ptr<const Botan::Private_Key> token_key;
};

/// Something the client did or waits for, for a log line.
struct EstEvent {
  enum Kind { pending, busy, ca_changed, recovered, discarded, reusing_key, sleeping, retrying } kind = pending;
  std::string message;
  std::chrono::milliseconds wait{0};  ///< pending, busy, sleeping, retrying: how long
};

/// Hears the client's events (stderr, the journal).
class EstObserver {
public:
  virtual ~EstObserver() = default;
  virtual void event(const EstEvent& e) = 0;
};

/// What an enrollment or renewal put in place.
struct EstResult {
  std::vector<std::string> written;  ///< paths written or replaced, in order
  std::string serial;                ///< the new certificate's, upper-case hex
  std::string sha256;                ///< its SHA-256, colon hex
  TimePoint not_before{}, not_after{};
  bool new_key = false;
};

/// The gate's address: `gate` when given, else the address of the pin
/// "gate" in DEVICE_DIR/pins.toml. Throws UsageError when there is no such
/// pin ("pair first with gate join") or the address is malformed.
std::string est_gate_address(const std::string& device_dir, const std::string& gate);

/// Fetches ca.pem, then asks simpleenroll for a certificate of key.pem with
/// cert.pem's subject and SANs, authenticated by the paired cert.pem; the
/// answer replaces cert.pem (the paired one kept as cert.pem.previous).
/// Throws UsageError (no pin, no --dir), CheckFailed (refused: any 403, 400,
/// a certificate for another key or not from ca.pem, still pending after
/// opts.wait) or InputError/NetworkError (unreachable, 5xx, busy after
/// opts.wait, a malformed answer, a file that cannot be written); nothing is
/// replaced then.
EstResult est_enroll(const EstOptions& opts, const TransportFactory& connect, EstObserver& observer, Waiter& waiter,
                     Botan::RandomNumberGenerator& rng, const Clock& clock);

/// Finishes or discards what a crash left, refreshes ca.pem, then asks
/// simplereenroll, authenticated by the current cert.pem, for a certificate
/// of key.pem (or, with opts.new_key or a key.pem.next left by an
/// interrupted rotation, of key.pem.next, written before the request). The
/// answer replaces the pair, the old one kept as .previous. Throws as
/// est_enroll.
EstResult est_renew(const EstOptions& opts, const TransportFactory& connect, EstObserver& observer, Waiter& waiter,
                    Botan::RandomNumberGenerator& rng, const Clock& clock);

}  // namespace pairkit::gate
