// `gate join`: a terminal asks a gate to pair, shows the pairing code, polls
// until the operator decides, then writes the configuration it receives
// (pairkit-gate(1), JOIN). The transport and the passing of time are
// parameters, so the whole conversation is testable without a network or a wait.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <botan/rng.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/gate/https_client.hpp"
#include "pairkit/qr/payload.hpp"

namespace pairkit::gate {

/// Where a terminal's configuration files go inside DEVICE_DIR.
inline constexpr const char* kConfigSubdir = "config";
/// The pin names a join stores.
inline constexpr const char* kGatePinName = "gate";
inline constexpr const char* kMasterPinName = "master";

/// One HTTPS exchange with the gate (HttpsClient in production).
class GateTransport {
public:
  virtual ~GateTransport() = default;
  /// As HttpsClient::request.
  virtual HttpsResponse request(const std::string& method, const std::string& target, const std::string& body,
                                const PeerCheck& check) = 0;
  /// As HttpsClient::request with a body of another type than JSON, or an
  /// answer that may be (EST: application/pkcs10 out, application/pkcs7-mime back).
  virtual HttpsResponse request_as(const std::string& method, const std::string& target, const std::string& body,
                                   const std::string& content_type, const std::string& accept,
                                   const PeerCheck& check) = 0;
};

/// Monotonic time and sleeping (the real clock and sleep in production).
class Waiter {
public:
  virtual ~Waiter() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;
  virtual void sleep(std::chrono::milliseconds d) = 0;
};

/// The real monotonic clock and std::this_thread::sleep_for.
class SystemWaiter final : public Waiter {
public:
  std::chrono::steady_clock::time_point now() override;
  void sleep(std::chrono::milliseconds d) override;
};

/// A change of the join's state, for the device's display or --json.
struct JoinEvent {
  enum Kind { pending, waiting, paired, closed, unpaired, refused } kind = pending;
  int64_t id = 0;             ///< 0 before the gate gave one
  std::string code;           ///< pending: the pairing code to show
  std::string expires_at;     ///< pending
  std::string reason;         ///< waiting: why (a network error, "busy"); refused: the gate's code
  std::chrono::milliseconds retry_in{0};  ///< waiting
  std::string message;        ///< closed, unpaired, refused: the gate's words
  std::string approved_by;    ///< paired
  std::vector<std::string> files;  ///< paired: the paths written
  std::string master;         ///< paired: the master address pinned, if any
};

/// Hears the join's events and notes (a pin forgotten, a stale request dropped).
class JoinObserver {
public:
  virtual ~JoinObserver() = default;
  virtual void event(const JoinEvent& e) = 0;
  virtual void note(const std::string& line) = 0;
};

struct JoinOptions {
  std::string device_dir;
  std::string gate;    ///< HOST:PORT; empty to take it from the invite payload
  std::string serial;  ///< empty: DEVICE_DIR/device.toml's
  std::string pin;     ///< --pin FP
  std::optional<qr::PairingPayload> payload;  ///< --qr: address, fingerprint, invite token
  bool tofu = false;
  std::chrono::seconds wait{15 * 60};
};

/// Opens the transport to an address (an HttpsClient with the device's key).
using TransportFactory = std::function<std::unique_ptr<GateTransport>(const std::string& address)>;

/// The first pairkit payload in a photo of a QR code (qr/scan.hpp), parsed.
/// Throws InputError when the image holds none or the payload is malformed.
qr::PairingPayload read_invite_image(std::span<const uint8_t> image, const std::string& name);

/// Runs the join to its end and returns the paired event. Throws
/// UsageError (no pin source, two of them, a bad address or serial),
/// CheckFailed (pin mismatch, closed, unpaired, refused, still pending
/// after opts.wait) or InputError/NetworkError (unreachable before a first
/// answer or past opts.wait, a malformed answer, a file that cannot be written).
JoinEvent join(const JoinOptions& opts, const TransportFactory& connect, JoinObserver& observer, Waiter& waiter,
               Botan::RandomNumberGenerator& rng, const Clock& clock);

}  // namespace pairkit::gate
