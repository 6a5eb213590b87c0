// The gate client's transport: one HTTPS request per connection, over TLS 1.2
// or later with the device's certificate (mTLS), the gate authenticated by a
// pin on its certificate rather than by a CA, every step under a deadline.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <botan/pk_keys.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::gate {

/// The gate could not be reached or did not answer: name resolution, a
/// refused or timed-out connection, a failed handshake, a dropped
/// connection, an answer that is not HTTP. Exit code 3, like every InputError;
/// a polling client retries it, which it never does for a pin mismatch.
class NetworkError : public InputError {
public:
  using InputError::InputError;
};

/// "host:port" or "[v6]:port" split into its parts. Throws UsageError.
struct HostPort {
  std::string host;  ///< without brackets
  uint16_t port = 0;
  std::string text() const;  ///< "host:port", "[v6]:port"
};
HostPort split_address(const std::string& address);

/// One HTTP answer.
struct HttpsResponse {
  int status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retry_after;  ///< Retry-After in seconds, when given and sane
  std::optional<TimePoint> retry_at;                ///< Retry-After as an HTTP-date
};

struct HttpsClientOptions {
  std::string key_pem;   ///< the device's key.pem (path), unless token_key
  std::shared_ptr<const Botan::Private_Key> token_key;  ///< the device's key, held in a token
  std::string cert_pem;  ///< the device's cert.pem (path)
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds io_timeout{15'000};  ///< handshake, request and answer, each
  size_t max_body_bytes = 2 * 1024 * 1024;       ///< a CONFIG of 1 MiB in base64 fits
};

/// Called with the DER certificate the gate presented, after the handshake
/// and before a byte of the request leaves; it throws to refuse the gate.
using PeerCheck = std::function<void(const std::vector<uint8_t>& peer_der)>;

/// An HTTPS client for one gate address.
class HttpsClient {
public:
  /// Loads the device's key and certificate (InputError naming the file).
  HttpsClient(std::string address, const HttpsClientOptions& opts);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  /// Connects, handshakes, lets `check` see the gate's certificate, sends
  /// one request (`body` as `content_type` when not empty, asking for
  /// `accept`) and reads the answer, then closes. Throws NetworkError for
  /// anything on the way, or whatever `check` throws.
  HttpsResponse request(const std::string& method, const std::string& target, const std::string& body,
                        const PeerCheck& check, const std::string& content_type = "application/json",
                        const std::string& accept = "application/json");

  /// The gate's certificate (DER) seen in the last handshake.
  const std::vector<uint8_t>& peer_certificate() const { return peer_der_; }
  /// The address as given.
  const std::string& address() const { return address_; }

private:
  struct Impl;
  std::string address_;
  HttpsClientOptions opts_;
  std::vector<uint8_t> peer_der_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pairkit::gate
